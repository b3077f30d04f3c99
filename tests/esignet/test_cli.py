"""`crvs-field esignet login` as support staff and automation use it: a real process, the endpoint
and client id from the environment (CRVS_ESIGNET_ISSUER / CRVS_ESIGNET_CLIENT_ID), --no-browser
printing the address that the "browser" (a test thread, over HTTP) then follows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from app.device import Device
from app.records import Actor, Role

from .conftest import CLIENT_JWE, FARAJALAND_DIR, ROOT, Browser

PIN = "4827-1593"


@pytest.fixture(scope="module")
def device_dir(tmp_path_factory: pytest.TempPathFactory, emulator: Any) -> Path:
    data_dir = tmp_path_factory.mktemp("cli") / "device"
    device = Device.initialise(data_dir, FARAJALAND_DIR)
    try:
        device.users.add(None, "root", "admin", PIN)
        device.users.add(Actor("root", Role.ADMIN), "ana", "agent", PIN, language="fr")
    finally:
        device.close()
    return data_dir


def new_draft(data_dir: Path, data: dict[str, str]) -> str:
    device = Device.open(data_dir)
    try:
        return device.records.create_draft(Actor("ana", Role.AGENT), "birth", data).id
    finally:
        device.close()


def run_cli(data_dir: Path, emulator: Any, record: str, section: str, browser: Browser | None,
            *, pasted: list[str] | None = None) -> tuple[int, dict[str, Any], str]:
    """`pasted`: lines typed on standard input once the browser is done (None: no input)."""
    env = {**os.environ, "CRVS_ESIGNET_ISSUER": emulator.base_url, "CRVS_ESIGNET_CLIENT_ID": CLIENT_JWE,
           "CRVS_FIELD_PIN": PIN, "PYTHONPATH": str(ROOT)}
    env.pop("CRVS_FIELD_DB_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "crvs_field", "--data-dir", str(data_dir), "--user", "ana",
         "esignet", "login", "--record", record, "--section", section, "--no-browser"],
        stdin=subprocess.DEVNULL if pasted is None else subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    stderr_lines: list[str] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr_lines.append(line)
            if line.startswith("http") and browser is not None:
                browser(line.strip())          # the agent pastes the printed address into a browser
                if pasted is not None:
                    threading.Thread(target=paste, daemon=True).start()

    def paste() -> None:
        assert browser is not None and process.stdin is not None and pasted is not None
        browser.join()
        for text in pasted:
            process.stdin.write(text.replace("{location}", browser.location or "") + "\n")
            process.stdin.flush()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert process.stdout is not None
        stdout = process.stdout.read()       # not communicate(): the reader thread owns stderr
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)
    if browser is not None:
        browser.join()
    return process.returncode, json.loads(stdout), "".join(stderr_lines)


def test_cli_login_prefills_and_stores_the_psut(device_dir, emulator, jane):
    record_id = new_draft(device_dir, {"child.firstname": "Tiwonge"})
    browser = Browser(jane["uin"])
    code, result, stderr = run_cli(device_dir, emulator, record_id, "mother", browser)
    assert code == 0, stderr
    assert result["state"] == "authenticated" and result["psut_stored"] is True
    assert result["section"] == "mother"
    assert result["fields"]["mother.surname"] == jane["family_name"]["eng"]
    assert result["fields"]["mother.middlename"] == jane["middle_name"]["eng"]
    assert "fields filled in" in result["message"]
    assert "Open this address in a browser" in stderr
    assert "ui_locales=fr" in browser.urls[0]          # the user's language reaches e-Signet
    assert browser.callback is not None and "Vous pouvez fermer cette fenêtre" in browser.callback.text

    device = Device.open(device_dir)
    try:
        record = device.records.get(record_id)
    finally:
        device.close()
    assert record.persons["mother"]["verification"] == "authenticated"
    assert record.persons["mother"]["psut"]
    assert record.declaration["mother.firstname"] == jane["given_name"]["eng"]
    assert record.declaration["child.firstname"] == "Tiwonge"


def test_cli_refusal_exits_1_with_the_reason(device_dir, emulator, monkeypatch, capsys):
    from crvs_field.cli.main import main

    record_id = new_draft(device_dir, {"child.firstname": "Tiwonge"})
    monkeypatch.setenv("CRVS_ESIGNET_ISSUER", emulator.base_url)
    monkeypatch.setenv("CRVS_FIELD_PIN", PIN)
    monkeypatch.delenv("CRVS_FIELD_DB_KEY", raising=False)
    code = main(["--data-dir", str(device_dir), "--user", "ana", "esignet", "login", "--record", record_id,
                 "--section", "child", "--no-browser"])
    assert code == 1
    assert json.loads(capsys.readouterr().out) == {
        "state": "failed", "section": "child", "fields": {}, "psut_stored": False,
        "message": "'child' has no national ID on this record (e.g. a newborn): e-Signet does not apply"}


def test_cli_show_and_export_never_print_the_userinfo_jwt(device_dir, emulator, jane):
    """The login keeps the verified userinfo JWT; `records show` (text and --json) and `audit
    export` show the person's data source (e-Signet) and never the token."""
    from app.records.service import userinfo_jwt_name
    from app.security.secrets import SecretStore

    record_id = new_draft(device_dir, {"mother.firstname": "typed"})
    code, result, stderr = run_cli(device_dir, emulator, record_id, "mother", Browser(jane["uin"]))
    assert code == 0 and result["state"] == "authenticated", stderr
    device = Device.open(device_dir)
    try:
        token = SecretStore(device.db).get(userinfo_jwt_name(record_id, "mother"))
    finally:
        device.close()
    assert token is not None and token.count(b".") == 2
    token_text = token.decode()

    env = {**os.environ, "CRVS_FIELD_PIN": PIN, "PYTHONPATH": str(ROOT)}
    env.pop("CRVS_FIELD_DB_KEY", None)

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "crvs_field", "--data-dir", str(device_dir), "--user", "ana",
                               *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        assert token_text not in done.stderr
        return done.stdout

    shown = json.loads(cli("records", "show", record_id, "--json"))
    assert shown["persons"]["mother"]["source"] == "esignet"
    assert shown["history"][-1]["details"]["data_sources"] == {
        "mother": {"source": "esignet", "edited": False, "previous": "typed"}}
    text = cli("records", "show", record_id)
    assert "mother: e-Signet" in text
    exported = cli("audit", "export", record_id)
    for output in (json.dumps(shown), text, exported):
        assert token_text not in output
        assert token_text.split(".")[1] not in output      # not even its claims part


def test_cli_login_finished_on_a_phone_takes_the_pasted_address(device_dir, emulator, jane):
    """--no-browser on a computer without one: a phone scans the code and logs in; its browser
    stops at this computer's loopback address, which the agent pastes back into the terminal."""
    record_id = new_draft(device_dir, {"child.firstname": "Chisomo"})
    phone = Browser(jane["uin"], follow=False)
    code, result, stderr = run_cli(device_dir, emulator, record_id, "mother", phone,
                                   pasted=["h" * 100_000, "https://example.org/callback?code=x", "{location}"])
    assert code == 0, stderr
    assert result["state"] == "authenticated" and result["psut_stored"] is True
    assert result["fields"]["mother.surname"] == jane["family_name"]["eng"]
    assert phone.callback is None and phone.location and "code=" in phone.location
    assert "paste that page's address here" in stderr
    # an over-long paste and a wrong address are refused, neither fetched; the right one still works
    assert stderr.count("not the address e-Signet sent back") == 2

"""The command line as support staff and automation use it (DESIGN §9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.conftest import farajaland_birth


def run(data_dir: Path, *args: str, user: str | None = None, pin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CRVS_FIELD_PIN", None)
    if pin:
        full_env["CRVS_FIELD_PIN"] = pin
    cmd = [sys.executable, "-m", "crvs_field", "--data-dir", str(data_dir)]
    if user:
        cmd += ["--user", user]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=full_env, timeout=120)


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("device")
    assert run(data_dir, "init", "--admin", "root", pin="root-pin").returncode == 0
    for name, role, pin in (("ana", "agent", "ana-pin"), ("rex", "registrar", "rex-pin")):
        result = run(data_dir, "users", "add", name, "--role", role, user="root", pin="root-pin",
                     env={"CRVS_FIELD_NEW_PIN": pin})
        assert result.returncode == 0, result.stderr
    return data_dir


def test_init_keeps_no_plaintext_key_and_refuses_to_overwrite(device: Path) -> None:
    assert (device / "keyslots.json").stat().st_mode & 0o777 == 0o600
    assert not (device / "agent.key").exists()
    locked = run(device, "records", "list")  # no user, no agent key: nothing can be read
    assert locked.returncode == 2 and "is locked" in locked.stderr
    result = run(device, "init", "--admin", "other", pin="whatever1")
    assert result.returncode == 2
    assert "already holds a device database" in result.stderr


def test_declare_list_show_as_json(device: Path, tmp_path: Path) -> None:
    data = tmp_path / "birth.json"
    data.write_text(json.dumps(farajaland_birth()), encoding="utf-8")
    declared = run(device, "records", "declare", "--event", "birth", "--data", str(data), user="ana", pin="ana-pin")
    assert declared.returncode == 0, declared.stderr
    record_id = declared.stdout.strip()

    listing = run(device, "records", "list", "--queue", "pending_validation", "--json", user="ana", pin="ana-pin")
    payload = json.loads(listing.stdout)
    assert record_id in [r["id"] for r in payload["records"]]
    assert payload["queues"]["pending_validation"] >= 1
    assert set(payload["records"][0]) == {"id", "tracking_id", "event", "status", "requires_attention",
                                          "registration_number", "updated_at"}

    shown = json.loads(run(device, "records", "show", record_id, "--json", user="ana", pin="ana-pin").stdout)
    assert shown["status"] == "declared"
    assert shown["persons"]["mother"]["verification"] == "pending"
    assert [h["kind"] for h in shown["history"]] == ["declare"]
    assert shown["declaration"]["child.firstname"] == "Amélie"

    searched = json.loads(run(device, "records", "list", "--search", "amelie banda", "--json",
                              user="ana", pin="ana-pin").stdout)
    assert record_id in [r["id"] for r in searched["records"]]


def test_agent_cannot_register(device: Path, tmp_path: Path) -> None:
    data = tmp_path / "birth.json"
    data.write_text(json.dumps(farajaland_birth()), encoding="utf-8")
    record_id = run(device, "records", "declare", "--event", "birth", "--data", str(data),
                    user="ana", pin="ana-pin").stdout.strip()
    result = run(device, "records", "act", record_id, "register", user="ana", pin="ana-pin")
    assert result.returncode == 1
    assert "needs the role registrar" in result.stderr


@pytest.mark.parametrize("content, message", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"child.firstname": 42}', "child.firstname: must be text"),
    ('{"child.nickname": "Ami"}', "child.nickname: no such field"),
    ('{"child.firstname": "Ami"}', "child.surname: Last name is required"),
    ('{"child.firstname": "Ami", "child.surname": "B", "child.gender": "female", "child.dob": "2026-13-01",'
     ' "informant.relation": "mother", "mother.firstname": "M", "mother.surname": "B"}', "child.dob: must be a date"),
])
def test_bad_data_is_refused_and_nothing_is_written(device: Path, tmp_path: Path, content: str,
                                                    message: str) -> None:
    before = json.loads(run(device, "records", "list", "--json", "--limit", "1000",
                            user="ana", pin="ana-pin").stdout)["records"]
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = run(device, "records", "declare", "--event", "birth", "--data", str(bad), user="ana", pin="ana-pin")
    assert result.returncode == 2
    assert message in result.stderr
    after = json.loads(run(device, "records", "list", "--json", "--limit", "1000",
                           user="ana", pin="ana-pin").stdout)["records"]
    assert len(after) == len(before)


def test_wrong_pin_is_refused(device: Path) -> None:
    result = run(device, "records", "list", user="ana", pin="nope-nope")
    assert result.returncode == 1
    assert "unknown user or wrong PIN" in result.stderr


def test_audit_verify_holds(device: Path) -> None:
    result = run(device, "audit", "verify", user="root", pin="root-pin")
    assert result.returncode == 0
    assert "holds" in result.stdout


def test_device_mosip_ids_set_at_init_and_changed_by_an_admin(tmp_path: Path) -> None:
    data_dir = tmp_path / "device"
    bad = run(data_dir, "init", "--admin", "root", "--machine-id", "12", pin="root-pin")
    assert bad.returncode == 2 and "five digits" in bad.stderr
    init = run(data_dir, "init", "--admin", "root", "--center-id", "40004", "--machine-id", "50005", pin="root-pin")
    assert init.returncode == 0, init.stderr
    assert "centre 40004, machine 50005" in init.stdout
    assert json.loads(run(data_dir, "device", "show", user="root", pin="root-pin").stdout) == {
        "center_id": "40004", "machine_id": "50005"}
    assert run(data_dir, "users", "add", "ana", "--role", "agent", user="root", pin="root-pin",
               env={"CRVS_FIELD_NEW_PIN": "ana-pin"}).returncode == 0
    refused = run(data_dir, "device", "set", "--machine-id", "60006", user="ana", pin="ana-pin")
    assert refused.returncode == 1 and "only an admin" in refused.stderr
    changed = run(data_dir, "device", "set", "--machine-id", "60006", user="root", pin="root-pin")
    assert changed.returncode == 0, changed.stderr
    assert json.loads(run(data_dir, "device", "show", user="ana", pin="ana-pin").stdout)["machine_id"] == "60006"


def test_plausibility_checks_hold_on_the_command_line(device: Path, tmp_path: Path) -> None:
    data = tmp_path / "birth.json"
    data.write_text(json.dumps(farajaland_birth(**{"mother.dob": "2019-06-15"})), encoding="utf-8")
    declare = ("records", "declare", "--event", "birth", "--data", str(data))
    refused = run(device, *declare, user="ana", pin="ana-pin")
    assert refused.returncode == 2
    assert ("error: mother.dob: The mother would be 7 years old at the birth: check both dates of birth "
            "(a mother is at least 10). [mother-under-10]") in refused.stderr

    data.write_text(json.dumps(farajaland_birth(**{"mother.dob": "1972-01-10"})), encoding="utf-8")
    unconfirmed = run(device, *declare, user="ana", pin="ana-pin")
    assert unconfirmed.returncode == 1
    assert "mother.dob: The mother would be 54 years old at the birth." in unconfirmed.stderr
    assert "[mother-over-50]" in unconfirmed.stderr
    confirmed = run(device, *declare, "--confirm", "mother-over-50", user="ana", pin="ana-pin")
    assert confirmed.returncode == 0, confirmed.stderr
    shown = json.loads(run(device, "records", "show", confirmed.stdout.strip(), "--json",
                           user="ana", pin="ana-pin").stdout)
    assert shown["status"] == "declared"

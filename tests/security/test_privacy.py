"""Privacy scenario (issue 8): declarations, QR scans, verifications, a UIN confirmation and an
e-Signet login, all at DEBUG logging — then no name, UIN, VID, PSUT or userinfo JWT may appear in
clear in any log file or in the raw database files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from app.device import Device
from app.records.service import userinfo_jwt_name
from app.security.secrets import SecretStore
from mosip_emulator.server import EmulatorServer
from tests.esignet.conftest import Browser
from tests.sync.conftest import AGENT_PIN, REGISTRAR_PIN, link, person, section_values

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "qr"


def test_no_personal_data_in_logs_or_database(tmp_path: Path) -> None:
    with EmulatorServer(state_dir=tmp_path / "emulator", credential_delay=0) as emulator:
        linked = link(emulator, tmp_path / "device")
        linked.env["CRVS_FIELD_LOG_LEVEL"] = "DEBUG"
        mother, father, other = person("Female"), person("Male"), person("Female", skip=5)
        needles = {mother["uin"], father["uin"], other["uin"], other["vid"]}
        for who in (mother, father, other):
            needles |= {who["given_name"]["eng"], who["family_name"]["eng"]}

        scanned = linked.cli("qr", "decode", str(SAMPLES / "mosip_card.png"))
        assert scanned.returncode == 0, scanned.stderr
        card = json.loads(scanned.stdout)["fields"]
        needles |= {card["nid"], card["firstname"], card["surname"]}

        birth = {"child.firstname": "Wezzie", "child.surname": "Nyirongo", "child.gender": "female",
                 "child.dob": "2026-11-03", "informant.relation": "mother", **section_values("mother", mother),
                 **section_values("father", father)}
        with_card = {**birth, "child.firstname": "Temwani", "father.nid": card["nid"],
                     "father.firstname": card["firstname"], "father.surname": card["surname"],
                     "father.middlename": "", "father.dob": card["dob"]}
        needles |= {"Wezzie", "Nyirongo", "Temwani"}
        ids = []
        for n, data in enumerate((birth, with_card)):
            path = tmp_path / f"birth{n}.json"
            path.write_text(json.dumps({k: v for k, v in data.items() if v}), encoding="utf-8")
            declared = linked.cli("records", "declare", "--event", "birth", "--data", str(path),
                                  user="ana", pin=AGENT_PIN)
            assert declared.returncode == 0, declared.stderr
            ids.append(declared.stdout.strip())
        assert linked.cli("sync", "--once").returncode == 0
        assert linked.cli("records", "act", ids[0], "register", user="rex", pin=REGISTRAR_PIN).returncode == 0
        assert linked.cli("sync", "--once", "--linger", "10").returncode == 0
        shown = json.loads(linked.cli("records", "show", ids[0], "--json", user="ana", pin=AGENT_PIN).stdout)
        assert shown["status"] == "registered"
        needles.add(shown["mosip"]["vid"])

        # an e-Signet login for a third person, the "browser" driven over HTTP
        draft = tmp_path / "draft.json"
        draft.write_text(json.dumps({"child.firstname": "Chikondi"}), encoding="utf-8")
        draft_id = linked.cli("records", "declare", "--draft", "--event", "birth", "--data", str(draft),
                              user="ana", pin=AGENT_PIN).stdout.strip()
        needles.add("Chikondi")
        browser = Browser(other["uin"])
        env = {**os.environ, **linked.env, "CRVS_FIELD_PIN": AGENT_PIN}
        process = subprocess.Popen([sys.executable, "-m", "crvs_field", "--data-dir", str(linked.data_dir),
                                    "--user", "ana", "esignet", "login", "--record", draft_id, "--section",
                                    "mother", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, text=True, env=env)

        def follow() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                if line.startswith("http"):
                    browser(line.strip())

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        out = process.stdout.read() if process.stdout else ""
        process.wait(timeout=90)
        reader.join(timeout=10)
        browser.join()
        login = json.loads(out)
        assert login["state"] == "authenticated", login
        psut = json.loads(linked.cli("records", "show", draft_id, "--json", user="ana",
                                     pin=AGENT_PIN).stdout)["persons"]["mother"]["psut"]
        needles.add(psut)
        # the verified userinfo JWT kept for MOSIP's packets: in the encrypted store, nowhere else
        device = Device.open(linked.data_dir, user="ana", pin=AGENT_PIN)
        try:
            userinfo_jwt = SecretStore(device.db).get(userinfo_jwt_name(draft_id, "mother"))
        finally:
            device.close()
        assert userinfo_jwt is not None
        needles |= set(userinfo_jwt.decode().split("."))   # header, claims, signature, each

    logs = sorted((linked.data_dir / "logs").glob("*"))
    assert logs and sum(p.stat().st_size for p in logs) > 0, "the scenario should have logged something"
    files = logs + sorted(linked.data_dir.glob("crvs.db*"))
    needles = {n for n in needles if n and len(n) >= 4}
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            for encoded in (needle.encode(), needle.encode("utf-16-le")):
                assert encoded not in content, f"{needle!r} in clear in {path.name}"


def test_rule_evaluation_logs_no_declaration_even_at_debug(caplog) -> None:
    """celpy logs each evaluation's activation at DEBUG; a support session at DEBUG must not see
    the names and dates it holds."""
    import datetime as dt
    import logging

    from app.config.loader import load_country
    from app.records.validation import visible_fields
    from tests.core.conftest import COUNTRIES, farajaland_birth

    caplog.set_level(logging.DEBUG)
    values = farajaland_birth(**{"mother.firstname": "Chisomo-Privacy"})
    visible_fields(load_country(COUNTRIES / "farajaland"), "birth", values, dt.date(2026, 12, 1))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Chisomo-Privacy" not in logged and values["mother.dob"] not in logged

"""The UIN lifecycle journeys of the specification against the strict emulator, through the command
line as a field office runs it: each packet MOSIP received is then checked as MOSIP's registration
processor checks it (audits present, metaInfo with the device's centre, machine and the acting
officer) and its workflow must have been processed, not silently failed.

Birth → UIN → VID, biographic update and the death of a VID holder are in test_end_to_end.py;
here: no rule matched, the deferred UIN on correction, and a stalled record removed before and
after its request left the device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mosip_emulator.server import EmulatorServer
from tests.esignet.conftest import Browser
from tests.sync.conftest import (
    AGENT_PIN,
    REGISTRAR_PIN,
    SUPERVISOR_PIN,
    LinkedDevice,
    link,
    person,
    section_values,
)
from tests.sync.test_end_to_end import declare, show, sync_once

ROOT = Path(__file__).resolve().parents[2]


def received_as_mosip_wants(emulator: EmulatorServer, rid: str, *, officer: str) -> dict[str, Any]:
    state = emulator.state()
    packet, workflow = state["packets"][rid], state["workflows"][rid]
    assert workflow["status"] == "PROCESSED", workflow
    assert packet["audit_count"] > 0, "the packet writer refuses a packet without audits (KER-KPM-008)"
    assert packet["dropped_fields"] == [], "fields outside the ID schema are dropped by the writer"
    meta = {entry: {item["label"]: item["value"] for item in json.loads(packet["metaInfo"][entry])}
            for entry in ("operationsData", "metaData")}
    assert meta["operationsData"]["officerId"] == officer
    merged = meta["operationsData"] | meta["metaData"]
    assert merged["centerId"] and merged["machineId"]
    assert rid.startswith(merged["centerId"] + merged["machineId"])
    assert isinstance(json.loads(packet["metaInfo"]["capturedRegisteredDevices"]), list)
    return packet


def newborn(mother: dict[str, Any], **extra: str) -> dict[str, str]:
    data = {"child.firstname": "Chimwemwe", "child.surname": "Banda", "child.gender": "male",
            "child.dob": "2026-11-01", "father.details_available": "no", "informant.relation": "mother",
            **section_values("mother", mother), **extra}
    return {k: v for k, v in data.items() if v}


def act(linked: LinkedDevice, record_id: str, action: str, *args: str, user: str = "rex",
        pin: str = REGISTRAR_PIN) -> None:
    result = linked.cli("records", "act", record_id, action, *args, user=user, pin=pin)
    assert result.returncode == 0, result.stderr


def esignet_login(linked: LinkedDevice, record_id: str, section: str, individual_id: str) -> dict[str, Any]:
    """The agent authenticates a person with e-Signet; the 'browser' is a test thread over HTTP."""
    env = {**os.environ, **linked.env, "CRVS_FIELD_PIN": AGENT_PIN, "PYTHONPATH": str(ROOT)}
    browser = Browser(individual_id)
    process = subprocess.Popen(
        [sys.executable, "-m", "crvs_field", "--data-dir", str(linked.data_dir), "--user", "ana",
         "esignet", "login", "--record", record_id, "--section", section, "--no-browser"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)

    def follow() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("http"):
                browser(line.strip())

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    assert process.stdout is not None
    out = process.stdout.read()
    assert process.wait(timeout=60) == 0, out
    reader.join(timeout=10)
    browser.join()
    return json.loads(out)


def run_agent_until(linked: LinkedDevice, done: Any, timeout: float = 60) -> Any:
    """The headless agent as a field office runs it (`crvs-field sync`), until `done()` holds."""
    env = {**os.environ, **linked.env}
    env.pop("CRVS_FIELD_PIN", None)
    agent = subprocess.Popen([sys.executable, "-m", "crvs_field", "--data-dir", str(linked.data_dir), "sync"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, env=env)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = done()
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError("the agent did not get there in time")
    finally:
        agent.terminate()
        agent.wait(timeout=30)


def test_no_rule_matched_registers_without_mosip(linked: LinkedDevice, tmp_path: Path) -> None:
    mother = person("Female")
    record_id = declare(linked, tmp_path, "birth", newborn(mother, **{"child.dob": "2023-05-02"}))
    sync_once(linked)
    assert show(linked, record_id)["status"] == "validated"
    act(linked, record_id, "register")
    view = show(linked, record_id)
    assert view["status"] == "registered" and "rid" not in view["mosip"]
    assert sync_once(linked)["sent"] == 0
    assert linked.emulator.state()["packets"] == {}


def test_deferred_uin_after_an_authenticated_correction(linked: LinkedDevice, tmp_path: Path) -> None:
    mother = person("Female", skip=1)
    typed = newborn(mother)
    del typed["mother.nid"]                            # no ID at registration: no UIN rule matches
    record_id = declare(linked, tmp_path, "birth", typed)
    act(linked, record_id, "register")
    assert show(linked, record_id)["status"] == "registered"
    assert linked.emulator.state()["packets"] == {}

    login = esignet_login(linked, record_id, "mother", mother["uin"])
    assert login["state"] == "authenticated"
    change = tmp_path / "correction.json"
    change.write_text(json.dumps({"child.firstname": "Chimwemwe Joseph"}), encoding="utf-8")
    act(linked, record_id, "request-correction", "--data", str(change), "--reason", "second name forgotten",
        user="ana", pin=AGENT_PIN)
    act(linked, record_id, "approve-correction")
    view = show(linked, record_id)
    assert view["status"] == "awaiting_external_validation"

    assert sync_once(linked, linger=15)["sent"] == 1
    view = show(linked, record_id)
    assert view["status"] == "registered" and len(view["mosip"]["vid"]) == 16
    packet = received_as_mosip_wants(linked.emulator, view["mosip"]["rid"], officer="rex")
    assert packet["process"] == "CRVS_NEW"


@pytest.fixture
def slow_mosip(tmp_path: Path):
    """MOSIP that takes its time: a UIN is issued only when the test says so."""
    with EmulatorServer(state_dir=tmp_path / "slow-emulator", credential_delay=3600,
                        death_credential=True) as server:
        yield server


def test_stalled_record_removed_before_and_after_sending(slow_mosip: EmulatorServer, tmp_path: Path) -> None:
    linked = link(slow_mosip, tmp_path / "device")
    mother = person("Female", skip=2)
    first = declare(linked, tmp_path, "birth", newborn(mother))
    second = declare(linked, tmp_path, "birth", newborn(mother, **{"child.firstname": "Thoko"}))
    sync_once(linked)
    for record_id in (first, second):
        act(linked, record_id, "register")

    # removed before its packet left: nothing reaches MOSIP
    unsent_rid = show(linked, first)["mosip"]["rid"]
    act(linked, first, "remove-from-queue", "--reason", "declared twice", user="sam", pin=SUPERVISOR_PIN)
    assert sync_once(linked)["sent"] == 1
    assert unsent_rid not in slow_mosip.state()["packets"]
    assert show(linked, first)["history"][-1]["details"]["cancelled_unsent"] == [unsent_rid]

    # removed after its packet left: MOSIP may still issue the UIN, and the device records it late
    view = show(linked, second)
    sent_rid = view["mosip"]["rid"]
    assert view["status"] == "awaiting_external_validation"
    act(linked, second, "remove-from-queue", "--reason", "no UIN after three weeks", user="sam",
        pin=SUPERVISOR_PIN)
    assert show(linked, second)["history"][-1]["details"]["already_sent"] == [sent_rid]
    assert slow_mosip.process_pending() == [sent_rid]
    received_as_mosip_wants(slow_mosip, sent_rid, officer="rex")
    view = run_agent_until(linked, lambda: (v := show(linked, second))["mosip"].get("vid") and v)
    assert view["status"] == "registered" and len(view["mosip"]["vid"]) == 16
    assert view["history"][-1]["kind"] == "confirm-registration-late"

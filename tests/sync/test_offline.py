"""Offline first: with MOSIP down the office keeps working; when it comes back, the agent drains
the queue and MOSIP's confirmation arrives without anyone pressing a button."""

from __future__ import annotations

import time
from pathlib import Path

from app.mosip.settings import load_settings
from app.records import Actor, Role
from app.security.secrets import SecretStore
from app.sync_status import SyncStatus, SyncStatusHub
from mosip_emulator.server import EmulatorServer
from sync.agent import SyncAgent
from tests.sync.conftest import fast_country, free_port, link, person, section_values


def wait_for(predicate, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_queue_while_offline_then_drain_on_reconnect(tmp_path: Path) -> None:
    port = free_port()
    state_dir = tmp_path / "emulator"
    with EmulatorServer(state_dir=state_dir, port=port, credential_delay=0) as emulator:
        linked = link(emulator, tmp_path / "device", fast_country(tmp_path, probe_seconds=2))
    # MOSIP is now down: the office declares and registers anyway
    offline = linked.cli("sync", "--once")
    assert offline.returncode == 0 and "offline" in offline.stdout

    device = linked.open()
    statuses: list[SyncStatus] = []
    hub = SyncStatusHub()
    hub.subscribe(statuses.append)
    agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)), hub)
    try:
        ana, rex = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
        mother = person("Female")
        checked = device.records.declare(ana, event="birth", data={
            "father.details_available": "no",
            "child.firstname": "Chisomo", "child.surname": "Phiri", "child.gender": "male",
            "child.dob": "2026-11-20", "informant.relation": "mother", **section_values("mother", mother)})
        newborn = device.records.declare(ana, event="birth", data={
            "father.details_available": "no",
            "child.firstname": "Tiyamike", "child.surname": "Banda", "child.gender": "female",
            "child.dob": "2026-11-25", "informant.relation": "mother", "mother.firstname": "Grace",
            "mother.surname": "Banda"})
        device.records.record_authentication(ana, newborn.id, "mother", psut="psut-offline")
        assert device.records.act(rex, newborn.id, "register").status == "awaiting_external_validation"

        agent.start()
        assert wait_for(lambda: statuses and not hub.status.online and hub.status.queued == 2, 10)
        time.sleep(3)  # several probes while offline: nothing is lost, nothing is sent
        assert device.records.get(checked.id).status == "declared"

        with EmulatorServer(state_dir=state_dir, port=port, credential_delay=0) as emulator:
            assert wait_for(lambda: device.records.get(newborn.id).status == "registered", 60)
            assert wait_for(lambda: device.records.get(checked.id).status == "validated", 30)
            assert hub.status.online and hub.status.queued == 0
            assert hub.status.last_success is not None
            assert any(s.running for s in statuses) and newborn.id in {r for s in statuses for r in s.changed_records}
            assert emulator.counters()["packets_created"][device.records.get(newborn.id).mosip["rid"]] == 1
    finally:
        agent.stop()
        device.close()

"""Nothing lost, nothing doubled: 1,000 verifications and 100 UIN requests drained through a faulty
network (5xx, timeouts, resets, replies lost after processing) by an agent killed with SIGKILL
three times mid-drain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.records import Actor, Role
from app.store import Database
from app.store.models import OutboxItem, Verification
from mosip_emulator.fixtures import load_identities
from mosip_emulator.server import EmulatorServer
from tests.sync.conftest import fast_country, link

VERIFICATIONS, UIN_REQUESTS = 1000, 100
FAULTS = "5xx=0.2,timeout=0.1,reset=0.05,lost_reply=0.05,timeout_seconds=2.5,seed=11"


@pytest.mark.slow
def test_faulty_network_and_killed_agent(tmp_path: Path) -> None:
    with EmulatorServer(state_dir=tmp_path / "emulator", credential_delay=0) as emulator:
        linked = link(emulator, tmp_path / "device", fast_country(tmp_path))
        device = linked.open()
        agent, registrar = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
        people = [i for i in load_identities() if i["gender"]["eng"] == "Female" and i["status"] == "ACTIVATED"]
        try:
            for n in range(VERIFICATIONS):
                mother = people[n % len(people)]
                device.records.declare(agent, event="birth", data={"father.details_available": "no",
                    "child.firstname": f"Child{n}", "child.surname": "Test", "child.gender": "male",
                    "child.dob": "2026-11-01", "informant.relation": "mother", "mother.nid": mother["uin"],
                    "mother.firstname": mother["given_name"]["eng"], "mother.surname": mother["family_name"]["eng"]})
            for n in range(UIN_REQUESTS):
                record = device.records.declare(agent, event="birth", data={"father.details_available": "no",
                    "child.firstname": f"Baby{n}", "child.surname": "Test", "child.gender": "female",
                    "child.dob": "2026-11-10", "informant.relation": "mother",
                    "mother.firstname": "Mother", "mother.surname": f"Test{n}"})
                device.records.record_authentication(agent, record.id, "mother", psut=f"psut-{n}")
                device.records.act(registrar, record.id, "register")
        finally:
            device.close()

        emulator.add_fault(FAULTS)
        env = {**os.environ, **linked.env}
        command = [sys.executable, "-m", "crvs_field", "--data-dir", str(linked.data_dir), "sync", "--once"]
        key = (linked.data_dir / "agent.key").read_text().strip()
        watcher = Database(linked.data_dir / "crvs.db", bytes.fromhex(key))

        def done() -> int:
            with watcher.read() as session:
                return session.exec(select(func.count()).select_from(OutboxItem)
                                    .where(OutboxItem.state == "done")).one()

        kills = 0
        for progress in (20, 20, 20):  # SIGKILL mid-drain, three times, once it has made some progress
            before = done()
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            give_up = time.monotonic() + 120
            while process.poll() is None and done() - before < progress and time.monotonic() < give_up:
                time.sleep(0.05)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(timeout=30)
            time.sleep(3.5)  # the killed run's leases expire, so the next run has work to take over
        watcher.close()
        assert kills == 3, "the agent finished before it could be killed: make the load larger"

        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            subprocess.run(command, env=env, capture_output=True, timeout=300)
            device = linked.open()
            try:
                with device.db.read() as session:
                    left = session.exec(select(func.count()).select_from(OutboxItem).where(
                        OutboxItem.state.in_(("pending", "in_flight")))).one()
            finally:
                device.close()
            if left == 0:
                break
            time.sleep(3.5)  # let a killed run's leases expire

        emulator.clear_faults()
        device = linked.open()
        try:
            with device.db.read() as session:
                states = dict(session.exec(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all())
                rids = session.exec(select(OutboxItem.idempotency_key).where(OutboxItem.kind == "create_uin")).all()
                pending_checks = session.exec(select(func.count()).select_from(Verification)
                                              .where(Verification.status == "pending")).one()
        finally:
            device.close()
        assert states == {"done": VERIFICATIONS + UIN_REQUESTS}, states
        assert pending_checks == 0
        counters = emulator.counters()
        assert len(rids) == UIN_REQUESTS
        # createPacket may repeat (MOSIP rewrites the packet of a RID); the workflow starts once per RID
        # (a repeat is refused with RPR-WIS-001, which the client takes as done); one identity per RID
        assert all(counters["packets_created"].get(rid, 0) >= 1 for rid in rids), "a packet was never written"
        assert {counters["workflows_started"].get(rid) for rid in rids} == {1}, "a workflow started twice"
        assert {counters["identities_created"].get(rid) for rid in rids} == {1}
        assert not counters.get("workflows_failed"), "a packet failed in processing"
        repeats = sum(counters["packets_created"].get(rid, 0) - 1 for rid in rids) + sum(
            counters.get("workflows_already_present", {}).values())
        assert repeats >= 1, "lost replies should have caused repeated requests"

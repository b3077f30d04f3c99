"""Exactly once in OpenCRVS under faults: 5xx, timeouts, resets, lost replies (the effect committed,
the answer dropped), a country configuration that answers later, and a sync process killed with
SIGKILL in the middle of a drain. Each declaration must exist once in OpenCRVS (one event per
record) and each NOTIFY once (one Requested, one Accepted per event); both emulators are real
servers on loopback, the device is the real encrypted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from app.records import Actor, Role
from app.vocabulary import UpstreamState
from tests.opencrvs.conftest import Office
from tests.sync.conftest import person, section_values

AGENT = Actor("ana", Role.AGENT)


def births(n: int) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        mother = person("Female", skip=i % 5)
        out.append({"child.firstname": f"Child{i}", "child.surname": "Banda", "child.gender": "male",
                    "child.dob": "2026-11-01", "informant.relation": "mother", "father.details_available": "no",
                    **{k: v for k, v in section_values("mother", mother).items() if v}})
    return out


def declare_all(office: Office, n: int) -> list[str]:
    with office.device() as (device, _):
        return [device.records.declare(AGENT, event="birth", data=data).id for data in births(n)]


def states(office: Office, record_ids: list[str]) -> Counter[UpstreamState | None]:
    with office.device() as (device, _):
        return Counter(getattr(device.records.upstream_status(r), "state", None) for r in record_ids)


def create_transactions(office: Office, record_ids: list[str]) -> list[str]:
    with office.device() as (device, _):
        return [next(o.payload["create_transaction_id"] for o in device.records.detail(r).outbox
                     if o.kind == "opencrvs_notify") for r in record_ids]


def assert_exactly_once(office: Office, record_ids: list[str]) -> None:
    counters = office.crvs.counters()
    assert counters["totals"]["events_created"] == len(record_ids)
    for transaction_id in create_transactions(office, record_ids):
        assert len(office.events_of(transaction_id)) == 1, transaction_id
    by_key = counters["by_key"]
    events = [e["id"] for e in office.crvs.events()]
    assert sorted(by_key["actions_notify_requested"]) == sorted(events)
    assert set(by_key["actions_notify_requested"].values()) == {1}
    assert set(by_key["actions_notify_accepted"].values()) == {1}
    assert len(by_key["actions_notify_accepted"]) == len(record_ids)


def test_each_declaration_and_each_notify_once_under_network_faults(quick_office: Office) -> None:
    office = quick_office
    record_ids = declare_all(office, 12)
    for spec in ("5xx=0.2,path=/events/events|/auth/token,seed=1",
                 "timeout=0.1,timeout_seconds=5,path=/events/events,seed=2",
                 "reset=0.05,path=/events/events,seed=3",
                 "lost_reply=0.2,path=/events/events,method=POST,seed=4"):
        office.crvs.add_fault(spec)
    runs = 0
    while states(office, record_ids)[UpstreamState.INCOMPLETE] < len(record_ids) and runs < 40:
        with office.device() as (_, agent):
            agent.run_once()
        runs += 1
    assert states(office, record_ids)[UpstreamState.INCOMPLETE] == len(record_ids), (runs, states(office, record_ids))
    office.crvs.clear_faults()
    assert_exactly_once(office, record_ids)


def test_a_country_configuration_that_answers_later_still_gets_one_notify_per_record(quick_office: Office) -> None:
    office = quick_office
    office.crvs.set_hook("async", accept_after=1.5)
    office.crvs.add_fault("lost_reply=0.3,path=/events/events,method=POST,seed=5")
    record_ids = declare_all(office, 6)
    runs = 0
    while states(office, record_ids)[UpstreamState.INCOMPLETE] < len(record_ids) and runs < 40:
        with office.device() as (_, agent):
            agent.run_once()
        runs += 1
        time.sleep(0.3)
    assert states(office, record_ids)[UpstreamState.INCOMPLETE] == len(record_ids)
    office.crvs.clear_faults()
    assert_exactly_once(office, record_ids)


def sync_process(office: Office) -> subprocess.Popen[str]:
    env = {**os.environ, **office.linked.env}
    env.pop("CRVS_FIELD_PIN", None)
    return subprocess.Popen([sys.executable, "-m", "crvs_field", "--data-dir", str(office.linked.data_dir),
                             "sync", "--once", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def accepted(office: Office) -> int:
    return sum(office.crvs.counters()["by_key"].get("actions_notify_accepted", {}).values())


def test_a_sync_killed_mid_drain_leaves_each_declaration_once(quick_office: Office) -> None:
    office = quick_office
    record_ids = declare_all(office, 24)
    office.crvs.add_fault("latency=400ms,path=/events/events")     # a slow line: the kill lands mid-drain
    process = sync_process(office)
    deadline = time.monotonic() + 120
    while accepted(office) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    done_before = accepted(office)
    assert 0 < done_before < len(record_ids)

    time.sleep(3.5)                                      # the killed drain's leases expire (3 s)
    runs = 0
    while states(office, record_ids)[UpstreamState.INCOMPLETE] < len(record_ids) and runs < 10:
        result = office.sync_once()
        assert result["quarantined"] == 0, result
        runs += 1
    assert states(office, record_ids)[UpstreamState.INCOMPLETE] == len(record_ids)
    office.crvs.clear_faults()
    assert_exactly_once(office, record_ids)

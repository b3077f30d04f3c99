"""OpenCRVS's answers as it writes them, read by the device (the sync agent in this process, both
emulators on loopback): field errors shown on the record's own fields, a user's assignment (409),
a country configuration that answers later (202 → Requested, then Accepted), a registrar's
rejection that reopens the record, and the corrected record notified again on the same event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.records import Actor, Role
from app.vocabulary import OutboxState, Status, UpstreamState
from mosip_emulator.server import EmulatorServer
from opencrvs_emulator.server import OpenCrvsServer
from tests.opencrvs.conftest import READ_CLIENT, Office, make_office, quick_country
from tests.opencrvs.test_submission import birth, notify_actions

AGENT = Actor("ana", Role.AGENT)
REASON = "The child's first name is misspelt: the mother says it is written Chimwemwe."


def only_event(office: Office) -> dict[str, Any]:
    [event] = office.crvs.events()
    return event


def declare(office: Office, data: dict[str, str]) -> str:
    with office.device() as (device, _):
        return device.records.declare(AGENT, event="birth", data=data).id


def run_once(office: Office) -> Any:
    with office.device() as (_, agent):
        return agent.run_once()


def record(office: Office, record_id: str) -> Any:
    with office.device() as (device, _):
        return device.records.get(record_id), device.records.upstream_status(record_id)


def test_field_errors_reopen_the_record_on_its_own_fields_and_the_fix_is_notified_on_the_same_event(
        emulator: EmulatorServer, opencrvs: OpenCrvsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a mapping mistake: our free-text place of birth into OpenCRVS's NUMBER field
    mistake = "        child.dob: child.dob\n        child.weightAtBirth: child.place_of_birth\n"
    country = quick_country(tmp_path, ("        child.dob: child.dob\n", mistake))
    office = make_office(emulator, opencrvs, tmp_path / "device", monkeypatch, country_dir=country)
    record_id = declare(office, birth(**{"child.place_of_birth": "Ibombo"}))
    run_once(office)
    saved, upstream = record(office, record_id)
    assert saved.status == Status.DRAFT and saved.requires_attention
    assert upstream.state is UpstreamState.REFUSED and upstream.needs_updates
    [error] = upstream.field_errors
    assert (error.field, error.opencrvs_field, error.message) == ("child.place_of_birth", "child.weightAtBirth",
                                                                  "Invalid input")
    event = only_event(office)
    assert notify_actions(event) == []                   # refused before anything was stored
    assert upstream.event_id == event["id"]

    with office.device() as (device, _):                 # the agent clears the field and submits again
        device.records.update_draft(AGENT, record_id, {"child.place_of_birth": ""})
        device.records.declare(AGENT, record_id=record_id)
    run_once(office)
    saved, upstream = record(office, record_id)
    assert upstream.state is UpstreamState.INCOMPLETE and not saved.requires_attention
    assert upstream.field_errors == ()
    event = only_event(office)                            # the same event, notified once
    assert [a["status"] for a in notify_actions(event)] == ["Requested", "Accepted"]
    assert office.crvs.counters()["totals"]["events_created"] == 1


def test_a_record_a_registrar_holds_waits_and_is_notified_once_released(quick_office: Office) -> None:
    office = quick_office
    office.crvs.add_fault("5xx=1,path=/events/events/,method=POST,times=1")   # the NOTIFY, not the create
    record_id = declare(office, birth())
    run_once(office)
    event = only_event(office)
    office.admin("POST", f"/admin/events/{event['id']}/assign")
    run_once(office)
    upstream = record(office, record_id)[1]
    assert upstream.state is UpstreamState.QUEUED
    with office.device() as (device, _):
        [item] = [o for o in device.records.detail(record_id).outbox if o.kind == "opencrvs_notify"]
    assert item.state == OutboxState.PENDING and "opencrvs_assigned" in (item.last_error or "")
    office.admin("POST", f"/admin/events/{event['id']}/unassign")
    deadline_runs = 20
    while record(office, record_id)[1].state is not UpstreamState.INCOMPLETE and deadline_runs:
        run_once(office)
        deadline_runs -= 1
    assert record(office, record_id)[1].state is UpstreamState.INCOMPLETE
    assert [a["status"] for a in notify_actions(only_event(office))] == ["Requested", "Accepted"]


def test_a_notify_the_country_answers_later_is_asked_again_with_the_same_transaction(quick_office: Office) -> None:
    office = quick_office
    office.crvs.set_hook("async")
    record_id = declare(office, birth())
    run_once(office)
    assert record(office, record_id)[1].state is UpstreamState.SUBMITTED
    run_once(office)                                      # still Requested: nothing new in OpenCRVS
    event = only_event(office)
    [requested] = notify_actions(event)
    office.admin("POST", f"/admin/events/{event['id']}/confirm", {"accept": True})
    for _ in range(20):
        run_once(office)
        if record(office, record_id)[1].state is UpstreamState.INCOMPLETE:
            break
    assert record(office, record_id)[1].state is UpstreamState.INCOMPLETE
    actions = notify_actions(only_event(office))
    assert [a["status"] for a in actions] == ["Requested", "Accepted"]
    assert {a["transactionId"] for a in actions} == {requested["transactionId"]}


@pytest.mark.parametrize("client", [READ_CLIENT, "crvs-field-device"])
def test_a_rejected_record_reopens_with_the_reason_and_is_notified_again(
        emulator: EmulatorServer, opencrvs: OpenCrvsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        client: str) -> None:
    office = make_office(emulator, opencrvs, tmp_path / "device", monkeypatch, client=client,
                         country_dir=quick_country(tmp_path))
    record_id = declare(office, birth(**{"child.firstname": "Chimwembe"}))
    run_once(office)
    event = only_event(office)
    office.crvs.reject(event["id"], REASON)
    run_once(office)
    saved, upstream = record(office, record_id)
    assert saved.status == Status.DRAFT and saved.requires_attention
    assert upstream.state is UpstreamState.REJECTED
    # the reason is only on the REJECT action: read when the client may read records
    assert upstream.reason == (REASON if client == READ_CLIENT else None)
    reads = [a for a in only_event(office)["actions"] if a["type"] == "READ"]
    assert len(reads) == (1 if client == READ_CLIENT else 0)
    run_once(office)                                      # polling again reads nothing more
    assert len([a for a in only_event(office)["actions"] if a["type"] == "READ"]) == len(reads)

    with office.device() as (device, _):
        device.records.update_draft(AGENT, record_id, {"child.firstname": "Chimwemwe"})
        device.records.declare(AGENT, record_id=record_id)
    assert record(office, record_id)[1].state is UpstreamState.QUEUED
    run_once(office)
    saved, upstream = record(office, record_id)
    assert upstream.state is UpstreamState.INCOMPLETE and upstream.reason is None and not saved.requires_attention
    event = only_event(office)
    actions = notify_actions(event)
    assert [a["status"] for a in actions] == ["Requested", "Accepted", "Requested", "Accepted"]
    assert len({a["transactionId"] for a in actions}) == 2
    assert actions[2]["declaration"]["child.name"]["firstname"] == "Chimwemwe"
    assert office.crvs.counters()["totals"]["events_created"] == 1


def test_a_client_without_search_still_notifies_and_the_agent_says_it_cannot_follow(
        emulator: EmulatorServer, opencrvs: OpenCrvsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # OpenCRVS's HEALTH integration type: record.create + record.notify, no record.search
    office = make_office(emulator, opencrvs, tmp_path / "device", monkeypatch, client="crvs-field-health",
                         country_dir=quick_country(tmp_path))
    record_id = declare(office, birth())
    report = run_once(office)
    assert record(office, record_id)[1].state is UpstreamState.INCOMPLETE
    assert report.upstream_alert is not None and report.upstream_alert.code == "opencrvs.unauthorized"
    assert report.upstream_alert.params["status"] == 403

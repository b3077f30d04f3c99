"""A write reports what it changed (`tracked`), read from what it committed, so that screens
refresh what they must: the record, the queues' counts, the outbox."""

from __future__ import annotations

import threading

import pytest

from app.errors import Refused
from app.records import RecordService
from app.store.changes import NOTHING, Changes, tracked
from tests.core.conftest import AGENT, REGISTRAR, SUPERVISOR, farajaland_birth
from tests.core.test_scenarios import verify_all


def test_a_new_draft_changes_its_record_and_the_queues_but_not_the_outbox(service: RecordService) -> None:
    record, changes = tracked(lambda: service.create_draft(AGENT, "birth", {"child.firstname": "Zoë"}))
    assert changes == Changes(frozenset({record.id}), queues=True, outbox=False, settings=False)


def test_an_autosave_changes_the_record_only(service: RecordService) -> None:
    draft = service.create_draft(AGENT, "birth", {"child.firstname": "Zoë"})
    _, changes = tracked(lambda: service.update_draft(AGENT, draft.id, {"child.surname": "Banda"}))
    assert changes == Changes(frozenset({draft.id}))     # still a draft: no queue moves


def test_declaring_queues_identity_checks(service: RecordService) -> None:
    record, changes = tracked(lambda: service.declare(AGENT, event="birth", data=farajaland_birth()))
    assert changes.records == {record.id}
    assert changes.queues and changes.outbox


def test_registering_sends_to_mosip_and_moves_the_record(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    verify_all(service, record.id)
    other = service.declare(AGENT, event="birth", data=farajaland_birth())
    registered, changes = tracked(lambda: service.act(REGISTRAR, record.id, "register"))
    assert registered.status == "awaiting_external_validation"     # a UIN asked of MOSIP
    assert changes.records == {record.id} and other.id not in changes.records
    assert changes.queues and changes.outbox and not changes.settings


def test_a_refused_command_changes_nothing(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    with pytest.raises(Refused) as refused:
        tracked(lambda: service.act(SUPERVISOR, record.id, "register"))
    assert refused.value.changes == NOTHING    # type: ignore[attr-defined]


def test_what_committed_before_a_failure_is_still_reported(service: RecordService) -> None:
    draft = service.create_draft(AGENT, "birth", {"child.firstname": "Zoë"})

    def save_then_fail() -> None:
        service.update_draft(AGENT, draft.id, {"child.surname": "Banda"})
        service.act(SUPERVISOR, draft.id, "register")

    with pytest.raises(Refused) as refused:
        tracked(save_then_fail)
    assert refused.value.changes == Changes(frozenset({draft.id}))   # type: ignore[attr-defined]


def test_several_commands_add_up(service: RecordService) -> None:
    def two() -> tuple[str, str]:
        return (service.create_draft(AGENT, "birth", {}).id,
                service.declare(AGENT, event="birth", data=farajaland_birth()).id)

    (first, second), changes = tracked(two)
    assert changes.records == {first, second} and changes.queues and changes.outbox


def test_writes_on_other_threads_are_not_counted(service: RecordService) -> None:
    others: list[str] = []

    def write_elsewhere() -> str:
        thread = threading.Thread(target=lambda: others.append(service.create_draft(AGENT, "birth", {}).id))
        thread.start()
        thread.join()
        return service.create_draft(AGENT, "death", {}).id

    mine, changes = tracked(write_elsewhere)
    assert others and changes.records == {mine}


def test_writes_outside_tracked_cost_nothing_and_report_nothing(service: RecordService) -> None:
    record = service.create_draft(AGENT, "birth", {})
    _, changes = tracked(lambda: service.get(record.id))
    assert changes == NOTHING and not changes


def test_changes_combine() -> None:
    a = Changes(frozenset({"r1"}), queues=True)
    b = Changes(frozenset({"r2"}), outbox=True)
    assert a | b == Changes(frozenset({"r1", "r2"}), queues=True, outbox=True)
    assert Changes.of_records(["r1"]).queues and not Changes.of_records([]).queues
    assert a.touches("r1") and not a.touches("r2") and not a.touches(None)

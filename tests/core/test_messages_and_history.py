"""Notices are stored as codes and read back (older plain rows too); a record's history shows one
entry per run of draft saves while every save keeps its own audit event."""

from __future__ import annotations

import datetime as dt

from app import audit
from app.messages import Notice, english
from app.records import RecordService
from app.records.history import SAVE_RUN_GAP, history_entries
from tests.core.conftest import AGENT, SUPERVISOR, farajaland_birth


def test_a_stored_notice_comes_back_with_its_code_and_params():
    notice = Notice("delivery.gave_up", "gave up after 3 attempts: timed out",
                    {"attempts": 3, "cause": "delivery.timed_out"})
    again = Notice.read(notice.stored())
    assert again == notice and str(again) == notice.text
    assert english(notice.stored()) == "gave up after 3 attempts: timed out"


def test_a_reason_stored_before_codes_reads_back_as_its_own_words():
    assert Notice.read("IDA-DEA-001: demographic data does not match") == \
        Notice("text", "IDA-DEA-001: demographic data does not match")
    assert Notice.read('{"code": broken') == Notice("text", '{"code": broken')
    assert Notice.read(None) is None and Notice.read("") is None and english(None) == ""


def test_a_stored_notice_is_bounded():
    huge = Notice("delivery.bad_answer", "x" * 5000, {"detail": "y" * 5000, "k" * 100: 1})
    stored = Notice.read(huge.stored())
    assert stored is not None and len(stored.text) == 300
    assert all(len(str(v)) <= 120 and len(k) <= 40 for k, v in stored.params.items())


def _history(service: RecordService, record_id: str):
    with service.db.read() as session:
        return audit.history(session, record_id)


def test_a_run_of_draft_saves_is_one_history_entry_and_keeps_every_audit_event(service: RecordService):
    draft = service.create_draft(AGENT, "birth", {"child.firstname": "Thoko"})
    for field, value in (("child.surname", "Phiri"), ("mother.firstname", "Zoë"), ("child.surname", "Banda")):
        service.update_draft(AGENT, draft.id, {field: value})
    service.update_draft(SUPERVISOR, draft.id, {"mother.surname": "Phiri"})    # someone else: its own entry
    events = _history(service, draft.id)
    assert [e.kind for e in events] == ["create", "update", "update", "update", "update"]
    entries = history_entries(events)
    assert [(e.kind, e.actor) for e in entries] == [("create", "ana"), ("update", "ana"), ("update", "sam")]
    saves = entries[1]
    assert saves.details["fields"] == ["child.surname", "mother.firstname"]
    assert saves.seqs == [e.seq for e in events[1:4]] and saves.at == events[3].at


def test_saves_far_apart_or_split_by_another_action_stay_separate(service: RecordService):
    draft = service.create_draft(AGENT, "birth", {"child.firstname": "Thoko"})
    service.update_draft(AGENT, draft.id, {"child.surname": "Phiri"})
    service.update_draft(AGENT, draft.id, {"mother.firstname": "Zoë"})
    events = _history(service, draft.id)
    events[2].at = events[1].at + SAVE_RUN_GAP + dt.timedelta(seconds=1)   # as read, not stored
    assert [e.kind for e in history_entries(events)] == ["create", "update", "update"]
    record = service.declare(AGENT, data=farajaland_birth(), record_id=None, event="birth")
    kinds = [e.kind for e in history_entries(_history(service, record.id))]
    assert kinds == ["declare"]

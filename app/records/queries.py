"""Reading records: one record with its history, work queues, their counts, and search. Reads
never write; what changes a record is in `app.records.commands` and `app.delivery`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, text
from sqlmodel import col, select

from app import audit
from app.config.loader import LoadedCountry
from app.config.models import Operation, WorkQueue
from app.integration import evaluate
from app.records.upstream import UpstreamStatus
from app.records.workflow import ActionType, Role, Status, WorkflowError, available_actions
from app.records.writer import fold, load_record, persons_for_rules
from app.store import Database
from app.store.models import Action, ExternalRequest, OutboxItem, Record, Verification, utcnow
from app.vocabulary import RequestState, VerificationState


@dataclass
class RecordDetail:
    record: Record
    actions: list[Action]
    verifications: list[Verification]
    outbox: list[OutboxItem]
    history: list[Any]
    available: list[ActionType] = field(default_factory=list)


@dataclass(frozen=True)
class WaitingRecords:
    to_send: int          # records with an outbox item still open (the Outbox queue)
    need_attention: int   # records flagged for a person (the Requires attention queue)


def _search_filter(statement: Any, words: list[str]) -> Any:
    """Words of 3+ characters through the trigram index (record_search, migration 0003); shorter
    ones as substrings of the matched rows' search text."""
    long_words = [w for w in words if len(w) >= 3]
    if long_words:
        query = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
        statement = statement.where(text("record.rowid IN (SELECT rowid FROM record_search "
                                         "WHERE record_search MATCH :fts)").bindparams(fts=query))
    for word in words:
        if len(word) < 3:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(col(Record.search_text).like(f"%{escaped}%", escape="\\"))
    return statement


class RecordQueries:
    def __init__(self, db: Database, country: LoadedCountry,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.db = db
        self.country = country
        self.clock = clock

    def get(self, record_id: str) -> Record:
        with self.db.read() as session:
            return load_record(session, record_id)

    def detail(self, record_id: str, role: Role | None = None) -> RecordDetail:
        with self.db.read() as session:
            record = load_record(session, record_id)
            actions = list(session.exec(select(Action).where(Action.record_id == record.id)
                                        .order_by(col(Action.id))))
            verifications = list(session.exec(select(Verification).where(
                Verification.record_id == record.id).order_by(col(Verification.id))))
            outbox = list(session.exec(select(OutboxItem).where(OutboxItem.record_id == record.id)
                                       .order_by(col(OutboxItem.id))))
            history = audit.history(session, record.id)
        available = available_actions(Status(record.status), role, self.country.config.mode) if role else []
        return RecordDetail(record, actions, verifications, outbox, history, available)

    def upstream_status(self, record_id: str) -> UpstreamStatus | None:
        """Where the record stands in OpenCRVS core (None in standalone mode, or before it is declared)."""
        with self.db.read() as session:
            return UpstreamStatus.of(load_record(session, record_id))

    def preview_operations(self, record_id: str, action: ActionType | str) -> list[Operation]:
        """The MOSIP operations the country's rules would send if `action` were done on the record now
        (e.g. `mark_deceased` when registering a death deactivates a national ID), so the UI can say
        so before the officer confirms. Evaluates the same rules as the command; writes nothing."""
        action = ActionType(action)
        if action not in (ActionType.REGISTER, ActionType.APPROVE_CORRECTION):
            return []
        with self.db.read() as session:
            record = load_record(session, record_id)
            persons = persons_for_rules(session, record)
        values, corrected, correction = dict(record.declaration), [], None
        if action is ActionType.APPROVE_CORRECTION:
            pending = record.correction or {}
            changes = dict(pending.get("changes") or {})
            corrected = sorted(k for k, v in changes.items() if values.get(k) != v)
            values |= changes
            requester = pending.get("requester_section") or ""
            requester_state = (record.persons.get(requester) or {}) if requester else {}
            correction = {"reason": pending.get("reason", ""), "requester_section": requester,
                          "requester_verification": requester_state.get("verification",
                                                                        VerificationState.NONE.value)}
        # registering assigns the number in the write; a stand-in of the same shape lets rules that
        # share it evaluate without consuming the sequence
        number = record.registration_number or (
            self.country.config.registration.number_prefix.get(record.event, record.event[:1].upper())
            + f"{self.clock().year}000000")
        evaluation = evaluate(self.country, event=record.event, action=action, values=values, persons=persons,
                              today=self.clock().date(), registration_number=number,
                              corrected_fields=corrected, correction=correction)
        return [planned.operation for planned in evaluation.operations]

    def _queue_filter(self, queue: WorkQueue) -> Any:
        if queue.statuses:
            return col(Record.status).in_(queue.statuses)
        if queue.upstream:
            return col(Record.upstream_state).in_([state.value for state in queue.upstream])
        if queue.requires_attention:
            return col(Record.requires_attention).is_(True)
        return col(Record.outbox_open).is_(True)   # kept by triggers from the outbox's states

    def queue(self, queue_id: str) -> WorkQueue:
        for queue in self.country.config.workqueues_in_mode:
            if queue.id == queue_id:
                return queue
        known = ", ".join(q.id for q in self.country.config.workqueues_in_mode)
        raise WorkflowError(f"unknown queue {queue_id!r}; queues: {known}", code="record.unknown_queue",
                            params={"queue": queue_id[:64], "known": known})

    def list_records(self, queue_id: str | None = None, search: str | None = None, *,
                     limit: int = 50, offset: int = 0) -> list[Record]:
        with self.db.read() as session:
            statement = select(Record)
            if queue_id:
                statement = statement.where(self._queue_filter(self.queue(queue_id)))
            if search and search.strip():
                statement = _search_filter(statement, fold(search).split()[:5])
            statement = statement.order_by(col(Record.updated_at).desc()).offset(offset).limit(limit)
            return list(session.exec(statement))

    def awaiting_confirmation(self) -> int:
        with self.db.read() as session:
            return session.exec(select(func.count()).select_from(ExternalRequest)
                                .where(ExternalRequest.status == RequestState.AWAITING)).one()

    def waiting_records(self) -> WaitingRecords:
        """What the sync bar counts, in the Outbox and Requires attention queues' own terms."""
        with self.db.read() as session:
            to_send = session.exec(select(func.count()).select_from(Record)
                                   .where(col(Record.outbox_open).is_(True))).one()
            flagged = session.exec(select(func.count()).select_from(Record)
                                   .where(col(Record.requires_attention).is_(True))).one()
        return WaitingRecords(to_send=to_send, need_attention=flagged)

    def queue_counts(self) -> dict[str, int]:
        """All queues' counts in at most four queries: statuses grouped once, OpenCRVS states grouped
        once, the flag, the outbox."""
        queues = self.country.config.workqueues_in_mode
        with self.db.read() as session:
            by_status = dict(session.exec(select(Record.status, func.count()).group_by(Record.status)).all())
            by_upstream: dict[str | None, int] = {}
            if any(q.upstream for q in queues):
                by_upstream = dict(session.exec(select(Record.upstream_state, func.count())
                                                .group_by(Record.upstream_state)).all())
            flagged = outbox = 0
            if any(q.requires_attention for q in queues):
                flagged = session.exec(select(func.count()).select_from(Record)
                                       .where(col(Record.requires_attention).is_(True))).one()
            if any(q.outbox for q in queues):
                outbox = session.exec(select(func.count()).select_from(Record)
                                      .where(col(Record.outbox_open).is_(True))).one()
        return {q.id: (sum(by_status.get(s, 0) for s in q.statuses) if q.statuses
                       else sum(by_upstream.get(s.value, 0) for s in q.upstream) if q.upstream
                       else flagged if q.requires_attention else outbox) for q in queues}

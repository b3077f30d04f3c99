"""What OpenCRVS answered, written with its effect on the record: the one writer of a record's
upstream state (deployment mode `opencrvs`), as `app.delivery` is for MOSIP's answers.

Each outcome is one transaction (outbox item, record, action row, audit event). Every write is
idempotent — a repeated answer or a repeated search result changes nothing — so a kill between
OpenCRVS's answer and the commit only means the NOTIFY is sent again with the same transactionId,
which OpenCRVS answers with the event as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.messages import Notice
from app.opencrvs.answers import IndexedState
from app.outbox import Backoff
from app.records.workflow import ActionType, Status
from app.records.writer import SYSTEM, RecordWriter, userinfo_jwt_name
from app.store.models import OutboxItem, Record, Secret
from app.vocabulary import UPSTREAM_OPEN, OutboxKind, OutboxState, UpstreamState, VerificationState


@dataclass(frozen=True)
class NotifySource:
    """What a NOTIFY is built from, read in one transaction."""

    record_id: str
    event: str
    declaration: dict[str, Any]
    persons: dict[str, Any]
    userinfo_tokens: dict[str, str]   # section -> kept e-Signet userinfo JWT
    verifications_pending: bool
    verifications_in_flight: bool     # a check of this record is being sent, or due now
    upstream: dict[str, Any]


@dataclass(frozen=True)
class FieldProblem:
    opencrvs_field: str
    field: str | None
    message: str

    def stored(self) -> dict[str, Any]:
        return {"opencrvs_field": self.opencrvs_field[:200], "field": self.field, "message": self.message[:200]}


class UpstreamOutcomes(RecordWriter):
    @classmethod
    def of(cls, records: RecordWriter) -> UpstreamOutcomes:
        return cls(records.db, records.country, records.clock)

    # ------------------------------------------------------------------ reading

    def notify_source(self, record_id: str) -> NotifySource:
        with self.db.read() as session:
            record = self._load(session, record_id)
            tokens = {}
            for section, person in record.persons.items():
                if person.get("verification") == VerificationState.AUTHENTICATED:
                    row = session.get(Secret, userinfo_jwt_name(record.id, section))
                    if row is not None:
                        tokens[section] = bytes(row.value).decode("ascii", "replace")
            pending = any(p.get("verification") == VerificationState.PENDING for p in record.persons.values())
            moving = pending and session.exec(select(OutboxItem.id).where(
                OutboxItem.record_id == record.id, OutboxItem.kind == OutboxKind.VERIFY.value,
                or_(OutboxItem.state == OutboxState.IN_FLIGHT.value,
                    and_(OutboxItem.state == OutboxState.PENDING.value,
                         col(OutboxItem.next_attempt_at) <= self.clock())))).first() is not None
            return NotifySource(record.id, record.event, dict(record.declaration), dict(record.persons), tokens,
                                pending, moving, dict(record.upstream or {}))

    def records_to_poll(self, limit: int) -> list[tuple[str, str]]:
        """(record id, OpenCRVS event id) of records OpenCRVS still decides on, least recently changed first."""
        with self.db.read() as session:
            rows = session.exec(select(Record.id, Record.upstream)
                                .where(col(Record.upstream_state).in_([s.value for s in UPSTREAM_OPEN]))
                                .order_by(col(Record.updated_at)).limit(limit)).all()
        return [(record_id, upstream["event_id"]) for record_id, upstream in rows
                if isinstance(upstream, dict) and isinstance(upstream.get("event_id"), str)]

    # ------------------------------------------------------------------ the NOTIFY (outbox)

    def prepared(self, item_id: int, *, event_id: str | None, tracking_id: str | None = None,
                 declaration: dict[str, Any] | None = None, photos_dropped: bool = False) -> None:
        """Before the NOTIFY goes, in one write: the event OpenCRVS created (its id is the NOTIFY's
        address, kept on the item and the record) and the declaration as first sent (every retry
        of this transactionId sends the same body)."""
        with self.db.write() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                return
            payload = dict(item.payload)
            if declaration is not None and "declaration" not in payload:
                payload.update({"declaration": declaration, "photos_dropped": photos_dropped})
            if event_id is not None and payload.get("event_id") != event_id:
                payload["event_id"] = event_id
                record = self._load(session, item.record_id)
                self._set_upstream(record, None, event_id=event_id, tracking_id=tracking_id)
                session.add(record)
            item.payload, item.updated_at = payload, self.clock()
            session.add(item)

    def notify_accepted(self, item_id: int, tracking_id: str | None) -> str | None:
        """Accepted: OpenCRVS holds an incomplete declaration."""
        with self.db.write() as session:
            item = self._open_item(session, item_id)
            if item is None:
                return None
            record = self._load(session, item.record_id)
            self._complete_item(session, item)
            if record.upstream_state in (UpstreamState.QUEUED, UpstreamState.SUBMITTED):
                self._upstream_action(session, record, UpstreamState.INCOMPLETE, Status(record.status),
                                      tracking_id=tracking_id, transaction=item.idempotency_key)
            return record.id

    def hold(self, item_id: int, reason: Notice, backoff: Backoff) -> None:
        """Not sent, or not decided yet, and no failure: due again after a back-off that grows with
        each hold; the attempts (which end in quarantine) are left alone."""
        with self.db.write() as session:
            item = self._open_item(session, item_id)
            if item is not None:
                self._hold(session, item, reason, backoff)

    def _hold(self, session: Session, item: OutboxItem, reason: Notice, backoff: Backoff) -> None:
        now = self.clock()
        held = int(item.payload.get("holds", 0)) + 1
        item.payload = {**item.payload, "holds": held}
        item.state, item.lease_owner, item.leased_until = OutboxState.PENDING.value, None, None
        item.next_attempt_at = now + backoff.delay(held)
        item.last_error, item.updated_at = reason.stored(), now
        session.add(item)

    def notify_requested(self, item_id: int, tracking_id: str | None, backoff: Backoff) -> None:
        """Still `Requested` (202): OpenCRVS's country configuration answers later. The same
        transactionId is sent again after a back-off (a fresh one would leave two Requested
        NOTIFYs, which core answers with a 500); waiting is not a failed attempt."""
        with self.db.write() as session:
            item = self._open_item(session, item_id)
            if item is None:
                return
            self._hold(session, item, Notice("delivery.opencrvs_requested", "OpenCRVS has not decided yet"), backoff)
            record = self._load(session, item.record_id)
            if record.upstream_state == UpstreamState.QUEUED:
                self._set_upstream(record, UpstreamState.SUBMITTED, tracking_id=tracking_id)
                session.add(record)

    def notify_refused(self, item_id: int, reason: Notice, problems: list[FieldProblem]) -> str | None:
        """OpenCRVS refused the NOTIFY (field errors, its country configuration Rejected it, or it
        is too large): the record reopens as a draft for the agent to correct and declare again;
        that declaration queues a fresh NOTIFY (new transactionId) to the same event."""
        with self.db.write() as session:
            item = self._open_item(session, item_id)
            if item is None:
                return None
            record = self._load(session, item.record_id)
            self._complete_item(session, item)
            self._reopen(session, record, UpstreamState.REFUSED, reason, field_errors=[p.stored() for p in problems],
                         transaction=item.idempotency_key)
            return record.id

    # ------------------------------------------------------------------ status back (search)

    def status_seen(self, record_id: str, seen: IndexedState, *, reason: str | None = None) -> bool:
        """What OpenCRVS's search shows for a record the device submitted; True when it changed
        something. Only records OpenCRVS still decides on move (a record reopened or queued again
        waits for its next NOTIFY, whatever an older index entry says)."""
        with self.db.write() as session:
            record = self._load(session, record_id)
            if record.upstream_state not in UPSTREAM_OPEN:
                return False
            upstream = record.upstream or {}
            same = (record.upstream_state == seen.state
                    and upstream.get("registration_number") == seen.registration_number
                    and upstream.get("nid") == seen.nid)
            if same:
                return False
            if seen.state is UpstreamState.REJECTED:
                self._reopen(session, record, UpstreamState.REJECTED,
                             Notice("upstream.rejected", "OpenCRVS: rejected by a registrar, requires updates"),
                             reason=reason, tracking_id=seen.tracking_id)
                return True
            target = Status(record.status)
            if seen.state is UpstreamState.REGISTERED:
                target = Status.REGISTERED
                record.registration_number = seen.registration_number
            self._upstream_action(session, record, seen.state, target, tracking_id=seen.tracking_id,
                                  registration_number=seen.registration_number, nid=seen.nid)
            return True

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _open_item(session: Session, item_id: int) -> OutboxItem | None:
        item = session.get(OutboxItem, item_id)
        if item is None or item.state in (OutboxState.DONE, OutboxState.CANCELLED):
            return None   # already written (a repeated answer)
        return item

    def _complete_item(self, session: Session, item: OutboxItem) -> None:
        now = self.clock()
        item.state, item.done_at, item.updated_at = OutboxState.DONE.value, now, now
        item.lease_owner, item.leased_until, item.last_error = None, None, None
        item.attempts += 1
        session.add(item)

    def _set_upstream(self, record: Record, state: UpstreamState | None, **details: Any) -> None:
        upstream = dict(record.upstream or {})
        upstream.update({k: v for k, v in details.items() if v is not None})
        if state is not None and state != record.upstream_state:
            record.upstream_state = state.value
            upstream["changed_at"] = self.clock().isoformat()
        record.upstream = upstream
        self._touch(record)

    def _upstream_action(self, session: Session, record: Record, state: UpstreamState, target: Status,
                         **details: Any) -> None:
        before = record.upstream_state
        self._set_upstream(record, state, **details)
        audit = {"upstream_from": before, "upstream_to": state.value,
                 **{k: v for k, v in details.items() if k in ("registration_number", "transaction") and v}}
        if details.get("nid"):
            audit["nid_received"] = True   # the identifier itself stays on the record, not in the audit
        self._commit_action(session, record, SYSTEM, ActionType.UPSTREAM_STATUS, target, audit_details=audit)

    def _reopen(self, session: Session, record: Record, state: UpstreamState, notice: Notice, *,
                reason: str | None = None, field_errors: list[dict[str, Any]] | None = None,
                **details: Any) -> None:
        """Requires updates: back to draft, flagged, with OpenCRVS's reason or refused fields."""
        upstream = dict(record.upstream or {})
        upstream["reason"] = reason
        upstream["field_errors"] = field_errors or []
        record.upstream = upstream
        record.requires_attention, record.attention_reason = True, notice.stored()
        if record.status == Status.DRAFT:   # already open for updates
            self._set_upstream(record, state, **details)
            session.add(record)
            return
        self._upstream_action(session, record, state, Status.DRAFT, **details)


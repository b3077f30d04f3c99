"""How a record is written, shared by its two writers: the record commands (`app.records.commands`,
what people do) and the delivery outcomes (`app.delivery`, what MOSIP answers).

Every change of status goes through `_commit_action`: transition check, action row, one audit
event. A change that is not an action (an answer that arrives after the record moved on) is noted
with `_note`. The caller holds the write transaction, so the change, its outbox items and its
audit event commit together or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, select

from app import audit
from app.config.loader import LoadedCountry
from app.config.models import FieldType
from app.records.validation import DeclarationInvalid, normalise_values
from app.records.verification import build_verification_payload, new_transaction_id
from app.records.workflow import ActionType, Status, WorkflowError, check_transition
from app.store import Database
from app.store.models import Action, OutboxItem, Record, Secret, Verification, utcnow
from app.vocabulary import SYSTEM, Actor, OutboxKind, OutboxState, VerificationState

ACTIVE_STATUSES = (Status.DECLARED, Status.VALIDATED, Status.VERIFICATION_FAILED)
_ACTIONS: Table = Action.__table__  # type: ignore[attr-defined]
# an action row is append-only and never read back in its transaction: a Core insert, no ORM object
_INSERT_ACTION = insert(_ACTIONS)
_ACTION_BATCH = "records.action_batch"  # session.info key: rows waiting for one executemany


__all__ = ["SYSTEM", "Actor", "RecordNotFound", "RecordWriter", "fold", "load_record", "pending_or_failed",
           "userinfo_jwt_name"]


class RecordNotFound(WorkflowError):
    default_code = "record.not_found"


def userinfo_jwt_name(record_id: str, section: str) -> str:
    """The secret-store name of a person's userinfo JWT. Country secret names are identifiers
    (no ':'), so these never collide with a key or a credential; within the 64-character names."""
    name = f"userinfo:{record_id}:{section}"
    if len(name) <= 64:
        return name
    return f"userinfo:{record_id}:{hashlib.sha256(section.encode()).hexdigest()[:20]}"


def fold(value: str) -> str:
    """Lower case without accents: how search text is stored and searched."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def load_record(session: Session, record_id: str) -> Record:
    """By id, or by tracking id (what a person reads off a receipt)."""
    record = session.get(Record, record_id)
    if record is None:
        record = session.exec(select(Record).where(Record.tracking_id == record_id.upper())).first()
    if record is None:
        raise RecordNotFound(f"no record {record_id!r}", params={"record": record_id[:64]})
    return record


class RecordWriter:
    def __init__(self, db: Database, country: LoadedCountry,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.db = db
        self.country = country
        self.clock = clock

    def _today(self) -> dt.date:
        return self.clock().date()

    def _load(self, session: Session, record_id: str) -> Record:
        return load_record(session, record_id)

    def _search_text(self, record: Record) -> str:
        form = self.country.config.form(record.event)
        parts = [record.tracking_id, record.registration_number or ""]
        for fid, value in record.declaration.items():
            form_field = form.field(fid)
            if form_field and form_field.type in (FieldType.TEXT, FieldType.ID):
                parts.append(value)
        return fold(" ".join(p for p in parts if p))

    def _touch(self, record: Record) -> None:
        """JSON columns are only ever reassigned (never mutated in place), so SQLAlchemy writes
        just the ones that changed; the search text follows the declaration."""
        record.updated_at = self.clock()
        record.version += 1
        search_text = self._search_text(record)
        if search_text != record.search_text:
            record.search_text = search_text

    def _commit_action(self, session: Session, record: Record, actor: Actor, action: ActionType,
                       target: Status, *, reason: str | None = None,
                       payload: dict[str, Any] | None = None,
                       audit_details: dict[str, Any] | None = None) -> None:
        """The single way a state change is recorded: transition check, action row, audit event."""
        current = Status(record.status) if record.status else None
        self._record_action(session, record.id, actor, action, current, target, reason=reason, payload=payload,
                            audit_details=audit_details)
        record.status = target.value
        self._touch(record)
        session.add(record)

    def _record_action(self, session: Session, record_id: str, actor: Actor, action: ActionType,
                       current: Status | None, target: Status, *, reason: str | None = None,
                       payload: dict[str, Any] | None = None,
                       audit_details: dict[str, Any] | None = None) -> None:
        """What every state change writes besides the record itself: the transition check, the
        action row and the audit event. `_commit_action` then updates the record object; the group
        commit of delivery outcomes updates the record rows itself (`app.delivery`)."""
        check_transition(action, current, target)
        row = {"record_id": record_id, "type": action.value, "status": "accepted", "actor": actor.name,
               "at": self.clock(), "reason": reason, "payload": payload or {}}
        batch = session.info.get(_ACTION_BATCH)
        if batch is not None:
            batch.append(row)
        else:
            session.execute(_INSERT_ACTION, row)
        details = {"from": current.value if current else None, "to": target.value, "role": actor.role.value}
        if reason:
            details["reason"] = reason[:500]
        details.update(audit_details or {})
        audit.append(session, actor=actor.name, kind=action.value, record_id=record_id, details=details)

    @staticmethod
    @contextlib.contextmanager
    def _batched(session: Session) -> Iterator[None]:
        """Action rows and audit events written inside are inserted with one executemany each when
        it ends (a group of delivery outcomes), in the order they were written."""
        if session.info.get(_ACTION_BATCH) is not None:
            yield
            return
        rows: list[dict[str, Any]] = []
        session.info[_ACTION_BATCH] = rows
        try:
            with audit.batched(session):
                yield
                if rows:
                    session.execute(_INSERT_ACTION, rows)
        finally:
            del session.info[_ACTION_BATCH]

    def _note(self, session: Session, record_id: str | None, kind: str, details: dict[str, Any], *,
              actor: Actor = SYSTEM) -> None:
        """An audit event that is not an action on the record (its status does not change)."""
        audit.append(session, actor=actor.name, kind=kind, record_id=record_id, details=details)

    def _parse(self, event: str, data: Mapping[str, Any] | None) -> dict[str, str]:
        values, errors = normalise_values(self.country.config.form(event), data or {})
        if errors:
            raise DeclarationInvalid(errors)
        return values

    @staticmethod
    def _pending_or_failed(record: Record) -> tuple[list[str], list[str]]:
        return pending_or_failed(record.persons)

    # ------------------------------------------------------------------ identity checks

    def _queue_verifications(self, session: Session, record: Record, sections: set[str] | None) -> list[str]:
        """One IDA check per identity section with an ID number and a name, unless the person was
        authenticated with e-Signet (that is stronger than an offline check)."""
        queued = []
        form = self.country.config.form(record.event)
        for section in form.sections:
            if not section.identity or (sections is not None and section.id not in sections):
                continue
            person = dict(record.persons.get(section.id) or {})
            if person.get("verification") == VerificationState.AUTHENTICATED:
                continue
            payload = build_verification_payload(self.country, section, record.declaration)
            if payload is None:
                continue
            self._cancel_pending(session, record.id, section.id)
            txn = new_transaction_id()
            verification = Verification(record_id=record.id, section=section.id, transaction_id=txn,
                                        payload=payload, created_at=self.clock())
            session.add(verification)
            session.add(OutboxItem(idempotency_key=txn, kind=OutboxKind.VERIFY.value, record_id=record.id,
                                   payload={**payload, "transaction_id": txn, "section": section.id},
                                   created_at=self.clock(), next_attempt_at=self.clock()))
            person.update({"verification": VerificationState.PENDING.value, "failed_attributes": []})
            record.persons = {**record.persons, section.id: person}
            queued.append(section.id)
        return queued

    def _cancel_pending(self, session: Session, record_id: str, section: str) -> None:
        for old in session.exec(select(Verification).where(
                Verification.record_id == record_id, Verification.section == section,
                Verification.status == VerificationState.PENDING)):
            old.status = VerificationState.CANCELLED.value
            session.add(old)
            item = session.exec(select(OutboxItem).where(
                OutboxItem.idempotency_key == old.transaction_id)).first()
            if item and item.state in (OutboxState.PENDING, OutboxState.QUARANTINED):
                item.state = OutboxState.CANCELLED.value
                session.add(item)

    def _persons_for_rules(self, session: Session, record: Record) -> dict[str, Any]:
        return persons_for_rules(session, record)


def pending_or_failed(persons: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The sections whose identity check is still pending, and those whose check failed."""
    pending = [s for s, p in persons.items() if p.get("verification") == VerificationState.PENDING]
    failed = [s for s, p in persons.items() if p.get("verification") == VerificationState.FAILED]
    return pending, failed


def persons_for_rules(session: Session, record: Record) -> dict[str, Any]:
    """The persons as rules see them: with each authenticated person's userinfo JWT."""
    persons = dict(record.persons)
    for section, person in record.persons.items():
        if person.get("verification") != VerificationState.AUTHENTICATED:
            continue
        row = session.get(Secret, userinfo_jwt_name(record.id, section))
        if row is not None:
            persons[section] = {**person, "userinfo_jwt": bytes(row.value).decode("ascii")}
    return persons

"""What became of a delivery, written with its effect on the record: the one place the sync agent
(and the WebSub confirmations) change records, outbox items and audit.

Each outcome is one transaction: the outbox item's new state, the record's change and its audit
event commit together or not at all (DESIGN §5). IDA answers are idempotent on the transaction id
and recording an answer twice changes nothing, so a crash between sending and committing only
means the item is sent again once its lease expires. The leasing itself (who holds which item
until when) is `app.outbox.OutboxLedger`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from app.messages import Notice
from app.outbox import Backoff
from app.records.verification import VerificationOutcome
from app.records.workflow import ActionType, Status, check_permission
from app.records.writer import ACTIVE_STATUSES, SYSTEM, Actor, RecordNotFound, RecordWriter, pending_or_failed
from app.store.models import ExternalRequest, OutboxItem, Record, Verification
from app.vocabulary import OutboxState, RequestState, VerificationState

log = logging.getLogger("crvs_field.delivery")
_CHUNK = 500  # ids per IN (...): well under SQLite's bound on parameters
_VERIFICATIONS: Table = Verification.__table__  # type: ignore[attr-defined]
_RECORDS: Table = Record.__table__  # type: ignore[attr-defined]
_OUTBOX: Table = OutboxItem.__table__  # type: ignore[attr-defined]
_UPDATE_VERIFICATION = (update(_VERIFICATIONS).where(_VERIFICATIONS.c.id == bindparam("b_id"))
                        .values(status=bindparam("b_status"), failed_attributes=bindparam("b_failed"),
                                error_codes=bindparam("b_codes"), completed_at=bindparam("b_completed")))
_UPDATE_RECORD = (update(_RECORDS).where(_RECORDS.c.id == bindparam("b_id"))
                  .values(status=bindparam("b_status"), persons=bindparam("b_persons"),
                          updated_at=bindparam("b_updated_at"), version=_RECORDS.c.version + bindparam("b_touches")))


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _notice(reason: Notice | str) -> Notice:
    return reason if isinstance(reason, Notice) else Notice("text", str(reason)[:300])


@dataclass(frozen=True)
class VerificationAnswer:
    """IDA's answer to the verification outbox item `item_id`."""

    item_id: int
    outcome: VerificationOutcome


class DeliveryOutcomes(RecordWriter):
    @classmethod
    def of(cls, records: RecordWriter) -> DeliveryOutcomes:
        """The delivery outcomes of the device `records` writes to (same database, country, clock)."""
        return cls(records.db, records.country, records.clock)

    # ------------------------------------------------------------------ identity checks (IDA)

    def verifications_answered(self, answers: Sequence[VerificationAnswer]) -> None:
        """A group of answers in one transaction, each with its outbox completion, record change and
        audit event (all or nothing: a kill before the commit leaves the items in flight, their
        leases expire and they are sent again). Should the group fail, its answers are written one
        by one so that one bad answer does not hold back the others; the first failure is raised."""
        try:
            self._write_verifications(answers)
        except Exception:
            if len(answers) == 1:
                raise
            log.warning("a group of %d verification outcomes failed to commit: writing them one by one",
                        len(answers), exc_info=True)
            failure: Exception | None = None
            for answer in answers:
                try:
                    self._write_verifications([answer])
                except Exception as exc:
                    failure = failure or exc
            if failure is not None:
                raise failure from None

    def _write_verifications(self, answers: Sequence[VerificationAnswer]) -> None:
        with self.db.write() as session:
            self.apply_verification_results([answer.outcome for answer in answers])
            self._complete(session, [answer.item_id for answer in answers])

    def apply_verification_result(self, transaction_id: str, *, verified: bool,
                                  failed_attributes: list[str] | None = None,
                                  error_codes: list[str] | None = None,
                                  actor: Actor = SYSTEM) -> str | None:
        """Record IDA's answer; the id of the record it changed. Idempotent: a repeated answer
        changes nothing (None)."""
        outcome = VerificationOutcome(transaction_id, verified, tuple(failed_attributes or ()),
                                      tuple(error_codes or ()))
        return self.apply_verification_results([outcome], actor=actor)[0]

    def apply_verification_results(self, outcomes: Sequence[VerificationOutcome], *,
                                   actor: Actor = SYSTEM) -> list[str | None]:
        """Several answers in one transaction, each recorded exactly as `apply_verification_result`
        records one; per answer the id of the record it changed, None for one already recorded.

        The agent's hot path, so rows, not ORM objects: the verifications and records are read in
        two queries (only the columns needed), and written with one executemany per table."""
        check_permission(ActionType.VERIFICATION_RESULT, actor.role)
        with self.db.write() as session:
            session.flush()  # a caller's pending ORM changes are seen by the reads below
            verifications: dict[str, dict[str, Any]] = {}
            for chunk in _chunks(list(dict.fromkeys(o.transaction_id for o in outcomes))):
                verifications.update((row.transaction_id, dict(row._mapping)) for row in session.execute(
                    select(_VERIFICATIONS.c.id, _VERIFICATIONS.c.record_id, _VERIFICATIONS.c.section,
                           _VERIFICATIONS.c.status, _VERIFICATIONS.c.transaction_id)
                    .where(_VERIFICATIONS.c.transaction_id.in_(chunk))))
            records: dict[str, dict[str, Any]] = {}
            for chunk in _chunks(sorted({v["record_id"] for v in verifications.values()
                                         if v["status"] == VerificationState.PENDING})):
                records.update((row.id, {"id": row.id, "status": row.status, "persons": row.persons, "touches": 0})
                               for row in session.execute(select(_RECORDS.c.id, _RECORDS.c.status, _RECORDS.c.persons)
                                                          .where(_RECORDS.c.id.in_(chunk))))
            checked: list[dict[str, Any]] = []
            with self._batched(session):
                changed = [self._apply_verification(session, verifications.get(o.transaction_id), records, o, actor,
                                                    checked) for o in outcomes]
            if checked:
                session.execute(_UPDATE_VERIFICATION, checked)
            touched = [{f"b_{key}": value for key, value in record.items()}
                       for record in records.values() if record["touches"]]
            if touched:
                session.execute(_UPDATE_RECORD, touched)
            return changed

    def _apply_verification(self, session: Session, verification: dict[str, Any] | None,
                            records: dict[str, dict[str, Any]], outcome: VerificationOutcome, actor: Actor,
                            checked: list[dict[str, Any]]) -> str | None:
        if verification is None or verification["status"] != VerificationState.PENDING:
            return None
        status = (VerificationState.VERIFIED if outcome.verified else VerificationState.FAILED).value
        verification["status"] = status  # the same answer twice in one group is recorded once
        failed_attributes, error_codes = sorted(set(outcome.failed_attributes)), list(outcome.error_codes)
        now = self.clock()
        checked.append({"b_id": verification["id"], "b_status": status, "b_failed": failed_attributes,
                        "b_codes": error_codes, "b_completed": now})
        record_id, section = verification["record_id"], verification["section"]
        record = records.get(record_id)
        if record is None:
            raise RecordNotFound(f"no record {record_id!r}", params={"record": record_id[:64]})
        person = dict(record["persons"].get(section) or {})
        person.update({"verification": status, "failed_attributes": failed_attributes})
        record["persons"] = {**record["persons"], section: person}
        # what `_touch` does, but for the declaration-derived search text: an answer leaves it as it is
        record["touches"] += 1
        record["updated_at"] = now
        current = Status(record["status"])
        details = {"section": section, "outcome": status, "failed_attributes": failed_attributes,
                   "error_codes": error_codes, "transaction_id": outcome.transaction_id}
        if current in ACTIVE_STATUSES:
            pending, failed = pending_or_failed(record["persons"])
            if failed:
                target = Status.VERIFICATION_FAILED
            elif not pending:
                target = Status.VALIDATED
            else:
                target = current
            self._record_action(session, record_id, actor, ActionType.VERIFICATION_RESULT, current, target,
                                payload=details, audit_details=details)
            record["status"] = target.value
        else:  # the record moved on (e.g. rejected): keep the person's state, note it
            self._note(session, record_id, "verification-result-late", details, actor=actor)
        return record_id

    # ------------------------------------------------------------------ packets (packet manager)

    def packet_delivered(self, item: OutboxItem, *, already_started: bool) -> None:
        """MOSIP took the packet (its workflow started, perhaps by an earlier send whose answer was
        lost: RPR-WIS-001, `app.mosip.packets`)."""
        with self.db.write() as session:
            self._complete(session, [item.id] if item.id is not None else [])
            self._note(session, item.record_id, "mosip-delivered",
                       {"operation": item.kind, "rid": item.idempotency_key,
                        "process": item.payload.get("process"), "workflow_already_started": already_started})

    # ------------------------------------------------------------------ any kind

    def retry_later(self, item_id: int, reason: Notice | str, backoff: Backoff, *,
                    max_attempts: int | None = None, count_attempt: bool = True) -> OutboxState | None:
        """A transient failure: due again after a back-off. Once `max_attempts` tries have failed,
        the item is quarantined instead (and its record flagged). `count_attempt=False` gives the
        item back due now, its attempts unchanged (the batch stopped on a configuration fault).
        The item's new state, or None if it no longer exists."""
        cause = _notice(reason)
        with self.db.write() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                return None
            now = self.clock()
            if count_attempt:
                item.attempts += 1
            if max_attempts is not None and item.attempts >= max_attempts:
                self._quarantine(session, item, Notice(
                    "delivery.gave_up", f"gave up after {item.attempts} attempts: {cause.text}",
                    {**cause.params, "attempts": item.attempts, "cause": cause.code}))
                return OutboxState.QUARANTINED
            item.state, item.lease_owner, item.leased_until = OutboxState.PENDING.value, None, None
            item.next_attempt_at = now + (backoff.delay(item.attempts) if count_attempt else dt.timedelta(0))
            item.last_error, item.updated_at = cause.stored(), now
            session.add(item)
            return OutboxState.PENDING

    def quarantine(self, item_id: int, reason: Notice | str) -> str | None:
        """Stop trying (the data was refused); the record is flagged so a person sees why. Returns
        the record id."""
        with self.db.write() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                return None
            item.attempts += 1
            self._quarantine(session, item, _notice(reason))
            return item.record_id

    def _quarantine(self, session: Session, item: OutboxItem, reason: Notice) -> None:
        """Stored as codes (`app.messages`): the record view and the CLI word them."""
        now = self.clock()
        item.state, item.lease_owner, item.leased_until = OutboxState.QUARANTINED.value, None, None
        item.last_error, item.updated_at = reason.stored(), now
        session.add(item)
        record = session.get(Record, item.record_id)
        if record is not None:
            attention = Notice(reason.code, f"{item.kind}: {reason.text}", {**reason.params, "operation": item.kind})
            record.requires_attention = True
            record.attention_reason = attention.stored()
            record.updated_at = now
            session.add(record)
            self._note(session, record.id, "delivery-quarantined",
                       {"kind": item.kind, "key": item.idempotency_key, "reason": reason.bounded().text,
                        "notice": reason.as_details()})

    def _complete(self, session: Session, item_ids: list[int]) -> None:
        """Delivered: one UPDATE for all of them, in the transaction that records their outcomes
        (a Core statement: no ORM flush, no objects to synchronise)."""
        now = self.clock()
        for chunk in _chunks(item_ids):
            session.execute(
                update(_OUTBOX).where(_OUTBOX.c.id.in_(chunk))
                .values(state=OutboxState.DONE.value, done_at=now, updated_at=now, lease_owner=None,
                        leased_until=None, attempts=_OUTBOX.c.attempts + 1, last_error=None))

    # ------------------------------------------------------------------ confirmations (WebSub)

    def confirm_registration(self, rid: str, *, vid: str | None, uin: str | None,
                             actor: Actor = SYSTEM) -> Record | None:
        """MOSIP issued the credential for `rid`. Idempotent: a repeated delivery changes nothing."""
        check_permission(ActionType.CONFIRM_REGISTRATION, actor.role)
        with self.db.write() as session:
            request = session.get(ExternalRequest, rid)
            if request is None or request.status == RequestState.CONFIRMED:
                return None
            record = self._load(session, request.record_id)
            late = request.status == RequestState.REMOVED
            request.status = RequestState.CONFIRMED.value
            request.confirmed_at = self.clock()
            session.add(request)
            keep_uin = self.country.config.mosip.store_uin
            ids = {k: v for k, v in {"vid": vid, "uin": uin if keep_uin else None}.items() if v}
            record.mosip = dict(record.mosip) | ids
            person = dict(record.persons.get(request.subject) or {})
            person.update(ids)
            record.persons = {**record.persons, request.subject: person}
            id_field = f"{request.subject}.{self.country.config.identity.fields['individual_id']}"
            form = self.country.config.form(record.event)
            if form.field(id_field) is not None and (vid or (keep_uin and uin)):
                record.declaration = dict(record.declaration) | {id_field: vid or uin}
            details = {"rid": rid, "rule": request.rule_id, "stored": sorted(ids)}
            if not late and Status(record.status) is Status.AWAITING_EXTERNAL_VALIDATION:
                self._commit_action(session, record, actor, ActionType.CONFIRM_REGISTRATION,
                                    Status.REGISTERED, audit_details=details)
            else:
                self._touch(record)
                session.add(record)
                self._note(session, record.id, "confirm-registration-late", details, actor=actor)
            return record

"""Declarations and the actions on them: the one place that changes records.

Every accepted action writes, in ONE transaction: the record's new state, an append-only `action`
row, exactly one audit event, and whatever must leave the device (verifications, MOSIP operations)
as outbox items. Roles are checked here, not only in the UI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from app import audit
from app.config.loader import LoadedCountry
from app.config.models import FieldType, WorkQueue
from app.integration import AWAITS_CONFIRMATION, enqueue, evaluate
from app.records.provenance import QR_SOURCES, DataSource, Prefill, esignet_provenance, track_sources
from app.records.validation import (
    DeclarationInvalid,
    FieldError,
    normalise_values,
    validate_declaration,
    with_defaults,
)
from app.records.verification import VerificationOutcome, build_verification_payload, new_transaction_id
from app.records.workflow import (
    REASON_REQUIRED,
    ActionType,
    Role,
    Status,
    WorkflowError,
    allowed_targets,
    available_actions,
    check_permission,
    check_transition,
)
from app.store import Database
from app.store.models import Action, ExternalRequest, OutboxItem, Record, Secret, Verification, utcnow
from app.store.sequences import next_value

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ACTIVE_STATUSES = (Status.DECLARED, Status.VALIDATED, Status.VERIFICATION_FAILED)
OPEN_OUTBOX_STATES = ("pending", "in_flight", "quarantined")
# A userinfo JWT without a picture is 1–3 KB; the bound leaves room for a small one and keeps a
# hostile provider from filling the database (it is also the secret store's bound).
MAX_USERINFO_JWT_CHARS = 64 * 1024
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role


SYSTEM = Actor("system", Role.SYSTEM)


class RecordNotFound(WorkflowError):
    pass


@dataclass
class RecordDetail:
    record: Record
    actions: list[Action]
    verifications: list[Verification]
    outbox: list[OutboxItem]
    history: list[Any]
    available: list[ActionType] = field(default_factory=list)


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


def userinfo_jwt_name(record_id: str, section: str) -> str:
    """The secret-store name of a person's userinfo JWT. Country secret names are identifiers
    (no ':'), so these never collide with a key or a credential; within the 64-character names."""
    name = f"userinfo:{record_id}:{section}"
    if len(name) <= 64:
        return name
    return f"userinfo:{record_id}:{hashlib.sha256(section.encode()).hexdigest()[:20]}"


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class RecordService:
    def __init__(self, db: Database, country: LoadedCountry,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.db = db
        self.country = country
        self.clock = clock

    # ------------------------------------------------------------------ helpers

    def _today(self) -> dt.date:
        return self.clock().date()

    def _load(self, session: Session, record_id: str) -> Record:
        record = session.get(Record, record_id)
        if record is None:
            record = session.exec(select(Record).where(Record.tracking_id == record_id.upper())).first()
        if record is None:
            raise RecordNotFound(f"no record {record_id!r}")
        return record

    def _search_text(self, record: Record) -> str:
        form = self.country.config.form(record.event)
        parts = [record.tracking_id, record.registration_number or ""]
        for fid, value in record.declaration.items():
            form_field = form.field(fid)
            if form_field and form_field.type in (FieldType.TEXT, FieldType.ID):
                parts.append(value)
        return _fold(" ".join(p for p in parts if p))

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
        check_transition(action, current, target)
        record.status = target.value
        self._touch(record)
        session.add(record)
        session.add(Action(record_id=record.id, type=action.value, actor=actor.name, at=self.clock(),
                           reason=reason, payload=payload or {}))
        details = {"from": current.value if current else None, "to": target.value, "role": actor.role.value}
        if reason:
            details["reason"] = reason[:500]
        details.update(audit_details or {})
        audit.append(session, actor=actor.name, kind=action.value, record_id=record.id, details=details)

    def _parse(self, event: str, data: Mapping[str, Any] | None) -> dict[str, str]:
        values, errors = normalise_values(self.country.config.form(event), data or {})
        if errors:
            raise DeclarationInvalid(errors)
        return values

    def _new_record(self, session: Session, actor: Actor, event: str) -> Record:
        tracking = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(7))
        record = Record(id=uuid.uuid4().hex, tracking_id=tracking, event=event, status="",
                        created_by=actor.name, created_at=self.clock(), declaration={}, persons={}, mosip={})
        session.add(record)
        session.flush()  # rows that refer to it (verifications, outbox) may follow
        return record

    def _parse_prefills(self, event: str, prefills: Sequence[Prefill]) -> list[Prefill]:
        """QR prefills, checked: a person section of this form, its own fields, a QR source (e-Signet
        goes through `record_authentication`, which also records the authentication)."""
        form = self.country.config.form(event)
        parsed = []
        for prefill in prefills:
            section = form.section(prefill.section)
            if section is None or not section.identity:
                raise WorkflowError(f"'{prefill.section}' is not a person section of this {event} form")
            if prefill.source not in QR_SOURCES:
                raise WorkflowError(f"a prefill comes from a QR code, not from '{prefill.source}'")
            values = self._parse(event, prefill.values)
            if any(not k.startswith(prefill.section + ".") for k in values):
                raise WorkflowError("prefilled fields must belong to the scanned person's section")
            parsed.append(Prefill(prefill.section, prefill.source, values))
        return parsed

    def _track_sources(self, record: Record, before: Mapping[str, Any],
                       prefills: Sequence[Prefill] = ()) -> dict[str, Any]:
        """Update each person's data source after the declaration changed; the changes, for the
        action's audit event (`app.records.provenance`)."""
        persons, changes = track_sources(self.country.config.form(record.event), record.persons, before,
                                         record.declaration, prefills)
        if persons != record.persons:
            record.persons = persons
        return {"data_sources": changes} if changes else {}

    # ------------------------------------------------------------------ drafts & declarations

    def create_draft(self, actor: Actor, event: str, data: Mapping[str, Any] | None = None, *,
                     prefills: Sequence[Prefill] = ()) -> Record:
        """A new draft; `prefills` name the fields of `data` read from a QR code (their source)."""
        check_permission(ActionType.CREATE, actor.role)
        event = self._event(event)
        prefills = self._parse_prefills(event, prefills)
        values = {k: v for p in prefills for k, v in p.values.items()} | self._parse(event, data)
        values, errors = validate_declaration(self.country, event, values, today=self._today(),
                                              complete=False)
        if errors:
            raise DeclarationInvalid(errors)
        with self.db.write() as session:
            record = self._new_record(session, actor, event)
            record.declaration = values
            sources = self._track_sources(record, {}, prefills)
            self._commit_action(session, record, actor, ActionType.CREATE, Status.DRAFT,
                                audit_details={"event": event, "fields": sorted(values), **sources})
        return record

    def update_draft(self, actor: Actor, record_id: str, data: Mapping[str, Any], *,
                     prefills: Sequence[Prefill] = ()) -> Record:
        """Autosave: merge the given fields (empty or null clears one); only type errors refuse.
        `prefills` name fields read from a QR code: their values are saved, and `data` wins where
        the agent already changed one (the data is then "edited after" the QR code)."""
        check_permission(ActionType.UPDATE, actor.role)
        with self.db.write() as session:
            record = self._load(session, record_id)
            prefills = self._parse_prefills(record.event, prefills)
            raw = {k: v for p in prefills for k, v in p.values.items()} | dict(data or {})
            cleared = {k for k, v in raw.items() if v is None or (isinstance(v, str) and not v.strip())}
            values = self._parse(record.event, {k: v for k, v in raw.items() if k not in cleared})
            merged = {k: v for k, v in record.declaration.items() if k not in cleared} | values
            merged, errors = validate_declaration(self.country, record.event, merged, today=self._today(),
                                                  complete=False)
            if errors:
                raise DeclarationInvalid(errors)
            allowed_targets(ActionType.UPDATE, Status(record.status))
            before = record.declaration
            record.declaration = merged
            sources = self._track_sources(record, before, prefills)
            self._commit_action(session, record, actor, ActionType.UPDATE, Status.DRAFT,
                                audit_details={"fields": sorted(set(values) | cleared), **sources})
        return record

    def prefill(self, actor: Actor, record_id: str, section: str, source: DataSource,
                values: Mapping[str, Any]) -> Record:
        """Fill a draft's person section from a QR code (`crvs-field records prefill`)."""
        return self.update_draft(actor, record_id, {}, prefills=[Prefill(section, source, dict(values))])

    def declare(self, actor: Actor, *, event: str | None = None, data: Mapping[str, Any] | None = None,
                record_id: str | None = None) -> Record:
        """Submit a complete declaration (a new one, or a draft); queue identity checks."""
        check_permission(ActionType.DECLARE, actor.role)
        with self.db.write() as session:
            if record_id:
                record = self._load(session, record_id)
                values = dict(record.declaration) | self._parse(record.event, data)
            else:
                if event is None:
                    raise WorkflowError("declare needs an event or a draft record id")
                record = self._new_record(session, actor, self._event(event))
                values = self._parse(record.event, data)
            allowed_targets(ActionType.DECLARE, Status(record.status) if record.status else None)
            values = with_defaults(self.country.config.form(record.event), values)
            kept, errors = validate_declaration(self.country, record.event, values, today=self._today(),
                                                complete=True)
            if errors:
                raise DeclarationInvalid(errors)
            before = record.declaration
            record.declaration = kept
            sources = self._track_sources(record, before)
            queued = self._queue_verifications(session, record, sections=None)
            self._commit_action(session, record, actor, ActionType.DECLARE, Status.DECLARED,
                                audit_details={"event": record.event, "verifications_queued": queued,
                                               **sources})
        return record

    def _event(self, event: str) -> str:
        if event not in {e.value for e in self.country.config.forms}:
            raise WorkflowError(f"unknown event {event!r}; this country declares: "
                                + ", ".join(e.value for e in self.country.config.forms))
        return event

    # ------------------------------------------------------------------ verifications

    def _queue_verifications(self, session: Session, record: Record, sections: set[str] | None) -> list[str]:
        """One IDA check per identity section with an ID number and a name, unless the person was
        authenticated with e-Signet (that is stronger than an offline check)."""
        queued = []
        form = self.country.config.form(record.event)
        for section in form.sections:
            if not section.identity or (sections is not None and section.id not in sections):
                continue
            person = dict(record.persons.get(section.id) or {})
            if person.get("verification") == "authenticated":
                continue
            payload = build_verification_payload(self.country, section, record.declaration)
            if payload is None:
                continue
            self._cancel_pending(session, record.id, section.id)
            txn = new_transaction_id()
            verification = Verification(record_id=record.id, section=section.id, transaction_id=txn,
                                        payload=payload, created_at=self.clock())
            session.add(verification)
            session.add(OutboxItem(idempotency_key=txn, kind="verify", record_id=record.id,
                                   payload={**payload, "transaction_id": txn, "section": section.id},
                                   created_at=self.clock(), next_attempt_at=self.clock()))
            person.update({"verification": "pending", "failed_attributes": []})
            record.persons = {**record.persons, section.id: person}
            queued.append(section.id)
        return queued

    def _cancel_pending(self, session: Session, record_id: str, section: str) -> None:
        for old in session.exec(select(Verification).where(
                Verification.record_id == record_id, Verification.section == section,
                Verification.status == "pending")):
            old.status = "cancelled"
            session.add(old)
            item = session.exec(select(OutboxItem).where(
                OutboxItem.idempotency_key == old.transaction_id)).first()
            if item and item.state in ("pending", "quarantined"):
                item.state = "cancelled"
                session.add(item)

    def _pending_or_failed(self, record: Record) -> tuple[list[str], list[str]]:
        pending = [s for s, p in record.persons.items() if p.get("verification") == "pending"]
        failed = [s for s, p in record.persons.items() if p.get("verification") == "failed"]
        return pending, failed

    def apply_verification_result(self, transaction_id: str, *, verified: bool,
                                  failed_attributes: list[str] | None = None,
                                  error_codes: list[str] | None = None,
                                  actor: Actor = SYSTEM) -> Record | None:
        """Record IDA's answer. Idempotent: a repeated answer changes nothing."""
        outcome = VerificationOutcome(transaction_id, verified, tuple(failed_attributes or ()),
                                      tuple(error_codes or ()))
        return self.apply_verification_results([outcome], actor=actor)[0]

    def apply_verification_results(self, outcomes: Sequence[VerificationOutcome], *,
                                   actor: Actor = SYSTEM) -> list[Record | None]:
        """Several answers in one transaction (the sync agent commits them in groups), each recorded
        exactly as `apply_verification_result` records one; None for an answer already recorded.
        The verifications and records are read in two queries, not two per answer."""
        check_permission(ActionType.VERIFICATION_RESULT, actor.role)
        with self.db.write() as session:
            txns = list(dict.fromkeys(o.transaction_id for o in outcomes))
            verifications: dict[str, Verification] = {}
            for chunk in range(0, len(txns), 500):
                verifications.update((v.transaction_id, v) for v in session.exec(select(Verification).where(
                    col(Verification.transaction_id).in_(txns[chunk:chunk + 500]))))
            record_ids = sorted({v.record_id for v in verifications.values() if v.status == "pending"})
            records: list[Record] = []  # held, so the session's (weak) identity map keeps them for _load
            for chunk in range(0, len(record_ids), 500):
                records += session.exec(select(Record).where(col(Record.id).in_(record_ids[chunk:chunk + 500])))
            return [self._apply_verification(session, verifications.get(o.transaction_id), o, actor)
                    for o in outcomes]

    def _apply_verification(self, session: Session, verification: Verification | None,
                            outcome: VerificationOutcome, actor: Actor) -> Record | None:
        if verification is None or verification.status != "pending":
            return None
        verification.status = "verified" if outcome.verified else "failed"
        verification.failed_attributes = sorted(set(outcome.failed_attributes))
        verification.error_codes = list(outcome.error_codes)
        verification.completed_at = self.clock()
        session.add(verification)
        record = self._load(session, verification.record_id)
        person = dict(record.persons.get(verification.section) or {})
        person.update({"verification": verification.status,
                       "failed_attributes": verification.failed_attributes})
        record.persons = {**record.persons, verification.section: person}
        current = Status(record.status)
        details = {"section": verification.section, "outcome": verification.status,
                   "failed_attributes": verification.failed_attributes,
                   "error_codes": verification.error_codes, "transaction_id": outcome.transaction_id}
        if current in ACTIVE_STATUSES:
            pending, failed = self._pending_or_failed(record)
            if failed:
                target = Status.VERIFICATION_FAILED
            elif not pending:
                target = Status.VALIDATED
            else:
                target = current
            self._commit_action(session, record, actor, ActionType.VERIFICATION_RESULT, target,
                                payload=details, audit_details=details)
        else:  # the record moved on (e.g. rejected): keep the person's state, note it
            self._touch(record)
            session.add(record)
            audit.append(session, actor=actor.name, kind="verification-result-late",
                         record_id=record.id, details=details)
        return record

    def record_authentication(self, actor: Actor, record_id: str, section: str, *, psut: str,
                              values: Mapping[str, Any] | None = None,
                              userinfo_jwt: str | None = None) -> Record:
        """A person logged in with e-Signet: store the PSUT (never the UIN), the prefill, and the
        verified userinfo JWT (in the secret store, see `userinfo_jwt_name`)."""
        check_permission(ActionType.AUTHENTICATE, actor.role)
        with self.db.write() as session:
            record = self._load(session, record_id)
            form = self.country.config.form(record.event)
            target_section = form.section(section)
            if target_section is None or not target_section.identity:
                raise WorkflowError(f"'{section}' is not a person section of this {record.event} form")
            prefill = self._parse(record.event, values)
            if any(not k.startswith(section + ".") for k in prefill):
                raise WorkflowError("prefilled fields must belong to the authenticated section")
            written = Status(record.status) is Status.DRAFT
            if written:
                record.declaration = dict(record.declaration) | prefill
            self._cancel_pending(session, record.id, section)
            person, source_change = esignet_provenance(
                {"verification": "authenticated", "psut": psut, "failed_attributes": []},
                record.persons.get(section) or {}, sorted(prefill) if written else [])
            record.persons = {**record.persons, section: person}
            kept = self._keep_userinfo_jwt(session, record.id, section, userinfo_jwt)
            details: dict[str, Any] = {"section": section, "fields": sorted(prefill), "userinfo_jwt_kept": kept}
            if source_change:
                details["data_sources"] = {section: source_change}
            self._commit_action(session, record, actor, ActionType.AUTHENTICATE, Status(record.status),
                                audit_details=details)
        return record

    def _keep_userinfo_jwt(self, session: Session, record_id: str, section: str, token: str | None) -> bool:
        """Store the person's verified userinfo JWT (compact JWS, bounded) in place of an earlier
        login's; a login without one (or with one too large) leaves none, so a rule never sends
        another login's token. MOSIP's CRVS integration names the informant's e-Signet userinfo JWT
        as the packet's `introducerInfoToken` / `deceasedInformer` (mosip/documentation
        docs/interoperability/integrations/mosip-crvs/approach/technical-details.md)."""
        name = userinfo_jwt_name(record_id, section)
        row = session.get(Secret, name)
        usable = (isinstance(token, str) and len(token) <= MAX_USERINFO_JWT_CHARS
                  and _COMPACT_JWS.fullmatch(token) is not None)
        if not usable:
            if row is not None:
                session.delete(row)
            return False
        assert token is not None
        row = row or Secret(name=name, value=b"")
        row.value = token.encode("ascii")
        row.updated_at = self.clock()
        session.add(row)
        return True

    def _persons_for_rules(self, session: Session, record: Record) -> dict[str, Any]:
        """The persons as rules see them: with each authenticated person's userinfo JWT."""
        persons = dict(record.persons)
        for section, person in record.persons.items():
            if person.get("verification") != "authenticated":
                continue
            row = session.get(Secret, userinfo_jwt_name(record.id, section))
            if row is not None:
                persons[section] = {**person, "userinfo_jwt": bytes(row.value).decode("ascii")}
        return persons

    # ------------------------------------------------------------------ actions

    def act(self, actor: Actor, record_id: str, action: ActionType | str,
            data: Mapping[str, Any] | None = None, reason: str | None = None) -> Record:
        try:
            action = ActionType(action)
        except ValueError:
            raise WorkflowError(f"unknown action {action!r}") from None
        check_permission(action, actor.role)
        reason = (reason or "").strip() or None
        if action in REASON_REQUIRED and not reason:
            raise WorkflowError(f"'{action.value}' needs a reason")
        handler = {
            ActionType.VALIDATE: self._validate,
            ActionType.REGISTER: self._register,
            ActionType.REQUEST_CORRECTION: self._request_correction,
            ActionType.APPROVE_CORRECTION: self._approve_correction,
            ActionType.REJECT: self._reject,
            ActionType.RETRY: self._retry,
            ActionType.REMOVE_FROM_QUEUE: self._remove_from_queue,
        }.get(action)
        if handler is None:
            raise WorkflowError(f"'{action.value}' is done by the device, not by a person")
        with self.db.write() as session:
            record = self._load(session, record_id)
            handler(session, record, actor, data or {}, reason)
        return record

    def _require_checks_done(self, session: Session, record: Record, what: str) -> None:
        pending, failed = self._pending_or_failed(record)
        if failed:
            raise WorkflowError(f"cannot {what}: identity verification failed for {', '.join(failed)}; "
                                "a supervisor must review it first")
        if pending:
            raise WorkflowError(f"cannot {what}: identity verification is still pending for "
                                f"{', '.join(pending)}; it completes when the device syncs")

    def _validate(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
                  reason: str | None) -> None:
        allowed_targets(ActionType.VALIDATE, Status(record.status))
        self._require_checks_done(session, record, "validate")
        self._commit_action(session, record, actor, ActionType.VALIDATE, Status.VALIDATED, reason=reason)

    def _register(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
                  reason: str | None) -> None:
        allowed_targets(ActionType.REGISTER, Status(record.status))
        self._require_checks_done(session, record, "register")
        prefix = self.country.config.registration.number_prefix.get(record.event, record.event[:1].upper())
        year = self.clock().year
        record.registration_number = f"{prefix}{year}{next_value(session, f'reg:{record.event}:{year}'):06d}"
        evaluation = evaluate(self.country, event=record.event, action="register",
                              values=record.declaration, persons=self._persons_for_rules(session, record),
                              today=self._today(),
                              registration_number=record.registration_number)
        items = enqueue(session, self.country, record_id=record.id, evaluation=evaluation,
                        officer=actor.name)
        self._remember_rid(record, items)
        target = Status.AWAITING_EXTERNAL_VALIDATION if evaluation.awaits_confirmation else Status.REGISTERED
        self._commit_action(session, record, actor, ActionType.REGISTER, target, reason=reason,
                            payload={"registration_number": record.registration_number},
                            audit_details=evaluation.audit_details())

    @staticmethod
    def _remember_rid(record: Record, items: list[OutboxItem]) -> None:
        for item in items:
            if item.kind in {op.value for op in AWAITS_CONFIRMATION}:
                record.mosip = dict(record.mosip) | {"rid": item.idempotency_key}

    def _request_correction(self, session: Session, record: Record, actor: Actor,
                            data: Mapping[str, Any], reason: str | None) -> None:
        allowed_targets(ActionType.REQUEST_CORRECTION, Status(record.status))
        if not reason:
            raise WorkflowError("a correction needs a reason")
        changes_raw = data.get("changes", data) if isinstance(data, Mapping) else data
        requester = data.get("requester_section") if isinstance(data, Mapping) else None
        changes = self._parse(record.event, {k: v for k, v in dict(changes_raw).items()
                                             if k != "requester_section"})
        changed = {k: v for k, v in changes.items() if record.declaration.get(k) != v}
        if not changed:
            raise WorkflowError("the correction changes nothing")
        merged = dict(record.declaration) | changed
        _, errors = validate_declaration(self.country, record.event, merged, today=self._today(),
                                         complete=True)
        if errors:
            raise DeclarationInvalid(errors)
        form = self.country.config.form(record.event)
        if requester is not None and (form.section(str(requester)) is None):
            raise DeclarationInvalid([FieldError("requester_section", "unknown_section", "no such section")])
        record.correction = {"changes": changed, "reason": reason, "requester_section": requester,
                             "requested_by": actor.name}
        self._commit_action(session, record, actor, ActionType.REQUEST_CORRECTION,
                            Status.CORRECTION_REQUESTED, reason=reason, payload={"fields": sorted(changed)},
                            audit_details={"fields": sorted(changed), "requester_section": requester})

    def _approve_correction(self, session: Session, record: Record, actor: Actor,
                            data: Mapping[str, Any], reason: str | None) -> None:
        allowed_targets(ActionType.APPROVE_CORRECTION, Status(record.status))
        correction = record.correction or {}
        changes = dict(correction.get("changes") or {})
        previous = dict(record.declaration)
        record.declaration = previous | changes
        sources = self._track_sources(record, previous)
        corrected = sorted(k for k, v in changes.items() if previous.get(k) != v)
        requester = correction.get("requester_section")
        requester_state = (record.persons.get(requester) or {}) if requester else {}
        evaluation = evaluate(
            self.country, event=record.event, action="approve_correction", values=record.declaration,
            persons=self._persons_for_rules(session, record), today=self._today(),
            registration_number=record.registration_number,
            corrected_fields=corrected,
            correction={"reason": correction.get("reason", ""), "requester_section": requester or "",
                        "requester_verification": requester_state.get("verification", "none")})
        items = enqueue(session, self.country, record_id=record.id, evaluation=evaluation,
                        officer=actor.name)
        self._remember_rid(record, items)
        record.correction = None
        target = Status.AWAITING_EXTERNAL_VALIDATION if evaluation.awaits_confirmation else Status.REGISTERED
        self._commit_action(session, record, actor, ActionType.APPROVE_CORRECTION, target, reason=reason,
                            payload={"changes": changes, "previous": {k: previous.get(k) for k in changes}},
                            audit_details={"corrected_fields": corrected, **evaluation.audit_details(),
                                           **sources})

    def _reject(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
                reason: str | None) -> None:
        current = Status(record.status)
        (target,) = allowed_targets(ActionType.REJECT, current)
        if current is Status.CORRECTION_REQUESTED:
            record.correction = None
        else:
            for section in list(record.persons):
                self._cancel_pending(session, record.id, section)
        self._commit_action(session, record, actor, ActionType.REJECT, target, reason=reason)

    def _retry(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
               reason: str | None) -> None:
        """Supervisor review: correct the data if needed and check the identities again. On a record
        flagged `requires_attention`, try its quarantined deliveries again."""
        if record.requires_attention and Status(record.status) is not Status.VERIFICATION_FAILED:
            from app.outbox import OutboxLedger

            requeued = OutboxLedger(self.db, self.clock).requeue_record(record.id)
            record.requires_attention, record.attention_reason = False, None
            self._commit_action(session, record, actor, ActionType.RETRY, Status(record.status), reason=reason,
                                audit_details={"deliveries_requeued": requeued})
            return
        if Status(record.status) is not Status.VERIFICATION_FAILED:
            raise WorkflowError("nothing to retry: the record's identity checks did not fail and none of "
                                "its deliveries is stuck")
        edits = self._parse(record.event, data)
        merged = dict(record.declaration) | edits
        kept, errors = validate_declaration(self.country, record.event, merged, today=self._today(),
                                            complete=True)
        if errors:
            raise DeclarationInvalid(errors)
        before = record.declaration
        record.declaration = kept
        sources = self._track_sources(record, before)
        edited_sections = {k.split(".", 1)[0] for k in edits}
        failed = {s for s, p in record.persons.items() if p.get("verification") == "failed"}
        queued = self._queue_verifications(session, record, sections=failed | edited_sections)
        self._commit_action(session, record, actor, ActionType.RETRY, Status.DECLARED, reason=reason,
                            payload={"fields": sorted(edits)},
                            audit_details={"fields": sorted(edits), "verifications_queued": queued, **sources})

    def _remove_from_queue(self, session: Session, record: Record, actor: Actor,
                           data: Mapping[str, Any], reason: str | None) -> None:
        """The record leaves "Awaiting external validation". A UIN request that has not left the
        device is cancelled with it; one already sent (or being sent) cannot be called back, so a
        later confirmation is still recorded, as a late one."""
        allowed_targets(ActionType.REMOVE_FROM_QUEUE, Status(record.status))
        cancelled, already_sent = [], []
        for request in session.exec(select(ExternalRequest).where(
                ExternalRequest.record_id == record.id, ExternalRequest.status == "awaiting")):
            request.status = "removed"
            session.add(request)
            item = session.exec(select(OutboxItem).where(OutboxItem.idempotency_key == request.rid)).first()
            if item is not None and item.state in ("pending", "quarantined"):
                item.state, item.updated_at = "cancelled", self.clock()
                session.add(item)
                cancelled.append(request.rid)
            else:
                already_sent.append(request.rid)
        if cancelled and record.requires_attention and not session.exec(select(OutboxItem.id).where(
                OutboxItem.record_id == record.id, OutboxItem.state == "quarantined",
                col(OutboxItem.idempotency_key).not_in(cancelled))).first():
            record.requires_attention, record.attention_reason = False, None
        self._commit_action(session, record, actor, ActionType.REMOVE_FROM_QUEUE, Status.REGISTERED,
                            reason=reason, audit_details={"cancelled_unsent": cancelled,
                                                          "already_sent": already_sent})

    # ------------------------------------------------------------------ MOSIP answers

    def confirm_registration(self, rid: str, *, vid: str | None, uin: str | None,
                             actor: Actor = SYSTEM) -> Record | None:
        """MOSIP issued the credential for `rid`. Idempotent: a repeated delivery changes nothing."""
        check_permission(ActionType.CONFIRM_REGISTRATION, actor.role)
        with self.db.write() as session:
            request = session.get(ExternalRequest, rid)
            if request is None or request.status == "confirmed":
                return None
            record = self._load(session, request.record_id)
            late = request.status == "removed"
            request.status = "confirmed"
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
                audit.append(session, actor=actor.name, kind="confirm-registration-late",
                             record_id=record.id, details=details)
            return record

    def flag_attention(self, record_id: str, reason: str, *, actor: Actor = SYSTEM) -> None:
        check_permission(ActionType.FLAG_ATTENTION, actor.role)
        with self.db.write() as session:
            record = self._load(session, record_id)
            record.requires_attention = True
            record.attention_reason = reason[:500]
            self._commit_action(session, record, actor, ActionType.FLAG_ATTENTION, Status(record.status),
                                reason=reason[:500])

    # ------------------------------------------------------------------ queries

    def get(self, record_id: str) -> Record:
        with self.db.read() as session:
            return self._load(session, record_id)

    def detail(self, record_id: str, role: Role | None = None) -> RecordDetail:
        with self.db.read() as session:
            record = self._load(session, record_id)
            actions = list(session.exec(select(Action).where(Action.record_id == record.id)
                                        .order_by(col(Action.id))))
            verifications = list(session.exec(select(Verification).where(
                Verification.record_id == record.id).order_by(col(Verification.id))))
            outbox = list(session.exec(select(OutboxItem).where(OutboxItem.record_id == record.id)
                                       .order_by(col(OutboxItem.id))))
            history = audit.history(session, record.id)
        available = available_actions(Status(record.status), role) if role else []
        return RecordDetail(record, actions, verifications, outbox, history, available)

    def _queue_filter(self, queue: WorkQueue) -> Any:
        if queue.statuses:
            return col(Record.status).in_(queue.statuses)
        if queue.requires_attention:
            return col(Record.requires_attention).is_(True)
        return col(Record.outbox_open).is_(True)   # kept by triggers from the outbox's states

    def queue(self, queue_id: str) -> WorkQueue:
        for queue in self.country.config.workqueues:
            if queue.id == queue_id:
                return queue
        raise WorkflowError(f"unknown queue {queue_id!r}; queues: "
                            + ", ".join(q.id for q in self.country.config.workqueues))

    def list_records(self, queue_id: str | None = None, search: str | None = None, *,
                     limit: int = 50, offset: int = 0) -> list[Record]:
        with self.db.read() as session:
            statement = select(Record)
            if queue_id:
                statement = statement.where(self._queue_filter(self.queue(queue_id)))
            if search and search.strip():
                statement = _search_filter(statement, _fold(search).split()[:5])
            statement = statement.order_by(col(Record.updated_at).desc()).offset(offset).limit(limit)
            return list(session.exec(statement))

    def awaiting_confirmation(self) -> int:
        with self.db.read() as session:
            return session.exec(select(func.count()).select_from(ExternalRequest)
                                .where(ExternalRequest.status == "awaiting")).one()

    def queue_counts(self) -> dict[str, int]:
        """All queues' counts in three queries: statuses grouped once, the flag, the outbox."""
        queues = self.country.config.workqueues
        with self.db.read() as session:
            by_status = dict(session.exec(select(Record.status, func.count()).group_by(Record.status)).all())
            flagged = outbox = 0
            if any(q.requires_attention for q in queues):
                flagged = session.exec(select(func.count()).select_from(Record)
                                       .where(col(Record.requires_attention).is_(True))).one()
            if any(q.outbox for q in queues):
                outbox = session.exec(select(func.count()).select_from(Record)
                                      .where(col(Record.outbox_open).is_(True))).one()
        return {q.id: (sum(by_status.get(s, 0) for s in q.statuses) if q.statuses
                       else flagged if q.requires_attention else outbox) for q in queues}

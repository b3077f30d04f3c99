"""What people do to records: drafts, declarations and the officer's actions (validate, register,
corrections, reject, retry, remove from queue); e-Signet sign-ins are in `app.records.authentication`.

Every accepted command writes, in ONE transaction: the record's new state, an append-only `action`
row, exactly one audit event, and whatever must leave the device (verifications, MOSIP operations)
as outbox items. Roles are checked here, not only in the UI. What MOSIP answers is written by
`app.delivery`; both share `app.records.writer`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from app.integration import AWAITS_CONFIRMATION, Queued, enqueue, evaluate
from app.records.authentication import AuthenticationCommands
from app.records.provenance import QR_SOURCES, DataSource, Prefill, track_sources
from app.records.upstream import queue_notify
from app.records.validation import (
    DeclarationInvalid,
    FieldError,
    check_confirmed,
    refuse_implausible,
    validate_declaration,
    with_defaults,
)
from app.records.workflow import (
    REASON_REQUIRED,
    ActionType,
    Status,
    WorkflowError,
    allowed_targets,
    check_mode,
    check_permission,
)
from app.records.writer import SYSTEM, Actor
from app.store.models import ExternalRequest, OutboxItem, Record
from app.store.sequences import next_value
from app.vocabulary import DeploymentMode, OutboxState, RequestState, VerificationState


class FourEyesRequired(WorkflowError):
    """Four-eyes rule: a correction is approved by an officer other than the one who requested it."""

    def __init__(self, tracking_id: str) -> None:
        super().__init__("the officer who requested a correction cannot approve it; another officer must",
                         code="record.four_eyes", params={"tracking_id": tracking_id,
                                                          "action": ActionType.APPROVE_CORRECTION.value})


_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
class RecordCommands(AuthenticationCommands):
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
                raise WorkflowError(f"'{prefill.section}' is not a person section of this {event} form",
                                    code="record.not_a_person_section",
                                    params={"section": prefill.section[:64], "event": event})
            if prefill.source not in QR_SOURCES:
                raise WorkflowError(f"a prefill comes from a QR code, not from '{prefill.source}'",
                                    code="record.prefill_not_from_qr", params={"source": str(prefill.source)[:32]})
            values = self._parse(event, prefill.values)
            if any(not k.startswith(prefill.section + ".") for k in values):
                raise WorkflowError("prefilled fields must belong to the scanned person's section",
                                    code="record.prefill_outside_section", params={"section": prefill.section[:64]})
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
                record_id: str | None = None, confirmed: Collection[str] = ()) -> Record:
        """Submit a complete declaration (a new one, or a draft); queue identity checks. `confirmed`:
        the ids of the plausibility warnings the officer accepted (`app.records.plausibility`)."""
        check_permission(ActionType.DECLARE, actor.role)
        with self.db.write() as session:
            if record_id:
                record = self._load(session, record_id)
                values = dict(record.declaration) | self._parse(record.event, data)
            else:
                if event is None:
                    raise WorkflowError("declare needs an event or a draft record id",
                                        code="record.declare_needs_event")
                record = self._new_record(session, actor, self._event(event))
                values = self._parse(record.event, data)
            allowed_targets(ActionType.DECLARE, Status(record.status) if record.status else None)
            values = with_defaults(self.country.config.form(record.event), values)
            kept, errors = validate_declaration(self.country, record.event, values, today=self._today(),
                                                complete=True)
            if errors:
                raise DeclarationInvalid(errors)
            warnings = self._confirmed_warnings(record.event, kept, confirmed)
            before = record.declaration
            record.declaration = kept
            sources = self._track_sources(record, before)
            queued = self._queue_verifications(session, record, sections=None)
            if self.country.config.mode is DeploymentMode.OPENCRVS:   # submitting = declaring to OpenCRVS
                queue_notify(session, record, self.clock())
            self._commit_action(session, record, actor, ActionType.DECLARE, Status.DECLARED,
                                audit_details={"event": record.event, "verifications_queued": queued,
                                               **sources, **warnings})
        return record

    def _confirmed_warnings(self, event: str, values: Mapping[str, str], confirmed: Collection[str]
                            ) -> dict[str, Any]:
        """Refuses implausible values and unconfirmed warnings; the confirmed ones, for the audit event."""
        accepted = check_confirmed(self.country, event, values, today=self._today(), confirmed=confirmed)
        return {"warnings_confirmed": accepted} if accepted else {}

    def _event(self, event: str) -> str:
        if event not in {e.value for e in self.country.config.forms}:
            known = ", ".join(e.value for e in self.country.config.forms)
            raise WorkflowError(f"unknown event {event!r}; this country declares: {known}",
                                code="record.unknown_event", params={"event": event[:32], "known": known})
        return event

    # ------------------------------------------------------------------ actions

    def act(self, actor: Actor, record_id: str, action: ActionType | str,
            data: Mapping[str, Any] | None = None, reason: str | None = None,
            confirmed: Collection[str] = ()) -> Record:
        """`confirmed`: ids of the plausibility warnings the officer accepted (validating asks for
        them, and so does registering a declaration nobody validated)."""
        try:
            action = ActionType(action)
        except ValueError:
            raise WorkflowError(f"unknown action {action!r}", code="record.unknown_action",
                                params={"action": str(action)[:32]}) from None
        check_permission(action, actor.role)
        check_mode(action, self.country.config.mode)
        reason = (reason or "").strip() or None
        if action in REASON_REQUIRED and not reason:
            raise WorkflowError(f"'{action.value}' needs a reason", code="record.reason_required",
                                params={"action": action.value})
        handler = {
            ActionType.VALIDATE: self._validate,
            ActionType.REGISTER: self._register,
            ActionType.REQUEST_CORRECTION: self._request_correction,
            ActionType.APPROVE_CORRECTION: self._approve_correction,
            ActionType.REJECT: self._reject,
            ActionType.REJECT_CORRECTION: self._reject_correction,
            ActionType.RETRY: self._retry,
            ActionType.REMOVE_FROM_QUEUE: self._remove_from_queue,
        }.get(action)
        if handler is None:
            raise WorkflowError(f"'{action.value}' is done by the device, not by a person",
                                code="record.device_action", params={"action": action.value})
        with self.db.write() as session:
            record = self._load(session, record_id)
            extra = {"confirmed": confirmed} if action in (ActionType.VALIDATE, ActionType.REGISTER) else {}
            handler(session, record, actor, data or {}, reason, **extra)
        return record

    def _require_checks_done(self, session: Session, record: Record, what: str) -> None:
        pending, failed = self._pending_or_failed(record)
        if failed:
            raise WorkflowError(f"cannot {what}: identity verification failed for {', '.join(failed)}; "
                                "a supervisor must review it first", code="record.verification_failed",
                                params={"action": what, "sections": ", ".join(failed)})
        if pending:
            raise WorkflowError(f"cannot {what}: identity verification is still pending for "
                                f"{', '.join(pending)}; it completes when the device syncs",
                                code="record.verification_pending",
                                params={"action": what, "sections": ", ".join(pending)})

    def _validate(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
                  reason: str | None, confirmed: Collection[str] = ()) -> None:
        allowed_targets(ActionType.VALIDATE, Status(record.status))
        self._require_checks_done(session, record, "validate")
        warnings = self._confirmed_warnings(record.event, record.declaration, confirmed)
        self._commit_action(session, record, actor, ActionType.VALIDATE, Status.VALIDATED, reason=reason,
                            audit_details=warnings)

    def _register(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
                  reason: str | None, confirmed: Collection[str] = ()) -> None:
        allowed_targets(ActionType.REGISTER, Status(record.status))
        self._require_checks_done(session, record, "register")
        if record.status == Status.DECLARED:
            # nobody validated it: the registrar confirms the warnings, as a validating officer would
            warnings = self._confirmed_warnings(record.event, record.declaration, confirmed)
        else:
            # a record validated before a check existed: what it blocks still stops here
            refuse_implausible(self.country, record.event, record.declaration, today=self._today())
            warnings = {}
        prefix = self.country.config.registration.number_prefix.get(record.event, record.event[:1].upper())
        year = self.clock().year
        record.registration_number = f"{prefix}{year}{next_value(session, f'reg:{record.event}:{year}'):06d}"
        evaluation = evaluate(self.country, event=record.event, action=ActionType.REGISTER,
                              values=record.declaration, persons=self._persons_for_rules(session, record),
                              today=self._today(),
                              registration_number=record.registration_number)
        items = enqueue(session, self.country, record_id=record.id, evaluation=evaluation,
                        officer=actor.name)
        self._remember_rid(record, items)
        target = Status.AWAITING_EXTERNAL_VALIDATION if evaluation.awaits_confirmation else Status.REGISTERED
        self._commit_action(session, record, actor, ActionType.REGISTER, target, reason=reason,
                            payload={"registration_number": record.registration_number},
                            audit_details=evaluation.audit_details() | warnings)

    @staticmethod
    def _remember_rid(record: Record, items: list[Queued]) -> None:
        for item in items:
            if item.kind in {op.value for op in AWAITS_CONFIRMATION}:
                record.mosip = dict(record.mosip) | {"rid": item.rid}

    def _request_correction(self, session: Session, record: Record, actor: Actor,
                            data: Mapping[str, Any], reason: str | None) -> None:
        allowed_targets(ActionType.REQUEST_CORRECTION, Status(record.status))
        if not reason:
            raise WorkflowError("a correction needs a reason", code="record.reason_required",
                                params={"action": ActionType.REQUEST_CORRECTION.value})
        changes_raw = data.get("changes", data) if isinstance(data, Mapping) else data
        requester = data.get("requester_section") if isinstance(data, Mapping) else None
        changes = self._parse(record.event, {k: v for k, v in dict(changes_raw).items()
                                             if k != "requester_section"})
        changed = {k: v for k, v in changes.items() if record.declaration.get(k) != v}
        if not changed:
            raise WorkflowError("the correction changes nothing", code="record.correction_changes_nothing")
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
        if self.country.config.corrections.four_eyes and correction.get("requested_by") == actor.name:
            raise FourEyesRequired(record.tracking_id)
        changes = dict(correction.get("changes") or {})
        previous = dict(record.declaration)
        record.declaration = previous | changes
        sources = self._track_sources(record, previous)
        corrected = sorted(k for k, v in changes.items() if previous.get(k) != v)
        requester = correction.get("requester_section")
        requester_state = (record.persons.get(requester) or {}) if requester else {}
        evaluation = evaluate(
            self.country, event=record.event, action=ActionType.APPROVE_CORRECTION, values=record.declaration,
            persons=self._persons_for_rules(session, record), today=self._today(),
            registration_number=record.registration_number,
            corrected_fields=corrected,
            correction={"reason": correction.get("reason", ""), "requester_section": requester or "",
                        "requester_verification": requester_state.get("verification", VerificationState.NONE.value)})
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
        (target,) = allowed_targets(ActionType.REJECT, Status(record.status))
        for section in list(record.persons):
            self._cancel_pending(session, record.id, section)
        self._commit_action(session, record, actor, ActionType.REJECT, target, reason=reason)

    def _reject_correction(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
                           reason: str | None) -> None:
        """The correction is refused; the record stays registered as it was."""
        (target,) = allowed_targets(ActionType.REJECT_CORRECTION, Status(record.status))
        record.correction = None
        self._commit_action(session, record, actor, ActionType.REJECT_CORRECTION, target, reason=reason)

    def _retry(self, session: Session, record: Record, actor: Actor, data: Mapping[str, Any],
               reason: str | None) -> None:
        """Supervisor review: correct the data if needed and check the identities again. On a record
        flagged `requires_attention`, try its quarantined deliveries again."""
        if record.requires_attention and Status(record.status) is not Status.VERIFICATION_FAILED:
            requeued = self._requeue_quarantined(session, record.id)
            record.requires_attention, record.attention_reason = False, None
            self._commit_action(session, record, actor, ActionType.RETRY, Status(record.status), reason=reason,
                                audit_details={"deliveries_requeued": requeued})
            return
        if Status(record.status) is not Status.VERIFICATION_FAILED:
            raise WorkflowError("nothing to retry: the record's identity checks did not fail and none of "
                                "its deliveries is stuck", code="record.nothing_to_retry")
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
        failed = {s for s, p in record.persons.items() if p.get("verification") == VerificationState.FAILED}
        queued = self._queue_verifications(session, record, sections=failed | edited_sections)
        self._commit_action(session, record, actor, ActionType.RETRY, Status.DECLARED, reason=reason,
                            payload={"fields": sorted(edits)},
                            audit_details={"fields": sorted(edits), "verifications_queued": queued, **sources})

    def _requeue_quarantined(self, session: Session, record_id: str) -> int:
        """The record's quarantined deliveries become due now (a person asked to try again)."""
        now = self.clock()
        items = session.exec(select(OutboxItem).where(OutboxItem.record_id == record_id,
                                                      OutboxItem.state == OutboxState.QUARANTINED)).all()
        for item in items:
            item.state, item.next_attempt_at, item.updated_at = OutboxState.PENDING.value, now, now
            session.add(item)
        return len(items)

    def _remove_from_queue(self, session: Session, record: Record, actor: Actor,
                           data: Mapping[str, Any], reason: str | None) -> None:
        """The record leaves "Awaiting external validation". A UIN request that has not left the
        device is cancelled with it; one already sent (or being sent) cannot be called back, so a
        later confirmation is still recorded, as a late one."""
        allowed_targets(ActionType.REMOVE_FROM_QUEUE, Status(record.status))
        cancelled, already_sent = [], []
        for request in session.exec(select(ExternalRequest).where(
                ExternalRequest.record_id == record.id, ExternalRequest.status == RequestState.AWAITING)):
            request.status = RequestState.REMOVED.value
            session.add(request)
            item = session.exec(select(OutboxItem).where(OutboxItem.idempotency_key == request.rid)).first()
            if item is not None and item.state in (OutboxState.PENDING, OutboxState.QUARANTINED):
                item.state, item.updated_at = OutboxState.CANCELLED.value, self.clock()
                session.add(item)
                cancelled.append(request.rid)
            else:
                already_sent.append(request.rid)
        if cancelled and record.requires_attention and not session.exec(select(OutboxItem.id).where(
                OutboxItem.record_id == record.id, OutboxItem.state == OutboxState.QUARANTINED,
                col(OutboxItem.idempotency_key).not_in(cancelled))).first():
            record.requires_attention, record.attention_reason = False, None
        self._commit_action(session, record, actor, ActionType.REMOVE_FROM_QUEUE, Status.REGISTERED,
                            reason=reason, audit_details={"cancelled_unsent": cancelled,
                                                          "already_sent": already_sent})

    def flag_attention(self, record_id: str, reason: str, *, actor: Actor = SYSTEM) -> None:
        check_permission(ActionType.FLAG_ATTENTION, actor.role)
        with self.db.write() as session:
            record = self._load(session, record_id)
            record.requires_attention = True
            record.attention_reason = reason[:500]
            self._commit_action(session, record, actor, ActionType.FLAG_ATTENTION, Status(record.status),
                                reason=reason[:500])


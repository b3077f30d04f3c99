"""The configurable integration engine: (event, action) → the country's rules → MOSIP operations.

`evaluate` is pure: it reads a record and the country's compiled rules and says which operations
to send, with their payloads computed and frozen. `enqueue` writes them as outbox items inside the
caller's transaction — the same one that records the action, the new status and the audit event,
so either all of it happens or none of it does (DESIGN §5). Nothing here knows a country.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, insert, select
from sqlmodel import Session

from app.config.loader import LoadedCountry
from app.config.models import Operation
from app.device_settings import MosipDeviceIds, mosip_device_ids
from app.rules import EvaluationError, build_activation
from app.store import changes
from app.store.models import Action, ExternalRequest, OutboxItem, utcnow
from app.store.sequences import next_value
from app.vocabulary import OutboxState, RequestState

# operations whose outcome MOSIP confirms later (WebSub); the others are send-and-continue
AWAITS_CONFIRMATION = frozenset({Operation.CREATE_UIN})
MAX_AUDITS = 200  # a packet's audit list: the newest history entries, bounded
_ACTIONS: Table = Action.__table__  # type: ignore[attr-defined]
_HISTORY = (select(_ACTIONS.c.type, _ACTIONS.c.actor, _ACTIONS.c.at, _ACTIONS.c.status)
            .where(_ACTIONS.c.record_id == bindparam("record_id")).order_by(_ACTIONS.c.id.desc())
            .limit(MAX_AUDITS - 1))
_INSERT_OUTBOX = insert(OutboxItem.__table__)  # type: ignore[arg-type]
_INSERT_REQUEST = insert(ExternalRequest.__table__)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PlannedOperation:
    rule_id: str
    operation: Operation
    process: str
    subject: str
    fields: dict[str, str]
    meta: dict[str, str]
    notification: dict[str, str]


@dataclass
class Evaluation:
    operations: list[PlannedOperation] = field(default_factory=list)
    not_matched: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # rule id -> why it could not be evaluated

    @property
    def awaits_confirmation(self) -> bool:
        return any(op.operation in AWAITS_CONFIRMATION for op in self.operations)

    def audit_details(self) -> dict[str, Any]:
        if not self.operations:
            details: dict[str, Any] = {"mosip": "no MOSIP operation"}
        else:
            details = {"mosip": [{"rule": op.rule_id, "operation": op.operation.value,
                                  "process": op.process, "fields": sorted(op.fields)}
                                 for op in self.operations]}
        if self.not_matched:
            details["rules_not_matched"] = self.not_matched
        if self.errors:
            details["rule_errors"] = self.errors
        return details


def evaluate(country: LoadedCountry, *, event: str, action: str, values: Mapping[str, Any],
             persons: Mapping[str, Mapping[str, Any]], today: dt.date,
             registration_number: str | None, corrected_fields: Iterable[str] = (),
             correction: Mapping[str, Any] | None = None) -> Evaluation:
    """Which of the country's rules for (event, action) match this record, and what they send.
    A rule that fails on this record's data does not match; the failure is reported for audit."""
    result = Evaluation()
    compiled = country.compiled_rules(event, action)
    if not compiled:
        return result
    activation = build_activation(
        country.config.form(event), values, persons=persons, today=today, event=event, action=action,
        registration_number=registration_number, corrected_fields=corrected_fields,
        correction=correction)
    for item in compiled:
        rule = item.rule
        try:
            if not item.when.evaluate_bool(activation):
                result.not_matched.append(rule.id)
                continue
            fields = _texts(item.share, activation)
            meta = _texts(item.meta, activation)
            notification = _texts(item.notification, activation)
        except EvaluationError as exc:
            result.errors[rule.id] = str(exc)[:300]
            continue
        result.operations.append(PlannedOperation(rule.id, rule.operation, rule.process, rule.subject,
                                                  fields, meta, notification))
    return result


def _texts(expressions: Mapping[str, Any], activation: Any) -> dict[str, str]:
    out = {}
    for key, expr in expressions.items():
        value = expr.evaluate_text(activation)
        if value not in (None, ""):
            out[key] = value
    return out


def encode_packet_fields(country: LoadedCountry, fields: Mapping[str, str]) -> dict[str, str]:
    """Packet `fields` are string → string; multi-language (simpleType) fields become the
    JSON-encoded list of {language, value} that MOSIP's ID schema expects."""
    properties = country.id_schema.get("properties", {}).get("identity", {}).get("properties", {})
    language = country.config.mosip_languages[0]
    out = {}
    for key, value in fields.items():
        spec = properties.get(key, {})
        if isinstance(spec, dict) and str(spec.get("$ref", "")).endswith("/simpleType"):
            out[key] = json.dumps([{"language": language, "value": value}], ensure_ascii=False)
        else:
            out[key] = value
    return out


def new_rid(session: Session, country: LoadedCountry, now: dt.datetime | None = None,
            device: MosipDeviceIds | None = None) -> str:
    """A MOSIP registration id: centre (5) + machine (5) + sequence (5) + yyyyMMddHHmmss (14), with
    this device's centre and machine ids."""
    device = device or mosip_device_ids(session, country)
    sequence = next_value(session, "rid") % 100_000
    stamp = (now or utcnow()).strftime("%Y%m%d%H%M%S")
    return f"{device.center_id}{device.machine_id}{sequence:05d}{stamp}"


def _labelled(pairs: Mapping[str, str]) -> str:
    """A metaInfo entry as the registration processor reads it: a JSON list of {label, value}
    (mosip/registration OSIUtils.getMetaMap, MetaInfoTagGenerator)."""
    return json.dumps([{"label": label, "value": value} for label, value in pairs.items()], ensure_ascii=False)


def packet_meta_info(*, rid: str, device: MosipDeviceIds, officer: str, created: str,
                     extra: Mapping[str, str]) -> dict[str, str]:
    """`metaInfo` of a packet: the three entries the packet classifier requires (RPR-PCM-014/015/017
    when one is missing), carrying the centre and machine ids the CMD validator reads and the
    officer id the operator validator reads; the country's own meta expressions go in metaData.
    Shape as OpenCRVS's deployed integration sends it (opencrvs/mosip country-config transform.ts)."""
    meta_data = dict(extra) | {"registrationId": rid, "creationDate": created,
                               "centerId": device.center_id, "machineId": device.machine_id}
    return {"metaData": _labelled(meta_data), "operationsData": _labelled({"officerId": officer}),
            "capturedRegisteredDevices": "[]", "registrationId": rid, "creationDate": created}


def _audit(rid: str, device: MosipDeviceIds, *, event: str, user: str, at: dt.datetime,
           description: str) -> dict[str, str]:
    """One audit in the registration client's shape (mosip/registration packet-validator-stage test
    resource audit.json; OpenCRVS's MOSIPPayload.audit adds uuid and createdAt). Ids, kinds and times
    only: never a person's data."""
    stamp = _mosip_time(at)
    return {"uuid": str(uuid.uuid4()), "createdAt": stamp, "eventId": f"CRVS-{event.upper()}",
            "eventName": event.upper().replace("-", "_"), "eventType": "SYSTEM" if user == "system" else "USER",
            "hostName": f"crvs-field-{device.machine_id}", "hostIp": "", "applicationId": "CRVS-FIELD",
            "applicationName": "crvs-field", "sessionUserId": user, "sessionUserName": user, "id": rid,
            "idType": "REGISTRATION_ID", "createdBy": user, "moduleName": "records", "moduleId": "CRVS-FIELD-RECORDS",
            "description": description, "actionTimeStamp": stamp}


def packet_audits(session: Session, *, record_id: str, rid: str, device: MosipDeviceIds, officer: str,
                  operation: Operation, now: dt.datetime) -> list[dict[str, str]]:
    """The record's own history, then the queuing of this packet. The packet writer refuses a packet
    without audits (KER-KPM-008, mosip/packet-manager PacketWriterImpl.addOtherFilesToZip)."""
    # rows, not ORM objects (no payloads decoded, no flush of the caller's changes): the newest first
    history = session.execute(_HISTORY, {"record_id": record_id}).all()
    audits = [_audit(rid, device, event=action.type, user=action.actor, at=action.at,
                     description=f"{action.type} ({action.status})") for action in reversed(history)]
    audits.append(_audit(rid, device, event=f"packet-{operation.value}", user=officer, at=now,
                         description=f"{operation.value} packet queued"))
    return audits


def _mosip_time(at: dt.datetime) -> str:
    at = at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Queued:
    """An outbox item `enqueue` wrote: its idempotency key (the RID) and its kind."""

    rid: str
    kind: str


def enqueue(session: Session, country: LoadedCountry, *, record_id: str, evaluation: Evaluation,
            officer: str) -> list[Queued]:
    """Freeze each planned operation into an outbox item (idempotency key = RID). The whole packet
    is frozen here — fields, metaInfo (device ids, `officer` = the acting user's name) and audits —
    so that a resend after a lost reply writes exactly the same packet again."""
    if not evaluation.operations:
        return []
    packets = country.config.mosip.packets
    device = mosip_device_ids(session, country)
    items: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    for op in evaluation.operations:
        now = utcnow()
        rid = new_rid(session, country, now, device)
        created = _mosip_time(now)
        payload = {
            "operation": op.operation.value, "process": op.process, "rid": rid, "rule_id": op.rule_id,
            "subject": op.subject, "fields": encode_packet_fields(country, op.fields),
            "meta_info": packet_meta_info(rid=rid, device=device, officer=officer, created=created, extra=op.meta),
            "audits": packet_audits(session, record_id=record_id, rid=rid, device=device, officer=officer,
                                    operation=op.operation, now=now),
            "notification": op.notification, "source": packets.source,
            "schema_version": packets.schema_version, "ref_id": device.ref_id, "id_schema": country.id_schema_text,
        }
        items.append({"idempotency_key": rid, "kind": op.operation.value, "record_id": record_id,
                      "rule_id": op.rule_id, "payload": payload, "state": OutboxState.PENDING.value,
                      "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now})
        if op.operation in AWAITS_CONFIRMATION:
            requests.append({"rid": rid, "record_id": record_id, "rule_id": op.rule_id,
                             "operation": op.operation.value, "subject": op.subject,
                             "status": RequestState.AWAITING.value, "created_at": now})
    # rows, not ORM objects: building two SQLModel objects and flushing them was a tenth of a
    # register action. The unit of work does not see these rows, so the change is noted here.
    session.execute(_INSERT_OUTBOX, items)
    if requests:
        session.execute(_INSERT_REQUEST, requests)
    changes.note(session, records={record_id}, outbox=True)
    return [Queued(item["idempotency_key"], item["kind"]) for item in items]

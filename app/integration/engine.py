"""The configurable integration engine: (event, action) → the country's rules → MOSIP operations.

`evaluate` is pure: it reads a record and the country's compiled rules and says which operations
to send, with their payloads computed and frozen. `enqueue` writes them as outbox items inside the
caller's transaction — the same one that records the action, the new status and the audit event,
so either all of it happens or none of it does (DESIGN §5). Nothing here knows a country.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.config.loader import LoadedCountry
from app.config.models import Operation
from app.rules import EvaluationError, build_activation
from app.store.models import ExternalRequest, OutboxItem, utcnow
from app.store.sequences import next_value

# operations whose outcome MOSIP confirms later (WebSub); the others are send-and-continue
AWAITS_CONFIRMATION = frozenset({Operation.CREATE_UIN})


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
    compiled = country.compiled_rules(event, action.replace("-", "_"))
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


def new_rid(session: Session, country: LoadedCountry, now: dt.datetime | None = None) -> str:
    """A MOSIP registration id: centre (5) + machine (5) + sequence (5) + yyyyMMddHHmmss (14)."""
    packets = country.config.mosip.packets
    sequence = next_value(session, "rid") % 100_000
    stamp = (now or utcnow()).strftime("%Y%m%d%H%M%S")
    return f"{packets.center_id}{packets.machine_id}{sequence:05d}{stamp}"


def enqueue(session: Session, country: LoadedCountry, *, record_id: str, evaluation: Evaluation
            ) -> list[OutboxItem]:
    """Freeze each planned operation into an outbox item (idempotency key = RID)."""
    packets = country.config.mosip.packets
    items = []
    for op in evaluation.operations:
        rid = new_rid(session, country)
        payload = {
            "operation": op.operation.value, "process": op.process, "rid": rid, "rule_id": op.rule_id,
            "subject": op.subject, "fields": encode_packet_fields(country, op.fields),
            "meta_info": op.meta, "notification": op.notification, "source": packets.source,
            "schema_version": packets.schema_version,
            "ref_id": f"{packets.center_id}_{packets.machine_id}", "id_schema": country.id_schema_text,
        }
        item = OutboxItem(idempotency_key=rid, kind=op.operation.value, record_id=record_id,
                          rule_id=op.rule_id, payload=payload)
        session.add(item)
        if op.operation in AWAITS_CONFIRMATION:
            session.add(ExternalRequest(rid=rid, record_id=record_id, rule_id=op.rule_id,
                                        operation=op.operation.value, subject=op.subject))
        items.append(item)
    return items

"""A record's life in OpenCRVS core (deployment mode `opencrvs`): what the UI shows of it, and
queueing the NOTIFY that carries a declaration there.

The record keeps `upstream_state` (`app.vocabulary.UpstreamState`) and `upstream`, a small JSON
document: {event_id, tracking_id, registration_number, nid, reason, field_errors, changed_at,
checked_at}. Only this module and `app.opencrvs_outcomes` write them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.store.models import OutboxItem, Record
from app.vocabulary import UPSTREAM_NEEDS_UPDATES, OutboxKind, UpstreamState


@dataclass(frozen=True)
class UpstreamFieldError:
    """One field OpenCRVS refused (its 400 `[{message, id, value}]`), named by our field id when the
    country's mapping says which of ours it came from (else None: only OpenCRVS's id is known)."""

    opencrvs_field: str
    field: str | None
    message: str


@dataclass(frozen=True)
class UpstreamStatus:
    """What the record view shows of OpenCRVS (`RecordQueries.upstream_status`)."""

    state: UpstreamState
    event_id: str | None = None           # OpenCRVS's event id, once created there
    tracking_id: str | None = None        # OpenCRVS's tracking id (what a registrar searches for)
    registration_number: str | None = None
    nid: str | None = None                # the child's NID (UIN/VID) when OpenCRVS's MOSIP issued one
    reason: str | None = None             # why a registrar rejected it (or a generic reason without `record.read`)
    field_errors: tuple[UpstreamFieldError, ...] = ()
    changed_at: str | None = None         # ISO time the state last changed
    checked_at: str | None = None         # ISO time OpenCRVS was last asked

    @property
    def needs_updates(self) -> bool:
        return self.state in UPSTREAM_NEEDS_UPDATES

    @classmethod
    def of(cls, record: Record) -> UpstreamStatus | None:
        if record.upstream_state is None:
            return None
        data: Mapping[str, Any] = record.upstream or {}
        errors = tuple(UpstreamFieldError(str(e.get("opencrvs_field", "")), e.get("field"), str(e.get("message", "")))
                       for e in data.get("field_errors") or [] if isinstance(e, Mapping))
        return cls(UpstreamState(record.upstream_state), data.get("event_id"), data.get("tracking_id"),
                   data.get("registration_number"), data.get("nid"), data.get("reason"), errors,
                   data.get("changed_at"), data.get("checked_at"))


def queue_notify(session: Session, record: Record, now: dt.datetime) -> OutboxItem:
    """Queue the NOTIFY of a declared record, in the declaration's transaction.

    The transaction ids are chosen now and never change (OpenCRVS's idempotency:
    UNIQUE(transaction_id, event_type) for events, (transactionId, type) for actions; opencrvs-core
    v2.0.0 packages/events/src/service/events/events.ts). A record OpenCRVS already holds (notified
    before, then rejected or refused) is notified again on its event with a fresh action
    transactionId; a fresh create would make a second event."""
    upstream = dict(record.upstream or {})
    payload: dict[str, Any] = {"event": record.event, "notify_transaction_id": str(uuid.uuid4())}
    if upstream.get("event_id"):
        payload["event_id"] = upstream["event_id"]
    else:
        payload["create_transaction_id"] = str(uuid.uuid4())
    item = OutboxItem(idempotency_key=payload["notify_transaction_id"], kind=OutboxKind.OPENCRVS_NOTIFY.value,
                      record_id=record.id, payload=payload, next_attempt_at=now)
    session.add(item)
    was_refused = record.upstream_state in UPSTREAM_NEEDS_UPDATES
    upstream.update({"changed_at": now.isoformat(), "field_errors": []})
    if was_refused:
        upstream.pop("reason", None)
        record.requires_attention, record.attention_reason = False, None
    record.upstream_state, record.upstream = UpstreamState.QUEUED.value, upstream
    return item

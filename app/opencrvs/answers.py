"""What OpenCRVS's answers mean for the device.

A NOTIFY is stored `Requested`; the country configuration then makes it `Accepted` or `Rejected`
(an action with the same transactionId and `originalActionId`), or leaves it `Requested` (202,
later). Sending the same transactionId again returns the event unchanged, so the device learns where
its NOTIFY stands only by reading the event's actions (opencrvs-core v2.0.0
packages/events/src/router/event/actions/index.ts `defaultRequestHandler`,
actionConfirmationRequest.ts; packages/commons/src/events/ActionDocument.ts `ActionStatus`).

The record's fate afterwards is read from the search index (packages/commons/src/events/
EventIndex.ts; status from packages/commons/src/events/state/index.ts `getStatusFromActions`; flags
from state/flags.ts `getEventFlags` and Farajaland's `validated`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.vocabulary import UpstreamState


class NotifyOutcome(StrEnum):
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    REQUESTED = "Requested"   # the country configuration has not answered yet (202, or its hook failed)
    MISSING = "missing"       # no NOTIFY of this transactionId on the event


def notify_outcome(event: Mapping[str, Any], transaction_id: str) -> NotifyOutcome:
    statuses = {a.get("status") for a in event.get("actions") or []
                if isinstance(a, Mapping) and a.get("type") == "NOTIFY" and a.get("transactionId") == transaction_id}
    for outcome in (NotifyOutcome.ACCEPTED, NotifyOutcome.REJECTED, NotifyOutcome.REQUESTED):
        if outcome.value in statuses:
            return outcome
    return NotifyOutcome.MISSING


def event_id_of(event: Any) -> str | None:
    value = event.get("id") if isinstance(event, Mapping) else None
    return value if isinstance(value, str) and 0 < len(value) <= 128 else None


def tracking_id_of(event: Mapping[str, Any]) -> str | None:
    value = event.get("trackingId")
    return value[:32] if isinstance(value, str) else None


@dataclass(frozen=True)
class IndexedState:
    """An event as OpenCRVS's search shows it, in the device's words."""

    state: UpstreamState
    tracking_id: str | None = None
    registration_number: str | None = None
    nid: str | None = None


def indexed_state(index: Mapping[str, Any], nid_field: str | None) -> IndexedState | None:
    """None for an event the device has nothing to learn from (CREATED: never indexed, or unknown)."""
    status = index.get("status")
    flags = {f for f in index.get("flags") or [] if isinstance(f, str)}
    tracking = tracking_id_of(index)
    if status == "REGISTERED":
        legal = ((index.get("legalStatuses") or {}).get("REGISTERED") or {})
        number = legal.get("registrationNumber") if isinstance(legal, Mapping) else None
        declaration = index.get("declaration") or {}
        nid = declaration.get(nid_field) if nid_field and isinstance(declaration, Mapping) else None
        return IndexedState(UpstreamState.REGISTERED, tracking, str(number)[:64] if number else None,
                            nid[:64] if isinstance(nid, str) else None)
    if "rejected" in flags or status == "ARCHIVED":
        return IndexedState(UpstreamState.REJECTED, tracking)
    if status == "DECLARED":
        return IndexedState(UpstreamState.VALIDATED if "validated" in flags else UpstreamState.DECLARED, tracking)
    if status == "NOTIFIED":
        return IndexedState(UpstreamState.INCOMPLETE, tracking)
    return None


def rejection_reason(event: Mapping[str, Any]) -> str | None:
    """The reason of the latest REJECT (or ARCHIVE): `content.reason`, only on the action
    (packages/commons/src/events/ActionDocument.ts `RejectAction`, `ReasonContent`)."""
    for action in reversed([a for a in event.get("actions") or [] if isinstance(a, Mapping)]):
        if action.get("type") in ("REJECT", "ARCHIVE") and action.get("status", "Accepted") == "Accepted":
            content = action.get("content") or {}
            reason = content.get("reason") if isinstance(content, Mapping) else None
            return reason[:500] if isinstance(reason, str) and reason.strip() else None
    return None

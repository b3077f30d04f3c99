"""Events and their actions, with the uniqueness rules of OpenCRVS's events database.

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50):
- ``packages/events/src/tests/postgres-migrations.sql``: ``events`` UNIQUE(transaction_id, event_type),
  ``event_actions`` UNIQUE(transaction_id, action_type, status) — across all events — and
  UNIQUE(registration_number); ``events`` UNIQUE(tracking_id).
- ``packages/events/src/storage/postgres/events/events.ts``: ``getOrCreateEventInTrx`` inserts the event
  and its CREATE action ``ON CONFLICT DO NOTHING`` then reads the row back (same transactionId and type →
  the same event); ``createActionInTrx`` likewise (a clash leaves the first row, silently).
- ``packages/events/src/service/events/events.ts`` ``generateTrackingId``: 6 characters of [0-9A-Z].
- ``packages/commons/src/events/ActionDocument.ts`` / ``EventDocument.ts``: the documents served.

Not thread-safe: the emulator mutates it from its event loop only.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

TRACKING_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class ActionType:
    CREATE = "CREATE"
    NOTIFY = "NOTIFY"
    DECLARE = "DECLARE"
    REGISTER = "REGISTER"
    EDIT = "EDIT"
    REJECT = "REJECT"
    ARCHIVE = "ARCHIVE"
    READ = "READ"
    ASSIGN = "ASSIGN"
    UNASSIGN = "UNASSIGN"
    CUSTOM = "CUSTOM"
    PRINT_CERTIFICATE = "PRINT_CERTIFICATE"
    REQUEST_CORRECTION = "REQUEST_CORRECTION"
    APPROVE_CORRECTION = "APPROVE_CORRECTION"
    REJECT_CORRECTION = "REJECT_CORRECTION"


class ActionStatus:
    REQUESTED = "Requested"
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a system client (``userType`` system) or a user with a role and office."""

    id: str
    user_type: str = "system"
    role: str | None = None
    primary_office_id: str | None = None


class Clock:
    """Strictly increasing millisecond timestamps: core sorts actions by ``createdAt``."""

    def __init__(self) -> None:
        self._last = dt.datetime.min.replace(tzinfo=dt.UTC)

    def now(self) -> str:
        t = dt.datetime.now(dt.UTC)
        t = t.replace(microsecond=t.microsecond // 1000 * 1000)
        if t <= self._last:
            t = self._last + dt.timedelta(milliseconds=1)
        self._last = t
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


@dataclass
class Store:
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    event_keys: dict[tuple[str, str], str] = field(default_factory=dict)          # (transactionId, type) → id
    action_keys: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)  # → (event, action)
    tracking_ids: set[str] = field(default_factory=set)
    registration_numbers: set[str] = field(default_factory=set)
    clock: Clock = field(default_factory=Clock)
    rng: random.Random = field(default_factory=random.Random)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------------ counters
    def count(self, name: str, key: str) -> None:
        bucket = self.counters.setdefault(name, {})
        bucket[key] = bucket.get(key, 0) + 1

    # ------------------------------------------------------------------------------------------ events
    def get(self, event_id: str) -> dict[str, Any] | None:
        return self.events.get(event_id)

    def snapshot(self, event_id: str) -> dict[str, Any]:
        return copy.deepcopy(self.events[event_id])

    def _tracking_id(self) -> str:
        while True:
            candidate = "".join(self.rng.choice(TRACKING_ALPHABET) for _ in range(6))
            if candidate not in self.tracking_ids:
                self.tracking_ids.add(candidate)
                return candidate

    def get_or_create_event(self, event_type: str, transaction_id: str, actor: Actor,
                            created_at_location: str | None) -> dict[str, Any]:
        """``getOrCreateEvent``: the event of (transactionId, type), created with its CREATE action if new."""
        key = (transaction_id, event_type)
        event_id = self.event_keys.get(key)
        if event_id is None:
            event_id = str(uuid.uuid4())
            now = self.clock.now()
            self.events[event_id] = {"id": event_id, "type": event_type, "createdAt": now, "updatedAt": now,
                                     "actions": [], "trackingId": self._tracking_id()}
            self.event_keys[key] = event_id
            self.count("events_created", event_type)
        self.add_action(event_id, {"type": ActionType.CREATE, "transactionId": transaction_id,
                                   "declaration": {}, "createdAtLocation": created_at_location},
                        ActionStatus.ACCEPTED, actor)
        return self.events[event_id]

    def add_action(self, event_id: str, spec: dict[str, Any], status: str, actor: Actor) -> str:
        """``createActionInTrx``: insert unless (transactionId, type, status) exists anywhere; the row's id."""
        key = (spec["transactionId"], spec["type"], status)
        existing = self.action_keys.get(key)
        if existing is not None:
            return existing[1]
        registration_number = spec.get("registrationNumber")
        if registration_number is not None:
            if registration_number in self.registration_numbers:
                raise ValueError("registration number already used")
            self.registration_numbers.add(registration_number)
        action: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "transactionId": spec["transactionId"],
            "createdByUserType": actor.user_type,
            "createdAt": self.clock.now(),
            "createdBy": actor.id,
            "createdAtLocation": (spec.get("createdAtLocation") if actor.user_type == "system"
                                  else actor.primary_office_id),
            "declaration": spec.get("declaration") or {},
            "status": status,
            "type": spec["type"],
        }
        if actor.role:
            action["createdByRole"] = actor.role
        for optional in ("annotation", "originalActionId", "registrationNumber", "content", "assignedTo",
                         "customActionType"):
            if spec.get(optional) is not None:
                action[optional] = spec[optional]
        self.events[event_id]["actions"].append(action)
        self.action_keys[key] = (event_id, action["id"])
        self.count(f"actions_{spec['type'].lower()}_{status.lower()}", event_id)
        return str(action["id"])

    def find_action(self, event: dict[str, Any], action_id: str) -> dict[str, Any] | None:
        return next((a for a in event["actions"] if a["id"] == action_id), None)

    def last_action(self, event: dict[str, Any], transaction_id: str, action_type: str) -> dict[str, Any] | None:
        """``findLast(actions, a => a.transactionId === … && a.type === …)`` (requireAssignment, createAndNotify)."""
        for action in reversed(event["actions"]):
            if action["transactionId"] == transaction_id and action["type"] == action_type:
                return action
        return None

    def new_registration_number(self) -> str:
        # Farajaland src/api/registration/registrationNumber.ts: nanoid, 12 of [0-9A-Z]
        while True:
            candidate = "".join(self.rng.choice(TRACKING_ALPHABET) for _ in range(12))
            if candidate not in self.registration_numbers:
                return candidate

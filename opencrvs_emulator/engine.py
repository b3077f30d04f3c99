"""What the events service does for a system client: create, notify, create-and-notify, get.

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50), ``packages/events/src/``:
- ``router/event/index.ts`` ``create``: ``userCanCreateEvent`` (403 without ``record.create``; 400 for an
  unconfigured event type; 403 when the scope's ``event`` option excludes it), then ``EventInput``, then
  ``requireLocationForSystemUserEventCreate``; ``createEvent`` is idempotent on (transactionId, type).
  ``get``: ``EventIdParamWithWaitFor``, then ``canAccessEventWithScopes(['record.read'])``, then a READ
  action (fresh transactionId) is appended and the event returned.
- ``router/event/actions/index.ts`` (the NOTIFY ``request`` procedure): ``canAccessEventWithScopes
  (['record.notify'])`` → ``NotifyActionInput.strict()`` → ``requireAssignment`` (409 when assigned; the
  action of the same transactionId and type, if any) → ``validateAction`` (400 field errors) →
  ``requireLocationForSystemUserAction`` → the same action found: the event unchanged → else
  ``defaultRequestHandler``: ``throwConflictIfActionNotAllowed`` (409), the action stored Requested, the
  country configuration asked (``actionConfirmationRequest.ts``: 200 accept, 400 reject, 202 later, anything
  else → 500 with the Requested action kept), then an Accepted / Rejected action with ``originalActionId``
  and ``declaration: {}`` merged with the country's answer.
- ``router/event/actions/createAndNotify.ts``: system clients only; ``record.create`` and ``record.notify``
  for the type; ``createdAtLocation`` must exist; the event is created with transactionId
  ``<transactionId>:create``; a NOTIFY of the same transactionId already there → the event unchanged;
  validation after the event exists (a refused declaration leaves a CREATED event behind).
- ``storage/postgres/events/events.ts``: actions unique on (transactionId, type, status) across all events:
  a transactionId already used by a NOTIFY of another event inserts nothing, and ``getPendingAction``
  (``commons/events/utils.ts``) then finds no pending action — or two, when an earlier NOTIFY of the event
  is still unanswered — and throws (500, the new Requested action kept).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import country_hook, inputs, state
from .auth import Principal
from .errors import TrpcError, field_errors, input_error, invalid_uuid
from .forms import Country, file_paths, validate_notify
from .store import ActionStatus, ActionType, Actor, Store

HookDecision = tuple[int, dict[str, Any] | None]
log = logging.getLogger("opencrvs_emulator")


@dataclass
class Hook:
    """The country configuration's answer to ``POST /trigger/events/{type}/actions/{action}``.

    ``mode``: ``accept`` (200), ``reject`` (400), ``async`` (202; accepted ``accept_after`` seconds later, or
    when a test confirms it), ``fail`` (500: core answers 500 and keeps the Requested action).
    ``decide(action_type, event) -> (status, body)`` replaces the mode when set; ``url`` (a country
    configuration over HTTP, :mod:`.country_hook`) replaces both.
    """

    mode: str = "accept"
    accept_after: float | None = None
    accept_body: dict[str, Any] = field(default_factory=dict)
    decide: Callable[[str, dict[str, Any]], HookDecision] | None = None
    url: str | None = None
    calls: int = 0

    MODES = ("accept", "reject", "async", "fail")

    def answer(self, action_type: str, event: dict[str, Any]) -> HookDecision:
        self.calls += 1
        if self.decide is not None:
            return self.decide(action_type, event)
        return {"accept": (200, dict(self.accept_body)), "reject": (400, {}), "async": (202, None),
                "fail": (500, None)}[self.mode]


class Engine:
    def __init__(self, country: Country, store: Store | None = None, hook: Hook | None = None) -> None:
        self.country = country
        self.store = store or Store()
        self.hook = hook or Hook()
        self.known_files: set[str] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        # mints the token a country configuration gets with a request: (event, action, user, userType)
        self.action_token: Callable[[str, str, str, str], str] | None = None

    # ------------------------------------------------------------------------------------------ helpers
    @staticmethod
    def actor(principal: Principal) -> Actor:
        return Actor(principal.id, principal.user_type)

    def _event_for_scope(self, principal: Principal, scope: str, event_id: Any) -> dict[str, Any]:
        """``canAccessEventWithScopes``: 403 without the scope, 400 for a bad id, 404 unknown or out of scope."""
        if not principal.scopes_of(scope):
            raise TrpcError("FORBIDDEN")
        if not inputs.is_uuid(event_id):
            raise TrpcError("BAD_REQUEST")
        event = self.store.get(event_id)
        if event is None or not principal.allows(scope, event["type"]):
            raise TrpcError("NOT_FOUND", f"Event not found with ID: {event_id}")
        return event

    def _require_location(self, principal: Principal, location: Any) -> None:
        if principal.user_type != "system":
            if location:
                raise TrpcError("BAD_REQUEST", "createdAtLocation is not allowed for non-system users")
            return
        if not location:
            raise TrpcError("BAD_REQUEST", "createdAtLocation is required and must be a valid location id")
        if not self.country.location_exists(location):
            raise TrpcError("BAD_REQUEST", "createdAtLocation must be a valid location id")

    def conflict_unless_allowed(self, event: dict[str, Any], action_type: str) -> None:
        status, flags = state.status_of(event), state.flags_of(event)
        allowed = state.available_actions(status, flags)
        if action_type not in allowed:
            raise TrpcError("CONFLICT", f"Action '{action_type}' cannot be performed on an event in '{status}' "
                                        f"state with [{', '.join(flags)}] flags. Available actions: "
                                        f"{', '.join(allowed)}.")

    # ------------------------------------------------------------------------------------------ create
    def create_event(self, principal: Principal, body: Any) -> dict[str, Any]:
        if not principal.scopes_of("record.create"):
            raise TrpcError("FORBIDDEN")
        raw_type = body.get("type") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(raw_type, str) or not isinstance(
                body.get("transactionId"), str) or not (body.get("createdAtLocation") is None
                                                        or inputs.is_uuid(body["createdAtLocation"])):
            raise TrpcError("BAD_REQUEST")  # EventInput.safeParse failed inside userCanCreateEvent
        if raw_type not in self.country.forms:
            raise TrpcError("BAD_REQUEST", f"No configuration found for event type: {raw_type}")
        if not principal.allows("record.create", raw_type):
            raise TrpcError("FORBIDDEN")
        data = inputs.check_event_input(body)
        self._require_location(principal, data["createdAtLocation"])
        event = self.store.get_or_create_event(data["type"], data["transactionId"], self.actor(principal),
                                               data["createdAtLocation"])
        return self.store.snapshot(event["id"])

    # ------------------------------------------------------------------------------------------ notify
    def notify(self, principal: Principal, event_id: Any, body: Any) -> dict[str, Any]:
        event = self._event_for_scope(principal, "record.notify", event_id)
        data = inputs.check_notify_input({**body, "eventId": event_id} if isinstance(body, dict) else body)
        if principal.user_type == "system" and state.assigned_to(event):
            raise TrpcError("CONFLICT", "System user can not perform action on assigned event")
        existing = self.store.last_action(event, data["transactionId"], ActionType.NOTIFY)
        form = self.country.forms[event["type"]]
        errors = validate_notify(form, data["declaration"], data.get("annotation"))
        if errors:
            raise field_errors(errors)
        self._require_location(principal, data.get("createdAtLocation"))
        if existing is not None:
            return self.store.snapshot(event["id"])
        return self._request_notify(principal, event, data)

    def create_and_notify(self, principal: Principal, body: Any) -> dict[str, Any]:
        if principal.user_type != "system":
            raise TrpcError("FORBIDDEN")
        data = inputs.check_create_and_notify_input(body)
        event_type = data["eventType"]
        if event_type not in self.country.forms:
            raise TrpcError("BAD_REQUEST", f"No configuration found for event type: {event_type}")
        if not principal.allows("record.create", event_type) or not principal.allows("record.notify", event_type):
            raise TrpcError("FORBIDDEN")
        if not self.country.location_exists(data["createdAtLocation"]):
            raise TrpcError("BAD_REQUEST", "createdAtLocation must be a valid location id")
        create_tid = f"{data['transactionId']}:create"
        event = self.store.get_or_create_event(event_type, create_tid, self.actor(principal),
                                               data["createdAtLocation"])
        if self.store.last_action(event, data["transactionId"], ActionType.NOTIFY) is not None:
            return self.store.snapshot(event["id"])
        errors = validate_notify(self.country.forms[event_type], data["declaration"], data.get("annotation"))
        if errors:
            raise field_errors(errors)
        return self._request_notify(principal, event, data)

    def _request_notify(self, principal: Principal, event: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        self.conflict_unless_allowed(event, ActionType.NOTIFY)
        for path in file_paths(self.country.forms[event["type"]], data["declaration"]):
            if path not in self.known_files:
                raise TrpcError("BAD_REQUEST", f"File not found: {path}")
        spec = {"type": ActionType.NOTIFY, "transactionId": data["transactionId"],
                "declaration": data["declaration"], "annotation": data.get("annotation"),
                "createdAtLocation": data.get("createdAtLocation")}
        actor = self.actor(principal)
        self.store.add_action(event["id"], spec, ActionStatus.REQUESTED, actor)
        pending = [p for p in self.pending_actions() if p["eventId"] == event["id"]]
        if len(pending) != 1:
            # getPendingAction: none when the transactionId belongs to another event's NOTIFY (nothing was
            # inserted here), two when an earlier NOTIFY of this event is still unanswered (both stay)
            raise TrpcError("INTERNAL_SERVER_ERROR", "Expected exactly one pending action")
        requested = self.store.find_action(event, pending[0]["actionId"])
        assert requested is not None
        return self._confirm_with_country(event, requested, actor)

    def _confirm_with_country(self, event: dict[str, Any], requested: dict[str, Any], actor: Actor) -> dict[str, Any]:
        snapshot = self.store.snapshot(event["id"])
        if self.hook.url and self.action_token is not None:
            self.hook.calls += 1
            token = self.action_token(event["id"], requested["id"], actor.id, actor.user_type)
            status, body = country_hook.ask(self.hook.url, requested["type"], snapshot, token)
        else:
            try:
                status, body = self.hook.answer(requested["type"], snapshot)
            except Exception:  # a test's hook that breaks is a country configuration that fails
                log.exception("country hook failed")
                status, body = 599, None
        if status == 202:
            if self.hook.accept_after is not None and self.loop is not None:
                self.loop.call_later(self.hook.accept_after, self._confirm_later, event["id"], requested["id"])
            return self.store.snapshot(event["id"])
        if status not in (200, 400):
            raise TrpcError("INTERNAL_SERVER_ERROR", "Unexpected failure from country config action confirmation API")
        outcome = ActionStatus.ACCEPTED if status == 200 else ActionStatus.REJECTED
        extra = body if status == 200 and isinstance(body, dict) else {}
        spec = {"type": requested["type"], "transactionId": requested["transactionId"],
                "createdAtLocation": requested.get("createdAtLocation"), "originalActionId": requested["id"],
                "declaration": extra.get("declaration") or {}, "annotation": extra.get("annotation"),
                "registrationNumber": extra.get("registrationNumber")}
        self.store.add_action(event["id"], spec, outcome, actor)
        return self.store.snapshot(event["id"])

    def confirm(self, event_id: str, action_id: str, accept: bool, body: dict[str, Any] | None) -> dict[str, Any]:
        """The country configuration's later ``accept`` / ``reject`` of a Requested action (async flow)."""
        event = self.store.get(event_id)
        if event is None:
            raise TrpcError("NOT_FOUND", f"Event not found with ID: {event_id}")
        original = self.store.find_action(event, action_id)
        if original is None:  # reject throws a plain Error: a 500
            raise TrpcError("NOT_FOUND" if accept else "INTERNAL_SERVER_ERROR", "Action not found.")
        done = next((a for a in event["actions"] if a.get("originalActionId") == action_id), None)
        if done is not None:
            if accept and done["status"] == ActionStatus.REJECTED:
                raise TrpcError("BAD_REQUEST", "Action has already been rejected.")
            if not accept and done["status"] == ActionStatus.ACCEPTED:
                raise TrpcError("INTERNAL_SERVER_ERROR", "Action has already been accepted.")
            return self.store.snapshot(event_id)
        body = body or {}
        actor = Actor(original["createdBy"], original["createdByUserType"], original.get("createdByRole"),
                      original.get("createdAtLocation"))
        spec = {"type": original["type"], "transactionId": str(body.get("transactionId") or original["transactionId"]),
                "createdAtLocation": original.get("createdAtLocation"), "originalActionId": action_id,
                "declaration": body.get("declaration") or {} if accept else {},
                "registrationNumber": body.get("registrationNumber") if accept else None}
        self.store.add_action(event_id, spec, ActionStatus.ACCEPTED if accept else ActionStatus.REJECTED, actor)
        return self.store.snapshot(event_id)

    def _confirm_later(self, event_id: str, action_id: str) -> None:
        try:
            self.confirm(event_id, action_id, True, None)
        except TrpcError:
            pass  # answered meanwhile (a test confirmed or rejected it)

    def pending_actions(self) -> list[dict[str, str]]:
        out = []
        for event in self.store.events.values():
            for action in event["actions"]:
                if action["status"] == ActionStatus.REQUESTED and not any(
                        a.get("originalActionId") == action["id"] for a in event["actions"]):
                    out.append({"eventId": event["id"], "actionId": action["id"], "type": action["type"],
                                "transactionId": action["transactionId"]})
        return out

    # ------------------------------------------------------------------------------------------ get
    def get_event(self, principal: Principal, event_id: Any) -> dict[str, Any]:
        if not inputs.is_uuid(event_id):
            raise input_error([invalid_uuid(["eventId"])])
        event = self._event_for_scope(principal, "record.read", event_id)
        self.store.add_action(event["id"], {"type": ActionType.READ, "transactionId": str(uuid.uuid4()),
                                            "declaration": {}}, ActionStatus.ACCEPTED, self.actor(principal))
        return self.store.snapshot(event["id"])

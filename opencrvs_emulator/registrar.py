"""Test controls: a registrar working on a record in OpenCRVS's client, as the actions it leaves behind.

A notified (incomplete) record offers a registrar EDIT, REJECT, ARCHIVE (``state/availableActions.ts``);
EDIT sets ``edit-in-progress``, after which DECLARE or REGISTER is allowed. A user acts on an assigned
record only (``requireAssignment``), and a write action unassigns unless kept (``addAction``). So:

- validate: ASSIGN → EDIT → DECLARE (a LOCAL_REGISTRAR's DECLARE adds Farajaland's ``validated``) → UNASSIGN
- register: ASSIGN → [EDIT → DECLARE unless already validated: Farajaland enables REGISTER only on a
  ``validated`` record, else 409 "Conditions for action: REGISTER were not met"] → REGISTER Requested →
  REGISTER Accepted with ``registrationNumber``
  (and ``declaration: {"child.nid": …}`` as opencrvs/mosip ``packages/mosip-api/src/opencrvs-api.ts``
  ``confirmRegistration`` sends it) → UNASSIGN; ``pending``: REGISTER stays Requested (``register:requested``)
  until ``confirm`` — OpenCRVS's MOSIP integration answers 202 and confirms when the UIN is issued.
- reject: ASSIGN → REJECT (``content.reason``) → UNASSIGN: flag ``rejected``; the client may NOTIFY again.

Registration numbers as Farajaland makes them (``src/api/registration/registrationNumber.ts``: 12 of [0-9A-Z]).
"""

from __future__ import annotations

import uuid
from typing import Any

from . import state
from .engine import Engine
from .errors import TrpcError
from .store import ActionStatus, ActionType, Actor

REGISTRAR_ID = "6a1f5c2e-7b3d-4e8f-9a0b-1c2d3e4f5a6b"
REGISTRAR_ROLE = "LOCAL_REGISTRAR"


class Registrar:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        office = next((loc for loc in engine.country.locations if loc.get("locationType") == "CRVS_OFFICE"), None)
        self.actor = Actor(REGISTRAR_ID, "user", REGISTRAR_ROLE, office["id"] if office else None)

    def _event(self, event_id: str) -> dict[str, Any]:
        event = self.engine.store.get(event_id)
        if event is None:
            raise TrpcError("NOT_FOUND", f"Event not found with ID: {event_id}")
        return event

    def act(self, event: dict[str, Any], action_type: str, status: str = ActionStatus.ACCEPTED,
             **extra: Any) -> str:
        if action_type not in (ActionType.ASSIGN, ActionType.UNASSIGN):
            self.engine.conflict_unless_allowed(event, action_type)
        if action_type == ActionType.REGISTER and "validated" not in state.flags_of(event):
            raise TrpcError("CONFLICT", "Conditions for action: REGISTER were not met, action cannot be performed")
        spec = {"type": action_type, "transactionId": str(uuid.uuid4()), "declaration": {}, **extra}
        return self.engine.store.add_action(event["id"], spec, status, self.actor)

    def assign(self, event_id: str) -> dict[str, Any]:
        event = self._event(event_id)
        if any(f.endswith(":requested") for f in state.flags_of(event)):
            raise TrpcError("CONFLICT", "Action 'ASSIGN' cannot be performed while an action is requested")
        self.act(event, ActionType.ASSIGN, assignedTo=self.actor.id)
        return self.engine.store.snapshot(event_id)

    def unassign(self, event_id: str) -> dict[str, Any]:
        event = self._event(event_id)
        self.act(event, ActionType.UNASSIGN)
        return self.engine.store.snapshot(event_id)

    @staticmethod
    def _needs_edit(event: dict[str, Any]) -> bool:
        flags = state.flags_of(event)
        return "edit-in-progress" not in flags and (state.status_of(event) == "NOTIFIED" or "rejected" in flags)

    def _edit_if_notified(self, event: dict[str, Any], declaration: dict[str, Any] | None) -> None:
        if self._needs_edit(event):
            self.act(event, ActionType.EDIT, declaration=declaration or {}, content={})

    def validate(self, event_id: str, declaration: dict[str, Any] | None = None) -> dict[str, Any]:
        event = self._event(event_id)
        # refuse before taking the record, as the registrar's client would not offer the action
        self.engine.conflict_unless_allowed(event, ActionType.EDIT if self._needs_edit(event) else ActionType.DECLARE)
        self.assign(event_id)
        self._edit_if_notified(event, declaration)
        self.act(event, ActionType.DECLARE)
        self.act(event, ActionType.UNASSIGN)
        return self.engine.store.snapshot(event_id)

    def register(self, event_id: str, *, registration_number: str | None = None, nid: str | None = None,
                 pending: bool = False, declaration: dict[str, Any] | None = None) -> dict[str, Any]:
        event = self._event(event_id)
        if registration_number and registration_number in self.engine.store.registration_numbers:
            raise TrpcError("CONFLICT", "registration number already used")
        validated = "validated" in state.flags_of(event) and not declaration
        first = ActionType.REGISTER if validated else ActionType.EDIT if self._needs_edit(event) else ActionType.DECLARE
        self.engine.conflict_unless_allowed(event, first)
        self.assign(event_id)
        if not validated:
            self._edit_if_notified(event, declaration)
            if state.status_of(event) != "DECLARED" or "validated" not in state.flags_of(event):
                self.act(event, ActionType.DECLARE)
        request_id = self.act(event, ActionType.REGISTER, ActionStatus.REQUESTED)
        if not pending:
            self.confirm(event_id, registration_number=registration_number, nid=nid, action_id=request_id)
        return self.engine.store.snapshot(event_id)

    def confirm(self, event_id: str, *, registration_number: str | None = None, nid: str | None = None,
                action_id: str | None = None, accept: bool = True) -> dict[str, Any]:
        """Accept (or reject) the Requested REGISTER, then unassign the registrar."""
        event = self._event(event_id)
        if action_id is None:
            pending = [a for a in event["actions"] if a["type"] == ActionType.REGISTER
                       and a["status"] == ActionStatus.REQUESTED]
            if not pending:
                raise TrpcError("NOT_FOUND", "Action not found.")
            action_id = pending[-1]["id"]
        body: dict[str, Any] = {"transactionId": f"mosip-interop-{uuid.uuid4()}"}
        if accept:
            body["registrationNumber"] = registration_number or self.engine.store.new_registration_number()
            if nid and event["type"] == "birth":  # confirmRegistration sends child.nid (undefined for a death)
                body["declaration"] = {"child.nid": nid}
        self.engine.confirm(event_id, action_id, accept, body)
        if state.assigned_to(event):
            self.act(event, ActionType.UNASSIGN)
        return self.engine.store.snapshot(event_id)

    def reject(self, event_id: str, reason: str) -> dict[str, Any]:
        event = self._event(event_id)
        if not reason:
            raise TrpcError("BAD_REQUEST", "Message cannot be empty")
        self.engine.conflict_unless_allowed(event, ActionType.REJECT)
        self.assign(event_id)
        self.act(event, ActionType.REJECT, content={"reason": reason})
        self.act(event, ActionType.UNASSIGN)
        return self.engine.store.snapshot(event_id)

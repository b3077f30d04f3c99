"""An event's current state (its ``EventIndex``): status, flags, declaration, legal statuses, actions allowed.

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50), ``packages/commons/src/events/``:
- ``state/index.ts`` ``getStatusFromActions`` (accepted actions only: CREATE → CREATED, NOTIFY → NOTIFIED,
  DECLARE → DECLARED, REGISTER → REGISTERED, ARCHIVE → ARCHIVED), ``getCurrentEventState``, ``deepDropNulls``.
- ``state/flags.ts`` ``getEventFlags``: ``<action>:<status>`` for the latest action of each non-meta type
  that is not Accepted (``notify:requested``, ``register:requested``, ``notify:rejected``), then the inherent
  flags from accepted actions (``incomplete`` set by NOTIFY, cleared by CREATE/DECLARE/REGISTER/ARCHIVE;
  ``rejected`` set by REJECT, cleared by NOTIFY/DECLARE/EDIT/REGISTER; ``edit-in-progress`` set by EDIT,
  cleared by any other action), then the country's own flags.
- ``state/availableActions.ts``: actions allowed per status and flags (NOTIFY only on CREATED, or on a
  ``rejected`` record); ``state/utils.ts`` ``getLegalStatuses`` / ``getActionUpdateMetadata``;
  ``utils.ts`` ``aggregateActionDeclarations`` (an Accepted action with ``originalActionId`` brings the
  declaration of its Requested original).
Country flags (opencrvs/opencrvs-farajaland c6f7c50, ``src/events/{birth,death}/index.ts`` action ``flags``):
``validated`` added by a DECLARE of a registration agent or registrar and by the ``VALIDATE_DECLARATION``
custom action (which also removes ``rejected``), removed by EDIT, REJECT and REGISTER; REGISTER adds
``pending-first-certificate-issuance``, PRINT_CERTIFICATE removes it. REGISTER is enabled only on a
``validated`` record (the REGISTER ``conditionals``). Not modelled: the late-registration, escalation,
revocation and ``attestation-required`` flags.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .store import ActionStatus, ActionType

META_ACTIONS = frozenset({ActionType.ASSIGN, ActionType.UNASSIGN, ActionType.READ})
STATUS_OF = {ActionType.CREATE: "CREATED", ActionType.NOTIFY: "NOTIFIED", ActionType.DECLARE: "DECLARED",
             ActionType.REGISTER: "REGISTERED", ActionType.ARCHIVE: "ARCHIVED"}
UPDATE_ACTIONS = frozenset({
    ActionType.CREATE, ActionType.NOTIFY, ActionType.EDIT, ActionType.DECLARE, ActionType.REGISTER,
    ActionType.REJECT, ActionType.ARCHIVE, ActionType.PRINT_CERTIFICATE, ActionType.REQUEST_CORRECTION,
    ActionType.APPROVE_CORRECTION, ActionType.REJECT_CORRECTION, ActionType.CUSTOM})
NOT_AGGREGATED = frozenset({ActionType.REQUEST_CORRECTION, ActionType.PRINT_CERTIFICATE,
                            ActionType.REJECT_CORRECTION})
# (flag, set on, reset on, reset on any other action)
INHERENT_FLAGS: tuple[tuple[str, frozenset[str], frozenset[str], bool], ...] = (
    ("correction-requested", frozenset({ActionType.REQUEST_CORRECTION}),
     frozenset({ActionType.APPROVE_CORRECTION, ActionType.REJECT_CORRECTION}), False),
    ("incomplete", frozenset({ActionType.NOTIFY}),
     frozenset({ActionType.CREATE, ActionType.DECLARE, ActionType.REGISTER, ActionType.ARCHIVE}), False),
    ("rejected", frozenset({ActionType.REJECT}),
     frozenset({ActionType.NOTIFY, ActionType.DECLARE, ActionType.EDIT, ActionType.REGISTER}), False),
    ("potential-duplicate", frozenset({"DUPLICATE_DETECTED"}),
     frozenset({"MARK_AS_DUPLICATE", "MARK_AS_NOT_DUPLICATE"}), False),
    ("edit-in-progress", frozenset({ActionType.EDIT}), frozenset(), True),
)
VALIDATING_ROLES = frozenset({"REGISTRATION_AGENT", "LOCAL_REGISTRAR", "EMBASSY_OFFICIAL"})
DATE_OF_EVENT_FIELD = {"birth": "child.dob", "death": "eventDetails.date"}

AVAILABLE_BY_STATUS = {
    "CREATED": ["READ", "DECLARE", "NOTIFY", "DELETE", "CUSTOM"],
    "NOTIFIED": ["READ", "EDIT", "MARK_AS_DUPLICATE", "ARCHIVE", "REJECT", "CUSTOM"],
    "DECLARED": ["READ", "REGISTER", "MARK_AS_DUPLICATE", "ARCHIVE", "REJECT", "CUSTOM", "EDIT"],
    "REGISTERED": ["READ", "PRINT_CERTIFICATE", "REQUEST_CORRECTION", "APPROVE_CORRECTION", "REJECT_CORRECTION",
                   "CUSTOM"],
    "ARCHIVED": ["READ", "CUSTOM"],
}
REJECTED_ACTIONS = ["READ", "NOTIFY", "CUSTOM", "EDIT", "ARCHIVE"]


def sorted_actions(event: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(event["actions"], key=lambda a: a["createdAt"])


def accepted(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in actions if a["status"] == ActionStatus.ACCEPTED]


def status_of(event: dict[str, Any]) -> str:
    status = "CREATED"
    for action in accepted(sorted_actions(event)):
        status = STATUS_OF.get(action["type"], status)
    return status


def assigned_to(event: dict[str, Any]) -> str | None:
    user = None
    for action in event["actions"]:
        if action["type"] == ActionType.ASSIGN:
            user = action.get("assignedTo")
        elif action["type"] == ActionType.UNASSIGN:
            user = None
    return user


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def deep_drop_nulls(value: Any) -> Any:
    if isinstance(value, list):
        return [deep_drop_nulls(v) for v in value]
    if isinstance(value, dict):
        return {k: deep_drop_nulls(v) for k, v in value.items() if v is not None}
    return value


def _complete_declaration(event: dict[str, Any], action: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    original_id = action.get("originalActionId")
    if original_id:
        original = next((a for a in event["actions"] if a["id"] == original_id), None)
        if original is not None and original["status"] == ActionStatus.REQUESTED:
            return deep_merge(deep_merge(base, original["declaration"]), action["declaration"])
    return deep_merge(base, action["declaration"])


def declaration_of(event: dict[str, Any]) -> dict[str, Any]:
    declaration: dict[str, Any] = {}
    for action in accepted(sorted_actions(event)):
        if action["type"] not in NOT_AGGREGATED:
            declaration = _complete_declaration(event, action, declaration)
    return deep_drop_nulls(declaration)


def flags_of(event: dict[str, Any]) -> list[str]:
    actions = [a for a in sorted_actions(event) if a["type"] not in META_ACTIONS]
    latest: dict[str, str] = {}
    for action in actions:
        latest[action["type"]] = action["status"]  # a JS object: a key keeps its first position
    flags = [f"{t}:{s}".lower() for t, s in latest.items() if s != ActionStatus.ACCEPTED]
    done = accepted(actions)
    for flag, set_on, reset_on, reset_any in INHERENT_FLAGS:
        present = False
        for action in done:
            if action["type"] in set_on:
                present = True
            elif reset_any or action["type"] in reset_on:
                present = False
            elif flag == "rejected" and action.get("customActionType") == "VALIDATE_DECLARATION":
                present = False
        if present:
            flags.append(flag)
    return flags + country_flags(done)


def country_flags(done: list[dict[str, Any]]) -> list[str]:
    """``resolveEventCustomFlags`` with Farajaland's action flags, over accepted non-meta actions in order."""
    flags: list[str] = []
    for action in done:
        added: list[str] = []
        removed: list[str] = []
        if action.get("customActionType") == "VALIDATE_DECLARATION" or (
                action["type"] == ActionType.DECLARE and action.get("createdByRole") in VALIDATING_ROLES):
            added.append("validated")
        elif action["type"] in (ActionType.EDIT, ActionType.REJECT):
            removed.append("validated")
        elif action["type"] == ActionType.REGISTER:
            removed.append("validated")
            added.append("pending-first-certificate-issuance")
        elif action["type"] == ActionType.PRINT_CERTIFICATE:
            removed.append("pending-first-certificate-issuance")
        flags = [f for f in dict.fromkeys(flags + added) if f not in removed]
    return flags


def available_actions(status: str, flags: list[str]) -> list[str]:
    if "edit-in-progress" in flags:
        actions = ["NOTIFY", "DECLARE", "REGISTER"]
    elif "rejected" in flags and status != "ARCHIVED":
        actions = list(REJECTED_ACTIONS)
    else:
        actions = list(AVAILABLE_BY_STATUS[status])
    requested = any(f.endswith(":requested") for f in flags)
    blocked_while_requested = {"PRINT_CERTIFICATE", "REQUEST_CORRECTION", "APPROVE_CORRECTION", "REJECT_CORRECTION",
                               "MARK_AS_DUPLICATE", "EDIT", "REGISTER", "REJECT", "ARCHIVE", "CUSTOM"}

    def allowed(action: str) -> bool:
        if requested and action in blocked_while_requested:
            return False
        if action in ("REGISTER", "EDIT") and "potential-duplicate" in flags:
            return False
        if action == "REJECT" and "rejected" in flags:
            return False
        if action in ("APPROVE_CORRECTION", "REJECT_CORRECTION"):
            return "correction-requested" in flags
        if action in ("PRINT_CERTIFICATE", "REQUEST_CORRECTION"):
            return "correction-requested" not in flags
        if action == "MARK_AS_DUPLICATE":
            return "potential-duplicate" in flags
        return True

    return [a for a in actions if allowed(a)]


def _legal_status(actions: list[dict[str, Any]], action_type: str) -> dict[str, Any] | None:
    of_type = [a for a in actions if a["type"] == action_type][::-1]
    accept = next((a for a in of_type if a["status"] == ActionStatus.ACCEPTED), None)
    if accept is None:
        return None
    request = next((a for a in of_type if a["status"] == ActionStatus.REQUESTED), None)
    source = request or accept
    return {"createdAt": source["createdAt"], "createdBy": source["createdBy"],
            "createdByUserType": source["createdByUserType"], "createdAtLocation": source.get("createdAtLocation"),
            "acceptedAt": accept["createdAt"], "createdByRole": source.get("createdByRole"),
            "registrationNumber": accept.get("registrationNumber")}


def _update_metadata(event: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("createdAt", "createdBy", "createdByUserType", "createdAtLocation", "createdByRole")
    meta: dict[str, Any] = {}
    for action in actions:
        if action["type"] not in UPDATE_ACTIONS:
            continue
        source = action
        if action.get("originalActionId"):
            source = next((a for a in event["actions"] if a["id"] == action["originalActionId"]), action)
        meta = {k: source.get(k) for k in keys}
    return meta


def event_index(event: dict[str, Any]) -> dict[str, Any]:
    """``getCurrentEventState``: what search returns for an event (``EventIndex``)."""
    actions = sorted_actions(event)
    creation = next(a for a in actions if a["type"] == ActionType.CREATE)
    declaration = declaration_of(event)
    requested_meta = _update_metadata(event, actions)
    accepted_meta = _update_metadata(event, accepted(actions))
    index = {
        "id": event["id"], "type": event["type"], "status": status_of(event),
        "legalStatuses": {"DECLARED": _legal_status(actions, ActionType.DECLARE),
                          "REGISTERED": _legal_status(actions, ActionType.REGISTER)},
        "createdAt": creation["createdAt"], "createdBy": creation["createdBy"],
        "createdByUserType": creation["createdByUserType"], "createdAtLocation": creation.get("createdAtLocation"),
        "updatedAt": accepted_meta.get("createdAt"), "assignedTo": assigned_to({"actions": accepted(actions)}),
        "updatedBy": requested_meta.get("createdBy"), "updatedAtLocation": requested_meta.get("createdAtLocation"),
        "declaration": declaration, "trackingId": event["trackingId"],
        "updatedByUserRole": requested_meta.get("createdByRole"),
        "placeOfEvent": creation.get("createdAtLocation"), "potentialDuplicates": [], "flags": flags_of(event),
    }
    date_field = DATE_OF_EVENT_FIELD.get(event["type"])
    if date_field is None:
        index["dateOfEvent"] = creation["createdAt"][:10]
    else:
        value = declaration.get(date_field)
        index["dateOfEvent"] = value if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    return deep_drop_nulls(index)

"""The record state machine (DESIGN §4) and who may do what.

A transition names, for each status an action may start from, the statuses it may lead to; the
services choose among those (e.g. register → awaiting external validation or registered, as the
country's rules decide) and `check_transition` refuses anything else with a clear message.
"""

from __future__ import annotations

from app.errors import PermissionDenied, WorkflowError
from app.vocabulary import ActionType, DeploymentMode, Role, Status

__all__ = ["MODE_ACTIONS", "PERMISSIONS", "REASON_REQUIRED", "TRANSITIONS", "USER_ACTIONS", "ActionType",
           "PermissionDenied", "Role", "Status", "WorkflowError", "allowed_targets", "available_actions",
           "check_mode", "check_permission", "check_transition"]

S = Status
_ACTIVE = (S.DECLARED, S.VERIFICATION_FAILED, S.VALIDATED)

TRANSITIONS: dict[ActionType, dict[Status | None, frozenset[Status]]] = {
    ActionType.CREATE: {None: frozenset({S.DRAFT})},
    ActionType.UPDATE: {S.DRAFT: frozenset({S.DRAFT})},
    ActionType.DECLARE: {None: frozenset({S.DECLARED}), S.DRAFT: frozenset({S.DECLARED})},
    ActionType.VALIDATE: {S.DECLARED: frozenset({S.VALIDATED})},
    ActionType.REGISTER: {
        s: frozenset({S.AWAITING_EXTERNAL_VALIDATION, S.REGISTERED}) for s in (S.DECLARED, S.VALIDATED)},
    ActionType.REQUEST_CORRECTION: {S.REGISTERED: frozenset({S.CORRECTION_REQUESTED})},
    ActionType.APPROVE_CORRECTION: {
        S.CORRECTION_REQUESTED: frozenset({S.AWAITING_EXTERNAL_VALIDATION, S.REGISTERED})},
    ActionType.REJECT: {s: frozenset({S.REJECTED}) for s in (S.DRAFT, *_ACTIVE)},
    # the correction is refused, not the record
    ActionType.REJECT_CORRECTION: {S.CORRECTION_REQUESTED: frozenset({S.REGISTERED})},
    # from verification_failed: re-check identities; elsewhere: retry a flagged record's deliveries
    ActionType.RETRY: {S.VERIFICATION_FAILED: frozenset({S.DECLARED}),
                       **{s: frozenset({s}) for s in Status if s is not S.VERIFICATION_FAILED}},
    ActionType.REMOVE_FROM_QUEUE: {S.AWAITING_EXTERNAL_VALIDATION: frozenset({S.REGISTERED})},
    ActionType.VERIFICATION_RESULT: {
        s: frozenset({S.DECLARED, S.VALIDATED, S.VERIFICATION_FAILED}) for s in _ACTIVE},
    ActionType.CONFIRM_REGISTRATION: {S.AWAITING_EXTERNAL_VALIDATION: frozenset({S.REGISTERED})},
    ActionType.AUTHENTICATE: {
        s: frozenset({s}) for s in (S.DRAFT, *_ACTIVE, S.REGISTERED, S.CORRECTION_REQUESTED)},
    ActionType.FLAG_ATTENTION: {s: frozenset({s}) for s in Status},
    # OpenCRVS moved the record: it stays, is registered there, or reopens as a draft to be corrected
    ActionType.UPSTREAM_STATUS: {s: frozenset({s, S.REGISTERED, S.DRAFT}) for s in (*_ACTIVE, S.REGISTERED)},
}

PEOPLE = frozenset({Role.AGENT, Role.SUPERVISOR, Role.REGISTRAR})
PERMISSIONS: dict[ActionType, frozenset[Role]] = {
    ActionType.CREATE: PEOPLE,
    ActionType.UPDATE: PEOPLE,
    ActionType.DECLARE: PEOPLE,
    ActionType.VALIDATE: PEOPLE,
    ActionType.REGISTER: frozenset({Role.REGISTRAR}),
    ActionType.REQUEST_CORRECTION: PEOPLE,
    ActionType.APPROVE_CORRECTION: frozenset({Role.REGISTRAR}),
    ActionType.REJECT: frozenset({Role.SUPERVISOR, Role.REGISTRAR}),
    ActionType.REJECT_CORRECTION: frozenset({Role.SUPERVISOR, Role.REGISTRAR}),
    ActionType.RETRY: frozenset({Role.SUPERVISOR, Role.REGISTRAR}),
    ActionType.REMOVE_FROM_QUEUE: frozenset({Role.SUPERVISOR}),
    ActionType.VERIFICATION_RESULT: frozenset({Role.SYSTEM}),
    ActionType.CONFIRM_REGISTRATION: frozenset({Role.SYSTEM}),
    ActionType.AUTHENTICATE: PEOPLE,
    ActionType.FLAG_ATTENTION: frozenset({Role.SYSTEM}),
    ActionType.UPSTREAM_STATUS: frozenset({Role.SYSTEM}),
}
REASON_REQUIRED = frozenset({ActionType.REJECT, ActionType.REJECT_CORRECTION, ActionType.REMOVE_FROM_QUEUE})
# actions a person can ask for by name (CLI `records act`, UI buttons)
USER_ACTIONS = (ActionType.VALIDATE, ActionType.REGISTER, ActionType.REQUEST_CORRECTION,
                ActionType.APPROVE_CORRECTION, ActionType.REJECT_CORRECTION, ActionType.REJECT, ActionType.RETRY,
                ActionType.REMOVE_FROM_QUEUE)

# What each deployment mode lets happen on the device. In `opencrvs` mode OpenCRVS core registers,
# corrects and runs the UIN lifecycle; the device declares (which queues the NOTIFY), verifies
# identities and follows OpenCRVS's answers. A supervisor's local validate/reject has no effect in
# OpenCRVS (a system client may only NOTIFY: opencrvs-core v2.0.0 packages/events/src/router/event/
# actions/index.ts), so neither is offered.
_OPENCRVS_ONLY = frozenset({ActionType.UPSTREAM_STATUS})
_STANDALONE_ONLY = frozenset({ActionType.VALIDATE, ActionType.REGISTER, ActionType.REQUEST_CORRECTION,
                              ActionType.APPROVE_CORRECTION, ActionType.REJECT_CORRECTION, ActionType.REJECT,
                              ActionType.REMOVE_FROM_QUEUE, ActionType.CONFIRM_REGISTRATION})
MODE_ACTIONS: dict[DeploymentMode, frozenset[ActionType]] = {
    DeploymentMode.STANDALONE: frozenset(ActionType) - _OPENCRVS_ONLY,
    DeploymentMode.OPENCRVS: frozenset(ActionType) - _STANDALONE_ONLY,
}


def check_mode(action: ActionType, mode: DeploymentMode) -> None:
    if action not in MODE_ACTIONS[mode]:
        raise WorkflowError(f"'{action.value}' is not done on this device in deployment mode {mode.value}",
                            code="workflow.not_in_this_mode", params={"action": action.value, "mode": mode.value})


def check_permission(action: ActionType, role: Role) -> None:
    if role not in PERMISSIONS[action]:
        allowed = ", ".join(sorted(r.value for r in PERMISSIONS[action]))
        raise PermissionDenied(f"'{action.value}' needs the role {allowed}; you are {role.value}",
                               params={"action": action.value, "roles": allowed, "role": role.value})


def allowed_targets(action: ActionType, current: Status | None) -> frozenset[Status]:
    targets = TRANSITIONS[action].get(current)
    if targets is None:
        where = f"a record in status '{current.value}'" if current else "a new record"
        starts = ", ".join(sorted(s.value if s else "new" for s in TRANSITIONS[action]))
        raise WorkflowError(f"cannot {action.value} {where} (only from: {starts})", code="workflow.wrong_status",
                            params={"action": action.value, "status": current.value if current else "new",
                                    "from": starts})
    return targets


def check_transition(action: ActionType, current: Status | None, target: Status) -> None:
    if target not in allowed_targets(action, current):
        raise WorkflowError(f"{action.value} cannot move a record from "
                            f"'{current.value if current else 'new'}' to '{target.value}'")


def available_actions(current: Status, role: Role,
                      mode: DeploymentMode = DeploymentMode.STANDALONE) -> list[ActionType]:
    """What a person with `role` may try on a record in `current` (for UI buttons)."""
    return [a for a in USER_ACTIONS
            if current in TRANSITIONS[a] and role in PERMISSIONS[a] and a in MODE_ACTIONS[mode]]

"""Input schemas of the events API, checked as zod checks them (issues in zod v4's shape).

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50):
- ``packages/commons/src/events/EventInput.ts``: ``{transactionId: string, type: string,
  createdAtLocation?: UUID | null}`` (a plain object: unknown keys dropped).
- ``packages/commons/src/events/ActionInput.ts`` ``BaseActionInput`` + ``NotifyActionInput``; the notify
  procedure parses it with ``.strict()`` (``router/event/actions/index.ts``): an unknown top-level key is an
  ``unrecognized_keys`` issue.
- ``router/event/actions/createAndNotify.ts`` ``CreateAndNotifyInput``: NotifyActionInput without ``eventId``
  and ``type``, plus ``eventType``, ``createdAtLocation`` required — not strict (unknown keys dropped).
- ``packages/commons/src/events/EventIndex.ts`` ``SearchQuery`` / ``QueryType`` / ``QueryExpression``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import input_error, invalid_type, invalid_uuid, unrecognized_keys

MISSING = object()
NOTIFY_KEYS = ("eventId", "transactionId", "declaration", "annotation", "originalActionId", "keepAssignment",
               "keepAssignmentIfAccepted", "keepAssignmentIfRejected", "waitFor", "createdAtLocation", "type")


# zod v4's z.uuid() (the pattern in events/router/event/__snapshots__/event.actions.notify.test.ts.snap)
UUID_PATTERN = re.compile(r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
                          r"|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$")


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID_PATTERN.match(value) is not None


class Checker:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.issues: list[dict[str, Any]] = []

    def _type(self, key: str, expected: str, value: Any) -> None:
        issue = invalid_type([key], expected, value)
        if value is MISSING:
            issue["message"] = f"Invalid input: expected {expected}, received undefined"
        self.issues.append(issue)

    def string(self, key: str, required: bool = True) -> None:
        value = self.body.get(key, MISSING)
        if value is MISSING and not required:
            return
        if not isinstance(value, str):
            self._type(key, "string", value)

    def uuid(self, key: str, nullable: bool = True, required: bool = False) -> None:
        value = self.body.get(key, MISSING)
        if (value is MISSING and not required) or (value is None and nullable):
            return
        if not isinstance(value, str):
            self._type(key, "string", value)
        elif not is_uuid(value):
            self.issues.append(invalid_uuid([key]))

    def boolean(self, key: str) -> None:
        value = self.body.get(key, MISSING)
        if value is not MISSING and not isinstance(value, bool):
            self._type(key, "boolean", value)

    def record(self, key: str) -> None:
        value = self.body.get(key, MISSING)
        if value is not MISSING and not isinstance(value, dict):
            self._type(key, "record", value)

    def literal(self, key: str, expected: str) -> None:
        value = self.body.get(key, MISSING)
        if value is not MISSING and value != expected:
            self.issues.append({"code": "invalid_value", "values": [expected], "path": [key],
                                "message": f'Invalid input: expected "{expected}"'})

    def strict(self, allowed: tuple[str, ...]) -> None:
        extra = [k for k in self.body if k not in allowed]
        if extra:
            self.issues.append(unrecognized_keys(extra))

    def raise_if_any(self) -> None:
        if self.issues:
            raise input_error(self.issues)


def check_event_input(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise input_error([invalid_type([], "object", body)])
    c = Checker(body)
    c.string("transactionId")
    c.string("type")
    c.uuid("createdAtLocation")
    c.raise_if_any()
    return {k: body.get(k) for k in ("transactionId", "type", "createdAtLocation")}


def _action_fields(c: Checker) -> None:
    c.string("transactionId")
    c.record("declaration")
    c.record("annotation")
    c.uuid("originalActionId", nullable=False)
    for key in ("keepAssignment", "keepAssignmentIfAccepted", "keepAssignmentIfRejected", "waitFor"):
        c.boolean(key)
    c.uuid("createdAtLocation")


def check_notify_input(body: Any) -> dict[str, Any]:
    """``NotifyActionInput.strict()`` over ``{...body, eventId}`` (trpc-to-openapi adds the path parameter)."""
    if not isinstance(body, dict):
        raise input_error([invalid_type([], "object", body)])
    c = Checker(body)
    c.uuid("eventId", nullable=False, required=True)
    _action_fields(c)
    c.literal("type", "NOTIFY")
    c.strict(NOTIFY_KEYS)
    c.raise_if_any()
    return _defaults(body)


def check_create_and_notify_input(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise input_error([invalid_type([], "object", body)])
    c = Checker(body)
    _action_fields(c)
    c.string("eventType")
    c.uuid("createdAtLocation", nullable=False, required=True)
    c.raise_if_any()
    return _defaults(body)


def _defaults(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: body[k] for k in (*NOTIFY_KEYS, "eventType") if k in body}
    out.setdefault("declaration", {})
    out.setdefault("waitFor", True)
    return out


# ------------------------------------------------------------------------------------------ search
EXPRESSION_KEYS = (
    "id", "eventType", "status", "createdAt", "updatedAt", "legalStatuses.DECLARED.createdAtLocation",
    "legalStatuses.DECLARED.createdByRole", "legalStatuses.REGISTERED.acceptedAt",
    "legalStatuses.REGISTERED.createdAtLocation", "legalStatuses.REGISTERED.createdByRole",
    "legalStatuses.REGISTERED.registrationNumber", "createdAtLocation", "updatedAtLocation", "assignedTo",
    "createdByUserType", "updatedByUserRole", "createdBy", "updatedBy", "trackingId", "flags", "data",
)
MAX_QUERY_DEPTH = 8


def check_search_input(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise input_error([invalid_type([], "object", body)])
    issues: list[dict[str, Any]] = []
    query = body.get("query", MISSING)
    if isinstance(query, str):
        try:
            query = json.loads(query)
        except ValueError:
            query = MISSING
    _check_query(query, ["query"], issues, 0)
    for key in ("limit", "offset"):
        value = body.get(key, MISSING)
        if value is not MISSING and (not isinstance(value, int | float) or isinstance(value, bool)):
            issues.append(invalid_type([key], "number", value))
    sort = body.get("sort", [])
    if isinstance(sort, str):
        try:
            sort = json.loads(sort)
        except ValueError:
            sort = None
    if not isinstance(sort, list) or not all(isinstance(s, dict) and isinstance(s.get("field"), str)
                                             and s.get("direction", "asc") in ("asc", "desc") for s in sort):
        issues.append(invalid_type(["sort"], "array", sort))
        sort = []
    if issues:
        raise input_error(issues)
    order = [(s["field"], s.get("direction", "asc") == "desc") for s in sort] or [("updatedAt", True)]
    return {"query": query, "limit": int(body.get("limit", 100)), "offset": int(body.get("offset", 0)),
            "sort": order}


def _check_query(query: Any, path: list[str | int], issues: list[dict[str, Any]], depth: int) -> None:
    if depth > MAX_QUERY_DEPTH or not isinstance(query, dict):
        issues.append(invalid_type(path, "object", None if query is MISSING else query))
        return
    if query.get("type") not in ("and", "or"):
        issues.append({"code": "invalid_union", "errors": [], "path": [*path, "type"], "message": "Invalid input"})
    clauses = query.get("clauses")
    if not isinstance(clauses, list) or not clauses:
        issues.append({"origin": "array", "code": "too_small", "minimum": 1, "inclusive": True,
                       "path": [*path, "clauses"], "message": "At least one clause is required."})
        return
    for i, clause in enumerate(clauses):
        if isinstance(clause, dict) and "clauses" in clause:
            _check_query(clause, [*path, "clauses", i], issues, depth + 1)
        elif not isinstance(clause, dict) or not any(clause.get(k) is not None for k in EXPRESSION_KEYS):
            issues.append({"code": "custom", "path": [*path, "clauses", i],
                           "message": "At least one query field must be specified."})

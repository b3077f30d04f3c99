"""``POST /events/events/search`` over the events' current state (``EventIndex``).

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50), ``packages/``:
- ``events/src/router/event/index.ts`` ``search``: ``canSearchEvents`` (403 without ``record.search``), then
  ``SearchQuery``; the answer is ``{results: EventIndex[], total}``.
- ``events/src/service/indexing/indexing.ts`` ``findRecordsByQuery``: results without the form's ``secured``
  fields (``indexing/utils.ts`` ``removeSecuredFields``: in Farajaland ``child.dob``, ``mother.dob``,
  addresses, the informant's phone and email…) — a query may still match on them.
- ``events/src/service/events/events.ts`` ``ensureEventIndexed``: only an event whose status is not CREATED
  is indexed — a record whose NOTIFY is still Requested (202) or was Rejected is not found by search.
- ``commons/src/events/EventIndex.ts`` ``QueryExpression``: ``id``, ``eventType``, ``status`` (exact / anyOf),
  ``trackingId``, ``flags`` {anyOf, noneOf}, ``legalStatuses.REGISTERED.registrationNumber``, locations,
  users, dates, ``data`` (``{"child.nid": {type: "exact", term}}``, ``fuzzy`` for text); clauses combine
  with ``and`` / ``or``, nested.
- ``record.search`` options: the ``event`` option limits the event types returned.
Emulator conventions: ``fuzzy`` is a case-insensitive substring match (Elasticsearch's fuzziness is not
modelled); ``within`` matches the location itself or an administrative area above it; without ``sort`` the
order is ``updatedAt`` descending (core: ``_score`` then ``updatedAt`` descending; every match scores alike here).
"""

from __future__ import annotations

from typing import Any

from . import inputs, state
from .auth import Principal
from .errors import TrpcError
from .forms import Country
from .store import Store


def search(store: Store, country: Country, principal: Principal, body: Any) -> dict[str, Any]:
    if not principal.scopes_of("record.search"):
        raise TrpcError("FORBIDDEN")
    data = inputs.check_search_input(body)
    results = []
    for event in store.events.values():
        if state.status_of(event) == "CREATED" or not principal.allows("record.search", event["type"]):
            continue
        index = state.event_index(event)
        if _matches_query(index, data["query"], country):
            form = country.forms[event["type"]]
            index["declaration"] = {k: v for k, v in index["declaration"].items()
                                    if not (k in form.by_id and form.by_id[k].secured)}
            results.append(index)
    for key, descending in reversed(data["sort"]):
        results.sort(key=lambda r, k=key: _text(_path(r, k)), reverse=descending)
    offset, limit = max(0, data["offset"]), max(0, data["limit"])
    return {"results": results[offset:offset + limit], "total": len(results)}


def _matches_query(index: dict[str, Any], query: dict[str, Any], country: Country) -> bool:
    outcomes = (_matches_query(index, c, country) if "clauses" in c else _matches_expression(index, c, country)
                for c in query["clauses"])
    return all(outcomes) if query["type"] == "and" else any(outcomes)


def _path(index: dict[str, Any], dotted: str) -> Any:
    if dotted.startswith("legalStatuses."):
        _, status, key = dotted.split(".", 2)
        return (index.get("legalStatuses", {}).get(status) or {}).get(key)
    return index.get(dotted)


def _matches_expression(index: dict[str, Any], expr: dict[str, Any], country: Country) -> bool:
    for key, condition in expr.items():
        if condition is None:
            continue
        if key == "eventType":
            ok = index["type"] == condition
        elif key == "id":
            ok = index["id"] == condition
        elif key == "flags":
            flags = set(index.get("flags", []))
            ok = (not condition.get("anyOf") or bool(flags & set(condition["anyOf"]))) and not (
                flags & set(condition.get("noneOf") or []))
        elif key == "data":
            ok = all(_matches_value(index["declaration"].get(field), cond, country)
                     for field, cond in condition.items() if isinstance(cond, dict))
        elif key in inputs.EXPRESSION_KEYS:
            ok = _matches_value(_path(index, key), condition, country)
        else:
            continue  # QueryExpression is not strict: unknown keys are dropped
        if not ok:
            return False
    return True


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values() if v is not None)
    return "" if value is None else str(value)


def _matches_value(value: Any, condition: Any, country: Country) -> bool:
    if not isinstance(condition, dict):
        return False
    kind = condition.get("type")
    if kind == "exact":
        return value == condition.get("term") or (isinstance(value, str) and value[:10] == condition.get("term"))
    if kind == "anyOf":
        return value in (condition.get("terms") or [])
    if kind == "fuzzy":
        return str(condition.get("term", "")).lower() in _text(value).lower()
    if kind == "range":
        text = _text(value)[: len(str(condition.get("lte", "")))]
        return bool(text) and str(condition.get("gte", "")) <= text <= str(condition.get("lte", ""))
    if kind == "within":
        return value is not None and condition.get("location") in _ancestors(value, country)
    return False


def _ancestors(location_id: str, country: Country) -> set[str]:
    parents = {a["id"]: a.get("parentId") for a in country.administrative_areas}
    out = {location_id}
    loc = next((x for x in country.locations if x["id"] == location_id), None)
    current = loc.get("administrativeAreaId") if loc else parents.get(location_id)
    while current and current not in out:
        out.add(current)
        current = parents.get(current)
    return out

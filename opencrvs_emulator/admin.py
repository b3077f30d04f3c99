"""``/admin`` test controls (never faulted): a registrar's work, the country hook, faults, counters, clients.

| path | what |
|---|---|
| ``GET /admin/health`` | ``{"status": "UP"}`` |
| ``GET /admin/state`` | every event (document + index), pending actions, hook, faults, counters |
| ``GET /admin/counters`` | events created per type, actions per kind and status (totals and per event) |
| ``GET /admin/clients``, ``POST /admin/clients`` | integrations: ``{name, scopes[], client_id?, secret?}`` |
| ``POST /admin/clients/{id}/status`` | ``{"status": "active" or "disabled"}`` |
| ``GET/POST /admin/hook`` | ``{"mode": accept/reject/async/fail, "accept_after": s or null, "url": … or null}`` |
| ``GET /admin/pending`` | Requested actions the country configuration has not answered |
| ``POST /admin/events/{id}/confirm`` | ``{"action_id"?, "accept": true, "declaration"?}``: the country's later answer |
| ``POST /admin/events/{id}/register`` | ``{"registration_number"?, "nid"?, "pending"?: bool, "declaration"?}`` |
| ``POST /admin/events/{id}/confirm-registration`` | ``{"registration_number"?, "nid"?, "accept"?: bool}`` |
| ``POST /admin/events/{id}/reject`` | ``{"reason": "…"}`` |
| ``POST /admin/events/{id}/validate`` | a registrar's EDIT + DECLARE (flag ``validated``) |
| ``POST /admin/events/{id}/assign`` / ``unassign`` | a user takes / releases the record (409 for a client) |
| ``GET /admin/events[?transactionId=…]`` | events (holding that transactionId or ``<it>:create``), with actions |
| ``GET /admin/events/{id}`` | the event and its index, without appending a READ |
| ``GET/POST/DELETE /admin/faults`` | ``{"spec": "lost_reply=1,path=/events/events/notify,times=1"}`` |
| ``POST /admin/files`` | ``{"path": …}``: a document the documents service holds (FILE values) |
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import state
from .auth import SystemClient
from .engine import Hook
from .errors import HTTP_STATUS, TrpcError
from .faults import FaultRule

if TYPE_CHECKING:
    from .app import Emulator

Handler = Callable[[Request, dict[str, Any]], Awaitable[Any]]


def _wrap(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        body: dict[str, Any] = {}
        raw = await request.body()
        if raw.strip():
            try:
                parsed = json.loads(raw)
            except ValueError:
                return JSONResponse({"error": "body is not JSON"}, status_code=400)
            if not isinstance(parsed, dict):
                return JSONResponse({"error": "body must be a JSON object"}, status_code=400)
            body = parsed
        try:
            return JSONResponse(await fn(request, body))
        except TrpcError as exc:
            return JSONResponse({"error": exc.message, "code": exc.code}, status_code=HTTP_STATUS.get(exc.code, 500))
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    return endpoint


def admin_routes(emu: Emulator) -> list[Route]:
    engine, registrar = emu.engine, emu.registrar

    def event_id(request: Request) -> str:
        return str(request.path_params["event_id"])

    async def health(request: Request, body: dict[str, Any]) -> Any:
        return {"status": "UP", "base_url": emu.base_url}

    async def full_state(request: Request, body: dict[str, Any]) -> Any:
        events = [{"document": e, "index": state.event_index(e)} for e in engine.store.events.values()]
        return {"events": events, "pending": engine.pending_actions(), "hook": hook_state(),
                "faults": emu.faults.describe(), "counters": emu.counters()}

    async def counters(request: Request, body: dict[str, Any]) -> Any:
        return emu.counters()

    async def clients(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            scopes = body["scopes"]
            if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) for s in scopes):
                raise ValueError("scopes: a non-empty list of encoded scopes")
            client = SystemClient(str(body.get("client_id") or uuid.uuid4()), str(body.get("secret") or uuid.uuid4()),
                                  str(body.get("name") or "integration"), scopes)
            emu.auth.add_client(client)
        return [{**c.public(), "secret": c.secret} for c in emu.auth.clients.values()]

    async def client_status(request: Request, body: dict[str, Any]) -> Any:
        client = emu.auth.clients[str(request.path_params["client_id"])]
        if body.get("status") not in ("active", "disabled"):
            raise ValueError("status: active or disabled")
        client.status = body["status"]
        return client.public()

    def hook_state() -> dict[str, Any]:
        return {"mode": engine.hook.mode, "accept_after": engine.hook.accept_after, "url": engine.hook.url,
                "calls": engine.hook.calls}

    async def hook(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            mode = body.get("mode", engine.hook.mode)
            if mode not in Hook.MODES:
                raise ValueError(f"mode: one of {', '.join(Hook.MODES)}")
            after = body.get("accept_after")
            if after is not None and (not isinstance(after, int | float) or after < 0):
                raise ValueError("accept_after: seconds, or null")
            url = body.get("url", engine.hook.url)
            if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
                raise ValueError("url: an http(s) base URL of a country configuration, or null")
            engine.hook.mode, engine.hook.accept_after, engine.hook.url = mode, after, url
        return hook_state()

    async def pending(request: Request, body: dict[str, Any]) -> Any:
        return engine.pending_actions()

    async def confirm(request: Request, body: dict[str, Any]) -> Any:
        eid = event_id(request)
        action_id = body.get("action_id")
        if action_id is None:
            waiting = [p for p in engine.pending_actions() if p["eventId"] == eid]
            if not waiting:
                raise TrpcError("NOT_FOUND", "Action not found.")
            action_id = waiting[-1]["actionId"]
        return engine.confirm(eid, str(action_id), bool(body.get("accept", True)),
                              {"declaration": body.get("declaration")} if body.get("declaration") else None)

    async def register(request: Request, body: dict[str, Any]) -> Any:
        return registrar.register(event_id(request), registration_number=body.get("registration_number"),
                                  nid=body.get("nid"), pending=bool(body.get("pending", False)),
                                  declaration=body.get("declaration"))

    async def confirm_registration(request: Request, body: dict[str, Any]) -> Any:
        return registrar.confirm(event_id(request), registration_number=body.get("registration_number"),
                                 nid=body.get("nid"), accept=bool(body.get("accept", True)))

    async def reject(request: Request, body: dict[str, Any]) -> Any:
        return registrar.reject(event_id(request), str(body.get("reason") or ""))

    async def validate(request: Request, body: dict[str, Any]) -> Any:
        return registrar.validate(event_id(request), body.get("declaration"))

    async def assign(request: Request, body: dict[str, Any]) -> Any:
        return registrar.assign(event_id(request))

    async def unassign(request: Request, body: dict[str, Any]) -> Any:
        return registrar.unassign(event_id(request))

    async def listing(request: Request, body: dict[str, Any]) -> Any:
        tid = request.query_params.get("transactionId")
        out = []
        for event in engine.store.events.values():
            tids = {a["transactionId"] for a in event["actions"]}
            if tid and not ({tid, f"{tid}:create"} & tids):
                continue
            out.append({"id": event["id"], "type": event["type"], "trackingId": event["trackingId"],
                        "status": state.status_of(event), "flags": state.flags_of(event),
                        "actions": [{"type": a["type"], "status": a["status"], "transactionId": a["transactionId"]}
                                    for a in event["actions"] if a["type"] not in ("READ", "ASSIGN", "UNASSIGN")]})
        return out

    async def show(request: Request, body: dict[str, Any]) -> Any:
        event = engine.store.get(event_id(request))
        if event is None:
            raise TrpcError("NOT_FOUND", "Event not found")
        return {"document": event, "index": state.event_index(event)}

    async def faults(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            emu.faults.add(FaultRule.parse(body["spec"]))
        elif request.method == "DELETE":
            emu.faults.clear()
        return emu.faults.describe()

    async def files(request: Request, body: dict[str, Any]) -> Any:
        engine.known_files.add(str(body["path"]))
        return sorted(engine.known_files)

    table: list[tuple[str, Handler, list[str]]] = [
        ("/admin/health", health, ["GET"]), ("/admin/state", full_state, ["GET"]),
        ("/admin/counters", counters, ["GET"]), ("/admin/clients", clients, ["GET", "POST"]),
        ("/admin/clients/{client_id}/status", client_status, ["POST"]), ("/admin/hook", hook, ["GET", "POST"]),
        ("/admin/pending", pending, ["GET"]), ("/admin/events", listing, ["GET"]),
        ("/admin/events/{event_id}", show, ["GET"]),
        ("/admin/events/{event_id}/confirm", confirm, ["POST"]),
        ("/admin/events/{event_id}/register", register, ["POST"]),
        ("/admin/events/{event_id}/confirm-registration", confirm_registration, ["POST"]),
        ("/admin/events/{event_id}/reject", reject, ["POST"]),
        ("/admin/events/{event_id}/validate", validate, ["POST"]),
        ("/admin/events/{event_id}/assign", assign, ["POST"]),
        ("/admin/events/{event_id}/unassign", unassign, ["POST"]),
        ("/admin/faults", faults, ["GET", "POST", "DELETE"]), ("/admin/files", files, ["POST"]),
    ]
    return [Route(path, _wrap(fn), methods=methods) for path, fn, methods in table]

"""The emulator's HTTP face: OpenCRVS's gateway paths for a system client, and ``/admin`` test controls.

| path | OpenCRVS |
|---|---|
| ``POST /auth/token`` | auth ``/token``, proxied by the gateway (``packages/gateway/src/config/proxies.ts``) |
| ``GET /auth/.well-known`` | auth's public key (PEM), as opencrvs/mosip fetches it |
| ``GET /events/config`` | events ``event.config.get`` (REST ``/config``) |
| ``GET /events/locations`` | events ``locations.list`` (REST ``/locations``) |
| ``GET /events/administrativeAreas.list`` | events ``administrativeAreas.list`` (tRPC only) |
| ``POST /events/events`` | ``event.create`` |
| ``POST /events/events/notify`` | ``event.actions.createAndNotify.request`` |
| ``POST /events/events/search`` | ``event.search`` |
| ``GET /events/events/{eventId}`` | ``event.get`` |
| ``POST /events/events/{eventId}/notify`` | ``event.actions.notify.request`` |
| ``POST /events/event.actions.<declare|register|…>.request`` | tRPC, human users only: 403 for a system client |

The gateway checks the JWT (401 in Hapi's shape, :mod:`.auth`) and forwards ``/events/<path>`` to the events
service (``packages/gateway/src/v2-events/event-config/routes.ts``); REST errors follow trpc-to-openapi
(:mod:`.errors`). A missing ``Content-Type`` counts as JSON (``packages/events/src/server.ts``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import country_hook
from . import search as search_module
from .admin import admin_routes
from .auth import AuthService, Principal, seeded_clients
from .engine import Engine, Hook
from .errors import TrpcError, rest_error, trpc_error
from .faults import FaultInjector, FaultMiddleware
from .forms import DEFAULT_COUNTRY, load_country
from .registrar import Registrar

GATEWAY_MAX_BODY = 52_428_800  # packages/gateway/src/server.ts payload.maxBytes (Hapi answers 413)
EVENTS_MAX_BODY = 100_000  # trpc-to-openapi 3.2.0 getBody: co-body limit BODY_100_KB (maxBodySize unset)
AUTH_MAX_BODY = 1_048_576  # Hapi's default payload.maxBytes on the auth service
MAX_DEPTH = 64
log = logging.getLogger("opencrvs_emulator")
USER_ONLY_ACTIONS = ("declare", "register", "reject", "archive", "edit", "printCertificate", "custom", "assign",
                     "unassign", "validate")


class PayloadTooLarge(Exception):
    """A body over a Hapi limit (the gateway's or the auth service's): Hapi's own 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _hapi_too_large(limit: int) -> Response:
    return JSONResponse({"statusCode": 413, "error": "Request Entity Too Large",
                         "message": f"Payload content length greater than maximum allowed: {limit}"}, status_code=413)


async def _read_body(request: Request, hapi_limit: int, limit: int) -> bytes:
    """The body; over Hapi's limit → PayloadTooLarge, over a lower ``limit`` → tRPC's PAYLOAD_TOO_LARGE."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > hapi_limit:
        raise PayloadTooLarge(hapi_limit)
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            if limit >= hapi_limit:
                raise PayloadTooLarge(hapi_limit)
            raise TrpcError("PAYLOAD_TOO_LARGE", "Request body too large")
    return raw


def _depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class Emulator:
    """Everything the emulator holds; ``asgi_app()`` serves it. Mutated only from its event loop."""

    def __init__(self, country_path: Path | str = DEFAULT_COUNTRY, *, hook: Hook | None = None,
                 token_seconds: int = 600) -> None:
        self.country = load_country(country_path)
        self.engine = Engine(self.country, hook=hook)
        self.registrar = Registrar(self.engine)
        self.auth = AuthService(token_seconds)
        self.engine.action_token = self.auth.action_token
        for client in seeded_clients(sorted(self.country.forms)):
            self.auth.add_client(client)
        self.faults = FaultInjector()
        self.base_url = "http://127.0.0.1"
        self.loop: asyncio.AbstractEventLoop | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.loop = asyncio.get_running_loop()
        self.engine.loop = self.loop
        yield

    def asgi_app(self) -> FaultMiddleware:
        routes = [
            Route("/auth/token", self.token, methods=["POST"]),
            Route("/auth/.well-known", self.public_key, methods=["GET"]),
            Route("/events/config", self._rest("event.config.get", self.config), methods=["GET"]),
            Route("/events/locations", self._rest("locations.list", self.locations), methods=["GET"]),
            Route("/events/administrativeAreas.list", self.administrative_areas, methods=["GET"]),
            Route("/events/events", self._rest("event.create", self.create), methods=["POST"]),
            Route("/events/events/notify", self._rest("event.actions.createAndNotify.request",
                                                      self.create_and_notify), methods=["POST"]),
            Route("/events/events/search", self._rest("event.search", self.search), methods=["POST"]),
            Route("/events/events/{event_id}", self._rest("event.get", self.get_event), methods=["GET"]),
            Route("/events/events/{event_id}/notify", self._rest("event.actions.notify.request", self.notify),
                  methods=["POST"]),
            Route("/events/{procedure:path}", self.trpc_or_not_found,
                  methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            *admin_routes(self),
        ]
        return FaultMiddleware(Starlette(routes=routes, lifespan=self.lifespan), self.faults)

    # ------------------------------------------------------------------------------------------ auth
    async def token(self, request: Request) -> Response:
        params = {k: v[0] for k, v in parse_qs(request.url.query).items()}
        try:
            raw = await _read_body(request, AUTH_MAX_BODY, AUTH_MAX_BODY)
        except PayloadTooLarge as exc:
            return _hapi_too_large(exc.limit)
        if raw:
            ctype = request.headers.get("content-type", "")
            body: Any = None
            if "json" in ctype:
                with contextlib.suppress(ValueError):
                    body = json.loads(raw)
            else:
                body = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            if isinstance(body, dict):
                # getParam: the body's value when truthy, else the query's
                params.update({k: str(v) for k, v in body.items() if v})
        status, answer = self.auth.issue(params)
        self.engine.store.count("tokens", "issued" if status == 200 else f"refused_{status}")
        return JSONResponse(answer, status_code=status, headers={"Cache-Control": "no-store"})

    async def public_key(self, request: Request) -> Response:
        return PlainTextResponse(self.auth.public_key_pem())

    # ------------------------------------------------------------------------------------------ REST glue
    def _rest(self, path: str, handler: Callable[[Principal, Request, Any], Awaitable[Any]]
              ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            refused = self._gateway_refusal(request)
            if refused is not None:
                return refused
            try:
                principal, problem = self.auth.principal(request.headers.get("authorization"))
                body: Any = None
                if request.method == "POST":
                    body = await self._json_body(request)
                if principal is None:
                    raise TrpcError("UNAUTHORIZED", problem)
                return JSONResponse(await handler(principal, request, body))
            except TrpcError as exc:
                return rest_error(exc, path)
            except PayloadTooLarge as exc:
                return _hapi_too_large(exc.limit)
            except Exception:  # an emulator bug answers as core's unexpected errors do, and is logged
                log.exception("unexpected error on %s", path)
                return rest_error(TrpcError("INTERNAL_SERVER_ERROR"), path)

        return endpoint

    def _gateway_refusal(self, request: Request) -> Response | None:
        message = self.auth.gateway_refusal(request.headers.get("authorization"))
        if message is None:
            return None
        header = 'Token' if message == "Missing authentication" else f'Token error="{message}"'
        return JSONResponse({"statusCode": 401, "error": "Unauthorized", "message": message}, status_code=401,
                            headers={"WWW-Authenticate": header})

    @staticmethod
    async def _json_body(request: Request) -> Any:
        ctype = request.headers.get("content-type") or "application/json"
        if not ctype.startswith("application/json"):
            raise TrpcError("UNSUPPORTED_MEDIA_TYPE", f'Unsupported content-type "{ctype}')
        if ctype != "application/json":
            # trpc-to-openapi parses only an exact "application/json": with parameters (charset=…) the
            # body is ignored and the procedure sees the path parameters alone
            await _read_body(request, GATEWAY_MAX_BODY, GATEWAY_MAX_BODY)
            return {}
        raw = await _read_body(request, GATEWAY_MAX_BODY, EVENTS_MAX_BODY)
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise TrpcError("PARSE_ERROR", "Failed to parse request body") from exc
        if _depth(body) > MAX_DEPTH:  # emulator bound: core has none, our recursion has one
            raise TrpcError("PARSE_ERROR", "Failed to parse request body")
        return body

    async def trpc_or_not_found(self, request: Request) -> Response:
        procedure = request.path_params["procedure"]
        parts = procedure.split(".")
        refused = self._gateway_refusal(request)
        if refused is not None:
            return refused
        if len(parts) == 4 and parts[:2] == ["event", "actions"] and parts[3] in ("accept", "reject"):
            return await self.confirmation(request, procedure, parts[3] == "accept")
        if len(parts) == 4 and parts[:2] == ["event", "actions"] and parts[2] in USER_ONLY_ACTIONS:
            principal, problem = self.auth.principal(request.headers.get("authorization"))
            if principal is None:
                return trpc_error(TrpcError("UNAUTHORIZED", problem), procedure)
            if principal.user_type == "system":  # userOnlyProcedure
                return trpc_error(TrpcError("FORBIDDEN"), procedure)
            return trpc_error(TrpcError("NOT_FOUND", "Not emulated"), procedure)
        return rest_error(TrpcError("NOT_FOUND", "Not found"), None)

    async def confirmation(self, request: Request, procedure: str, accept: bool) -> Response:
        """tRPC ``event.actions.<action>.accept|reject``: a country configuration's later answer (202 flow)."""
        principal, problem = self.auth.principal(request.headers.get("authorization"))
        try:
            if principal is None:
                raise TrpcError("UNAUTHORIZED", problem)
            body = await self._json_body(request) if request.method == "POST" else {}
            data = body.get("json", body) if isinstance(body, dict) else None
            if not isinstance(data, dict):
                raise TrpcError("BAD_REQUEST", "Input validation failed")
            country_hook.check_confirmation(principal, data.get("eventId"), data.get("actionId"))
            event = self.engine.confirm(str(data["eventId"]), str(data["actionId"]), accept, data)
        except TrpcError as exc:
            return trpc_error(exc, procedure)
        return JSONResponse({"result": {"data": {"json": event}}})

    # ------------------------------------------------------------------------------------------ handlers
    async def config(self, principal: Principal, request: Request, body: Any) -> Any:
        return [form.config() for form in self.country.forms.values()]

    async def locations(self, principal: Principal, request: Request, body: Any) -> Any:
        q = request.query_params
        out = self.country.locations
        if q.get("locationType"):
            out = [x for x in out if x.get("locationType") == q["locationType"]]
        if q.get("externalId"):
            out = [x for x in out if x.get("externalId") == q["externalId"]]
        ids = q.getlist("locationIds")
        if ids:
            out = [x for x in out if x["id"] in ids]
        return out

    async def administrative_areas(self, request: Request) -> Response:
        refused = self._gateway_refusal(request)
        if refused is not None:
            return refused
        principal, problem = self.auth.principal(request.headers.get("authorization"))
        if principal is None:
            return trpc_error(TrpcError("UNAUTHORIZED", problem), "administrativeAreas.list")
        return JSONResponse({"result": {"data": {"json": self.country.administrative_areas}}})

    async def create(self, principal: Principal, request: Request, body: Any) -> Any:
        return self.engine.create_event(principal, body)

    async def notify(self, principal: Principal, request: Request, body: Any) -> Any:
        return self.engine.notify(principal, request.path_params["event_id"], body)

    async def create_and_notify(self, principal: Principal, request: Request, body: Any) -> Any:
        return self.engine.create_and_notify(principal, body)

    async def get_event(self, principal: Principal, request: Request, body: Any) -> Any:
        return self.engine.get_event(principal, request.path_params["event_id"])

    async def search(self, principal: Principal, request: Request, body: Any) -> Any:
        return search_module.search(self.engine.store, self.country, principal, body)

    # ------------------------------------------------------------------------------------------ inspection
    def counters(self) -> dict[str, Any]:
        store = self.engine.store
        totals: dict[str, int] = {}
        for name, per_key in store.counters.items():
            totals[name] = sum(per_key.values())
        return {"totals": totals, "by_key": {k: dict(v) for k, v in store.counters.items()},
                "hook_calls": self.engine.hook.calls, "tokens_issued": self.auth.tokens_issued}

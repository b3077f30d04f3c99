"""Fault injection: latency, 5xx, timeouts, connection resets and "processed but reply lost".

A fault spec is a comma-separated list of ``key=value``::

    latency=50ms            added to every matching request (``ms`` or ``s``; plain number = seconds)
    5xx=0.2                 answer 503 without processing, with this probability
    timeout=0.1             hold the request ``timeout_seconds`` (default 30), then answer 504 unprocessed
    reset=0.05              close the TCP connection with a RST, without an answer, unprocessed
    lost_reply=0.05         process the request fully, then drop the connection (the effect happened)
    path=/idauthentication  only requests whose path starts with this prefix (repeatable with |)
    method=POST             only this method
    seed=42                 seeded RNG (one per rule) for reproducible runs
    timeout_seconds=5

Several rules may apply; each matching rule draws once per request.  ``/admin`` is never faulted.
A connection reset needs the socket, which ASGI does not expose: ``tracking_protocol()`` makes a uvicorn
protocol class that records each connection's transport by client address, and the middleware aborts
that transport (SO_LINGER 0, so the peer sees ECONNRESET rather than a clean EOF).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EXEMPT_PREFIXES = ("/admin",)
KINDS = ("5xx", "timeout", "reset", "lost_reply")


def _duration(text: str) -> float:
    t = text.strip().lower()
    if t.endswith("ms"):
        return float(t[:-2]) / 1000.0
    if t.endswith("s"):
        return float(t[:-1])
    return float(t)


@dataclass
class FaultRule:
    latency: float = 0.0
    p_5xx: float = 0.0
    p_timeout: float = 0.0
    p_reset: float = 0.0
    p_lost_reply: float = 0.0
    paths: tuple[str, ...] = ()
    method: str | None = None
    seed: int | None = None
    timeout_seconds: float = 30.0
    spec: str = ""
    rng: random.Random = field(default_factory=random.Random, repr=False)
    hits: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @classmethod
    def parse(cls, spec: str | dict[str, Any]) -> FaultRule:
        items: dict[str, Any]
        if isinstance(spec, dict):
            items = {str(k): v for k, v in spec.items()}
            text = json.dumps(spec, sort_keys=True)
        else:
            text = spec
            items = {}
            for part in spec.split(","):
                part = part.strip()
                if not part:
                    continue
                if "=" not in part:
                    raise ValueError(f"fault spec item {part!r} is not key=value")
                k, v = part.split("=", 1)
                items[k.strip()] = v.strip()
        rule = cls(spec=text)
        for key, value in items.items():
            if key == "latency":
                rule.latency = _duration(str(value))
            elif key in ("5xx", "p_5xx"):
                rule.p_5xx = float(value)
            elif key in ("timeout", "p_timeout"):
                rule.p_timeout = float(value)
            elif key in ("reset", "p_reset"):
                rule.p_reset = float(value)
            elif key in ("lost_reply", "p_lost_reply"):
                rule.p_lost_reply = float(value)
            elif key in ("path", "paths", "prefix"):
                values = value if isinstance(value, list) else str(value).split("|")
                rule.paths = tuple(str(v) for v in values if str(v))
            elif key == "method":
                rule.method = str(value).upper()
            elif key == "seed":
                rule.seed = int(value)
            elif key == "timeout_seconds":
                rule.timeout_seconds = _duration(str(value))
            else:
                raise ValueError(f"unknown fault key {key!r}")
        total = rule.p_5xx + rule.p_timeout + rule.p_reset + rule.p_lost_reply
        if total > 1.0 + 1e-9 or min(rule.p_5xx, rule.p_timeout, rule.p_reset, rule.p_lost_reply) < 0:
            raise ValueError(f"fault probabilities must be in [0, 1] and sum to at most 1: {text}")
        rule.rng = random.Random(rule.seed)
        return rule

    def matches(self, path: str, method: str) -> bool:
        if self.method and method != self.method:
            return False
        return not self.paths or any(path.startswith(p) for p in self.paths)

    def draw(self) -> str | None:
        r = self.rng.random()
        edge = 0.0
        for kind, p in (("reset", self.p_reset), ("lost_reply", self.p_lost_reply),
                        ("timeout", self.p_timeout), ("5xx", self.p_5xx)):
            edge += p
            if r < edge:
                return kind
        return None

    def describe(self) -> dict[str, Any]:
        return {"spec": self.spec, "latency": self.latency, "5xx": self.p_5xx, "timeout": self.p_timeout,
                "reset": self.p_reset, "lost_reply": self.p_lost_reply, "paths": list(self.paths),
                "method": self.method, "seed": self.seed, "timeout_seconds": self.timeout_seconds,
                "hits": dict(self.hits)}


class ConnectionRegistry:
    """Transports of open connections, by client (host, port)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_client: dict[tuple[str, int], asyncio.Transport] = {}

    def add(self, client: tuple[str, int] | None, transport: asyncio.Transport) -> None:
        if client:
            with self._lock:
                self._by_client[(client[0], int(client[1]))] = transport

    def remove(self, client: tuple[str, int] | None, transport: asyncio.Transport) -> None:
        if client:
            with self._lock:
                key = (client[0], int(client[1]))
                if self._by_client.get(key) is transport:
                    del self._by_client[key]

    def get(self, client: Any) -> asyncio.Transport | None:
        if not client:
            return None
        with self._lock:
            return self._by_client.get((client[0], int(client[1])))


def tracking_protocol(registry: ConnectionRegistry) -> type[asyncio.Protocol]:
    """A uvicorn h11 protocol class that records transports in ``registry``."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TrackingH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
            registry.add(self.client, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            registry.remove(self.client, self.transport)
            super().connection_lost(exc)

    return TrackingH11Protocol


def abort_connection(transport: asyncio.Transport | None, rst: bool = True) -> bool:
    if transport is None or transport.is_closing():
        return False
    if rst:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
    transport.abort()
    return True


class FaultInjector:
    """Holds the active rules; thread-safe add/clear (runtime ``/admin/faults``)."""

    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = list(rules or [])
        self.registry = ConnectionRegistry()
        self.injected: dict[str, int] = {}

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def snapshot(self) -> list[FaultRule]:
        with self._lock:
            return list(self.rules)

    def note(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1

    def describe(self) -> dict[str, Any]:
        return {"rules": [r.describe() for r in self.snapshot()], "injected": dict(self.injected)}


class FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        rules = [r for r in self.injector.snapshot() if r.matches(scope["path"], scope["method"])]
        if not rules:
            await self.app(scope, receive, send)
            return
        latency = sum(r.latency for r in rules)
        fault: str | None = None
        chosen: FaultRule | None = None
        for rule in rules:
            kind = rule.draw()
            if kind and fault is None:
                fault, chosen = kind, rule
        if latency > 0:
            await asyncio.sleep(latency)
        if fault is None or chosen is None:
            await self.app(scope, receive, send)
            return
        chosen.hits[fault] = chosen.hits.get(fault, 0) + 1
        self.injector.note(fault)
        transport = self.injector.registry.get(scope.get("client"))
        if fault == "5xx":
            await _drain(receive)
            await _send_json(send, 503, {"errors": [{"errorCode": "EMU-FLT-503",
                                                     "message": "Service unavailable (injected fault)"}]})
        elif fault == "timeout":
            await _drain(receive)
            try:  # hold the request; stop holding when the client gives up (disconnects)
                await asyncio.wait_for(_until_disconnect(receive), timeout=chosen.timeout_seconds)
                return
            except TimeoutError:
                pass
            except asyncio.CancelledError:  # server shutting down while holding: nothing to answer
                return
            await _send_json(send, 504, {"errors": [{"errorCode": "EMU-FLT-504",
                                                     "message": "Gateway timeout (injected fault)"}]})
        elif fault == "reset":
            await _drain(receive)
            abort_connection(transport, rst=True)
            await asyncio.sleep(0)
        elif fault == "lost_reply":
            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            abort_connection(transport, rst=True)
            await asyncio.sleep(0)


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})

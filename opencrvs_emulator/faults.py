"""Fault injection for the client's exactly-once tests (``/admin`` is never faulted).

A rule is ``key=value`` items, comma-separated (or the same keys as a JSON object)::

    5xx=1                 answer 503 without processing
    timeout=1             hold the request ``timeout_seconds`` (default 30) or until the client gives up
    reset=1               close the connection with a TCP RST, unprocessed
    lost_reply=1          process the request fully (the effect is committed), then RST instead of the answer
    latency=200ms         delay before processing
    path=/events/events|/auth/token   only requests whose path starts with one of these
    method=POST           only this method
    times=2               only the next 2 matching requests (then the rule is spent)
    seed=7                reproducible draws for probabilities below 1

A reset needs the socket, which ASGI hides: ``tracking_protocol()`` records each connection's transport.
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
KINDS = ("reset", "lost_reply", "timeout", "5xx")


def _seconds(text: str) -> float:
    t = text.strip().lower()
    if t.endswith("ms"):
        return float(t[:-2]) / 1000
    return float(t[:-1]) if t.endswith("s") else float(t)


@dataclass
class FaultRule:
    p: dict[str, float] = field(default_factory=dict)
    latency: float = 0.0
    paths: tuple[str, ...] = ()
    method: str | None = None
    times: int | None = None
    timeout_seconds: float = 30.0
    spec: str = ""
    rng: random.Random = field(default_factory=random.Random)
    hits: int = 0

    @classmethod
    def parse(cls, spec: str | dict[str, Any]) -> FaultRule:
        items = dict(spec) if isinstance(spec, dict) else dict(
            part.split("=", 1) for part in (p.strip() for p in spec.split(",")) if part and "=" in part)
        if isinstance(spec, str) and any(p.strip() and "=" not in p for p in spec.split(",")):
            raise ValueError(f"fault spec items must be key=value: {spec!r}")
        rule = cls(spec=spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True))
        for key, value in items.items():
            if key in KINDS:
                rule.p[key] = float(value)
            elif key == "latency":
                rule.latency = _seconds(str(value))
            elif key == "path":
                rule.paths = tuple(v for v in (value if isinstance(value, list) else str(value).split("|")) if v)
            elif key == "method":
                rule.method = str(value).upper()
            elif key == "times":
                rule.times = int(value)
            elif key == "seed":
                rule.rng = random.Random(int(value))
            elif key == "timeout_seconds":
                rule.timeout_seconds = _seconds(str(value))
            else:
                raise ValueError(f"unknown fault key {key!r}")
        if any(v < 0 for v in rule.p.values()) or sum(rule.p.values()) > 1 + 1e-9:
            raise ValueError(f"fault probabilities must be in [0, 1] and sum to at most 1: {rule.spec}")
        return rule

    def matches(self, path: str, method: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return (not self.method or method == self.method) and (not self.paths or path.startswith(self.paths))

    def draw(self) -> str | None:
        r, edge = self.rng.random(), 0.0
        for kind in KINDS:
            edge += self.p.get(kind, 0.0)
            if r < edge:
                return kind
        return None

    def describe(self) -> dict[str, Any]:
        return {"spec": self.spec, "times": self.times, "hits": self.hits}


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.transports: dict[tuple[str, int], asyncio.Transport] = {}
        self.injected: dict[str, int] = {}

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def pick(self, path: str, method: str) -> tuple[float, FaultRule | None, str | None]:
        with self._lock:
            latency, chosen, kind = 0.0, None, None
            for rule in self.rules:
                if not rule.matches(path, method):
                    continue
                latency += rule.latency
                drawn = rule.draw()
                if rule.latency or drawn:
                    rule.hits += 1
                if drawn and kind is None:
                    chosen, kind = rule, drawn
                    self.injected[drawn] = self.injected.get(drawn, 0) + 1
            return latency, chosen, kind

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [r.describe() for r in self.rules], "injected": dict(self.injected)}


def tracking_protocol(injector: FaultInjector) -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TrackingProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.client:
                injector.transports[(self.client[0], int(self.client[1]))] = transport

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client:
                injector.transports.pop((self.client[0], int(self.client[1])), None)
            super().connection_lost(exc)

    return TrackingProtocol


def _reset(transport: asyncio.Transport | None) -> None:
    if transport is None or transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


class FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app, self.injector = app, injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/admin"):
            await self.app(scope, receive, send)
            return
        latency, rule, kind = self.injector.pick(scope["path"], scope["method"])
        if latency:
            await asyncio.sleep(latency)
        client = scope.get("client")
        transport = self.injector.transports.get((client[0], int(client[1]))) if client else None
        if kind is None or rule is None:
            await self.app(scope, receive, send)
        elif kind == "5xx":
            raw = b'{"message":"Service unavailable (injected fault)"}'
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(raw))]})
            await send({"type": "http.response.body", "body": raw})
        elif kind == "timeout":
            try:
                await asyncio.wait_for(_until_disconnect(receive), timeout=rule.timeout_seconds)
            except (TimeoutError, asyncio.CancelledError):
                pass
            _reset(transport)
        elif kind == "reset":
            _reset(transport)
        else:  # lost_reply: the effect happens, the answer never arrives

            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            _reset(transport)


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass

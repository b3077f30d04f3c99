"""``OpenCrvsServer``: the emulator on loopback in a background thread (tests, the demo).

    with OpenCrvsServer() as crvs:
        crvs.base_url, crvs.clients()["crvs-field-device"], crvs.counters(), crvs.call(fn, *args)
        crvs.register(event_id, nid="…"), crvs.reject(event_id, "reason"), crvs.set_hook("async"), crvs.events()

``start()`` returns once uvicorn listens; ``stop()`` shuts it down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from .app import Emulator
from .engine import Hook
from .faults import FaultRule, tracking_protocol
from .forms import DEFAULT_COUNTRY

T = TypeVar("T")


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def base_url_for(sock: socket.socket, host: str) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{sock.getsockname()[1]}"


def make_uvicorn(emulator: Emulator, log_level: str = "warning") -> uvicorn.Server:
    config = uvicorn.Config(emulator.asgi_app(), http=tracking_protocol(emulator.faults), ws="none", lifespan="on",
                            log_level=log_level, access_log=False, proxy_headers=False, server_header=False,
                            timeout_graceful_shutdown=2, timeout_keep_alive=30)
    return uvicorn.Server(config)


class OpenCrvsServer:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, country: Path | str = DEFAULT_COUNTRY,
                 hook: Hook | None = None, faults: list[str] | None = None, token_seconds: int = 600,
                 log_level: str = "warning") -> None:
        self.host, self.port, self.log_level = host, port, log_level
        self.emulator = Emulator(country, hook=hook, token_seconds=token_seconds)
        for spec in faults or []:
            self.emulator.faults.add(FaultRule.parse(spec))
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self, timeout: float = 20.0) -> OpenCrvsServer:
        sock = bind_socket(self.host, self.port)
        self.base_url = base_url_for(sock, self.host)
        self.port = sock.getsockname()[1]
        self.emulator.base_url = self.base_url
        server = self._server = make_uvicorn(self.emulator, self.log_level)

        def run() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as exc:  # surfaced by start()
                self._error = exc
            finally:
                sock.close()

        self._thread = threading.Thread(target=run, name=f"opencrvs-emulator:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            self.stop()
            raise RuntimeError(f"the OpenCRVS emulator did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> OpenCrvsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------ helpers
    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 10.0) -> T:
        """Run ``fn(*args)`` in the server's loop, where the emulator's state lives."""
        loop = self.emulator.loop
        if loop is None:
            return fn(*args)

        async def runner() -> T:
            return fn(*args)

        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(runner(), loop)
        return future.result(timeout)

    def clients(self) -> dict[str, dict[str, Any]]:
        """Integrations by name: ``client_id``, ``secret``, ``scopes``."""
        return {c.name: {"client_id": c.client_id, "secret": c.secret, "scopes": list(c.scopes)}
                for c in self.emulator.auth.clients.values()}

    def counters(self) -> dict[str, Any]:
        return self.call(self.emulator.counters)

    def set_hook(self, mode: str, accept_after: float | None = None) -> None:
        def apply() -> None:
            self.emulator.engine.hook.mode = mode
            self.emulator.engine.hook.accept_after = accept_after

        self.call(apply)

    # a registrar's work (the same as the /admin test controls)
    def register(self, event_id: str, *, registration_number: str | None = None, nid: str | None = None,
                 pending: bool = False) -> dict[str, Any]:
        return self.call(lambda: self.emulator.registrar.register(
            event_id, registration_number=registration_number, nid=nid, pending=pending))

    def confirm_registration(self, event_id: str, *, registration_number: str | None = None,
                             nid: str | None = None, accept: bool = True) -> dict[str, Any]:
        return self.call(lambda: self.emulator.registrar.confirm(
            event_id, registration_number=registration_number, nid=nid, accept=accept))

    def reject(self, event_id: str, reason: str) -> dict[str, Any]:
        return self.call(lambda: self.emulator.registrar.reject(event_id, reason))

    def validate(self, event_id: str) -> dict[str, Any]:
        return self.call(lambda: self.emulator.registrar.validate(event_id))

    def events(self) -> list[dict[str, Any]]:
        """Every event document (a copy), without appending READ actions."""
        store = self.emulator.engine.store
        return self.call(lambda: [store.snapshot(i) for i in store.events])

    def add_fault(self, spec: str) -> None:
        self.emulator.faults.add(FaultRule.parse(spec))

    def clear_faults(self) -> None:
        self.emulator.faults.clear()

    def wait_for(self, predicate: Callable[[OpenCrvsServer], Any], timeout: float = 10.0,
                 interval: float = 0.02) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError("the OpenCRVS emulator did not reach the expected state")
            time.sleep(interval)

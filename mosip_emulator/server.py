"""``EmulatorServer``: the emulator on loopback in a background thread (tests, the demo).

    with EmulatorServer(credential_delay=0) as emu:
        cfg = emu.client_config()          # URLs, partner credentials, certificates, key files
        httpx.get(emu.base_url + "/admin/state")

``start()`` returns once uvicorn listens; ``stop()`` shuts it down.  ``state_dir=None`` uses a temporary
directory, removed by ``stop()``.  ``emu.emulator`` is the live :class:`~mosip_emulator.app.Emulator`;
``emu.call(fn, *args)`` runs ``fn`` in the server's event loop and returns its result.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import copy
import logging
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from .app import Emulator, EmulatorConfig
from .faults import FaultRule, tracking_protocol
from .state import Partner

T = TypeVar("T")


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP;
    # without it every keep-alive request waits ~40 ms for a delayed ACK (Nagle)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, woken at once by ``request_exit()`` instead of its 0.1 s polling."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.1)

    def request_exit(self) -> None:
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)


def make_uvicorn(emulator: Emulator, log_level: str = "warning") -> _Server:
    config = uvicorn.Config(
        emulator.asgi_app(),
        http=tracking_protocol(emulator.faults.registry),
        ws="none",
        lifespan="on",
        log_level=log_level,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )
    return _Server(config)


def base_url_for(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


_TEMPLATE_LOCK = threading.Lock()
_TEMPLATE: Path | None = None


def template_state_dir() -> Path:
    """A state directory whose keys are generated once per process (servers start from copies)."""
    global _TEMPLATE
    with _TEMPLATE_LOCK:
        if _TEMPLATE is None or not (_TEMPLATE / "clients.json").exists():
            parent = tempfile.mkdtemp(prefix="mosip-emulator-template-")
            atexit.register(shutil.rmtree, parent, True)
            path = Path(parent) / "state"
            Emulator(path)
            _TEMPLATE = path
        return _TEMPLATE


class EmulatorServer:
    """The emulator served by uvicorn in a background thread.

    ``state_dir=None``: a temporary directory (removed by ``stop()``).  A new or empty state directory
    is seeded with keys generated once per process (``reuse_keys=False`` generates fresh ones).
    Other keyword arguments are :class:`~mosip_emulator.app.EmulatorConfig` fields
    (``redelivery_initial=0.05``, …).
    """

    def __init__(
        self,
        state_dir: str | Path | None = None,
        *,
        reuse_keys: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: list[str | FaultRule] | None = None,
        credential_delay: float = 0.0,
        identities: str | Path | list[dict[str, Any]] | None = None,
        partners: list[Partner] | None = None,
        log_level: str = "warning",
        **config: Any,
    ) -> None:
        self._tmp: str | None = None
        if state_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="mosip-emulator-")
            state_dir = Path(self._tmp) / "state"
        state_dir = Path(state_dir)
        if reuse_keys and (not state_dir.exists() or not any(state_dir.iterdir())):
            # a new state directory starts from keys generated once per process (~0.1 s, not ~1 s)
            shutil.copytree(template_state_dir(), state_dir, dirs_exist_ok=True)
        self.host = host
        self.port = port
        self.log_level = log_level
        self.emulator = Emulator(
            Path(state_dir),
            identities=identities,
            config=EmulatorConfig(credential_delay=credential_delay, **config),
            faults=list(faults or []),
            partners=partners,
        )
        self.base_url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def state_dir(self) -> Path:
        return self.emulator.state.path

    def start(self, timeout: float = 20.0) -> EmulatorServer:
        sock = bind_socket(self.host, self.port)
        self.base_url = base_url_for(sock, self.host)
        self.port = sock.getsockname()[1]
        self.emulator.set_base_url(self.base_url)
        self._server = make_uvicorn(self.emulator, self.log_level)
        server = self._server

        def run() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as exc:  # surfaced by start()
                self._error = exc
            finally:
                sock.close()

        self._thread = threading.Thread(target=run, name=f"mosip-emulator:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            self.stop()
            raise RuntimeError(f"the MOSIP emulator did not start: {self._error!r}")
        return self

    def stop(self, wait: bool = True) -> None:
        """Shut down; ``wait=False`` returns at once (uvicorn takes ~0.1 s more to close)."""
        if self._server is not None:
            self._server.request_exit()
        if self._thread is not None and wait:
            self._thread.join(timeout=10)
        self._thread = None
        self._server = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------ helpers
    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 10.0) -> T:
        """Run ``fn(*args)`` in the server loop (where the emulator's state lives)."""
        loop = self.emulator.loop
        if loop is None:
            return fn(*args)

        async def runner() -> T:
            return fn(*args)

        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(runner(), loop)
        return future.result(timeout)

    def client_config(self) -> dict[str, Any]:
        return self.emulator.client_config()

    def state(self) -> dict[str, Any]:
        """``/admin/state`` as a dict (a snapshot taken in the server loop)."""
        return self.call(lambda: copy.deepcopy(self.emulator.inspect()))

    def counters(self) -> dict[str, dict[str, int]]:
        return self.emulator.counters.snapshot()

    def wait_for(self, predicate: Callable[[EmulatorServer], Any], timeout: float = 10.0,
                 interval: float = 0.02) -> Any:
        """Poll ``predicate(self)`` until truthy and return its value; ``TimeoutError`` after ``timeout``.

        e.g. ``emu.wait_for(lambda e: e.counters().get("deliveries_succeeded", {}).get(rid))``
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError("the emulator did not reach the expected state")
            time.sleep(interval)

    def process_pending(self) -> list[str]:
        return self.call(self.emulator.lifecycle.process_pending)

    def add_fault(self, spec: str | dict[str, Any]) -> None:
        self.emulator.faults.add(FaultRule.parse(spec))

    def clear_faults(self) -> None:
        self.emulator.faults.clear()

    @property
    def identities(self) -> Any:
        return self.emulator.identities


logging.getLogger("mosip_emulator").addHandler(logging.NullHandler())

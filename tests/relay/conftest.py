"""Fixtures for the relay: a real PostgreSQL cluster started by the session, a fresh database per
test (SQLite file or PostgreSQL database), the relay served on loopback (in a thread, or as a real
``python -m relay`` process that a test may SIGKILL), and a device client."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from relay.app import Relay
from relay.db import Store, make_engine, migrate
from relay.settings import CALLBACK_PATH, Settings

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("CRVS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
HUB_SECRET = "test-hub-secret-0123456789abcdef"
TOPIC_PARTNER = "crvs-field-partner"


# ---------------------------------------------------------------------------------------------- PostgreSQL
@dataclass
class PostgresCluster:
    directory: Path
    socket_dir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def admin(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; the Debian package's system user runs it
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (Debian package 'postgresql'; "
                    "scripts/dev installs it)")
    base = Path(tempfile.mkdtemp(prefix="relay-pg-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--no-instructions"]),
                   check=True, capture_output=True)
    options = f"-k {sockets} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                 str(base / "server.log"), "-w", "-t", "60", "start"]),
                   check=True, capture_output=True)
    try:
        yield PostgresCluster(base, sockets, port)
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


_DB_NUMBER = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'relay.sqlite3'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    name = f"relay_{os.getpid()}_{next(_DB_NUMBER)}"
    cluster.admin(f"CREATE DATABASE {name}")
    try:
        yield cluster.url(name)
    finally:
        cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = make_engine(database_url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


# ---------------------------------------------------------------------------------------------- the relay
def base_settings(database_url: str, **overrides: Any) -> Settings:
    return replace(Settings(database_url=database_url, hub_secret=HUB_SECRET, partner_id=TOPIC_PARTNER,
                            maintenance_seconds=0.2, log_level="WARNING"), **overrides)


class RelayThread:
    """The relay app served by uvicorn in a background thread, on a loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        # "{base}" in the callback URL: this relay's own loopback address (known once bound)
        settings = replace(settings, callback_url=settings.callback_url.format(base=self.base_url))
        engine = make_engine(settings.database_url)
        migrate(engine)
        self.store = Store(engine)
        self.relay = Relay(self.store, settings)
        config = uvicorn.Config(self.relay.asgi(), log_config=None, access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> RelayThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "relay did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.store.engine.dispose()


@pytest.fixture
def make_relay(database_url: str) -> Iterator[Any]:
    started: list[RelayThread] = []

    def make(**overrides: Any) -> RelayThread:
        relay = RelayThread(base_settings(database_url, **overrides)).start()
        started.append(relay)
        return relay

    yield make
    for relay in started:
        relay.stop()


@pytest.fixture
def relay(make_relay: Any) -> RelayThread:
    return make_relay()


class RelayProcess:
    """``python -m relay serve`` as a real process (so a test can SIGKILL it), on a fixed port."""

    def __init__(self, database_url: str, port: int, log: Path, **env: str) -> None:
        self.database_url = database_url
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, **env: str) -> RelayProcess:
        environ = {**os.environ, "CRVS_RELAY_DATABASE_URL": self.database_url,
                   "CRVS_RELAY_BIND": f"127.0.0.1:{self.port}", "CRVS_RELAY_HUB_SECRET": HUB_SECRET,
                   "CRVS_RELAY_PARTNER_ID": TOPIC_PARTNER, "CRVS_RELAY_MAINTENANCE_SECONDS": "0.2",
                   "CRVS_RELAY_LOG_LEVEL": "INFO", **self.env, **env}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "relay", "serve"], cwd=ROOT, env=environ,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, f"relay exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "relay did not become ready"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + "/readyz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def relay_process(database_url: str, tmp_path: Path) -> Iterator[Any]:
    made: list[RelayProcess] = []

    def make(**env: str) -> RelayProcess:
        process = RelayProcess(database_url, _free_port(), tmp_path / "relay.log", **env)
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop()


# ---------------------------------------------------------------------------------------------- clients
def sign(body: bytes, secret: str = HUB_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hub_post(base_url: str, body: bytes, signature: str | None = None, path: str = CALLBACK_PATH) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    headers["X-Hub-Signature"] = sign(body) if signature is None else signature
    return httpx.post(base_url + path, content=body, headers=headers, timeout=10)


class Device:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def await_rids(self, *rids: str) -> httpx.Response:
        return self.http.post("/v1/devices/me/awaited", json={"rids": list(rids)})

    def pull(self, after: int = 0, limit: int = 100) -> httpx.Response:
        return self.http.get("/v1/devices/me/deliveries", params={"after": after, "limit": limit})

    def items(self, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        response = self.pull(after, limit)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def ack(self, *cursors: int) -> httpx.Response:
        return self.http.post("/v1/devices/me/acks", json={"cursors": list(cursors)})

    def put_head(self, seq: int, digest: str, prev: tuple[int, str] | None = None) -> httpx.Response:
        payload: dict[str, Any] = {"seq": seq, "hash": digest}
        if prev is not None:
            payload.update(prev_seq=prev[0], prev_hash=prev[1])
        return self.http.post("/v1/devices/me/audit-head", json=payload)

    def get_head(self) -> httpx.Response:
        return self.http.get("/v1/devices/me/audit-head")

    def close(self) -> None:
        self.http.close()

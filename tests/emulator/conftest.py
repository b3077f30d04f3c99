"""Fixtures: the MOSIP emulator on loopback (``emulator``), its client config, clients.

Key generation happens once per session (a template state directory); every test gets a fresh copy,
so tests never share identities, packets or subscriptions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mosip_emulator.server import EmulatorServer, template_state_dir
from tests.emulator.helpers import IdaClient, PacketClient

FAST = {
    "credential_delay": 0.0,
    "redelivery_initial": 0.05,
    "redelivery_max_interval": 0.2,
    "redelivery_max_attempts": 50,
    "delivery_timeout": 2.0,
}


@pytest.fixture(scope="session")
def template_state() -> Path:
    # keys, the demo partner and the demo e-Signet client, generated once per process
    return template_state_dir()


@pytest.fixture
def state_dir(template_state: Path, tmp_path: Path) -> Path:
    target = tmp_path / "state"
    shutil.copytree(template_state, target)
    return target


@pytest.fixture
def make_emulator(state_dir: Path) -> Iterator[Any]:
    """``make_emulator(**options)`` → a started EmulatorServer (stopped after the test)."""
    started: list[EmulatorServer] = []

    def make(**options: Any) -> EmulatorServer:
        server = EmulatorServer(state_dir, **{**FAST, **options})
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop(wait=False)


@pytest.fixture
def emulator(make_emulator: Any) -> EmulatorServer:
    return make_emulator()


@pytest.fixture
def client_config(emulator: EmulatorServer) -> dict[str, Any]:
    return emulator.client_config()


@pytest.fixture
def ida(client_config: dict[str, Any]) -> IdaClient:
    return IdaClient.from_config(client_config)


@pytest.fixture
def packets(client_config: dict[str, Any]) -> Iterator[PacketClient]:
    client = PacketClient(client_config)
    assert client.login().status_code == 200
    yield client
    client.http.close()

"""Pytest fixtures for the app's integration tests (import them into a conftest.py)::

    from mosip_emulator.testing import emulator, emulator_config, emulator_factory  # noqa: F401

``emulator`` is a started :class:`~mosip_emulator.server.EmulatorServer` on 127.0.0.1:<ephemeral>, with
``credential_delay=0`` (packets processed before the workflow call returns) and fast WebSub
redelivery; every test gets its own state (keys are generated once per process and copied).
``emulator_factory(faults=["5xx=0.2,seed=1"], credential_delay=1, ...)`` starts more, with options.
``emulator_config`` is the client configuration (see ``EmulatorServer.client_config()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import EmulatorServer

FAST_OPTIONS: dict[str, Any] = {
    "credential_delay": 0.0,
    "redelivery_initial": 0.05,
    "redelivery_max_interval": 0.5,
    "delivery_timeout": 2.0,
}


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., EmulatorServer]]:
    servers: list[EmulatorServer] = []

    def make(**options: Any) -> EmulatorServer:
        server = EmulatorServer(**{**FAST_OPTIONS, **options}).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def emulator(emulator_factory: Callable[..., EmulatorServer]) -> EmulatorServer:
    return emulator_factory()


@pytest.fixture
def emulator_config(emulator: EmulatorServer) -> dict[str, Any]:
    return emulator.client_config()

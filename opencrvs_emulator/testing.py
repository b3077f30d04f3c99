"""Pytest fixtures for other test packages (import them into a conftest.py)::

    from opencrvs_emulator.testing import opencrvs, opencrvs_factory  # noqa: F401

``opencrvs`` is a started :class:`~opencrvs_emulator.server.OpenCrvsServer` on 127.0.0.1:<ephemeral> whose
country hook accepts every NOTIFY; ``opencrvs_factory(hook=Hook(mode="async", accept_after=0.5),
faults=[...])`` starts more, with options. Each test gets its own (in-memory) state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import OpenCrvsServer


@pytest.fixture
def opencrvs_factory() -> Iterator[Callable[..., OpenCrvsServer]]:
    servers: list[OpenCrvsServer] = []

    def make(**options: Any) -> OpenCrvsServer:
        server = OpenCrvsServer(**options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def opencrvs(opencrvs_factory: Callable[..., OpenCrvsServer]) -> OpenCrvsServer:
    return opencrvs_factory()

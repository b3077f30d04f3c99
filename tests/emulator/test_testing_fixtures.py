"""The fixtures the app's tests import from ``mosip_emulator.testing``."""

from __future__ import annotations

from typing import Any

import httpx

from mosip_emulator.server import EmulatorServer
from mosip_emulator.testing import emulator_factory  # noqa: F401 - a fixture


def test_factory_starts_isolated_emulators(emulator_factory: Any) -> None:  # noqa: F811
    first: EmulatorServer = emulator_factory()
    second: EmulatorServer = emulator_factory(faults=["5xx=1.0,path=/hub"])
    assert first.base_url != second.base_url
    assert first.state_dir != second.state_dir
    # keys are shared (generated once per process), state is not
    assert first.client_config()["ida"]["encryption_certificate_pem"] == \
        second.client_config()["ida"]["encryption_certificate_pem"]
    assert httpx.post(f"{first.base_url}/hub", data={"hub.mode": "register", "hub.topic": "t"}).status_code == 202
    assert httpx.post(f"{second.base_url}/hub", data={"hub.mode": "register", "hub.topic": "t"}).status_code == 503


def test_wait_for(emulator: EmulatorServer) -> None:
    import pytest

    assert emulator.wait_for(lambda e: e.identities.all()[0]["uin"]) == emulator.identities.all()[0]["uin"]
    with pytest.raises(TimeoutError):
        emulator.wait_for(lambda e: e.counters().get("never"), timeout=0.05)

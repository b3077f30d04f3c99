"""A field office's device in deployment mode `opencrvs`, linked to the MOSIP emulator (IDA, for the
identity checks) and to the OpenCRVS emulator, both real servers on loopback; the device's
encrypted database, its secret store and the sync agent are the real ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.device import Device
from app.mosip.settings import load_settings
from app.security.secrets import SecretStore
from app.store import Database, new_data_key
from mosip_emulator.server import EmulatorServer
from opencrvs_emulator.server import OpenCrvsServer
from opencrvs_emulator.testing import opencrvs, opencrvs_factory  # noqa: F401
from sync.agent import SyncAgent
from tests.sync.conftest import ADMIN_PIN, AGENT_PIN, LinkedDevice, emulator, fast_country, link  # noqa: F401

# the integration made through OpenCRVS's API with create, notify and search; `-read` may also
# read a record (the registrar's reason for a rejection is only on the REJECT action)
CLIENT = "crvs-field-device"
READ_CLIENT = "crvs-field-device-read"


@dataclass
class Office:
    linked: LinkedDevice
    crvs: OpenCrvsServer

    def cli(self, *args: str, user: str | None = None, pin: str | None = None, timeout: float = 180) -> Any:
        return self.linked.cli(*args, user=user, pin=pin, timeout=timeout)

    def declare(self, tmp_path: Path, data: dict[str, str], event: str = "birth") -> str:
        path = tmp_path / f"declaration-{abs(hash(json.dumps(data, sort_keys=True)))}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        result = self.cli("records", "declare", "--event", event, "--data", str(path), user="ana", pin=AGENT_PIN)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def sync_once(self) -> dict[str, Any]:
        result = self.cli("sync", "--once", "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    def show(self, record_id: str) -> dict[str, Any]:
        result = self.cli("records", "show", record_id, "--json", user="ana", pin=AGENT_PIN)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    @contextmanager
    def device(self) -> Iterator[tuple[Device, SyncAgent]]:
        """The device opened in this process with its sync agent (no WebSub callback)."""
        device, agent = self.agent()
        try:
            yield device, agent
        finally:
            agent.stop()
            device.close()

    def agent(self) -> tuple[Device, SyncAgent]:
        device = self.linked.open()
        return device, SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                                 websub=False)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        answer = httpx.request(method, f"{self.crvs.base_url}{path}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def events_of(self, transaction_id: str) -> list[dict[str, Any]]:
        return self.admin("GET", f"/admin/events?transactionId={transaction_id}")


def quick_country(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """Farajaland with quick back-off and short leases (tests.sync.conftest.fast_country), OpenCRVS
    answers awaited 2 s, and the given (old, new) edits of its country.yaml."""
    target = fast_country(tmp_path)
    path = target / "country.yaml"
    text = path.read_text()
    for old, new in (("  created_at_location: 1f61cc66", "  timeout_seconds: 2\n  created_at_location: 1f61cc66"),
                     *edits):
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)
    return target


def make_office(mosip: EmulatorServer, crvs: OpenCrvsServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                client: str = CLIENT, country_dir: Path | None = None) -> Office:
    mode = {"CRVS_DEPLOYMENT_MODE": "opencrvs", "CRVS_OPENCRVS_BASE_URL": crvs.base_url,
            "CRVS_OPENCRVS_POLL_SECONDS": "5"}
    for name, value in mode.items():
        monkeypatch.setenv(name, value)
    linked = link(mosip, data_dir, country_dir)
    linked.env.update(mode)
    device = Device.open(linked.data_dir, user="root", pin=ADMIN_PIN)   # the admin key signs secrets
    try:
        config = device.country.config.opencrvs
        assert config is not None and config.client_id.secret and config.client_secret.secret
        credentials = crvs.clients()[client]
        device.secrets.put_many({config.client_id.secret: credentials["client_id"].encode(),
                                 config.client_secret.secret: credentials["secret"].encode()}, actor=device.actor)
    finally:
        device.close()
    return Office(linked, crvs)


@pytest.fixture
def office(emulator: EmulatorServer, opencrvs: OpenCrvsServer, tmp_path: Path,  # noqa: F811
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    yield make_office(emulator, opencrvs, tmp_path / "device", monkeypatch)


@pytest.fixture
def quick_office(emulator: EmulatorServer, opencrvs: OpenCrvsServer, tmp_path: Path,  # noqa: F811
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    yield make_office(emulator, opencrvs, tmp_path / "device", monkeypatch, country_dir=quick_country(tmp_path))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "crvs.db", new_data_key())
    database.migrate()
    yield database
    database.close()

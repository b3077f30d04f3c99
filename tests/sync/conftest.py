"""A device linked to a live emulator on loopback: real HTTP, real crypto, real SQLCipher."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crvs_field.emulator_link import emulator_environment, link_device
from mosip_emulator.fixtures import load_identities
from mosip_emulator.server import EmulatorServer

ADMIN_PIN, AGENT_PIN, REGISTRAR_PIN, SUPERVISOR_PIN = "root-pin-1", "ana-pin-1", "rex-pin-1", "sam-pin-1"


def fast_country(tmp_path: Path, *, probe_seconds: int = 15) -> Path:
    """Farajaland with short timeouts, quick back-off and short leases, so fault tests take a minute."""
    import shutil

    from tests.core.conftest import COUNTRIES

    target = tmp_path / "farajaland-fast"
    shutil.copytree(COUNTRIES / "farajaland", target)
    path = target / "country.yaml"
    text = path.read_text()
    for old, new in (
        ("    demographics: [name, dob, gender]", "    demographics: [name, dob, gender]\n    timeout_seconds: 1.5"),
        ("    id_schema_file: mosip-id-schema.json",
         "    id_schema_file: mosip-id-schema.json\n    timeout_seconds: 1.5"),
        ("  probe_every_seconds: 15", f"  probe_every_seconds: {probe_seconds}"),
        ("  max_concurrency: 8\n  max_attempts: 12", "  max_concurrency: 16\n  max_attempts: 80\n"
         "  backoff_base_seconds: 0.05\n  backoff_max_seconds: 0.4\n  lease_seconds: 3"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LinkedDevice:
    data_dir: Path
    env: dict[str, str]
    emulator: EmulatorServer

    def cli(self, *args: str, user: str | None = None, pin: str | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env}
        env.pop("CRVS_FIELD_PIN", None)
        if pin:
            env["CRVS_FIELD_PIN"] = pin
        cmd = [sys.executable, "-m", "crvs_field", "--data-dir", str(self.data_dir)]
        if user:
            cmd += ["--user", user]
        return subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=timeout)

    def open(self) -> Any:
        from app.device import Device

        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            return Device.open(self.data_dir)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    # as MOSIP does: the hub wants the auth token, and deaths are confirmed by a credential too
    with EmulatorServer(state_dir=tmp_path / "emulator", credential_delay=0, hub_requires_token=True,
                        death_credential=True) as server:
        yield server


def link(emulator: EmulatorServer, data_dir: Path, country_dir: Path | None = None) -> LinkedDevice:
    from app.device import Device
    from app.security.secrets import SecretStore

    config = emulator.client_config()
    env = emulator_environment(emulator.base_url, config, callback_port=free_port())
    env["CRVS_DEMO_WEBSUB_SECRET"] = "websub-secret-for-tests"
    device_env = LinkedDevice(data_dir, env, emulator)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        os.environ["CRVS_FIELD_PIN"] = ADMIN_PIN
        device = Device.initialise(data_dir, country_dir, admin="root", pin=ADMIN_PIN)
        try:
            from tests.core.conftest import ADMIN

            device.add_user(ADMIN, "ana", "agent", AGENT_PIN)
            device.add_user(ADMIN, "rex", "registrar", REGISTRAR_PIN)
            device.add_user(ADMIN, "sam", "supervisor", SUPERVISOR_PIN)
            link_device(device.country, SecretStore(device.db), emulator.base_url, config, actor=device.actor)
        finally:
            device.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return device_env


@pytest.fixture
def linked(emulator: EmulatorServer, tmp_path: Path) -> LinkedDevice:
    return link(emulator, tmp_path / "device")


def person(sex: str, born_before: str = "2000", skip: int = 0) -> dict[str, Any]:
    matches = [i for i in load_identities() if i["gender"]["eng"] == sex and i["dob"] < born_before
               and i["status"] == "ACTIVATED"]
    return matches[skip]


def section_values(section: str, identity: dict[str, Any]) -> dict[str, str]:
    values = {f"{section}.nid": identity["uin"], f"{section}.firstname": identity["given_name"]["eng"],
              f"{section}.surname": identity["family_name"]["eng"],
              f"{section}.dob": identity["dob"].replace("/", "-")}
    if identity["middle_name"]["eng"]:
        values[f"{section}.middlename"] = identity["middle_name"]["eng"]
    return values

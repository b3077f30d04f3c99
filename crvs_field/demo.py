"""`crvs-field demo`: the emulator on loopback, the confirmations relay (`crvs-relay`, SQLite, a
separate process: the entry point does not import it), a fresh demo device (demo country, demo
users, demo records), the sync agent, and the desktop app — or, with --headless, the agent alone for
N seconds. The emulator's hub pushes CREDENTIAL_ISSUED to the relay, and the device pulls from it.

Everything here is demo-only wiring; the real device never talks to an emulator."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from app.device import Device
    from crvs_field.runtime import Runtime
    from mosip_emulator.server import EmulatorServer

DEMO_USERS = (("admin", "admin", "admin-2026"), ("ana", "agent", "ana-2026"),
              ("sam", "supervisor", "sam-2026"), ("rex", "registrar", "rex-2026"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


RELAY_CALLBACK_PATH = "/v1/websub/callback"   # relay/settings.py CALLBACK_PATH
DEMO_DEVICE_NAME = "demo-device"


class DemoRelay:
    """`crvs-relay` as a child process on a loopback port, SQLite in the demo directory,
    subscribed to the emulator's hub with the partner's WEBSUB client."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.callback_url = self.base_url + RELAY_CALLBACK_PATH
        self.env = {**os.environ, "CRVS_RELAY_DATABASE_URL": f"sqlite:///{directory / 'relay.sqlite3'}",
                    "CRVS_RELAY_BIND": f"127.0.0.1:{self.port}", "CRVS_RELAY_LOG_LEVEL": "WARNING",
                    "CRVS_RELAY_MAINTENANCE_SECONDS": "1", "CRVS_RELAY_BACKUP_DIR": str(directory / "backups")}
        self.process: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "relay", *args], env=self.env, capture_output=True,
                                text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"crvs-relay {' '.join(args)} failed: {result.stderr.strip()[-500:]}")
        return result.stdout

    def add_device(self, name: str) -> str:
        """`crvs-relay device add NAME`: the device's token (printed once)."""
        return self._run("device", "add", name).strip().splitlines()[0]

    def start(self, *, hub_url: str, auth_url: str, partner_id: str, websub_client: dict[str, Any]) -> None:
        self.env.update({"CRVS_RELAY_HUB_URL": hub_url, "CRVS_RELAY_AUTH_URL": auth_url,
                         "CRVS_RELAY_CLIENT_ID": str(websub_client.get("client_id") or partner_id),
                         "CRVS_RELAY_APP_ID": str(websub_client.get("app_id") or "partner"),
                         "CRVS_RELAY_CLIENT_SECRET": str(websub_client.get("secret_key") or ""),
                         "CRVS_RELAY_PARTNER_ID": partner_id, "CRVS_RELAY_CALLBACK_URL": self.callback_url})
        with (self.directory / "relay.log").open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "relay", "serve"], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"crvs-relay exited; see {self.directory / 'relay.log'}")
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("crvs-relay did not become ready")
            time.sleep(0.1)

    def wait_subscribed(self, emulator: EmulatorServer, timeout: float = 30) -> None:
        """MOSIP's hub delivers nothing published before a subscription (mosip/websub hub/modules/
        util/util.bal generateGroupName): the agent starts only once the hub runs ours."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(sub["callback"] == self.callback_url and sub.get("state") == "RUNNING"
                   for sub in emulator.state()["subscriptions"]):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the relay did not subscribe to the hub; see {self.directory / 'relay.log'}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _seed(device: Device, identities: list[dict[str, Any]]) -> dict[str, str]:
    """A handful of records in different states, so every queue has something to show."""
    from app.records import Actor, Role

    ana, rex = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
    women = [i for i in identities if i["gender"]["eng"] == "Female" and "1970" < i["dob"] < "2004"]
    men = [i for i in identities if i["gender"]["eng"] == "Male" and "1970" < i["dob"] < "2004"]

    def person(section: str, who: dict[str, Any], wrong_name: bool = False) -> dict[str, str]:
        values = {f"{section}.nid": who["uin"], f"{section}.firstname": who["given_name"]["eng"],
                  f"{section}.surname": "Unknown" if wrong_name else who["family_name"]["eng"],
                  f"{section}.dob": who["dob"].replace("/", "-")}
        if who["middle_name"]["eng"]:
            values[f"{section}.middlename"] = who["middle_name"]["eng"]
        return values

    seeded = {}
    child = {"child.surname": "Banda", "child.gender": "female", "child.dob": "2026-11-02",
             "child.place_of_birth": "Ibombo District Hospital", "informant.relation": "mother"}
    seeded["verifies"] = device.records.declare(ana, event="birth", data={
        **child, "child.firstname": "Amélie", **person("mother", women[0]), **person("father", men[0])}).id
    seeded["father_mismatch"] = device.records.declare(ana, event="birth", data={
        **child, "child.firstname": "Chisomo", "child.gender": "male", **person("mother", women[1]),
        **person("father", men[1], wrong_name=True)}).id
    newborn = device.records.declare(ana, event="birth", data={
        **child, "child.firstname": "Tiyamike", "mother.firstname": "Grace", "mother.surname": "Phiri"})
    device.records.record_authentication(ana, newborn.id, "mother", psut="demo-psut-grace")
    seeded["uin_requested"] = device.records.act(rex, newborn.id, "register").id
    deceased = men[2]
    seeded["death"] = device.records.declare(ana, event="death", data={
        "deceased.nid": deceased["vid"], "deceased.firstname": deceased["given_name"]["eng"],
        "deceased.surname": deceased["family_name"]["eng"], "deceased.gender": "male",
        "deceased.dob": deceased["dob"].replace("/", "-"), "deceased.date_of_death": "2026-11-21",
        "informant.relation": "son", "informant.firstname": "Kondwani", "informant.surname": "Mwale"}).id
    seeded["draft"] = device.records.create_draft(ana, "birth", {"child.firstname": "Zoë"}).id
    return seeded


def run_demo(args: argparse.Namespace) -> int:
    from app.config.models import ConfirmationsMode
    from crvs_field.emulator_link import emulator_environment, link_device, relay_environment
    from crvs_field.runtime import Runtime
    from mosip_emulator.fixtures import load_identities
    from mosip_emulator.server import EmulatorServer

    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="crvs-field-demo-"))
    if root.exists() and any(root.iterdir()):
        print(f"error: {root} is not empty; the demo starts from a fresh directory", file=sys.stderr)
        return 2
    relay = DemoRelay(root / "relay")
    with EmulatorServer(state_dir=root / "emulator", credential_delay=args.credential_delay,
                        hub_requires_token=True, death_credential=True) as emulator, \
            Runtime(root / "device", Path(args.country) if args.country else None) as runtime:
        config = emulator.client_config()
        os.environ.update(emulator_environment(emulator.base_url, config, callback_port=_free_port()))
        os.environ.update(relay_environment(relay.base_url))
        admin_name, _, admin_pin = DEMO_USERS[0]
        try:
            device = runtime.initialise(admin=admin_name, pin=admin_pin)
            for name, role, pin in DEMO_USERS[1:]:
                device.add_user(device.actor, name, role, pin)
            websub_client = link_device(device.country, device.secrets, emulator.base_url, config,
                                        actor=device.actor)
            confirmations = device.country.config.mosip.confirmations
            if confirmations.mode is ConfirmationsMode.RELAY and confirmations.device_credential is not None \
                    and confirmations.device_credential.secret is not None:
                device.secrets.put(confirmations.device_credential.secret,
                                   relay.add_device(DEMO_DEVICE_NAME).encode(), actor=device.actor)
                relay.start(hub_url=config["websub"]["hub_url"], auth_url=config["packet_manager"]["auth_url"],
                            partner_id=device.country.config.mosip.partner_id, websub_client=websub_client)
                relay.wait_subscribed(emulator)
            seeded = _seed(device, load_identities())
            print(json.dumps({"emulator": emulator.base_url, "relay": relay.base_url if relay.process else None,
                              "data_dir": str(root / "device"),
                              "users": {name: {"role": role, "pin": pin} for name, role, pin in DEMO_USERS}},
                             indent=2), flush=True)
            return _run(args, runtime, device, seeded)
        finally:
            runtime.stop_agent()
            relay.stop()


def _run(args: argparse.Namespace, runtime: Runtime, device: Device, seeded: dict[str, str]) -> int:
    """The agent beside the app; headless: the agent alone for --seconds, then what it achieved."""
    runtime.start_agent()
    if not args.headless:
        from ui.app import main as ui_main

        return ui_main(runtime.data_dir, None, sync_hub=runtime.hub, sync_now=runtime.sync_now,
                       backups=runtime.backup_schedule)
    deadline = time.monotonic() + args.seconds if args.seconds else float("inf")
    newborn_id = seeded["uin_requested"]
    while time.monotonic() < deadline:
        time.sleep(0.5)
    status = runtime.hub.status
    newborn = device.records.get(newborn_id)
    print(json.dumps({"online": status.online, "queued": status.queued, "quarantined": status.quarantined,
                      "alert": status.alert.text if status.alert else None, "queues": device.records.queue_counts(),
                      "newborn": {"status": newborn.status, "has_vid": bool(newborn.mosip.get("vid"))}},
                     indent=2))
    return 0

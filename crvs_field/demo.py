"""`crvs-field demo`: the emulator on loopback, the confirmations relay (`crvs-relay`, SQLite, a
separate process: the entry point does not import it), a fresh demo device (demo country, demo
users, demo records), the sync agent, and the desktop app — or, with --headless, the agent alone for
N seconds. The emulator's hub pushes CREDENTIAL_ISSUED to the relay, and the device pulls from it.

Everything here is demo-only wiring; the real device never talks to an emulator."""

from __future__ import annotations

import argparse
import json
import os
import re
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


class _Filler:
    """Declarations for whichever country the demo runs: a person's fields by the country's
    identity mapping (`identity.fields`), every other required field by its type."""

    PREFERRED = ("mother", "son", "female", "male", "no")   # options picked when a form offers them

    def __init__(self, device: Device) -> None:
        self.country = device.country
        self.names = device.country.config.identity.fields
        self.today = device.records.clock().date()

    def person(self, event: str, section: str, who: dict[str, Any], *, wrong_name: bool = False,
               with_id: bool = True, vid: bool = False) -> dict[str, str]:
        """`vid`: the person's VID where the ID field takes one (else the UIN)."""
        form = self.country.config.form(event)
        id_field = form.field(f"{section}.{self.names.get('individual_id', '')}")
        number = who["uin"]
        if vid and who.get("vid") and id_field is not None and (
                not id_field.pattern or re.fullmatch(id_field.pattern, who["vid"])):
            number = who["vid"]
        given = {"individual_id": number if with_id else "", "given_name": who["given_name"]["eng"],
                 "middle_name": who["middle_name"]["eng"],
                 "family_name": "Unknown" if wrong_name else who["family_name"]["eng"],
                 "date_of_birth": who["dob"].replace("/", "-")}
        values = {f"{section}.{self.names[key]}": value for key, value in given.items()
                  if value and key in self.names}
        return {fid: value for fid, value in values.items() if form.field(fid) is not None}

    def named(self, event: str, section: str, given: str, family: str) -> dict[str, str]:
        values = {f"{section}.{self.names[key]}": value for key, value in
                  (("given_name", given), ("family_name", family)) if key in self.names and value}
        return {fid: v for fid, v in values.items() if self.country.config.form(event).field(fid) is not None}

    def complete(self, event: str, data: dict[str, str], *, spare_id: str, dates: dict[str, str],
                 prefer: tuple[str, ...] = ()) -> dict[str, str]:
        """`data` with every shown required field filled (twice: an answer may show more fields);
        a choice takes the first of `prefer`, then of PREFERRED, that the field offers."""
        from app.config.models import FieldType
        from app.records.validation import visible_fields

        form = self.country.config.form(event)
        data = dict(data)
        for section in (s for s in form.sections if s.identity):   # "father's details available?"
            given = [f.id for f in section.fields if f.id in data]
            for form_field in section.fields:
                if form_field.id in data or not {"yes", "no"} <= {o.value for o in form_field.options or []}:
                    continue
                hidden_by_no = set(given) - visible_fields(self.country, event, {**data, form_field.id: "no"},
                                                           self.today)
                if not given or hidden_by_no:
                    data[form_field.id] = "yes" if given else "no"
        for _ in range(2):
            shown = visible_fields(self.country, event, data, self.today)
            for section in form.sections:
                for form_field in section.fields:
                    if not form_field.required or form_field.id not in shown or data.get(form_field.id):
                        continue
                    if form_field.options:
                        values = [o.value for o in form_field.options]
                        data[form_field.id] = next((v for v in (*prefer, *self.PREFERRED) if v in values), values[0])
                    elif form_field.type is FieldType.DATE:
                        data[form_field.id] = dates.get(section.id, dates["default"])
                    elif form_field.type is FieldType.ID:
                        data[form_field.id] = spare_id
                    else:
                        data[form_field.id] = "Banda"
        return data


def _seed(device: Device, identities: list[dict[str, Any]], *, register: bool = True) -> dict[str, str]:
    """A handful of records in different states, so every queue has something to show. In mode
    `opencrvs` nothing is registered here: OpenCRVS registers (`register=False`)."""
    from app.records import Actor, Role

    ana, rex = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
    women = [i for i in identities if i["gender"]["eng"] == "Female" and "1970" < i["dob"] < "2004"]
    men = [i for i in identities if i["gender"]["eng"] == "Male" and "1970" < i["dob"] < "2004"]
    fill = _Filler(device)
    births = {"default": "2026-11-02"}
    subject = device.country.config.form("birth").sections[0].id

    def birth(child: str, mother: dict[str, str], father: dict[str, str] | None = None) -> dict[str, str]:
        data = {**fill.named("birth", subject, child, "Banda"), **mother, **(father or {})}
        return fill.complete("birth", data, spare_id=women[3]["uin"], dates=births)

    seeded = {}
    seeded["verifies"] = device.records.declare(ana, event="birth", data=birth(
        "Amélie", fill.person("birth", "mother", women[0]), fill.person("birth", "father", men[0]))).id
    seeded["father_mismatch"] = device.records.declare(ana, event="birth", data=birth(
        "Chisomo", fill.person("birth", "mother", women[1]),
        fill.person("birth", "father", men[1], wrong_name=True))).id
    grace = {**women[2], "given_name": {"eng": "Grace"}, "family_name": {"eng": "Phiri"}}
    newborn = device.records.declare(ana, event="birth", data=birth(
        "Tiyamike", fill.person("birth", "mother", grace, with_id=False)))
    device.records.record_authentication(ana, newborn.id, "mother", psut="demo-psut-grace")
    seeded["uin_requested"] = (device.records.act(rex, newborn.id, "register") if register else newborn).id
    deceased_section = device.country.config.form("death").sections[0].id
    seeded["death"] = device.records.declare(ana, event="death", data=fill.complete("death", {
        **fill.person("death", deceased_section, men[2], vid=True),
        **fill.named("death", "informant", "Kondwani", "Mwale")},
        spare_id=men[3]["uin"], dates={"default": "2026-11-21"}, prefer=("male", "son"))).id
    seeded["draft"] = device.records.create_draft(ana, "birth", fill.named("birth", subject, "Zoë", "")).id
    return seeded


def run_demo(args: argparse.Namespace) -> int:
    from app.config.models import ConfirmationsMode
    from crvs_field.demo_opencrvs import DemoOpenCrvs, DemoRegistrar, opencrvs_environment, store_credentials
    from crvs_field.emulator_link import emulator_environment, link_device, relay_environment
    from crvs_field.runtime import Runtime
    from mosip_emulator.fixtures import load_identities
    from mosip_emulator.server import EmulatorServer

    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="crvs-field-demo-"))
    if root.exists() and any(root.iterdir()):
        print(f"error: {root} is not empty; the demo starts from a fresh directory", file=sys.stderr)
        return 2
    mode = getattr(args, "mode", None) or "standalone"
    relay = DemoRelay(root / "relay")
    opencrvs = DemoOpenCrvs(root / "opencrvs") if mode == "opencrvs" else None
    registrar: DemoRegistrar | None = None
    with EmulatorServer(state_dir=root / "emulator", credential_delay=args.credential_delay,
                        hub_requires_token=True, death_credential=True) as emulator, \
            Runtime(root / "device", Path(args.country) if args.country else None) as runtime:
        config = emulator.client_config()
        os.environ.update(emulator_environment(emulator.base_url, config, callback_port=_free_port()))
        os.environ.update(relay_environment(relay.base_url))
        os.environ["CRVS_DEPLOYMENT_MODE"] = mode
        admin_name, _, admin_pin = DEMO_USERS[0]
        try:
            if opencrvs is not None:
                os.environ.update(opencrvs_environment(opencrvs.start().base_url))
            device = runtime.initialise(admin=admin_name, pin=admin_pin)
            for name, role, pin in DEMO_USERS[1:]:
                device.add_user(device.actor, name, role, pin)
            websub_client = link_device(device.country, device.secrets, emulator.base_url, config,
                                        actor=device.actor)
            if opencrvs is not None:
                store_credentials(device.country, device.secrets, opencrvs, actor=device.actor)
                registrar = DemoRegistrar(opencrvs.base_url).start()
            confirmations = device.country.config.mosip.confirmations
            if confirmations.mode is ConfirmationsMode.RELAY and confirmations.device_credential is not None \
                    and confirmations.device_credential.secret is not None:
                device.secrets.put(confirmations.device_credential.secret,
                                   relay.add_device(DEMO_DEVICE_NAME).encode(), actor=device.actor)
                relay.start(hub_url=config["websub"]["hub_url"], auth_url=config["packet_manager"]["auth_url"],
                            partner_id=device.country.config.mosip.partner_id, websub_client=websub_client)
                relay.wait_subscribed(emulator)
            seeded = _seed(device, load_identities(), register=opencrvs is None)
            print(json.dumps({"mode": mode, "emulator": emulator.base_url,
                              "opencrvs": opencrvs.base_url if opencrvs else None,
                              "relay": relay.base_url if relay.process else None,
                              "data_dir": str(root / "device"),
                              "users": {name: {"role": role, "pin": pin} for name, role, pin in DEMO_USERS}},
                             indent=2), flush=True)
            return _run(args, runtime, device, seeded)
        finally:
            runtime.stop_agent()
            if registrar is not None:
                registrar.stop()
            if opencrvs is not None:
                opencrvs.stop()
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
    summary: dict[str, Any] = {
        "online": status.online, "queued": status.queued, "quarantined": status.quarantined,
        "alert": status.alert.text if status.alert else None, "queues": device.records.queue_counts(),
        "newborn": {"status": newborn.status, "has_vid": bool(newborn.mosip.get("vid"))}}
    if device.country.config.mode == "opencrvs":    # where each seeded record stands in OpenCRVS
        summary["opencrvs"] = {name: _upstream(device, record_id) for name, record_id in seeded.items()}
    print(json.dumps(summary, indent=2))
    return 0


def _upstream(device: Device, record_id: str) -> dict[str, Any]:
    record = device.records.get(record_id)
    upstream = device.records.upstream_status(record_id)
    if upstream is None:
        return {"status": record.status, "upstream": None}
    return {"status": record.status, "upstream": upstream.state.value,
            "registration_number": upstream.registration_number, "nid": upstream.nid, "reason": upstream.reason}

"""`crvs-field demo`: the emulator on loopback, a fresh demo device (demo country, demo users, demo
records), the sync agent, and the desktop app — or, with --headless, the agent alone for N seconds.

Everything here is demo-only wiring; the real device never talks to an emulator."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.device import Device

DEMO_USERS = (("admin", "admin", "admin-2026"), ("ana", "agent", "ana-2026"),
              ("sam", "supervisor", "sam-2026"), ("rex", "registrar", "rex-2026"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    from crvs_field.emulator_link import emulator_environment, link_device
    from crvs_field.runtime import Runtime
    from mosip_emulator.fixtures import load_identities
    from mosip_emulator.server import EmulatorServer

    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="crvs-field-demo-"))
    if root.exists() and any(root.iterdir()):
        print(f"error: {root} is not empty; the demo starts from a fresh directory", file=sys.stderr)
        return 2
    with EmulatorServer(state_dir=root / "emulator", credential_delay=args.credential_delay,
                        hub_requires_token=True, death_credential=True) as emulator:
        config = emulator.client_config()
        os.environ.update(emulator_environment(emulator.base_url, config, callback_port=_free_port()))
        admin_name, _, admin_pin = DEMO_USERS[0]
        with Runtime(root / "device", Path(args.country) if args.country else None) as runtime:
            device = runtime.initialise(admin=admin_name, pin=admin_pin)
            for name, role, pin in DEMO_USERS[1:]:
                device.add_user(device.actor, name, role, pin)
            link_device(device.country, device.secrets, emulator.base_url, config, actor=device.actor)
            _seed(device, load_identities())
            print(json.dumps({"emulator": emulator.base_url, "data_dir": str(root / "device"),
                              "users": {name: {"role": role, "pin": pin} for name, role, pin in DEMO_USERS}},
                             indent=2), flush=True)
            runtime.start_agent()
            if args.headless:
                deadline = time.monotonic() + args.seconds if args.seconds else float("inf")
                while time.monotonic() < deadline:
                    time.sleep(0.5)
                status = runtime.hub.status
                print(json.dumps({"online": status.online, "queued": status.queued,
                                  "quarantined": status.quarantined,
                                  "queues": device.records.queue_counts()}, indent=2))
                return 0
            from ui.app import main as ui_main

            return ui_main(runtime.data_dir, None, sync_hub=runtime.hub, sync_now=runtime.sync_now)

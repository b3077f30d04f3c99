"""`crvs-field init` and `device …`: the device's encrypted database, its first admin, and its
own MOSIP identity (centre and machine ids, signed by the admin key: app/device_settings.py)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from crvs_field.cli.command import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    CliError,
    command,
    country_dir,
    data_dir,
    print_json,
    secret_input,
)

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor


def cmd_init(args: argparse.Namespace) -> int:
    from app.security.users import MIN_PIN_LENGTH
    from crvs_field.runtime import Runtime

    pin = secret_input("CRVS_FIELD_PIN", f"New PIN for {args.admin}: ")
    if len(pin) < MIN_PIN_LENGTH:
        raise CliError(f"a PIN has at least {MIN_PIN_LENGTH} characters")
    with Runtime(data_dir(args), country_dir(args)) as runtime:
        device = runtime.initialise(admin=args.admin, pin=pin, agent_key=args.agent_key,
                                    center_id=args.center_id, machine_id=args.machine_id)
        ids = device.settings.mosip_ids()
    where = " and an agent key file (0600)" if args.agent_key else ""
    print(f"device initialised in {device.data_dir} for {device.country.name}; admin {args.admin} "
          f"with a key slot{where}; MOSIP centre {ids.center_id}, machine {ids.machine_id}")
    return EXIT_OK


@command(needs_user=True)
def cmd_device_set(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    from app.device_settings import DeviceSettingError

    try:
        ids = device.settings.set_mosip_ids(actor, center_id=args.center_id, machine_id=args.machine_id)
    except DeviceSettingError as exc:
        raise CliError(str(exc), EXIT_REFUSED if "admin" in str(exc) else EXIT_USAGE) from None
    print(f"MOSIP centre {ids.center_id}, machine {ids.machine_id}")
    return EXIT_OK


@command(needs_device=True)
def cmd_device_show(args: argparse.Namespace, device: Device) -> int:
    ids = device.settings.mosip_ids()
    print_json({"center_id": ids.center_id, "machine_id": ids.machine_id})
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    init = sub.add_parser("init", help="create the encrypted device database and its first admin")
    init.add_argument("--admin", required=True)
    init.add_argument("--agent-key", action="store_true",
                      help="also write an agent key file (0600) for the headless sync agent")
    init.add_argument("--center-id", help="this device's MOSIP registration centre id (5 digits; "
                                          "default: the country file's)")
    init.add_argument("--machine-id", help="this device's MOSIP machine id (5 digits; default: the country file's)")
    init.set_defaults(func=cmd_init)

    device = sub.add_parser("device", help="this device's settings").add_subparsers(
        dest="device_command", required=True)
    device_set = device.add_parser("set", help="change the device's MOSIP centre and/or machine id (admin)")
    device_set.add_argument("--center-id")
    device_set.add_argument("--machine-id")
    device_set.set_defaults(func=cmd_device_set)
    device.add_parser("show", help="the device's MOSIP centre and machine id (JSON)").set_defaults(
        func=cmd_device_show)

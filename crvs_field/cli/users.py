"""`crvs-field users …` and `agent-key`: local accounts, their PINs and key slots, and the key the
headless agent opens the database with."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from crvs_field.cli.command import EXIT_OK, command, secret_input

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor


@command(needs_user=True)
def cmd_users_add(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    pin = secret_input("CRVS_FIELD_NEW_PIN", f"New PIN for {args.name}: ")
    device.add_user(actor, args.name, args.role, pin, language=args.language)
    print(f"user {args.name} added as {args.role}")
    return EXIT_OK


@command(needs_user=True)
def cmd_users_remove(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    device.remove_user(actor, args.name)
    print(f"user {args.name} removed; their key slot is destroyed")
    waiting = device.slots.not_yet_converted()
    if device.slots.rekey_due() and waiting:
        print(f"the database is re-keyed at the first admin sign-in after {', '.join(waiting)} "
              "signed in once (they still hold only their key from before the upgrade)")
    return EXIT_OK


@command(needs_user=True)
def cmd_users_pin(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    new_pin = secret_input("CRVS_FIELD_NEW_PIN", "New PIN: ")
    device.change_pin(actor.name, args._pin, new_pin)
    print("PIN changed")
    return EXIT_OK


@command(needs_user=True)
def cmd_agent_key(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    where = device.provision_agent_key(actor, key_file=Path(args.file) if args.file else None,
                                       use_keyring=args.keyring)
    print(f"agent key provisioned in {where}: whoever can read it can open the database")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = sub.add_parser("users", help="local accounts").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="add a user (needs an admin login)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["agent", "supervisor", "registrar", "admin"])
    add.add_argument("--language", default="en")
    add.set_defaults(func=cmd_users_add)
    remove = users.add_parser("remove", help="remove a user and destroy their key slot (admin)")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_users_remove)
    users.add_parser("pin", help="change your PIN (new PIN from CRVS_FIELD_NEW_PIN or stdin)").set_defaults(
        func=cmd_users_pin)
    agent_key = sub.add_parser("agent-key", help="provision the key the headless sync agent opens the database with")
    agent_key.add_argument("--file", help="key file to write (default: agent.key in the data directory)")
    agent_key.add_argument("--keyring", action="store_true", help="store it in the OS keyring instead")
    agent_key.set_defaults(func=cmd_agent_key)

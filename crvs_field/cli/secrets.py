"""`crvs-field secrets import`: keys and credentials into the encrypted store, all or none, signed
by the admin key (app/security/secrets.py)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from crvs_field.cli.command import EXIT_OK, CliError, command, read_data_file

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor


def cmd_secrets_import(args: argparse.Namespace) -> int:
    data = read_data_file(args.file)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise CliError(f"{args.file}: expected an object of secret name -> text (PEM, key, secret)")
    return _import_secrets(args, data=data)


@command(needs_user=True, roles=("admin",), action="importing secrets")
def _import_secrets(args: argparse.Namespace, data: dict[str, str], device: Device, actor: Actor) -> int:
    device.secrets.put_many({name: value.encode() for name, value in data.items()}, actor=actor)
    print(f"imported {len(data)} secrets: {', '.join(sorted(data))}")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    secrets = sub.add_parser("secrets", help="keys and credentials in the encrypted store").add_subparsers(
        dest="secrets_command", required=True)
    imp = secrets.add_parser("import", help="import secrets from a JSON object name -> text (admin)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_secrets_import)

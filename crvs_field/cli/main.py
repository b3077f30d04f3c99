"""`crvs-field`: the command line (DESIGN §9).

Thin by design: parse, open the device, call a service, print. Each command declares what it needs
with `@command` (crvs_field/cli/command.py); `main` is the one error boundary. Commands live by
subject: device.py (init, device), users.py (users, agent-key), records.py, qr.py, esignet.py,
sync.py, secrets.py, audit.py, backup.py; this module has config, demo, the app and the parser.
Exit codes: 0 done, 1 refused (workflow, login), 2 bad input or configuration, 3 no QR code found,
4 QR code rejected, 5 a service unavailable, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crvs_field.cli.audit import add_parsers as audit_parsers
from crvs_field.cli.backup import add_parsers as backup_parsers
from crvs_field.cli.command import (
    EXIT_OK,
    EXIT_USAGE,
    bounded_int,
    command,
    country_dir,
    data_dir,
    print_json,
    report_failure,
)
from crvs_field.cli.device import add_parsers as device_parsers
from crvs_field.cli.records import (
    cmd_records_act,
    cmd_records_declare,
    cmd_records_list,
    cmd_records_prefill,
    cmd_records_show,
)
from crvs_field.cli.secrets import add_parsers as secrets_parsers
from crvs_field.cli.sync import add_parsers as sync_parsers
from crvs_field.cli.users import add_parsers as users_parsers

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor


# ------------------------------------------------------------------------------------ commands


def cmd_config_check(args: argparse.Namespace) -> int:
    from app.config.loader import ConfigError, load_country
    from app.device import default_country_dir

    path = Path(args.path) if args.path else (country_dir(args) or default_country_dir())
    try:
        country = load_country(path)
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return EXIT_USAGE
    rules = len(country.config.integration.rules)
    print(f"{country.name}: configuration is valid ({rules} integration rules, "
          f"events {', '.join(e.value for e in country.config.forms)})")
    return EXIT_OK


def cmd_config_schema(args: argparse.Namespace) -> int:
    from app.config.loader import country_json_schema

    print_json(country_json_schema())
    return EXIT_OK


def cmd_qr_decode(args: argparse.Namespace) -> int:
    from crvs_field.cli.qr import decode_command

    return decode_command(args)


@command(needs_user=True)
def cmd_esignet_login(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    from crvs_field.cli.esignet import login_command

    return login_command(args, device, actor)


def cmd_demo(args: argparse.Namespace) -> int:
    from crvs_field.demo import run_demo

    return run_demo(args)


def cmd_app(args: argparse.Namespace) -> int:
    """No command: the desktop app, with the sync agent beside it once the device is open (at once
    with a provisioned agent key; otherwise when a user's PIN unlocks it, until sign-out)."""
    from app.device import DeviceError
    from crvs_field.runtime import Runtime
    from ui.app import main as ui_main

    with Runtime(data_dir(args), country_dir(args)) as runtime:
        try:
            runtime.start_agent(runtime.open())
            locked = False
        except (DeviceError, OSError):
            locked = True      # the agent starts when a user's PIN unlocks the device
        return ui_main(runtime.data_dir, runtime.country_dir, sync_hub=runtime.hub, sync_now=runtime.sync_now,
                       on_unlocked=runtime.start_agent if locked else None,
                       on_locked=runtime.stop_agent if locked else None, backups=runtime.backup_schedule)


# ------------------------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crvs-field", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="device data directory (default: the platform's user data dir)")
    parser.add_argument("--country", help="country configuration directory")
    parser.add_argument("--user", help="user name (PIN from CRVS_FIELD_PIN or standard input)")
    parser.set_defaults(func=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="emulator + demo data + the app")
    demo.add_argument("--headless", action="store_true", help="the emulator and the sync agent only")
    demo.add_argument("--seconds", type=float, default=0, help="with --headless: stop after this long")
    demo.add_argument("--credential-delay", type=float, default=3,
                      help="seconds the emulator takes to issue a UIN (shows the awaiting queue)")
    demo.add_argument("--mode", choices=("standalone", "opencrvs"), default="standalone",
                      help="opencrvs: the device submits to an OpenCRVS emulator, where a registrar registers")
    demo.set_defaults(func=cmd_demo)

    config = sub.add_parser("config", help="country configuration").add_subparsers(
        dest="config_command", required=True)
    check = config.add_parser("check", help="validate a country configuration")
    check.add_argument("path", nargs="?")
    check.set_defaults(func=cmd_config_check)
    config.add_parser("schema", help="JSON Schema of the country configuration").set_defaults(
        func=cmd_config_schema)

    records = sub.add_parser("records", help="declarations").add_subparsers(
        dest="records_command", required=True)
    declare = records.add_parser("declare", help="declare a birth or death from a JSON data file")
    declare.add_argument("--event", required=True, choices=["birth", "death"])
    declare.add_argument("--data", required=True, help="flat JSON object: form field id -> value")
    declare.add_argument("--draft", action="store_true", help="save as a draft (no required-field checks)")
    declare.add_argument("--confirm", action="append", default=[], metavar="CHECK",
                         help="accept the country's plausibility warning CHECK (its id; repeat for each)")
    declare.add_argument("--json", action="store_true")
    declare.set_defaults(func=cmd_records_declare)
    act = records.add_parser("act", help="validate, register, correct, reject, retry, remove-from-queue")
    act.add_argument("id", help="record id or tracking id")
    act.add_argument("action", choices=["validate", "register", "request-correction", "approve-correction",
                                        "reject-correction", "reject", "retry", "remove-from-queue"])
    act.add_argument("--data", help="JSON file: corrected or edited fields")
    act.add_argument("--reason")
    act.add_argument("--confirm", action="append", default=[], metavar="CHECK",
                     help="validate: accept the country's plausibility warning CHECK (its id; repeat for each)")
    act.add_argument("--json", action="store_true")
    act.set_defaults(func=cmd_records_act)
    listing = records.add_parser("list", help="records of a work queue")
    listing.add_argument("--queue")
    listing.add_argument("--search")
    listing.add_argument("--limit", type=bounded_int(1, 10_000), default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_records_list)
    prefill = records.add_parser("prefill", help="fill a draft's person section from an ID QR code")
    prefill.add_argument("id", help="record id or tracking id (a draft)")
    prefill.add_argument("--section", required=True, help="the person section, e.g. mother")
    prefill.add_argument("--qr", required=True, metavar="PATH", help="an image or video file with the code")
    prefill.add_argument("--trusted-key", action="append", default=[], metavar="PEM",
                         help="an extra trusted issuer public key (as for `qr decode`)")
    prefill.add_argument("--json", action="store_true")
    prefill.set_defaults(func=cmd_records_prefill)
    show = records.add_parser("show", help="one record with its people, MOSIP ids and history")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_records_show)

    qr = sub.add_parser("qr", help="ID QR codes").add_subparsers(dest="qr_command", required=True)
    decode = qr.add_parser("decode", help="decode an ID QR code from an image or a video file")
    decode.add_argument("path")
    decode.add_argument("--trusted-key", action="append", default=[], metavar="PEM",
                        help="an extra trusted issuer public key (Ed25519 or P-256 SPKI PEM)")
    decode.add_argument("--backend", choices=["zxing", "zbar"], default="zxing")
    decode.set_defaults(func=cmd_qr_decode)

    esignet = sub.add_parser("esignet", help="e-Signet").add_subparsers(dest="esignet_command", required=True)
    login = esignet.add_parser("login", help="authenticate a person with e-Signet")
    login.add_argument("--record", required=True)
    login.add_argument("--section", required=True)
    login.add_argument("--no-browser", action="store_true")
    login.set_defaults(func=cmd_esignet_login)

    for add_parsers in (device_parsers, users_parsers, sync_parsers, secrets_parsers, audit_parsers,
                        backup_parsers):
        add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is None:
        args.func = cmd_app
    if args.command not in ("config", "demo"):
        from app.logs import configure

        configure(data_dir(args))
    try:
        return int(args.func(args))
    except (Exception, KeyboardInterrupt) as exc:
        code = report_failure(exc)
        if code is None:
            raise
        return code


if __name__ == "__main__":
    sys.exit(main())

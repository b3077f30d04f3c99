"""`crvs-field`: the command line (DESIGN §9).

Thin by design: parse, open the device, call a service, print. Each command declares what it needs
with `@command` (crvs_field/cli/command.py); `main` is the one error boundary.
Exit codes: 0 done, 1 refused (workflow, login), 2 bad input or configuration, 3 no QR code found,
4 QR code rejected, 5 a service unavailable, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crvs_field.cli.backup import add_parsers as backup_parsers
from crvs_field.cli.command import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    CliError,
    bounded_int,
    command,
    country_dir,
    data_dir,
    print_json,
    read_data_file,
    report_failure,
    secret_input,
)
from crvs_field.cli.records import (
    cmd_records_act,
    cmd_records_declare,
    cmd_records_list,
    cmd_records_prefill,
    cmd_records_show,
)

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor
    from crvs_field.runtime import Runtime


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


@command(needs_device=True)
def cmd_audit_verify(args: argparse.Namespace, device: Device) -> int:
    """The chain on the device; then, with a relay, the last head the relay acknowledged for this
    device must still be in it (a deleted tail or a rewritten chain is found there)."""
    from app import audit

    with device.db.read() as session:
        broken = audit.verify(session)
    if broken is not None:
        print(f"audit chain broken at event {broken.seq} ({broken.kind}, {broken.at.isoformat()})",
              file=sys.stderr)
        return EXIT_REFUSED
    anchor = _relay_anchor(device)
    if isinstance(anchor, str):
        print(f"audit chain holds on this device; {anchor}")
        return EXIT_OK
    if anchor is None:
        print("audit chain holds")
        return EXIT_OK
    with device.db.read() as session:
        mismatch = audit.compare_anchor(session, anchor.seq, anchor.hash)
        seq, _ = audit.head(session)
    where = f"the relay's anchor: event {anchor.seq}, hash {anchor.hash[:16]}…, acknowledged {_when(anchor)}"
    if mismatch is audit.AnchorMismatch.MISSING:
        print(f"audit chain disagrees with {where}: the chain ends at event {seq} (newest events deleted)",
              file=sys.stderr)
        return EXIT_REFUSED
    if mismatch is audit.AnchorMismatch.REWRITTEN:
        print(f"audit chain disagrees with {where}: event {anchor.seq} has another hash (chain rewritten)",
              file=sys.stderr)
        return EXIT_REFUSED
    print(f"audit chain holds, and agrees with {where}")
    return EXIT_OK


def _relay_anchor(device: Device) -> Any:
    """The relay's acknowledged head; None without a relay (or before any head); else a sentence
    saying why it could not be checked."""
    from app.errors import ConfigurationFault, Unavailable
    from app.mosip.relay import RelayClient
    from app.mosip.settings import load_relay_settings
    from app.security.secrets import MissingSecret

    try:
        settings = load_relay_settings(device.country, device.secrets)
    except MissingSecret:
        return "could not check the anchor at the relay: this device has no relay credential"
    if settings is None:
        return None
    try:
        with RelayClient(settings) as client:
            head = client.get_audit_head()
    except Unavailable:
        return "could not check the anchor at the relay: it is unreachable"
    except ConfigurationFault as exc:
        return f"could not check the anchor at the relay: {exc}"
    return head if head is not None else "the relay holds no anchor for it yet"


def _when(anchor: Any) -> str:
    import datetime as dt

    try:
        return dt.datetime.fromtimestamp(float(anchor.acknowledged_at), dt.UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError):
        return "at an unknown time"


@command(needs_user=True)
def cmd_audit_export(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    """A record's whole history as JSON (with each event's hash and the chain check)."""
    from app import audit

    detail = device.records.detail(args.id, role=actor.role)
    with device.db.read() as session:
        broken = audit.verify(session)
    export = {"record": {"id": detail.record.id, "tracking_id": detail.record.tracking_id,
                         "event": detail.record.event, "status": detail.record.status},
              "chain_holds": broken is None,
              "events": [{"seq": h.seq, "at": h.at.isoformat(), "actor": h.actor, "kind": h.kind,
                          "details": h.details, "prev_hash": h.prev_hash, "hash": h.hash} for h in detail.history]}
    text = json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"{len(export['events'])} events written to {args.out}")
    else:
        print(text)
    return EXIT_OK if broken is None else EXIT_REFUSED


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


@command(needs_device=True)
def cmd_sync(args: argparse.Namespace, runtime: Runtime) -> int:
    if not args.once:
        import signal
        import threading

        agent = runtime.new_agent()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        agent.start()
        print("sync agent running (Ctrl+C to stop)", flush=True)
        stop.wait()
        agent.stop()
        return EXIT_OK
    report = runtime.sync_once(linger=args.linger)
    if report.callback_error:
        print(f"warning: WebSub callback not started ({report.callback_error}); confirmations wait for the agent",
              file=sys.stderr)
    if not report.online:
        print(f"offline: MOSIP is unreachable; {report.queued} items stay queued")
        return EXIT_OK
    summary = report.summary
    if summary is None:
        raise CliError("another drain is running", EXIT_REFUSED)
    result = summary.as_dict()
    polled = report.confirmations
    if args.json:
        print_json({**result, "confirmations": None if polled is None else {
            "applied": polled.applied, "repeated": polled.repeated, "rejected": polled.rejected,
            "not_ready": polled.not_ready, "acknowledged": polled.acknowledged}})
    else:
        print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.items() if k != "alert"))
        if polled is not None and polled.pulled:
            print(f"confirmations from the relay: applied {polled.applied}, repeated {polled.repeated}, "
                  f"rejected {polled.rejected}, not ready {polled.not_ready}")
        if summary.alert:
            print(f"stopped: {summary.alert}", file=sys.stderr)
    if report.confirmations_alert:
        print(f"confirmations: {report.confirmations_alert}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_REFUSED if summary.quarantined or summary.alert else EXIT_OK


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
    demo.set_defaults(func=cmd_demo)

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
    declare.add_argument("--json", action="store_true")
    declare.set_defaults(func=cmd_records_declare)
    act = records.add_parser("act", help="validate, register, correct, reject, retry, remove-from-queue")
    act.add_argument("id", help="record id or tracking id")
    act.add_argument("action", choices=["validate", "register", "request-correction", "approve-correction",
                                        "reject-correction", "reject", "retry", "remove-from-queue"])
    act.add_argument("--data", help="JSON file: corrected or edited fields")
    act.add_argument("--reason")
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

    sync = sub.add_parser("sync", help="the sync agent")
    sync.add_argument("--once", action="store_true", help="drain what can be sent now, print a summary")
    sync.add_argument("--linger", type=float, default=0,
                      help="with --once: keep the WebSub callback open this many seconds for confirmations")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(func=cmd_sync)

    secrets = sub.add_parser("secrets", help="keys and credentials in the encrypted store").add_subparsers(
        dest="secrets_command", required=True)
    imp = secrets.add_parser("import", help="import secrets from a JSON object name -> text (admin)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_secrets_import)

    esignet = sub.add_parser("esignet", help="e-Signet").add_subparsers(dest="esignet_command", required=True)
    login = esignet.add_parser("login", help="authenticate a person with e-Signet")
    login.add_argument("--record", required=True)
    login.add_argument("--section", required=True)
    login.add_argument("--no-browser", action="store_true")
    login.set_defaults(func=cmd_esignet_login)

    audit = sub.add_parser("audit", help="audit history").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the hash chain").set_defaults(func=cmd_audit_verify)
    export = audit.add_parser("export", help="a record's history as JSON")
    export.add_argument("id")
    export.add_argument("--out")
    export.set_defaults(func=cmd_audit_export)
    backup_parsers(sub)
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

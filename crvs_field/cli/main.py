"""`crvs-field`: the command line, the composition root (DESIGN §9).

Thin by design: parse, open the device, call a service, print. It is the one module allowed to
import `ui/` and `sync/`, and does so lazily inside the commands that need them.
Exit codes: 0 done, 1 refused (workflow, login), 2 bad input or configuration, 3 no QR code found,
4 QR code rejected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NO_CODE, EXIT_REJECTED = 0, 1, 2, 3, 4
MAX_DATA_FILE = 1024 * 1024


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------------ helpers


def _stdin_lines() -> Callable[[], str | None]:
    lines: list[str] | None = None

    def next_line() -> str | None:
        nonlocal lines
        if lines is None:
            lines = [] if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read().splitlines()
        return lines.pop(0).strip() if lines else None

    return next_line


_read_stdin_line = _stdin_lines()


def _secret_input(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    line = _read_stdin_line()
    if not line:
        raise CliError(f"no PIN given: set {env} or pass it on standard input")
    return line


def read_data_file(path: str) -> Any:
    """A JSON data file: bounded, UTF-8, an object. Nothing is written if it is bad."""
    try:
        file = Path(path)
        if file.stat().st_size > MAX_DATA_FILE:
            raise CliError(f"{path}: larger than {MAX_DATA_FILE} bytes")
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected a JSON object of form field ids to values")
    return data


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def _data_dir(args: argparse.Namespace) -> Path:
    from app.device import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir()


def _user_and_pin(args: argparse.Namespace) -> tuple[str | None, str | None]:
    name = args.user or os.environ.get("CRVS_FIELD_USER")
    if not name:
        return None, None
    if getattr(args, "_pin", None) is None:
        args._pin = _secret_input("CRVS_FIELD_PIN", f"PIN for {name}: ")
    return name, args._pin


def _open_device(args: argparse.Namespace) -> Any:
    """With --user: unlock the device with that user's PIN (key slot). Without: the agent key."""
    from app.device import Device
    from app.security.users import AuthenticationError

    country = Path(args.country) if args.country else None
    name, pin = _user_and_pin(args)
    if name is not None:
        from app.security.keyslots import KeySlots

        if KeySlots(_data_dir(args)).has(name):
            try:
                return Device.open(_data_dir(args), country, user=name, pin=pin)
            except AuthenticationError as exc:
                raise CliError(str(exc), EXIT_REFUSED) from None
    return Device.open(_data_dir(args), country)


def _login(args: argparse.Namespace, device: Any) -> Any:
    from app.security.users import AuthenticationError

    if device.actor is not None:
        return device.actor
    name, pin = _user_and_pin(args)
    if not name:
        raise CliError("this command needs --user NAME (or CRVS_FIELD_USER)")
    try:
        return device.users.authenticate(name, pin or "")
    except AuthenticationError as exc:
        raise CliError(str(exc), EXIT_REFUSED) from None


# ------------------------------------------------------------------------------------ commands


def cmd_config_check(args: argparse.Namespace) -> int:
    from app.config.loader import ConfigError, load_country
    from app.device import default_country_dir

    path = Path(args.path) if args.path else (Path(args.country) if args.country else default_country_dir())
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

    _print_json(country_json_schema())
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from app.device import Device

    pin = _secret_input("CRVS_FIELD_PIN", f"New PIN for {args.admin}: ")
    from app.security.users import MIN_PIN_LENGTH

    if len(pin) < MIN_PIN_LENGTH:
        raise CliError(f"a PIN has at least {MIN_PIN_LENGTH} characters")
    device = Device.initialise(_data_dir(args), Path(args.country) if args.country else None,
                               admin=args.admin, pin=pin, agent_key=args.agent_key,
                               center_id=args.center_id, machine_id=args.machine_id)
    ids = device.settings.mosip_ids()
    device.close()
    where = " and an agent key file (0600)" if args.agent_key else ""
    print(f"device initialised in {device.data_dir} for {device.country.name}; admin {args.admin} "
          f"with a key slot{where}; MOSIP centre {ids.center_id}, machine {ids.machine_id}")
    return EXIT_OK


def cmd_device_set(args: argparse.Namespace) -> int:
    from app.device_settings import DeviceSettingError

    device = _open_device(args)
    try:
        admin = _login(args, device)
        try:
            ids = device.settings.set_mosip_ids(admin, center_id=args.center_id, machine_id=args.machine_id)
        except DeviceSettingError as exc:
            raise CliError(str(exc), EXIT_REFUSED if "admin" in str(exc) else EXIT_USAGE) from None
    finally:
        device.close()
    print(f"MOSIP centre {ids.center_id}, machine {ids.machine_id}")
    return EXIT_OK


def cmd_device_show(args: argparse.Namespace) -> int:
    device = _open_device(args)
    try:
        ids = device.settings.mosip_ids()
    finally:
        device.close()
    _print_json({"center_id": ids.center_id, "machine_id": ids.machine_id})
    return EXIT_OK


def cmd_users_add(args: argparse.Namespace) -> int:
    device = _open_device(args)
    try:
        admin = _login(args, device)
        pin = _secret_input("CRVS_FIELD_NEW_PIN", f"New PIN for {args.name}: ")
        device.add_user(admin, args.name, args.role, pin, language=args.language)
    finally:
        device.close()
    print(f"user {args.name} added as {args.role}")
    return EXIT_OK


def cmd_users_remove(args: argparse.Namespace) -> int:
    device = _open_device(args)
    try:
        device.remove_user(_login(args, device), args.name)
    finally:
        device.close()
    print(f"user {args.name} removed; their key slot is destroyed")
    return EXIT_OK


def cmd_users_pin(args: argparse.Namespace) -> int:
    device = _open_device(args)
    try:
        actor = _login(args, device)
        new_pin = _secret_input("CRVS_FIELD_NEW_PIN", "New PIN: ")
        device.change_pin(actor.name, args._pin, new_pin)
    finally:
        device.close()
    print("PIN changed")
    return EXIT_OK


def cmd_agent_key(args: argparse.Namespace) -> int:
    device = _open_device(args)
    try:
        where = device.provision_agent_key(_login(args, device), key_file=Path(args.file) if args.file else None,
                                           use_keyring=args.keyring)
    finally:
        device.close()
    print(f"agent key provisioned in {where}: whoever can read it can open the database")
    return EXIT_OK


def record_summary(record: Any) -> dict[str, Any]:
    return {"id": record.id, "tracking_id": record.tracking_id, "event": record.event,
            "status": record.status, "requires_attention": record.requires_attention,
            "registration_number": record.registration_number,
            "updated_at": record.updated_at.isoformat() if record.updated_at else None}


# a person's data source, for people reading the CLI (app.records.provenance.DataSource)
DATA_SOURCE_TEXT = {"qr_signed": "signed QR code", "qr_unsigned": "unsigned QR code (unverified)",
                    "esignet": "e-Signet", "typed": "typed by hand"}


def data_source_text(source: str | None, edited: bool = False) -> str:
    text = DATA_SOURCE_TEXT.get(source or "", source or "unknown")
    return f"edited by hand after {text}" if edited else text


def record_json(detail: Any) -> dict[str, Any]:
    record = detail.record
    # a whitelist: the person's state holds nothing else worth showing, and tokens stay out
    persons = {section: {"verification": state.get("verification", "none"),
                         "failed_attributes": state.get("failed_attributes", []),
                         **{k: state[k] for k in ("psut", "vid", "uin", "source") if state.get(k)},
                         **({"source_edited": True} if state.get("source_edited") else {})}
               for section, state in record.persons.items()}
    return {
        **record_summary(record),
        "attention_reason": record.attention_reason,
        "declaration": record.declaration,
        "persons": persons,
        "mosip": record.mosip,
        "correction": record.correction,
        "outbox": [{"kind": o.kind, "state": o.state, "attempts": o.attempts, "last_error": o.last_error,
                    "idempotency_key": o.idempotency_key} for o in detail.outbox],
        "history": [{"seq": h.seq, "at": h.at.isoformat(), "actor": h.actor, "kind": h.kind,
                     "details": h.details} for h in detail.history],
        "available_actions": [a.value for a in detail.available],
    }


def cmd_records_declare(args: argparse.Namespace) -> int:
    data = read_data_file(args.data)
    device = _open_device(args)
    try:
        actor = _login(args, device)
        if args.draft:
            record = device.records.create_draft(actor, args.event, data)
        else:
            record = device.records.declare(actor, event=args.event, data=data)
    finally:
        device.close()
    if args.json:
        _print_json(record_summary(record))
    else:
        print(record.id)
    return EXIT_OK


def cmd_records_act(args: argparse.Namespace) -> int:
    data = read_data_file(args.data) if args.data else None
    device = _open_device(args)
    try:
        actor = _login(args, device)
        record = device.records.act(actor, args.id, args.action, data=data, reason=args.reason)
    finally:
        device.close()
    if args.json:
        _print_json(record_summary(record))
    else:
        print(f"{record.tracking_id}: {record.status}")
    return EXIT_OK


def cmd_records_list(args: argparse.Namespace) -> int:
    device = _open_device(args)
    try:
        _login(args, device)
        records = device.records.list_records(args.queue, args.search, limit=args.limit)
        counts = device.records.queue_counts()
    finally:
        device.close()
    if args.json:
        _print_json({"records": [record_summary(r) for r in records], "queues": counts})
        return EXIT_OK
    for r in records:
        flag = " !" if r.requires_attention else ""
        print(f"{r.tracking_id}  {r.event:<5}  {r.status:<28}{flag}  {r.id}")
    print("queues: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return EXIT_OK


def cmd_records_show(args: argparse.Namespace) -> int:
    device = _open_device(args)
    try:
        actor = _login(args, device)
        detail = device.records.detail(args.id, role=actor.role)
    finally:
        device.close()
    view = record_json(detail)
    if args.json:
        _print_json(view)
        return EXIT_OK
    print(f"{view['tracking_id']} ({view['event']}): {view['status']}"
          + (f"  registration {view['registration_number']}" if view["registration_number"] else ""))
    if view["requires_attention"]:
        print(f"  requires attention: {view['attention_reason']}")
    for section, person in view["persons"].items():
        failed = person["failed_attributes"]
        extra = f" ({', '.join(failed)} did not match)" if failed else ""
        ids = " ".join(f"{k.upper()} {v[:6]}…" for k, v in person.items() if k in ("psut", "vid", "uin"))
        source = (f" — data: {data_source_text(person['source'], person.get('source_edited', False))}"
                  if person.get("source") else "")
        print(f"  {section}: {person['verification']}{extra} {ids}".rstrip() + source)
    for key, value in view["mosip"].items():
        print(f"  MOSIP {key}: {value}")
    for item in view["outbox"]:
        print(f"  outbox {item['kind']}: {item['state']} (attempts {item['attempts']})"
              + (f" — {item['last_error']}" if item["last_error"] else ""))
    print("  history:")
    for h in view["history"]:
        details = json.dumps(h["details"], ensure_ascii=False)
        print(f"    {h['at'][:19]}  {h['actor']:<12} {h['kind']:<22} {details}")
        for section, change in (h["details"].get("data_sources") or {}).items():
            print(f"    {'':19}  {'':<12} {'data-source':<22} {section}: "
                  f"{data_source_text(change.get('source'), bool(change.get('edited')))}")
    return EXIT_OK


def cmd_records_prefill(args: argparse.Namespace) -> int:
    """Fill a draft's person section from an ID QR code, as the scan dialog does: a signed code
    whose issuer is trusted is a signed source; an unsigned one the country accepts is unverified."""
    from app.identity.mapping import identity_to_fields
    from app.records.provenance import DataSource
    from crvs_field.cli.qr import QrCommandError, decode_identity

    device = _open_device(args)
    try:
        actor = _login(args, device)
        try:
            decoded = decode_identity(device.country, args.qr, args.trusted_key)
        except QrCommandError as exc:
            print(str(exc), file=sys.stderr)
            return exc.code
        record = device.records.get(args.id)
        fields = identity_to_fields(device.country, record.event, args.section, decoded.identity)
        if not fields:
            raise CliError(f"the code holds no details the section '{args.section}' can use", EXIT_REFUSED)
        source = DataSource.QR_SIGNED if decoded.signature == "valid" else DataSource.QR_UNSIGNED
        record = device.records.prefill(actor, record.id, args.section, source, fields)
    finally:
        device.close()
    summary = {**record_summary(record), "section": args.section, "source": source.value, "fields": sorted(fields)}
    if args.json:
        _print_json(summary)
    else:
        print(f"{record.tracking_id}: {args.section} filled from a {data_source_text(source.value)} "
              f"({len(fields)} fields)")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from app import audit

    device = _open_device(args)
    try:
        with device.db.read() as session:
            broken = audit.verify(session)
    finally:
        device.close()
    if broken is None:
        print("audit chain holds")
        return EXIT_OK
    print(f"audit chain broken at event {broken.seq} ({broken.kind}, {broken.at.isoformat()})",
          file=sys.stderr)
    return EXIT_REFUSED


def cmd_secrets_import(args: argparse.Namespace) -> int:
    from app.records import Role
    from app.security.secrets import SecretStore

    data = read_data_file(args.file)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise CliError(f"{args.file}: expected an object of secret name -> text (PEM, key, secret)")
    device = _open_device(args)
    try:
        actor = _login(args, device)
        if actor.role is not Role.ADMIN:
            raise CliError("importing secrets needs an admin", EXIT_REFUSED)
        store = SecretStore(device.db)
        for name, value in data.items():
            store.put(name, value.encode(), actor=actor)
    finally:
        device.close()
    print(f"imported {len(data)} secrets: {', '.join(sorted(data))}")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    import signal
    import threading
    import time

    from app.mosip.settings import load_settings
    from app.security.secrets import MissingSecret, SecretStore
    from sync.agent import SyncAgent

    device = _open_device(args)
    try:
        try:
            settings = load_settings(device.country, SecretStore(device.db))
        except MissingSecret as exc:
            raise CliError(str(exc)) from None
        agent = SyncAgent(device.records, device.country, settings)
        if not args.once:
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            agent.start()
            print("sync agent running (Ctrl+C to stop)", flush=True)
            stop.wait()
            agent.stop()
            return EXIT_OK
        try:
            if agent.receiver is not None:
                agent.receiver.start()
        except OSError as exc:
            print(f"warning: WebSub callback not started ({exc.strerror}); confirmations wait for the agent",
                  file=sys.stderr)
            agent.receiver = None
        try:
            # one probe can meet a dropped connection on a poor line: three tries before "offline"
            for attempt in range(3):
                if agent.connectivity.probe_once():
                    agent.connectivity.observe(True)
                    break
                time.sleep(0.5 * (attempt + 1))
            if not agent.connectivity.online:
                counts = agent.ledger.counts()
                print(f"offline: MOSIP is unreachable; {counts['pending'] + counts['in_flight']} items stay queued")
                return EXIT_OK
            agent.resubscribe()
            summary = agent.drain()
            deadline = time.monotonic() + max(0.0, args.linger)
            while time.monotonic() < deadline and device.records.awaiting_confirmation():
                time.sleep(0.2)
        finally:
            if agent.receiver is not None:
                agent.receiver.stop()
        if summary is None:
            raise CliError("another drain is running", EXIT_REFUSED)
        result = summary.as_dict()
        if args.json:
            _print_json(result)
        else:
            print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.items() if k != "alert"))
            if summary.alert:
                print(f"stopped: {summary.alert}", file=sys.stderr)
        return EXIT_REFUSED if summary.quarantined or summary.alert else EXIT_OK
    finally:
        device.close()


def cmd_audit_export(args: argparse.Namespace) -> int:
    """A record's whole history as JSON (with each event's hash and the chain check)."""
    from app import audit

    device = _open_device(args)
    try:
        actor = _login(args, device)
        detail = device.records.detail(args.id, role=actor.role)
        with device.db.read() as session:
            broken = audit.verify(session)
    finally:
        device.close()
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


def cmd_qr_decode(args: argparse.Namespace) -> int:
    from crvs_field.cli.qr import decode_command

    return decode_command(args)


def cmd_esignet_login(args: argparse.Namespace) -> int:
    from crvs_field.cli.esignet import login_command

    device = _open_device(args)
    try:
        return login_command(args, device, _login(args, device))
    finally:
        device.close()


def cmd_demo(args: argparse.Namespace) -> int:
    from crvs_field.demo import run_demo

    return run_demo(args)


def cmd_app(args: argparse.Namespace) -> int:
    """No command: the desktop app, with the sync agent beside it once the device is open (at once
    with a provisioned agent key; otherwise when a user's PIN unlocks it, until sign-out)."""
    from app.device import Device, DeviceError
    from app.mosip.settings import load_settings
    from app.security.secrets import MissingSecret, SecretStore
    from app.sync_status import SyncStatusHub
    from sync.agent import SyncAgent
    from ui.app import main as ui_main

    data_dir = _data_dir(args)
    country = Path(args.country) if args.country else None
    hub = SyncStatusHub()
    running: dict[str, Any] = {}

    def start_agent(device: Any) -> None:
        if "agent" in running:
            return
        try:
            settings = load_settings(device.country, SecretStore(device.db))
        except MissingSecret as exc:
            print(f"warning: sync is off: {exc}", file=sys.stderr)
            return
        agent = SyncAgent(device.records, device.country, settings, hub)
        agent.start()
        running["agent"] = agent

    def stop_agent() -> None:
        agent = running.pop("agent", None)
        if agent is not None:
            agent.stop()

    def sync_now() -> None:
        if "agent" in running:
            running["agent"].sync_now()

    agent_device = None
    try:
        agent_device = Device.open(data_dir, country)
        start_agent(agent_device)
    except (DeviceError, OSError):
        agent_device = None  # locked: the agent starts when a user signs in
    try:
        return ui_main(data_dir, country, sync_hub=hub, sync_now=sync_now,
                       on_unlocked=None if agent_device else start_agent,
                       on_locked=None if agent_device else stop_agent)
    finally:
        stop_agent()
        if agent_device is not None:
            agent_device.close()


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
                                        "reject", "retry", "remove-from-queue"])
    act.add_argument("--data", help="JSON file: corrected or edited fields")
    act.add_argument("--reason")
    act.add_argument("--json", action="store_true")
    act.set_defaults(func=cmd_records_act)
    listing = records.add_parser("list", help="records of a work queue")
    listing.add_argument("--queue")
    listing.add_argument("--search")
    listing.add_argument("--limit", type=int, default=50)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is None:
        args.func = cmd_app
    if args.command not in ("config", "demo"):
        from app.logs import configure

        configure(_data_dir(args))
    from app.config.loader import ConfigError
    from app.device import DeviceError
    from app.records import DeclarationInvalid, WorkflowError
    from app.security.users import AuthenticationError, UserError

    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except DeclarationInvalid as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return EXIT_USAGE
    except AuthenticationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (DeviceError, UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkflowError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

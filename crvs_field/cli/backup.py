"""`crvs-field backup` and `crvs-field restore` (issue 19; app/backup.py does the work)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from crvs_field.cli.command import EXIT_OK, EXIT_REFUSED, CliError, command, print_json, secret_input

if TYPE_CHECKING:
    from app.backup_relay import RelayBackups
    from app.device import Device

RESEND_NOTE = ("Items delivered after the backup was taken will be sent again: that is safe, each carries "
               "its MOSIP idempotency key (IDA transaction id, RID): createPacket rewrites the same packet "
               "and a second workflow start is answered RPR-WIS-001 (already done).")


@command(needs_device=True)
def cmd_backup(args: argparse.Namespace, device: Device) -> int:
    """Admin (with a PIN) or the agent key (unattended): the agent key holds the data key already."""
    from app.backup import create_backup

    if device.actor is not None and device.actor.role.value != "admin":
        raise CliError("a backup needs an admin's PIN or the agent key", EXIT_REFUSED)
    destination = Path(args.to) if args.to else device.data_dir.parent / "backups"
    if not args.to:
        destination.mkdir(mode=0o700, exist_ok=True)
    result = create_backup(device.db, device.data_dir, destination)
    manifest = result.manifest
    if args.json:
        print_json({"path": str(result.path), "bytes": result.size_bytes, "seconds": round(result.seconds, 3),
                    "manifest": manifest.__dict__})
        return EXIT_OK
    print(f"backup written: {result.path}")
    print(f"  device {manifest.device_id[:12]}, schema {manifest.schema_revision}, {manifest.records} records, "
          f"{manifest.audit_events} audit events (head {manifest.audit_head_seq}), "
          f"{result.size_bytes / 1e6:.1f} MB in {result.seconds:.1f} s")
    print("  it opens with the PIN of any user who has one now; keep it as safe as the device")
    return EXIT_OK


def _relay_backups(args: argparse.Namespace) -> RelayBackups:
    """The relay's backup store with this device's credential: on a new machine there is no device
    (and no secret store) yet, so the URL is given and the token read from the environment or a file."""
    from app.backup_relay import RelayBackups
    from app.mosip.relay import RelayClient, RelaySettings

    if not args.relay_url or not args.relay_url.startswith(("https://", "http://")):
        raise CliError("--from-relay needs --relay-url https://… (the relay this device backed up to)")
    if args.relay_token_file:
        token = Path(args.relay_token_file).read_text(encoding="utf-8").strip()
    else:
        token = secret_input("CRVS_RELAY_TOKEN", "the device's relay token: ")
    if not token or len(token) > 256:
        raise CliError("no usable relay token (CRVS_RELAY_TOKEN or --relay-token-file)")
    return RelayBackups(RelayClient(RelaySettings(base_url=args.relay_url, token=token)))


def _from_relay(args: argparse.Namespace, staging: Path) -> Path | None:
    """`list`: print the relay's backups (None); else fetch NAME (`latest`: the newest) into staging."""
    store = _relay_backups(args)
    try:
        if args.from_relay == "list":
            entries = store.list()
            if args.json:
                print_json({"backups": [entry.__dict__ for entry in entries]})
            for entry in entries if not args.json else ():
                print(f"{entry.name}  {entry.size / 1e6:.1f} MB  {entry.sha256[:12]}")
            return None
        name = args.from_relay
        if name == "latest":
            entries = store.list()
            if not entries:
                raise CliError("the relay holds no backup for this device")
            name = entries[0].name
        target = staging / "from-relay.crvsbak"
        entry = store.download(name, target)
        print(f"fetched {entry.name} from the relay ({entry.size / 1e6:.1f} MB, sha256 checked)")
        return target
    finally:
        store.client.close()


def cmd_restore(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from app.backup_restore import restore_backup

    if args.from_relay and args.backup:
        raise CliError("give either BACKUP (a file) or --from-relay NAME, not both")
    if not args.from_relay and not args.backup:
        raise CliError("restore needs BACKUP (a file) or --from-relay NAME|latest|list")
    if args.from_relay == "list":
        _from_relay(args, Path("."))
        return EXIT_OK
    if not args.user:
        raise CliError("restore needs --user ADMIN: an admin whose PIN opens the backup")
    if not args.data_dir:
        raise CliError("restore needs --data-dir NEW: a new, empty folder for the restored device")
    pin = secret_input("CRVS_FIELD_PIN", f"PIN for {args.user}: ")
    staging = None
    try:
        archive = Path(args.backup or "")
        if args.from_relay:
            parent = Path(args.data_dir).resolve().parent
            parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".crvs-fetch-", dir=parent))
            archive = _from_relay(args, staging) or archive
        result = restore_backup(archive, Path(args.data_dir), user=args.user, pin=pin, agent_key=args.agent_key)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    manifest = result.manifest
    if args.json:
        print_json({"data_dir": str(result.data_dir), "schema_before": result.schema_before,
                    "schema_after": result.schema_after, "in_flight_requeued": result.in_flight_requeued,
                    "outbox": result.outbox_by_state, "manifest": manifest.__dict__})
        return EXIT_OK
    print(f"restored into {result.data_dir}: device {manifest.device_id[:12]} "
          f"(MOSIP centre {manifest.center_id}, machine {manifest.machine_id}), backup of {manifest.created_at}")
    migrated = (f"migrated {result.schema_before} -> {result.schema_after}"
                if result.schema_before != result.schema_after else f"schema {result.schema_after}")
    print(f"  {manifest.records} records, {manifest.audit_events} audit events, audit chain holds; {migrated}")
    for status, count in sorted(manifest.records_by_status.items()):
        print(f"    {status}: {count}")
    outbox = ", ".join(f"{state} {count}" for state, count in result.outbox_by_state.items() if count)
    print(f"  outbox: {outbox or 'empty'} ({result.in_flight_requeued} in flight put back to pending)")
    print(f"  {RESEND_NOTE}")
    print("  Retire the old device: two devices with the same MOSIP machine id would make colliding RIDs.")
    if not args.agent_key:
        print("  The headless agent needs a key: `crvs-field agent-key` (admin).")
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = sub.add_parser("backup", help="an encrypted snapshot of this device (admin PIN or agent key)")
    backup.add_argument("--to", metavar="DIR", help="destination folder (default: 'backups' beside the data dir)")
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup into a new data dir (admin PIN)")
    restore.add_argument("backup", metavar="BACKUP", nargs="?", help="the archive file")
    restore.add_argument("--from-relay", metavar="NAME", help="fetch the backup NAME (or 'latest') from the "
                         "relay's backup store first; 'list' prints what the relay holds")
    restore.add_argument("--relay-url", metavar="URL", help="the relay (with --from-relay)")
    restore.add_argument("--relay-token-file", metavar="FILE", help="the device's relay token (else "
                         "CRVS_RELAY_TOKEN, else typed)")
    restore.add_argument("--data-dir", metavar="NEW", default=argparse.SUPPRESS,
                         help="a new, empty folder for the restored device")
    restore.add_argument("--agent-key", action="store_true",
                         help="also write an agent key file (0600) for the headless sync agent")
    restore.add_argument("--json", action="store_true")
    restore.set_defaults(func=cmd_restore)

"""`crvs-field audit …`: the hash chain of the device's history, checked on the device and against
the head the relay last acknowledged; a record's history as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crvs_field.cli.command import EXIT_OK, EXIT_REFUSED, command

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor


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
    from app.mosip.relay import RelayAdminKeyMismatch

    try:
        anchor = _relay_anchor(device)
    except RelayAdminKeyMismatch as exc:   # the trust root itself is in question, not just the chain
        print(f"the relay's anchor does not hold: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
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
    from app.mosip.relay import RelayAdminKeyMismatch, RelayClient
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
    except RelayAdminKeyMismatch:
        raise
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


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = sub.add_parser("audit", help="audit history").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the hash chain").set_defaults(func=cmd_audit_verify)
    export = audit.add_parser("export", help="a record's history as JSON")
    export.add_argument("id")
    export.add_argument("--out")
    export.set_defaults(func=cmd_audit_export)

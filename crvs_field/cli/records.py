"""`crvs-field records …`: declare, act on, list, show and prefill declarations, and the JSON
views of a record that the CLI prints (a stable contract, DESIGN §9)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from crvs_field.cli.command import EXIT_OK, EXIT_REFUSED, CliError, command, print_json, read_data_file

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor, RecordDetail
    from app.store.models import Record


def record_summary(record: Record) -> dict[str, Any]:
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


def record_json(detail: RecordDetail) -> dict[str, Any]:
    from app.messages import Notice, english

    record = detail.record
    # a whitelist: the person's state holds nothing else worth showing, and tokens stay out
    persons = {section: {"verification": state.get("verification", "none"),
                         "failed_attributes": state.get("failed_attributes", []),
                         **{k: state[k] for k in ("psut", "vid", "uin", "source") if state.get(k)},
                         **({"source_edited": True} if state.get("source_edited") else {})}
               for section, state in record.persons.items()}
    attention = Notice.read(record.attention_reason)
    return {
        **record_summary(record),
        "attention_reason": attention.text if attention else None,
        "attention_code": attention.code if attention else None,
        "declaration": record.declaration,
        "persons": persons,
        "mosip": record.mosip,
        "upstream": upstream_json(record),
        "correction": record.correction,
        "outbox": [{"kind": o.kind, "state": o.state, "attempts": o.attempts,
                    "last_error": english(o.last_error) or None, "idempotency_key": o.idempotency_key}
                   for o in detail.outbox],
        "history": [{"seq": h.seq, "at": h.at.isoformat(), "actor": h.actor, "kind": h.kind,
                     "details": h.details} for h in detail.history],
        "available_actions": [a.value for a in detail.available],
    }


def upstream_json(record: Any) -> dict[str, Any] | None:
    """Where the record stands in OpenCRVS core (deployment mode `opencrvs`), else None."""
    from app.records.upstream import UpstreamStatus

    status = UpstreamStatus.of(record)
    if status is None:
        return None
    return {"state": status.state.value, "event_id": status.event_id, "tracking_id": status.tracking_id,
            "registration_number": status.registration_number, "nid": status.nid, "reason": status.reason,
            "field_errors": [{"field": e.field, "opencrvs_field": e.opencrvs_field, "message": e.message}
                             for e in status.field_errors],
            "changed_at": status.changed_at}


@command(needs_user=True)
def cmd_records_declare(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    data = read_data_file(args.data)
    if args.draft:
        record = device.records.create_draft(actor, args.event, data)
    else:
        record = device.records.declare(actor, event=args.event, data=data, confirmed=args.confirm)
    if args.json:
        print_json(record_summary(record))
    else:
        print(record.id)
    return EXIT_OK


@command(needs_user=True)
def cmd_records_act(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    data = read_data_file(args.data) if args.data else None
    record = device.records.act(actor, args.id, args.action, data=data, reason=args.reason, confirmed=args.confirm)
    if args.json:
        print_json(record_summary(record))
    else:
        print(f"{record.tracking_id}: {record.status}")
    return EXIT_OK


@command(needs_user=True)
def cmd_records_list(args: argparse.Namespace, device: Device) -> int:
    records = device.records.list_records(args.queue, args.search, limit=args.limit)
    counts = device.records.queue_counts()
    if args.json:
        print_json({"records": [record_summary(r) for r in records], "queues": counts})
        return EXIT_OK
    for r in records:
        flag = " !" if r.requires_attention else ""
        print(f"{r.tracking_id}  {r.event:<5}  {r.status:<28}{flag}  {r.id}")
    print("queues: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return EXIT_OK


@command(needs_user=True)
def cmd_records_show(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    from app.records.history import history_entries

    detail = device.records.detail(args.id, role=actor.role)
    view = record_json(detail)
    if args.json:
        print_json(view)
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
    upstream = view["upstream"]
    if upstream is not None:
        known = [f"{label} {upstream[key]}" for key, label in (("tracking_id", "tracking"),
                 ("registration_number", "registration"), ("nid", "NID")) if upstream.get(key)]
        print(f"  OpenCRVS: {upstream['state']}" + (f" ({', '.join(known)})" if known else ""))
        if upstream.get("reason"):
            print(f"  OpenCRVS reason: {upstream['reason']}")
        for error in upstream["field_errors"]:
            print(f"  OpenCRVS refused {error['field'] or error['opencrvs_field']}: {error['message']}")
    for item in view["outbox"]:
        print(f"  outbox {item['kind']}: {item['state']} (attempts {item['attempts']})"
              + (f" — {item['last_error']}" if item["last_error"] else ""))
    print("  history:")
    for entry in history_entries(detail.history):     # a run of draft saves is one line
        details = json.dumps(entry.details, ensure_ascii=False)
        print(f"    {entry.at.isoformat()[:19]}  {entry.actor:<12} {entry.kind:<22} {details}")
        for section, change in entry.source_changes:
            print(f"    {'':19}  {'':<12} {'data-source':<22} {section}: "
                  f"{data_source_text(change.get('source'), bool(change.get('edited')))}")
    return EXIT_OK


@command(needs_user=True)
def cmd_records_prefill(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    """Fill a draft's person section from an ID QR code, as the scan dialog does: a signed code
    whose issuer is trusted is a signed source; an unsigned one the country accepts is unverified."""
    from app.identity.mapping import identity_to_fields
    from app.records.provenance import DataSource
    from crvs_field.cli.qr import QrCommandError, decode_identity

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
    summary = {**record_summary(record), "section": args.section, "source": source.value, "fields": sorted(fields)}
    if args.json:
        print_json(summary)
    else:
        print(f"{record.tracking_id}: {args.section} filled from a {data_source_text(source.value)} "
              f"({len(fields)} fields)")
    return EXIT_OK

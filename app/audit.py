"""Hash-chained audit history: each event carries the hash of the previous one, so an edited,
deleted or reordered event breaks the chain (`crvs-field audit verify`). Details name fields,
rules and codes — never personal data."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from app.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
_LAST_IN_TRANSACTION = "audit.last_event"  # session.info key; a write session is one transaction
_BATCH = "audit.batch"  # session.info key: rows waiting for one executemany (see `batched`)
_TABLE: Table = AuditEvent.__table__  # type: ignore[attr-defined]
# Core statements: an event is a plain row (no ORM object, no flush of the caller's changes)
_INSERT = insert(_TABLE)
_HEAD = select(_TABLE.c.seq, _TABLE.c.hash).order_by(_TABLE.c.seq.desc()).limit(1)


def _digest_of(*, seq: int | None, record_id: str | None, at: dt.datetime, actor: str, kind: str,
               details: Any, prev_hash: str) -> str:
    body = json.dumps(
        {"seq": seq, "record_id": record_id, "at": at.isoformat(), "actor": actor,
         "kind": kind, "details": details, "prev_hash": prev_hash},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _digest(event: AuditEvent) -> str:
    return _digest_of(seq=event.seq, record_id=event.record_id, at=event.at, actor=event.actor,
                      kind=event.kind, details=event.details, prev_hash=event.prev_hash)


def append(session: Session, *, actor: str, kind: str, record_id: str | None = None,
           details: dict[str, Any] | None = None) -> tuple[int, str]:
    """Add an event inside the caller's write transaction (which serialises writers); its
    (seq, hash). Inside `batched`, the row is inserted when the batch ends."""
    last = session.info.get(_LAST_IN_TRANSACTION)
    if last is None:  # the newest committed event; those of this transaction are remembered below
        row = session.execute(_HEAD).first()
        last = (row[0], row[1]) if row else (0, GENESIS)
    at, details = utcnow(), details or {}
    seq, prev_hash = last[0] + 1, last[1]
    digest = _digest_of(seq=seq, record_id=record_id, at=at, actor=actor, kind=kind, details=details,
                        prev_hash=prev_hash)
    row = {"seq": seq, "record_id": record_id, "at": at, "actor": actor, "kind": kind, "details": details,
           "prev_hash": prev_hash, "hash": digest}
    batch = session.info.get(_BATCH)
    if batch is not None:
        batch.append(row)
    else:
        session.execute(_INSERT, row)
    session.info[_LAST_IN_TRANSACTION] = (seq, digest)
    return seq, digest


@contextlib.contextmanager
def batched(session: Session) -> Iterator[None]:
    """Events appended inside are inserted together when it ends (one executemany): for writers
    that append many at once (a group of delivery outcomes) and do not read them back meanwhile."""
    if session.info.get(_BATCH) is not None:  # already batching: the outer batch inserts them
        yield
        return
    rows: list[dict[str, Any]] = []
    session.info[_BATCH] = rows
    try:
        yield
    finally:
        del session.info[_BATCH]
    if rows:
        session.execute(_INSERT, rows)


def verify(session: Session) -> AuditEvent | None:
    """The first event that breaks the chain, or None when the whole history holds."""
    prev_hash, expected_seq = GENESIS, 1
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))):
        if event.seq != expected_seq or event.prev_hash != prev_hash or _digest(event) != event.hash:
            return event
        prev_hash, expected_seq = event.hash, expected_seq + 1
    return None


def history(session: Session, record_id: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.record_id == record_id)
                             .order_by(col(AuditEvent.seq))))


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest event — what the relay keeps as this device's anchor — or (0, GENESIS)."""
    row = session.exec(select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def hash_at(session: Session, seq: int) -> str | None:
    """The hash of event `seq` in the local chain (None: no such event)."""
    event = session.get(AuditEvent, seq)
    return event.hash if event is not None else None


class AnchorMismatch(StrEnum):
    MISSING = "missing"       # the chain ends before the anchored event: the newest events were deleted
    REWRITTEN = "rewritten"   # the anchored event's hash differs: the chain was rewritten


def compare_anchor(session: Session, seq: int, digest: str) -> AnchorMismatch | None:
    """Compare the local chain with a head acknowledged outside the device: the event `seq` must
    still exist with hash `digest`. Together with `verify` (each event chains onto the one before),
    no event up to the anchor can have been changed, deleted or rewritten unseen."""
    if seq == 0:
        return None
    event = session.get(AuditEvent, seq)
    if event is None:
        return AnchorMismatch.MISSING
    return None if hmac.compare_digest(event.hash, digest) else AnchorMismatch.REWRITTEN

"""Hash-chained audit history: each event carries the hash of the previous one, so an edited,
deleted or reordered event breaks the chain (`crvs-field audit verify`). Details name fields,
rules and codes — never personal data."""

from __future__ import annotations

import hashlib
import hmac
import json
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from app.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
_LAST_IN_TRANSACTION = "audit.last_event"  # session.info key; a write session is one transaction


def _digest(event: AuditEvent) -> str:
    body = json.dumps(
        {"seq": event.seq, "record_id": event.record_id, "at": event.at.isoformat(), "actor": event.actor,
         "kind": event.kind, "details": event.details, "prev_hash": event.prev_hash},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def append(session: Session, *, actor: str, kind: str, record_id: str | None = None,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Add an event inside the caller's write transaction (which serialises writers)."""
    last = session.info.get(_LAST_IN_TRANSACTION)
    if last is None:
        # The newest committed event. No autoflush: the caller's pending rows do not change the
        # answer (events of this transaction are remembered below), and flushing them here would
        # cost a second flush per action.
        with session.no_autoflush:
            row = session.exec(select(AuditEvent.seq, AuditEvent.hash).order_by(col(AuditEvent.seq).desc())
                               .limit(1)).first()
        last = (row[0], row[1]) if row else (0, GENESIS)
    event = AuditEvent(seq=last[0] + 1, record_id=record_id, at=utcnow(), actor=actor, kind=kind,
                       details=details or {}, prev_hash=last[1], hash="")
    event.hash = _digest(event)
    session.add(event)
    session.info[_LAST_IN_TRANSACTION] = (event.seq, event.hash)
    return event


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

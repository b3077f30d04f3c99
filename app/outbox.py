"""The outbox ledger: which items are due, who holds them, and until when.

Items are leased (in_flight, with an expiry) before they are sent, so a crash, a kill -9 or a
power cut leaves nothing lost: a lease that expired is handed out again on the next drain. Every
change is one short write transaction. What became of a delivery (done, retry later, quarantined)
is written with its effect on the record by `app.delivery`; items are queued by the record
commands (`app.records.commands`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import col, select

from app.store import Database
from app.store.models import OutboxItem, utcnow
from app.vocabulary import PACKET_KINDS, OutboxState

_PACKET_KINDS = sorted(PACKET_KINDS)  # as values, for IN (...)


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 5
    max_seconds: float = 3600

    def delay(self, attempts: int, rng: random.Random | None = None) -> dt.timedelta:
        """Exponential with jitter (50–100 % of the step), so devices do not retry in lockstep."""
        step = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return dt.timedelta(seconds=step * (rng or random).uniform(0.5, 1.0))


class OutboxLedger:
    def __init__(self, db: Database, clock=utcnow):  # type: ignore[no-untyped-def]
        self.db = db
        self.clock = clock

    def recover_stale(self) -> int:
        """Leases that expired (their holder died) go back to pending, attempts unchanged."""
        now = self.clock()
        with self.db.write() as session:
            stale = session.exec(select(OutboxItem).where(OutboxItem.state == OutboxState.IN_FLIGHT,
                                                          col(OutboxItem.leased_until) < now)).all()
            for item in stale:
                item.state, item.lease_owner, item.leased_until = OutboxState.PENDING.value, None, None
                item.updated_at = now
                session.add(item)
            return len(stale)

    def lease_due(self, owner: str, *, limit: int, lease_seconds: float) -> list[OutboxItem]:
        """Take up to `limit` due items. A record's MOSIP operations go one at a time, in order.
        The candidates are read without their payloads; only the leased items are loaded whole."""
        now = self.clock()
        with self.db.write() as session:
            busy = set(session.exec(select(OutboxItem.record_id).where(
                OutboxItem.state == OutboxState.IN_FLIGHT, col(OutboxItem.kind).in_(_PACKET_KINDS))).all())
            candidates = session.exec(
                select(OutboxItem.id, OutboxItem.kind, OutboxItem.record_id)
                .where(OutboxItem.state == OutboxState.PENDING, col(OutboxItem.next_attempt_at) <= now)
                .order_by(col(OutboxItem.id)).limit(limit * 4)).all()
            blocked = set(busy)
            earlier_pending = set(session.exec(select(OutboxItem.record_id).where(
                col(OutboxItem.state).in_((OutboxState.PENDING, OutboxState.QUARANTINED)),
                col(OutboxItem.kind).in_(_PACKET_KINDS), col(OutboxItem.next_attempt_at) > now)).all())
            chosen: list[int] = []
            for item_id, kind, record_id in candidates:
                if len(chosen) >= limit:
                    break
                if kind in PACKET_KINDS:
                    if record_id in blocked or record_id in earlier_pending:
                        continue
                    blocked.add(record_id)
                chosen.append(item_id)
            if not chosen:
                return []
            session.execute(
                update(OutboxItem).where(col(OutboxItem.id).in_(chosen))
                .values(state=OutboxState.IN_FLIGHT.value, lease_owner=owner,
                        leased_until=now + dt.timedelta(seconds=lease_seconds), updated_at=now)
                .execution_options(synchronize_session=False))
            return list(session.exec(select(OutboxItem).where(col(OutboxItem.id).in_(chosen))
                                     .order_by(col(OutboxItem.id))).all())

    def release(self, item_ids: list[int]) -> None:
        """Give leases back untouched (the batch stopped before sending them)."""
        with self.db.write() as session:
            for item_id in item_ids:
                item = session.get(OutboxItem, item_id)
                if item is not None and item.state == OutboxState.IN_FLIGHT:
                    item.state, item.lease_owner, item.leased_until = OutboxState.PENDING.value, None, None
                    session.add(item)

    def counts(self) -> dict[str, int]:
        with self.db.read() as session:
            rows = session.exec(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()
        counts = {state.value: 0 for state in OutboxState}
        counts.update({state: n for state, n in rows})
        return counts

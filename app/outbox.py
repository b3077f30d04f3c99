"""The outbox ledger: what must leave the device, who holds it, and when it may be tried again.

Items are leased (in_flight, with an expiry) before they are sent, so a crash, a kill -9 or a
power cut leaves nothing lost: a lease that expired is handed out again on the next drain. Every
change is one short write transaction; the outcome of a delivery commits together with its effect
on the record (the caller opens the transaction and the services join it).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import col, select

from app import audit
from app.store import Database
from app.store.models import OutboxItem, Record, utcnow

PACKET_KINDS = ("create_uin", "update_biographics", "mark_deceased")


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
            stale = session.exec(select(OutboxItem).where(OutboxItem.state == "in_flight",
                                                          col(OutboxItem.leased_until) < now)).all()
            for item in stale:
                item.state, item.lease_owner, item.leased_until = "pending", None, None
                item.updated_at = now
                session.add(item)
            return len(stale)

    def lease_due(self, owner: str, *, limit: int, lease_seconds: float) -> list[OutboxItem]:
        """Take up to `limit` due items. A record's MOSIP operations go one at a time, in order.
        The candidates are read without their payloads; only the leased items are loaded whole."""
        now = self.clock()
        with self.db.write() as session:
            busy = set(session.exec(select(OutboxItem.record_id).where(
                OutboxItem.state == "in_flight", col(OutboxItem.kind).in_(PACKET_KINDS))).all())
            candidates = session.exec(
                select(OutboxItem.id, OutboxItem.kind, OutboxItem.record_id)
                .where(OutboxItem.state == "pending", col(OutboxItem.next_attempt_at) <= now)
                .order_by(col(OutboxItem.id)).limit(limit * 4)).all()
            blocked = set(busy)
            earlier_pending = set(session.exec(select(OutboxItem.record_id).where(
                col(OutboxItem.state).in_(("pending", "quarantined")), col(OutboxItem.kind).in_(PACKET_KINDS),
                col(OutboxItem.next_attempt_at) > now)).all())
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
                .values(state="in_flight", lease_owner=owner, leased_until=now + dt.timedelta(seconds=lease_seconds),
                        updated_at=now)
                .execution_options(synchronize_session=False))
            return list(session.exec(select(OutboxItem).where(col(OutboxItem.id).in_(chosen))
                                     .order_by(col(OutboxItem.id))).all())

    def complete(self, item_id: int) -> None:
        self.complete_many([item_id])

    def complete_many(self, item_ids: list[int]) -> None:
        """Delivered: one UPDATE for all of them (in the caller's transaction, with their outcomes)."""
        if not item_ids:
            return
        now = self.clock()
        with self.db.write() as session:
            for start in range(0, len(item_ids), 500):
                session.execute(
                    update(OutboxItem).where(col(OutboxItem.id).in_(item_ids[start:start + 500]))
                    .values(state="done", done_at=now, updated_at=now, lease_owner=None, leased_until=None,
                            attempts=col(OutboxItem.attempts) + 1, last_error=None)
                    .execution_options(synchronize_session=False))

    def retry_later(self, item_id: int, error: str, backoff: Backoff, *, count_attempt: bool = True) -> int:
        with self.db.write() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                return 0
            now = self.clock()
            if count_attempt:
                item.attempts += 1
            item.state, item.lease_owner, item.leased_until = "pending", None, None
            item.next_attempt_at = now + (backoff.delay(item.attempts) if count_attempt else dt.timedelta(0))
            item.last_error, item.updated_at = error[:300], now
            session.add(item)
            return item.attempts

    def quarantine(self, item_id: int, reason: str) -> str | None:
        """Stop trying; the record is flagged so a person sees why. Returns the record id."""
        with self.db.write() as session:
            item = session.get(OutboxItem, item_id)
            if item is None:
                return None
            now = self.clock()
            item.attempts += 1
            item.state, item.lease_owner, item.leased_until = "quarantined", None, None
            item.last_error, item.updated_at = reason[:300], now
            session.add(item)
            record = session.get(Record, item.record_id)
            if record is not None:
                record.requires_attention = True
                record.attention_reason = f"{item.kind}: {reason}"[:500]
                record.updated_at = now
                session.add(record)
                audit.append(session, actor="system", kind="delivery-quarantined", record_id=record.id,
                             details={"kind": item.kind, "key": item.idempotency_key, "reason": reason[:300]})
            return item.record_id

    def release(self, item_ids: list[int]) -> None:
        """Give leases back untouched (the batch stopped before sending them)."""
        with self.db.write() as session:
            for item_id in item_ids:
                item = session.get(OutboxItem, item_id)
                if item is not None and item.state == "in_flight":
                    item.state, item.lease_owner, item.leased_until = "pending", None, None
                    session.add(item)

    def requeue_record(self, record_id: str) -> int:
        """A person asked to try a flagged record's deliveries again."""
        now = self.clock()
        with self.db.write() as session:
            items = session.exec(select(OutboxItem).where(OutboxItem.record_id == record_id,
                                                          OutboxItem.state == "quarantined")).all()
            for item in items:
                item.state, item.next_attempt_at, item.updated_at = "pending", now, now
                session.add(item)
            return len(items)

    def counts(self) -> dict[str, int]:
        with self.db.read() as session:
            rows = session.exec(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()
        counts = {"pending": 0, "in_flight": 0, "done": 0, "quarantined": 0, "cancelled": 0}
        counts.update({state: n for state, n in rows})
        return counts

    def next_due(self) -> dt.datetime | None:
        with self.db.read() as session:
            return session.exec(select(func.min(OutboxItem.next_attempt_at))
                                .where(OutboxItem.state == "pending")).one()

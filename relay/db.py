"""Engine, migrations and every read/write the relay makes (synchronous; the web layer runs these in
worker threads). Each method is one transaction; nothing is cached that another instance would need.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    LargeBinary,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from .schema import (
    SUBSCRIPTION_ROW,
    audit_heads,
    awaited,
    deliveries,
    devices,
    mailbox,
    subscription,
    tamper_signals,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
TOKEN_PREFIX = "crvsr_"  # noqa: S105 (a label that makes a leaked token recognisable)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (the only PostgreSQL driver we ship)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own implicit BEGIN is turned off so that every transaction is BEGIN IMMEDIATE:
            # writers queue on the busy timeout instead of failing on a read-to-write upgrade
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")       # a committed delivery survives power loss
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # no pre-ping (a round trip per transaction): a connection the server dropped fails its statement,
    # the pool discards it, and the web layer retries once (Relay.db)
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; serialised across instances on PostgreSQL)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class HeadOutcome(StrEnum):
    ACCEPTED = "accepted"          # a new, higher head
    UNCHANGED = "unchanged"        # the same head again
    LOWER = "lower"                # a sequence below the acknowledged one: a truncated chain
    REWRITTEN = "rewritten"        # another hash at the acknowledged sequence: a rewritten chain
    STALE = "stale"                # a higher head vouched by an older anchor (a concurrent post): ask again


@dataclass(frozen=True)
class IncomingDelivery:
    dedup_key: str
    event_id: str | None
    registration_id: str | None
    data_share_uri: str | None
    body: bytes


@dataclass(frozen=True)
class AwaitResult:
    registered: int
    already: int
    made_visible: int


class RidConflict(Exception):
    def __init__(self, rids: list[str]) -> None:
        super().__init__(f"{len(rids)} registration id(s) awaited by another device")
        self.rids = rids


class Store:
    def __init__(self, engine: Engine, clock: Any = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self.postgres = engine.dialect.name == "postgresql"
        # the hot path's statement, built once (a cached compiled form): insert unless already stored,
        # returning the id and the RID's owner, read in the same statement after the RID lock
        # (plain SQL, valid on both engines: SQLAlchemy does not cache an ON CONFLICT insert's compilation)
        self._insert_delivery = text(
            "INSERT INTO deliveries (dedup_key, event_id, registration_id, data_share_uri, body, body_sha256, "
            "received_at) VALUES (:dedup_key, :event_id, :registration_id, :data_share_uri, :body, :body_sha256, "
            ":received_at) ON CONFLICT (dedup_key) DO NOTHING "
            "RETURNING id, (SELECT device_id FROM awaited WHERE registration_id = :owner_rid)"
        ).bindparams(bindparam("body", type_=LargeBinary))

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # ------------------------------------------------------------------------------------------ devices
    def add_device(self, name: str) -> str:
        """Issue a credential for ``name``; the token is returned once and only its digest kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._tx() as conn:
            conn.execute(insert(devices).values(name=name, token_sha256=token_digest(token),
                                                created_at=self.clock()))
        return token

    def revoke_device(self, name: str) -> bool:
        with self._tx() as conn:
            result = conn.execute(update(devices).where(devices.c.name == name, devices.c.revoked_at.is_(None))
                                  .values(revoked_at=self.clock()))
            return result.rowcount == 1

    def list_devices(self) -> list[dict[str, Any]]:
        with self._tx() as conn:
            waiting = (select(func.count()).select_from(mailbox)
                       .where(mailbox.c.device_id == devices.c.id, mailbox.c.acked_at.is_(None))
                       .scalar_subquery())
            awaiting = (select(func.count()).select_from(awaited)
                        .where(awaited.c.device_id == devices.c.id).scalar_subquery())
            rows = conn.execute(select(devices.c.name, devices.c.created_at, devices.c.revoked_at,
                                       waiting.label("waiting"), awaiting.label("awaited"))
                                .order_by(devices.c.name)).all()
        return [dict(row._mapping) for row in rows]

    def authenticate(self, token: str) -> int | None:
        """The device id of a valid, unrevoked token (looked up by digest: no secret compared in Python)."""
        with self._tx() as conn:
            return conn.execute(select(devices.c.id).where(devices.c.token_sha256 == token_digest(token),
                                                           devices.c.revoked_at.is_(None))).scalar()

    def check_admin_key(self, device_id: int, fingerprint: str) -> bool:
        """True when ``fingerprint`` is the admin key this device first presented (stored now if it
        presents one for the first time); False when it presents another."""
        with self._tx() as conn:
            conn.execute(update(devices).where(devices.c.id == device_id, devices.c.admin_key_sha256.is_(None))
                         .values(admin_key_sha256=fingerprint))
            stored = conn.execute(select(devices.c.admin_key_sha256).where(devices.c.id == device_id)).scalar()
        return stored == fingerprint

    # ------------------------------------------------------------------------------------------ deliveries
    def _lock_rids(self, conn: Connection, rids: Sequence[str]) -> None:
        """Serialise a delivery and a registration of the same RID (PostgreSQL: advisory transaction
        locks in a fixed order; SQLite: BEGIN IMMEDIATE already serialises every writer), so that a
        delivery racing its RID's registration is always linked by one of the two."""
        if self.postgres and rids:
            conn.execute(text("SELECT count(pg_advisory_xact_lock(hashtextextended(r, 0))) "
                              "FROM (SELECT unnest(CAST(:rids AS text[])) AS r ORDER BY 1) AS s"),
                         {"rids": sorted(set(rids))})

    def _next_cursors(self, conn: Connection, device_id: int, count: int) -> range:
        # the UPDATE locks the device's row until commit: that device's cursors commit in order
        last = conn.execute(update(devices).where(devices.c.id == device_id)
                            .values(last_cursor=devices.c.last_cursor + count)
                            .returning(devices.c.last_cursor)).scalar_one()
        return range(last - count + 1, last + 1)

    def store_delivery(self, incoming: IncomingDelivery) -> bool:
        """Store one delivery, committed on return; False when its dedup key was already stored."""
        rid = incoming.registration_id
        with self._tx() as conn:
            if rid:
                self._lock_rids(conn, [rid])
            row = conn.execute(self._insert_delivery, {
                "dedup_key": incoming.dedup_key, "event_id": incoming.event_id,
                "registration_id": rid, "data_share_uri": incoming.data_share_uri,
                "body": incoming.body, "body_sha256": hashlib.sha256(incoming.body).hexdigest(),
                "received_at": self.clock(), "owner_rid": rid}).one_or_none()
            if row is None:
                return False
            delivery_id, owner = row
            if owner is not None:
                if self.postgres:   # next cursor and mailbox row in one round trip
                    conn.execute(text(
                        "WITH c AS (UPDATE devices SET last_cursor = last_cursor + 1 WHERE id = :d "
                        "RETURNING last_cursor) "
                        "INSERT INTO mailbox (device_id, cursor, delivery_id) SELECT :d, last_cursor, :id FROM c"),
                        {"d": owner, "id": delivery_id})
                else:
                    (cursor,) = self._next_cursors(conn, owner, 1)
                    conn.execute(insert(mailbox).values(device_id=owner, cursor=cursor, delivery_id=delivery_id))
            return True

    def await_rids(self, device_id: int, rids: Sequence[str]) -> AwaitResult:
        """Register the RIDs a device awaits (all or none); deliveries already held for them become
        visible to it. A RID another device awaits raises :class:`RidConflict` (first one wins)."""
        wanted = sorted(set(rids))
        now = self.clock()
        with self._tx() as conn:
            self._lock_rids(conn, wanted)
            owners = dict(conn.execute(select(awaited.c.registration_id, awaited.c.device_id)
                                       .where(awaited.c.registration_id.in_(wanted))).all())
            taken = [rid for rid in wanted if owners.get(rid, device_id) != device_id]
            if taken:
                raise RidConflict(taken)
            new = [rid for rid in wanted if rid not in owners]
            if new:
                conn.execute(insert(awaited), [{"registration_id": rid, "device_id": device_id,
                                                "registered_at": now} for rid in new])
                held = conn.execute(
                    select(deliveries.c.id)
                    .where(deliveries.c.registration_id.in_(new), deliveries.c.acked_at.is_(None),
                           ~select(mailbox.c.delivery_id).where(mailbox.c.delivery_id == deliveries.c.id).exists())
                    .order_by(deliveries.c.id)).scalars().all()
                if held:
                    cursors = self._next_cursors(conn, device_id, len(held))
                    conn.execute(insert(mailbox), [{"device_id": device_id, "cursor": c, "delivery_id": d}
                                                   for c, d in zip(cursors, held, strict=True)])
            else:
                held = []
        return AwaitResult(registered=len(new), already=len(wanted) - len(new), made_visible=len(held))

    def forget_rids(self, device_id: int, rids: Sequence[str]) -> int:
        """The device no longer awaits these RIDs (its own only); held deliveries stay until purged."""
        with self._tx() as conn:
            return conn.execute(delete(awaited).where(awaited.c.device_id == device_id,
                                                      awaited.c.registration_id.in_(sorted(set(rids))))).rowcount

    def pull(self, device_id: int, after: int, limit: int) -> list[dict[str, Any]]:
        """The device's unacknowledged deliveries with a cursor above ``after``, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                select(mailbox.c.cursor, deliveries.c.event_id, deliveries.c.registration_id,
                       deliveries.c.data_share_uri, deliveries.c.received_at, deliveries.c.body)
                .join(deliveries, deliveries.c.id == mailbox.c.delivery_id)
                .where(mailbox.c.device_id == device_id, mailbox.c.cursor > after, mailbox.c.acked_at.is_(None))
                .order_by(mailbox.c.cursor).limit(limit)).all()
        return [dict(row._mapping) for row in rows]

    def ack(self, device_id: int, cursors: Iterable[int]) -> int:
        """Acknowledge the device's own deliveries; returns how many were newly acknowledged. The body
        is dropped then (the device holds it); the row stays until retention so a redelivery stays a
        duplicate."""
        wanted = sorted(set(cursors))
        now = self.clock()
        with self._tx() as conn:
            ids = conn.execute(update(mailbox)
                               .where(mailbox.c.device_id == device_id, mailbox.c.cursor.in_(wanted),
                                      mailbox.c.acked_at.is_(None))
                               .values(acked_at=now).returning(mailbox.c.delivery_id)).scalars().all()
            if ids:
                conn.execute(update(deliveries).where(deliveries.c.id.in_(ids)).values(acked_at=now, body=None))
        return len(ids)

    def purge(self, retention_seconds: float) -> int:
        """Delete deliveries received before the retention window (acknowledged or not)."""
        cutoff = self.clock() - retention_seconds
        with self._tx() as conn:
            old = select(deliveries.c.id).where(deliveries.c.received_at < cutoff)
            conn.execute(delete(mailbox).where(mailbox.c.delivery_id.in_(old)))
            return conn.execute(delete(deliveries).where(deliveries.c.received_at < cutoff)).rowcount

    # ------------------------------------------------------------------------------------------ audit heads
    def put_audit_head(self, device_id: int, seq: int, digest: str,
                       prev: tuple[int, str] | None = None) -> tuple[HeadOutcome, dict[str, Any] | None]:
        """Keep the device's audit chain head if it extends the acknowledged one. A higher head must
        carry ``prev``: the device chain's (seq, hash) at the acknowledged sequence — so a chain
        rewritten below the anchor cannot move the anchor onto itself by posting a higher head. A lower
        sequence, another hash at the acknowledged sequence, or a higher head whose ``prev`` hash is not
        the acknowledged one is refused and recorded as a tamper signal; a ``prev`` naming another
        sequence (the device read the anchor before a concurrent post moved it) is refused as STALE,
        which is no tamper signal."""
        now = self.clock()
        for _attempt in range(2):
            try:
                with self._tx() as conn:
                    query = select(audit_heads.c.seq, audit_heads.c.hash).where(audit_heads.c.device_id == device_id)
                    if self.postgres:
                        query = query.with_for_update()
                    current = conn.execute(query).one_or_none()
                    if current is None:
                        conn.execute(insert(audit_heads).values(device_id=device_id, seq=seq, hash=digest,
                                                                acknowledged_at=now))
                        return HeadOutcome.ACCEPTED, {"seq": seq, "hash": digest}
                    head = {"seq": current.seq, "hash": current.hash}
                    if seq == current.seq and hmac.compare_digest(digest, current.hash):
                        return HeadOutcome.UNCHANGED, head
                    if seq > current.seq and prev is not None and prev[0] != current.seq:
                        return HeadOutcome.STALE, head
                    if seq > current.seq and prev is not None and hmac.compare_digest(prev[1], current.hash):
                        conn.execute(update(audit_heads).where(audit_heads.c.device_id == device_id)
                                     .values(seq=seq, hash=digest, acknowledged_at=now))
                        return HeadOutcome.ACCEPTED, {"seq": seq, "hash": digest}
                    outcome = HeadOutcome.LOWER if seq < current.seq else HeadOutcome.REWRITTEN
                    conn.execute(insert(tamper_signals).values(device_id=device_id, at=now, reason=outcome.value,
                                                               seq=seq, acknowledged_seq=current.seq))
                    return outcome, head
            except IntegrityError:
                continue    # another request inserted the first head meanwhile: compare with it
        raise RuntimeError("audit head could not be stored")

    def get_audit_head(self, device_id: int) -> dict[str, Any] | None:
        with self._tx() as conn:
            row = conn.execute(select(audit_heads.c.seq, audit_heads.c.hash, audit_heads.c.acknowledged_at)
                               .where(audit_heads.c.device_id == device_id)).one_or_none()
        return dict(row._mapping) if row else None

    # ------------------------------------------------------------------------------------------ subscription
    def hub_secret(self) -> str:
        """The subscription's HMAC secret, generated once and shared by every instance. It must never
        change: MOSIP's hub keeps the first subscription's secret for a (topic, callback)."""
        with self._tx() as conn:
            conn.execute(update(subscription).where(subscription.c.id == SUBSCRIPTION_ROW,
                                                    subscription.c.hub_secret.is_(None))
                         .values(hub_secret=secrets.token_hex(32)))
            return conn.execute(select(subscription.c.hub_secret)
                                .where(subscription.c.id == SUBSCRIPTION_ROW)).scalar_one()

    def take_maintenance_lease(self, holder: str, seconds: float) -> bool:
        """One instance at a time re-subscribes and purges: it holds this row's lease (renewed while it
        runs; taken over by another instance once it lapses)."""
        now = self.clock()
        row = subscription.c
        with self._tx() as conn:
            result = conn.execute(update(subscription).where(
                row.id == SUBSCRIPTION_ROW,
                (row.maintenance_holder.is_(None)) | (row.maintenance_until < now) | (row.maintenance_holder == holder),
            ).values(maintenance_holder=holder, maintenance_until=now + seconds))
            return result.rowcount == 1

    def release_maintenance_lease(self, holder: str) -> None:
        with self._tx() as conn:
            conn.execute(update(subscription).where(subscription.c.id == SUBSCRIPTION_ROW,
                                                    subscription.c.maintenance_holder == holder)
                         .values(maintenance_holder=None, maintenance_until=None))

    def subscription_state(self) -> dict[str, Any]:
        with self._tx() as conn:
            row = conn.execute(select(subscription.c.topic, subscription.c.callback_url, subscription.c.lease_seconds,
                                      subscription.c.requested_at, subscription.c.verified_at,
                                      subscription.c.denied_reason, subscription.c.last_error)
                               .where(subscription.c.id == SUBSCRIPTION_ROW)).one()
        return dict(row._mapping)

    def record_subscribe_request(self, topic: str, callback_url: str, lease_seconds: int) -> None:
        self._update_subscription(topic=topic, callback_url=callback_url, lease_seconds=lease_seconds,
                                  requested_at=self.clock(), last_error=None)

    def record_verified(self, lease_seconds: int | None) -> None:
        values: dict[str, Any] = {"verified_at": self.clock(), "denied_reason": None}
        if lease_seconds is not None:
            values["lease_seconds"] = lease_seconds
        self._update_subscription(**values)

    def record_denied(self, reason: str) -> None:
        self._update_subscription(denied_reason=reason[:255])

    def record_subscribe_error(self, error: str) -> None:
        self._update_subscription(last_error=error[:255])

    def _update_subscription(self, **values: Any) -> None:
        with self._tx() as conn:
            conn.execute(update(subscription).where(subscription.c.id == SUBSCRIPTION_ROW).values(**values))

    # ------------------------------------------------------------------------------------------ metrics
    def gauges(self) -> dict[str, float]:
        """Counts for /metrics (no identifiers, no bodies)."""
        with self._tx() as conn:
            def count(query: Any) -> int:
                return int(conn.execute(query).scalar() or 0)
            d = deliveries.c
            return {
                "deliveries_held": count(select(func.count()).select_from(deliveries)),
                "deliveries_unacknowledged": count(select(func.count()).select_from(deliveries)
                                                   .where(d.acked_at.is_(None), d.registration_id.is_not(None))),
                "deliveries_unclaimed": count(
                    select(func.count()).select_from(deliveries)
                    .where(and_(d.acked_at.is_(None), d.registration_id.is_not(None),
                                ~select(mailbox.c.delivery_id).where(mailbox.c.delivery_id == d.id).exists()))),
                "deliveries_quarantined": count(select(func.count()).select_from(deliveries)
                                                .where(d.registration_id.is_(None))),
                "devices_active": count(select(func.count()).select_from(devices)
                                        .where(devices.c.revoked_at.is_(None))),
                "devices_revoked": count(select(func.count()).select_from(devices)
                                         .where(devices.c.revoked_at.is_not(None))),
                "rids_awaited": count(select(func.count()).select_from(awaited)),
                "tamper_signals": count(select(func.count()).select_from(tamper_signals)),
            }

"""The relay's tables (SQLAlchemy Core). PostgreSQL in production, SQLite embedded.

Times are seconds since the epoch (float): the same on both engines, compared as numbers.

- ``devices``: one row per issued device credential; only the SHA-256 of the token is kept (the token
  is 32 random bytes, so a fast hash suffices: no dictionary to run). ``last_cursor`` numbers that
  device's mailbox: taking the next cursor locks the device's row, so a device's cursors commit in
  increasing order even with several writers (a delivery never appears behind a cursor already read).
- ``deliveries``: each hub delivery as received (raw body, encrypted credential inside). ``dedup_key``
  (the event id, or the body's SHA-256 when the event has none) makes a redelivery store nothing.
- ``awaited``: which device awaits which registration id (first registration wins).
- ``mailbox``: a delivery made visible to the device that awaits its RID, with that device's cursor.
- ``audit_heads``: each device's last acknowledged audit chain head; ``tamper_signals``: refusals.
- ``backups``: each device's backup blobs (metadata only: the bytes are files in the backup
  directory, named by ``storage_key``, never by the name the device chose).
- ``subscription``: one row; the hub secret, the state of our subscription, and the maintenance lease
  that lets one instance at a time re-subscribe and purge.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite's INTEGER PRIMARY KEY is its rowid (auto-increment) only when it is exactly INTEGER
Id = BigInteger().with_variant(Integer(), "sqlite")

devices = Table(
    "devices", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
    Column("last_cursor", BigInteger, nullable=False, server_default="0"),
    # SHA-256 (hex) of the device's admin public key, kept from the first request that carries it
    Column("admin_key_sha256", String(64), nullable=True),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dedup_key", String(160), nullable=False, unique=True),
    Column("event_id", String(128), nullable=True),
    Column("registration_id", String(64), nullable=True),   # NULL: signed but unreadable (quarantined)
    Column("data_share_uri", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),               # cleared once the device acknowledged it
    Column("body_sha256", String(64), nullable=False),
    Column("received_at", Float, nullable=False),
    Column("acked_at", Float, nullable=True),
    Index("ix_deliveries_registration_id", "registration_id"),
    Index("ix_deliveries_received_at", "received_at"),
)

awaited = Table(
    "awaited", metadata,
    Column("registration_id", String(64), primary_key=True),
    Column("device_id", Id, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("registered_at", Float, nullable=False),
    Index("ix_awaited_device_id", "device_id"),
)

mailbox = Table(
    "mailbox", metadata,
    Column("device_id", Id, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("cursor", BigInteger, primary_key=True),
    Column("delivery_id", Id, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("acked_at", Float, nullable=True),
    UniqueConstraint("delivery_id"),
)

audit_heads = Table(
    "audit_heads", metadata,
    Column("device_id", Id, ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(128), nullable=False),
    Column("acknowledged_at", Float, nullable=False),
)

tamper_signals = Table(
    "tamper_signals", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("device_id", Id, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("at", Float, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("acknowledged_seq", BigInteger, nullable=False),
)

backups = Table(
    "backups", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("device_id", Id, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("storage_key", String(64), nullable=False, unique=True),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("device_id", "name", name="uq_backups_device_id_name"),
)

SUBSCRIPTION_ROW = 1

subscription = Table(
    "subscription", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("hub_secret", String(128), nullable=True),
    Column("topic", String(255), nullable=True),
    Column("callback_url", Text, nullable=True),
    Column("lease_seconds", BigInteger, nullable=True),
    Column("requested_at", Float, nullable=True),
    Column("verified_at", Float, nullable=True),
    Column("denied_reason", String(255), nullable=True),
    Column("last_error", String(255), nullable=True),
    Column("maintenance_holder", String(64), nullable=True),
    Column("maintenance_until", Float, nullable=True),
)

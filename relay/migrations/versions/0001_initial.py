"""The relay's first schema: devices, deliveries, awaited RIDs, mailboxes, audit heads, subscription.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float, nullable=True),
        sa.Column("last_cursor", sa.BigInteger, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("name", name="uq_devices_name"),
        sa.UniqueConstraint("token_sha256", name="uq_devices_token_sha256"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("dedup_key", sa.String(160), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=True),
        sa.Column("registration_id", sa.String(64), nullable=True),
        sa.Column("data_share_uri", sa.Text, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("acked_at", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("dedup_key", name="uq_deliveries_dedup_key"),
    )
    op.create_index("ix_deliveries_registration_id", "deliveries", ["registration_id"])
    op.create_index("ix_deliveries_received_at", "deliveries", ["received_at"])
    op.create_table(
        "awaited",
        sa.Column("registration_id", sa.String(64), nullable=False),
        sa.Column("device_id", Id, nullable=False),
        sa.Column("registered_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("registration_id", name="pk_awaited"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name="fk_awaited_device_id_devices"),
    )
    op.create_index("ix_awaited_device_id", "awaited", ["device_id"])
    op.create_table(
        "mailbox",
        sa.Column("device_id", Id, nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("delivery_id", Id, nullable=False),
        sa.Column("acked_at", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("device_id", "cursor", name="pk_mailbox"),
        sa.UniqueConstraint("delivery_id", name="uq_mailbox_delivery_id"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name="fk_mailbox_device_id_devices"),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE",
                                name="fk_mailbox_delivery_id_deliveries"),
    )
    op.create_table(
        "audit_heads",
        sa.Column("device_id", Id, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(128), nullable=False),
        sa.Column("acknowledged_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_audit_heads"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name="fk_audit_heads_device_id_devices"),
    )
    op.create_table(
        "tamper_signals",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("device_id", Id, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("acknowledged_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tamper_signals"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name="fk_tamper_signals_device_id_devices"),
    )
    subscription = op.create_table(
        "subscription",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("hub_secret", sa.String(128), nullable=True),
        sa.Column("topic", sa.String(255), nullable=True),
        sa.Column("callback_url", sa.Text, nullable=True),
        sa.Column("lease_seconds", sa.BigInteger, nullable=True),
        sa.Column("requested_at", sa.Float, nullable=True),
        sa.Column("verified_at", sa.Float, nullable=True),
        sa.Column("denied_reason", sa.String(255), nullable=True),
        sa.Column("last_error", sa.String(255), nullable=True),
        sa.Column("maintenance_holder", sa.String(64), nullable=True),
        sa.Column("maintenance_until", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_subscription"),
    )
    op.bulk_insert(subscription, [{"id": 1}])


def downgrade() -> None:
    for table in ("subscription", "tamper_signals", "audit_heads", "mailbox", "awaited", "deliveries", "devices"):
        op.drop_table(table)

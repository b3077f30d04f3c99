"""Each device's backup blobs: metadata only (the bytes are files in the backup directory).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "backups",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("device_id", Id, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("storage_key", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_backups"),
        sa.UniqueConstraint("storage_key", name="uq_backups_storage_key"),
        sa.UniqueConstraint("device_id", "name", name="uq_backups_device_id_name"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name="fk_backups_device_id_devices"),
    )


def downgrade() -> None:
    op.drop_table("backups")

"""Each device's admin-key fingerprint, stored the first time the device presents it: the anchor
outside the device for its trust root (docs/SECURITY.md "An agent with her own PIN").

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("admin_key_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("admin_key_sha256")

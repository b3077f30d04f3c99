"""Deployment mode `opencrvs`: where a record stands in OpenCRVS core and what OpenCRVS said.

Records of a standalone device keep NULL in both columns.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch copy of `record` would drop its triggers (0003, 0004)
    op.add_column("record", sa.Column("upstream_state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.add_column("record", sa.Column("upstream", sa.JSON(), nullable=True))
    op.create_index("ix_record_upstream_state", "record", ["upstream_state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_record_upstream_state", table_name="record")
    op.drop_column("record", "upstream")
    op.drop_column("record", "upstream_state")

"""Work-queue indexes: status/flag with updated_at, outbox state with record.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_record_status_updated", "record", ["status", "updated_at"])
    op.create_index("ix_record_attention_updated", "record", ["requires_attention", "updated_at"])
    op.create_index("ix_outbox_state_record", "outbox", ["state", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_record", table_name="outbox")
    op.drop_index("ix_record_attention_updated", table_name="record")
    op.drop_index("ix_record_status_updated", table_name="record")

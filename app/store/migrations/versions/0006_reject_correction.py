"""Refusing a correction is its own action type, `reject-correction`, no longer `reject`.

A stored `reject` refused a correction when the record's last correction step before it was a
`request-correction` (only approve-correction or a refusal leaves `correction_requested`, and a
registered record cannot be rejected). Audit events keep the spelling of their day: they are
hash-chained, and rewriting one would break the chain.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE action SET type = 'reject-correction' WHERE type = 'reject' AND ("
        " SELECT earlier.type FROM action AS earlier"
        " WHERE earlier.record_id = action.record_id AND earlier.id < action.id"
        " AND earlier.type IN ('request-correction', 'approve-correction', 'reject', 'reject-correction')"
        " ORDER BY earlier.id DESC LIMIT 1) = 'request-correction'"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE action SET type = 'reject' WHERE type = 'reject-correction'"))

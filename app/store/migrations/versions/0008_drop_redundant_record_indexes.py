"""Drop three record indexes that only cost writes.

`ix_record_status` and `ix_record_requires_attention` are the leading columns of the work-queue
indexes (0002), which serve the same lookups; `ix_record_search_text` can serve no query, since
search reads the trigram index (0003) and matches short words with `LIKE '%…%'`. Each one was
rewritten at every status change (a register action writes 37 WAL pages; these were 2–3 of them).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DROPPED = (("ix_record_status", "status"), ("ix_record_requires_attention", "requires_attention"),
            ("ix_record_search_text", "search_text"))


def upgrade() -> None:
    # plain DROP INDEX: a batch copy of `record` would drop its triggers (0003, 0004)
    for name, _column in _DROPPED:
        op.drop_index(name, table_name="record")


def downgrade() -> None:
    for name, column in _DROPPED:
        op.create_index(name, "record", [column], unique=False)

"""The Outbox work queue as an index walk: `record.outbox_open` kept by triggers.

The queue is "records with an open outbox item, newest first". Asked of the outbox table, SQLite
had to fetch and sort every such record before returning the first 50 (137 ms at 100,000 records
with 8,500 open items, bench/ui/cold_start); a flag on the record with an (outbox_open,
updated_at) index answers like the other queues. Triggers keep it right whatever code changes
an outbox item's state, in the same transaction.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# open = pending, in_flight, quarantined (app.vocabulary.OutboxState); the statements are spelt out (no SQL built here)
REFRESH_NEW = ("UPDATE record SET outbox_open = EXISTS (SELECT 1 FROM outbox WHERE outbox.record_id = new.record_id "
               "AND outbox.state IN ('pending', 'in_flight', 'quarantined')) WHERE id = new.record_id;")
REFRESH_OLD = ("UPDATE record SET outbox_open = EXISTS (SELECT 1 FROM outbox WHERE outbox.record_id = old.record_id "
               "AND outbox.state IN ('pending', 'in_flight', 'quarantined')) WHERE id = old.record_id;")
BACKFILL = ("UPDATE record SET outbox_open = 1 WHERE id IN (SELECT record_id FROM outbox "
            "WHERE state IN ('pending', 'in_flight', 'quarantined'))")
TRIGGERS = {
    "record_outbox_open_insert": "AFTER INSERT ON outbox BEGIN " + REFRESH_NEW + " END",
    "record_outbox_open_update": "AFTER UPDATE OF state, record_id ON outbox BEGIN " + REFRESH_NEW + " "
                                 + REFRESH_OLD + " END",
    "record_outbox_open_delete": "AFTER DELETE ON outbox BEGIN " + REFRESH_OLD + " END",
}


def upgrade() -> None:
    # a plain ADD COLUMN: a batch (copy-and-move) would drop the record table's search triggers
    op.add_column("record", sa.Column("outbox_open", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(BACKFILL)
    op.create_index("ix_record_outbox_updated", "record", ["outbox_open", "updated_at"])
    for name, body in TRIGGERS.items():
        op.execute("CREATE TRIGGER " + name + " " + body)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_record_outbox_updated", table_name="record")
    op.execute("ALTER TABLE record DROP COLUMN outbox_open")  # SQLite ≥ 3.35

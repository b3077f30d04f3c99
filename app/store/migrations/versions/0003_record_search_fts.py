"""Full-text (trigram) index of records' search text, kept by triggers.

`LIKE '%word%'` read every record until it found 50 matches: 0.1–0.7 s for a rare name or none
at 100k records (bench/workqueue_page). An FTS5 trigram index answers substring searches of 3+
characters from the index.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE VIRTUAL TABLE record_search USING fts5(search_text, content='record', "
               "content_rowid='rowid', tokenize='trigram')")
    op.execute("CREATE TRIGGER record_search_insert AFTER INSERT ON record BEGIN "
               "INSERT INTO record_search (rowid, search_text) VALUES (new.rowid, new.search_text); END")
    op.execute("CREATE TRIGGER record_search_delete AFTER DELETE ON record BEGIN "
               "INSERT INTO record_search (record_search, rowid, search_text) "
               "VALUES ('delete', old.rowid, old.search_text); END")
    op.execute("CREATE TRIGGER record_search_update AFTER UPDATE OF search_text ON record BEGIN "
               "INSERT INTO record_search (record_search, rowid, search_text) "
               "VALUES ('delete', old.rowid, old.search_text); "
               "INSERT INTO record_search (rowid, search_text) VALUES (new.rowid, new.search_text); END")
    op.execute("INSERT INTO record_search (record_search) VALUES ('rebuild')")


def downgrade() -> None:
    for trigger in ("record_search_insert", "record_search_delete", "record_search_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS record_search")

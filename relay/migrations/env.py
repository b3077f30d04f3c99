"""Alembic environment: migrations run on the connection ``relay.db.migrate`` hands over.

On PostgreSQL the upgrade holds a transaction-level advisory lock, so several instances starting at
once migrate one after the other (the others then find nothing to do).
"""

from alembic import context
from sqlalchemy import text

from relay.schema import metadata

MIGRATION_LOCK_KEY = 0x63727673   # "crvs": any constant shared by every instance


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("relay migrations run through relay.db.migrate()")
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


run()

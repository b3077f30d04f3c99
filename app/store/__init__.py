"""The encrypted device database: tables, engine, migrations."""

from app.store.database import Database, DatabaseError, new_data_key, read_key_file, write_key_file
from app.store.models import (
    Action,
    AuditEvent,
    ExternalRequest,
    OutboxItem,
    Record,
    Secret,
    Sequence,
    User,
    Verification,
    utcnow,
)

__all__ = ["Action", "AuditEvent", "Database", "DatabaseError", "ExternalRequest", "OutboxItem", "Record",
           "Secret", "Sequence", "User", "Verification", "new_data_key", "read_key_file", "utcnow",
           "write_key_file"]

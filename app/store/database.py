"""The encrypted device database: SQLCipher under SQLAlchemy/SQLModel, WAL, one writer at a time.

Writes go through `Database.write()`, which opens the transaction with BEGIN IMMEDIATE so that two
writers (the UI's worker and the sync agent) queue on SQLite's lock instead of failing half-way;
reads use ordinary deferred transactions and never block the writer (WAL).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlcipher3
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlcipher import SQLiteDialect_pysqlcipher
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from app.errors import ConfigurationFault
from app.store import changes

KEY_BYTES = 32
KEY_ENV = "CRVS_FIELD_DB_KEY"
MIGRATIONS = Path(__file__).with_name("migrations")


class _RawKeyDialect(SQLiteDialect_pysqlcipher):
    """SQLCipher's dialect without its passphrase PRAGMA: our connections arrive keyed already."""

    supports_statement_cache = True

    def on_connect_url(self, url: Any) -> Any:
        return super(SQLiteDialect_pysqlcipher, self).on_connect_url(url)


registry.register("sqlite.crvs_sqlcipher", __name__, "_RawKeyDialect")


class DatabaseError(ConfigurationFault):
    """The database cannot be opened (wrong key, not a database, newer schema, …)."""


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _connect(path: Path, key: bytes) -> Any:
    if not path.exists():
        # SQLite creates the file with the umask's mode (often 0644) and its -wal/-shm files with
        # the database file's: create it 0600 first so all three are the owner's only.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    conn = sqlcipher3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is reported below, not on stderr
    # raw key: no passphrase KDF on every open; the key itself is random (DESIGN §6)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise DatabaseError("cannot open the database: wrong key or not a crvs-field database") from exc
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: each commit syncs the WAL. With NORMAL a power cut may roll back the last seconds of
    # committed work — a declaration the agent saw saved, or a registration whose UIN request had
    # already reached MOSIP (re-registering it would request a second UIN). DESIGN §5: nothing is
    # lost by a power cut. Cost: one fsync per commit (bench/register_action measures both).
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    # SQLCipher decrypts every page it reads; the default 2 MB cache makes a 100k-record device
    # decrypt most of a queue's pages on each query (bench/workqueue_page). 32 MB per connection.
    conn.execute("PRAGMA cache_size = -32768")
    conn.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's implicit one
    return conn


class Database:
    """One device database. Thread-safe; open one per process."""

    def __init__(self, path: str | os.PathLike[str], key: bytes):
        if len(key) != KEY_BYTES:
            raise DatabaseError("the database key must be 32 bytes")
        self.path = Path(path)
        self._key = key
        # Set by the device when an admin's PIN unlocked it: signs what only an admin may write
        # (secrets); never stored.
        self.admin_signer: Any = None
        self._write_lock = threading.RLock()
        self._local = threading.local()
        _connect(self.path, key).close()  # fail fast on a wrong key
        self.engine: Engine = create_engine(
            "sqlite+crvs_sqlcipher://", creator=lambda: _connect(self.path, self._key),
            poolclass=QueuePool, pool_size=3, max_overflow=3, future=True)

        @event.listens_for(self.engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    # -- lifecycle -------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when it is current)."""
        with self.engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt the whole database with a new key (SQLCipher `PRAGMA rekey`; used when a
        user is removed). The WAL is checkpointed into the database first, so no page is left
        under the old key."""
        if len(new_key) != KEY_BYTES:
            raise DatabaseError("the database key must be 32 bytes")
        with self._write_lock:
            self.engine.dispose()
            conn = _connect(self.path, self._key)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            self._key = new_key
            _connect(self.path, new_key).close()  # the new key opens it, or this raises

    # -- sessions --------------------------------------------------------------------------

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: everything inside commits together or not at all. A write opened
        inside another on the same thread joins it (so services compose into one transaction)."""
        current = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        with self._write_lock, self.engine.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin(), Session(bind=conn, expire_on_commit=False) as session:
                    if changes.tracking():       # someone asked what this write changes (the UI)
                        event.listen(session, "before_flush", changes.collect)
                    self._local.session = session
                    try:
                        yield session
                        session.flush()
                    finally:
                        self._local.session = None
                changes.committed(session)
            finally:
                conn.info["write"] = False


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For schema comparisons: the full-text index (an FTS5 virtual table and its shadow tables)
    is created by hand in migration 0003, not from the models."""
    return not (type_ == "table" and name is not None and name.startswith("record_search"))


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def read_key_file(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(256).strip()  # a key file is 65 bytes; /dev/zero must not fill memory
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        key = bytes.fromhex(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise DatabaseError(f"{path}: not a hex key file") from None
    if len(key) != KEY_BYTES:
        raise DatabaseError(f"{path}: a key file holds 64 hex digits")
    return key


def replace_key_file(path: str | os.PathLike[str], key: bytes) -> None:
    """Atomically replace a key file (after a re-key), keeping it 0600."""
    target = Path(path)
    temp = target.with_name(f".{target.name}.new")
    temp.unlink(missing_ok=True)
    write_key_file(temp, key)
    os.replace(temp, target)


def write_key_file(path: str | os.PathLike[str], key: bytes) -> None:
    """Create a key file readable by its owner only (0600), never overwriting one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")

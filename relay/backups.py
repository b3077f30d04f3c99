"""Each device's backup blobs: bytes in a directory, metadata in the ``backups`` table.

The relay never opens a blob: the device sends its SQLCipher-encrypted archive and gets it back
byte for byte. A blob is written to a temporary file in the device's folder, fsynced, renamed to a
random storage key (the name the device chose is only a database value, so it never reaches the
file system), the folder fsynced, and only then recorded. Retention runs in the same transaction as
the record: the newest ``keep`` blobs whose sizes add up to at most the device's quota are kept, the
others deleted (their files after the commit). A crash between the rename and the record, or
between a delete and its unlink, leaves a file no row names: ``sweep`` removes those later.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from .schema import backups, devices

# a device's own label for a backup: letters, digits, '.', '_', '-'; no leading dot, no ".."
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
UPLOAD_PREFIX = ".upload-"
BLOB_SUFFIX = ".blob"
ORPHAN_AGE_SECONDS = 3600.0


def valid_name(name: str) -> bool:
    return bool(NAME_PATTERN.fullmatch(name)) and ".." not in name


class BackupExists(Exception):
    pass


@dataclass
class Upload:
    """A blob being received: written to a temporary file, hashed and counted as it comes."""

    folder: Path
    path: Path
    handle: Any
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()

    def finish(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Committed:
    entry: dict[str, Any]
    removed: int


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _entry(row: Any) -> dict[str, Any]:
    return {"name": row.name, "size": row.size, "sha256": row.sha256, "created_at": row.created_at}


class BackupStore:
    def __init__(self, engine: Engine, directory: Path, *, keep: int, quota_bytes: int,
                 clock: Any = time.time) -> None:
        self.engine = engine
        self.directory = Path(directory)
        self.keep = keep
        self.quota_bytes = quota_bytes
        self.clock = clock
        self.postgres = engine.dialect.name == "postgresql"

    def folder(self, device_id: int) -> Path:
        folder = self.directory / str(int(device_id))
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    # ------------------------------------------------------------------------------------ reads
    def list(self, device_id: int) -> list[dict[str, Any]]:
        """The device's backups, newest first."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(backups).where(backups.c.device_id == device_id)
                                .order_by(backups.c.created_at.desc(), backups.c.id.desc())).all()
        return [_entry(row) for row in rows]

    def exists(self, device_id: int, name: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(select(backups.c.id).where(backups.c.device_id == device_id,
                                                           backups.c.name == name)).first() is not None

    def find(self, device_id: int, name: str) -> tuple[Path, dict[str, Any]] | None:
        with self.engine.begin() as conn:
            row = conn.execute(select(backups).where(backups.c.device_id == device_id,
                                                     backups.c.name == name)).one_or_none()
        if row is None:
            return None
        path = self.directory / str(int(device_id)) / (row.storage_key + BLOB_SUFFIX)
        return (path, _entry(row)) if path.is_file() else None

    # ------------------------------------------------------------------------------------ writes
    def open_upload(self, device_id: int) -> Upload:
        folder = self.folder(device_id)
        path = folder / (UPLOAD_PREFIX + secrets.token_hex(16))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        return Upload(folder, path, os.fdopen(fd, "wb"))

    def commit(self, device_id: int, name: str, upload: Upload) -> Committed:
        """Make the upload durable under a fresh storage key, record it, apply retention. Raises
        :class:`BackupExists` (the upload discarded) if the device already has a backup of that name."""
        upload.finish()
        key = secrets.token_hex(16)
        final = upload.folder / (key + BLOB_SUFFIX)
        os.rename(upload.path, final)
        _fsync_dir(upload.folder)
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                if self.postgres:    # one device's uploads apply retention one after the other
                    conn.execute(select(devices.c.id).where(devices.c.id == device_id).with_for_update())
                conn.execute(insert(backups).values(device_id=device_id, name=name, storage_key=key,
                                                    size=upload.size, sha256=upload.sha256, created_at=now))
                rows = conn.execute(select(backups.c.id, backups.c.storage_key, backups.c.size)
                                    .where(backups.c.device_id == device_id)
                                    .order_by(backups.c.created_at.desc(), backups.c.id.desc())).all()
                kept_bytes, evicted = 0, []
                for index, row in enumerate(rows):     # the newest run that fits; everything older goes
                    if not evicted and index < self.keep and kept_bytes + row.size <= self.quota_bytes:
                        kept_bytes += row.size
                    else:
                        evicted.append(row)
                if evicted:
                    conn.execute(delete(backups).where(backups.c.id.in_([row.id for row in evicted])))
        except IntegrityError:
            final.unlink(missing_ok=True)
            raise BackupExists(name) from None
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        for row in evicted:
            (upload.folder / (row.storage_key + BLOB_SUFFIX)).unlink(missing_ok=True)
        entry = {"name": name, "size": upload.size, "sha256": upload.sha256, "created_at": now}
        return Committed(entry, len(evicted))

    def sweep(self, older_than: float = ORPHAN_AGE_SECONDS) -> int:
        """Delete files no row names (a crash mid-upload or mid-retention) once they are old enough
        that no upload in progress can own them."""
        if not self.directory.is_dir():
            return 0
        with self.engine.begin() as conn:
            known = set(conn.execute(select(backups.c.storage_key)).scalars())
        cutoff = time.time() - older_than
        removed = 0
        for folder in self.directory.iterdir():
            if not folder.is_dir() or not folder.name.isdigit():
                continue
            for path in folder.iterdir():
                stem = path.name.removesuffix(BLOB_SUFFIX)
                orphan = path.name.startswith(UPLOAD_PREFIX) or (path.name.endswith(BLOB_SUFFIX) and stem not in known)
                try:
                    if orphan and path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue
        return removed

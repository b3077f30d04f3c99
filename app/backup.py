"""Backups of a device (issue 19): a consistent encrypted snapshot, and its restore on a new machine.

A backup is one uncompressed tar (SQLCipher pages do not compress) holding:

- `crvs.db` — the database as of one instant, taken with SQLite's online backup API through
  SQLCipher while the app and the agent keep writing (WAL: the copy reads one snapshot and blocks
  no writer). Both ends are keyed with the same data key, so every page of the copy is encrypted
  under the device's data key, exactly as the live file;
- `keyslots.json` — the slot file of that moment: any PIN valid then opens the backup;
- `device.json` — which country the device serves;
- `manifest.json` — device id (fingerprint of the admin public key), MOSIP centre/machine ids,
  schema revision, record / queue / outbox / audit counts, audit chain head, time, software
  version, and the SHA-256 and size of each file above;
- `manifest.mac` — HMAC-SHA256 of the manifest under a key derived from the data key: only a
  holder of this database's key wrote it, which binds manifest, slots and database together.

Restore (`app.backup_restore`) checks, in order: the archive's shape, each file's checksum, the device id against the
slots' admin key, the schema revision (a newer one is refused), the admin's PIN against the slots,
the data key against the database, the manifest MAC, the counts against the database; then it
migrates forward, verifies the audit chain, puts in-flight outbox items back to pending and moves
the result into place. Resending what was delivered after the backup was taken is harmless: each
outbox item carries its MOSIP idempotency key (IDA transaction id, RID), createPacket rewrites the
same packet and a second workflow start is answered RPR-WIS-001 (app/mosip/packets.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import shutil
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlcipher3

from app import audit
from app.errors import ConfigurationFault, Invalid, Refused
from app.security.keyslots import SLOT_FILE
from app.store.database import Database
from app.vocabulary import OutboxState

FORMAT = "crvs-field-backup"
FORMAT_VERSION = 1
DB_MEMBER = "crvs.db"
SLOTS_MEMBER = SLOT_FILE
SETTINGS_MEMBER = "device.json"
MANIFEST_MEMBER = "manifest.json"
MAC_MEMBER = "manifest.mac"
MEMBERS = (MANIFEST_MEMBER, MAC_MEMBER, SLOTS_MEMBER, SETTINGS_MEMBER, DB_MEMBER)
SUFFIX = ".crvsbak"
MAX_MANIFEST_BYTES = 64 * 1024
MAX_SMALL_MEMBER_BYTES = 1024 * 1024
MAX_DB_BYTES = 64 * 1024 ** 3
_MAC_INFO = b"crvs-field backup manifest v1"
_COPY_CHUNK = 1024 * 1024


class BackupInvalid(Invalid):
    """The archive is damaged, truncated, altered or not a crvs-field backup."""

    default_code = "backup.invalid"


class BackupForeign(Refused):
    """The archive's parts do not belong to one device, or the target holds another device."""

    default_code = "backup.foreign_device"


class BackupTooNew(ConfigurationFault):
    """The backup's schema is newer than this software: upgrade crvs-field first."""

    default_code = "backup.schema_too_new"


class BackupFailed(ConfigurationFault):
    """The backup could not be written (destination missing, full, not writable…)."""

    default_code = "backup.failed"


@dataclass(frozen=True)
class Manifest:
    device_id: str
    center_id: str | None
    machine_id: str | None
    schema_revision: str
    records: int
    records_by_status: dict[str, int]
    outbox_by_state: dict[str, int]
    audit_events: int
    audit_head_seq: int
    audit_head_hash: str
    created_at: str
    software_version: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, indent=1).encode()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    size_bytes: int
    seconds: float


def software_version() -> str:
    try:
        return metadata.version("crvs-field")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def device_fingerprint(slots_bytes: bytes) -> str:
    """A device's id: the SHA-256 of its admin public key (the root every grant is signed by)."""
    try:
        admin_public = json.loads(slots_bytes.decode("utf-8")).get("admin_public")
    except (UnicodeDecodeError, ValueError, AttributeError, RecursionError):
        admin_public = None
    if not isinstance(admin_public, str) or not admin_public:
        raise BackupInvalid("the key slots in the backup are damaged (no admin key)", code="backup.slots_damaged")
    return hashlib.sha256(admin_public.encode("ascii", "replace")).hexdigest()[:32]


def _mac_key(data_key: bytes) -> bytes:
    return hmac.new(data_key, _MAC_INFO, hashlib.sha256).digest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _raw_connect(path: Path, key: bytes, *, autocommit: bool = False) -> Any:
    conn = sqlcipher3.connect(str(path), check_same_thread=False, timeout=30,
                              **({"isolation_level": None} if autocommit else {}))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _snapshot_facts(conn: Any) -> dict[str, Any]:
    """What the manifest says about the database, read from the copy itself."""
    one = conn.execute
    revision = one("SELECT version_num FROM alembic_version").fetchone()
    by_status = dict(one("SELECT status, count(*) FROM record GROUP BY status").fetchall())
    by_state = {state.value: 0 for state in OutboxState}
    by_state.update(dict(one("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()))
    head = one("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone() or (0, audit.GENESIS)
    ids = dict(one("SELECT name, value FROM device_setting").fetchall()) if one(
        "SELECT 1 FROM sqlite_master WHERE name = 'device_setting'").fetchone() else {}
    return {"schema_revision": revision[0] if revision else "",
            "records": sum(by_status.values()), "records_by_status": by_status, "outbox_by_state": by_state,
            "audit_events": one("SELECT count(*) FROM audit_event").fetchone()[0],
            "audit_head_seq": head[0], "audit_head_hash": head[1],
            "center_id": ids.get("mosip.center_id"), "machine_id": ids.get("mosip.machine_id")}


# ------------------------------------------------------------------------------------ backup


def backup_name(device_id: str, when: dt.datetime) -> str:
    """Names sort by time (retention relies on it): microseconds, so two backups in one second differ."""
    return f"{device_id[:12]}-{when.strftime('%Y%m%dT%H%M%S%fZ')}{SUFFIX}"


def _place(partial: Path, destination: Path, device_id: str, when: dt.datetime) -> Path:
    """Move the finished archive to a name no archive has: a taken name moves the name (not the
    manifest's time) on by a microsecond. A hard link never replaces a file; a folder that has no
    hard links (FAT on a USB stick) gets a check then a rename."""
    for _attempt in range(1000):
        final = destination / backup_name(device_id, when)
        try:
            os.link(partial, final)
        except FileExistsError:
            when += dt.timedelta(microseconds=1)
            continue
        except OSError:
            if final.exists():
                when += dt.timedelta(microseconds=1)
                continue
            os.replace(partial, final)
            return final
        partial.unlink()
        return final
    raise BackupFailed("no free archive name in the destination", code="backup.exists",
                       params={"destination": str(destination)})


# The copy runs in steps of STEP_PAGES pages with a pause after each, inside one read transaction
# of the source (one snapshot for every step: a write in between does not restart it), on a thread
# of its own at a lower CPU priority: decrypting and re-encrypting every page keeps a core busy for
# seconds, and the app's UI thread and writers should get the CPU first (bench/backup_bench.py).
STEP_PAGES = 256
STEP_PAUSE_SECONDS = 0.004
COPY_NICENESS = 10
# Written data is flushed to the disk every FLUSH_BYTES, so that no large flush builds up: a writer's
# own commit (synchronous=FULL) would queue behind it at the end of the copy and of the archive.
FLUSH_BYTES = 8 * 1024 * 1024


class _PacedFile:
    """A file object for tarfile that flushes to the disk every FLUSH_BYTES written."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.unflushed = 0

    def write(self, data: bytes) -> int:
        written = self.handle.write(data)
        self.unflushed += len(data)
        if self.unflushed >= FLUSH_BYTES:
            self.handle.flush()
            os.fdatasync(self.handle.fileno())
            self.unflushed = 0
        return written

    def tell(self) -> int:
        return self.handle.tell()


def copy_snapshot(source: Any, target: Any, *, step_pages: int = STEP_PAGES, pause: float = STEP_PAUSE_SECONDS,
                  nice: int = COPY_NICENESS, progress: Callable[[int, int], None] | None = None,
                  flush: Callable[[], None] | None = None) -> None:
    """SQLite's online backup of `source` into `target` (both keyed), as one consistent snapshot;
    `flush` (the target's data to the disk) runs every FLUSH_BYTES of pages copied."""
    failure: list[BaseException] = []
    flushed = [0]

    def copy() -> None:
        if nice:
            with contextlib.suppress(OSError, AttributeError):   # Linux: a thread's own priority, below the app's
                thread = threading.get_native_id()
                os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + nice))

        def after_step(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)
            if flush is not None and (total - remaining - flushed[0]) * 4096 >= FLUSH_BYTES:
                flush()
                flushed[0] = total - remaining
            if remaining and pause:
                time.sleep(pause)

        try:
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()    # the read transaction starts
            try:
                source.backup(target, pages=step_pages, progress=after_step)
            finally:
                source.execute("ROLLBACK")
        except BaseException as exc:     # raised again in the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=copy, name="backup-copy", daemon=True)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def create_backup(db: Database, data_dir: Path, destination: Path, *,
                  now: dt.datetime | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  step_pages: int = STEP_PAGES, pause: float = STEP_PAUSE_SECONDS,
                  nice: int = COPY_NICENESS) -> BackupResult:
    """Snapshot the live database `db` of the device in `data_dir` into one archive in
    `destination`. Reads only: the app and the agent keep working while it runs. `progress`
    gets (pages copied, pages in all) after each step of the copy, on the copying thread;
    `step_pages` -1 copies in one step and `nice` 0 keeps the CPU priority (the bench's comparison)."""
    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC)
    destination = Path(destination)
    if not destination.is_dir():
        raise BackupFailed(f"{destination} is not a folder", code="backup.destination_missing",
                           params={"destination": str(destination)})
    key: bytes = db._key  # the key the live database is open with at this moment
    slots_path = Path(data_dir) / SLOT_FILE
    if not slots_path.is_file():
        raise BackupFailed("this device has no key slots (no admin): a backup of it could never be restored",
                           code="backup.no_key_slots")
    try:
        staging = Path(tempfile.mkdtemp(prefix=".crvs-backup-", dir=destination))
    except OSError as exc:
        raise BackupFailed(f"cannot write to {destination} ({exc.strerror})", code="backup.destination_unwritable",
                           params={"destination": str(destination)}) from None
    try:
        for _attempt in range(3):
            slots_before = slots_path.read_bytes()
            copy = staging / DB_MEMBER
            copy.unlink(missing_ok=True)
            os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            source = _raw_connect(db.path, key, autocommit=True)
            target = _raw_connect(copy, key)
            # a staging file: the archive's fsync and checksums make it durable, not the copy's journal
            target.execute("PRAGMA journal_mode = OFF")
            target.execute("PRAGMA synchronous = OFF")
            copy_fd = os.open(copy, os.O_RDONLY)
            try:
                copy_snapshot(source, target, step_pages=step_pages, pause=pause, nice=nice, progress=progress,
                              flush=lambda fd=copy_fd: os.fdatasync(fd))
                facts = _snapshot_facts(target)
            finally:
                target.close()
                source.close()
                os.close(copy_fd)
            # A user removal re-keys the database and re-seals the slots: the slots must be the
            # ones of the key the copy is under. Unchanged slot bytes across the copy settle it.
            if slots_path.read_bytes() == slots_before and db._key == key:
                break
            key = db._key
        else:
            raise BackupFailed("the key slots kept changing during the backup: try again", code="backup.slots_changed")
        settings = (Path(data_dir) / SETTINGS_MEMBER)
        settings_bytes = settings.read_bytes() if settings.is_file() else b"{}"
        device_id = device_fingerprint(slots_before)
        files = {DB_MEMBER: {"sha256": _sha256_file(copy), "bytes": copy.stat().st_size},
                 SLOTS_MEMBER: {"sha256": hashlib.sha256(slots_before).hexdigest(), "bytes": len(slots_before)},
                 SETTINGS_MEMBER: {"sha256": hashlib.sha256(settings_bytes).hexdigest(),
                                   "bytes": len(settings_bytes)}}
        manifest = Manifest(device_id=device_id, created_at=now.isoformat(), software_version=software_version(),
                            files=files, **facts)
        manifest_bytes = manifest.to_json()
        mac = hmac.new(_mac_key(key), manifest_bytes, hashlib.sha256).hexdigest().encode()
        partial = staging / (backup_name(device_id, now) + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=_PacedFile(handle), mode="w",
                                                         format=tarfile.PAX_FORMAT) as tar:
            for name, data in ((MANIFEST_MEMBER, manifest_bytes), (MAC_MEMBER, mac),
                               (SLOTS_MEMBER, slots_before), (SETTINGS_MEMBER, settings_bytes)):
                _add_bytes(tar, name, data, now)
            info = tar.gettarinfo(str(copy), arcname=DB_MEMBER)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(copy, "rb") as db_file:
                tar.addfile(info, db_file)
            tar.close()
            handle.flush()
            os.fsync(handle.fileno())
        final = _place(partial, destination, device_id, now)
        size = final.stat().st_size
    except OSError as exc:
        raise BackupFailed(f"the backup could not be written to {destination} ({exc.strerror})",
                           code="backup.write_failed", params={"destination": str(destination)}) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupResult(final, manifest, size, time.monotonic() - started)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: dt.datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(now.timestamp())
    tar.addfile(info, io.BytesIO(data))

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

Restore checks, in order: the archive's shape, each file's checksum, the device id against the
slots' admin key, the schema revision (a newer one is refused), the admin's PIN against the slots,
the data key against the database, the manifest MAC, the counts against the database; then it
migrates forward, verifies the audit chain, puts in-flight outbox items back to pending and moves
the result into place. Resending what was delivered after the backup was taken is harmless: each
outbox item carries its MOSIP idempotency key (IDA transaction id, RID), createPacket rewrites the
same packet and a second workflow start is answered RPR-WIS-001 (app/mosip/packets.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlcipher3
from alembic.script import ScriptDirectory

from app import audit
from app.errors import ConfigurationFault, Invalid, Refused
from app.security.keyslots import SLOT_FILE, KeySlots, SlotError
from app.store.database import KEY_BYTES, Database, alembic_config
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


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    manifest: Manifest
    schema_before: str
    schema_after: str
    in_flight_requeued: int
    outbox_by_state: dict[str, int]


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
# of the source (one snapshot for every step: a write in between does not restart it). The pause
# lets the app's and the agent's writers in; bench/backup_bench.py measures their wait.
STEP_PAGES = 256
STEP_PAUSE_SECONDS = 0.004


def copy_snapshot(source: Any, target: Any, *, step_pages: int = STEP_PAGES, pause: float = STEP_PAUSE_SECONDS,
                  progress: Callable[[int, int], None] | None = None) -> None:
    """SQLite's online backup of `source` into `target` (both keyed), as one consistent snapshot."""
    source.execute("BEGIN")
    source.execute("SELECT count(*) FROM sqlite_master").fetchone()    # the read transaction starts here
    try:
        def after_step(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)
            if remaining and pause:
                time.sleep(pause)

        source.backup(target, pages=step_pages, progress=after_step)
    finally:
        source.execute("ROLLBACK")


def create_backup(db: Database, data_dir: Path, destination: Path, *,
                  now: dt.datetime | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  step_pages: int = STEP_PAGES, pause: float = STEP_PAUSE_SECONDS) -> BackupResult:
    """Snapshot the live database `db` of the device in `data_dir` into one archive in
    `destination`. Reads only: the app and the agent keep working while it runs. `progress`
    gets (pages copied, pages in all) after each step of the copy; `step_pages` -1 copies in one
    step (no pause: the bench's comparison)."""
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
            try:
                copy_snapshot(source, target, step_pages=step_pages, pause=pause, progress=progress)
                facts = _snapshot_facts(target)
            finally:
                target.close()
                source.close()
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
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
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


# ------------------------------------------------------------------------------------ restore


def _damaged(why: str) -> BackupInvalid:
    return BackupInvalid(f"the backup is damaged or truncated ({why}): it was not restored",
                         code="backup.damaged", params={"why": why})


def _extract(archive: Path, staging: Path) -> dict[str, bytes]:
    """The members, checked for shape and size: regular files with the expected names only. The
    database is written to `staging`; the small members are returned."""
    small: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, mode="r:") as tar:
            seen = set()
            for info in tar:
                if info.name not in MEMBERS or info.name in seen or not info.isreg():
                    raise _damaged(f"unexpected member {info.name[:64]!r}")
                seen.add(info.name)
                limit = MAX_DB_BYTES if info.name == DB_MEMBER else MAX_SMALL_MEMBER_BYTES
                if info.size > limit:
                    raise _damaged(f"{info.name} is too large")
                source = tar.extractfile(info)
                assert source is not None
                if info.name == DB_MEMBER:
                    fd = os.open(staging / DB_MEMBER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as out:
                        written = 0
                        while chunk := source.read(_COPY_CHUNK):
                            out.write(chunk)
                            written += len(chunk)
                    if written != info.size:
                        raise _damaged("the database is cut short")
                else:
                    data = source.read(info.size + 1)
                    if len(data) != info.size:
                        raise _damaged(f"{info.name} is cut short")
                    small[info.name] = data
    except (tarfile.TarError, EOFError):
        raise _damaged("not a readable archive") from None
    except OSError as exc:
        raise BackupInvalid(f"cannot read {archive} ({exc.strerror})", code="backup.unreadable",
                            params={"path": str(archive)}) from None
    missing = [name for name in MEMBERS if name != DB_MEMBER and name not in small]
    if missing or not (staging / DB_MEMBER).is_file():
        raise _damaged(f"missing {', '.join(missing) or DB_MEMBER}")
    return small


def _parse_manifest(raw: bytes) -> Manifest:
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _damaged("manifest too large")
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT:
            raise BackupInvalid("this file is not a crvs-field backup", code="backup.not_a_backup")
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupTooNew(f"backup format {data.get('format_version')!r} is not one this software reads",
                               code="backup.format_unknown")
        manifest = Manifest(**data)
        for name in (DB_MEMBER, SLOTS_MEMBER, SETTINGS_MEMBER):
            entry = manifest.files[name]
            if not (isinstance(entry["sha256"], str) and isinstance(entry["bytes"], int)):
                raise ValueError(name)
        if not (isinstance(manifest.schema_revision, str) and isinstance(manifest.records, int)
                and isinstance(manifest.audit_events, int) and isinstance(manifest.audit_head_seq, int)):
            raise ValueError("types")
    except (UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise _damaged("manifest unreadable") from None
    return manifest


def inspect_backup(archive: Path) -> Manifest:
    """Check an archive without a PIN (shape, checksums, device id): its manifest, or a refusal."""
    with tempfile.TemporaryDirectory(prefix=".crvs-inspect-") as tmp:
        return _verify_unlocked_parts(Path(archive), Path(tmp))[0]


def _verify_unlocked_parts(archive: Path, staging: Path) -> tuple[Manifest, dict[str, bytes]]:
    small = _extract(archive, staging)
    manifest = _parse_manifest(small[MANIFEST_MEMBER])
    actual = {DB_MEMBER: (_sha256_file(staging / DB_MEMBER), (staging / DB_MEMBER).stat().st_size)}
    for name in (SLOTS_MEMBER, SETTINGS_MEMBER):
        actual[name] = (hashlib.sha256(small[name]).hexdigest(), len(small[name]))
    for name, (digest, size) in actual.items():
        expected = manifest.files[name]
        if size != expected["bytes"]:
            raise _damaged(f"{name} has {size} bytes, the manifest says {expected['bytes']}")
        if not hmac.compare_digest(digest, expected["sha256"]):
            raise _damaged(f"{name} does not match its checksum")
    if device_fingerprint(small[SLOTS_MEMBER]) != manifest.device_id:
        raise BackupForeign("the key slots in the backup belong to another device than its manifest: "
                            "it was not restored", params={"device": manifest.device_id[:12]})
    _check_schema(manifest.schema_revision)
    return manifest, small


def _check_schema(revision: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise BackupTooNew(f"the backup's schema {revision!r} is newer than this software's "
                           f"({scripts.get_current_head()}): install a newer crvs-field to restore it",
                           params={"revision": revision[:32]})


def restore_backup(archive: Path, data_dir: Path, *, user: str, pin: str,
                   agent_key: bool = False) -> RestoreResult:
    """Restore `archive` into the new data directory `data_dir` with an admin's PIN."""
    from app.device import DB_FILE, KEY_FILE, Device, secure_data_dir

    assert DB_FILE == DB_MEMBER  # the database is restored under the name it is opened by
    from app.store.database import write_key_file

    archive, data_dir = Path(archive), Path(data_dir)
    # an empty folder, or one holding only the CLI's own logs, is new
    if data_dir.exists() and (not data_dir.is_dir() or any(p.name != "logs" for p in data_dir.iterdir())):
        if (data_dir / SLOT_FILE).is_file():
            raise BackupForeign(f"{data_dir} already holds a device: restore into a new, empty folder",
                                code="backup.target_in_use", params={"path": str(data_dir)})
        raise BackupInvalid(f"{data_dir} is not an empty folder: restore into a new one",
                            code="backup.target_not_empty", params={"path": str(data_dir)})
    parent = data_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restore-", dir=parent))
    device = None
    try:
        os.chmod(staging, 0o700)
        manifest, small = _verify_unlocked_parts(archive, staging)
        for name in (SLOTS_MEMBER, SETTINGS_MEMBER):
            fd = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(small[name])
        slots = KeySlots(staging)
        try:
            unlocked, next_key = slots.unlock_all(user, pin)
        except SlotError as exc:
            raise Refused(f"{exc.message}: the backup opens only with the PIN of a user who had one when it "
                          "was taken", code=exc.code, params=exc.params) from None
        if unlocked.role != "admin":
            raise Refused("restoring a backup needs an admin's PIN", code="backup.admin_only")
        key = _key_for(staging / DB_MEMBER, [unlocked.data_key, next_key])
        expected_mac = hmac.new(_mac_key(key), small[MANIFEST_MEMBER], hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(expected_mac, small[MAC_MEMBER].strip()):
            raise BackupForeign("the backup's manifest was not written for this database: it was not restored")
        conn = _raw_connect(staging / DB_MEMBER, key)
        try:
            facts = _snapshot_facts(conn)
        finally:
            conn.close()
        for name in ("schema_revision", "records", "audit_events", "audit_head_seq", "audit_head_hash"):
            if facts[name] != getattr(manifest, name):
                raise BackupForeign(f"the backup's database does not match its manifest ({name}): it was not restored")
        # The device opens as it does every day: grants checked, schema migrated forward.
        device = Device.open(staging, user=user, pin=pin)
        schema_after = device.db.schema_revision() or ""
        with device.db.read() as session:
            broken = audit.verify(session)
        if broken is not None:
            raise BackupInvalid(f"the restored audit chain breaks at event {broken.seq}: it was not restored",
                                code="backup.audit_broken", params={"seq": broken.seq})
        requeued = _requeue_in_flight(device.db, unlocked.user, archive.name)
        from app.outbox import OutboxLedger

        counts = OutboxLedger(device.db).counts()
        if agent_key:
            write_key_file(staging / KEY_FILE, device.data_key or key)
        device.close()
        device = None
        secure_data_dir(staging, create=False)
        if data_dir.exists():
            for part in staging.iterdir():
                os.rename(part, data_dir / part.name)
            staging.rmdir()
            secure_data_dir(data_dir, create=False)
        else:
            os.rename(staging, data_dir)
    except BaseException:
        if device is not None:
            device.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(data_dir, manifest, manifest.schema_revision, schema_after, requeued, counts)


def _key_for(path: Path, keys: list[bytes | None]) -> bytes:
    for key in keys:
        if key is None or len(key) != KEY_BYTES:
            continue
        conn = _raw_connect(path, key)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return key
        except sqlcipher3.DatabaseError:
            continue
        finally:
            conn.close()
    raise BackupForeign("the key slots in the backup do not open its database: it was not restored")


def _requeue_in_flight(db: Database, by: str, backup: str) -> int:
    """Items that were being sent when the backup was taken go back to pending (attempts kept);
    the restore itself is audited."""
    from sqlmodel import select

    from app.store.models import OutboxItem

    with db.write() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.state == OutboxState.IN_FLIGHT)).all()
        for item in items:
            item.state, item.lease_owner, item.leased_until = OutboxState.PENDING.value, None, None
            session.add(item)
        audit.append(session, actor=by, kind="backup-restored",
                     details={"backup": backup[:128], "in_flight_requeued": len(items)})
        return len(items)

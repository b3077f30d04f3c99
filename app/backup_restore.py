"""Restore of a backup (`app.backup` describes the archive) on a new machine.

Checks, in order: the archive's shape, each file's checksum, the device id against the slots'
admin key, the schema revision (a newer one is refused), the admin's PIN against the slots, the
data key against the database, the manifest MAC, the counts against the database; then it migrates
forward, verifies the audit chain, puts in-flight outbox items back to pending and moves the result
into place. A failure leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3
from alembic.script import ScriptDirectory

from app import audit
from app.backup import (
    _COPY_CHUNK,
    DB_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MAC_MEMBER,
    MANIFEST_MEMBER,
    MAX_DB_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_SMALL_MEMBER_BYTES,
    MEMBERS,
    SETTINGS_MEMBER,
    SLOTS_MEMBER,
    BackupForeign,
    BackupInvalid,
    BackupTooNew,
    Manifest,
    _mac_key,
    _raw_connect,
    _sha256_file,
    _snapshot_facts,
    device_fingerprint,
)
from app.errors import Refused
from app.security.keyslots import SLOT_FILE, KeySlots, SlotError
from app.store.database import KEY_BYTES, Database, alembic_config
from app.vocabulary import OutboxState


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    manifest: Manifest
    schema_before: str
    schema_after: str
    in_flight_requeued: int
    outbox_by_state: dict[str, int]


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

"""Backups (issue 19): the copy stays encrypted under the device's key, and a damaged, truncated,
foreign or too-new archive is refused with nothing left behind; an older one is migrated."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import tarfile
from pathlib import Path

import pytest

from app import audit
from app.backup import (
    DB_MEMBER,
    MANIFEST_MEMBER,
    SLOTS_MEMBER,
    BackupForeign,
    BackupInvalid,
    BackupTooNew,
    create_backup,
)
from app.backup_restore import inspect_backup, restore_backup
from app.device import Device
from app.errors import Refused
from app.store import Database
from tests.core.conftest import ADMIN, AGENT, COUNTRIES, farajaland_birth

PIN = "root-pin-1"


def make_device(path: Path, records: int = 3) -> Device:
    device = Device.initialise(path, COUNTRIES / "farajaland", admin="root", pin=PIN)
    device.add_user(ADMIN, "ana", "agent", "ana-pin-1")
    for n in range(records):
        device.records.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"Wezzie{n}"}))
    return device


@pytest.fixture
def device(tmp_path: Path) -> Device:
    dev = make_device(tmp_path / "device")
    yield dev
    dev.close()


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {info.name: tar.extractfile(info).read() for info in tar}  # type: ignore[union-attr]


def rewrite(archive: Path, target: Path, replace: dict[str, bytes], *, fix_checksums: bool) -> Path:
    """The archive with members replaced; with `fix_checksums` the manifest is made to match them
    (as a forger would), so only the checks beyond the checksum can catch it."""
    parts = members(archive) | replace
    if fix_checksums:
        manifest = json.loads(parts[MANIFEST_MEMBER])
        for name, entry in manifest["files"].items():
            entry["sha256"], entry["bytes"] = hashlib.sha256(parts[name]).hexdigest(), len(parts[name])
        parts[MANIFEST_MEMBER] = json.dumps(manifest).encode()
    with tarfile.open(target, "w") as tar:
        for name, data in parts.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def test_the_copy_is_encrypted_under_the_same_key_and_opens_with_it(device: Device, tmp_path: Path) -> None:
    result = create_backup(device.db, device.data_dir, tmp_path)
    raw = result.path.read_bytes()
    for needle in ("Wezzie0", "Banda", "1234567890", "CREATE TABLE", "SQLite format 3"):
        assert needle.encode() not in raw
        assert needle.encode("utf-16-le") not in raw
    copy = tmp_path / "copy.db"
    copy.write_bytes(members(result.path)[DB_MEMBER])
    opened = Database(copy, device.db._key)  # the live data key opens the copy
    with opened.read() as session:
        assert audit.head(session) == (result.manifest.audit_head_seq, result.manifest.audit_head_hash)
    opened.close()
    manifest = result.manifest
    assert (manifest.records, manifest.records_by_status) == (3, {"declared": 3})
    assert manifest.schema_revision == device.db.schema_revision()
    assert manifest.outbox_by_state["pending"] == 6 and manifest.audit_events == 5
    assert (manifest.center_id, manifest.machine_id) == ("10001", "10002")
    assert inspect_backup(result.path) == manifest


def test_restore_brings_back_every_record_and_audits_itself(device: Device, tmp_path: Path) -> None:
    from sqlmodel import select

    from app.store.models import AuditEvent, Record

    result = create_backup(device.db, device.data_dir, tmp_path)
    with device.db.read() as session:
        live_records = {r.id: (r.status, r.declaration) for r in session.exec(select(Record))}
        live_events = [(e.seq, e.hash) for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]
    restored = restore_backup(result.path, tmp_path / "new", user="root", pin=PIN, agent_key=True)
    assert restored.in_flight_requeued == 0 and restored.schema_after == restored.schema_before
    again = Device.open(tmp_path / "new")  # the agent key written by the restore opens it
    try:
        with again.db.read() as session:
            assert {r.id: (r.status, r.declaration) for r in session.exec(select(Record))} == live_records
            events = list(session.exec(select(AuditEvent).order_by(AuditEvent.seq)))
            assert [(e.seq, e.hash) for e in events[:-1]] == live_events
            assert events[-1].kind == "backup-restored"  # the restore is one more event
            assert audit.verify(session) is None
    finally:
        again.close()


def test_a_user_pin_other_than_an_admins_is_refused(device: Device, tmp_path: Path) -> None:
    result = create_backup(device.db, device.data_dir, tmp_path)
    with pytest.raises(Refused, match="admin"):
        restore_backup(result.path, tmp_path / "new", user="ana", pin="ana-pin-1")
    with pytest.raises(Refused, match="wrong PIN"):
        restore_backup(result.path, tmp_path / "new", user="root", pin="not-the-pin-1")
    assert not (tmp_path / "new").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".new")] == []


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "empty", "not a tar"])
def test_a_damaged_or_truncated_backup_is_refused(device: Device, tmp_path: Path, damage: str) -> None:
    result = create_backup(device.db, device.data_dir, tmp_path)
    raw = bytearray(result.path.read_bytes())
    if damage == "flipped byte":
        raw[len(raw) // 2] ^= 0x01  # inside the database member
    elif damage == "truncated":
        raw = raw[: len(raw) - 20_000]
    elif damage == "empty":
        raw = bytearray()
    else:
        raw = bytearray(b"hello" * 1000)
    broken = tmp_path / "broken.crvsbak"
    broken.write_bytes(bytes(raw))
    with pytest.raises(BackupInvalid, match="damaged or truncated"):
        restore_backup(broken, tmp_path / "new", user="root", pin=PIN)
    assert not (tmp_path / "new").exists()


def test_a_foreign_devices_parts_are_refused(device: Device, tmp_path: Path) -> None:
    other = make_device(tmp_path / "other", records=1)
    try:
        ours = create_backup(device.db, device.data_dir, tmp_path).path
        theirs_dir = tmp_path / "theirs"
        theirs_dir.mkdir()
        theirs = members(create_backup(other.db, other.data_dir, theirs_dir).path)
    finally:
        other.close()
    # the other device's key slots with our manifest: its admin key is not our device id
    swapped_slots = rewrite(ours, tmp_path / "slots.crvsbak", {SLOTS_MEMBER: theirs[SLOTS_MEMBER]},
                            fix_checksums=True)
    with pytest.raises(BackupForeign, match="another device"):
        restore_backup(swapped_slots, tmp_path / "new", user="root", pin=PIN)
    # the other device's database under our slots and manifest: our key does not open it
    swapped_db = rewrite(ours, tmp_path / "db.crvsbak", {DB_MEMBER: theirs[DB_MEMBER]}, fix_checksums=True)
    with pytest.raises(BackupForeign, match="do not open"):
        restore_backup(swapped_db, tmp_path / "new", user="root", pin=PIN)
    # a manifest edited to claim other counts (checksums fixed): the MAC under the data key refuses it
    manifest = json.loads(members(ours)[MANIFEST_MEMBER])
    manifest["records"] = 999
    edited = rewrite(ours, tmp_path / "manifest.crvsbak", {MANIFEST_MEMBER: json.dumps(manifest).encode()},
                     fix_checksums=True)
    with pytest.raises(BackupForeign, match="not written for this database"):
        restore_backup(edited, tmp_path / "new", user="root", pin=PIN)
    assert not (tmp_path / "new").exists()


def test_a_target_holding_a_device_is_refused(device: Device, tmp_path: Path) -> None:
    result = create_backup(device.db, device.data_dir, tmp_path)
    with pytest.raises(BackupForeign, match="already holds a device"):
        restore_backup(result.path, device.data_dir, user="root", pin=PIN)


def test_an_older_schema_is_restored_and_migrated(tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.store.database import alembic_config

    device = make_device(tmp_path / "device", records=2)
    try:
        with device.db.engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        assert device.db.schema_revision() == "0004"
        result = create_backup(device.db, device.data_dir, tmp_path)
    finally:
        device.close()
    assert result.manifest.schema_revision == "0004"
    restored = restore_backup(result.path, tmp_path / "new", user="root", pin=PIN)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert (restored.schema_before, restored.schema_after) == ("0004", head)
    assert restored.manifest.records == 2


def test_a_newer_schema_is_refused(device: Device, tmp_path: Path) -> None:
    with device.db.write() as session:
        session.connection().exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    result = create_backup(device.db, device.data_dir, tmp_path)
    with pytest.raises(BackupTooNew, match="newer than this software"):
        restore_backup(result.path, tmp_path / "new", user="root", pin=PIN)
    assert not (tmp_path / "new").exists()


def test_after_a_removal_the_next_backup_is_under_the_new_key(device: Device, tmp_path: Path) -> None:
    from app.store import DatabaseError

    old_key = device.db._key
    (tmp_path / "older").mkdir()
    older = create_backup(device.db, device.data_dir, tmp_path / "older")
    device.remove_user(ADMIN, "ana")  # re-keys the database
    newer_dir = tmp_path / "newer"
    newer_dir.mkdir()
    newer = create_backup(device.db, device.data_dir, newer_dir)
    assert "ana" in json.loads(members(older.path)[SLOTS_MEMBER])["slots"]  # her slot stays in the old one
    assert "ana" not in json.loads(members(newer.path)[SLOTS_MEMBER])["slots"]
    for archive, opens_with_old_key in ((older.path, True), (newer.path, False)):
        copy = tmp_path / f"{archive.parent.name}.db"
        copy.write_bytes(members(archive)[DB_MEMBER])
        if opens_with_old_key:
            Database(copy, old_key).close()
        else:
            with pytest.raises(DatabaseError):
                Database(copy, old_key)
            Database(copy, device.db._key).close()


def test_the_cli_backs_up_and_restores_with_clear_refusals(device: Device, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    def cli(*args: str, pin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("CRVS_FIELD_PIN", "CRVS_FIELD_DB_KEY")}
        if pin:
            env["CRVS_FIELD_PIN"] = pin
        return subprocess.run([sys.executable, "-m", "crvs_field", *args], capture_output=True, text=True,
                              env=env, timeout=120)

    out = tmp_path / "usb"
    out.mkdir()
    data = str(device.data_dir)
    as_agent = cli("--data-dir", data, "--user", "ana", "backup", "--to", str(out), pin="ana-pin-1")
    assert as_agent.returncode == 1 and "admin" in as_agent.stderr
    unattended = cli("--data-dir", data, "backup", "--to", str(out))  # the agent key
    assert unattended.returncode == 0, unattended.stderr
    archive = next(out.iterdir())
    cut = tmp_path / "cut.crvsbak"
    cut.write_bytes(archive.read_bytes()[:50_000])
    refused = cli("--user", "root", "restore", str(cut), "--data-dir", str(tmp_path / "new"), pin=PIN)
    assert refused.returncode == 2 and "damaged or truncated" in refused.stderr
    assert "Traceback" not in refused.stderr
    restored = cli("--user", "root", "restore", str(archive), "--data-dir", str(tmp_path / "new"), pin=PIN)
    assert restored.returncode == 0, restored.stderr
    assert "3 records" in restored.stdout and "audit chain holds" in restored.stdout
    assert "RPR-WIS-001" in restored.stdout  # why resending after the restore is safe


def test_two_backups_in_the_same_instant_get_two_names_in_time_order(device: Device, tmp_path: Path) -> None:
    import datetime as dt

    when = dt.datetime(2026, 12, 6, 10, 0, 0, 123456, tzinfo=dt.UTC)
    first = create_backup(device.db, device.data_dir, tmp_path, now=when)
    device.records.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": "Later"}))
    second = create_backup(device.db, device.data_dir, tmp_path, now=when)
    assert first.path != second.path
    assert sorted([second.path.name, first.path.name]) == [first.path.name, second.path.name]
    assert inspect_backup(first.path).records + 1 == inspect_backup(second.path).records
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".crvsbak") == [first.path.name, second.path.name]


def test_writes_between_copy_steps_neither_restart_nor_enter_the_snapshot(
        device: Device, tmp_path: Path) -> None:
    """The copy pauses between steps for writers; it still holds one snapshot: what was written
    during the copy is not in it, and the manifest's counts match the copy."""
    import app.backup as backup_module

    for n in range(40):        # enough pages for several steps of 4 pages
        device.records.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"Bulk{n}"}))
    before = inspect_backup(create_backup(device.db, device.data_dir, tmp_path).path).records
    steps: list[tuple[int, int]] = []

    def write_between(done: int, total: int) -> None:
        steps.append((done, total))
        device.records.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"During{done}"}))

    (tmp_path / "second").mkdir()
    result = create_backup(device.db, device.data_dir, tmp_path / "second", step_pages=4, progress=write_between)
    assert len(steps) > 3 and all(a[0] < b[0] for a, b in itertools.pairwise(steps))  # never restarted
    assert result.manifest.records == before
    assert inspect_backup(result.path).records == before
    conn = backup_module._raw_connect(device.db.path, device.db._key)
    try:
        assert conn.execute("SELECT count(*) FROM record").fetchone()[0] == before + len(steps)
    finally:
        conn.close()

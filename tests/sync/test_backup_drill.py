"""The restore drill (issue 19): records in every state, a backup taken while the agent drains
against the emulator, the device wiped, the backup restored on a new data dir, and the resumed agent
delivering what was left without a duplicate effect in MOSIP."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlmodel import select

from app import audit
from app.backup import create_backup, restore_backup
from app.outbox import OutboxLedger
from app.records import Actor, Role
from app.store.models import AuditEvent, OutboxItem, Record
from tests.sync.conftest import ADMIN_PIN, LinkedDevice, person, section_values

ANA, REX = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
VERIFIED_BIRTHS, FAILED_BIRTHS, REGISTERED_BIRTHS, DRAFTS, HELD_BY_A_DEAD_AGENT = 90, 30, 60, 20, 8
RECORDS = VERIFIED_BIRTHS + FAILED_BIRTHS + REGISTERED_BIRTHS + DRAFTS


def dump(db: Any) -> dict[str, Any]:
    with db.read() as session:
        return {
            "records": {r.id: r.model_dump() for r in session.exec(select(Record))},
            "outbox": {o.id: o.model_dump() for o in session.exec(select(OutboxItem))},
            "audit": [e.model_dump() for e in session.exec(select(AuditEvent).order_by(AuditEvent.seq))],
        }


def snapshot_dump(archive: Path, key: bytes) -> dict[str, Any]:
    """The database inside the archive, opened with the device's data key."""
    from app.store import Database

    with tarfile.open(archive) as tar, tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "crvs.db"
        copy.write_bytes(tar.extractfile("crvs.db").read())  # type: ignore[union-attr]
        db = Database(copy, key)
        try:
            return dump(db)
        finally:
            db.close()


def populate(device: Any) -> None:
    mother, father = person("Female"), person("Male")
    parents = {**section_values("mother", mother), **section_values("father", father)}
    child = {"child.surname": "Banda", "child.gender": "female", "child.dob": "2026-11-01",
             "informant.relation": "mother"}
    for n in range(VERIFIED_BIRTHS):
        device.records.declare(ANA, event="birth", data={**child, **parents, "child.firstname": f"V{n}"})
    for n in range(FAILED_BIRTHS):  # the father's name does not match MOSIP's
        device.records.declare(ANA, event="birth", data={**child, **parents, "child.firstname": f"F{n}",
                                                         "father.firstname": "Nobody", "father.middlename": ""})
    for n in range(REGISTERED_BIRTHS):  # authenticated mother: registering asks MOSIP for a UIN
        record = device.records.declare(ANA, event="birth", data={
            **child, **section_values("mother", mother), "child.firstname": f"R{n}"})
        device.records.record_authentication(ANA, record.id, "mother", psut=f"psut-{n}")
        device.records.act(REX, record.id, "register")
    for n in range(DRAFTS):
        device.records.create_draft(ANA, "birth", {"child.firstname": f"D{n}"})


def agent(linked: LinkedDevice, data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, **linked.env}
    env.pop("CRVS_FIELD_PIN", None)
    return subprocess.Popen([sys.executable, "-m", "crvs_field", "--data-dir", str(data_dir), "sync", "--once",
                             "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_backup_while_draining_wipe_restore_and_resume(linked: LinkedDevice, tmp_path: Path) -> None:
    device = linked.open()
    try:
        populate(device)
        # an agent that died holding leases: its items are in flight in the backup
        held = OutboxLedger(device.db).lease_due("dead-agent", limit=HELD_BY_A_DEAD_AGENT, lease_seconds=3600)
        assert len(held) == HELD_BY_A_DEAD_AGENT
        before = dump(device.db)
        assert len(before["records"]) == RECORDS

        draining = agent(linked, linked.data_dir)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the agent has delivered part of the outbox
            counts = OutboxLedger(device.db).counts()
            if counts["done"] >= 20:
                break
            time.sleep(0.05)
        backups = tmp_path / "usb"
        backups.mkdir()
        result = create_backup(device.db, device.data_dir, backups)
        key = device.db._key
        still_draining = draining.poll() is None
        out, err = draining.communicate(timeout=300)
        assert draining.returncode == 0, out + err
        after = dump(device.db)
    finally:
        device.close()
    manifest = result.manifest
    assert still_draining, "the backup was meant to be taken while the agent drained"
    assert manifest.outbox_by_state["done"] >= 20 and manifest.outbox_by_state["pending"] > 0
    assert manifest.outbox_by_state["in_flight"] >= HELD_BY_A_DEAD_AGENT

    shutil.rmtree(linked.data_dir)  # the laptop is gone
    counters_before = linked.emulator.counters()
    new_dir = tmp_path / "replacement"
    restored = restore_backup(result.path, new_dir, user="root", pin=ADMIN_PIN, agent_key=True)
    assert restored.in_flight_requeued == manifest.outbox_by_state["in_flight"]

    replacement = LinkedDevice(new_dir, linked.env, linked.emulator)
    device = replacement.open()
    try:
        got = dump(device.db)
        with device.db.read() as session:
            assert audit.verify(session) is None
    finally:
        device.close()

    # restored == the archive's snapshot, row for row (in flight put back to pending, one audit event more)
    snapshot = snapshot_dump(result.path, key)
    assert got["records"] == snapshot["records"]
    assert got["audit"][:-1] == snapshot["audit"]
    assert {i: dict(r, state="pending", lease_owner=None, leased_until=None) if r["state"] == "in_flight" else r
            for i, r in snapshot["outbox"].items()} == got["outbox"]
    # … and the snapshot is one moment of the live device: each record between its state before
    # and after the drain, the history a prefix of the live one
    assert got["records"].keys() == before["records"].keys()
    for record_id, row in got["records"].items():
        was, became = before["records"][record_id], after["records"][record_id]
        assert row["status"] in (was["status"], became["status"]), record_id
        assert (row["declaration"], row["tracking_id"], row["created_at"]) == (
            was["declaration"], was["tracking_id"], was["created_at"])
    by_status: dict[str, int] = {}
    for row in got["records"].values():
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    assert by_status == manifest.records_by_status
    # the audit history is a prefix of the live one, plus the restore's own event
    assert got["audit"][:-1] == after["audit"][: len(got["audit"]) - 1]
    assert len(got["audit"]) - 1 == manifest.audit_events
    assert got["audit"][-1]["kind"] == "backup-restored"
    assert before["outbox"].keys() <= got["outbox"].keys() <= after["outbox"].keys()
    assert all(row["state"] != "in_flight" for row in got["outbox"].values())

    # the resumed agent finishes the work; MOSIP sees each registration's effect once
    resumed = replacement.cli("sync", "--once", "--json")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    device = replacement.open()
    try:
        final = OutboxLedger(device.db).counts()
    finally:
        device.close()
    assert final["pending"] == 0 and final["in_flight"] == 0, final
    counters = linked.emulator.counters()
    rids = {row["idempotency_key"] for row in got["outbox"].values() if row["kind"] == "create_uin"}
    assert len(rids) == REGISTERED_BIRTHS
    started = counters.get("workflows_started", {})
    created = counters.get("identities_created", {})
    for rid in rids:
        assert started.get(rid) == 1, (rid, started.get(rid))
        assert created.get(rid, 0) <= 1, (rid, created.get(rid))
    resent = {rid for rid in rids if counters.get("packets_rewritten", {}).get(rid)}
    again = sum(counters.get("workflows_already_present", {}).values()) - sum(
        counters_before.get("workflows_already_present", {}).values())
    print(f"drill: {RECORDS} records, {manifest.outbox_by_state} at backup, "
          f"{len(resent)} packets rewritten and {again} workflow starts answered already-present after restore")

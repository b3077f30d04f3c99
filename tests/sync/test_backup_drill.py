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

from sqlmodel import col, select

from app import audit
from app.backup import create_backup
from app.backup_restore import restore_backup
from app.delivery import DeliveryOutcomes, VerificationAnswer
from app.outbox import OutboxLedger
from app.records import Actor, Role
from app.records.verification import VerificationOutcome
from app.store.models import AuditEvent, OutboxItem, Record
from app.vocabulary import OutboxKind, OutboxState, Status
from tests.sync.conftest import ADMIN_PIN, LinkedDevice, person, section_values

ANA, REX, SAM = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR), Actor("sam", Role.SUPERVISOR)
# Left for the agent: verifications it answers (declared → validated / verification_failed) and UIN
# requests it delivers (awaiting_external_validation).
VERIFIED_BIRTHS, FAILED_BIRTHS, REGISTERED_BIRTHS = 250, 100, 200
# Settled on the device before the drain, each through the service that settles it in real use.
DRAFTS, VALIDATED, VERIFICATION_FAILED, REMOVED_FROM_QUEUE, CORRECTIONS, REJECTED, QUARANTINED = (
    80, 80, 50, 80, 60, 60, 40)
HELD_BY_A_DEAD_AGENT = 40
RECORDS = (VERIFIED_BIRTHS + FAILED_BIRTHS + REGISTERED_BIRTHS + DRAFTS + VALIDATED + VERIFICATION_FAILED
           + REMOVED_FROM_QUEUE + CORRECTIONS + REJECTED + QUARANTINED)
EVERY_STATUS = {status.value for status in Status}


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
    """RECORDS records: every status, flagged ones with a quarantined item, verifications and UIN
    requests left for the agent. Built through the services in this process (one CLI call each would
    take minutes)."""
    mother, father = person("Female"), person("Male")
    parents = {**section_values("mother", mother), **section_values("father", father)}
    child = {"child.surname": "Banda", "child.gender": "female", "child.dob": "2026-11-01",
             "informant.relation": "mother"}
    outcomes = DeliveryOutcomes.of(device.records)

    def declared(prefix: str, n: int, data: dict[str, Any] | None = None) -> list[str]:
        return [device.records.declare(ANA, event="birth", data={
            **child, **parents, "child.firstname": f"{prefix}{i}", **(data or {})}).id for i in range(n)]

    def authenticated(prefix: str, n: int) -> list[str]:  # nothing to verify: the mother signed in
        ids = []
        for i in range(n):
            record = device.records.declare(ANA, event="birth", data={
                **child, **section_values("mother", mother), "father.details_available": "no",
                "child.firstname": f"{prefix}{i}"})
            device.records.record_authentication(ANA, record.id, "mother", psut=f"psut-{prefix}{i}")
            ids.append(record.id)
        return ids

    def answer_locally(record_ids: list[str], *, verified: bool) -> None:
        with device.db.read() as session:
            items = session.exec(select(OutboxItem).where(col(OutboxItem.record_id).in_(record_ids),
                                                          OutboxItem.kind == OutboxKind.VERIFY)).all()
        outcomes.verifications_answered([VerificationAnswer(item.id, VerificationOutcome(  # type: ignore[arg-type]
            item.idempotency_key, verified, () if verified else ("name",))) for item in items])

    declared("V", VERIFIED_BIRTHS)
    # the father's name does not match MOSIP's
    declared("F", FAILED_BIRTHS, {"father.firstname": "Nobody", "father.middlename": ""})
    for record_id in authenticated("R", REGISTERED_BIRTHS):  # registering asks MOSIP for a UIN
        device.records.act(REX, record_id, "register")
    for n in range(DRAFTS):
        device.records.create_draft(ANA, "birth", {"child.firstname": f"D{n}"})
    answer_locally(declared("A", VALIDATED), verified=True)
    answer_locally(declared("X", VERIFICATION_FAILED), verified=False)
    for n, record_id in enumerate(authenticated("Q", REMOVED_FROM_QUEUE + CORRECTIONS)):
        device.records.act(REX, record_id, "register")
        device.records.act(SAM, record_id, "remove-from-queue", reason="registered on paper")
        if n >= REMOVED_FROM_QUEUE:
            device.records.act(ANA, record_id, "request-correction", data={"child.firstname": f"C{n}"},
                               reason="second name forgotten")
    for record_id in authenticated("J", REJECTED):
        device.records.act(REX, record_id, "reject", reason="duplicate")
    for record_id in declared("T", QUARANTINED):  # MOSIP refused the data: a person must look
        with device.db.read() as session:
            item = session.exec(select(OutboxItem).where(OutboxItem.record_id == record_id)).first()
        assert item is not None and item.id is not None
        outcomes.quarantine(item.id, "refused by IDA")


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
        assert {row["status"] for row in before["records"].values()} == EVERY_STATUS
        assert sum(row["requires_attention"] for row in before["records"].values()) == QUARANTINED
        done_before = OutboxLedger(device.db).counts()["done"]

        draining = agent(linked, linked.data_dir)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the agent has delivered part of the outbox
            counts = OutboxLedger(device.db).counts()
            if counts["done"] >= done_before + 20:
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
    assert manifest.outbox_by_state["done"] >= done_before + 20 and manifest.outbox_by_state["pending"] > 0
    assert manifest.outbox_by_state["quarantined"] == QUARANTINED
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
    assert by_status.keys() == EVERY_STATUS, by_status
    assert sum(row["requires_attention"] for row in got["records"].values()) >= QUARANTINED
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
    uin_requests = [row for row in got["outbox"].values() if row["kind"] == OutboxKind.CREATE_UIN]
    rids = {row["idempotency_key"] for row in uin_requests if row["state"] != OutboxState.CANCELLED}
    assert len(rids) == REGISTERED_BIRTHS
    assert len(uin_requests) - len(rids) == REMOVED_FROM_QUEUE + CORRECTIONS  # cancelled, never sent
    started = counters.get("workflows_started", {})
    created = counters.get("identities_created", {})
    for rid in rids:
        assert started.get(rid) == 1, (rid, started.get(rid))
        assert created.get(rid, 0) <= 1, (rid, created.get(rid))
    resent = {rid for rid in rids if counters.get("packets_rewritten", {}).get(rid)}
    again = sum(counters.get("workflows_already_present", {}).values()) - sum(
        counters_before.get("workflows_already_present", {}).values())
    print(f"drill: {RECORDS} records {by_status}, {manifest.outbox_by_state} at backup, "
          f"{len(resent)} packets rewritten and {again} workflow starts answered already-present after restore")

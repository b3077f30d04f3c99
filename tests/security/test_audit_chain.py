"""`crvs-field audit verify` catches an edited, a deleted and a reordered event, editing the
encrypted database directly as an attacker with the key would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlcipher3

from app.device import Device
from app.records import Actor, Role
from tests.core.conftest import farajaland_birth


@pytest.fixture
def device_dir(tmp_path: Path) -> Path:
    device = Device.initialise(tmp_path / "device", None)
    try:
        device.users.add(None, "root", "admin", "root-pin-1")
        ana, sam = Actor("ana", Role.AGENT), Actor("sam", Role.SUPERVISOR)
        for n in range(3):
            record = device.records.declare(ana, event="birth", data=farajaland_birth(**{"child.firstname": f"C{n}"}))
        device.records.act(sam, record.id, "reject", reason="duplicate")
    finally:
        device.close()
    return tmp_path / "device"


def raw(device_dir: Path) -> sqlcipher3.Connection:
    key = (device_dir / "agent.key").read_text().strip()
    conn = sqlcipher3.connect(str(device_dir / "crvs.db"))
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
    return conn


def verify(device_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crvs_field", "--data-dir", str(device_dir), "audit", "verify"],
                          capture_output=True, text=True, timeout=60, env={**os.environ})


def test_untouched_chain_holds(device_dir: Path) -> None:
    result = verify(device_dir)
    assert result.returncode == 0 and "holds" in result.stdout


def test_edited_event_is_found(device_dir: Path) -> None:
    with raw(device_dir) as conn:
        details = json.loads(conn.execute("SELECT details FROM audit_event WHERE seq = 3").fetchone()[0])
        details["reason"] = "nothing to see"
        conn.execute("UPDATE audit_event SET details = ? WHERE seq = 3", (json.dumps(details),))
    result = verify(device_dir)
    assert result.returncode == 1 and "broken at event 3" in result.stderr


def test_deleted_event_is_found(device_dir: Path) -> None:
    with raw(device_dir) as conn:
        conn.execute("DELETE FROM audit_event WHERE seq = 2")
    result = verify(device_dir)
    assert result.returncode == 1 and "broken at event 3" in result.stderr


def test_reordered_events_are_found(device_dir: Path) -> None:
    with raw(device_dir) as conn:
        rows = conn.execute("SELECT seq, record_id, at, actor, kind, details, prev_hash, hash FROM audit_event "
                            "WHERE seq IN (3, 4) ORDER BY seq").fetchall()
        conn.execute("DELETE FROM audit_event WHERE seq IN (3, 4)")
        for (_seq, *rest), (other_seq, *_) in zip(rows, reversed(rows), strict=True):
            conn.execute("INSERT INTO audit_event (seq, record_id, at, actor, kind, details, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (other_seq, *rest))
    result = verify(device_dir)
    assert result.returncode == 1 and "broken at event 3" in result.stderr


def test_export_of_a_records_history(device_dir: Path, tmp_path: Path) -> None:
    conn = raw(device_dir)
    record_id = conn.execute("SELECT id FROM record WHERE status = 'rejected'").fetchone()[0]
    conn.close()
    out = tmp_path / "history.json"
    result = subprocess.run([sys.executable, "-m", "crvs_field", "--data-dir", str(device_dir), "--user", "root",
                             "audit", "export", record_id, "--out", str(out)], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "CRVS_FIELD_PIN": "root-pin-1"})
    assert result.returncode == 0, result.stderr
    export = json.loads(out.read_text())
    assert export["chain_holds"] is True
    assert [e["kind"] for e in export["events"]] == ["declare", "reject"]
    assert export["events"][1]["details"]["reason"] == "duplicate"


def test_events_of_one_transaction_and_a_rolled_back_one_keep_the_chain(tmp_path: Path) -> None:
    """Composed services append several events in one transaction (each sees the one before,
    unflushed); a transaction that fails leaves nothing for the next one to chain onto."""
    from sqlmodel import col, select

    from app import audit
    from app.store.models import AuditEvent

    device = Device.initialise(tmp_path / "device", None)
    try:
        with device.db.write() as session:
            for n in range(3):
                audit.append(session, actor="ana", kind="test", details={"n": n})
        with pytest.raises(RuntimeError), device.db.write() as session:
            audit.append(session, actor="ana", kind="test", details={"n": "lost"})
            raise RuntimeError("the action fails after its audit event")
        with device.db.write() as session:
            audit.append(session, actor="ana", kind="test", details={"n": 3})
        with device.db.read() as session:
            events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))))
            assert audit.verify(session) is None
        assert [e.details["n"] for e in events if e.kind == "test"] == [0, 1, 2, 3]
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
    finally:
        device.close()

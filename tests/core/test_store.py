"""The encrypted store: no personal data in the file, a wrong key opens nothing, migrations hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from app.config.loader import LoadedCountry
from app.records import RecordService
from app.store import Database, DatabaseError, new_data_key
from app.store.database import include_name
from app.store.models import AuditEvent
from tests.core.conftest import AGENT, farajaland_birth


def test_database_file_holds_no_declared_name(service: RecordService, tmp_path: Path) -> None:
    service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": "Wezzie",
                                                                   "mother.surname": "Nyirongo"}))
    service.db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("crvs.db"))
    assert len(raw) > 4096
    for needle in ("Wezzie", "Nyirongo", "1234567890", "farajaland", "record", "CREATE TABLE"):
        assert needle.encode() not in raw
        assert needle.encode("utf-16-le") not in raw


def test_wrong_key_is_refused(db: Database) -> None:
    db.close()
    with pytest.raises(DatabaseError, match="wrong key"):
        Database(db.path, new_data_key())


def test_wal_mode_and_every_commit_synced(db: Database) -> None:
    """WAL with synchronous=FULL: a commit survives a power cut (NORMAL may roll it back)."""
    with db.write() as session:
        connection = session.connection()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2   # FULL
    with db.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_migrations_produce_the_models_schema(db: Database) -> None:
    assert db.schema_revision() == "0008"
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_migrate_is_idempotent(db: Database) -> None:
    db.migrate()
    assert db.schema_revision() == "0008"


def test_a_failed_write_leaves_nothing(service: RecordService) -> None:
    from app.store.models import Record

    with pytest.raises(RuntimeError), service.db.write() as session:
        session.add(Record(id="x" * 32, tracking_id="ZZZZZZZ", event="birth", status="draft", created_by="a"))
        session.flush()
        raise RuntimeError("power cut")
    with service.db.read() as session:
        assert session.get(Record, "x" * 32) is None


@pytest.mark.parametrize("earlier", ["0002", "0003", "0004", "0005"])
def test_upgrade_from_every_later_schema(tmp_path: Path, earlier: str, farajaland: LoadedCountry) -> None:
    """A device on any earlier schema upgrades to the newest; with no device settings of its own
    it keeps the country file's MOSIP centre and machine ids (0005)."""
    from alembic import command

    from app.device_settings import mosip_device_ids
    from app.store.database import alembic_config

    db = Database(tmp_path / "old.db", new_data_key())
    with db.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, earlier)
    assert db.schema_revision() == earlier
    db.migrate()
    assert db.schema_revision() == "0008"
    packets = farajaland.config.mosip.packets
    with db.read() as session:
        ids = mosip_device_ids(session, farajaland)
    assert (ids.center_id, ids.machine_id) == (packets.center_id, packets.machine_id)
    db.close()


def test_device_ids_are_the_devices_and_only_an_admin_changes_them(db: Database,
                                                                   farajaland: LoadedCountry) -> None:
    from app import audit
    from app.device_settings import DeviceSettingError, DeviceSettingsService
    from app.integration.engine import new_rid
    from app.records import Actor, Role

    settings = DeviceSettingsService(db, farajaland)
    with pytest.raises(DeviceSettingError):
        settings.set_mosip_ids(AGENT, machine_id="20002")
    with pytest.raises(DeviceSettingError):
        settings.set_mosip_ids(Actor("root", Role.ADMIN), machine_id="2000")
    ids = settings.set_mosip_ids(Actor("root", Role.ADMIN), center_id="30003", machine_id="20002")
    assert (ids.center_id, ids.machine_id, ids.ref_id) == ("30003", "20002", "30003_20002")
    with db.write() as session:
        assert new_rid(session, farajaland).startswith("3000320002")
    with db.read() as session:
        assert audit.verify(session) is None
        changes = session.exec(select(AuditEvent).where(AuditEvent.kind == "device-settings-changed")).all()
    assert [c.details for c in changes] == [{"mosip.center_id": "30003", "mosip.machine_id": "20002"}]


def test_signed_device_ids_are_checked_at_every_read_within_one_process(tmp_path: Path) -> None:
    """The admin key and the signature check are reused between register actions: a rewritten id,
    or a slot file replaced by another admin's, is still refused on the next read."""
    import os

    from app.device import Device
    from app.device_settings import MACHINE_ID, DeviceSettingForged, mosip_device_ids

    os.environ.pop("CRVS_FIELD_DB_KEY", None)
    device = Device.initialise(tmp_path / "a", None, admin="root", pin="root-2026-pin", machine_id="20002")
    other = Device.initialise(tmp_path / "b", None, admin="root", pin="root-2026-pin")
    try:
        for _ in range(2):
            with device.db.read() as session:
                assert mosip_device_ids(session, device.country).machine_id == "20002"
        with device.db.write() as session:
            session.connection().exec_driver_sql(
                "UPDATE device_setting SET value = '20003' WHERE name = ?", (MACHINE_ID,))
        with device.db.read() as session, pytest.raises(DeviceSettingForged):
            mosip_device_ids(session, device.country)
        with device.db.write() as session:
            session.connection().exec_driver_sql(
                "UPDATE device_setting SET value = '20002' WHERE name = ?", (MACHINE_ID,))
        with device.db.read() as session:
            assert mosip_device_ids(session, device.country).machine_id == "20002"
        # another device's slot file: its admin key did not sign these ids
        os.replace(tmp_path / "b" / "keyslots.json", tmp_path / "a" / "keyslots.json")
        with device.db.read() as session, pytest.raises(DeviceSettingForged):
            mosip_device_ids(session, device.country)
    finally:
        device.close()
        other.close()


def test_upgrade_from_the_first_schema_keeps_the_data(tmp_path: Path) -> None:
    """A device on schema 0001 with records upgrades in place, data intact; a stored `reject` that
    refused a correction becomes `reject-correction` (0006), a record's rejection stays `reject`."""
    from alembic import command
    from sqlmodel import text

    from app.store.database import alembic_config

    db = Database(tmp_path / "old.db", new_data_key())
    with db.engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO record (id, tracking_id, event, status, requires_attention, declaration, "
                          "persons, mosip, search_text, created_by, created_at, updated_at, version) VALUES "
                          "('r1', 'T1', 'birth', 'draft', 0, '{}', '{}', '{}', '', 'a', '2026-01-01', "
                          "'2026-01-01', 1)"))
        conn.execute(text("INSERT INTO record (id, tracking_id, event, status, requires_attention, declaration, "
                          "persons, mosip, search_text, created_by, created_at, updated_at, version) VALUES "
                          "('r2', 'T2', 'birth', 'declared', 0, '{}', '{}', '{}', '', 'a', '2026-01-01', "
                          "'2026-01-02', 1)"))
        conn.execute(text("INSERT INTO outbox (idempotency_key, kind, record_id, payload, state, attempts, "
                          "next_attempt_at, created_at, updated_at) VALUES ('k2', 'verify', 'r2', '{}', 'pending', "
                          "0, '2026-01-02', '2026-01-02', '2026-01-02')"))
        history = [("r1", "declare"), ("r1", "reject"), ("r2", "register"), ("r2", "request-correction"),
                   ("r2", "reject"), ("r2", "request-correction"), ("r2", "approve-correction"),
                   ("r2", "flag-attention"), ("r2", "request-correction"), ("r2", "retry"), ("r2", "reject")]
        for record_id, action_type in history:
            conn.execute(text("INSERT INTO action (record_id, type, status, actor, at, payload) VALUES "
                              "(:r, :t, 'accepted', 'a', '2026-01-03', '{}')"), {"r": record_id, "t": action_type})
    assert db.schema_revision() == "0001"
    db.migrate()
    assert db.schema_revision() == "0008"
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT tracking_id FROM record WHERE id = 'r1'")).scalar() == "T1"
        # 0004: the record with a pending outbox item is in the Outbox queue, the other is not
        assert dict(conn.execute(text("SELECT id, outbox_open FROM record")).all()) == {"r1": 0, "r2": 1}
        indexes = {row[1] for row in conn.execute(text("PRAGMA index_list('record')"))}
        types = [tuple(row) for row in conn.execute(text("SELECT record_id, type FROM action ORDER BY id"))]
    assert [t for _, t in types if t.startswith("reject")] == [
        "reject", "reject-correction", "reject-correction"]
    assert "ix_record_status_updated" in indexes
    db.close()


def test_outbox_queue_follows_the_outbox_items_states(service: RecordService) -> None:
    """The Outbox queue flag is kept by triggers on the outbox, whatever code changes a state."""
    from sqlmodel import select

    from app.store.models import OutboxItem, Record
    from tests.core.conftest import AGENT, farajaland_birth

    record = service.declare(AGENT, event="birth", data=farajaland_birth())     # queues a verification
    other = service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": "Other"}))

    def queue() -> set[str]:
        return {r.id for r in service.list_records("outbox", limit=50)}

    assert queue() == {record.id, other.id} and service.queue_counts()["outbox"] == 2
    for state, inside in (("in_flight", True), ("quarantined", True), ("done", False), ("pending", True),
                          ("cancelled", False)):
        with service.db.write() as session:
            for item in session.exec(select(OutboxItem).where(OutboxItem.record_id == record.id)):
                item.state = state
                session.add(item)
        assert (record.id in queue()) is inside, state
        assert service.queue_counts()["outbox"] == (2 if inside else 1)
    with service.db.write() as session:
        for item in session.exec(select(OutboxItem).where(OutboxItem.record_id == other.id)):
            session.delete(item)
    assert queue() == set()
    with service.db.read() as session:
        assert not any(r.outbox_open for r in session.exec(select(Record)))

"""Key slots (DESIGN §6): the database opens only with a user's PIN or the provisioned agent key;
adding needs an admin's unlocked session; removing destroys the slot; a PIN change rewraps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.device import Device, DeviceError
from app.errors import Refused
from app.records import Actor, Role
from app.security.keyslots import KeySlots, SlotError, lockout_seconds
from app.security.users import AuthenticationError
from app.store import Database, DatabaseError
from tests.core.conftest import farajaland_birth


@pytest.fixture
def device_dir(tmp_path: Path) -> Path:
    device = Device.initialise(tmp_path / "device", None, admin="root", pin="root-pin-1", agent_key=False)
    try:
        device.add_user(device.actor, "ana", "agent", "ana-pin-1")
        device.records.declare(Actor("ana", Role.AGENT), event="birth", data=farajaland_birth())
    finally:
        device.close()
    return tmp_path / "device"


def test_nothing_opens_without_a_pin_or_agent_key(device_dir: Path, tmp_path: Path) -> None:
    assert sorted(p.name for p in device_dir.iterdir() if "key" in p.name) == [".keyslots.lock", "keyslots.json"]
    with pytest.raises(DeviceError, match="is locked"):
        Device.open(device_dir)
    copy = tmp_path / "stolen"
    shutil.copytree(device_dir, copy)
    for guess in (b"\0" * 32, bytes(range(32))):
        with pytest.raises(DatabaseError):
            Database(copy / "crvs.db", guess)
    with pytest.raises(AuthenticationError):
        Device.open(copy, user="ana", pin="000000")
    device = Device.open(copy, user="ana", pin="ana-pin-1")  # the copy opens with the PIN, as it should
    try:
        assert device.actor == Actor("ana", Role.AGENT)
        assert len(device.records.list_records()) == 1
    finally:
        device.close()


def test_only_an_unlocked_admin_adds_users(device_dir: Path) -> None:
    device = Device.open(device_dir, user="ana", pin="ana-pin-1")
    try:
        with pytest.raises(Refused, match="only an admin"):
            device.add_user(device.actor, "eve", "registrar", "eve-pin-1")
    finally:
        device.close()
    assert not KeySlots(device_dir).has("eve")
    admin = Device.open(device_dir, user="root", pin="root-pin-1")
    try:
        admin.add_user(admin.actor, "rex", "registrar", "rex-pin-1")
    finally:
        admin.close()
    Device.open(device_dir, user="rex", pin="rex-pin-1").close()


def test_removing_a_user_destroys_the_slot(device_dir: Path) -> None:
    admin = Device.open(device_dir, user="root", pin="root-pin-1")
    try:
        admin.remove_user(admin.actor, "ana")
    finally:
        admin.close()
    with pytest.raises(AuthenticationError, match="unknown user or wrong PIN"):
        Device.open(device_dir, user="ana", pin="ana-pin-1")


def test_pin_change_rewraps(device_dir: Path) -> None:
    device = Device.open(device_dir, user="ana", pin="ana-pin-1")
    try:
        device.change_pin("ana", "ana-pin-1", "ana-pin-2")
    finally:
        device.close()
    with pytest.raises(AuthenticationError):
        Device.open(device_dir, user="ana", pin="ana-pin-1")
    Device.open(device_dir, user="ana", pin="ana-pin-2").close()


def test_failed_pins_lock_the_slot_with_growing_backoff(device_dir: Path) -> None:
    slots = KeySlots(device_dir)
    for _ in range(3):
        with pytest.raises(SlotError, match="wrong PIN"):
            slots.unlock("ana", "nope-nope")
    with pytest.raises(SlotError, match="try again in"):
        slots.unlock("ana", "ana-pin-1")
    assert [lockout_seconds(n) for n in (2, 3, 4, 5, 20)] == [0, 30, 60, 120, 3600]


def test_agent_key_file_is_private_and_opens_the_device(device_dir: Path) -> None:
    admin = Device.open(device_dir, user="root", pin="root-pin-1")
    try:
        where = admin.provision_agent_key(admin.actor)
    finally:
        admin.close()
    assert Path(where).stat().st_mode & 0o777 == 0o600
    device = Device.open(device_dir)
    try:
        assert device.actor is None and len(device.records.list_records()) == 1
    finally:
        device.close()


def test_a_bundled_country_survives_moving_the_installation(device_dir: Path) -> None:
    import json

    from app.device import recorded_country_dir, resources_dir

    recorded = json.loads((device_dir / "device.json").read_text())["country_dir"]
    assert recorded == "bundled:countries/farajaland"      # not an absolute path into the install
    assert recorded_country_dir(device_dir) == resources_dir() / "countries" / "farajaland"


def test_a_weak_pin_change_writes_nothing(device_dir: Path) -> None:
    from app.security.users import WeakPin

    before = (device_dir / "keyslots.json").read_bytes()
    device = Device.open(device_dir, user="ana", pin="ana-pin-1")
    try:
        for weak in ("1", "ana\x07pin1", "111111"):
            with pytest.raises(WeakPin):
                device.change_pin("ana", "ana-pin-1", weak)
    finally:
        device.close()
    assert (device_dir / "keyslots.json").read_bytes() == before
    Device.open(device_dir, user="ana", pin="ana-pin-1").close()


def test_a_role_written_into_the_database_is_refused(device_dir: Path) -> None:
    """The agent opens the database with her own PIN and makes herself admin: the grant says agent."""
    from sqlalchemy import text

    from app.security.keyslots import GrantForged, KeySlots

    key = KeySlots(device_dir).unlock("ana", "ana-pin-1")
    db = Database(device_dir / "crvs.db", key)
    with db.write() as session:
        session.execute(text("UPDATE user SET role = 'admin' WHERE name = 'ana'"))
    db.close()
    with pytest.raises(GrantForged, match="database was altered"):
        Device.open(device_dir, user="ana", pin="ana-pin-1")


def test_a_grant_edited_in_the_slot_file_is_refused(device_dir: Path) -> None:
    import json

    from app.security.keyslots import GrantForged

    data = json.loads((device_dir / "keyslots.json").read_text())
    data["slots"]["ana"]["role"] = "admin"
    (device_dir / "keyslots.json").write_text(json.dumps(data))
    with pytest.raises(GrantForged):
        Device.open(device_dir, user="ana", pin="ana-pin-1")


def test_removing_a_user_rekeys_the_database(device_dir: Path) -> None:
    old_key = KeySlots(device_dir).unlock("ana", "ana-pin-1")
    admin = Device.open(device_dir, user="root", pin="root-pin-1")
    try:
        admin.add_user(admin.actor, "rex", "registrar", "rex-pin-1")
        admin.remove_user(admin.actor, "ana")
    finally:
        admin.close()
    with pytest.raises(DatabaseError):
        Database(device_dir / "crvs.db", old_key)  # the key ana may have kept opens nothing now
    device = Device.open(device_dir, user="rex", pin="rex-pin-1")  # re-sealed without rex's PIN
    try:
        assert len(device.records.list_records()) == 1
    finally:
        device.close()


def test_parallel_wrong_pins_are_all_counted(device_dir: Path) -> None:
    import json
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(6) as pool:
        outcomes = list(pool.map(_try_wrong_pin, [str(device_dir)] * 6))
    assert all(outcomes)
    slot = json.loads((device_dir / "keyslots.json").read_text())["slots"]["ana"]
    assert slot["failures"] >= 3 and slot["locked_until"]


def _try_wrong_pin(directory: str) -> bool:
    try:
        KeySlots(Path(directory)).unlock("ana", "wrong-pin-0")
    except SlotError:
        return True
    return False


def test_unknown_names_are_counted_like_users_within_a_bounded_table(tmp_path: Path) -> None:
    """An unknown name locks like a real one after three tries; the file keeps at most MAX_DECOYS
    counters and never the names themselves."""
    import json

    from app.security.keyslots import KdfCost
    from app.security.lockout import MAX_DECOYS

    slots = KeySlots(tmp_path, cost=KdfCost(1, 8 * 1024, 1))
    slots.create("root", "root-pin-1", bytes(32))
    for _ in range(3):
        with pytest.raises(SlotError, match="wrong PIN"):
            slots.unlock("nobody", "nope-nope")
    with pytest.raises(SlotError, match="try again in") as locked:
        slots.unlock("nobody", "nope-nope")
    assert locked.value.code == "keyslot.locked"
    for n in range(MAX_DECOYS + 20):
        with pytest.raises(SlotError):
            slots.unlock(f"guess-{n}", "nope-nope")
    data = json.loads((tmp_path / "keyslots.json").read_text())
    assert len(data["decoys"]) == MAX_DECOYS
    assert "guess-" not in json.dumps(data) and "nobody" not in json.dumps(data)
    assert slots.unlock("root", "root-pin-1") == bytes(32)

"""A device of the version before signed roles (key slots v1, tests/security/v1_device.py) upgraded
through the real CLI: every user keeps their PIN, roles become signed, forgeries stay refused, a
removal's re-key waits for users still on their v1 key, and a crash at any step of the upgrade
leaves a device that opens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlcipher3

from app.security.slot_upgrade import V1
from tests.security.hostile import Outcome, run
from tests.security.v1_device import SECRET_NAME, SECRET_VALUE, USERS, make_v1_device

PINS = {name: pin for name, (_, pin) in USERS.items()}


def _as(user: str, device: Path, *args: str, case: str, pin: str | None = None, **extra: str) -> Outcome:
    return run(["--data-dir", str(device), "--user", user, *args], case=f"upgrade: {case}",
               env={"CRVS_FIELD_PIN": pin or PINS[user], **extra})


def _slots(device: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((device / "keyslots.json").read_text())


def _raw(device: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(device / "crvs.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _data_key(device: Path, user: str) -> bytes:
    from app.security.keyslots import KeySlots

    return KeySlots(device).unlock(user, PINS[user])


def _secret_as_admin(device: Path) -> bytes | None:
    from app.device import Device

    opened = Device.open(device, user="root", pin=PINS["root"])
    try:
        return opened.secrets.get(SECRET_NAME)
    finally:
        opened.close()


def test_a_v1_device_upgrades_at_the_first_admin_sign_in(tmp_path: Path) -> None:
    device = make_v1_device(tmp_path / "device")
    # before any admin signed in, the others work as they did under v1 (a PIN change too)
    on_v1 = _as("ana", device, "device", "show", case="agent on v1")
    on_v1.assert_clean_refusal(0, "center_id")
    assert "an administrator must sign in once" in on_v1.stderr
    _as("ana", device, "users", "pin", case="agent changes PIN on v1",
        CRVS_FIELD_NEW_PIN="ana-pin-2").assert_clean_refusal(0, "PIN changed")
    PINS["ana"] = "ana-pin-2"
    try:
        assert _slots(device)["version"] == V1

        _as("root", device, "device", "show", case="first admin sign-in").assert_clean_refusal(0, "center_id")
        slots = _slots(device)
        assert slots["version"] == 2 and slots["admin_public"]
        assert "grant" in slots["slots"]["root"] and "admin_box" in slots["slots"]["root"]
        for user in ("ana", "rex", "sam"):
            assert set(slots["slots"][user]) >= {"role", "v1", "legacy_grant"}, user

        # a pending slot's role is signed already: editing it is refused
        forged = json.loads(json.dumps(slots))
        forged["slots"]["rex"]["role"] = "admin"
        (device / "keyslots.json").write_text(json.dumps(forged))
        _as("rex", device, "device", "show", case="pending role edited").assert_clean_refusal(1, "valid admin grant")
        (device / "keyslots.json").write_text(json.dumps(slots))

        # ana's next sign-in converts her slot, with the PIN she had
        _as("ana", device, "device", "show", case="agent converts").assert_clean_refusal(0, "center_id")
        ana = _slots(device)["slots"]["ana"]
        assert "public" in ana and "v1" not in ana and "grant" not in ana

        # the role she writes into the database is refused; so are ids she rewrites
        key = _data_key(device, "ana")
        conn = _raw(device, key)
        conn.execute("UPDATE user SET role = 'admin' WHERE name = 'ana'")
        conn.commit()
        (tmp_path / "s.json").write_text(json.dumps({"websub_secret": "from-ana"}))
        _as("ana", device, "secrets", "import", str(tmp_path / "s.json"),
            case="agent made admin in the database").assert_clean_refusal(1, "database was altered")
        conn.execute("UPDATE user SET role = 'agent' WHERE name = 'ana'")
        conn.execute("UPDATE device_setting SET value = '99999' WHERE name = 'mosip.machine_id'")
        conn.commit()
        conn.close()
        _as("ana", device, "device", "show", case="machine id rewritten").assert_clean_refusal(
            1, "no valid admin signature")
        _as("root", device, "device", "set", "--machine-id", "20002", case="admin sets the id again"
            ).assert_clean_refusal(0, "machine 20002")

        # the admin's sign-in endorsed ana's new key; everyone still has their PIN
        assert "grant" in _slots(device)["slots"]["ana"]
        for user in ("ana", "rex", "sam"):
            _as(user, device, "device", "show", case=f"{user} after the upgrade").assert_clean_refusal(0, "20002")
        assert _secret_as_admin(device) == SECRET_VALUE      # signed at the upgrade, so readable
    finally:
        PINS["ana"] = USERS["ana"][1]


def test_a_removal_rekeys_once_every_user_left_their_v1_key(tmp_path: Path) -> None:
    device = make_v1_device(tmp_path / "device")
    _as("root", device, "device", "show", case="upgrade").assert_clean_refusal(0, "center_id")
    old_key = _data_key(device, "root")
    _as("root", device, "users", "remove", "sam", case="remove while others wait").assert_clean_refusal(
        0, "re-keyed at the first admin sign-in after ana, rex")
    _as("sam", device, "device", "show", case="removed user").assert_clean_refusal(1, "unknown user or wrong PIN")
    for user in ("ana", "rex"):
        _as(user, device, "device", "show", case=f"{user} converts").assert_clean_refusal(0, "center_id")
    _as("root", device, "device", "show", case="admin: deferred re-key").assert_clean_refusal(0, "center_id")
    assert "rekey_due" not in _slots(device)
    with pytest.raises(sqlcipher3.DatabaseError):
        _raw(device, old_key).execute("SELECT count(*) FROM sqlite_master").fetchone()
    for user in ("ana", "rex"):
        _as(user, device, "device", "show", case=f"{user} after re-key").assert_clean_refusal(0, "center_id")


# A process killed at one step of the upgrade (os._exit: no clean-up runs, as with SIGKILL).
CRASH = """
import os, sys
import app.audit, app.security.keyslots as keyslots
step = sys.argv[1]
if step == "database":
    append = app.audit.append
    def crash_in_transaction(session, **kw):
        if kw.get("kind") == "key-slots-upgraded":
            append(session, **kw); session.flush(); os._exit(9)
        return append(session, **kw)
    app.audit.append = crash_in_transaction
elif step in ("file", "conversion"):
    write = keyslots.KeySlots._write
    def crash_before_write(self, data):
        if data.get("version") == 2:
            os._exit(9)
        return write(self, data)
    keyslots.KeySlots._write = crash_before_write
elif step == "rename":
    replace = os.replace
    def crash_at_rename(source, target):
        if str(target).endswith("keyslots.json"):
            os._exit(9)
        return replace(source, target)
    keyslots.os.replace = crash_at_rename
from crvs_field.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("step", ["database", "file", "rename"])
def test_a_crash_during_the_upgrade_leaves_a_device_that_opens(tmp_path: Path, step: str) -> None:
    device = make_v1_device(tmp_path / "device")
    crashed = run(["-c", CRASH, step, "--data-dir", str(device), "--user", "root", "device", "show"],
                  case=f"upgrade: killed at the {step} step", env={"CRVS_FIELD_PIN": PINS["root"]}, module=False)
    assert crashed.code == 9, crashed.stderr[-2000:]
    assert _slots(device)["version"] == V1
    _as("ana", device, "device", "show", case=f"agent after a crash at {step}").assert_clean_refusal(0, "center_id")
    _as("root", device, "device", "show", case=f"admin after a crash at {step}").assert_clean_refusal(0, "center_id")
    assert _slots(device)["version"] == 2
    _as("rex", device, "device", "show", case=f"pending user after a crash at {step}").assert_clean_refusal(
        0, "center_id")
    assert _secret_as_admin(device) == SECRET_VALUE


def test_a_crash_while_a_user_converts_keeps_her_v1_key(tmp_path: Path) -> None:
    device = make_v1_device(tmp_path / "device")
    _as("root", device, "device", "show", case="upgrade").assert_clean_refusal(0, "center_id")
    crashed = run(["-c", CRASH, "conversion", "--data-dir", str(device), "--user", "ana", "device", "show"],
                  case="upgrade: killed while converting", env={"CRVS_FIELD_PIN": PINS["ana"]}, module=False)
    assert crashed.code == 9, crashed.stderr[-2000:]
    assert "v1" in _slots(device)["slots"]["ana"]
    _as("ana", device, "device", "show", case="agent after a crash").assert_clean_refusal(0, "center_id")
    assert "public" in _slots(device)["slots"]["ana"]

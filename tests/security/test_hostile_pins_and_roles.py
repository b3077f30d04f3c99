"""Issue 17 findings 1–3 against the real CLI and the raw database: a weak PIN change writes
nothing; parallel wrong PINs are all counted; an unknown user is answered like a wrong PIN; a role
an agent writes into the database, or into the slot file, is refused; removing a user re-keys."""

from __future__ import annotations

import json
import re
import sqlite3  # noqa: F401  (sqlcipher3 has the same API)
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlcipher3

from app.security.keyslots import KeySlots
from tests.security.hostile import ADMIN_PIN, AGENT_PIN, Outcome, copy_device, make_device, run, tree_bytes


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_device(tmp_path_factory.mktemp("hostile-pins"))


@pytest.fixture
def device(template: Path, tmp_path: Path) -> Path:
    return copy_device(template, tmp_path / "device")


def _as(user: str, pin: str, device: Path, *args: str, case: str, timeout: float = 60, **extra: str) -> Outcome:
    return run(["--data-dir", str(device), "--user", user, *args], case=case,
               env={"CRVS_FIELD_PIN": pin, **extra}, timeout=timeout)


def _raw(device: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(device / "crvs.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def test_finding_1_weak_pin_change_writes_nothing(device: Path) -> None:
    before = tree_bytes(device)
    for case, new_pin, message in (("1: PIN change to '1'", "1", "at least 6 characters"),
                                   ("1: PIN with a control character", "ana\x01pin-2", "printable"),
                                   ("1: PIN of one repeated digit", "111111", "different characters")):
        outcome = _as("ana", AGENT_PIN, device, "users", "pin", case=case, CRVS_FIELD_NEW_PIN=new_pin)
        outcome.assert_clean_refusal(2, message)
    after = tree_bytes(device)
    assert after["keyslots.json"] == before["keyslots.json"]
    _as("ana", AGENT_PIN, device, "device", "show", case="1: old PIN still opens").assert_clean_refusal(0, "center_id")


def test_finding_2_parallel_wrong_pins_are_all_counted_and_unknown_users_look_alike(device: Path) -> None:
    with ThreadPoolExecutor(12) as pool:
        # they queue on the slot file's lock one argon2 after another: the last waits for all the others
        outcomes = list(pool.map(lambda n: _as("ana", f"wrong-pin-{n}", device, "device", "show",
                                               case="2: one of 12 parallel wrong PINs", timeout=240), range(12)))
    for outcome in outcomes:
        assert outcome.code == 1 and "Traceback" not in outcome.stderr
    slot = json.loads((device / "keyslots.json").read_text())["slots"]["ana"]
    assert slot["failures"] >= 3 and slot["locked_until"], slot["failures"]
    _as("ana", AGENT_PIN, device, "device", "show", case="2: right PIN while locked").assert_clean_refusal(
        1, "try again in")

    wrong = _as("root", "not-the-pin", device, "device", "show", case="2: wrong PIN (timing)")
    unknown = _as("nobody", "not-the-pin", device, "device", "show", case="2: unknown user (timing)")
    wrong.assert_clean_refusal(1, "unknown user or wrong PIN")
    unknown.assert_clean_refusal(1, "unknown user or wrong PIN")
    assert wrong.stderr == unknown.stderr
    assert 0.5 < unknown.seconds / wrong.seconds < 2.0, (wrong.seconds, unknown.seconds)


def test_finding_2_the_lockout_answer_is_the_same_for_an_unknown_user(device: Path) -> None:
    """After three failures a real name answers "try again in N s": so does a name without a slot
    (same words, exit code and cost — no argon2 while locked, for either), and the name is not
    written anywhere."""
    locked = {}
    for user in ("root", "nobody"):   # each locked answer right after its third failure (30 s lockout)
        for n in range(3):
            _as(user, f"wrong-pin-{n}", device, "device", "show", case=f"2: {user} wrong PIN {n}"
                ).assert_clean_refusal(1, "unknown user or wrong PIN")
        locked[user] = _as(user, "wrong-pin-9", device, "device", "show", case=f"2: {user} locked")
    real, unknown = locked["root"], locked["nobody"]
    real.assert_clean_refusal(1, "try again in")
    unknown.assert_clean_refusal(1, "try again in")
    assert re.sub(r"\d+", "N", real.stderr) == re.sub(r"\d+", "N", unknown.stderr)
    assert 0.33 < unknown.seconds / real.seconds < 3.0, (real.seconds, unknown.seconds)
    assert b"nobody" not in (device / "keyslots.json").read_bytes()


def test_finding_3_roles_cannot_be_forged_and_removal_rekeys(device: Path, tmp_path: Path) -> None:
    agent_key = KeySlots(device).unlock("ana", AGENT_PIN)   # what ana legitimately holds
    conn = _raw(device, agent_key)
    conn.execute("UPDATE user SET role = 'admin' WHERE name = 'ana'")
    conn.commit()
    secrets_before = conn.execute("SELECT count(*) FROM secret").fetchone()[0]
    conn.close()
    (tmp_path / "s.json").write_text(json.dumps({"websub_secret": "from-ana"}))
    outcome = _as("ana", AGENT_PIN, device, "secrets", "import", str(tmp_path / "s.json"),
                  case="3: agent made admin in the database imports a secret")
    outcome.assert_clean_refusal(1, "database was altered")
    conn = _raw(device, agent_key)
    assert conn.execute("SELECT count(*) FROM secret").fetchone()[0] == secrets_before
    conn.execute("UPDATE user SET role = 'agent' WHERE name = 'ana'")
    # ana writes a secret row herself: readers refuse it, it carries no admin signature
    conn.execute("INSERT INTO secret (name, value, updated_at) VALUES ('planted', x'00', '2026-01-01')")
    conn.commit()
    conn.close()
    from app.security.secrets import SecretStore, UnsignedSecret
    from app.store import Database

    db = Database(device / "crvs.db", agent_key)
    try:
        with pytest.raises(UnsignedSecret):
            SecretStore(db).get("planted")
    finally:
        db.close()

    slots = json.loads((device / "keyslots.json").read_text())
    slots["slots"]["ana"]["role"] = "admin"
    (device / "keyslots.json").write_text(json.dumps(slots))
    _as("ana", AGENT_PIN, device, "device", "show", case="3: role edited in the slot file").assert_clean_refusal(
        1, "valid admin grant")
    slots["slots"]["ana"]["role"] = "agent"
    (device / "keyslots.json").write_text(json.dumps(slots))

    _as("root", ADMIN_PIN, device, "users", "remove", "ana", case="3: admin removes ana").assert_clean_refusal(0, "")
    with pytest.raises(sqlcipher3.DatabaseError):
        _raw(device, agent_key).execute("SELECT count(*) FROM sqlite_master").fetchone()
    _as("root", ADMIN_PIN, device, "device", "show", case="3: admin opens after re-key").assert_clean_refusal(
        0, "center_id")

"""Key slots (DESIGN §6, docs/SECURITY.md): who may open the device, and with which role.

Every user has an X25519 key pair. The private half is sealed (AES-256-GCM) under a key derived
from the user's PIN with argon2id (salt and cost stored, so they can be raised later); the public
half is in the clear. The database's random data key is sealed *to* each user's public key, so an
admin can re-key the database and re-seal it for every remaining user without knowing their PINs.

Roles are not the database's to say: the device has an Ed25519 admin signing key whose private
half is sealed only to admins' public keys, and every slot carries a grant — the admin's signature
over (user, role, user public key, admin public key). Every unlock verifies the grant; the role a
session gets is the grant's. An agent holds the data key (she must, to work) and can rewrite the
database, but she cannot sign a grant, so a role she writes into the database is refused.

Failed unlocks are counted in the slot file under an OS-level lock (`fcntl.flock` on a lock file
beside it) held across read → argon2 → write, so parallel processes cannot each see "0 failures".
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from app.errors import ConfigurationFault, Refused

SLOT_FILE = "keyslots.json"
LOCK_FILE = ".keyslots.lock"
VERSION = 2
FREE_ATTEMPTS = 3
MAX_LOCKOUT_SECONDS = 3600
MAX_SLOT_FILE_BYTES = 1024 * 1024
REFUSAL = "unknown user or wrong PIN"
# argon2 costs a slot file may ask for: a damaged or hostile file must not make an unlock take
# gigabytes or hours.
_COST_LIMITS = {"time_cost": (1, 16), "memory_kib": (8 * 1024, 1024 * 1024), "parallelism": (1, 8)}


@dataclass(frozen=True)
class KdfCost:
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2


DEFAULT_COST = KdfCost()


class SlotError(Refused):
    """Unlock refused; the message never says whether the user exists."""

    default_code = "keyslot.refused"


class SlotFileDamaged(ConfigurationFault):
    default_code = "keyslot.damaged"


class GrantForged(Refused):
    """A slot's role grant does not verify: the slot file or the database was altered."""

    default_code = "keyslot.grant_forged"


@dataclass(frozen=True)
class Unlocked:
    user: str
    role: str
    data_key: bytes
    admin_key: Ed25519PrivateKey | None  # only when the slot belongs to an admin


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not base64 text")
    return base64.b64decode(value.encode("ascii"), validate=True)


def _raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _kek(pin: str, salt: bytes, cost: KdfCost) -> bytes:
    return hash_secret_raw(pin.encode("utf-8"), salt, time_cost=cost.time_cost, memory_cost=cost.memory_kib,
                           parallelism=cost.parallelism, hash_len=32, type=Type.ID)


def _aad(user: str, purpose: str) -> bytes:
    return f"crvs-field keyslot v{VERSION} {purpose} {user}".encode()


def _seal_to(recipient: X25519PublicKey, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """Ephemeral X25519 + HKDF-SHA256 + AES-256-GCM: anyone can seal to a public key."""
    ephemeral = X25519PrivateKey.generate()
    eph_public = _raw_public(ephemeral.public_key())
    key = HKDF(hashes.SHA256(), 32, None, b"crvs-field box v2" + eph_public + _raw_public(recipient)).derive(
        ephemeral.exchange(recipient))
    nonce = secrets.token_bytes(12)
    return {"eph": _b64(eph_public), "nonce": _b64(nonce), "sealed": _b64(AESGCM(key).encrypt(nonce, plaintext, aad))}


def _open_box(private: X25519PrivateKey, box: Any, aad: bytes) -> bytes:
    if not isinstance(box, dict):
        raise ValueError("not a box")
    eph_public = _unb64(box.get("eph"))
    key = HKDF(hashes.SHA256(), 32, None,
               b"crvs-field box v2" + eph_public + _raw_public(private.public_key())).derive(
        private.exchange(X25519PublicKey.from_public_bytes(eph_public)))
    return AESGCM(key).decrypt(_unb64(box.get("nonce")), _unb64(box.get("sealed")), aad)


def grant_message(user: str, role: str, user_public: str, admin_public: str) -> bytes:
    return b"crvs-field grant v2\0" + json.dumps([user, role, user_public, admin_public]).encode()


def lockout_seconds(failures: int) -> int:
    if failures < FREE_ATTEMPTS:
        return 0
    return min(30 * 2 ** (failures - FREE_ATTEMPTS), MAX_LOCKOUT_SECONDS)


class KeySlots:
    """The slot file of one device. Safe across threads and processes; writes are atomic renames."""

    def __init__(self, directory: Path, cost: KdfCost = DEFAULT_COST):
        self.directory = Path(directory)
        self.path = self.directory / SLOT_FILE
        self.cost = cost
        self._thread_lock = threading.RLock()

    # ---------------------------------------------------------------- file

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive across threads (RLock) and processes (flock on a lock file that is never
        replaced, unlike the slot file itself)."""
        with self._thread_lock:
            fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the flock

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read(MAX_SLOT_FILE_BYTES + 1)
        except FileNotFoundError:
            return {"version": VERSION, "admin_public": None, "slots": {}}
        except OSError as exc:
            raise SlotFileDamaged(f"the key slot file is unreadable ({exc.strerror})") from None
        if len(raw) > MAX_SLOT_FILE_BYTES:
            raise SlotFileDamaged("the key slot file is damaged (too large)")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise SlotFileDamaged("the key slot file is damaged (not JSON)") from None
        if not isinstance(data, dict) or not isinstance(data.get("slots"), dict):
            raise SlotFileDamaged("the key slot file is damaged")
        if data.get("version") != VERSION:
            raise SlotFileDamaged(f"the key slot file has version {data.get('version')!r}, this build reads "
                                  f"version {VERSION}: re-initialise the device")
        if not all(isinstance(s, dict) for s in data["slots"].values()):
            raise SlotFileDamaged("the key slot file is damaged (a slot is not an object)")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".keyslots.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def exists(self) -> bool:
        return self.path.exists()

    def users(self) -> list[str]:
        return sorted(self._read()["slots"])

    def has(self, user: str) -> bool:
        return user in self._read()["slots"]

    def admin_public(self) -> Ed25519PublicKey | None:
        value = self._read().get("admin_public")
        if value is None:
            return None
        try:
            return Ed25519PublicKey.from_public_bytes(_unb64(value))
        except ValueError:
            raise SlotFileDamaged("the key slot file is damaged (admin key)") from None

    # ---------------------------------------------------------------- grants

    def verified_role(self, user: str) -> str:
        """The role the admin granted `user`, or GrantForged. No PIN needed: grants are public."""
        data = self._read()
        slot = data["slots"].get(user)
        if slot is None:
            raise SlotError(REFUSAL)
        return self._verify_grant(data, user, slot)

    @staticmethod
    def _verify_grant(data: dict[str, Any], user: str, slot: dict[str, Any]) -> str:
        role, public, admin_public = slot.get("role"), slot.get("public"), data.get("admin_public")
        try:
            if not all(isinstance(v, str) for v in (role, public, admin_public)):
                raise ValueError
            Ed25519PublicKey.from_public_bytes(_unb64(admin_public)).verify(
                _unb64(slot.get("grant")), grant_message(user, role, public, admin_public))
        except (InvalidSignature, ValueError):
            raise GrantForged(f"the key slot of {user!r} does not carry a valid admin grant: the slot file "
                              "was altered") from None
        return role

    # ---------------------------------------------------------------- slots

    def _new_slot(self, data: dict[str, Any], user: str, role: str, pin: str, data_key: bytes,
                  admin_key: Ed25519PrivateKey) -> dict[str, Any]:
        private = X25519PrivateKey.generate()
        public = private.public_key()
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        private_raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public_text, admin_text = _b64(_raw_public(public)), data["admin_public"]
        slot: dict[str, Any] = {
            "role": role, "public": public_text, "kdf": "argon2id", "salt": _b64(salt),
            "time_cost": self.cost.time_cost, "memory_kib": self.cost.memory_kib,
            "parallelism": self.cost.parallelism, "nonce": _b64(nonce),
            "sealed_private": _b64(AESGCM(_kek(pin, salt, self.cost)).encrypt(nonce, private_raw,
                                                                             _aad(user, "private"))),
            "key_box": _seal_to(public, data_key, _aad(user, "data-key")),
            "grant": _b64(admin_key.sign(grant_message(user, role, public_text, admin_text))),
            "failures": 0, "locked_until": None}
        if role == "admin":
            slot["admin_box"] = _seal_to(public, admin_key.private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                                         NoEncryption()), _aad(user, "admin-key"))
        return slot

    def create(self, user: str, pin: str, data_key: bytes) -> Ed25519PrivateKey:
        """The first admin of a new device, with a new admin signing key."""
        admin_key = Ed25519PrivateKey.generate()
        with self._locked():
            data = self._read()
            if data["slots"] or data.get("admin_public"):
                raise SlotFileDamaged("this device already has key slots")
            data["admin_public"] = _b64(_raw_public(admin_key.public_key()))
            data["slots"][user] = self._new_slot(data, user, "admin", pin, data_key, admin_key)
            self._write(data)
        return admin_key

    def add(self, user: str, role: str, pin: str, data_key: bytes, admin_key: Ed25519PrivateKey, *,
            replace: bool = False) -> None:
        with self._locked():
            data = self._read()
            self._check_admin_key(data, admin_key)
            if user in data["slots"] and not replace:
                raise SlotError(f"user {user!r} already has a key slot")
            data["slots"][user] = self._new_slot(data, user, role, pin, data_key, admin_key)
            self._write(data)

    @staticmethod
    def _check_admin_key(data: dict[str, Any], admin_key: Ed25519PrivateKey) -> None:
        if data.get("admin_public") != _b64(_raw_public(admin_key.public_key())):
            raise GrantForged("the admin key does not belong to this device")

    def remove(self, user: str) -> bool:
        """Destroy a user's slot: their PIN no longer opens anything."""
        with self._locked():
            data = self._read()
            removed = data["slots"].pop(user, None) is not None
            if removed:
                self._write(data)
            return removed

    def reseal(self, data_key: bytes, admin_key: Ed25519PrivateKey, *, pending: bool) -> None:
        """Seal `data_key` to every user's public key: first as `next_key_box` (`pending`), then,
        once the database is re-keyed, as the key box. A crash between the two leaves both boxes,
        and `unlock` reports both keys so the device opens with whichever the database has."""
        with self._locked():
            data = self._read()
            self._check_admin_key(data, admin_key)
            for user, slot in data["slots"].items():
                self._verify_grant(data, user, slot)
                public = X25519PublicKey.from_public_bytes(_unb64(slot["public"]))
                box = _seal_to(public, data_key, _aad(user, "data-key"))
                if pending:
                    slot["next_key_box"] = box
                else:
                    slot["key_box"] = box
                    slot.pop("next_key_box", None)
            self._write(data)

    def unlock_all(self, user: str, pin: str, now: dt.datetime | None = None) -> tuple[Unlocked, bytes | None]:
        """The unlocked slot and, after an interrupted re-key, the pending next data key."""
        now = now or dt.datetime.now(dt.UTC)
        with self._locked():
            data = self._read()
            slot = data["slots"].get(user)
            if slot is None:
                _kek(pin, b"\0" * 16, self.cost)  # same cost either way: no user enumeration by timing
                raise SlotError(REFUSAL)
            try:
                locked_until = slot.get("locked_until")
                if locked_until and dt.datetime.fromisoformat(locked_until) > now:
                    wait = int((dt.datetime.fromisoformat(locked_until) - now).total_seconds()) + 1
                    raise SlotError(f"too many wrong PINs: try again in {wait} s", code="keyslot.locked",
                                    params={"seconds": wait})
                cost = _slot_cost(slot)
                salt, nonce, sealed = _unb64(slot["salt"]), _unb64(slot["nonce"]), _unb64(slot["sealed_private"])
            except (KeyError, TypeError, ValueError):
                raise SlotFileDamaged(f"the key slot file is damaged (slot of {user!r})") from None
            try:
                private_raw = AESGCM(_kek(pin, salt, cost)).decrypt(nonce, sealed, _aad(user, "private"))
            except (InvalidTag, ValueError):
                slot["failures"] = int(slot.get("failures", 0) or 0) + 1
                delay = lockout_seconds(slot["failures"])
                slot["locked_until"] = (now + dt.timedelta(seconds=delay)).isoformat() if delay else None
                self._write(data)
                raise SlotError(REFUSAL) from None
            if slot.get("failures"):
                slot["failures"], slot["locked_until"] = 0, None
                self._write(data)
            role = self._verify_grant(data, user, slot)
            try:
                private = X25519PrivateKey.from_private_bytes(private_raw)
                if _b64(_raw_public(private.public_key())) != slot["public"]:
                    raise ValueError
                data_key = _open_box(private, slot["key_box"], _aad(user, "data-key"))
                next_key = (_open_box(private, slot["next_key_box"], _aad(user, "data-key"))
                            if slot.get("next_key_box") else None)
                admin_key = None
                if role == "admin":
                    admin_key = Ed25519PrivateKey.from_private_bytes(
                        _open_box(private, slot["admin_box"], _aad(user, "admin-key")))
                    self._check_admin_key(data, admin_key)
            except (KeyError, InvalidTag, ValueError):
                raise GrantForged(f"the key slot of {user!r} was altered") from None
            return Unlocked(user, role, data_key, admin_key), next_key

    def unlock(self, user: str, pin: str, now: dt.datetime | None = None) -> bytes:
        """The data key, or SlotError (wrong PIN, unknown user, locked)."""
        return self.unlock_all(user, pin, now)[0].data_key

    def change_pin(self, user: str, old_pin: str, new_pin: str) -> None:
        """Re-seal the user's private key under the new PIN; the grant (bound to the public key)
        stays valid. The caller validates `new_pin` first: nothing here judges its strength."""
        unlocked, _ = self.unlock_all(user, old_pin)
        with self._locked():
            data = self._read()
            slot = data["slots"].get(user)
            if slot is None:
                raise SlotError(REFUSAL)
            private_raw = AESGCM(_kek(old_pin, _unb64(slot["salt"]), _slot_cost(slot))).decrypt(
                _unb64(slot["nonce"]), _unb64(slot["sealed_private"]), _aad(user, "private"))
            salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
            slot.update({"salt": _b64(salt), "nonce": _b64(nonce), "time_cost": self.cost.time_cost,
                         "memory_kib": self.cost.memory_kib, "parallelism": self.cost.parallelism,
                         "sealed_private": _b64(AESGCM(_kek(new_pin, salt, self.cost)).encrypt(
                             nonce, private_raw, _aad(user, "private")))})
            self._write(data)
        del unlocked


def _slot_cost(slot: dict[str, Any]) -> KdfCost:
    values = {}
    for name, (low, high) in _COST_LIMITS.items():
        value = slot[name]
        if not isinstance(value, int) or not low <= value <= high:
            raise ValueError(name)
        values[name] = value
    return KdfCost(**values)

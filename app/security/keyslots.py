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
Unknown names are counted too (under a salted hash, in a bounded table), so that the lockout answer
after three failures is the same for a name that has no slot.

A version-1 file (roles only in the database) still opens; the first admin unlock upgrades it
(`app.security.slot_upgrade`).
"""

from __future__ import annotations

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

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.errors import ConfigurationFault, Refused
from app.security.lockout import count_failure, decoy_for, lockout_seconds, seconds_locked
from app.security.slot_crypto import (
    DEFAULT_COST,
    KdfCost,
    b64,
    cost_fields,
    grant_message,
    open_box,
    pin_key,
    private_bytes,
    raw_public,
    seal_to,
    slot_aad,
    slot_cost,
    unb64,
)
from app.security.slot_upgrade import V1, SlotUpgrade, check_v1_file, legacy_grant_message, v1_aad, v1_digest, v1_fields

__all__ = ["DEFAULT_COST", "GrantForged", "KdfCost", "KeySlots", "SlotError", "SlotFileDamaged", "Unlocked",
           "lockout_seconds"]

SLOT_FILE = "keyslots.json"
LOCK_FILE = ".keyslots.lock"
VERSION = 2
MAX_SLOT_FILE_BYTES = 1024 * 1024
REFUSAL = "unknown user or wrong PIN"


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
    role: str | None  # None: a version-1 file, whose roles are still the database's
    data_key: bytes
    admin_key: Ed25519PrivateKey | None  # only when the slot belongs to an admin


class KeySlots(SlotUpgrade):
    """The slot file of one device. Safe across threads and processes; writes are atomic renames."""

    def __init__(self, directory: Path, cost: KdfCost = DEFAULT_COST):
        self.directory = Path(directory)
        self.path = self.directory / SLOT_FILE
        self.cost = cost
        self._thread_lock = threading.RLock()
        self._depth = 0

    # ---------------------------------------------------------------- file

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive across threads (RLock) and processes (flock on a lock file that is never
        replaced, unlike the slot file itself). Re-entrant within one KeySlots object."""
        with self._thread_lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._depth = 1
                yield
            finally:
                self._depth = 0
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
        if not all(isinstance(s, dict) for s in data["slots"].values()):
            raise SlotFileDamaged("the key slot file is damaged (a slot is not an object)")
        if data.get("version") == V1:
            try:
                check_v1_file(data)
            except (KeyError, TypeError, ValueError):
                raise SlotFileDamaged("the key slot file (version 1) is damaged") from None
        elif data.get("version") != VERSION:
            raise SlotFileDamaged(f"the key slot file has version {data.get('version')!r}; this build reads "
                                  f"versions {V1} and {VERSION}")
        if not isinstance(data.get("decoys", {}), dict):
            data["decoys"] = {}
        return data

    def _write(self, data: dict[str, Any]) -> None:
        """Atomic and durable: a crash leaves the old file or the new one, never half of either."""
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".keyslots.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself reaches the disk
        finally:
            os.close(directory)

    def exists(self) -> bool:
        return self.path.exists()

    def version(self) -> int:
        return int(self._read()["version"])

    def users(self) -> list[str]:
        return sorted(self._read()["slots"])

    def has(self, user: str) -> bool:
        return user in self._read()["slots"]

    def not_yet_converted(self) -> list[str]:
        """Users whose slot still holds only their v1 key (they have not signed in since the upgrade)."""
        data = self._read()
        if data["version"] == V1:
            return sorted(data["slots"])
        return sorted(user for user, slot in data["slots"].items() if "v1" in slot)

    def rekey_due(self) -> bool:
        return bool(self._read().get("rekey_due"))

    def admin_public(self) -> Ed25519PublicKey | None:
        value = self._read().get("admin_public")
        if value is None:
            return None
        try:
            return Ed25519PublicKey.from_public_bytes(unb64(value))
        except ValueError:
            raise SlotFileDamaged("the key slot file is damaged (admin key)") from None

    # ---------------------------------------------------------------- grants

    def verified_role(self, user: str) -> str:
        """The role the admin granted `user`, or GrantForged. No PIN needed: grants are public."""
        data = self._read()
        slot = data["slots"].get(user)
        if slot is None or data["version"] == V1:
            raise SlotError(REFUSAL)
        return self._verify_grant(data, user, slot)

    @staticmethod
    def _verify_grant(data: dict[str, Any], user: str, slot: dict[str, Any]) -> str:
        """A v2 grant over the slot's public key, or — for a slot upgraded from v1 and not yet
        endorsed — the legacy grant over its v1 fields (`app.security.slot_upgrade`)."""
        role, admin_public = slot.get("role"), data.get("admin_public")
        try:
            if not isinstance(role, str) or not isinstance(admin_public, str):
                raise ValueError
            verifier = Ed25519PublicKey.from_public_bytes(unb64(admin_public))
            if "grant" in slot:
                public = slot.get("public")
                if not isinstance(public, str):
                    raise ValueError
                verifier.verify(unb64(slot["grant"]), grant_message(user, role, public, admin_public))
            else:
                digest = v1_digest(user, v1_fields(slot["v1"])) if "v1" in slot else slot.get("v1_digest")
                if not isinstance(digest, str):
                    raise ValueError
                verifier.verify(unb64(slot.get("legacy_grant")),
                                legacy_grant_message(user, role, digest, admin_public))
        except (InvalidSignature, KeyError, TypeError, ValueError):
            raise GrantForged(f"the key slot of {user!r} does not carry a valid admin grant: the slot file "
                              "was altered") from None
        return role

    # ---------------------------------------------------------------- slots

    def _key_material(self, user: str, pin: str, data_key: bytes) -> tuple[X25519PrivateKey, dict[str, Any]]:
        """A new key pair for `user`: its private half sealed under the PIN, the data key to it."""
        private = X25519PrivateKey.generate()
        public = private.public_key()
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        return private, {
            "public": b64(raw_public(public)), "kdf": "argon2id", "salt": b64(salt), **cost_fields(self.cost),
            "nonce": b64(nonce),
            "sealed_private": b64(AESGCM(pin_key(pin, salt, self.cost)).encrypt(
                nonce, private_bytes(private), slot_aad(user, "private"))),
            "key_box": seal_to(public, data_key, slot_aad(user, "data-key"))}

    def _new_slot(self, data: dict[str, Any], user: str, role: str, pin: str, data_key: bytes,
                  admin_key: Ed25519PrivateKey) -> dict[str, Any]:
        _, material = self._key_material(user, pin, data_key)
        slot: dict[str, Any] = {"role": role, **material, "failures": 0, "locked_until": None}
        self._sign_slot(data, user, slot, admin_key)
        return slot

    @staticmethod
    def _sign_slot(data: dict[str, Any], user: str, slot: dict[str, Any], admin_key: Ed25519PrivateKey) -> None:
        """Grant the slot's role to its public key; an admin's slot also gets the admin key."""
        slot["grant"] = b64(admin_key.sign(grant_message(user, slot["role"], slot["public"], data["admin_public"])))
        if slot["role"] == "admin":
            public = X25519PublicKey.from_public_bytes(unb64(slot["public"]))
            slot["admin_box"] = seal_to(public, private_bytes(admin_key), slot_aad(user, "admin-key"))
        for legacy in ("legacy_grant", "v1_digest"):
            slot.pop(legacy, None)

    def create(self, user: str, pin: str, data_key: bytes) -> Ed25519PrivateKey:
        """The first admin of a new device, with a new admin signing key."""
        admin_key = Ed25519PrivateKey.generate()
        with self._locked():
            data = self._read()
            if data["slots"] or data.get("admin_public"):
                raise SlotFileDamaged("this device already has key slots")
            data["admin_public"] = b64(raw_public(admin_key.public_key()))
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
        if data.get("admin_public") != b64(raw_public(admin_key.public_key())):
            raise GrantForged("the admin key does not belong to this device")

    def remove(self, user: str, *, rekey_due: bool = False) -> bool:
        """Destroy a user's slot: their PIN no longer opens anything. `rekey_due`: the re-key that
        should follow must wait (users not yet converted from v1 hold only the current key)."""
        with self._locked():
            data = self._read()
            removed = data["slots"].pop(user, None) is not None
            if rekey_due:
                data["rekey_due"] = True
            if removed or rekey_due:
                self._write(data)
            return removed

    def reseal(self, data_key: bytes, admin_key: Ed25519PrivateKey, *, pending: bool) -> None:
        """Seal `data_key` to every user's public key: first as `next_key_box` (`pending`), then,
        once the database is re-keyed, as the key box. A crash between the two leaves both boxes,
        and `unlock` reports both keys so the device opens with whichever the database has."""
        with self._locked():
            data = self._read()
            self._check_admin_key(data, admin_key)
            waiting = [user for user, slot in data["slots"].items() if "v1" in slot]
            if waiting:
                raise SlotError(f"{', '.join(waiting)} must sign in once before the database can be re-keyed",
                                code="keyslot.rekey_waits", params={"users": ", ".join(waiting)})
            for user, slot in data["slots"].items():
                self._verify_grant(data, user, slot)
                public = X25519PublicKey.from_public_bytes(unb64(slot["public"]))
                box = seal_to(public, data_key, slot_aad(user, "data-key"))
                if pending:
                    slot["next_key_box"] = box
                else:
                    slot["key_box"] = box
                    slot.pop("next_key_box", None)
            if not pending:
                data.pop("rekey_due", None)
            self._write(data)

    # ---------------------------------------------------------------- unlock

    def unlock_all(self, user: str, pin: str, now: dt.datetime | None = None) -> tuple[Unlocked, bytes | None]:
        """The unlocked slot and, after an interrupted re-key, the pending next data key."""
        unlocked, next_key, _ = self._unlock(user, pin, now or dt.datetime.now(dt.UTC))
        return unlocked, next_key

    def unlock(self, user: str, pin: str, now: dt.datetime | None = None) -> bytes:
        """The data key, or SlotError (wrong PIN, unknown user, locked)."""
        return self.unlock_all(user, pin, now)[0].data_key

    def _unlock(self, user: str, pin: str, now: dt.datetime) -> tuple[Unlocked, bytes | None, bytes | None]:
        with self._locked():
            data = self._read()
            slot = data["slots"].get(user)
            if slot is None:
                self._refuse_unknown(data, user, pin, now)
            try:
                _refuse_if_locked(slot, now)
                source = v1_fields(slot) if data["version"] == V1 else v1_fields(slot["v1"]) if "v1" in slot else slot
                if source is slot:
                    nonce, sealed, aad = unb64(slot["nonce"]), unb64(slot["sealed_private"]), slot_aad(user, "private")
                else:
                    nonce, sealed, aad = unb64(source["nonce"]), unb64(source["wrapped"]), v1_aad(user)
                cost, salt = slot_cost(source), unb64(source["salt"])
            except (KeyError, TypeError, ValueError):
                raise SlotFileDamaged(f"the key slot file is damaged (slot of {user!r})") from None
            try:
                opened = AESGCM(pin_key(pin, salt, cost)).decrypt(nonce, sealed, aad)
            except (InvalidTag, ValueError):
                count_failure(slot, now)
                self._write(data)
                raise SlotError(REFUSAL) from None
            if slot.get("failures") or slot.get("locked_until"):
                slot["failures"], slot["locked_until"] = 0, None
                self._write(data)
            if data["version"] == V1:
                return Unlocked(user, None, _data_key(opened, user), None), None, None
            role = self._verify_grant(data, user, slot)
            if "v1" in slot:
                data_key = _data_key(opened, user)
                self._convert(data, user, pin, data_key, slot)
                return Unlocked(user, role, data_key, None), None, None
            return (*self._open_v2(data, user, role, slot, opened), opened)

    def _refuse_unknown(self, data: dict[str, Any], user: str, pin: str, now: dt.datetime) -> None:
        """A name without a slot is answered as a wrong PIN would be: same argon2 cost, same file
        write, and after three tries the same lockout, from a counter of its own (`lockout`)."""
        entry = decoy_for(data, user, now)
        try:
            _refuse_if_locked(entry, now)   # locked: refused as a slot is, before argon2, nothing written
        except (TypeError, ValueError):
            entry.update(failures=0, locked_until=None)
        pin_key(pin, b"\0" * 16, self.cost)
        count_failure(entry, now)
        self._write(data)
        raise SlotError(REFUSAL)

    def _open_v2(self, data: dict[str, Any], user: str, role: str, slot: dict[str, Any],
                 private_raw: bytes) -> tuple[Unlocked, bytes | None]:
        try:
            private = X25519PrivateKey.from_private_bytes(private_raw)
            if b64(raw_public(private.public_key())) != slot["public"]:
                raise ValueError
            data_key = open_box(private, slot["key_box"], slot_aad(user, "data-key"))
            next_key = (open_box(private, slot["next_key_box"], slot_aad(user, "data-key"))
                        if slot.get("next_key_box") else None)
            admin_key = None
            # an admin converted from v1 gets the admin key when another admin endorses the slot
            if role == "admin" and ("grant" in slot or "admin_box" in slot):
                admin_key = Ed25519PrivateKey.from_private_bytes(
                    open_box(private, slot["admin_box"], slot_aad(user, "admin-key")))
                self._check_admin_key(data, admin_key)
        except (KeyError, InvalidTag, ValueError):
            raise GrantForged(f"the key slot of {user!r} was altered") from None
        return Unlocked(user, role, data_key, admin_key), next_key

    def change_pin(self, user: str, old_pin: str, new_pin: str) -> None:
        """Re-seal the user's private key (a v1 file: the data key) under the new PIN; the grant,
        bound to the public key, stays valid. The caller validates `new_pin` first."""
        with self._locked():
            unlocked, _, private_raw = self._unlock(user, old_pin, dt.datetime.now(dt.UTC))
            data = self._read()
            slot = data["slots"].get(user)
            if slot is None:
                raise SlotError(REFUSAL)
            if data["version"] != V1 and private_raw is None:  # converted from v1 just now
                private_raw = AESGCM(pin_key(old_pin, unb64(slot["salt"]), slot_cost(slot))).decrypt(
                    unb64(slot["nonce"]), unb64(slot["sealed_private"]), slot_aad(user, "private"))
            salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
            new_key = pin_key(new_pin, salt, self.cost)
            slot.update({"salt": b64(salt), "nonce": b64(nonce), **cost_fields(self.cost)})
            if private_raw is None:
                slot["wrapped"] = b64(AESGCM(new_key).encrypt(nonce, unlocked.data_key, v1_aad(user)))
            else:
                slot["sealed_private"] = b64(AESGCM(new_key).encrypt(nonce, private_raw, slot_aad(user, "private")))
            self._write(data)


def _data_key(opened: bytes, user: str) -> bytes:
    if len(opened) != 32:
        raise SlotFileDamaged(f"the key slot file is damaged (slot of {user!r})")
    return opened


def _refuse_if_locked(entry: dict[str, Any], now: dt.datetime) -> None:
    wait = seconds_locked(entry, now)
    if wait:
        raise SlotError(f"too many wrong PINs: try again in {wait} s", code="keyslot.locked",
                        params={"seconds": wait})

"""Key slots (DESIGN §6): the database's random data key, wrapped once per user.

Each slot holds the data key sealed with AES-256-GCM under a key derived from the user's PIN with
argon2id (salt and cost stored in the slot, so they can be raised later). No plaintext key is on
disk: without a user's PIN (or a key the admin provisioned for the headless agent) the database
cannot be opened. The slot file lives beside the database because it is needed to open it; it
holds user names, KDF parameters and ciphertext only. Failed unlocks are counted here, before the
database is open, with a growing back-off.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SLOT_FILE = "keyslots.json"
VERSION = 1
FREE_ATTEMPTS = 3
MAX_LOCKOUT_SECONDS = 3600


@dataclass(frozen=True)
class KdfCost:
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2


DEFAULT_COST = KdfCost()


class SlotError(Exception):
    """Unlock refused; the message never says whether the user exists."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(pin: str, salt: bytes, cost: KdfCost) -> bytes:
    return hash_secret_raw(pin.encode("utf-8"), salt, time_cost=cost.time_cost, memory_cost=cost.memory_kib,
                           parallelism=cost.parallelism, hash_len=32, type=Type.ID)


def _aad(user: str) -> bytes:
    return f"crvs-field keyslot v{VERSION} {user}".encode()


def lockout_seconds(failures: int) -> int:
    if failures < FREE_ATTEMPTS:
        return 0
    return min(30 * 2 ** (failures - FREE_ATTEMPTS), MAX_LOCKOUT_SECONDS)


class KeySlots:
    """The slot file of one device. Thread-safe within a process; writes are atomic renames."""

    def __init__(self, directory: Path, cost: KdfCost = DEFAULT_COST):
        self.path = Path(directory) / SLOT_FILE
        self.cost = cost
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- file

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": VERSION, "slots": {}}
        except (OSError, ValueError) as exc:
            raise SlotError(f"the key slot file is unreadable ({type(exc).__name__})") from None
        if not isinstance(data, dict) or not isinstance(data.get("slots"), dict):
            raise SlotError("the key slot file is damaged")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keyslots.")
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

    # ---------------------------------------------------------------- slots

    def add(self, user: str, pin: str, data_key: bytes, *, replace: bool = False) -> None:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        sealed = AESGCM(_kek(pin, salt, self.cost)).encrypt(nonce, data_key, _aad(user))
        slot = {"kdf": "argon2id", "salt": _b64(salt), "time_cost": self.cost.time_cost,
                "memory_kib": self.cost.memory_kib, "parallelism": self.cost.parallelism,
                "nonce": _b64(nonce), "wrapped": _b64(sealed), "failures": 0, "locked_until": None}
        with self._lock:
            data = self._read()
            if user in data["slots"] and not replace:
                raise SlotError(f"user {user!r} already has a key slot")
            data["slots"][user] = slot
            self._write(data)

    def remove(self, user: str) -> bool:
        """Destroy a user's slot: their PIN no longer opens anything."""
        with self._lock:
            data = self._read()
            removed = data["slots"].pop(user, None) is not None
            if removed:
                self._write(data)
            return removed

    def unlock(self, user: str, pin: str, now: dt.datetime | None = None) -> bytes:
        """The data key, or SlotError (wrong PIN, unknown user, locked)."""
        now = now or dt.datetime.now(dt.UTC)
        with self._lock:
            data = self._read()
            slot = data["slots"].get(user)
            if slot is None:
                _kek(pin, b"\0" * 16, self.cost)  # same cost either way: no user enumeration by timing
                raise SlotError("unknown user or wrong PIN")
            locked_until = slot.get("locked_until")
            if locked_until and dt.datetime.fromisoformat(locked_until) > now:
                wait = int((dt.datetime.fromisoformat(locked_until) - now).total_seconds()) + 1
                raise SlotError(f"too many wrong PINs: try again in {wait} s")
            cost = KdfCost(int(slot["time_cost"]), int(slot["memory_kib"]), int(slot["parallelism"]))
            try:
                key = AESGCM(_kek(pin, _unb64(slot["salt"]), cost)).decrypt(
                    _unb64(slot["nonce"]), _unb64(slot["wrapped"]), _aad(user))
            except (InvalidTag, ValueError):
                slot["failures"] = int(slot.get("failures", 0)) + 1
                delay = lockout_seconds(slot["failures"])
                slot["locked_until"] = (now + dt.timedelta(seconds=delay)).isoformat() if delay else None
                self._write(data)
                raise SlotError("unknown user or wrong PIN") from None
            if slot.get("failures"):
                slot["failures"], slot["locked_until"] = 0, None
                self._write(data)
            return key

    def change_pin(self, user: str, old_pin: str, new_pin: str) -> None:
        data_key = self.unlock(user, old_pin)
        self.add(user, new_pin, data_key, replace=True)

"""Counting wrong PINs (`app.security.keyslots`): no delay for the first few, then 30 s doubling up
to an hour — for a user's slot, and for a name without one, so the two answer alike."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from app.security.slot_crypto import b64

FREE_ATTEMPTS = 3
MAX_LOCKOUT_SECONDS = 3600
MAX_DECOYS = 256  # failure counters kept for names without a slot (least recently tried dropped first)


def lockout_seconds(failures: int) -> int:
    if failures < FREE_ATTEMPTS:
        return 0
    return min(30 * 2 ** (failures - FREE_ATTEMPTS), MAX_LOCKOUT_SECONDS)


def seconds_locked(entry: dict[str, Any], now: dt.datetime) -> int:
    """How long `entry` (a slot or a decoy) stays locked: 0 when it is not (ValueError/TypeError
    for a damaged time)."""
    locked_until = entry.get("locked_until")
    if locked_until and dt.datetime.fromisoformat(locked_until) > now:
        return int((dt.datetime.fromisoformat(locked_until) - now).total_seconds()) + 1
    return 0


def count_failure(entry: dict[str, Any], now: dt.datetime) -> None:
    failures = entry.get("failures")
    entry["failures"] = (failures if type(failures) is int and failures >= 0 else 0) + 1
    delay = lockout_seconds(entry["failures"])
    entry["locked_until"] = (now + dt.timedelta(seconds=delay)).isoformat() if delay else None


def decoy_for(data: dict[str, Any], user: str, now: dt.datetime) -> dict[str, Any]:
    """The failure counter of a name without a slot, kept in the slot file under a salted hash (the
    name itself is not written) in a table of at most MAX_DECOYS entries."""
    salt = data.get("decoy_salt")
    if not isinstance(salt, str):
        salt = data["decoy_salt"] = b64(secrets.token_bytes(16))
    decoys = data.get("decoys")
    if not isinstance(decoys, dict):
        decoys = data["decoys"] = {}
    name = hashlib.sha256(salt.encode() + b"\0" + user.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    entry = decoys.get(name)
    if not isinstance(entry, dict):
        entry = decoys[name] = {"failures": 0, "locked_until": None}
    entry["seen"] = now.isoformat()
    by_age = sorted(decoys, key=lambda k: str(decoys[k].get("seen", "")) if isinstance(decoys[k], dict) else "")
    for stale in by_age[:max(0, len(decoys) - MAX_DECOYS)]:
        del decoys[stale]
    return entry

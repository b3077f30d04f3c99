"""Key slot files of version 1, and how their slots become version 2 (docs/SECURITY.md "Upgrade").

Version 1 (the format before signed roles; commit 51b547e, app/security/keyslots.py) wrapped the
database's data key itself under each user's PIN: `wrapped` = AES-256-GCM(argon2id(PIN, salt),
nonce, data key, AAD "crvs-field keyslot v1 <user>"). Roles were only the database's.

Nothing but the PIN separates one v1 user from another (every user holds the same data key), so
an admin cannot make another user's v2 key pair without that user's PIN. The upgrade is therefore
in two steps:
- the first admin unlock creates the admin key, the admin's own v2 slot and, for every other user,
  a *pending* slot: the v1 fields kept as they are, with a legacy grant — the admin's signature
  over (user, role, digest of the v1 fields, admin public key). The role is signed from then on;
- that user's next unlock opens the v1 fields with their PIN and makes their v2 key pair. The
  public key is then the user's own word until the next admin unlock signs a normal grant over
  it (`KeySlots.endorse`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.security.slot_crypto import b64, pin_key, raw_public, slot_cost, unb64

V1 = 1
V1_FIELDS = ("salt", "time_cost", "memory_kib", "parallelism", "nonce", "wrapped")


def v1_aad(user: str) -> bytes:
    return f"crvs-field keyslot v{V1} {user}".encode()


def v1_fields(slot: dict[str, Any]) -> dict[str, Any]:
    """The fields of a v1 slot that the PIN opens (ValueError/KeyError when incomplete)."""
    fields = {name: slot[name] for name in V1_FIELDS}
    if not all(isinstance(fields[name], str) for name in ("salt", "nonce", "wrapped")):
        raise ValueError("v1 slot")
    return fields


def open_v1(user: str, pin: str, fields: dict[str, Any]) -> bytes:
    """The data key a v1 slot wraps (InvalidTag for a wrong PIN, ValueError for a damaged slot)."""
    cost = slot_cost(fields)
    key = pin_key(pin, unb64(fields["salt"]), cost)
    data_key = AESGCM(key).decrypt(unb64(fields["nonce"]), unb64(fields["wrapped"]), v1_aad(user))
    if len(data_key) != 32:
        raise ValueError("v1 data key")
    return data_key


def v1_digest(user: str, fields: dict[str, Any]) -> str:
    """What a legacy grant signs of a pending slot: its user and every v1 field."""
    canonical = json.dumps([user, *(fields[name] for name in V1_FIELDS)], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def legacy_grant_message(user: str, role: str, digest: str, admin_public: str) -> bytes:
    return b"crvs-field legacy grant v2\0" + json.dumps([user, role, digest, admin_public]).encode()


def check_v1_file(data: dict[str, Any]) -> None:
    """A v1 file's shape (ValueError): slots of the v1 format, nothing of v2."""
    if "admin_public" in data:
        raise ValueError("a v1 file has no admin key")
    for user, slot in data["slots"].items():
        if not isinstance(user, str):
            raise ValueError("user name")
        v1_fields(slot)


class SlotUpgrade:
    """The upgrade steps of `app.security.keyslots.KeySlots` (which this is mixed into)."""

    _locked: Callable[[], AbstractContextManager[None]]
    _read: Callable[[], dict[str, Any]]
    _write: Callable[[dict[str, Any]], None]
    _key_material: Callable[..., tuple[Any, dict[str, Any]]]
    _new_slot: Callable[..., dict[str, Any]]
    _sign_slot: Callable[..., None]
    _verify_grant: Callable[..., str]
    _check_admin_key: Callable[..., None]

    def _convert(self, data: dict[str, Any], user: str, pin: str, data_key: bytes, slot: dict[str, Any]) -> None:
        """A pending slot's first unlock since the upgrade: the user's own v2 key pair, under the
        PIN they just typed. The legacy grant stays until an admin endorses the new public key."""
        _, material = self._key_material(user, pin, data_key)
        slot["v1_digest"] = v1_digest(user, v1_fields(slot.pop("v1")))
        slot.update(material)
        self._write(data)

    def upgrade_v1(self, user: str, pin: str, data_key: bytes, roles: Mapping[str, str],
                   sign_database: Callable[[Ed25519PrivateKey], None]) -> Ed25519PrivateKey | None:
        """An admin's unlock of a version-1 file: a new admin key, the admin's own v2 slot and, for
        every other enabled account, a pending slot with a legacy grant (`roles`: the database's,
        enabled accounts only; a slot without one is dropped). `sign_database` signs what the admin
        key protects in the database before the new file exists: a crash in between leaves the v1
        file, which still opens, and the next admin unlock starts again. None when another process
        upgraded the file meanwhile."""
        from app.security.keyslots import REFUSAL, VERSION, SlotError

        with self._locked():
            data = self._read()
            if data["version"] != V1:
                return None
            slot = data["slots"].get(user)
            try:
                if slot is None or roles.get(user) != "admin" or open_v1(user, pin, v1_fields(slot)) != data_key:
                    raise ValueError
            except (InvalidTag, KeyError, ValueError):
                raise SlotError(REFUSAL) from None
            admin_key = Ed25519PrivateKey.generate()
            sign_database(admin_key)
            admin_text = b64(raw_public(admin_key.public_key()))
            upgraded: dict[str, Any] = {"version": VERSION, "admin_public": admin_text, "slots": {},
                                        **{k: data[k] for k in ("decoy_salt", "decoys") if k in data}}
            for name, old in data["slots"].items():
                role = roles.get(name)
                if role is None:
                    continue
                if name == user:
                    upgraded["slots"][name] = self._new_slot(upgraded, name, role, pin, data_key, admin_key)
                    continue
                fields = v1_fields(old)
                grant = admin_key.sign(legacy_grant_message(name, role, v1_digest(name, fields), admin_text))
                upgraded["slots"][name] = {"role": role, "v1": fields, "legacy_grant": b64(grant),
                                           "failures": old.get("failures", 0), "locked_until": old.get("locked_until")}
            self._write(upgraded)
        return admin_key

    def endorse(self, admin_key: Ed25519PrivateKey) -> list[str]:
        """Sign a normal grant for every slot converted from v1 since the last admin unlock (and seal
        the admin key to converted admins). Returns their users. The admin cannot tell the user's
        new public key from one swapped in meanwhile: docs/SECURITY.md "Upgrade" says what that
        leaves open."""
        with self._locked():
            data = self._read()
            if data["version"] == V1:
                return []
            self._check_admin_key(data, admin_key)
            endorsed = []
            for user, slot in data["slots"].items():
                if "grant" in slot or "v1" in slot:
                    continue
                self._verify_grant(data, user, slot)
                self._sign_slot(data, user, slot, admin_key)
                endorsed.append(user)
            if endorsed:
                self._write(data)
            return endorsed

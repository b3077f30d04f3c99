"""The primitives of the key slot file (`app.security.keyslots`): the PIN's key (argon2id with a
bounded cost), sealed boxes to an X25519 public key, and base64 text for JSON."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

# argon2 costs a slot file may ask for: a damaged or hostile file must not make an unlock take
# gigabytes or hours.
COST_LIMITS = {"time_cost": (1, 16), "memory_kib": (8 * 1024, 1024 * 1024), "parallelism": (1, 8)}


@dataclass(frozen=True)
class KdfCost:
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2


DEFAULT_COST = KdfCost()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not base64 text")
    return base64.b64decode(value.encode("ascii"), validate=True)


def raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def pin_key(pin: str, salt: bytes, cost: KdfCost) -> bytes:
    return hash_secret_raw(pin.encode("utf-8"), salt, time_cost=cost.time_cost, memory_cost=cost.memory_kib,
                           parallelism=cost.parallelism, hash_len=32, type=Type.ID)


def slot_cost(slot: dict[str, Any]) -> KdfCost:
    """The argon2 cost a slot asks for, within COST_LIMITS (ValueError otherwise)."""
    values = {}
    for name, (low, high) in COST_LIMITS.items():
        value = slot[name]
        if not isinstance(value, int) or not low <= value <= high:
            raise ValueError(name)
        values[name] = value
    return KdfCost(**values)


def cost_fields(cost: KdfCost) -> dict[str, int]:
    return {"time_cost": cost.time_cost, "memory_kib": cost.memory_kib, "parallelism": cost.parallelism}


def seal_to(recipient: X25519PublicKey, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """Ephemeral X25519 + HKDF-SHA256 + AES-256-GCM: anyone can seal to a public key."""
    ephemeral = X25519PrivateKey.generate()
    eph_public = raw_public(ephemeral.public_key())
    key = HKDF(hashes.SHA256(), 32, None, b"crvs-field box v2" + eph_public + raw_public(recipient)).derive(
        ephemeral.exchange(recipient))
    nonce = secrets.token_bytes(12)
    return {"eph": b64(eph_public), "nonce": b64(nonce), "sealed": b64(AESGCM(key).encrypt(nonce, plaintext, aad))}


def open_box(private: X25519PrivateKey, box: Any, aad: bytes) -> bytes:
    if not isinstance(box, dict):
        raise ValueError("not a box")
    eph_public = unb64(box.get("eph"))
    key = HKDF(hashes.SHA256(), 32, None,
               b"crvs-field box v2" + eph_public + raw_public(private.public_key())).derive(
        private.exchange(X25519PublicKey.from_public_bytes(eph_public)))
    return AESGCM(key).decrypt(unb64(box.get("nonce")), unb64(box.get("sealed")), aad)


def slot_aad(user: str, purpose: str) -> bytes:
    """What binds a version-2 slot's sealed parts to their user and purpose."""
    return f"crvs-field keyslot v2 {purpose} {user}".encode()


def grant_message(user: str, role: str, user_public: str, admin_public: str) -> bytes:
    return b"crvs-field grant v2\0" + json.dumps([user, role, user_public, admin_public]).encode()


def private_bytes(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

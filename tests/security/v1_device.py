"""A device as the version before signed roles left it: key slots version 1, unsigned secrets and
device settings, roles only in the database.

The v1 slot format is the one of app/security/keyslots.py at commit 51b547e ("Key slots: the
random data key wrapped per user"): `{"version": 1, "slots": {user: {kdf, salt, time_cost,
memory_kib, parallelism, nonce, wrapped, failures, locked_until}}}`, where `wrapped` is the data
key under AES-256-GCM with an argon2id key of the PIN and the AAD "crvs-field keyslot v1 <user>".
The database is made by today's code (it migrates any older schema forward on open anyway) and
the slots, secrets and settings are written as v1 wrote them. Test PINs only.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.device import Device
from app.store.models import Secret
from app.vocabulary import Actor, Role

# cheap but within what a slot file may ask for (app.security.slot_crypto.COST_LIMITS)
V1_COST = {"time_cost": 1, "memory_kib": 8 * 1024, "parallelism": 1}
USERS = {"root": ("admin", "root-pin-1"), "ana": ("agent", "ana-pin-1"), "rex": ("registrar", "rex-pin-1"),
         "sam": ("supervisor", "sam-pin-1")}
SECRET_NAME, SECRET_VALUE = "websub_secret", b"demo-websub-secret"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def v1_slot(user: str, pin: str, data_key: bytes) -> dict[str, object]:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kek = hash_secret_raw(pin.encode(), salt, time_cost=V1_COST["time_cost"], memory_cost=V1_COST["memory_kib"],
                          parallelism=V1_COST["parallelism"], hash_len=32, type=Type.ID)
    wrapped = AESGCM(kek).encrypt(nonce, data_key, f"crvs-field keyslot v1 {user}".encode())
    return {"kdf": "argon2id", "salt": _b64(salt), **V1_COST, "nonce": _b64(nonce), "wrapped": _b64(wrapped),
            "failures": 0, "locked_until": None}


def make_v1_device(data_dir: Path, users: dict[str, tuple[str, str]] = USERS, *, agent_key: bool = False) -> Path:
    """`users`: name -> (role, PIN); the first one is an admin. With `agent_key`, an agent key file."""
    device = Device.initialise(data_dir, None, agent_key=agent_key)
    try:
        assert device.data_key is not None
        first = next(iter(users))
        for name, (role, pin) in users.items():
            device.users.add(None if name == first else Actor(first, Role.ADMIN), name, role, pin)
        with device.db.write() as session:
            session.add(Secret(name=SECRET_NAME, value=SECRET_VALUE))
        slots = {name: v1_slot(name, pin, device.data_key) for name, (_, pin) in users.items()}
    finally:
        device.close()
    path = data_dir / "keyslots.json"
    path.write_text(json.dumps({"version": 1, "slots": slots}, indent=1))
    os.chmod(path, 0o600)
    return data_dir

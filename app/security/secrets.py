"""Secrets in the encrypted store (keys, certificates, client secrets), and resolving a country's
secret references: `{secret: name}` reads the store, `{file: path}` a demo file beside the config.

Storing secrets is an admin's job, and the database cannot say who is an admin (every user holds
its key): on a device with signed key slots each stored secret carries the admin key's signature
over its name and value, verified at every read. A secret an agent writes into the database
directly has no valid signature and is refused as if it were missing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlmodel import Session, select

from app.errors import ConfigurationFault, Invalid, PermissionDenied, Refused
from app.security.files import read_bounded
from app.security.keyslots import KeySlots
from app.store import Database
from app.store.models import Secret, utcnow
from app.vocabulary import Actor, Role

MAX_SECRET_BYTES = 64 * 1024
MAX_NAME = 64
SIGNED = b"CRVS-SIGNED-1\0"  # envelope: marker, 64-byte Ed25519 signature, value


class SecretReference(Protocol):
    """A country's `{secret: name}` or `{file: path}` (`app.config.models.SecretRef`)."""

    @property
    def secret(self) -> str | None: ...
    @property
    def file(self) -> str | None: ...


class CountryFiles(Protocol):
    """Where a country's files are (`app.config.loader.LoadedCountry`)."""

    def resolve(self, relative: str) -> Path: ...


class MissingSecret(ConfigurationFault, LookupError):
    default_code = "secret.missing"

    def __init__(self, name: str):
        super().__init__(f"secret '{name}' is not in this device's store "
                         "(import it with `crvs-field secrets import`)", params={"name": name})
        self.name = name


class InvalidSecret(Invalid, ValueError):
    default_code = "secret.invalid"


class UnsignedSecret(Refused):
    default_code = "secret.unsigned"


def check_secret(name: str, value: bytes) -> None:
    """A name and value the store accepts; callers importing many check all before storing any."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME or not name.isprintable() \
            or any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        raise InvalidSecret(f"a secret name has 1–{MAX_NAME} printable characters", code="secret.bad_name")
    if len(value) > MAX_SECRET_BYTES:
        raise InvalidSecret(f"secret '{name}' is larger than {MAX_SECRET_BYTES} bytes", code="secret.too_large")


def is_admin_secret(name: str) -> bool:
    """Keys and credentials a country names are identifiers; names with ':' are data the device
    itself keeps per record (e.g. `userinfo:<record>:<section>`), written by the record writer."""
    return ":" not in name


def _message(name: str, value: bytes) -> bytes:
    return b"crvs-field secret v1\0" + name.encode() + b"\0" + value


def sign_stored_secrets(session: Session, signer: Ed25519PrivateKey) -> list[str]:
    """Sign every admin secret already stored, inside the caller's transaction: the upgrade from
    key slots v1, where secrets carried no signature (whatever the database held then is adopted;
    the caller audits the names). A value already in an envelope is re-signed without it."""
    adopted = []
    for row in session.exec(select(Secret)).all():
        if not is_admin_secret(row.name):
            continue
        value = bytes(row.value)
        if value.startswith(SIGNED):
            value = value[len(SIGNED) + 64:]
        row.value = SIGNED + signer.sign(_message(row.name, value)) + value
        session.add(row)
        adopted.append(row.name)
    return sorted(adopted)


class SecretStore:
    def __init__(self, db: Database, *, signer: Ed25519PrivateKey | None = None):
        self.db = db
        # the admin key of the session that unlocked this database, if an admin did (Device.open)
        self.signer = signer or db.admin_signer

    def _admin_public(self) -> Ed25519PublicKey | None:
        return KeySlots(Path(self.db.path).parent).admin_public()

    def admin_key_fingerprint(self) -> str:
        """SHA-256 (hex) of this device's admin public key ("" without one): what the relay keeps to
        notice a replaced trust root (`app.mosip.relay.RelaySettings.admin_key`)."""
        public = self._admin_public()
        if public is None:
            return ""
        return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()

    def put(self, name: str, value: bytes, *, actor: Actor) -> None:
        self.put_many({name: value}, actor=actor)

    def put_many(self, secrets: dict[str, bytes], *, actor: Actor) -> None:
        """Store secrets (admin only), all or none: every one is checked before any is written."""
        if actor.role is not Role.ADMIN:
            raise PermissionDenied("storing secrets needs the role admin")
        for name, value in secrets.items():
            check_secret(name, value)
        admin_public = self._admin_public()
        if admin_public is not None and (self.signer is None or self.signer.public_key() != admin_public):
            raise Refused("storing secrets needs the device unlocked with an admin's PIN (the admin key "
                          "signs them)", code="secret.admin_key_needed")
        with self.db.write() as session:
            from app import audit

            for name, value in secrets.items():
                stored = value if self.signer is None else SIGNED + self.signer.sign(_message(name, value)) + value
                row = session.get(Secret, name) or Secret(name=name, value=b"")
                row.value = stored
                row.updated_at = utcnow()
                session.add(row)
                audit.append(session, actor=actor.name, kind="secret-stored", details={"name": name})

    def get(self, name: str) -> bytes | None:
        with self.db.read() as session:
            row = session.get(Secret, name)
            stored = bytes(row.value) if row else None
        if stored is None:
            return None
        admin_public = self._admin_public() if is_admin_secret(name) else None
        if not stored.startswith(SIGNED):
            if admin_public is not None:
                raise UnsignedSecret(f"secret '{name}' carries no admin signature: it was not stored by an "
                                     "admin of this device", params={"name": name})
            return stored
        signature, value = stored[len(SIGNED):len(SIGNED) + 64], stored[len(SIGNED) + 64:]
        if admin_public is not None:
            try:
                admin_public.verify(signature, _message(name, value))
            except InvalidSignature:
                raise UnsignedSecret(f"secret '{name}' has an invalid admin signature: the database was "
                                     "altered", params={"name": name}) from None
        return value

    def names(self) -> list[str]:
        with self.db.read() as session:
            return sorted(session.exec(select(Secret.name)).all())

    def resolve(self, country: CountryFiles, ref: SecretReference) -> bytes:
        if ref.file is not None:
            return read_bounded(country.resolve(ref.file), MAX_SECRET_BYTES, what="a key file")
        assert ref.secret is not None
        value = self.get(ref.secret)
        if value is None:
            raise MissingSecret(ref.secret)
        return value

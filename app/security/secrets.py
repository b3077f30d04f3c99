"""Secrets in the encrypted store (keys, certificates, client secrets), and resolving a country's
secret references: `{secret: name}` reads the store, `{file: path}` a demo file beside the config."""

from __future__ import annotations

from sqlmodel import select

from app.config.loader import LoadedCountry
from app.config.models import SecretRef
from app.records.service import Actor
from app.records.workflow import PermissionDenied, Role
from app.store import Database
from app.store.models import Secret, utcnow

MAX_SECRET_BYTES = 64 * 1024


class MissingSecret(LookupError):
    def __init__(self, name: str):
        super().__init__(f"secret '{name}' is not in this device's store "
                         "(import it with `crvs-field secrets import`)")
        self.name = name


class SecretStore:
    def __init__(self, db: Database):
        self.db = db

    def put(self, name: str, value: bytes, *, actor: Actor) -> None:
        """Store a secret (admin only): keys and credentials are a device administrator's job."""
        if actor.role is not Role.ADMIN:
            raise PermissionDenied("storing secrets needs the role admin")
        if not name or len(name) > 64:
            raise ValueError("a secret name has 1–64 characters")
        if len(value) > MAX_SECRET_BYTES:
            raise ValueError(f"secret '{name}' is larger than {MAX_SECRET_BYTES} bytes")
        with self.db.write() as session:
            row = session.get(Secret, name) or Secret(name=name, value=b"")
            row.value = value
            row.updated_at = utcnow()
            session.add(row)
            from app import audit

            audit.append(session, actor=actor.name, kind="secret-stored", details={"name": name})

    def get(self, name: str) -> bytes | None:
        with self.db.read() as session:
            row = session.get(Secret, name)
            return bytes(row.value) if row else None

    def names(self) -> list[str]:
        with self.db.read() as session:
            return sorted(session.exec(select(Secret.name)).all())

    def resolve(self, country: LoadedCountry, ref: SecretRef) -> bytes:
        if ref.file is not None:
            return country.resolve(ref.file).read_bytes()
        assert ref.secret is not None
        value = self.get(ref.secret)
        if value is None:
            raise MissingSecret(ref.secret)
        return value

"""The state directory: keys generated on first start, the partner / client registry (``clients.json``).

Layout::

    <state>/keys/ida-partner-enc.{key,cert}.pem    IDA partner-encryption key: clients encrypt requests to it
    <state>/keys/ida-sign.{key,cert}.pem           IDA response signing (``response-signature`` header)
    <state>/keys/credential-service.{key,cert}.pem VC proofs of CREDENTIAL_ISSUED
    <state>/keys/authmanager.{key,cert}.pem        JWTs of the auth manager (``Authorization`` cookie)
    <state>/keys/salts.json                        UIN / partner salts of the PSUT-like authToken
    <state>/partners/<default partner>/...         demo partner keys (sign + encrypt, PEM and PKCS#12)
    <state>/esignet-client/...                     demo e-Signet relying-party key (private JWK)
    <state>/clients.json                           partners, packet-manager clients, e-Signet clients
    <state>/identities.json                        the identity store after changes (if any)

Nothing here is a production secret: the emulator generates all of it locally, at runtime.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from . import crypto

DEFAULT_PARTNER_ID = "crvs-field-partner"
DEFAULT_MISP_LICENSE_KEY = "crvs-field-misp-license-key-0001"
DEFAULT_API_KEY = "crvs-field-partner-api-key"
DEFAULT_P12_PASSWORD = "crvs-field"
DEFAULT_PACKET_CLIENT = {"client_id": "crvs-field-client", "secret_key": "crvs-field-secret",
                         "app_id": "regproc"}
DEFAULT_ESIGNET_CLIENT_ID = "crvs-field-esignet-client"
# a loopback redirect matches any port (RFC 8252 §7.3), as the e-Signet part implements it
# e-Signet matches redirect URIs exactly (as URL patterns): the demo client's loopback ports
DEFAULT_ESIGNET_REDIRECT_URIS = [f"http://127.0.0.1:{port}/callback" for port in (53141, 53142, 53143)]


_THUMBPRINTS: dict[str, bytes] = {}


@dataclass
class Partner:
    partner_id: str
    misp_license_key: str
    api_key: str
    signing_cert_pem: str
    encryption_cert_pem: str | None = None
    status: str = "ACTIVE"
    credential_type: str = "vercred"
    # populated for the demo partner only: where the emulator wrote its private keys
    files: dict[str, str] = field(default_factory=dict)

    def signing_cert(self) -> x509.Certificate:
        return crypto.load_cert(self.signing_cert_pem)

    def signing_thumbprint(self) -> bytes:
        cached = _THUMBPRINTS.get(self.signing_cert_pem)
        if cached is None:
            cached = _THUMBPRINTS[self.signing_cert_pem] = crypto.cert_thumbprint(self.signing_cert())
        return cached

    def encryption_cert(self) -> x509.Certificate | None:
        return crypto.load_cert(self.encryption_cert_pem) if self.encryption_cert_pem else None

    @classmethod
    def from_json(cls, data: dict[str, Any], base: Path | None = None) -> Partner:
        """From a registration document; certificates inline (``*_pem``) or by path (``*_path``)."""

        def cert_text(name: str) -> str | None:
            if data.get(f"{name}_pem"):
                return str(data[f"{name}_pem"])
            if data.get(f"{name}_path"):
                path = Path(data[f"{name}_path"])
                if base is not None and not path.is_absolute():
                    path = base / path
                return path.read_text("ascii")
            return None

        missing = [k for k in ("partner_id", "misp_license_key", "api_key") if not data.get(k)]
        signing = cert_text("signing_cert")
        if signing is None:
            missing.append("signing_cert_pem")
        if missing:
            raise ValueError(f"partner registration lacks: {', '.join(missing)}")
        partner = cls(
            partner_id=str(data["partner_id"]),
            misp_license_key=str(data["misp_license_key"]),
            api_key=str(data["api_key"]),
            signing_cert_pem=str(signing),
            encryption_cert_pem=cert_text("encryption_cert"),
            status=str(data.get("status", "ACTIVE")),
            credential_type=str(data.get("credential_type", "vercred")),
        )
        partner.signing_cert()  # validate
        partner.encryption_cert()
        return partner


class StateDir:
    """Keys and registries persisted under one directory (created if needed)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        keys = self.path / "keys"
        keys.mkdir(exist_ok=True)
        self.ida_enc = crypto.KeyPair.load_or_create(keys, "ida-partner-enc", "IDA partner encryption")
        self.ida_sign = crypto.KeyPair.load_or_create(keys, "ida-sign", "IDA response signing")
        self.credential = crypto.KeyPair.load_or_create(keys, "credential-service",
                                                        "MOSIP credential service")
        self.authmanager = crypto.KeyPair.load_or_create(keys, "authmanager", "MOSIP auth manager")
        salts_path = keys / "salts.json"
        if salts_path.exists():
            self.salts = json.loads(salts_path.read_text("utf-8"))
        else:
            self.salts = {"uin_salt": secrets.token_hex(16), "partner_salt": secrets.token_hex(16)}
            crypto.write_private(salts_path, json.dumps(self.salts).encode())
        self.clients_path = self.path / "clients.json"
        self.partners: dict[str, Partner] = {}
        self.packet_clients: dict[str, dict[str, str]] = {}
        self.esignet_clients: dict[str, dict[str, Any]] = {}
        self._load_clients()
        self._ensure_defaults()

    # ---------------------------------------------------------------------------------------- registry
    def _load_clients(self) -> None:
        if not self.clients_path.exists():
            return
        data = json.loads(self.clients_path.read_text("utf-8"))
        for pid, pdata in data.get("partners", {}).items():
            files = pdata.pop("files", {})
            partner = Partner(**{k: v for k, v in pdata.items() if k in Partner.__dataclass_fields__})
            partner.files = files
            self.partners[pid] = partner
        self.packet_clients = dict(data.get("packet_clients", {}))
        self.esignet_clients = dict(data.get("esignet_clients", {}))

    def save_clients(self) -> None:
        with self._lock:
            data = {
                "partners": {pid: asdict(p) for pid, p in self.partners.items()},
                "packet_clients": self.packet_clients,
                "esignet_clients": self.esignet_clients,
            }
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".clients.")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
            os.replace(tmp, self.clients_path)

    def make_partner_with_keys(self, partner_id: str, misp_license_key: str, api_key: str) -> Partner:
        """A partner whose signing and encryption keys the emulator generates (demo / tests)."""
        if not partner_id or "/" in partner_id or partner_id.startswith("."):
            raise ValueError(f"bad partner id {partner_id!r}")
        pdir = self.path / "partners" / partner_id
        pdir.mkdir(parents=True, exist_ok=True)
        sign = crypto.KeyPair.load_or_create(pdir, "sign", f"{partner_id} signing")
        enc = crypto.KeyPair.load_or_create(pdir, "encrypt", f"{partner_id} encryption")
        crypto.write_pkcs12(pdir / "sign.p12", sign.key, sign.cert, DEFAULT_P12_PASSWORD, "sign")
        crypto.write_pkcs12(pdir / "encrypt.p12", enc.key, enc.cert, DEFAULT_P12_PASSWORD, "encrypt")
        return Partner(
            partner_id=partner_id,
            misp_license_key=misp_license_key,
            api_key=api_key,
            signing_cert_pem=sign.cert_pem,
            encryption_cert_pem=enc.cert_pem,
            files={
                "signing_key_pem": str(sign.key_path),
                "signing_cert_pem": str(sign.cert_path),
                "signing_p12": str(pdir / "sign.p12"),
                "encryption_key_pem": str(enc.key_path),
                "encryption_cert_pem": str(enc.cert_path),
                "encryption_p12": str(pdir / "encrypt.p12"),
                "p12_password": DEFAULT_P12_PASSWORD,
            },
        )

    def _ensure_defaults(self) -> None:
        changed = False
        if DEFAULT_PARTNER_ID not in self.partners:
            self.partners[DEFAULT_PARTNER_ID] = self.make_partner_with_keys(
                DEFAULT_PARTNER_ID, DEFAULT_MISP_LICENSE_KEY, DEFAULT_API_KEY)
            changed = True
        if DEFAULT_PACKET_CLIENT["client_id"] not in self.packet_clients:
            self.packet_clients[DEFAULT_PACKET_CLIENT["client_id"]] = dict(DEFAULT_PACKET_CLIENT)
            changed = True
        if DEFAULT_ESIGNET_CLIENT_ID not in self.esignet_clients:
            self.esignet_clients[DEFAULT_ESIGNET_CLIENT_ID] = self._make_default_esignet_client()
            changed = True
        if changed:
            self.save_clients()

    def _make_default_esignet_client(self) -> dict[str, Any]:
        from joserfc.jwk import RSAKey

        cdir = self.path / "esignet-client"
        pair = crypto.KeyPair.load_or_create(cdir, "client", f"{DEFAULT_ESIGNET_CLIENT_ID} key")
        enc_pair = crypto.KeyPair.load_or_create(cdir, "userinfo-enc", f"{DEFAULT_ESIGNET_CLIENT_ID} JWE key")
        jwk = RSAKey.import_key(crypto.key_to_pem(pair.key), {"use": "sig", "alg": "RS256"})
        kid = jwk.thumbprint()
        private_jwk = {**jwk.as_dict(private=True), "kid": kid}
        public_jwk = {**jwk.as_dict(private=False), "kid": kid}
        enc_jwk = RSAKey.import_key(crypto.key_to_pem(enc_pair.key), {"use": "enc", "alg": "RSA-OAEP-256"})
        enc_kid = enc_jwk.thumbprint()
        crypto.write_private(cdir / "client.jwk.json", json.dumps(private_jwk, indent=1).encode())
        crypto.write_private(cdir / "userinfo-enc.jwk.json",
                             json.dumps({**enc_jwk.as_dict(private=True), "kid": enc_kid}, indent=1).encode())
        return {
            "client_id": DEFAULT_ESIGNET_CLIENT_ID,
            "public_jwks": {"keys": [public_jwk]},
            "redirect_uris": list(DEFAULT_ESIGNET_REDIRECT_URIS),
            "userinfo_response_type": "JWS",
            "encryption_jwk": {**enc_jwk.as_dict(private=False), "kid": enc_kid},
            "files": {
                "private_jwk": str(cdir / "client.jwk.json"),
                "private_key_pem": str(pair.key_path),
                "userinfo_encryption_private_jwk": str(cdir / "userinfo-enc.jwk.json"),
            },
        }

    def register_partner(self, partner: Partner) -> Partner:
        with self._lock:
            self.partners[partner.partner_id] = partner
            self.save_clients()
        return partner

    def register_esignet_client(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.esignet_clients[record["client_id"]] = record
            self.save_clients()

    def partner_by_api_key(self, partner_id: str, api_key: str) -> Partner | None:
        partner = self.partners.get(partner_id)
        if partner is None or partner.api_key != api_key:
            return None
        return partner

    def license_key_known(self, license_key: str) -> bool:
        return any(p.misp_license_key == license_key for p in self.partners.values())

    @property
    def default_partner(self) -> Partner:
        return self.partners[DEFAULT_PARTNER_ID]

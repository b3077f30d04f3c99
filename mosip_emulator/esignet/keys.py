"""Signing keys of the emulated e-Signet, generated at first start into the state directory.

Two RSA-2048 keys, as in a MOSIP deployment:

* the e-Signet (OIDC service) key, which signs id_tokens and access tokens;
* the "IDA KYC" key of the identity system, which signs the userinfo (KYC) JWS.

Both are published in the JWKS under different kids (RFC 7638 thumbprints of the public keys),
each with a self-signed certificate in ``x5c``, its ``x5t#S256`` and its expiry ``exp`` (epoch
seconds), as e-Signet's key manager publishes them. Private keys live only in
``state_dir/esignet/*.key.pem`` (mode 0600) and are never committed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import pathlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey

ESIGNET_KEY = "oidc-service-signing"
IDA_KYC_KEY = "ida-kyc-signing"


def _write_private(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


class SigningKey:
    """One RSA signing key with its self-signed certificate."""

    def __init__(self, directory: pathlib.Path, name: str, common_name: str) -> None:
        key_path = directory / f"{name}.key.pem"
        cert_path = directory / f"{name}.cert.pem"
        if key_path.exists():
            # Our own key, written by us: skip the (slow) RSA consistency check on every start.
            private = serialization.load_pem_private_key(
                key_path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
            )
            if not isinstance(private, rsa.RSAPrivateKey):
                raise ValueError(f"{key_path} is not an RSA private key")
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _write_private(
                key_path,
                private.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            )
        if cert_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        else:
            cert = _self_signed(private, common_name)
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        thumb = RSAKey.import_key(private).thumbprint()
        self.key = RSAKey.import_key(private, {"kid": thumb, "use": "sig"})
        self.certificate = cert
        self.kid = thumb

    def public_jwk(self) -> dict:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        jwk = self.key.as_dict(private=False)
        jwk["use"] = "sig"
        jwk["x5c"] = [base64.b64encode(der).decode("ascii")]
        jwk["x5t#S256"] = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
        jwk["exp"] = int(self.certificate.not_valid_after_utc.timestamp())
        return jwk


def _self_signed(private: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mosip-emulator"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )


class KeyStore:
    """The e-Signet key and the IDA KYC key of one state directory."""

    def __init__(self, directory: pathlib.Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.esignet = SigningKey(directory, ESIGNET_KEY, "e-Signet OIDC service (emulator)")
        self.ida_kyc = SigningKey(directory, IDA_KYC_KEY, "IDA KYC signing (emulator)")

    def public_jwks(self) -> dict:
        return {"keys": [self.esignet.public_jwk(), self.ida_kyc.public_jwk()]}

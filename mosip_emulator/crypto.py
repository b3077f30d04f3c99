"""Cryptography of the emulated MOSIP services (PROTOCOLS §2 and §3), on top of ``cryptography``.

- IDA request decryption: RSA-OAEP(SHA-256, MGF1-SHA-256) session key; AES-256-GCM data laid out as
  ciphertext ‖ tag(16) ‖ IV(16), no AAD (keymanager CryptoCore, mosip-auth-sdk).
- Detached compact JWS (``header..signature``), RS256 over the exact body bytes, ``x5c`` either standard
  base64 DER or base64 of the PEM text (what mosip-auth-sdk sends); IDA parses both.
- Credential encryption for WebSub: ``VER_R2`` ‖ SHA-256(cert DER) ‖ RSA-OAEP-SHA256(key) ‖
  ``#KEY_SPLITTER#`` ‖ AAD(32, IV = AAD[:12]) ‖ ciphertext ‖ tag(16), URL-safe base64 without padding.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
KEY_SPLITTER = b"#KEY_SPLITTER#"
VERSION_RSA_2048 = b"VER_R2"


class CryptoError(Exception):
    """Decryption / parsing failure (mapped by the caller to the right MOSIP error code)."""


# ------------------------------------------------------------------------------------------------ base64
def b64url_encode(data: bytes, pad: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if pad else text.rstrip("=")


def b64_decode_lenient(text: str | bytes) -> bytes:
    """Decode standard or URL-safe base64, padded or not, ignoring whitespace (commons-codec style)."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "strict")
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/").rstrip("=")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError(f"invalid base64: {exc}") from exc


# ------------------------------------------------------------------------------------------------ keys
def generate_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def self_signed_cert(key: rsa.RSAPrivateKey, common_name: str, days: int = 3650,
                     org: str = "crvs-field MOSIP emulator") -> x509.Certificate:
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
    ])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def key_to_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def cert_to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CryptoError(f"{path}: not an RSA key")
    return key


def load_cert(data: bytes | str) -> x509.Certificate:
    """A certificate from PEM text or DER bytes."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    try:
        if b"-----BEGIN" in raw:
            return x509.load_pem_x509_certificate(raw)
        return x509.load_der_x509_certificate(raw)
    except ValueError as exc:
        raise CryptoError(f"invalid certificate: {exc}") from exc


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def cert_thumbprint(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert_der(cert)).digest()


def write_pkcs12(path: Path, key: rsa.RSAPrivateKey, cert: x509.Certificate, password: str,
                 name: str) -> None:
    data = pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, None, serialization.BestAvailableEncryption(password.encode())
    )
    path.write_bytes(data)


def write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@dataclass
class KeyPair:
    """A private key and its self-signed certificate, as ``<stem>.key.pem`` / ``<stem>.cert.pem``."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    key_path: Path
    cert_path: Path

    @classmethod
    def load_or_create(cls, directory: Path, stem: str, common_name: str, bits: int = 2048) -> KeyPair:
        key_path = directory / f"{stem}.key.pem"
        cert_path = directory / f"{stem}.cert.pem"
        if key_path.exists() and cert_path.exists():
            return cls(load_key(key_path), load_cert(cert_path.read_bytes()), key_path, cert_path)
        key = generate_rsa_key(bits)
        cert = self_signed_cert(key, common_name)
        write_private(key_path, key_to_pem(key))
        cert_path.write_bytes(cert_to_pem(cert))
        return cls(key, cert, key_path, cert_path)

    @property
    def cert_pem(self) -> str:
        return cert_to_pem(self.cert).decode("ascii")

    @property
    def thumbprint(self) -> bytes:
        return cert_thumbprint(self.cert)


# ------------------------------------------------------------------------------------------------ IDA
def rsa_oaep_decrypt(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    try:
        return key.decrypt(data, OAEP)
    except ValueError as exc:
        raise CryptoError("RSA-OAEP decryption failed") from exc


def ida_symmetric_decrypt(key: bytes, data: bytes, iv_len: int = 16, tag_len: int = 16) -> bytes:
    """AES-256-GCM, layout ciphertext ‖ tag ‖ IV (keymanager CryptoCore symmetricDecrypt)."""
    if len(data) < iv_len + tag_len or len(key) not in (16, 24, 32):
        raise CryptoError("encrypted block too short or bad key")
    iv = data[-iv_len:]
    body = data[:-iv_len]  # ciphertext ‖ tag, as AESGCM expects
    try:
        return AESGCM(key).decrypt(iv, body, None)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("AES-GCM decryption failed") from exc


def ida_symmetric_encrypt(key: bytes, plaintext: bytes, iv: bytes | None = None) -> bytes:
    iv = iv or os.urandom(16)
    return AESGCM(key).encrypt(iv, plaintext, None) + iv


def sha256_upper_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest().upper()


# ------------------------------------------------------------------------------------------------ JWS
def _json_b64(obj: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def jws_sign(key: rsa.RSAPrivateKey, payload: bytes, header: dict[str, Any]) -> str:
    """Compact JWS (RS256) with the payload included."""
    signing_input = f"{_json_b64(header)}.{b64url_encode(payload)}".encode("ascii")
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{b64url_encode(signature)}"


def jws_sign_detached(key: rsa.RSAPrivateKey, payload: bytes, cert: x509.Certificate | None = None,
                      extra_header: dict[str, Any] | None = None) -> str:
    """``header..signature`` over ``payload``; x5c = standard base64 DER when ``cert`` is given."""
    header: dict[str, Any] = {"alg": "RS256"}
    if cert is not None:
        header["x5c"] = [base64.b64encode(cert_der(cert)).decode("ascii")]
    header.update(extra_header or {})
    head, _payload, sig = jws_sign(key, payload, header).split(".")
    return f"{head}..{sig}"


@dataclass
class DetachedJws:
    header: dict[str, Any]
    signing_header_b64: str
    signature: bytes


def parse_detached_jws(value: str) -> DetachedJws:
    parts = value.strip().split(".")
    if len(parts) != 3:
        raise CryptoError("JWS must have three parts")
    try:
        header = json.loads(b64_decode_lenient(parts[0]))
    except (ValueError, CryptoError) as exc:
        raise CryptoError("JWS header is not JSON") from exc
    if not isinstance(header, dict):
        raise CryptoError("JWS header is not an object")
    return DetachedJws(header, parts[0], b64_decode_lenient(parts[2]) if parts[2] else b"")


def x5c_certificate(header: dict[str, Any]) -> x509.Certificate | None:
    """The first x5c certificate: base64 of DER (standard) or base64 of PEM text (mosip-auth-sdk)."""
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        return None
    raw = b64_decode_lenient(chain[0])
    return load_cert(raw)


def jws_verify_detached(jws: DetachedJws, payload: bytes, cert: x509.Certificate) -> bool:
    if jws.header.get("alg") != "RS256":
        return False
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    signing_input = f"{jws.signing_header_b64}.{b64url_encode(payload)}".encode("ascii")
    try:
        public_key.verify(jws.signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def jwt_decode_verify(token: str, public_key: rsa.RSAPublicKey) -> dict[str, Any] | None:
    """Claims of an RS256 compact JWT if its signature holds, else None (expiry is the caller's job)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(b64_decode_lenient(parts[0]))
        if header.get("alg") != "RS256":
            return None
        public_key.verify(b64_decode_lenient(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"),
                          padding.PKCS1v15(), hashes.SHA256())
        claims = json.loads(b64_decode_lenient(parts[1]))
    except (ValueError, CryptoError, InvalidSignature):
        return None
    return claims if isinstance(claims, dict) else None


# ------------------------------------------------------------------------------------------------ credentials
def encrypt_credential(plaintext: bytes, cert: x509.Certificate) -> str:
    """Keymanager-style encryption of a credential to a partner certificate (PROTOCOLS §3)."""
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise CryptoError("partner encryption certificate is not RSA")
    sym_key = os.urandom(32)
    aad = os.urandom(32)
    sealed = AESGCM(sym_key).encrypt(aad[:12], plaintext, aad)  # ciphertext ‖ tag
    enc_key = public_key.encrypt(sym_key, OAEP)
    blob = VERSION_RSA_2048 + cert_thumbprint(cert) + enc_key + KEY_SPLITTER + aad + sealed
    return b64url_encode(blob)

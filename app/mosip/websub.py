"""WebSub: subscribing to CREDENTIAL_ISSUED and reading deliveries (PROTOCOLS §3).

A delivery is hostile input until proven otherwise: bounded size, HMAC-SHA256 checked in constant
time against the subscription secret, credential decrypted with the partner's key (keymanager's
VER_R2 layout), and only then its registration id and UIN/VID are believed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAX_DELIVERY_BYTES = 512 * 1024
VERSION = b"VER_R2"
THUMBPRINT_BYTES = 32
KEY_SPLITTER = b"#KEY_SPLITTER#"
AAD_BYTES = 32
IV_BYTES = 12


class DeliveryRejected(Exception):
    """A delivery we must not act on; the message is safe to log."""


@dataclass(frozen=True)
class IssuedCredential:
    registration_id: str
    uin: str | None
    vid: str | None
    credential_type: str
    event_id: str


async def subscribe(http: httpx.AsyncClient, *, hub_url: str, topic: str, callback_url: str, secret: str,
                    lease_seconds: int, mode: str = "subscribe", token: str | None = None) -> None:
    """MOSIP's hub wants the auth-manager token (as OpenCRVS sends it: header and cookie)."""
    headers = {"Authorization": token, "Cookie": f"Authorization={token}"} if token else {}
    response = await http.post(hub_url, headers=headers, data={
        "hub.mode": mode, "hub.topic": topic, "hub.callback": callback_url, "hub.secret": secret,
        "hub.lease_seconds": str(lease_seconds)})
    if response.status_code >= 300:
        raise httpx.HTTPStatusError(f"WebSub hub answered HTTP {response.status_code}",
                                    request=response.request, response=response)


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or "=" not in header:
        return False
    method, _, given = header.partition("=")
    if method.strip().lower() != "sha256":
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def _b64decode_any(text: str) -> bytes:
    cleaned = "".join(text.split())
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        if "-" in cleaned or "_" in cleaned:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=False)
    except (binascii.Error, ValueError):
        raise DeliveryRejected("credential is not base64") from None


def decrypt_credential(credential: str, private_key: rsa.RSAPrivateKey) -> bytes:
    """VER_R2 ‖ thumbprint(32) ‖ RSA-OAEP-SHA256(AES key) ‖ #KEY_SPLITTER# ‖ AAD(32) ‖ ct ‖ tag."""
    blob = _b64decode_any(credential)
    key_bytes = private_key.key_size // 8
    if blob.startswith(VERSION):  # the thumbprint names our certificate; decryption is the proof
        blob = blob[len(VERSION) + THUMBPRINT_BYTES:]
    wrapped, rest = blob[:key_bytes], blob[key_bytes:]
    if not rest.startswith(KEY_SPLITTER) or len(rest) < len(KEY_SPLITTER) + AAD_BYTES + 16:
        raise DeliveryRejected("credential layout is not keymanager's")
    rest = rest[len(KEY_SPLITTER):]
    aad, sealed = rest[:AAD_BYTES], rest[AAD_BYTES:]
    try:
        key = private_key.decrypt(wrapped, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                        algorithm=hashes.SHA256(), label=None))
        return AESGCM(key).decrypt(aad[:IV_BYTES], sealed, aad)
    except (ValueError, InvalidTag):
        raise DeliveryRejected("credential does not decrypt with this device's partner key") from None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def read_delivery(body: bytes, private_key: rsa.RSAPrivateKey) -> IssuedCredential:
    """Parse a verified delivery body into the credential it announces."""
    if len(body) > MAX_DELIVERY_BYTES:
        raise DeliveryRejected("delivery too large")
    try:
        event = json.loads(body)["event"]
        data = event["data"]
        rid = data["registrationId"]
        credential = data["credential"]
    except (ValueError, KeyError, TypeError):
        raise DeliveryRejected("delivery is not a CREDENTIAL_ISSUED event") from None
    if not isinstance(rid, str) or not rid.isalnum() or len(rid) > 40 or not isinstance(credential, str):
        raise DeliveryRejected("delivery has no valid registrationId/credential")
    try:
        vc = json.loads(decrypt_credential(credential, private_key))
        subject = vc["credentialSubject"]
        if not isinstance(subject, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise DeliveryRejected("credential is not a verifiable credential") from None
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id and not subject_id.rstrip("/").endswith(rid):
        raise DeliveryRejected("credential is about another registration")
    uin, vid = _text(subject.get("UIN")), _text(subject.get("VID"))  # none for e.g. a death confirmation
    return IssuedCredential(registration_id=rid, uin=uin, vid=vid,
                            credential_type=str(data.get("credentialType", ""))[:20],
                            event_id=str(event.get("id", ""))[:80])


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the partner decryption key must be RSA")
    return key

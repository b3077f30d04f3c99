"""WebSub: subscribing to CREDENTIAL_ISSUED and reading deliveries (PROTOCOLS §3).

A delivery is hostile input until proven otherwise: bounded size, HMAC-SHA256 checked in constant
time against the subscription secret, credential decrypted with the partner's key (keymanager's
VER_R2 layout), and only then its registration id and UIN/VID are believed.

How MOSIP behaves (sources in docs/fidelity/websub.md):
- The hub reads the token from the ``Cookie`` header only and lets ``<partner>/CREDENTIAL_ISSUED`` be
  subscribed only by the partner's own client with role SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL; a
  refusal is HTTP 500 ``hub.mode=denied&hub.reason=…`` (mosip/websub hub/modules/security/security.bal,
  websubhub subscription.bal). So the device subscribes with its WEBSUB client's own token.
- With a data-share partner policy the event carries ``dataShareUri`` instead of ``data.credential``
  (mosip/id-repository CredentialStoreServiceImpl.getEventModel); a GET of it with the token returns
  the encrypted credential, or HTTP 200 with ``errors`` (mosip/durian DataShareController).
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

from app.errors import ConfigurationFault
from app.http import AnswerTooLarge, read_answer, read_answer_sync
from app.mosip.packets import PacketClient, PacketCredentials

MAX_DELIVERY_BYTES = 512 * 1024
MAX_DATA_SHARE_BYTES = 512 * 1024
# mosip/durian DataUtilityErrorCodes: what no later read can change (gone, used up) vs the rest
DATA_SHARE_GONE = frozenset({"DAT-SER-006", "DAT-SER-008"})
VERSION = b"VER_R2"
THUMBPRINT_BYTES = 32
KEY_SPLITTER = b"#KEY_SPLITTER#"
AAD_BYTES = 32
IV_BYTES = 12


class DeliveryRejected(Exception):
    """A delivery we must not act on, now or later; the message is safe to log."""


class DeliveryNotReadYet(Exception):
    """A delivery that could be read later (data share unreachable, token refused): not acknowledged,
    so the hub delivers it again. The message is safe to log."""


class SubscriptionRefused(ConfigurationFault):
    """The hub refused the subscription (HTTP 500 ``hub.mode=denied``): a configuration fault — the
    WEBSUB client is not the topic's partner, lacks the role, or its token is not in the Cookie."""

    def __init__(self, reason: str):
        super().__init__(f"MOSIP's WebSub hub refused the subscription: {reason}",
                         code="websub.subscription_refused")
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    """A CREDENTIAL_ISSUED event, before its credential is opened: inline or by data share."""
    registration_id: str
    event_id: str
    credential_type: str
    credential: str | None
    data_share_uri: str | None


@dataclass(frozen=True)
class IssuedCredential:
    registration_id: str
    uin: str | None
    vid: str | None
    credential_type: str
    event_id: str


async def websub_token(http: httpx.AsyncClient, *, auth_base_url: str, client_id: str, client_secret: str,
                       app_id: str) -> str:
    """The WEBSUB client's auth-manager token (clientidsecretkey, as for packets, with its own client)."""
    credentials = PacketCredentials(base_url=auth_base_url, client_id=client_id, secret_key=client_secret,
                                    app_id=app_id)
    return await PacketClient(credentials, http).token(refresh=True)


async def subscribe(http: httpx.AsyncClient, *, hub_url: str, topic: str, callback_url: str, secret: str,
                    lease_seconds: int, mode: str = "subscribe", token: str | None = None) -> None:
    """The hub reads the token from the Cookie only (security.bal getToken), so it goes nowhere else.

    Raises SubscriptionRefused on the hub's ``hub.mode=denied`` answer, httpx errors otherwise."""
    headers = {"Cookie": f"Authorization={token}"} if token else {}
    response = await read_answer(http, "POST", hub_url, headers=headers, data={
        "hub.mode": mode, "hub.topic": topic, "hub.callback": callback_url, "hub.secret": secret,
        "hub.lease_seconds": str(lease_seconds)}, max_bytes=4096, what="the WebSub hub's answer")
    if response.status_code >= 300:
        text = response.text[:300]
        if text.startswith("hub.mode=denied") and response.status_code < 502:
            reason = text.partition("hub.reason=")[2].split("&")[0] or f"HTTP {response.status_code}"
            raise SubscriptionRefused("".join(ch for ch in reason if ch.isprintable())[:120])
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


def parse_delivery(body: bytes) -> Delivery:
    """The event of a verified delivery body; its credential is not opened yet."""
    if len(body) > MAX_DELIVERY_BYTES:
        raise DeliveryRejected("delivery too large")
    try:
        event = json.loads(body)["event"]
        data = event["data"]
        rid = data["registrationId"]
    except (ValueError, KeyError, TypeError):
        raise DeliveryRejected("delivery is not a CREDENTIAL_ISSUED event") from None
    if not isinstance(rid, str) or not rid.isalnum() or len(rid) > 40:
        raise DeliveryRejected("delivery has no valid registrationId")
    credential = data.get("credential") if isinstance(data, dict) else None
    share = event.get("dataShareUri")
    if isinstance(credential, str) and credential:
        share = None
    elif isinstance(share, str) and share.startswith(("https://", "http://")) and len(share) <= 2048:
        credential = None
    else:
        raise DeliveryRejected("delivery has neither a credential nor a data share URI")
    return Delivery(registration_id=rid, event_id=str(event.get("id", ""))[:80],
                    credential_type=str(data.get("credentialType", ""))[:20], credential=credential,
                    data_share_uri=share)


def fetch_data_share(http: httpx.Client, uri: str, token: str, *, timeout: float,
                     max_bytes: int = MAX_DATA_SHARE_BYTES) -> str:
    """GET the data share with the token (as mosip/print does, its own token in the Cookie): the
    encrypted credential, bounded in size and time.

    DeliveryNotReadYet when another read may succeed (unreachable, 5xx, token refused, other errors);
    DeliveryRejected when the share is gone for good (DAT-SER-006 used up / expired, -008 not found)."""
    try:
        response = read_answer_sync(http, "GET", uri, headers={"Cookie": f"Authorization={token}"},
                                    deadline=timeout, max_bytes=max_bytes, what="the data share")
    except AnswerTooLarge:
        raise DeliveryRejected("data share too large") from None
    except httpx.HTTPError as exc:
        raise DeliveryNotReadYet(f"data share unreachable ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise DeliveryNotReadYet(f"data share answered HTTP {response.status_code}")
    content = response.content.strip()
    if content.startswith(b"{"):   # the service answers its errors with HTTP 200 and a JSON body
        try:
            errors = json.loads(content).get("errors") or []
            codes = [str(e.get("errorCode", ""))[:20] for e in errors if isinstance(e, dict)]
        except (ValueError, AttributeError):
            codes = []
        if codes and all(code in DATA_SHARE_GONE for code in codes):
            raise DeliveryRejected(f"data share is gone ({codes[0]})")
        raise DeliveryNotReadYet(f"data share answered an error ({codes[0] if codes else 'unreadable'})")
    try:
        return content.decode("ascii")
    except UnicodeDecodeError:
        raise DeliveryRejected("data share is not a keymanager credential") from None


def open_credential(delivery: Delivery, credential: str, private_key: rsa.RSAPrivateKey) -> IssuedCredential:
    """Decrypt the credential a delivery announces and believe its UIN/VID only if it is about that RID."""
    rid = delivery.registration_id
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
    return IssuedCredential(registration_id=rid, uin=uin, vid=vid, credential_type=delivery.credential_type,
                            event_id=delivery.event_id)


def read_delivery(body: bytes, private_key: rsa.RSAPrivateKey) -> IssuedCredential:
    """Parse and open a delivery that carries its credential inline."""
    delivery = parse_delivery(body)
    if delivery.credential is None:
        raise DeliveryRejected("delivery carries a data share URI: fetch it first")
    return open_credential(delivery, delivery.credential, private_key)


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the partner decryption key must be RSA")
    return key

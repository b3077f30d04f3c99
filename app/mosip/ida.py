"""MOSIP ID Authentication: demographic authentication exactly as MOSIP's Authentication SDK sends it
(PROTOCOLS §2). Pure protocol over httpx: no database, no scheduling.

The frozen payload of a queued verification (individual id, type, demographics) becomes, at send
time, a request with a fresh `requestTime`: AES-256-GCM under a random key (ciphertext ‖ tag ‖
16-byte IV), the key wrapped with RSA-OAEP-SHA256 for IDA's certificate, an encrypted HMAC of the
plaintext, and a detached RS256 JWS of the exact body bytes in the `signature` header.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.errors import Unavailable
from app.http import read_answer
from app.mosip.ida_errors import ErrorClass, classify, explain

IV_BYTES = 16
MAX_RESPONSE_BYTES = 256 * 1024
_DEA_ATTRIBUTE = re.compile(r"[Dd]emographic data (\w+)")
# "did not match" (IDA-DEA-001) and "not available in database" (IDA-DEA-003) name the attribute
_ATTRIBUTE_CODES = frozenset({"IDA-DEA-001", "IDA-DEA-003"})
_PRINTABLE_CODE = re.compile(r"[^A-Za-z0-9_\-]")


class IdaProtocolError(Unavailable):
    """The answer is not IDA's (bad signature, not JSON, too large …): never trusted."""

    default_code = "ida.bad_answer"
    error_class = ErrorClass.TRANSIENT


@dataclass(frozen=True)
class IdaCredentials:
    base_url: str
    misp_license_key: str
    partner_id: str
    partner_api_key: str
    encryption_certificate: x509.Certificate
    response_signing_certificate: x509.Certificate
    signing_key: rsa.RSAPrivateKey
    signing_certificate: x509.Certificate
    env: str = "Staging"
    domain_uri: str = ""

    @classmethod
    def from_pem(cls, *, encryption_certificate: bytes, response_signing_certificate: bytes, signing_key: bytes,
                 signing_certificate: bytes, **kw: Any) -> IdaCredentials:
        key = serialization.load_pem_private_key(signing_key, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the IDA partner signing key must be RSA (RS256)")
        return cls(encryption_certificate=x509.load_pem_x509_certificate(encryption_certificate),
                   response_signing_certificate=x509.load_pem_x509_certificate(response_signing_certificate),
                   signing_key=key, signing_certificate=x509.load_pem_x509_certificate(signing_certificate), **kw)


@dataclass
class IdaResult:
    transaction_id: str
    auth_status: bool
    errors: list[tuple[str, str]] = field(default_factory=list)
    auth_token: str | None = None

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.errors]

    @property
    def failed_attributes(self) -> list[str]:
        """From "Demographic data <attr>[ in <lang>] did not match" (IDA-DEA-001) and "… not available
        in database" (IDA-DEA-003) messages; the attribute is IDA's name (name, dob, gender, …)."""
        found = []
        for code, message in self.errors:
            if code in _ATTRIBUTE_CODES:
                match = _DEA_ATTRIBUTE.search(message)
                found.append(match[1] if match else "unknown")
        return sorted(set(found))

    def explained(self) -> str:
        """Each code with its meaning (ida_errors), for a quarantine reason or an alert. IDA's own
        messages are not repeated: the code and our meaning say it without echoing foreign text."""
        parts = []
        for code, message in dict.fromkeys(self.errors):
            shown = _PRINTABLE_CODE.sub("?", code) or "?"
            parts.append(f"{shown}: {explain(code, message).meaning}")
        return "; ".join(parts)

    @property
    def error_class(self) -> ErrorClass | None:
        """None for a clean answer (success or failure); else the most severe class."""
        if self.auth_status and not self.errors:
            return None
        classes = {classify(code, message) for code, message in self.errors}
        for severity in (ErrorClass.CONFIGURATION, ErrorClass.DATA, ErrorClass.TRANSIENT, ErrorClass.RETRY_NOW):
            if severity in classes:
                return severity
        return ErrorClass.FAILURE


def b64url(data: bytes) -> str:
    """URL-safe base64 with padding, as MOSIP's SDK and keymanager produce it."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def _b64url_nopad(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def aes_gcm_encrypt(key: bytes, plaintext: bytes) -> bytes:
    iv = os.urandom(IV_BYTES)
    return AESGCM(key).encrypt(iv, plaintext, None) + iv  # ciphertext ‖ tag ‖ IV


def request_time(now: dt.datetime) -> str:
    """ISO-8601 UTC with milliseconds and Z, e.g. 2026-11-28T10:00:00.123Z."""
    now = now.astimezone(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


@functools.lru_cache(maxsize=8)
def _protected_header(certificate: x509.Certificate) -> str:
    """The JWS header depends on the certificate only: built once, not per request."""
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    header = {"alg": "RS256", "x5c": [base64.encodebytes(pem).decode("ascii")]}
    return _b64url_nopad(json.dumps(header).encode())


@functools.lru_cache(maxsize=8)
def _rsa_public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey | None:
    key = certificate.public_key()
    return key if isinstance(key, rsa.RSAPublicKey) else None


@functools.lru_cache(maxsize=8)
def _thumbprint(certificate: x509.Certificate) -> str:
    return b64url(certificate.fingerprint(hashes.SHA256()))


_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def detached_jws(key: rsa.RSAPrivateKey, certificate: x509.Certificate, body: bytes) -> str:
    """`header..signature` over the exact body bytes. x5c carries base64 of the certificate's PEM
    text with line breaks, as mosip-auth-sdk sends it (known to work against deployed IDA)."""
    protected = _protected_header(certificate)
    signing_input = f"{protected}.{_b64url_nopad(body)}".encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{protected}..{_b64url_nopad(signature)}"


def verify_detached_jws(certificate: x509.Certificate, token: str, body: bytes) -> None:
    parts = token.split(".")
    if len(parts) != 3 or parts[1]:
        raise IdaProtocolError("response-signature is not a detached JWS")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        signature = _b64url_decode(parts[2])
    except (ValueError, TypeError):
        raise IdaProtocolError("response-signature is malformed") from None
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        raise IdaProtocolError("response-signature must be RS256")
    public_key = _rsa_public_key(certificate)
    if public_key is None:
        raise IdaProtocolError("IDA's signing certificate is not RSA")
    try:
        public_key.verify(signature, f"{parts[0]}.{_b64url_nopad(body)}".encode(), padding.PKCS1v15(),
                          hashes.SHA256())
    except InvalidSignature:
        raise IdaProtocolError("response-signature does not verify: the answer is not IDA's") from None


def build_request(credentials: IdaCredentials, payload: Mapping[str, Any], transaction_id: str,
                  now: dt.datetime) -> tuple[bytes, dict[str, str]]:
    """The HTTP body and headers of one attempt (fresh requestTime and keys every time)."""
    timestamp = request_time(now)
    demographics = {"name": [], "dob": "", "gender": [], "phoneNumber": "", "emailId": "", "metadata": {}}
    demographics |= dict(payload["demographics"])
    plaintext = json.dumps({"timestamp": timestamp, "otp": "", "biometrics": [], "demographics": demographics},
                           ensure_ascii=False, separators=(",", ":")).encode()
    session_key = AESGCM.generate_key(bit_length=256)
    encryption_key = _rsa_public_key(credentials.encryption_certificate)
    if encryption_key is None:
        raise ValueError("IDA's encryption certificate must be RSA")
    wrapped = encryption_key.encrypt(session_key, _OAEP)
    hmac_text = hashlib.sha256(plaintext).hexdigest().upper().encode()
    body_obj = {
        "id": "mosip.identity.auth", "version": "1.0",
        "individualId": payload["individual_id"], "individualIdType": payload["individual_id_type"],
        "transactionID": transaction_id, "requestTime": timestamp, "specVersion": "1.0",
        "thumbprint": _thumbprint(credentials.encryption_certificate), "domainUri": credentials.domain_uri,
        "env": credentials.env,
        "consentObtained": True,
        "request": b64url(aes_gcm_encrypt(session_key, plaintext)),
        "requestSessionKey": b64url(wrapped),
        "requestHMAC": b64url(aes_gcm_encrypt(session_key, hmac_text)),
        "metadata": {},
    }
    body = json.dumps(body_obj, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Authorization": "Authorization",
               "signature": detached_jws(credentials.signing_key, credentials.signing_certificate, body)}
    return body, headers


def auth_url(credentials: IdaCredentials) -> str:
    return (f"{credentials.base_url.rstrip('/')}/idauthentication/v1/auth/"
            f"{credentials.misp_license_key}/{credentials.partner_id}/{credentials.partner_api_key}")


def parse_response(credentials: IdaCredentials, response: httpx.Response, transaction_id: str) -> IdaResult:
    """IDA answers 200 on failure too: look at `errors`. Anything unsigned or malformed is refused."""
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise IdaProtocolError(f"IDA answered HTTP {response.status_code}")
    body = response.content
    if len(body) > MAX_RESPONSE_BYTES:
        raise IdaProtocolError("IDA's answer is too large")
    signature = response.headers.get("response-signature")
    if response.status_code == 200:
        if not signature:
            raise IdaProtocolError("IDA's answer has no response-signature")
        verify_detached_jws(credentials.response_signing_certificate, signature, body)
    try:
        data = json.loads(body)
    except ValueError:
        raise IdaProtocolError(f"IDA answered HTTP {response.status_code} with no JSON") from None
    if not isinstance(data, dict):
        raise IdaProtocolError("IDA's answer is not an object")
    errors = []
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            errors.append((str(error.get("errorCode", ""))[:40], str(error.get("errorMessage", ""))[:300]))
    inner = data.get("response") if isinstance(data.get("response"), dict) else {}
    if response.status_code != 200 and not errors:
        raise IdaProtocolError(f"IDA answered HTTP {response.status_code}")
    return IdaResult(transaction_id=transaction_id, auth_status=inner.get("authStatus") is True,
                     errors=errors, auth_token=inner.get("authToken") if isinstance(inner.get("authToken"), str)
                     else None)


class IdaClient:
    """Sends verifications; one instance per batch, sharing an httpx.AsyncClient."""

    def __init__(self, credentials: IdaCredentials, http: httpx.AsyncClient):
        self.credentials = credentials
        self.http = http
        self.url = httpx.URL(auth_url(credentials))  # parsed once, not on every request

    async def authenticate(self, payload: Mapping[str, Any], transaction_id: str,
                           now: dt.datetime | None = None) -> IdaResult:
        body, headers = build_request(self.credentials, payload, transaction_id, now or dt.datetime.now(dt.UTC))
        response = await read_answer(self.http, "POST", self.url, content=body, headers=headers,
                                     max_bytes=MAX_RESPONSE_BYTES, what="IDA's answer")
        return parse_response(self.credentials, response, transaction_id)

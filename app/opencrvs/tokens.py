"""The system client's access token: what it says and how long it may be used.

OpenCRVS's auth service answers `client_credentials` with `{access_token, token_type}` only — no
`expires_in`, no refresh token (opencrvs-core v2.0.0 packages/auth/src/features/oauthToken/
responses.ts `success`). The token is an RS256 JWT whose `exp` is `iat` + 600 s for a system client
(packages/auth/src/features/authenticate/service.ts `createToken`, auth/environment.ts
CONFIG_SYSTEM_TOKEN_EXPIRY_SECONDS) and whose `scope` lists the encoded scopes
(packages/commons/src/scopes.ts `encodeScope`: `type=record.read&event=birth,death`). The signature is
checked against the auth service's public key (`GET /auth/.well-known`, packages/auth/src/server.ts),
so a man in the middle cannot hand the device a token with made-up scopes or lifetime.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.errors import ConfigurationFault

MAX_TOKEN_CHARS = 16 * 1024
REFRESH_MARGIN_SECONDS = 60   # a token is replaced this long before it expires


class TokenRefused(ConfigurationFault):
    """The auth service's answer is not a token this device can trust or use."""

    default_code = "opencrvs.token_refused"


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem.strip())
    except ValueError:
        raise TokenRefused("OpenCRVS's auth service published no readable public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise TokenRefused("OpenCRVS's auth service key is not an RSA key")
    return key


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float                   # epoch seconds (`exp`)
    scopes: tuple[str, ...] = field(default=())

    def usable(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) < self.expires_at - REFRESH_MARGIN_SECONDS

    def has_scope(self, scope_type: str, event_type: str | None = None) -> bool:
        """A scope of that type whose `event` option, if any, names the event type
        (packages/commons/src/scopes.ts `decodeScope`)."""
        for encoded in self.scopes:
            options = dict(part.partition("=")[::2] for part in encoded.split("&"))
            if options.get("type") != scope_type:
                continue
            events = options.get("event")
            if event_type is None or not events or event_type in events.split(","):
                return True
        return False


def read_token(token: str, public_key: rsa.RSAPublicKey | None) -> AccessToken:
    """Parse (and, given the key, verify) a system client's JWT."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise TokenRefused("OpenCRVS's auth service answered without a usable token")
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = json.loads(_b64url(header_b64))
        claims = json.loads(_b64url(payload_b64))
        signature = _b64url(signature_b64)
    except (ValueError, binascii.Error):
        raise TokenRefused("OpenCRVS's token cannot be read") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenRefused("OpenCRVS's token cannot be read")
    if public_key is not None:
        if header.get("alg") != "RS256":
            raise TokenRefused(f"OpenCRVS's token is signed with {str(header.get('alg'))[:16]}, not RS256")
        try:
            public_key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"), padding.PKCS1v15(),
                              hashes.SHA256())
        except InvalidSignature:
            raise TokenRefused("OpenCRVS's token is not signed by its auth service") from None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise TokenRefused("OpenCRVS's token has no expiry")
    scopes: Any = claims.get("scope") or []
    if isinstance(scopes, str):
        scopes = scopes.split()
    return AccessToken(token, float(exp), tuple(str(s)[:200] for s in scopes if isinstance(s, str))[:64])


@dataclass
class TokenCache:
    """Kept by the sync agent across drains: the token (until `exp` − 60 s) and the auth service's key."""

    token: AccessToken | None = None
    public_key: rsa.RSAPublicKey | None = None
    fetched: int = 0                    # tokens asked for (a measure for tests and the bench)

"""Keys of an e-Signet login: the relying party's own (loaded from a file or the secret store by the
caller), e-Signet's published signing keys (JWKS, cached), the signature check of a compact JWS
against them, and the decryption of a nested-JWE userinfo."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from joserfc import jwe, jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from app.mosip.esignet.errors import (
    ESignetConfigurationError,
    ESignetUnavailable,
    ESignetVerificationError,
    safe_text,
)
from app.mosip.esignet.model import (
    JWKS_TTL_SECONDS,
    MAX_METADATA_BYTES,
    MIN_RSA_BITS,
    SIGNING_ALGS,
    USERINFO_JWE_ALGS,
)
from app.mosip.esignet.transport import Transport

log = logging.getLogger(__name__)

ProviderKey = RSAKey | ECKey


def load_private_key(data: bytes, kid: str | None = None) -> RSAKey | ECKey:
    """A private JWK (JSON) or PEM key → joserfc key with ``kid``. The key never reaches a message."""
    text = data.strip()
    key: RSAKey | ECKey | None = None
    try:
        if text.startswith(b"{"):
            obj = json.loads(text)
            if not isinstance(obj, dict):
                raise ValueError
            if "keys" in obj:  # a JWK Set with one key
                keys = obj["keys"]
                if not isinstance(keys, list) or len(keys) != 1 or not isinstance(keys[0], dict):
                    raise ValueError
                obj = keys[0]
            kid = kid or obj.get("kid")
            obj = {**obj, "kid": kid} if kid else obj
            if obj.get("kty") == "RSA":
                key = RSAKey.import_key(obj)
            elif obj.get("kty") == "EC":
                key = ECKey.import_key(obj)
        else:
            for cls in (RSAKey, ECKey):
                try:
                    key = cls.import_key(text, {"kid": kid} if kid else None)
                    break
                except (JoseError, ValueError, TypeError):
                    continue
    except (JoseError, ValueError, TypeError):
        key = None
    if key is None or not key.is_private:
        raise ESignetConfigurationError("the e-Signet client key is not a private RSA or EC P-256 key")
    if isinstance(key, ECKey) and key.curve_name != "P-256":
        raise ESignetConfigurationError("the e-Signet client key must be RSA or EC P-256")
    if not kid or key.kid != kid:
        raise ESignetConfigurationError("the e-Signet client key has no key id (kid)")
    return key


def load_encryption_key(data: bytes) -> RSAKey:
    key = load_private_key(data, kid="userinfo-encryption")
    if not isinstance(key, RSAKey):
        raise ESignetConfigurationError("the userinfo encryption key must be an RSA key (RSA-OAEP-256)")
    return key


class ProviderKeys:
    """e-Signet's public signing keys from its JWKS, cached for an hour and fetched again once when
    a token names a key id the cache does not hold (key rotation). Thread-safe."""

    def __init__(self, transport: Transport):
        self.transport = transport
        self._lock = threading.Lock()
        self._cache: tuple[float, dict[str, ProviderKey], list[ProviderKey]] | None = None

    def _load(self, jwks_uri: str, timeout: float, cancel: threading.Event | None
              ) -> tuple[dict[str, ProviderKey], list[ProviderKey]]:
        try:
            doc = self.transport.get_json(jwks_uri, MAX_METADATA_BYTES, timeout, "JWKS", cancel)
        except ESignetUnavailable as exc:
            raise ESignetVerificationError(f"e-Signet's signing keys could not be fetched: {exc}") from None
        by_kid: dict[str, ProviderKey] = {}
        unnamed: list[ProviderKey] = []
        for item in doc.get("keys") or []:
            if not isinstance(item, dict) or item.get("use", "sig") != "sig":
                continue
            if any(k in item for k in ("d", "p", "q")) or item.get("kty") not in ("RSA", "EC"):
                continue
            try:
                key = KeySet.import_key_set({"keys": [item]}).keys[0]
            except (JoseError, ValueError, TypeError, KeyError):
                continue
            if isinstance(key, RSAKey) and key.raw_value.key_size < MIN_RSA_BITS:
                continue
            kid = item.get("kid")
            if isinstance(kid, str) and kid:
                by_kid.setdefault(kid, key)
            else:
                unnamed.append(key)
        with self._lock:
            self._cache = (time.monotonic(), by_kid, unnamed)
        log.debug("e-Signet JWKS loaded (%d keys)", len(by_kid) + len(unnamed))
        return by_kid, unnamed

    def key_for(self, jwks_uri: str, kid: object, alg: str, timeout: float, what: str,
                cancel: threading.Event | None = None) -> ProviderKey:
        """The provider key for ``kid``; the JWKS is fetched again once when the kid is unknown.
        ``cancel`` cuts a fetch in flight."""
        with self._lock:
            cached = self._cache
        fresh = cached is None or time.monotonic() - cached[0] >= JWKS_TTL_SECONDS
        if fresh:
            by_kid, unnamed = self._load(jwks_uri, timeout, cancel)
        else:
            assert cached is not None
            by_kid, unnamed = cached[1], cached[2]
        for attempt in range(2):
            if isinstance(kid, str) and kid in by_kid:
                key = by_kid[kid]
            elif kid is None and len(by_kid) + len(unnamed) == 1:
                key = next(iter(by_kid.values()), None) or unnamed[0]
            else:
                key = None
            if key is not None:
                expected = "EC" if alg.startswith("ES") else "RSA"
                if key.key_type != expected:
                    raise ESignetVerificationError(f"the {what} names a key that does not fit its algorithm")
                declared = key.get("alg")
                if declared and declared != alg:
                    raise ESignetVerificationError(f"the {what} names a key meant for another algorithm")
                return key
            if attempt == 0 and not fresh:
                log.debug("e-Signet key id not in the cached JWKS: fetching it again")
                by_kid, unnamed = self._load(jwks_uri, timeout, cancel)
            else:
                break
        raise ESignetVerificationError(f"the {what} is signed with a key e-Signet does not publish")

    def verify_jws(self, jwks_uri: str, token: str, timeout: float, what: str,
                   cancel: threading.Event | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Signature check of a compact JWS against the JWKS → (header, claims)."""
        if token.count(".") != 2:
            raise ESignetVerificationError(f"the {what} is not a signed JWT")
        try:
            header = jws.extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError):
            raise ESignetVerificationError(f"the {what} is not a valid JWT") from None
        alg = header.get("alg")
        if alg not in SIGNING_ALGS:
            raise ESignetVerificationError(
                f"the {what} uses a forbidden signature algorithm ({safe_text(alg, 12) or 'none'})")
        if header.get("crit"):
            raise ESignetVerificationError(f"the {what} has critical header parameters we do not know")
        key = self.key_for(jwks_uri, header.get("kid"), str(alg), timeout, what, cancel)
        try:
            decoded = jwt.decode(token, key, algorithms=[str(alg)])
        except BadSignatureError:
            raise ESignetVerificationError(f"the {what} signature is not valid") from None
        except (JoseError, ValueError, TypeError):
            raise ESignetVerificationError(f"the {what} could not be verified") from None
        return dict(decoded.header), dict(decoded.claims)


def decrypt_userinfo(key: RSAKey | None, token: str) -> str:
    """A nested-JWE userinfo → its inner compact JWS (still to be verified)."""
    if key is None:
        raise ESignetConfigurationError("e-Signet encrypts the person's data, but this device has no "
                                        "userinfo encryption key configured")
    try:
        obj = jwe.decrypt_compact(token, key, algorithms=list(USERINFO_JWE_ALGS))
    except (JoseError, ValueError, TypeError):
        raise ESignetVerificationError("the person's encrypted data could not be decrypted") from None
    plaintext = (obj.plaintext or b"").decode("ascii", errors="replace").strip()
    if plaintext.count(".") != 2:
        raise ESignetVerificationError("the person's encrypted data does not hold a signed JWT")
    return plaintext

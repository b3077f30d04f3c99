"""e-Signet relying party for a native desktop app (RFC 8252, OIDC Core, PROTOCOLS.md §1).

Pure protocol over httpx — no database, no secret store, no listener: discover the provider, build
the authorization URL carrying ``state``, ``nonce``, PKCE S256, ``acr_values``, ``claims`` and
``ui_locales`` for a redirect URI the caller listens on, then from the redirect's parameters
exchange the code at the ``/v2`` token endpoint with ``private_key_jwt``, verify the id_token (and
its ``acr``) and the userinfo JWT (JWS, or a nested JWE decrypted first) against the provider's
JWKS, and hand back the verified claims. authlib builds the authorization URL and the token
request (PKCE, client assertion); joserfc verifies and decrypts. The loopback listener and the
browser live with the login flow (`app.identity.esignet_loopback`, `app.identity.esignet_login`).

    client = ESignetClient(RelyingParty(issuer=…, client_id=…, signing_key=load_private_key(…)))
    meta = client.discover()
    request = client.authorization_request(meta, redirect_uri, ui_locales=["fr"])
    result = client.complete(meta, request, redirect_params, deadline=…, cancel=threading.Event())
    result.subject   # the PSUT
    result.claims    # verified userinfo claims (personal data: never log them)

Every expected failure is an ``ESignetError`` (one of the four bases of `app.errors`, with a
stable code) whose message is for people and carries no personal data and no token. Nothing here
logs a token, a code, a claim value or a URL with a query.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core.util import create_half_hash
from joserfc import jwe, jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import ECKey, KeySet, RSAKey

from app.errors import ConfigurationFault, CrvsError, Invalid, Refused, Unavailable

log = logging.getLogger(__name__)

SIGNING_ALGS = ("PS256", "RS256", "ES256")          # never none, never HS*
USERINFO_JWE_ALGS = ("RSA-OAEP-256", "A256GCM")
LEEWAY_SECONDS = 60
ASSERTION_LIFETIME_SECONDS = 120
DISCOVERY_TTL_SECONDS = 3600.0
JWKS_TTL_SECONDS = 3600.0
MAX_METADATA_BYTES = 256 * 1024
MAX_USERINFO_BYTES = 2 * 1024 * 1024                  # a picture claim can be large
MAX_TOKEN_BYTES = 64 * 1024                           # two JWTs and a few fields
MIN_RSA_BITS = 2048
_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

# ------------------------------------------------------------------------------------------ errors


class ESignetError(CrvsError):
    """A login that did not succeed; each subclass is one of the four bases of `app.errors`.

    ``code`` is stable (``esignet.acr_insufficient`` …) and ``reason`` names the family for the
    logs (``timeout``, ``verification_failed`` …); the message is for people and never carries a
    token, a claim value or provider text that was not reduced by `_safe_text`."""

    reason: ClassVar[str] = "error"


class ESignetUnavailable(ESignetError, Unavailable):
    """e-Signet cannot be reached (no network, DNS, refused, discovery broken): work offline."""

    reason = "offline"
    default_code = "esignet.unavailable"


class ESignetTimeout(ESignetError, Unavailable):
    reason = "timeout"
    default_code = "esignet.timeout"


class ESignetCancelled(ESignetError, Refused):
    """The agent cancelled, or the person cancelled the login or refused consent (access_denied)."""

    reason = "cancelled"
    default_code = "esignet.cancelled"


class ESignetProviderError(ESignetError, Refused):
    """e-Signet answered with an OAuth error (redirect or token endpoint)."""

    reason = "provider_error"
    default_code = "esignet.provider_refused"

    def __init__(self, message: str, *, error: str | None = None, code: str | None = None,
                 params: Mapping[str, str | int] | None = None):
        merged = dict(params or {})
        if error:
            merged.setdefault("error", error)
        super().__init__(message, code=code, params=merged)
        self.error = error


class ESignetVerificationError(ESignetError, Invalid):
    """An answer failed a security check (signature, issuer, audience, nonce, state, acr …)."""

    reason = "verification_failed"
    default_code = "esignet.verification_failed"


class ESignetConfigurationError(ESignetError, ConfigurationFault):
    reason = "configuration"
    default_code = "esignet.configuration"


_SAFE = re.compile(r"[^A-Za-z0-9 _.:,;'()/-]")


def _safe_text(value: object, limit: int = 120) -> str:
    """Provider-supplied error text, reduced to a short printable string (never trusted as-is)."""
    text = _SAFE.sub("", str(value or ""))[:limit].strip()
    return text


# ------------------------------------------------------------------------------------------ settings


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


@dataclass(frozen=True)
class RelyingParty:
    """What the device is to e-Signet. ``claims`` maps a claim name to *essential*."""

    issuer: str
    client_id: str
    signing_key: RSAKey | ECKey
    encryption_key: RSAKey | None = None
    acr_values: tuple[str, ...] = ("mosip:idp:acr:generated-code",)
    claims: Mapping[str, bool] = field(default_factory=dict)
    claims_locales: tuple[str, ...] = ()
    timeout_seconds: float = 120.0
    accepted_acr: tuple[str, ...] = ()    # the id_token's acr must be one of these; empty: acr_values
    redirect_ports: tuple[int, ...] = (53141, 53142, 53143)   # each registered with e-Signet
    scope: str | None = None   # default: "openid" when claims are listed, else "openid profile"

    def claims_parameter(self) -> str:
        userinfo = {name: {"essential": bool(essential)} for name, essential in self.claims.items()}
        return json.dumps({"userinfo": userinfo, "id_token": {}}, separators=(",", ":"))

    @property
    def scopes(self) -> str:
        if self.scope:
            return self.scope
        # data minimisation: the claims parameter says exactly what we need
        return "openid" if self.claims else "openid profile"


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    iss_parameter_supported: bool
    assertion_algs: tuple[str, ...]
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    redirect_uri: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Authentication:
    """A verified login. ``subject`` is the PSUT; ``claims`` the verified userinfo (personal data)."""

    subject: str
    claims: dict[str, Any]
    id_token_claims: dict[str, Any]
    acr: str | None = None
    # the verified userinfo as a compact JWS (the inner JWS of a JWE): what MOSIP's CRVS packets
    # carry as the informant's token. A credential of the person: never logged, never in a repr.
    userinfo_jwt: str | None = field(default=None, repr=False)


# ------------------------------------------------------------------------------------------ client


class _ShortLivedAssertion(PrivateKeyJWT):
    """authlib's private_key_jwt with the kid header, a short exp and a fresh jti for every request
    (authlib's default lives an hour, and a claims dict given once would be reused)."""

    def __init__(self, token_endpoint: str, kid: str, alg: str, lifetime: int):
        super().__init__(token_endpoint, alg=alg)
        self.kid = kid
        self.lifetime = lifetime

    def sign(self, auth: Any, token_endpoint: str) -> str:
        self.headers = {"kid": self.kid, "typ": "JWT"}
        now = int(time.time())
        self.claims = {"iat": now, "exp": now + self.lifetime, "jti": secrets.token_urlsafe(32)}
        return super().sign(auth, token_endpoint)


def _is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS


def _check_endpoint(url: object, what: str) -> str:
    if not isinstance(url, str) or not url:
        raise ESignetUnavailable(f"e-Signet's discovery document has no {what}")
    parts = urlsplit(url)
    if parts.scheme != "https" and not _is_loopback_http(url):
        raise ESignetConfigurationError(f"e-Signet's {what} is not an https URL")
    if not parts.hostname or parts.username or parts.password:
        raise ESignetConfigurationError(f"e-Signet's {what} is not a valid URL")
    return url


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


@dataclass(frozen=True)
class _Answer:
    status_code: int
    headers: httpx.Headers
    body: bytes


def _too_large(limit: int) -> ESignetVerificationError:
    return ESignetVerificationError("e-Signet sent an answer that is too large",
                                    code="esignet.answer_too_large", params={"limit": limit})


def _shut_down(streams: Sequence[Any]) -> None:
    """Wake a thread blocked reading these connections (closing the descriptor would not)."""
    for stream in streams:
        try:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError, ValueError):
            continue


class ESignetClient:
    """One relying party against one e-Signet. Thread-safe; caches discovery and the JWKS."""

    def __init__(self, rp: RelyingParty, *, clock: Callable[[], float] = time.time,
                 verify: bool = True, leeway: int = LEEWAY_SECONDS):
        _check_endpoint(rp.issuer, "issuer")
        self.rp = rp
        self.clock = clock
        self.verify = verify           # TLS verification: always on outside tests
        self.leeway = leeway
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._jwks: tuple[float, dict[str, RSAKey | ECKey], list[RSAKey | ECKey]] | None = None
        self._session: httpx.Client | None = None

    # -------------------------------------------------------------------- HTTP
    def _http(self) -> httpx.Client:
        """One connection pool for the client's life (per-request timeouts)."""
        with self._lock:
            if self._session is None:
                self._session = httpx.Client(verify=self.verify, follow_redirects=False, trust_env=False,
                                             headers={"User-Agent": "crvs-field"})
            return self._session

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def _bounded_get(self, url: str, limit: int, timeout: float, headers: Mapping[str, str] | None = None
                     ) -> tuple[httpx.Response, bytes]:
        """A GET over the shared pool, read by streaming: at most ``limit`` bytes and ``timeout``
        seconds overall (httpx's own timeout bounds each read, not the whole answer)."""
        deadline = time.monotonic() + timeout
        with self._http().stream("GET", url, headers=headers, timeout=httpx.Timeout(timeout)) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise _too_large(limit)
                if time.monotonic() >= deadline:
                    raise httpx.ReadTimeout("the answer did not end in time")
            return response, bytes(body)

    def _interruptible(self, method: str, url: str, *, limit: int, timeout: float,
                       cancel: threading.Event | None, headers: Mapping[str, str] | None = None,
                       content: bytes | None = None) -> _Answer:
        """One request that ends within ``timeout`` seconds whatever the server does, keeps at most
        ``limit`` bytes of its body, and stops as soon as ``cancel`` is set.

        It runs on its own thread with its own connection; the caller waits for it, the deadline or
        the cancel event, and on the last two shuts the socket down so the reader wakes at once.
        Raises httpx.TimeoutException on the deadline, ESignetCancelled on cancel, httpx.HTTPError
        when the connection fails, and the too-large refusal past ``limit``."""
        deadline = time.monotonic() + timeout
        streams: list[Any] = []
        result: dict[str, Any] = {}
        finished = threading.Event()

        def keep_stream(event: str, info: Mapping[str, Any]) -> None:
            if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
                stream = info.get("return_value")
                if stream is not None:
                    streams.append(stream)

        def run() -> None:
            try:
                with httpx.Client(verify=self.verify, follow_redirects=False, trust_env=False,
                                  headers={"User-Agent": "crvs-field"}) as http, \
                        http.stream(method, url, headers=headers, content=content,
                                    timeout=httpx.Timeout(max(0.1, deadline - time.monotonic())),
                                    extensions={"trace": keep_stream}) as response:
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > limit:
                            raise _too_large(limit)
                        if finished.is_set():          # the caller gave up: stop reading
                            return
                    result["answer"] = _Answer(response.status_code, response.headers, bytes(body))
            except BaseException as exc:  # handed to the caller's thread
                result["error"] = exc
            finally:
                finished.set()

        worker = threading.Thread(target=run, name="esignet-request", daemon=True)
        worker.start()
        try:
            while not finished.wait(0.02):
                if cancel is not None and cancel.is_set():
                    raise ESignetCancelled("The login was cancelled; nothing was changed.")
                if time.monotonic() >= deadline:
                    raise httpx.ReadTimeout("the answer did not end in time")
        finally:
            if not finished.is_set():
                finished.set()
                _shut_down(streams)
        if "error" in result:
            raise result["error"]
        return result["answer"]

    def _get_json(self, url: str, timeout: float, what: str) -> dict[str, Any]:
        try:
            response, body = self._bounded_get(url, MAX_METADATA_BYTES, timeout)
        except httpx.TimeoutException:
            raise ESignetUnavailable(f"e-Signet did not answer in time ({what})") from None
        except httpx.HTTPError as exc:
            raise ESignetUnavailable(f"e-Signet cannot be reached ({what}: {type(exc).__name__})") from None
        if response.status_code != 200:
            raise ESignetUnavailable(f"e-Signet answered HTTP {response.status_code} ({what})")
        try:
            data = json.loads(body)
        except ValueError:
            raise ESignetUnavailable(f"e-Signet's {what} is not JSON") from None
        if not isinstance(data, dict):
            raise ESignetUnavailable(f"e-Signet's {what} is not a JSON object")
        return data

    # -------------------------------------------------------------------- discovery
    def discover(self, *, timeout: float = 10.0, refresh: bool = False) -> ProviderMetadata:
        """The provider's metadata (cached for an hour); raises ESignetUnavailable when unreachable."""
        now = time.monotonic()
        with self._lock:
            cached = self._metadata
        if cached is not None and not refresh and now - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
        url = self.rp.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = self._get_json(url, timeout, "discovery")
        issuer = doc.get("issuer")
        if not isinstance(issuer, str) or not _same_issuer(issuer, self.rp.issuer):
            raise ESignetVerificationError("e-Signet's discovery document names another issuer; "
                                           "check the country configuration")
        algs = doc.get("token_endpoint_auth_signing_alg_values_supported")
        meta = ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=_check_endpoint(doc.get("authorization_endpoint"), "authorization endpoint"),
            token_endpoint=_check_endpoint(doc.get("token_endpoint"), "token endpoint"),
            userinfo_endpoint=_check_endpoint(doc.get("userinfo_endpoint"), "userinfo endpoint"),
            jwks_uri=_check_endpoint(doc.get("jwks_uri"), "JWKS URI"),
            iss_parameter_supported=doc.get("authorization_response_iss_parameter_supported") is True,
            assertion_algs=tuple(a for a in algs if isinstance(a, str)) if isinstance(algs, list) else (),
            raw=doc,
        )
        if "S256" not in (doc.get("code_challenge_methods_supported") or ["S256"]):
            raise ESignetConfigurationError("e-Signet does not offer PKCE S256")
        with self._lock:
            self._metadata = (time.monotonic(), meta)
        log.debug("e-Signet discovery loaded")
        return meta

    def probe(self, timeout: float = 3.0) -> ProviderMetadata:
        """A cheap reachability check: fetch the discovery document again with a short timeout."""
        return self.discover(timeout=timeout, refresh=True)

    # -------------------------------------------------------------------- keys
    def _load_jwks(self, meta: ProviderMetadata, timeout: float) -> tuple[dict[str, Any], list[Any]]:
        try:
            doc = self._get_json(meta.jwks_uri, timeout, "JWKS")
        except ESignetUnavailable as exc:
            raise ESignetVerificationError(f"e-Signet's signing keys could not be fetched: {exc}") from None
        by_kid: dict[str, RSAKey | ECKey] = {}
        unnamed: list[RSAKey | ECKey] = []
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
            self._jwks = (time.monotonic(), by_kid, unnamed)
        log.debug("e-Signet JWKS loaded (%d keys)", len(by_kid) + len(unnamed))
        return by_kid, unnamed

    def _key_for(self, meta: ProviderMetadata, kid: object, alg: str, timeout: float, what: str) -> Any:
        """The provider key for ``kid``; the JWKS is fetched again once when the kid is unknown."""
        with self._lock:
            cached = self._jwks
        fresh = cached is None or time.monotonic() - cached[0] >= JWKS_TTL_SECONDS
        if fresh:
            by_kid, unnamed = self._load_jwks(meta, timeout)
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
                by_kid, unnamed = self._load_jwks(meta, timeout)
            else:
                break
        raise ESignetVerificationError(f"the {what} is signed with a key e-Signet does not publish")

    def _verify_jws(self, meta: ProviderMetadata, token: str, timeout: float, what: str) -> tuple[dict, dict]:
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
                f"the {what} uses a forbidden signature algorithm ({_safe_text(alg, 12) or 'none'})")
        if header.get("crit"):
            raise ESignetVerificationError(f"the {what} has critical header parameters we do not know")
        key = self._key_for(meta, header.get("kid"), str(alg), timeout, what)
        try:
            decoded = jwt.decode(token, key, algorithms=[str(alg)])
        except BadSignatureError:
            raise ESignetVerificationError(f"the {what} signature is not valid") from None
        except (JoseError, ValueError, TypeError):
            raise ESignetVerificationError(f"the {what} could not be verified") from None
        return dict(decoded.header), dict(decoded.claims)

    # -------------------------------------------------------------------- authorization
    def authorization_request(self, meta: ProviderMetadata, redirect_uri: str, *,
                              ui_locales: Sequence[str] = ()) -> AuthorizationRequest:
        state = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)          # 64 characters of the RFC 7636 alphabet
        extra: dict[str, str] = {"nonce": nonce, "claims": self.rp.claims_parameter()}
        if self.rp.acr_values:
            extra["acr_values"] = " ".join(self.rp.acr_values)
        if ui_locales:
            extra["ui_locales"] = " ".join(ui_locales)
        if self.rp.claims_locales:
            extra["claims_locales"] = " ".join(self.rp.claims_locales)
        url = prepare_grant_uri(meta.authorization_endpoint, client_id=self.rp.client_id, response_type="code",
                                redirect_uri=redirect_uri, scope=self.rp.scopes, state=state,
                                code_challenge=create_s256_code_challenge(verifier),
                                code_challenge_method="S256", **extra)
        return AuthorizationRequest(url=url, redirect_uri=redirect_uri, state=state, nonce=nonce,
                                    code_verifier=verifier)

    def check_redirect(self, meta: ProviderMetadata, request: AuthorizationRequest,
                       params: Mapping[str, str]) -> str:
        """The authorization response → the code; state, iss and error handled (RFC 6749, RFC 9207)."""
        state = params.get("state")
        if not state or not secrets.compare_digest(state.encode(), request.state.encode()):
            raise ESignetVerificationError("The answer from e-Signet does not belong to this login "
                                           "(state mismatch); nothing was changed.")
        iss = params.get("iss")
        if iss is not None and not _same_issuer(iss, meta.issuer):
            raise ESignetVerificationError("The answer came from another identity provider "
                                           "(iss mismatch); nothing was changed.")
        # e-Signet's login UI adds iss to a success redirect only (mosip/esignet oidc-ui
        # Consent.js; redirectOnError.js sends error, error_description and state)
        if iss is None and meta.iss_parameter_supported and "code" in params:
            raise ESignetVerificationError("The answer from e-Signet lacks its issuer (iss); nothing was changed.")
        error = params.get("error")
        if error:
            code = _safe_text(error, 60)
            description = _safe_text(params.get("error_description"))
            if error == "access_denied":
                raise ESignetCancelled("The person cancelled the e-Signet login or refused consent; "
                                       "nothing was changed.")
            detail = f"{code}: {description}" if description and description != code else code
            raise ESignetProviderError(f"e-Signet refused the login ({detail}); nothing was changed.",
                                       error=code)
        code_value = params.get("code")
        if not code_value:
            raise ESignetProviderError("e-Signet's answer carries no authorization code; nothing was changed.")
        return code_value

    # -------------------------------------------------------------------- token
    def _assertion_alg(self, meta: ProviderMetadata) -> str:
        offered = meta.assertion_algs or SIGNING_ALGS
        if isinstance(self.rp.signing_key, ECKey):
            choices = ("ES256",)
        else:
            declared = self.rp.signing_key.get("alg")
            choices = (declared,) if declared in ("PS256", "RS256") else ("RS256", "PS256")
        for alg in choices:
            if alg in offered:
                return alg
        raise ESignetConfigurationError("e-Signet accepts no signature algorithm our client key can make")

    def exchange_code(self, meta: ProviderMetadata, request: AuthorizationRequest, code: str,
                      timeout: float, cancel: threading.Event | None = None) -> dict[str, Any]:
        """POST the code to the token endpoint with private_key_jwt and the PKCE verifier; the
        answer is read by streaming, at most MAX_TOKEN_BYTES within ``timeout``, and ``cancel``
        stops it in flight."""
        kid = self.rp.signing_key.kid
        assert kid is not None
        assertion = _ShortLivedAssertion(meta.token_endpoint, kid, self._assertion_alg(meta),
                                         ASSERTION_LIFETIME_SECONDS)
        body = prepare_token_request("authorization_code", code=code, redirect_uri=request.redirect_uri,
                                     code_verifier=request.code_verifier, client_id=self.rp.client_id)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        _, headers, body = ClientAuth(self.rp.client_id, self.rp.signing_key, assertion).prepare(
            "POST", meta.token_endpoint, headers, body)
        try:
            response = self._interruptible("POST", meta.token_endpoint, limit=MAX_TOKEN_BYTES, timeout=timeout,
                                           cancel=cancel, headers=headers, content=body.encode("utf-8"))
        except httpx.TimeoutException:
            raise ESignetTimeout("e-Signet did not answer the token request in time; nothing was changed.",
                                 code="esignet.token_timeout") from None
        except httpx.HTTPError as exc:
            raise ESignetUnavailable(f"the connection to e-Signet was lost ({type(exc).__name__})",
                                     code="esignet.connection_lost") from None
        try:
            token = json.loads(response.body)
        except ValueError:
            token = None
        if isinstance(token, dict) and token.get("error"):
            error = _safe_text(token.get("error"), 60)
            description = _safe_text(token.get("error_description"))
            detail = f"{error}: {description}" if description and description != error else error
            raise ESignetProviderError(f"e-Signet refused the token request ({detail}); nothing was changed.",
                                       error=error, code="esignet.token_refused")
        if response.status_code != 200 or not isinstance(token, dict):
            raise ESignetProviderError(f"e-Signet's token endpoint failed (HTTP {response.status_code}); "
                                       "nothing was changed.", code="esignet.token_failed",
                                       params={"status": response.status_code})
        token = dict(token)
        if str(token.get("token_type", "")).lower() != "bearer":
            raise ESignetVerificationError("e-Signet's token answer is not a bearer token")
        for name in ("access_token", "id_token"):
            if not isinstance(token.get(name), str) or not token[name]:
                raise ESignetVerificationError(f"e-Signet's token answer has no {name}",
                                               code="esignet.token_incomplete", params={"name": name})
        log.debug("e-Signet token request answered")
        return token

    def verify_id_token(self, meta: ProviderMetadata, id_token: str, *, nonce: str,
                        access_token: str | None, timeout: float = 10.0) -> dict[str, Any]:
        """OIDC Core §3.1.3.7: signature (JWKS by kid, allow-listed alg), iss, aud, exp, iat, nonce, at_hash."""
        if id_token.count(".") == 4:
            raise ESignetVerificationError("encrypted id_tokens are not supported")
        header, claims = self._verify_jws(meta, id_token, timeout, "id_token")
        registry = jwt.JWTClaimsRegistry(
            now=int(self.clock()), leeway=self.leeway,
            iss={"essential": True, "value": meta.issuer},
            aud={"essential": True, "value": self.rp.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        messages = {
            "iss": "the id_token was issued by another provider (iss)",
            "aud": "the id_token was issued to another client (aud)",
            "nonce": "the id_token does not belong to this login (nonce mismatch)",
            "sub": "the id_token has no valid subject",
            "iat": "the id_token's issue time is not valid",
            "nbf": "the id_token is not valid yet",
            "exp": "the id_token's expiry is not valid",
        }
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise ESignetVerificationError("the id_token has expired") from None
        except MissingClaimError as exc:
            raise ESignetVerificationError(f"the id_token lacks required claims ({_safe_text(exc.claim, 60)})"
                                           ) from None
        except InvalidClaimError as exc:
            raise ESignetVerificationError(messages.get(exc.claim, "the id_token has an invalid claim")) from None
        aud = claims.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.rp.client_id:
            raise ESignetVerificationError("the id_token was issued to several clients without naming us (azp)")
        at_hash = claims.get("at_hash")
        if at_hash is not None and access_token is not None:
            expected = create_half_hash(access_token, header["alg"])
            if expected is None or not secrets.compare_digest(str(at_hash).encode(), expected):
                raise ESignetVerificationError("the id_token does not match the access token (at_hash)")
        return claims

    # -------------------------------------------------------------------- userinfo
    def fetch_userinfo(self, meta: ProviderMetadata, access_token: str, *, subject: str,
                       timeout: float, cancel: threading.Event | None = None) -> dict[str, Any]:
        """GET userinfo; accept only a JWT (JWS, or nested JWE → JWS), verified, with our subject."""
        return self.fetch_userinfo_jwt(meta, access_token, subject=subject, timeout=timeout, cancel=cancel)[1]

    def fetch_userinfo_jwt(self, meta: ProviderMetadata, access_token: str, *, subject: str,
                           timeout: float, cancel: threading.Event | None = None) -> tuple[str, dict[str, Any]]:
        """As `fetch_userinfo`, also returning the verified compact JWS as received (decrypted
        first when it came as a JWE).

        With an encryption key configured the client is registered for JWE userinfo, so a plain
        JWS is refused: it would mean the person's data crossed the network readable. An ``iss``
        in the userinfo must be e-Signet's: the identity system stamps it with e-Signet's issuer id
        (mosip/esignet-mock-services mock-identity-system AuthenticationServiceImpl.kycExchange)."""
        try:
            response = self._interruptible(
                "GET", meta.userinfo_endpoint, limit=MAX_USERINFO_BYTES, timeout=timeout, cancel=cancel,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"})
        except httpx.TimeoutException:
            raise ESignetTimeout("e-Signet did not send the person's data in time; nothing was changed.",
                                 code="esignet.userinfo_timeout") from None
        except httpx.HTTPError as exc:
            raise ESignetUnavailable(f"the connection to e-Signet was lost ({type(exc).__name__})",
                                     code="esignet.connection_lost") from None
        if response.status_code != 200:
            raise ESignetProviderError(f"e-Signet refused to send the person's data (HTTP {response.status_code});"
                                       " nothing was changed.", code="esignet.userinfo_refused",
                                       params={"status": response.status_code})
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        text = response.body.decode("ascii", errors="replace").strip()
        if content_type != "application/jwt" and not re.fullmatch(r"[A-Za-z0-9_\-.]+", text or "!"):
            raise ESignetVerificationError("e-Signet sent the person's data unsigned; it was not used",
                                           code="esignet.userinfo_unsigned")
        if text.count(".") == 4:
            text = self._decrypt_userinfo(text)
        elif self.rp.encryption_key is not None:
            raise ESignetVerificationError("e-Signet sent the person's data unencrypted although this device "
                                           "requires encryption; it was not used",
                                           code="esignet.userinfo_not_encrypted")
        _, claims = self._verify_jws(meta, text, timeout, "userinfo")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not secrets.compare_digest(sub.encode(), subject.encode()):
            raise ESignetVerificationError("the person's data is about someone else (sub differs from the id_token)",
                                           code="esignet.userinfo_subject_mismatch")
        iss = claims.get("iss")
        if iss is not None and not (isinstance(iss, str) and _same_issuer(iss, meta.issuer)):
            raise ESignetVerificationError("the person's data was issued by another provider (iss)",
                                           code="esignet.userinfo_issuer_mismatch")
        aud = claims.get("aud")
        if aud is not None:
            auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            if self.rp.client_id not in auds:
                raise ESignetVerificationError("the person's data was issued to another client (aud)",
                                               code="esignet.userinfo_audience_mismatch")
        exp = claims.get("exp")
        if isinstance(exp, int | float) and not isinstance(exp, bool) and exp <= self.clock() - self.leeway:
            raise ESignetVerificationError("the person's data has expired", code="esignet.userinfo_expired")
        return text, claims

    def check_acr(self, id_claims: Mapping[str, Any]) -> str:
        """The id_token's ``acr`` must name an accepted authentication class, or the person is not
        authenticated. e-Signet joins with spaces every ACR the login's factors satisfy
        (mosip/esignet oidc-service-impl TokenServiceImpl.buildIDToken, AuthenticationContextClassRefUtil
        .getACRs) and, when none of the requested ``acr_values`` is registered for the client, falls
        back to the registered ones (AuthorizationServiceImpl.resolveACRClaim) — so what was asked
        for is not necessarily what was done."""
        accepted = self.rp.accepted_acr or self.rp.acr_values
        acr = id_claims.get("acr")
        values = acr.split() if isinstance(acr, str) else []
        if not accepted:
            return " ".join(values)
        if not values:
            raise ESignetVerificationError("e-Signet did not say how the person was authenticated (no acr); "
                                           "the person is not marked authenticated", code="esignet.acr_missing")
        if not any(value in accepted for value in values):
            raise ESignetVerificationError(
                "the person was authenticated by a method this country does not accept "
                f"({_safe_text(' '.join(values), 120)}); the person is not marked authenticated",
                code="esignet.acr_insufficient", params={"acr": _safe_text(" ".join(values), 120)})
        return " ".join(values)

    def _decrypt_userinfo(self, token: str) -> str:
        key = self.rp.encryption_key
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

    # -------------------------------------------------------------------- after the redirect
    def complete(self, meta: ProviderMetadata, request: AuthorizationRequest, params: Mapping[str, str], *,
                 deadline: float, cancel: threading.Event | None = None) -> Authentication:
        """The authorization response → a verified login: code, token, id_token, acr, userinfo,
        all before ``deadline`` (a ``time.monotonic()`` value) and stopped by ``cancel``."""
        if cancel is not None and cancel.is_set():
            raise ESignetCancelled("The login was cancelled; nothing was changed.")
        code = self.check_redirect(meta, request, params)
        tokens = self.exchange_code(meta, request, code, time_left(deadline), cancel)
        id_claims = self.verify_id_token(meta, tokens["id_token"], nonce=request.nonce,
                                         access_token=tokens["access_token"], timeout=time_left(deadline))
        acr = self.check_acr(id_claims)
        userinfo_jwt, claims = self.fetch_userinfo_jwt(meta, tokens["access_token"], subject=id_claims["sub"],
                                                       timeout=time_left(deadline), cancel=cancel)
        if cancel is not None and cancel.is_set():
            raise ESignetCancelled("The login was cancelled; nothing was changed.")
        log.debug("e-Signet login verified")
        return Authentication(subject=id_claims["sub"], claims=claims, id_token_claims=id_claims, acr=acr or None,
                              userinfo_jwt=userinfo_jwt)


def time_left(deadline: float, cap: float | None = None) -> float:
    """Seconds until ``deadline`` (``time.monotonic()``), at most ``cap``; ESignetTimeout once past."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise ESignetTimeout("The e-Signet login took too long and was stopped; nothing was changed.",
                             code="esignet.login_timeout")
    return left if cap is None else min(cap, left)


def iter_localized(claims: Mapping[str, Any], name: str) -> Iterable[tuple[str | None, Any]]:
    """``name`` and ``name#<locale>`` members of userinfo claims → (locale or None, value)."""
    for key, value in claims.items():
        if key == name:
            yield None, value
        elif key.startswith(name + "#") and len(key) > len(name) + 1:
            yield key[len(name) + 1:], value

"""e-Signet relying party for a native desktop app (RFC 8252, OIDC Core, PROTOCOLS.md §1).

Pure protocol over httpx, no database: discover the provider, open the system browser at an
authorization URL carrying ``state``, ``nonce``, PKCE S256, ``acr_values``, ``claims`` and
``ui_locales``, receive the redirect on a loopback listener (``http://127.0.0.1:<port>/callback``),
exchange the code at the ``/v2`` token endpoint with ``private_key_jwt``, verify the id_token and the
userinfo JWT (JWS, or a nested JWE decrypted first) against the provider's JWKS, and hand back the
verified claims. authlib builds the authorization URL and the token request (PKCE, client
assertion); joserfc verifies and decrypts.

    client = ESignetClient(RelyingParty(issuer=…, client_id=…, signing_key=load_private_key(…)))
    result = client.authenticate(open_url=webbrowser.open, cancel=threading.Event(), ui_locales=["fr"])
    result.subject   # the PSUT
    result.claims    # verified userinfo claims (personal data: never log them)

Every expected failure is an ``ESignetError`` subclass whose message is for people and carries no
personal data and no token. Nothing here logs a token, a code, a claim value or a URL with a query.
"""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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

log = logging.getLogger(__name__)

SIGNING_ALGS = ("PS256", "RS256", "ES256")          # never none, never HS*
USERINFO_JWE_ALGS = ("RSA-OAEP-256", "A256GCM")
LEEWAY_SECONDS = 60
ASSERTION_LIFETIME_SECONDS = 120
DISCOVERY_TTL_SECONDS = 3600.0
JWKS_TTL_SECONDS = 3600.0
MAX_METADATA_BYTES = 256 * 1024
MAX_USERINFO_BYTES = 2 * 1024 * 1024                  # a picture claim can be large
CALLBACK_PATH = "/callback"
MAX_CALLBACK_TARGET = 8192
MIN_RSA_BITS = 2048
_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")

# ------------------------------------------------------------------------------------------ errors


class ESignetError(Exception):
    """A login that did not succeed. ``reason`` is a stable code, the message is for people."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    @property
    def message(self) -> str:
        return str(self)


class ESignetUnavailable(ESignetError):
    """e-Signet cannot be reached (no network, DNS, refused, discovery broken): work offline."""

    reason = "offline"


class ESignetTimeout(ESignetError):
    reason = "timeout"


class ESignetCancelled(ESignetError):
    """The agent cancelled, or the person cancelled the login or refused consent (access_denied)."""

    reason = "cancelled"


class ESignetProviderError(ESignetError):
    """e-Signet answered with an OAuth error (redirect or token endpoint)."""

    reason = "provider_error"

    def __init__(self, message: str, *, error: str | None = None):
        super().__init__(message)
        self.error = error


class ESignetVerificationError(ESignetError):
    """An answer failed a security check (signature, issuer, audience, nonce, state …)."""

    reason = "verification_failed"


class ESignetConfigurationError(ESignetError):
    reason = "configuration"


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


# ------------------------------------------------------------------------------------------ loopback

_PAGES = {
    "en": ("crvs-field — e-Signet", "You can close this window",
           "e-Signet's answer was passed to crvs-field. Return to the application to continue.",
           "Login not completed", "You can close this window and return to crvs-field."),
    "fr": ("crvs-field — e-Signet", "Vous pouvez fermer cette fenêtre",
           "La réponse d'e-Signet a été transmise à crvs-field. Revenez à l'application pour continuer.",
           "Connexion non aboutie", "Vous pouvez fermer cette fenêtre et revenir à crvs-field."),
}


def callback_page(language: str, ok: bool) -> bytes:
    lang = (language or "en").replace("_", "-").split("-")[0].lower()
    lang = {"fra": "fr", "fre": "fr", "eng": "en"}.get(lang, lang)
    title, ok_head, ok_text, err_head, err_text = _PAGES.get(lang, _PAGES["en"])
    if lang not in _PAGES:
        lang = "en"
    head, text = (ok_head, ok_text) if ok else (err_head, err_text)
    page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body><main>"
            f"<h1>{html.escape(head)}</h1><p>{html.escape(text)}</p></main></body></html>")
    return page.encode("utf-8")


def loopback_redirect_uris(ports: Sequence[int], host: str = "127.0.0.1", path: str = CALLBACK_PATH
                           ) -> list[str]:
    """The redirect URIs to register with e-Signet for these listener ports, one each."""
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}{path}" for port in ports]


def _bind_first(host: str, ports: Sequence[int], handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    failure: OSError | None = None
    for port in ports:
        try:
            return ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            failure = exc
    assert failure is not None
    raise OSError(failure.errno, f"ports {', '.join(map(str, ports))} on {host} are all in use") from None


class LoopbackListener:
    """The RFC 8252 §7.3 redirect receiver: 127.0.0.1, one expected path, on the first free port of
    ``ports``. e-Signet compares the redirect URI with the registered ones as URL patterns
    (mosip/esignet IdentityProviderUtil.matchUri) and a port wildcard is not a valid URL there, so
    a native client must listen on a port it registered: a country registers one redirect URI per
    port (``loopback_redirect_uris``) and several ports let a second login on the same computer,
    or a port some other program holds, fall through to the next. Port 0 (ephemeral) is for tests
    of the listener alone.

    Answers the browser a short page in ``language`` ("you can close this window"); keeps the
    first callback's query parameters for ``wait()``. Nothing it receives is logged.
    """

    def __init__(self, *, ports: Sequence[int], language: str = "en", host: str = "127.0.0.1",
                 path: str = CALLBACK_PATH):
        if not ports:
            raise ValueError("the e-Signet loopback listener needs at least one port")
        self.language = language
        self.path = path
        self._result: dict[str, str] | None = None
        self._malformed = False
        self._arrived = threading.Event()
        self._lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10                       # a silent client cannot hold a thread for long
            server_version = "crvs-field"
            sys_version = ""

            def log_message(self, format: str, *args: Any) -> None:  # the URL holds the code: never logged
                return

            def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Content-Security-Policy", "default-src 'none'")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if len(self.path) > MAX_CALLBACK_TARGET:
                    self._send(414, b"URI too long", "text/plain")
                    return
                parts = urlsplit(self.path)
                if parts.path != listener.path:
                    self._send(404, b"not found", "text/plain")
                    return
                ok = listener._deliver(parts.query)
                self._send(200 if ok else 400, callback_page(listener.language, ok))

            def do_POST(self) -> None:
                self._send(405, b"method not allowed", "text/plain")

            do_PUT = do_DELETE = do_PATCH = do_POST

        self._server = _bind_first(host, ports, Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 8
        self._thread: threading.Thread | None = None
        port = self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.redirect_uri = f"http://{shown}:{port}{path}"

    def _deliver(self, query: str) -> bool:
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
        except ValueError:
            pairs = None
        with self._lock:
            if self._arrived.is_set():
                return self._result is not None and "code" in self._result
            if not pairs:
                return False  # a stray visit (no parameters) does not end the login
            values: dict[str, str] = {}
            for key, value in pairs:
                if key in values:            # RFC 6749 §3.1: parameters MUST NOT repeat
                    self._malformed = True
                values[key] = value[:4096]
            self._result = values
            self._arrived.set()
            return "code" in values and not self._malformed

    def start(self) -> LoopbackListener:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="esignet-loopback", daemon=True)
        self._thread.start()
        return self

    def wait(self, deadline: float, cancel: threading.Event | None = None) -> dict[str, str]:
        """Block until the redirect arrives; ``deadline`` is a ``time.monotonic()`` value."""
        while not self._arrived.wait(0.05):
            if cancel is not None and cancel.is_set():
                raise ESignetCancelled("The login was cancelled; nothing was changed.")
            if time.monotonic() >= deadline:
                raise ESignetTimeout("The e-Signet login took too long and was stopped; nothing was changed.")
        with self._lock:
            if self._malformed or self._result is None:
                raise ESignetVerificationError("The answer from e-Signet was malformed; nothing was changed.")
            return dict(self._result)

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LoopbackListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        with self._http().stream("GET", url, headers=headers, timeout=httpx.Timeout(timeout)) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise ESignetVerificationError("e-Signet sent an answer that is too large")
            return response, bytes(body)

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
                      timeout: float) -> dict[str, Any]:
        """POST the code to the token endpoint with private_key_jwt and the PKCE verifier."""
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
            response = self._http().post(meta.token_endpoint, content=body.encode("utf-8"), headers=headers,
                                         timeout=httpx.Timeout(timeout))
        except httpx.TimeoutException:
            raise ESignetTimeout("e-Signet did not answer the token request in time; nothing was changed.") from None
        except httpx.HTTPError as exc:
            raise ESignetProviderError(f"the connection to e-Signet was lost ({type(exc).__name__}); "
                                       "nothing was changed.") from None
        try:
            token = response.json()
        except ValueError:
            token = None
        if isinstance(token, dict) and token.get("error"):
            error = _safe_text(token.get("error"), 60)
            description = _safe_text(token.get("error_description"))
            detail = f"{error}: {description}" if description and description != error else error
            raise ESignetProviderError(f"e-Signet refused the token request ({detail}); nothing was changed.",
                                       error=error)
        if response.status_code != 200 or not isinstance(token, dict):
            raise ESignetProviderError(f"e-Signet's token endpoint failed (HTTP {response.status_code}); "
                                       "nothing was changed.")
        token = dict(token)
        if str(token.get("token_type", "")).lower() != "bearer":
            raise ESignetVerificationError("e-Signet's token answer is not a bearer token")
        for name in ("access_token", "id_token"):
            if not isinstance(token.get(name), str) or not token[name]:
                raise ESignetVerificationError(f"e-Signet's token answer has no {name}")
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
                       timeout: float) -> dict[str, Any]:
        """GET userinfo; accept only a JWT (JWS, or nested JWE → JWS), verified, with our subject."""
        return self.fetch_userinfo_jwt(meta, access_token, subject=subject, timeout=timeout)[1]

    def fetch_userinfo_jwt(self, meta: ProviderMetadata, access_token: str, *, subject: str,
                           timeout: float) -> tuple[str, dict[str, Any]]:
        """As `fetch_userinfo`, also returning the verified compact JWS as received (decrypted
        first when it came as a JWE)."""
        try:
            response, body = self._bounded_get(
                meta.userinfo_endpoint, MAX_USERINFO_BYTES, timeout,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"})
        except httpx.TimeoutException:
            raise ESignetTimeout("e-Signet did not send the person's data in time; nothing was changed.") from None
        except httpx.HTTPError as exc:
            raise ESignetProviderError(f"the connection to e-Signet was lost ({type(exc).__name__}); "
                                       "nothing was changed.") from None
        if response.status_code != 200:
            raise ESignetProviderError(f"e-Signet refused to send the person's data (HTTP {response.status_code});"
                                       " nothing was changed.")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        text = body.decode("ascii", errors="replace").strip()
        if content_type != "application/jwt" and not re.fullmatch(r"[A-Za-z0-9_\-.]+", text or "!"):
            raise ESignetVerificationError("e-Signet sent the person's data unsigned; it was not used")
        if text.count(".") == 4:
            text = self._decrypt_userinfo(text)
        _, claims = self._verify_jws(meta, text, timeout, "userinfo")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not secrets.compare_digest(sub.encode(), subject.encode()):
            raise ESignetVerificationError("the person's data is about someone else (sub differs from the id_token)")
        aud = claims.get("aud")
        if aud is not None:
            auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
            if self.rp.client_id not in auds:
                raise ESignetVerificationError("the person's data was issued to another client (aud)")
        exp = claims.get("exp")
        if isinstance(exp, int | float) and not isinstance(exp, bool) and exp <= self.clock() - self.leeway:
            raise ESignetVerificationError("the person's data has expired")
        return text, claims

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

    # -------------------------------------------------------------------- the whole login
    def authenticate(self, *, open_url: Callable[[str], object], cancel: threading.Event | None = None,
                     ui_locales: Sequence[str] = (), page_language: str = "en") -> Authentication:
        """Blocking: browser → loopback redirect → token → id_token → userinfo, within the timeout."""
        deadline = time.monotonic() + self.rp.timeout_seconds

        def remaining(cap: float = 30.0) -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ESignetTimeout("The e-Signet login took too long and was stopped; nothing was changed.")
            return max(0.5, min(cap, left))

        meta = self.discover(timeout=remaining(10.0))
        try:
            listener = LoopbackListener(ports=self.rp.redirect_ports, language=page_language)
        except OSError as exc:
            raise ESignetError(f"this computer cannot receive e-Signet's answer on 127.0.0.1 ({exc.strerror})",
                               reason="loopback") from None
        with listener:
            request = self.authorization_request(meta, listener.redirect_uri, ui_locales=ui_locales)
            try:
                open_url(request.url)
            except Exception as exc:  # a browser launcher can fail in many ways
                raise ESignetError(f"the browser could not be opened ({type(exc).__name__})",
                                   reason="browser") from None
            log.debug("e-Signet authorization started; waiting for the redirect")
            params = listener.wait(deadline, cancel)
        if cancel is not None and cancel.is_set():
            raise ESignetCancelled("The login was cancelled; nothing was changed.")
        code = self.check_redirect(meta, request, params)
        tokens = self.exchange_code(meta, request, code, remaining())
        id_claims = self.verify_id_token(meta, tokens["id_token"], nonce=request.nonce,
                                         access_token=tokens["access_token"], timeout=remaining())
        userinfo_jwt, claims = self.fetch_userinfo_jwt(meta, tokens["access_token"], subject=id_claims["sub"],
                                                       timeout=remaining())
        if cancel is not None and cancel.is_set():
            raise ESignetCancelled("The login was cancelled; nothing was changed.")
        log.debug("e-Signet login verified")
        acr = id_claims.get("acr") if isinstance(id_claims.get("acr"), str) else None
        return Authentication(subject=id_claims["sub"], claims=claims, id_token_claims=id_claims, acr=acr,
                              userinfo_jwt=userinfo_jwt)


def iter_localized(claims: Mapping[str, Any], name: str) -> Iterable[tuple[str | None, Any]]:
    """``name`` and ``name#<locale>`` members of userinfo claims → (locale or None, value)."""
    for key, value in claims.items():
        if key == name:
            yield None, value
        elif key.startswith(name + "#") and len(key) > len(name) + 1:
            yield key[len(name) + 1:], value

"""The emulated e-Signet OpenID Connect provider (see the package docstring for the wire contract)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import pathlib
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from joserfc import jwe, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from . import claims as claims_mod
from . import errors, pages
from .errors import ESignetError
from .keys import KeyStore

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PAR_REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
ASSERTION_ALGS = ("RS256", "PS256", "ES256")
ACR_OTP = "mosip:idp:acr:generated-code"
ACR_VALUES_SUPPORTED = (
    "mosip:idp:acr:generated-code",
    "mosip:idp:acr:static-code",
    "mosip:idp:acr:biometrics",
    "mosip:idp:acr:linked-wallet",
    "mosip:idp:acr:knowledge",
    "mosip:idp:acr:password",
)
SCOPES_SUPPORTED = ("openid", "profile", "email", "phone", "address")
PROMPTS_SUPPORTED = ("none", "login", "consent", "select_account")
DISPLAYS_SUPPORTED = ("page", "popup", "touch", "wap")
USERINFO_RESPONSE_TYPES = ("JWS", "JWE")
LOOPBACK_HOSTS = ("127.0.0.1", "::1")
PKCE_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # b64url(SHA-256), unpadded

TOKEN_PATH = "/v1/esignet/oauth/v2/token"
USERINFO_PATH = "/v1/esignet/oidc/userinfo"
PAR_PATH = "/v1/esignet/oauth/par"
JWKS_PATH = "/.well-known/jwks.json"

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# Identity-system (IDA) error codes that e-Signet's IDA plugin shows on the login page.
IDA_ID_NOT_AVAILABLE = "IDA-MLC-018"
IDA_UIN_DEACTIVATED = "IDA-MLC-022"
IDA_VID_DEACTIVATED = "IDA-MLC-023"
IDA_INVALID_OTP = "IDA-OTA-004"
DATA_EXCHANGE_FAILED = "data_exchange_failed"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def _loopback_without_port(uri: str) -> str | None:
    """``http://127.0.0.1:8080/cb?x`` → ``http://127.0.0.1/cb?x``; None unless a loopback IP URI."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or "@" in parts.netloc:
        return None
    prefix = f"{parts.scheme}://{parts.netloc}"
    if not uri.startswith(prefix):
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"http://{host}{uri[len(prefix) :]}"


def redirect_uri_matches(registered: str, requested: str) -> bool:
    """Exact string match, or RFC 8252 §7.3: a loopback IP redirect matches on any port."""
    if "#" in requested:
        return False
    if requested == registered:
        return True
    reg, req = _loopback_without_port(registered), _loopback_without_port(requested)
    return reg is not None and reg == req


def _add_query(uri: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


@dataclass
class Client:
    client_id: str
    public_jwks: dict
    redirect_uris: list[str]
    userinfo_response_type: str = "JWS"
    encryption_jwk: dict | None = None
    registered_at: int = 0

    def to_json(self) -> dict:
        return {
            "client_id": self.client_id,
            "public_jwks": self.public_jwks,
            "redirect_uris": self.redirect_uris,
            "userinfo_response_type": self.userinfo_response_type,
            "encryption_jwk": self.encryption_jwk,
            "registered_at": self.registered_at,
        }


@dataclass
class Transaction:
    transaction_id: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    acr_values: list[str]
    requested: dict[str, bool]
    locales: list[str]
    ui_locale: str
    created_at: float
    expires_at: float
    individual_id: str | None = None
    uin: str | None = None
    auth_time: int | None = None


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    transaction: Transaction
    accepted: list[str]
    issued_at: float
    expires_at: float
    used: bool = False
    access_token_hash: str | None = None


@dataclass
class AccessToken:
    client_id: str
    sub: str
    scope: str
    issued_at: float
    expires_at: float
    userinfo: str
    revoked: bool = False


@dataclass
class _Par:
    client_id: str
    params: dict[str, str]
    expires_at: float


class _PageError(Exception):
    """An authorization error that must not be redirected (unverified client or redirect URI)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _RedirectError(Exception):
    def __init__(self, error: str, description: str, redirect_uri: str, state: str | None) -> None:
        super().__init__(description)
        self.error, self.description, self.redirect_uri, self.state = error, description, redirect_uri, state


class ESignet:
    """A faithful local e-Signet: discovery, JWKS, authorize + login pages, token, userinfo, PAR.

    ``identities(individual_id)`` resolves a UIN or VID to an identity record (see the package
    docstring). ``issuer`` is set by the server to its base URL once bound and read per request.
    Time comes from ``clock`` (seconds since the epoch) so tests can expire codes without sleeping.
    """

    def __init__(
        self,
        state_dir: pathlib.Path,
        identities: Callable[[str], dict | None],
        *,
        clock: Callable[[], float] = time.time,
        otp: str = "111111",
        code_ttl: int = 60,
        transaction_ttl: int = 300,
        access_token_ttl: int = 3600,
        id_token_ttl: int = 3600,
        par_ttl: int = 60,
        assertion_max_lifetime: int = 3600,
        clock_skew: int = 30,
        require_pkce: bool = False,
    ) -> None:
        self.state_dir = pathlib.Path(state_dir)
        self.directory = self.state_dir / "esignet"
        self.identities = identities
        self.issuer = "http://127.0.0.1"
        self.clock = clock
        self.otp = otp
        self.code_ttl = code_ttl
        self.transaction_ttl = transaction_ttl
        self.access_token_ttl = access_token_ttl
        self.id_token_ttl = id_token_ttl
        self.par_ttl = par_ttl
        self.assertion_max_lifetime = assertion_max_lifetime
        self.clock_skew = clock_skew
        self.require_pkce = require_pkce
        self._lock = threading.RLock()
        self.keys = KeyStore(self.directory)
        self._clients: dict[str, Client] = {}
        self._transactions: dict[str, Transaction] = {}
        self._codes: dict[str, AuthCode] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._jtis: dict[tuple[str, str], float] = {}
        self._pars: dict[str, _Par] = {}
        self._counters: Counter = Counter()
        self._load_clients()

    # ------------------------------------------------------------------ URLs
    @property
    def _iss(self) -> str:
        return self.issuer.rstrip("/")

    @property
    def token_endpoint(self) -> str:
        return self._iss + TOKEN_PATH

    @property
    def par_endpoint(self) -> str:
        return self._iss + PAR_PATH

    # ------------------------------------------------------------------ clients
    @property
    def _clients_file(self) -> pathlib.Path:
        return self.directory / "clients.json"

    def _load_clients(self) -> None:
        path = self._clients_file
        if not path.exists():
            return
        data = json.loads(path.read_text("utf-8"))
        for item in data.get("clients", []):
            client = Client(**item)
            self._clients[client.client_id] = client

    def _save_clients(self) -> None:
        path = self._clients_file
        tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        payload = {"clients": [c.to_json() for c in self._clients.values()]}
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True), "utf-8")
        os.replace(tmp, path)

    def register_client(
        self,
        client_id: str,
        public_jwks: dict,
        redirect_uris: list[str],
        userinfo_response_type: str = "JWS",
        encryption_jwk: dict | None = None,
    ) -> None:
        """Register (or replace) a relying party; persisted to ``state_dir/esignet/clients.json``.

        ``public_jwks`` is a JWK Set ``{"keys": [...]}`` or a single public JWK (RSA or EC P-256);
        with several keys each needs a ``kid``. ``userinfo_response_type`` is ``JWS`` or ``JWE``;
        ``JWE`` needs ``encryption_jwk``, the client's public RSA key for RSA-OAEP-256.
        """
        if not client_id or not isinstance(client_id, str):
            raise ValueError("client_id is required")
        keys = public_jwks.get("keys") if "keys" in public_jwks else [public_jwks]
        if not isinstance(keys, list) or not keys:
            raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: no key in public_jwks")
        cleaned = []
        for jwk in keys:
            if any(k in jwk for k in ("d", "p", "q", "dp", "dq", "qi")):
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: private key material in public_jwks")
            if not isinstance(jwk, dict) or jwk.get("kty") not in ("RSA", "EC"):
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: only RSA and EC P-256 keys")
            if jwk["kty"] == "EC" and jwk.get("crv") != "P-256":
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: EC keys must be P-256 (ES256)")
            try:
                key = KeySet.import_key_set({"keys": [jwk]}).keys[0]
            except (JoseError, ValueError, TypeError) as exc:
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: {exc}") from exc
            if isinstance(key, RSAKey) and key.raw_value.key_size < 2048:
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: RSA keys need at least 2048 bits")
            if len(keys) > 1 and not jwk.get("kid"):
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: every key needs a kid")
            cleaned.append(dict(jwk))
        if not redirect_uris:
            raise ValueError(f"{errors.INVALID_REDIRECT_URI}: at least one redirect URI")
        for uri in redirect_uris:
            parts = urlsplit(uri)
            if not parts.scheme or not (parts.netloc or parts.scheme not in ("http", "https")):
                raise ValueError(f"{errors.INVALID_REDIRECT_URI}: {uri!r} is not absolute")
            if "#" in uri:
                raise ValueError(f"{errors.INVALID_REDIRECT_URI}: {uri!r} has a fragment")
        if userinfo_response_type not in USERINFO_RESPONSE_TYPES:
            raise ValueError("userinfo_response_type must be JWS or JWE")
        if userinfo_response_type == "JWE":
            if not encryption_jwk:
                raise ValueError("a JWE client needs encryption_jwk")
            if any(k in encryption_jwk for k in ("d", "p", "q")):
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: private key material in encryption_jwk")
            try:
                enc_key = RSAKey.import_key(dict(encryption_jwk))
            except (JoseError, ValueError, TypeError) as exc:
                raise ValueError(f"{errors.INVALID_PUBLIC_KEY}: encryption_jwk: {exc}") from exc
            del enc_key
        client = Client(
            client_id=client_id,
            public_jwks={"keys": cleaned},
            redirect_uris=list(redirect_uris),
            userinfo_response_type=userinfo_response_type,
            encryption_jwk=dict(encryption_jwk) if encryption_jwk else None,
            registered_at=int(self.clock()),
        )
        with self._lock:
            self._clients[client_id] = client
            self._save_clients()
            self._counters["clients_registered"] += 1

    def _client(self, client_id: str | None) -> Client | None:
        if not client_id:
            return None
        with self._lock:
            return self._clients.get(client_id)

    # ------------------------------------------------------------------ introspection
    def inspect(self) -> dict:
        """A JSON-able snapshot for tests and the CLI: no private keys, codes or tokens."""
        now = self.clock()
        with self._lock:
            codes = list(self._codes.values())
            tokens = list(self._tokens.values())
            return {
                "issuer": self._iss,
                "keys": {"esignet_kid": self.keys.esignet.kid, "ida_kyc_kid": self.keys.ida_kyc.kid},
                "clients": {
                    c.client_id: {
                        "redirect_uris": list(c.redirect_uris),
                        "userinfo_response_type": c.userinfo_response_type,
                        "kids": [k.get("kid") for k in c.public_jwks["keys"]],
                        "registered_at": c.registered_at,
                    }
                    for c in self._clients.values()
                },
                "transactions": {
                    "pending": sum(1 for t in self._transactions.values() if t.expires_at > now),
                },
                "codes": {
                    "issued": self._counters["codes_issued"],
                    "used": sum(1 for c in codes if c.used),
                    "active": sum(1 for c in codes if not c.used and c.expires_at > now),
                },
                "tokens": [
                    {
                        "client_id": t.client_id,
                        "sub": t.sub,
                        "scope": t.scope,
                        "issued_at": int(t.issued_at),
                        "expires_at": int(t.expires_at),
                        "revoked": t.revoked,
                    }
                    for t in tokens
                ],
                "counters": dict(self._counters),
            }

    # ------------------------------------------------------------------ routes
    def routes(self) -> list[BaseRoute]:
        return [
            Route("/.well-known/openid-configuration", self._discovery, methods=["GET"]),
            Route("/v1/esignet/oidc/.well-known/openid-configuration", self._discovery, methods=["GET"]),
            Route("/.well-known/oauth-authorization-server", self._oauth_metadata, methods=["GET"]),
            Route(
                "/v1/esignet/oauth/.well-known/oauth-authorization-server",
                self._oauth_metadata,
                methods=["GET"],
            ),
            Route(JWKS_PATH, self._jwks, methods=["GET"]),
            Route("/v1/esignet/oauth/.well-known/jwks.json", self._jwks, methods=["GET"]),
            Route("/authorize", self._authorize, methods=["GET"]),
            Route("/authorize/login", self._login, methods=["POST"]),
            Route("/authorize/consent", self._consent, methods=["POST"]),
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route(PAR_PATH, self._par, methods=["POST"]),
            Route(USERINFO_PATH, self._userinfo, methods=["GET"]),
        ]

    # ------------------------------------------------------------------ discovery
    def discovery_document(self) -> dict:
        iss = self._iss
        return {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/authorize",
            "token_endpoint": self.token_endpoint,
            "userinfo_endpoint": iss + USERINFO_PATH,
            "jwks_uri": iss + JWKS_PATH,
            "pushed_authorization_request_endpoint": self.par_endpoint,
            "scopes_supported": list(SCOPES_SUPPORTED),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "acr_values_supported": list(ACR_VALUES_SUPPORTED),
            "userinfo_signed_response_alg": "PS256",
            "userinfo_signing_alg_values_supported": ["PS256", "RS256"],
            "userinfo_encryption_alg_values_supported": ["RSA-OAEP-256"],
            "userinfo_encryption_enc_values_supported": ["A256GCM"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
            "id_token_signed_response_alg": "PS256",
            "id_token_signing_alg_values_supported": ["PS256", "RS256"],
            "claim_types_supported": ["normal"],
            "claims_parameter_supported": True,
            "display_values_supported": list(DISPLAYS_SUPPORTED),
            "subject_types_supported": ["pairwise"],
            "claims_supported": list(claims_mod.CLAIMS_SUPPORTED),
            "claims_locales_supported": ["en", "fr"],
            "ui_locales_supported": ["en", "fr"],
            "request_parameter_supported": False,
            "code_challenge_methods_supported": ["S256"],
            "require_pushed_authorization_requests": False,
            "authorization_response_iss_parameter_supported": True,
        }

    async def _discovery(self, request: Request) -> Response:
        self._count("discovery")
        return JSONResponse(self.discovery_document())

    async def _oauth_metadata(self, request: Request) -> Response:
        doc = self.discovery_document()
        keep = (
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "pushed_authorization_request_endpoint",
            "token_endpoint_auth_methods_supported",
            "token_endpoint_auth_signing_alg_values_supported",
            "scopes_supported",
            "response_modes_supported",
            "grant_types_supported",
            "response_types_supported",
            "code_challenge_methods_supported",
            "authorization_response_iss_parameter_supported",
        )
        return JSONResponse({k: doc[k] for k in keep})

    async def _jwks(self, request: Request) -> Response:
        self._count("jwks")
        return JSONResponse(self.keys.public_jwks())

    # ------------------------------------------------------------------ helpers
    def _count(self, name: str) -> None:
        with self._lock:
            self._counters[name] += 1

    def _prune(self, now: float) -> None:
        """Drop expired state (called with the lock held)."""
        for tid in [k for k, t in self._transactions.items() if t.expires_at <= now]:
            del self._transactions[tid]
        horizon = now - 3600
        for h in [k for k, c in self._codes.items() if c.expires_at <= horizon]:
            del self._codes[h]
        for h in [k for k, t in self._tokens.items() if t.expires_at <= now]:
            del self._tokens[h]
        for k in [k for k, exp in self._jtis.items() if exp <= now]:
            del self._jtis[k]
        for k in [k for k, p in self._pars.items() if p.expires_at <= now]:
            del self._pars[k]

    # ------------------------------------------------------------------ authorize
    def _validate_authorization(self, params: Mapping[str, str]) -> Transaction:
        client_id = params.get("client_id")
        client = self._client(client_id)
        if client is None:
            raise _PageError(errors.INVALID_CLIENT_ID)
        redirect_uri = params.get("redirect_uri") or ""
        if not redirect_uri or not any(redirect_uri_matches(r, redirect_uri) for r in client.redirect_uris):
            raise _PageError(errors.INVALID_REDIRECT_URI)
        state = params.get("state")

        def fail(error: str, description: str) -> _RedirectError:
            return _RedirectError(error, description, redirect_uri, state)

        if params.get("request"):
            raise fail("request_not_supported", errors.INVALID_REQUEST)
        if params.get("response_type") != "code":
            raise fail(errors.UNSUPPORTED_RESPONSE_TYPE, errors.INVALID_RESPONSE_TYPE)
        scopes = (params.get("scope") or "").split()
        if "openid" not in scopes:
            raise fail(errors.INVALID_SCOPE, errors.INVALID_SCOPE)
        scopes = [s for s in scopes if s in SCOPES_SUPPORTED]
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge or method:
            if not challenge:
                raise fail(errors.INVALID_REQUEST, errors.INVALID_PKCE_CHALLENGE)
            if method != "S256":  # absent means "plain" (RFC 7636 §4.3): refused like "plain"
                raise fail(errors.INVALID_REQUEST, errors.UNSUPPORTED_PKCE_CHALLENGE_METHOD)
            if not PKCE_CHALLENGE_RE.match(challenge):
                raise fail(errors.INVALID_REQUEST, errors.INVALID_PKCE_CHALLENGE)
        elif self.require_pkce:
            raise fail(errors.INVALID_REQUEST, errors.USE_PKCE)
        acr_values = (params.get("acr_values") or "").split()
        if acr_values and not any(a in ACR_VALUES_SUPPORTED for a in acr_values):
            raise fail(errors.INVALID_REQUEST, errors.INVALID_ACR)
        prompts = (params.get("prompt") or "").split()
        if any(p not in PROMPTS_SUPPORTED for p in prompts) or ("none" in prompts and len(prompts) > 1):
            raise fail(errors.INVALID_REQUEST, errors.INVALID_PROMPT)
        if "none" in prompts:  # no session is ever kept, so a silent login cannot succeed
            raise fail(errors.LOGIN_REQUIRED, errors.LOGIN_REQUIRED)
        display = params.get("display")
        if display and display not in DISPLAYS_SUPPORTED:
            raise fail(errors.INVALID_REQUEST, errors.INVALID_DISPLAY)
        max_age = params.get("max_age")
        if max_age and not max_age.isdigit():
            raise fail(errors.INVALID_REQUEST, errors.INVALID_REQUEST)
        try:
            claims_param = claims_mod.parse_claims_parameter(params.get("claims"))
        except ESignetError as exc:
            raise fail(errors.INVALID_REQUEST, exc.code) from exc
        requested = claims_mod.requested_claims(scopes, claims_param)
        locales = claims_mod.parse_locales(params.get("claims_locales"), params.get("ui_locales"))
        ui_locale = claims_mod.parse_locales(params.get("ui_locales"), None)[0]
        now = self.clock()
        return Transaction(
            transaction_id=secrets.token_urlsafe(24),
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            state=state,
            nonce=params.get("nonce"),
            code_challenge=challenge,
            acr_values=acr_values,
            requested=requested,
            locales=locales,
            ui_locale=ui_locale,
            created_at=now,
            expires_at=now + self.transaction_ttl,
        )

    def _error_redirect(self, exc: _RedirectError) -> Response:
        params = {"error": exc.error, "error_description": exc.description}
        if exc.state is not None:
            params["state"] = exc.state
        params["iss"] = self._iss
        self._count(f"authorize_error:{exc.description}")
        return RedirectResponse(_add_query(exc.redirect_uri, params), status_code=302)

    def _error_page(self, code: str, status: int = 400, lang: str = "en") -> Response:
        self._count(f"authorize_error:{code}")
        return HTMLResponse(pages.error_page(code, lang), status_code=status)

    async def _authorize(self, request: Request) -> Response:
        params: dict[str, str] = dict(request.query_params)
        request_uri = params.get("request_uri")
        if request_uri:
            par = None
            if request_uri.startswith(PAR_REQUEST_URI_PREFIX):
                with self._lock:
                    par = self._pars.pop(request_uri[len(PAR_REQUEST_URI_PREFIX) :], None)
            if par is None or par.expires_at <= self.clock() or par.client_id != params.get("client_id"):
                return self._error_page(errors.INVALID_REQUEST)
            params = dict(par.params)
        try:
            txn = self._validate_authorization(params)
        except _PageError as exc:
            lang = claims_mod.parse_locales(params.get("ui_locales"), None)[0]
            return self._error_page(exc.code, lang=lang)
        except _RedirectError as exc:
            return self._error_redirect(exc)
        with self._lock:
            self._prune(self.clock())
            self._transactions[txn.transaction_id] = txn
            self._counters["authorize"] += 1
        page = pages.login_page(txn.transaction_id, txn.client_id, lang=txn.ui_locale, otp_hint=self.otp)
        return HTMLResponse(page)

    def _live_transaction(self, transaction_id: str | None) -> Transaction | None:
        if not transaction_id:
            return None
        with self._lock:
            txn = self._transactions.get(transaction_id)
            if txn is None or txn.expires_at <= self.clock():
                return None
            return txn

    def _finish(self, txn: Transaction, params: dict[str, str]) -> Response:
        with self._lock:
            self._transactions.pop(txn.transaction_id, None)
        params = {**params}
        if txn.state is not None:
            params["state"] = txn.state
        params["iss"] = self._iss
        return RedirectResponse(_add_query(txn.redirect_uri, params), status_code=302)

    def _deny(self, txn: Transaction) -> Response:
        self._count("consent_rejected")
        return self._finish(txn, {"error": errors.ACCESS_DENIED, "error_description": "Consent Denied"})

    async def _login(self, request: Request) -> Response:
        form = await request.form()
        txn = self._live_transaction(str(form.get("transaction_id") or ""))
        if txn is None:
            return self._error_page(errors.INVALID_TRANSACTION)
        if form.get("action") == "cancel":
            return self._deny(txn)
        individual_id = str(form.get("individual_id") or "").strip()
        otp = str(form.get("otp") or "")

        def again(code: str) -> Response:
            self._count(f"login_failed:{code}")
            page = pages.login_page(
                txn.transaction_id,
                txn.client_id,
                error=code,
                individual_id=individual_id,
                lang=txn.ui_locale,
                otp_hint=self.otp,
            )
            return HTMLResponse(page, status_code=401)

        identity = self.identities(individual_id) if individual_id else None
        if identity is None:
            return again(IDA_ID_NOT_AVAILABLE)
        is_vid = individual_id == identity.get("vid") and individual_id != identity.get("uin")
        if str(identity.get("status", "ACTIVATED")).upper() != "ACTIVATED":
            return again(IDA_VID_DEACTIVATED if is_vid else IDA_UIN_DEACTIVATED)
        if is_vid and str(identity.get("vid_status", "ACTIVE")).upper() != "ACTIVE":
            return again(IDA_VID_DEACTIVATED)  # VID revoked/expired/used while the UIN lives on
        if not secrets.compare_digest(otp.encode(), self.otp.encode()):
            return again(IDA_INVALID_OTP)
        now = self.clock()
        with self._lock:
            txn.individual_id = individual_id
            txn.uin = str(identity.get("uin") or individual_id)
            txn.auth_time = int(now)
            txn.expires_at = max(txn.expires_at, now + 120)  # e-Signet: 120 s to give consent
            self._counters["login_succeeded"] += 1
        return HTMLResponse(
            pages.consent_page(txn.transaction_id, txn.client_id, txn.requested, lang=txn.ui_locale)
        )

    async def _consent(self, request: Request) -> Response:
        form = await request.form()
        txn = self._live_transaction(str(form.get("transaction_id") or ""))
        if txn is None or txn.auth_time is None:
            return self._error_page(errors.INVALID_TRANSACTION)
        if form.get("action") == "cancel":
            return self._deny(txn)
        if form.get("action") not in (None, "accept"):
            return self._error_page(errors.INVALID_REQUEST)
        if form.get("consent_form") or "accepted_claims" in form:
            accepted = [str(c) for c in form.getlist("accepted_claims")]
        else:
            accepted = list(txn.requested)
        essential = [c for c, e in txn.requested.items() if e]
        if any(c not in txn.requested for c in accepted) or any(c not in accepted for c in essential):
            code = errors.INVALID_ACCEPTED_CLAIM
            self._count(f"consent_failed:{code}")
            page = pages.consent_page(
                txn.transaction_id, txn.client_id, txn.requested, error=code, lang=txn.ui_locale
            )
            return HTMLResponse(page, status_code=400)
        accepted = [c for c in txn.requested if c in accepted]  # request order, no duplicates
        code = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._codes[_hash(code)] = AuthCode(
                client_id=txn.client_id,
                redirect_uri=txn.redirect_uri,
                transaction=txn,
                accepted=accepted,
                issued_at=now,
                expires_at=now + self.code_ttl,
            )
            self._counters["codes_issued"] += 1
        return self._finish(txn, {"code": code})

    # ------------------------------------------------------------------ client authentication
    def _authenticate_client(self, form: Mapping[str, Any], audiences: tuple[str, ...]) -> Client:
        """private_key_jwt (RFC 7523 §2.2 / OIDC Core §9); every failure is ``invalid_client``."""
        if form.get("client_assertion_type") != JWT_BEARER:
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion_type must be jwt-bearer")
        assertion = str(form.get("client_assertion") or "")
        parts = assertion.split(".")
        if len(parts) != 3 or not all(parts):
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion is not a signed JWT")
        try:
            header = _b64url_json(parts[0])
            unverified = _b64url_json(parts[1])
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion is not a JWT") from exc
        if not isinstance(header, dict) or not isinstance(unverified, dict):
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion is not a JWT")
        alg = header.get("alg")
        if alg not in ASSERTION_ALGS:
            raise ESignetError(errors.INVALID_CLIENT, f"alg {alg!r} is not allowed")
        if header.get("crit"):
            raise ESignetError(errors.INVALID_CLIENT, "crit header not supported")
        client_id = form.get("client_id") or unverified.get("iss")
        client = self._client(str(client_id) if isinstance(client_id, str) else None)
        if client is None:
            raise ESignetError(errors.INVALID_CLIENT, "unknown client")
        key = self._client_key(client, header.get("kid"))
        try:
            token = jwt.decode(assertion, key, algorithms=[alg])
        except (JoseError, ValueError) as exc:
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion signature is invalid") from exc
        c = token.claims
        now = self.clock()
        skew = self.clock_skew
        if c.get("iss") != client.client_id or c.get("sub") != client.client_id:
            raise ESignetError(errors.INVALID_CLIENT, "iss and sub must be the client_id")
        aud = c.get("aud")
        auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not any(a in audiences for a in auds):
            raise ESignetError(errors.INVALID_CLIENT, "aud must be the token endpoint or the issuer")
        exp, iat, nbf = c.get("exp"), c.get("iat"), c.get("nbf")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise ESignetError(errors.INVALID_CLIENT, "exp is required")
        if exp <= now - skew:
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion has expired")
        if exp > now + self.assertion_max_lifetime + skew:
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion lives too long")
        if not isinstance(iat, int | float) or isinstance(iat, bool):
            raise ESignetError(errors.INVALID_CLIENT, "iat is required")
        if iat > now + skew or iat < now - self.assertion_max_lifetime - skew or iat > exp:
            raise ESignetError(errors.INVALID_CLIENT, "iat is not sane")
        if nbf is not None and (not isinstance(nbf, int | float) or nbf > now + skew):
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion not yet valid")
        jti = c.get("jti")
        if not isinstance(jti, str) or not jti.strip():
            raise ESignetError(errors.INVALID_CLIENT, "jti is required")
        with self._lock:
            self._prune(now)
            if (client.client_id, jti) in self._jtis:
                self._counters["assertion_replayed"] += 1
                raise ESignetError(errors.INVALID_CLIENT, "jti was already used")
            self._jtis[(client.client_id, jti)] = max(float(exp), now) + skew
        return client

    @staticmethod
    def _client_key(client: Client, kid: Any) -> RSAKey | ECKey:
        keys = client.public_jwks["keys"]
        if kid is not None:
            matches = [k for k in keys if k.get("kid") == kid]
        elif len(keys) == 1:
            matches = keys
        else:
            matches = []
        if len(matches) != 1:
            raise ESignetError(errors.INVALID_CLIENT, "no registered key for this kid")
        return KeySet.import_key_set({"keys": [matches[0]]}).keys[0]  # type: ignore[return-value]

    # ------------------------------------------------------------------ token
    def _oauth_error(self, exc: ESignetError) -> Response:
        description = exc.code
        self._count(f"token_error:{exc.code}")
        body = {"error": exc.oauth_error, "error_description": description}
        return JSONResponse(body, status_code=400, headers=_NO_STORE)

    async def _token(self, request: Request) -> Response:
        try:
            form = await request.form()
        except Exception:  # malformed body
            return self._oauth_error(ESignetError(errors.INVALID_REQUEST))
        try:
            return self._exchange_code(form)
        except ESignetError as exc:
            return self._oauth_error(exc)

    def _exchange_code(self, form: Mapping[str, Any]) -> Response:
        if form.get("grant_type") != "authorization_code":
            raise ESignetError(errors.UNSUPPORTED_GRANT_TYPE)
        code = str(form.get("code") or "")
        if not code:
            raise ESignetError(errors.INVALID_GRANT, "code is required")
        client = self._authenticate_client(form, (self.token_endpoint, self._iss))
        form_client_id = form.get("client_id")
        if form_client_id and form_client_id != client.client_id:
            raise ESignetError(errors.INVALID_CLIENT_ID)
        now = self.clock()
        with self._lock:
            grant = self._codes.get(_hash(code))
            if grant is None:
                raise ESignetError(errors.INVALID_GRANT, "unknown code")
            if grant.used:
                # RFC 6749 §4.1.2: a reused code revokes what it was exchanged for.
                if grant.access_token_hash and grant.access_token_hash in self._tokens:
                    self._tokens[grant.access_token_hash].revoked = True
                self._counters["code_reused"] += 1
                raise ESignetError(errors.INVALID_GRANT, "code already used")
            if grant.expires_at <= now:
                raise ESignetError(errors.INVALID_GRANT, "code expired")
            if grant.client_id != client.client_id:
                raise ESignetError(errors.INVALID_GRANT, "code issued to another client")
            if form.get("redirect_uri") != grant.redirect_uri:
                raise ESignetError(errors.INVALID_REDIRECT_URI)
            txn = grant.transaction
            if txn.code_challenge:
                verifier = str(form.get("code_verifier") or "")
                if not PKCE_VERIFIER_RE.match(verifier):
                    raise ESignetError(errors.INVALID_GRANT, "code_verifier is missing or malformed")
                computed = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
                if not secrets.compare_digest(computed, txn.code_challenge):
                    raise ESignetError(errors.INVALID_GRANT, "code_verifier does not match")
            grant.used = True
        # KYC exchange: the identity is read now, as e-Signet asks IDA at token time.
        identity = self.identities(txn.individual_id or "")
        if identity is None or str(identity.get("status", "ACTIVATED")).upper() != "ACTIVATED":
            raise ESignetError(DATA_EXCHANGE_FAILED)
        sub = claims_mod.psut(txn.uin or "", client.client_id)
        issued = int(now)
        access_token = jwt.encode(
            {"alg": "PS256", "kid": self.keys.esignet.kid, "typ": "JWT"},
            {
                "iss": self._iss,
                "sub": sub,
                "aud": client.client_id,
                "client_id": client.client_id,
                "scope": " ".join(txn.scopes),
                "iat": issued,
                "exp": issued + self.access_token_ttl,
                "jti": secrets.token_urlsafe(16),
            },
            self.keys.esignet.key,
            algorithms=["PS256"],
        )
        at_hash = _b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16])
        id_claims: dict[str, Any] = {
            "iss": self._iss,
            "sub": sub,
            "aud": client.client_id,
            "iat": issued,
            "exp": issued + self.id_token_ttl,
            "auth_time": txn.auth_time,
            "acr": ACR_OTP,
            "at_hash": at_hash,
        }
        if txn.nonce is not None:
            id_claims["nonce"] = txn.nonce
        id_token = jwt.encode(
            {"alg": "PS256", "kid": self.keys.esignet.kid, "typ": "JWT"},
            id_claims,
            self.keys.esignet.key,
            algorithms=["PS256"],
        )
        kyc = claims_mod.build_kyc(identity, txn.individual_id or "", grant.accepted, txn.locales, sub)
        userinfo = self._userinfo_jwt(client, kyc)
        token_hash = _hash(access_token)
        with self._lock:
            self._tokens[token_hash] = AccessToken(
                client_id=client.client_id,
                sub=sub,
                scope=" ".join(txn.scopes),
                issued_at=now,
                expires_at=now + self.access_token_ttl,
                userinfo=userinfo,
            )
            grant.access_token_hash = token_hash
            self._counters["tokens_issued"] += 1
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl,
            "id_token": id_token,
        }
        return JSONResponse(body, headers=_NO_STORE)

    def _userinfo_jwt(self, client: Client, kyc: dict[str, Any]) -> str:
        signed = jwt.encode(
            {"alg": "PS256", "kid": self.keys.ida_kyc.kid, "typ": "JWT"},
            kyc,
            self.keys.ida_kyc.key,
            algorithms=["PS256"],
        )
        if client.userinfo_response_type != "JWE":
            return signed
        assert client.encryption_jwk is not None
        enc_key = RSAKey.import_key(dict(client.encryption_jwk))
        header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "JWT", "typ": "JWT"}
        if client.encryption_jwk.get("kid"):
            header["kid"] = client.encryption_jwk["kid"]
        return jwe.encrypt_compact(
            header, signed.encode("ascii"), enc_key, algorithms=["RSA-OAEP-256", "A256GCM"]
        )

    # ------------------------------------------------------------------ PAR
    async def _par(self, request: Request) -> Response:
        form = await request.form()
        try:
            client = self._authenticate_client(form, (self.par_endpoint, self.token_endpoint, self._iss))
            params = {
                k: str(v)
                for k, v in form.items()
                if k not in ("client_assertion", "client_assertion_type", "request_uri")
            }
            if params.get("client_id") != client.client_id:
                raise ESignetError(errors.INVALID_CLIENT_ID)
            try:
                self._validate_authorization(params)
            except _PageError as exc:
                raise ESignetError(exc.code) from exc
            except _RedirectError as exc:
                raise ESignetError(exc.description) from exc
        except ESignetError as exc:
            return self._oauth_error(exc)
        uid = secrets.token_urlsafe(24)
        with self._lock:
            self._pars[uid] = _Par(client.client_id, params, self.clock() + self.par_ttl)
            self._counters["par"] += 1
        return JSONResponse(
            {"request_uri": PAR_REQUEST_URI_PREFIX + uid, "expires_in": self.par_ttl},
            status_code=201,
            headers=_NO_STORE,
        )

    # ------------------------------------------------------------------ userinfo
    def _unauthorized(self, description: str) -> Response:
        self._count(f"userinfo_error:{description}")
        header = f'Bearer error="{errors.INVALID_AUTH_TOKEN}", error_description="{description}"'
        return Response(status_code=401, headers={"WWW-Authenticate": header})

    async def _userinfo(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._unauthorized("missing_header")
        now = self.clock()
        with self._lock:
            record = self._tokens.get(_hash(token.strip()))
            if record is None or record.revoked or record.expires_at <= now:
                record = None
            else:
                self._counters["userinfo"] += 1
        if record is None:
            return self._unauthorized("invalid_token")
        return Response(record.userinfo, media_type="application/jwt", headers=_NO_STORE)

"""The emulated e-Signet OpenID Connect provider (see the package docstring for the wire contract)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import pathlib
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
from .redirects import is_valid_url, redirect_uri_matches

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PAR_REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
# Defaults below are mosip/esignet esignet-service/src/main/resources/application-default.properties.
ASSERTION_ALGS = ("RS256", "PS256", "ES256")  # mosip.esignet.supported.client.auth.signing.algorithms
ACR_OTP = "mosip:idp:acr:generated-code"
ACR_VALUES_SUPPORTED = (  # discovery acr_values_supported, in the properties' order
    "mosip:idp:acr:knowledge",
    "mosip:idp:acr:password",
    "mosip:idp:acr:static-code",
    "mosip:idp:acr:generated-code",
    "mosip:idp:acr:linked-wallet",
    "mosip:idp:acr:biometrics",
)
SCOPES_SUPPORTED = ("openid", "profile", "email", "phone", "address")  # supported.openid.scopes
AUTHORIZE_SCOPES = (  # mosip.esignet.supported.authorize.scopes: valid without "openid"
    "Manage-Identity-Data",
    "Manage-VID",
    "Manage-Authentication",
    "Manage-Service-Requests",
    "Manage-Credentials",
)
PROMPTS_SUPPORTED = ("none", "login", "consent", "select_account")  # supported.ui.prompts
DISPLAYS_SUPPORTED = ("page", "popup", "touch", "wap")  # supported.ui.displays
USERINFO_RESPONSE_TYPES = ("JWS", "JWE")
# oidc-ui public/locales/en.json: the error_description oidc-ui puts on its error redirects.
UI_ERROR_TEXT = {
    "access_denied": "Consent Denied",
    "invalid_transaction": "The transaction has expired. Please try again.",
    "invalid_accepted_claim": "invalid_accepted_claim",
}

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


LOOPBACK_HOSTS = ("127.0.0.1", "::1")


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


def loopback_any_port_matches(registered: str, requested: str) -> bool:
    """RFC 8252 §7.3 (a loopback redirect on any port) — NOT an e-Signet rule; opt-in only."""
    reg, req = _loopback_without_port(registered), _loopback_without_port(requested)
    return "#" not in requested and reg is not None and reg == req


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
    # e-Signet's client registration holds the claims and ACRs the client may ask for
    # (client-management-service-impl ClientManagementServiceImpl; ClientDetail.claims / acrValues).
    claims: list[str] = field(default_factory=lambda: list(claims_mod.CLAIMS_SUPPORTED))
    acr_values: list[str] = field(default_factory=lambda: list(ACR_VALUES_SUPPORTED))

    def to_json(self) -> dict:
        return {
            "client_id": self.client_id,
            "public_jwks": self.public_jwks,
            "redirect_uris": self.redirect_uris,
            "userinfo_response_type": self.userinfo_response_type,
            "encryption_jwk": self.encryption_jwk,
            "registered_at": self.registered_at,
            "claims": self.claims,
            "acr_values": self.acr_values,
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
    acr_values: list[str]  # resolved as AuthorizationServiceImpl.resolveACRClaim does
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
    """An authorization-request error: oidc-ui shows it on its own page and never redirects it
    (esignet oidc-ui/src/components/Authorize.js renders every oauth-details error)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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
        code_ttl: int = 300,
        transaction_ttl: int = 300,
        consent_ttl: int = 120,
        access_token_ttl: int = 3600,
        id_token_ttl: int = 3600,
        par_ttl: int = 60,
        clock_skew: int = 5,
        jti_ttl: int = 86400,
        nonce_ttl: int = 86400,
        require_pkce: bool = False,
        loopback_any_port: bool = False,
    ) -> None:
        """Defaults are e-Signet's (application-default.properties): ``code_ttl`` is the
        ``authcodegenerated`` cache expiry, ``transaction_ttl`` preauthentication-expire-in-secs,
        ``consent_ttl`` authentication-expire-in-secs, ``clock_skew`` the client-assertion
        leeway, ``jti_ttl`` / ``nonce_ttl`` the ``jti`` / ``nonce`` cache expiries.
        ``require_pkce`` is the client's ``require_pkce`` additional config.
        ``loopback_any_port`` adds RFC 8252 §7.3 matching, which e-Signet does not have."""
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
        self.consent_ttl = consent_ttl
        self.clock_skew = clock_skew
        self.jti_ttl = jti_ttl
        self.nonce_ttl = nonce_ttl
        self.require_pkce = require_pkce
        self.loopback_any_port = loopback_any_port
        self._lock = threading.RLock()
        self.keys = KeyStore(self.directory)
        self._clients: dict[str, Client] = {}
        self._transactions: dict[str, Transaction] = {}
        self._codes: dict[str, AuthCode] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._jtis: dict[str, float] = {}  # jti → forget-after; one cache for all clients
        self._nonces: dict[str, float] = {}
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
        claims: list[str] | None = None,
        acr_values: list[str] | None = None,
    ) -> None:
        """Register (or replace) a relying party; persisted to ``state_dir/esignet/clients.json``.

        ``claims`` / ``acr_values``: what the client may ask for (default: everything supported);
        e-Signet only ever offers registered claims (ClaimsHelperService.resolveRequestedClaims).

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
            # Registration validates each URI with RedirectURLValidator (commons UrlValidator).
            if not is_valid_url(uri):
                raise ValueError(f"{errors.INVALID_REDIRECT_URI}: {uri!r} is not a valid URL")
            if "#" in uri:
                raise ValueError(f"{errors.INVALID_REDIRECT_URI}: {uri!r} has a fragment")
        claims = list(claims_mod.CLAIMS_SUPPORTED if claims is None else claims)
        if any(c not in claims_mod.CLAIMS_SUPPORTED for c in claims):  # OIDCClaimValidator
            raise ValueError(f"{errors.INVALID_CLAIM}: claims must be among claims_supported")
        acr_values = list(ACR_VALUES_SUPPORTED if acr_values is None else acr_values)
        if not acr_values or any(a not in ACR_VALUES_SUPPORTED for a in acr_values):
            raise ValueError(f"{errors.INVALID_ACR}: acr_values must be among acr_values_supported")
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
            claims=claims,
            acr_values=acr_values,
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
        """``mosip.esignet.discovery.key-values`` of esignet-service application-default.properties,
        with this emulator's issuer. Differences (documented in docs/fidelity/esignet.md): the
        userinfo encryption values name what the JWE really uses (the properties hold the
        placeholders ``RSAXXXXX``/``A128GCM``); claims_supported adds the name parts and locales add
        ``fr`` (deployment choices); no ``dpop_signing_alg_values_supported`` nor
        ``claims_in_verified_claims_supported`` (DPoP and verified claims are not emulated)."""
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
            "acr_values_supported": list(ACR_VALUES_SUPPORTED),
            "userinfo_signed_response_alg": "PS256",
            "userinfo_signing_alg_values_supported": ["RS256", "PS256"],
            "userinfo_encryption_alg_values_supported": ["RSA-OAEP-256"],
            "userinfo_encryption_enc_values_supported": ["A256GCM"],
            "response_modes_supported": ["query"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGS),
            "id_token_signed_response_alg": "PS256",
            "id_token_signing_alg_values_supported": ["RS256", "PS256"],
            "claim_types_supported": ["normal"],
            "claims_parameter_supported": True,
            "display_values_supported": list(DISPLAYS_SUPPORTED),
            "subject_types_supported": ["pairwise"],
            "claims_supported": list(claims_mod.CLAIMS_SUPPORTED),
            "claims_locales_supported": ["en", "fr"],
            "request_parameter_supported": False,
            "ui_locales_supported": ["en", "fr"],
            "code_challenge_methods_supported": ["S256"],
            "require_pushed_authorization_requests": False,
            "authorization_response_iss_parameter_supported": True,
        }

    async def _discovery(self, request: Request) -> Response:
        self._count("discovery")
        return JSONResponse(self.discovery_document())

    async def _oauth_metadata(self, request: Request) -> Response:
        """``mosip.esignet.oauth.key-values`` (application-default.properties): exactly these keys."""
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
            "response_types_supported",
            "authorization_response_iss_parameter_supported",
        )
        body = {k: doc[k] for k in keep}
        body["grant_types_supported"] = ["authorization_code"]
        return JSONResponse(body)

    async def _jwks(self, request: Request) -> Response:
        self._count("jwks")
        return JSONResponse(self.keys.public_jwks())

    # ------------------------------------------------------------------ helpers
    def _count(self, name: str) -> None:
        with self._lock:
            self._counters[name] += 1

    def _prune(self, now: float) -> None:
        """Drop expired state (called with the lock held)."""
        horizon = now - 3600  # expired logins and codes are remembered a while to name the error
        for tid in [k for k, t in self._transactions.items() if t.expires_at <= horizon]:
            del self._transactions[tid]
        for h in [k for k, c in self._codes.items() if c.expires_at <= horizon]:
            del self._codes[h]
        for h in [k for k, t in self._tokens.items() if t.expires_at <= now]:
            del self._tokens[h]
        for k in [k for k, exp in self._jtis.items() if exp <= now]:
            del self._jtis[k]
        for k in [k for k, exp in self._nonces.items() if exp <= now]:
            del self._nonces[k]
        for k in [k for k, p in self._pars.items() if p.expires_at <= now]:
            del self._pars[k]

    def _redirect_allowed(self, client: Client, redirect_uri: str) -> bool:
        for registered in client.redirect_uris:
            if redirect_uri_matches(registered, redirect_uri):
                return True
            if self.loopback_any_port and loopback_any_port_matches(registered, redirect_uri):
                return True
        return False

    def _check_nonce(self, nonce: str | None) -> None:
        """AuthorizationHelperService.validateNonce: a nonce seen in the last ``nonce_ttl`` seconds
        is refused with ``invalid_request`` (CacheUtilService.checkNonce, the redis ``nonce`` key)."""
        if nonce is None or not nonce.strip():
            return
        now = self.clock()
        with self._lock:
            self._prune(now)
            if nonce.strip() in self._nonces:
                self._counters["nonce_replayed"] += 1
                raise ESignetError(errors.INVALID_REQUEST, "nonce was already used")
            self._nonces[nonce.strip()] = now + self.nonce_ttl

    @staticmethod
    def _check_request_fields(params: Mapping[str, str], *, pushed: bool) -> None:
        """Bean validation of OAuthDetailRequest(V2) / PushedAuthorizationRequest (esignet-core dto
        + validator/*Validator.java), field by field in declaration order; raises the field's code."""
        scope = params.get("scope") or ""
        if not pushed and not (params.get("client_id") or "").strip():
            raise ESignetError(errors.INVALID_CLIENT_ID)
        if not _valid_scope(scope):  # OIDCScopeValidator
            raise ESignetError(errors.INVALID_SCOPE)
        if params.get("response_type") != "code":  # OIDCResponseTypeValidator: exactly "code"
            raise ESignetError(errors.INVALID_RESPONSE_TYPE)
        if pushed and not (params.get("client_id") or "").strip():
            raise ESignetError(errors.INVALID_CLIENT_ID)
        if not is_valid_url(params.get("redirect_uri") or ""):  # RedirectURLValidator
            raise ESignetError(errors.INVALID_REDIRECT_URI)
        display = params.get("display")
        if display is not None and display not in DISPLAYS_SUPPORTED:  # OIDCDisplayValidator
            raise ESignetError(errors.INVALID_DISPLAY)
        prompt = params.get("prompt")
        if prompt is not None and prompt not in PROMPTS_SUPPORTED:  # one value, as configured
            raise ESignetError(errors.INVALID_PROMPT)
        max_age = params.get("max_age")
        if max_age and not max_age.isdigit():  # Integer field: binding fails
            raise ESignetError(errors.INVALID_REQUEST, "max_age is not a number")
        claims_mod.parse_claims_parameter(params.get("claims"))  # ClaimsSchema → invalid_claim
        method = params.get("code_challenge_method")
        if method is not None and method != "S256":  # PKCECodeChallengeMethodValidator
            raise ESignetError(errors.UNSUPPORTED_PKCE_CHALLENGE_METHOD)

    # ------------------------------------------------------------------ authorize
    def _validate_authorization(self, params: Mapping[str, str], *, pushed: bool = False) -> Transaction:
        """AuthorizationServiceImpl.getOauthDetailsV2/V3 (``pushed``: getPAROAuthDetails, whose
        redirect URI and nonce were checked when the request was pushed). Raises _PageError."""
        try:
            if not pushed:
                self._check_request_fields(params, pushed=False)
            client = self._client(params.get("client_id"))
            if client is None:  # ClientManagementServiceImpl.getClientDetails → InvalidClientException
                raise ESignetError(errors.INVALID_CLIENT_ID)
            redirect_uri = params.get("redirect_uri") or ""
            if not pushed:
                if not self._redirect_allowed(client, redirect_uri):  # IdentityProviderUtil
                    raise ESignetError(errors.INVALID_REDIRECT_URI)
                self._check_nonce(params.get("nonce"))
            scopes = (params.get("scope") or "").split()
            claims_param = claims_mod.parse_claims_parameter(params.get("claims"))
            if claims_param.get("userinfo") is not None and "openid" not in scopes:
                raise ESignetError(errors.INVALID_SCOPE)  # ClaimsHelperService.resolveRequestedClaims
            acr_values = _resolve_acrs(client, params.get("acr_values"), claims_param)
            # ProofKeyCodeExchange.getInstance: PKCE applies only when both challenge and method
            # are sent; an empty challenge with a method is invalid_pkce_challenge.
            challenge = params.get("code_challenge")
            method = params.get("code_challenge_method")
            if challenge is not None and method is not None:
                if not challenge:
                    raise ESignetError(errors.INVALID_PKCE_CHALLENGE)
            else:
                challenge = None
            if challenge is None and self.require_pkce:
                raise ESignetError(errors.USE_PKCE)
        except ESignetError as exc:
            raise _PageError(exc.code) from exc
        requested = claims_mod.requested_claims(scopes, claims_param, client.claims)
        locales = claims_mod.parse_locales(params.get("claims_locales"), params.get("ui_locales"))
        ui_locale = claims_mod.parse_locales(params.get("ui_locales"), None)[0]
        now = self.clock()
        return Transaction(
            transaction_id=secrets.token_urlsafe(32),
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=[s for s in scopes if s in SCOPES_SUPPORTED],
            state=params.get("state"),
            nonce=params.get("nonce"),
            code_challenge=challenge,
            acr_values=acr_values,
            requested=requested,
            locales=locales,
            ui_locale=ui_locale,
            created_at=now,
            expires_at=now + self.transaction_ttl,
        )

    def _error_page(self, code: str, status: int = 400, lang: str = "en") -> Response:
        self._count(f"authorize_error:{code}")
        return HTMLResponse(pages.error_page(code, lang), status_code=status)

    async def _authorize(self, request: Request) -> Response:
        params: dict[str, str] = dict(request.query_params)
        lang = claims_mod.parse_locales(params.get("ui_locales"), None)[0]
        pushed = "request_uri" in params
        if pushed:
            # PushedOAuthDetailRequest + AuthorizationServiceImpl.getPAROAuthDetails: the pushed
            # request is evicted on first use, and must belong to the client_id sent here.
            request_uri = params.get("request_uri") or ""
            if not (params.get("client_id") or "").strip():
                return self._error_page(errors.INVALID_CLIENT_ID, lang=lang)
            if not request_uri.startswith(PAR_REQUEST_URI_PREFIX):
                return self._error_page(errors.INVALID_REQUEST, lang=lang)
            with self._lock:
                par = self._pars.pop(request_uri[len(PAR_REQUEST_URI_PREFIX) :], None)
            if par is None or par.expires_at <= self.clock() or par.client_id != params.get("client_id"):
                return self._error_page(errors.INVALID_REQUEST, lang=lang)
            params = dict(par.params)
            lang = claims_mod.parse_locales(params.get("ui_locales"), None)[0]
        try:
            txn = self._validate_authorization(params, pushed=pushed)
        except _PageError as exc:
            return self._error_page(exc.code, lang=lang)
        with self._lock:
            self._prune(self.clock())
            self._transactions[txn.transaction_id] = txn
            self._counters["authorize"] += 1
        page = pages.login_page(txn.transaction_id, txn.client_id, lang=txn.ui_locale, otp_hint=self.otp)
        return HTMLResponse(page)

    def _transaction(self, transaction_id: str | None) -> tuple[Transaction | None, bool]:
        """(transaction, still alive); an expired one is still returned for its redirect URI."""
        if not transaction_id:
            return None, False
        with self._lock:
            txn = self._transactions.get(transaction_id)
            return txn, txn is not None and txn.expires_at > self.clock()

    def _finish(self, txn: Transaction, code: str) -> Response:
        """oidc-ui Consent.js submitConsent: ``redirect_uri?state=…&code=…&iss=<issuer>``."""
        with self._lock:
            self._transactions.pop(txn.transaction_id, None)
        params: dict[str, str] = {}
        if txn.state:
            params["state"] = txn.state
        params["code"] = code
        params["iss"] = self._iss
        return RedirectResponse(_add_query(txn.redirect_uri, params), status_code=302)

    def _redirect_error(self, txn: Transaction, error: str) -> Response:
        """oidc-ui helpers/redirectOnError.js: ``error_description``, ``state``, ``error`` — no
        ``iss``, and ``state=null`` when the request had none (URLSearchParams.set of null)."""
        with self._lock:
            self._transactions.pop(txn.transaction_id, None)
        self._count(f"authorize_error:{error}")
        params = {
            "error_description": UI_ERROR_TEXT.get(error, error),
            "state": txn.state if txn.state is not None else "null",
            "error": error,
        }
        return RedirectResponse(_add_query(txn.redirect_uri, params), status_code=302)

    def _deny(self, txn: Transaction) -> Response:
        self._count("consent_rejected")
        return self._redirect_error(txn, errors.ACCESS_DENIED)

    async def _login(self, request: Request) -> Response:
        form = await request.form()
        txn, alive = self._transaction(str(form.get("transaction_id") or ""))
        if txn is None:
            return self._error_page(errors.INVALID_TRANSACTION)
        if not alive or txn.auth_time is not None:
            return self._redirect_error(txn, errors.INVALID_TRANSACTION)
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

        if ACR_OTP not in txn.acr_values:
            # The resolved ACRs offer no OTP factor (AuthorizationHelperService.validateAuthFactors).
            return again(errors.AUTH_FACTOR_MISMATCH)
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
            # CacheUtilService.setAuthenticatedTransaction: a new cache entry, authenticated TTL.
            txn.expires_at = now + self.consent_ttl
            self._counters["login_succeeded"] += 1
        return HTMLResponse(
            pages.consent_page(txn.transaction_id, txn.client_id, txn.requested, lang=txn.ui_locale)
        )

    async def _consent(self, request: Request) -> Response:
        form = await request.form()
        txn, alive = self._transaction(str(form.get("transaction_id") or ""))
        if txn is None or txn.auth_time is None:
            return self._error_page(errors.INVALID_TRANSACTION)
        if not alive:
            return self._redirect_error(txn, errors.INVALID_TRANSACTION)
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
            # ClaimsHelperService.validateAcceptedClaims; oidc-ui redirects the error to the client.
            return self._redirect_error(txn, errors.INVALID_ACCEPTED_CLAIM)
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
        return self._finish(txn, code)

    # ------------------------------------------------------------------ client authentication
    def _verify_client_assertion(self, client: Client, assertion: str, audiences: tuple[str, ...]) -> None:
        """TokenServiceImpl.verifyClientAssertionToken: alg among the discovery's signing algs, a
        signature by the client's key (Nimbus key selection: kid must match when sent), then
        Spring's validators — exp (required) and nbf with ``clock_skew`` leeway, iss = sub =
        client_id, iat present, aud holding one of ``audiences``, jti non-blank — and a jti never
        seen by any client in the last ``jti_ttl`` seconds. No bound on the lifetime. Every
        failure is ``invalid_client``."""

        def refuse(detail: str) -> ESignetError:
            self._count(f"assertion_refused:{detail}")
            return ESignetError(errors.INVALID_CLIENT, detail)

        parts = assertion.split(".")
        if len(parts) != 3 or not all(parts):
            raise refuse("not a signed JWT")
        try:
            header = _b64url_json(parts[0])
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise refuse("not a JWT") from exc
        if not isinstance(header, dict):
            raise refuse("not a JWT")
        alg = header.get("alg")
        if alg not in ASSERTION_ALGS:
            raise refuse("alg not supported")
        if header.get("crit"):
            raise refuse("crit header not supported")
        claims = None
        for key in _candidate_keys(client, header):
            try:
                claims = jwt.decode(assertion, key, algorithms=[alg]).claims
                break
            except (JoseError, ValueError, TypeError):
                continue
        if claims is None:
            raise refuse("signature")
        now = self.clock()
        skew = self.clock_skew
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
        if not _is_number(exp):
            raise refuse("exp")
        if now - skew > exp:
            raise refuse("expired")
        if nbf is not None and (not _is_number(nbf) or now + skew < nbf):
            raise refuse("nbf")
        if claims.get("iss") != client.client_id:
            raise refuse("iss")
        if not _is_number(iat):
            raise refuse("iat")
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not any(a in audiences for a in auds):
            raise refuse("aud")
        if claims.get("sub") != client.client_id:
            raise refuse("sub")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti.strip():
            raise refuse("jti")
        with self._lock:
            self._prune(now)
            if jti in self._jtis:  # CacheUtilService.checkAndMarkJti: one cache, keyed by jti
                self._counters["assertion_replayed"] += 1
                raise ESignetError(errors.INVALID_CLIENT, "jti was already used")
            self._jtis[jti] = now + self.jti_ttl

    # ------------------------------------------------------------------ token
    def _oauth_error(self, exc: ESignetError) -> Response:
        """ExceptionHandlerAdvice.handleOpenIdConnectControllerExceptions: 400, the code as
        ``error_description`` (getMessage returns the code), ``error`` the OAuth code or
        ``invalid_request``."""
        self._count(f"token_error:{exc.code}")
        body = {"error": exc.oauth_error, "error_description": exc.code}
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
        """OAuthController.getTokenV2 → OAuthServiceImpl.getTokens, in its order."""
        # TokenRequest bean validation (esignet-core dto/TokenRequest.java), declaration order.
        if form.get("grant_type") != "authorization_code":
            raise ESignetError(errors.UNSUPPORTED_GRANT_TYPE)
        code = str(form.get("code") or "")
        if not code.strip():
            raise ESignetError(errors.INVALID_GRANT, "code is required")
        redirect_uri = str(form.get("redirect_uri") or "")
        if not is_valid_url(redirect_uri):
            raise ESignetError(errors.INVALID_REDIRECT_URI)
        if form.get("client_assertion_type") != JWT_BEARER:
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion_type")
        assertion = str(form.get("client_assertion") or "")
        if not assertion.strip():
            raise ESignetError(errors.INVALID_CLIENT, "client_assertion is required")
        now = self.clock()
        # validateRequestParametersWithTransaction: the code first; the client is the code's.
        with self._lock:
            grant = self._codes.get(_hash(code))
        if grant is None or grant.used or grant.expires_at <= now:
            self._count("code_refused")
            raise ESignetError(errors.INVALID_GRANT, "unknown, used or expired code")
        form_client_id = form.get("client_id")
        if form_client_id and form_client_id != grant.client_id:
            raise ESignetError(errors.INVALID_CLIENT_ID)
        if redirect_uri != grant.redirect_uri:
            raise ESignetError(errors.INVALID_REDIRECT_URI)
        txn = grant.transaction
        if txn.code_challenge is not None:  # validatePKCE: S256, no format check on the verifier
            verifier = str(form.get("code_verifier") or "")
            if not verifier:
                raise ESignetError(errors.INVALID_GRANT, "code_verifier is required")
            computed = _b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
            if not secrets.compare_digest(computed, txn.code_challenge):
                raise ESignetError(errors.INVALID_GRANT, "code_verifier does not match")
        client = self._client(grant.client_id)
        if client is None:
            raise ESignetError(errors.INVALID_CLIENT_ID)
        self._verify_client_assertion(client, assertion, (self.token_endpoint, self._iss))
        # KYC exchange: the identity is read now, as e-Signet asks IDA at token time.
        identity = self.identities(txn.individual_id or "")
        if identity is None or str(identity.get("status", "ACTIVATED")).upper() != "ACTIVATED":
            raise ESignetError(DATA_EXCHANGE_FAILED)
        with self._lock:
            if grant.used:  # a concurrent exchange won
                raise ESignetError(errors.INVALID_GRANT, "code already used")
            # CacheUtilService.setUserInfoTransaction evicts the code only once tokens are made.
            grant.used = True
        sub = claims_mod.psut(txn.uin or "", client.client_id)
        issued = int(now)
        # TokenServiceImpl.getAccessToken: no jti; "scope" only for permitted authorize scopes.
        access_token = jwt.encode(
            {"alg": "PS256", "kid": self.keys.esignet.kid, "typ": "JWT"},
            {
                "iss": self._iss,
                "sub": sub,
                "aud": client.client_id,
                "iat": issued,
                "azp": client.client_id,
                "exp": issued + self.access_token_ttl,
                "client_id": client.client_id,
            },
            self.keys.esignet.key,
            algorithms=["PS256"],
        )
        at_hash = _b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16])
        # TokenServiceImpl.buildIDToken + getIDToken.
        id_claims: dict[str, Any] = {
            "iss": self._iss,
            "sub": sub,
            "aud": client.client_id,
            "iat": issued,
            "exp": issued + self.id_token_ttl,
            "auth_time": txn.auth_time,
        }
        if txn.nonce is not None:
            id_claims["nonce"] = txn.nonce
        id_claims["acr"] = ACR_OTP  # getACRs(provided factors = [OTP]) under the default mapping
        id_claims["at_hash"] = at_hash
        id_token = jwt.encode(
            {"alg": "PS256", "kid": self.keys.esignet.kid, "typ": "JWT"},
            id_claims,
            self.keys.esignet.key,
            algorithms=["PS256"],
        )
        kyc = claims_mod.build_kyc(identity, txn.individual_id or "", grant.accepted, txn.locales, sub)
        userinfo = self._userinfo_jwt(client, kyc)
        with self._lock:
            self._tokens[at_hash] = AccessToken(
                client_id=client.client_id,
                sub=sub,
                scope=" ".join(txn.scopes),
                issued_at=now,
                expires_at=now + self.access_token_ttl,
                userinfo=userinfo,
            )
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
        """OAuthController.authorize → OAuthServiceImpl.authorize: 201 ``{request_uri, expires_in}``."""
        try:
            form = await request.form()
        except Exception:  # malformed body
            return self._oauth_error(ESignetError(errors.INVALID_REQUEST))
        try:
            params = {
                k: str(v) for k, v in form.items() if k not in ("client_assertion", "client_assertion_type")
            }
            # PushedAuthorizationRequest bean validation, then the service's checks in order.
            self._check_request_fields(params, pushed=True)
            if form.get("client_assertion_type") != JWT_BEARER:
                raise ESignetError(errors.INVALID_CLIENT, "client_assertion_type")
            assertion = str(form.get("client_assertion") or "")
            if not assertion.strip():
                raise ESignetError(errors.INVALID_CLIENT, "client_assertion is required")
            if "request_uri" in params:  # @Null(message = invalid_request)
                raise ESignetError(errors.INVALID_REQUEST)
            client = self._client(params.get("client_id"))
            if client is None:
                raise ESignetError(errors.INVALID_CLIENT_ID)
            if not self._redirect_allowed(client, params.get("redirect_uri") or ""):
                raise ESignetError(errors.INVALID_REDIRECT_URI)
            self._check_nonce(params.get("nonce"))
            audiences = (self.par_endpoint, self.token_endpoint, self._iss)
            self._verify_client_assertion(client, assertion, audiences)
        except ESignetError as exc:
            return self._oauth_error(exc)
        uid = secrets.token_urlsafe(32)
        with self._lock:
            self._pars[uid] = _Par(client.client_id, params, self.clock() + self.par_ttl)
            self._counters["par"] += 1
        return JSONResponse(
            {"request_uri": PAR_REQUEST_URI_PREFIX + uid, "expires_in": self.par_ttl},
            status_code=201,
            headers=_NO_STORE,
        )

    # ------------------------------------------------------------------ userinfo
    def _unauthorized(self, code: str) -> Response:
        """ExceptionHandlerAdvice.handleExceptionWithHeader: 401, no body, and only
        ``WWW-Authenticate: error="<code>"`` (no scheme, no description)."""
        self._count(f"userinfo_error:{code}")
        return Response(status_code=401, headers={"WWW-Authenticate": f'error="{code}"'})

    async def _userinfo(self, request: Request) -> Response:
        """OpenIdConnectServiceImpl.getUserInfo: the token is the header's second word (the
        scheme is not checked), looked up by its at_hash in the userinfo cache."""
        auth = request.headers.get("authorization")
        if auth is None:
            return self._unauthorized(errors.MISSING_HEADER)
        words = auth.split()
        if len(words) < 2:
            return self._unauthorized(errors.UNKNOWN_ERROR)
        token = words[1]
        at_hash = _b64url(hashlib.sha256(token.encode("utf-8", "replace")).digest()[:16])
        now = self.clock()
        with self._lock:
            record = self._tokens.get(at_hash)
            if record is None or record.revoked or record.expires_at <= now:
                record = None
            else:
                self._counters["userinfo"] += 1
        if record is None:
            return self._unauthorized(errors.INVALID_AUTH_TOKEN)
        return Response(record.userinfo, media_type="application/jwt", headers=_NO_STORE)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _valid_scope(value: str) -> bool:
    """OIDCScopeValidator: unknown scopes are ignored; at least one openid or authorize scope;
    an openid scope (profile, email…) needs ``openid`` too. (Credential scopes: not emulated.)"""
    scopes = value.split()
    openid = "openid" in scopes
    authorize = [s for s in scopes if s in AUTHORIZE_SCOPES]
    openid_scopes = [s for s in scopes if s in SCOPES_SUPPORTED]
    if not openid and not authorize and not openid_scopes:
        return False
    return not (openid_scopes and not openid)


def _resolve_acrs(client: Client, acr_values: str | None, claims_param: Mapping[str, Any]) -> list[str]:
    """AuthorizationServiceImpl.resolveACRClaim: ``claims.id_token.acr.values`` filtered by the
    client's registered ACRs, else ``acr_values`` filtered, else every registered ACR — an
    unknown ACR is never an error."""
    registered = client.acr_values
    acr_claim = (claims_param.get("id_token") or {}).get("acr")
    if isinstance(acr_claim, dict) and isinstance(acr_claim.get("values"), list):
        chosen = [a for a in acr_claim["values"] if a in registered]
        if chosen:
            return chosen
    chosen = [a for a in (acr_values or "").split() if a in registered]
    return chosen or list(registered)


def _candidate_keys(client: Client, header: Mapping[str, Any]) -> list[RSAKey | ECKey]:
    """Nimbus JWKMatcher.forJWSHeader: key type of the alg, same kid when the header has one,
    use "sig" or none, alg equal or none."""
    alg = str(header.get("alg"))
    kty = "EC" if alg.startswith("ES") else "RSA"
    kid = header.get("kid")
    out: list[RSAKey | ECKey] = []
    for jwk in client.public_jwks["keys"]:
        if jwk.get("kty") != kty or jwk.get("use") not in (None, "sig") or jwk.get("alg") not in (None, alg):
            continue
        if kid is not None and jwk.get("kid") != kid:
            continue
        out.append(KeySet.import_key_set({"keys": [jwk]}).keys[0])  # type: ignore[arg-type]
    return out

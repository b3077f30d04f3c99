"""The relying party's side of one e-Signet login: discovery, the authorization URL, the redirect's
parameters, the token request with ``private_key_jwt``, the id_token and the userinfo."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc.jwk import ECKey

from app.mosip.esignet.errors import (
    ESignetCancelled,
    ESignetConfigurationError,
    ESignetProviderError,
    ESignetTimeout,
    ESignetUnavailable,
    ESignetVerificationError,
    cancelled,
    safe_text,
    time_left,
)
from app.mosip.esignet.keys import ProviderKeys, decrypt_userinfo
from app.mosip.esignet.model import (
    ASSERTION_LIFETIME_SECONDS,
    DISCOVERY_TTL_SECONDS,
    LEEWAY_SECONDS,
    MAX_METADATA_BYTES,
    MAX_TOKEN_BYTES,
    MAX_USERINFO_BYTES,
    SIGNING_ALGS,
    Authentication,
    AuthorizationRequest,
    ProviderMetadata,
    RelyingParty,
)
from app.mosip.esignet.tokens import (
    check_acr,
    check_id_token_claims,
    check_userinfo_claims,
    read_token_answer,
    same_issuer,
    userinfo_text,
)
from app.mosip.esignet.transport import Transport

log = logging.getLogger(__name__)

_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


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


class ESignetClient:
    """One relying party against one e-Signet. Thread-safe; caches discovery and the JWKS."""

    def __init__(self, rp: RelyingParty, *, clock: Callable[[], float] = time.time,
                 verify: bool = True, leeway: int = LEEWAY_SECONDS):
        _check_endpoint(rp.issuer, "issuer")
        self.rp = rp
        self.clock = clock
        self.leeway = leeway
        self.transport = Transport(verify=verify)     # TLS verification: always on outside tests
        self.keys = ProviderKeys(self.transport)
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None

    def close(self) -> None:
        self.transport.close()

    # -------------------------------------------------------------------- discovery
    def discover(self, *, timeout: float = 10.0, refresh: bool = False,
                 cancel: threading.Event | None = None) -> ProviderMetadata:
        """The provider's metadata (cached for an hour); raises ESignetUnavailable when unreachable
        and ESignetCancelled when ``cancel`` is set while it is fetched."""
        now = time.monotonic()
        with self._lock:
            cached = self._metadata
        if cached is not None and not refresh and now - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
        url = self.rp.issuer.rstrip("/") + "/.well-known/openid-configuration"
        doc = self.transport.get_json(url, MAX_METADATA_BYTES, timeout, "discovery", cancel)
        issuer = doc.get("issuer")
        if not isinstance(issuer, str) or not same_issuer(issuer, self.rp.issuer):
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
        if iss is not None and not same_issuer(iss, meta.issuer):
            raise ESignetVerificationError("The answer came from another identity provider "
                                           "(iss mismatch); nothing was changed.")
        # e-Signet's login UI adds iss to a success redirect only (mosip/esignet oidc-ui
        # Consent.js; redirectOnError.js sends error, error_description and state)
        if iss is None and meta.iss_parameter_supported and "code" in params:
            raise ESignetVerificationError("The answer from e-Signet lacks its issuer (iss); nothing was changed.")
        error = params.get("error")
        if error:
            code = safe_text(error, 60)
            description = safe_text(params.get("error_description"))
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
            answer = self.transport.interruptible("POST", meta.token_endpoint, limit=MAX_TOKEN_BYTES,
                                                  timeout=timeout, cancel=cancel, headers=headers,
                                                  content=body.encode("utf-8"))
        except httpx.TimeoutException:
            raise ESignetTimeout("e-Signet did not answer the token request in time; nothing was changed.",
                                 code="esignet.token_timeout") from None
        except httpx.HTTPError as exc:
            raise ESignetUnavailable(f"the connection to e-Signet was lost ({type(exc).__name__})",
                                     code="esignet.connection_lost") from None
        token = read_token_answer(answer)
        log.debug("e-Signet token request answered")
        return token

    def _verify_jws(self, meta: ProviderMetadata, token: str, timeout: float, what: str,
                    cancel: threading.Event | None = None) -> tuple[dict, dict]:
        """Signature check of a compact JWS against e-Signet's JWKS → (header, claims)."""
        return self.keys.verify_jws(meta.jwks_uri, token, timeout, what, cancel)

    def verify_id_token(self, meta: ProviderMetadata, id_token: str, *, nonce: str, access_token: str | None,
                        timeout: float = 10.0, cancel: threading.Event | None = None) -> dict[str, Any]:
        """OIDC Core §3.1.3.7: signature (JWKS by kid, allow-listed alg), iss, aud, exp, iat, nonce, at_hash."""
        if id_token.count(".") == 4:
            raise ESignetVerificationError("encrypted id_tokens are not supported")
        header, claims = self._verify_jws(meta, id_token, timeout, "id_token", cancel=cancel)
        check_id_token_claims(header, claims, issuer=meta.issuer, client_id=self.rp.client_id, nonce=nonce,
                              access_token=access_token, now=int(self.clock()), leeway=self.leeway)
        return claims

    def check_acr(self, id_claims: Mapping[str, Any]) -> str:
        """The id_token's ``acr`` against the accepted classes (default: the requested ones)."""
        return check_acr(id_claims, self.rp.accepted_acr or self.rp.acr_values)

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
        JWS is refused: it would mean the person's data crossed the network readable."""
        try:
            answer = self.transport.interruptible(
                "GET", meta.userinfo_endpoint, limit=MAX_USERINFO_BYTES, timeout=timeout, cancel=cancel,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"})
        except httpx.TimeoutException:
            raise ESignetTimeout("e-Signet did not send the person's data in time; nothing was changed.",
                                 code="esignet.userinfo_timeout") from None
        except httpx.HTTPError as exc:
            raise ESignetUnavailable(f"the connection to e-Signet was lost ({type(exc).__name__})",
                                     code="esignet.connection_lost") from None
        text = userinfo_text(answer)
        if text.count(".") == 4:
            text = self._decrypt_userinfo(text)
        elif self.rp.encryption_key is not None:
            raise ESignetVerificationError("e-Signet sent the person's data unencrypted although this device "
                                           "requires encryption; it was not used",
                                           code="esignet.userinfo_not_encrypted")
        _, claims = self._verify_jws(meta, text, timeout, "userinfo", cancel=cancel)
        check_userinfo_claims(claims, subject=subject, issuer=meta.issuer, client_id=self.rp.client_id,
                              now=self.clock(), leeway=self.leeway)
        return text, claims

    def _decrypt_userinfo(self, token: str) -> str:
        return decrypt_userinfo(self.rp.encryption_key, token)

    # -------------------------------------------------------------------- after the redirect
    def complete(self, meta: ProviderMetadata, request: AuthorizationRequest, params: Mapping[str, str], *,
                 deadline: float, cancel: threading.Event | None = None) -> Authentication:
        """The authorization response → a verified login: code, token, id_token, acr, userinfo,
        all before ``deadline`` (a ``time.monotonic()`` value) and stopped by ``cancel``."""
        if cancel is not None and cancel.is_set():
            raise cancelled()
        code = self.check_redirect(meta, request, params)
        tokens = self.exchange_code(meta, request, code, time_left(deadline), cancel)
        id_claims = self.verify_id_token(meta, tokens["id_token"], nonce=request.nonce,
                                         access_token=tokens["access_token"], timeout=time_left(deadline),
                                         cancel=cancel)
        acr = self.check_acr(id_claims)
        userinfo_jwt, claims = self.fetch_userinfo_jwt(meta, tokens["access_token"], subject=id_claims["sub"],
                                                       timeout=time_left(deadline), cancel=cancel)
        if cancel is not None and cancel.is_set():
            raise cancelled()
        log.debug("e-Signet login verified")
        return Authentication(subject=id_claims["sub"], claims=claims, id_token_claims=id_claims, acr=acr or None,
                              userinfo_jwt=userinfo_jwt)

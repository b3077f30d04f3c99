"""A small hostile OpenID provider on loopback: real HTTP, real crypto, one chosen defect at a time.

It behaves like e-Signet (discovery, JWKS, authorize that redirects at once, private_key_jwt +
PKCE token endpoint that really checks the client, signed userinfo) and then breaks exactly what
``defect`` names — the tokens the emulator would never mint, as the OpenID Connect RP
certification tests do.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/v1/esignet/oauth/v2/token"

ID_TOKEN_DEFECTS = ("id_bad_signature", "id_wrong_key", "id_alg_none", "id_hs256", "id_wrong_iss",
                    "id_wrong_aud", "id_expired", "id_nonce_mismatch", "id_missing_nonce", "id_unknown_kid",
                    "id_at_hash", "kid_rotation")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rsa(kid: str) -> RSAKey:
    key = RSAKey.generate_key(2048, auto_kid=False)
    return RSAKey.import_key(key.as_dict(private=True), {"kid": kid})


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return ".".join(b64url(json.dumps(part).encode()) for part in (header, claims)) + "."


def tamper(token: str, **changes: Any) -> str:
    """Change claims but keep the original signature (a forged payload)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return ".".join([header, b64url(json.dumps(claims).encode()), signature])


class HostileProvider:
    def __init__(self, client_id: str, client_public_jwk: dict[str, Any]):
        self.client_id = client_id
        self.client_key = RSAKey.import_key(client_public_jwk)
        self.signing = rsa("op-sign-1")
        self.kyc = rsa("op-kyc-1")
        self.rogue = rsa("op-sign-1")          # same kid as the real key, another key
        self.stranger = rsa("op-unknown-9")    # a kid the JWKS never publishes
        self.rotated = rsa("op-sign-2")        # published only from the second JWKS fetch on
        self.issuer = "http://127.0.0.1"
        self.reset()

    def reset(self, defect: str | None = None) -> None:
        self.defect = defect
        self.token_started = threading.Event()
        self.jwks_started = threading.Event()
        self.jwks_fetches = 0
        self.sessions: dict[str, dict[str, str]] = {}
        self.tokens: dict[str, str] = {}
        self.assertions: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.subject = "psut-" + secrets.token_urlsafe(16)
        self.userinfo_claims: dict[str, Any] = {
            "sub": self.subject, "name#en": "Chikondi Grace Mwale", "name#fr": "Chikondi Grâce Mwale",
            "given_name#en": "Chikondi", "given_name#fr": "Chikondi", "middle_name#en": "Grace",
            "middle_name#fr": "Grâce", "family_name#en": "Mwale", "family_name#fr": "Mwale",
            "gender#en": "Female", "gender#fr": "Féminin", "birthdate": "1985/07/14",
            "phone_number": "+260975550101",
        }

    # ------------------------------------------------------------------ app
    def routes(self) -> list[Route]:
        return [
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/.well-known/jwks.json", self.jwks),
            Route("/authorize", self.authorize),
            Route(TOKEN_PATH, self.token, methods=["POST"]),
            Route("/v1/esignet/oidc/userinfo", self.userinfo),
        ]

    async def discovery(self, request: Request) -> Response:
        iss = self.issuer
        return JSONResponse({
            "issuer": iss, "authorization_endpoint": f"{iss}/authorize", "token_endpoint": iss + TOKEN_PATH,
            "userinfo_endpoint": f"{iss}/v1/esignet/oidc/userinfo", "jwks_uri": f"{iss}/.well-known/jwks.json",
            "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
            "id_token_signing_alg_values_supported": ["PS256", "RS256"],
            "authorization_response_iss_parameter_supported": True, "claims_parameter_supported": True,
        })

    async def jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        self.jwks_started.set()
        if self.defect == "jwks_hang":             # the keys come long after any login would have given up
            await asyncio.sleep(30)
        keys = [self.signing.as_dict(private=False), self.kyc.as_dict(private=False)]
        if self.defect == "kid_rotation" and self.jwks_fetches >= 2:
            keys.append(self.rotated.as_dict(private=False))
        return JSONResponse({"keys": keys})

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        code = secrets.token_urlsafe(24)
        self.sessions[code] = {k: q.get(k, "") for k in ("nonce", "code_challenge", "redirect_uri", "state",
                                                          "client_id", "code_challenge_method")}
        if self.defect == "no_redirect":
            return HTMLResponse("<p>the person walked away</p>")
        params = {"code": code, "state": q.get("state", ""), "iss": self.issuer}
        if self.defect == "state_mismatch":
            params["state"] = "forged-" + secrets.token_urlsafe(8)
        elif self.defect == "iss_mismatch":
            params["iss"] = "https://attacker.example"
        elif self.defect == "missing_iss":
            del params["iss"]
        elif self.defect == "error_redirect":
            params = {"error": "server_error", "error_description": "IDA-MLC-007 <script>x</script>",
                      "state": q.get("state", ""), "iss": self.issuer}
        elif self.defect == "access_denied":
            params = {"error": "access_denied", "error_description": "Consent Denied",
                      "state": q.get("state", ""), "iss": self.issuer}
        return RedirectResponse(q["redirect_uri"] + "?" + urlencode(params), status_code=302)

    def _refuse(self, error: str, description: str) -> Response:
        return JSONResponse({"error": error, "error_description": description}, status_code=400)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        self.token_started.set()
        if self.defect == "token_slow":
            await asyncio.sleep(4)
        elif self.defect == "token_hang":          # answers long after any login would have given up
            await asyncio.sleep(30)
        elif self.defect == "token_endless":       # a body that never ends, as fast as it can go
            return StreamingResponse(self._endless(), media_type="application/json")
        elif self.defect == "token_trickle":       # a byte at a time: every read is quick, the answer never ends
            return StreamingResponse(self._trickle(), media_type="application/json")
        session = self.sessions.pop(str(form.get("code")), None)
        if session is None:
            return self._refuse("invalid_grant", "unknown code")
        # the relying party must authenticate properly: private_key_jwt with the registered key
        if form.get("client_assertion_type") != JWT_BEARER:
            return self._refuse("invalid_client", "assertion type")
        try:
            decoded = jwt.decode(str(form.get("client_assertion")), self.client_key, algorithms=["RS256", "PS256"])
        except Exception:
            return self._refuse("invalid_client", "assertion signature")
        header, claims = dict(decoded.header), dict(decoded.claims)
        self.assertions.append((header, claims))
        now = time.time()
        if (claims.get("iss") != self.client_id or claims.get("sub") != self.client_id
                or claims.get("aud") != self.issuer + TOKEN_PATH or not claims.get("jti")
                or not (now - 30 < claims.get("exp", 0) <= now + 300)
                or (header.get("kid") != self.client_key.kid and self.client_key.kid is not None)):
            return self._refuse("invalid_client", "assertion claims")
        if form.get("client_id") != self.client_id or form.get("redirect_uri") != session["redirect_uri"]:
            return self._refuse("invalid_request", "client or redirect")
        verifier = str(form.get("code_verifier") or "")
        if session["code_challenge_method"] != "S256" or \
                b64url(hashlib.sha256(verifier.encode()).digest()) != session["code_challenge"]:
            return self._refuse("invalid_grant", "PKCE")
        if self.defect == "token_error":
            return self._refuse("invalid_grant", "code expired")
        access_token = secrets.token_urlsafe(32)
        self.tokens[access_token] = self.subject
        return JSONResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": 600,
                             "id_token": self.id_token(session["nonce"], access_token)},
                            headers={"Cache-Control": "no-store"})

    @staticmethod
    async def _endless() -> Any:
        yield b'{"access_token": "'
        chunk = b"A" * 65536
        while True:
            yield chunk
            await asyncio.sleep(0)

    @staticmethod
    async def _trickle() -> Any:
        while True:
            yield b" "
            await asyncio.sleep(0.2)

    def id_token(self, nonce: str, access_token: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": self.subject, "aud": self.client_id, "iat": now, "exp": now + 600,
            "auth_time": now, "nonce": nonce, "acr": "mosip:idp:acr:generated-code",
            "at_hash": b64url(hashlib.sha256(access_token.encode()).digest()[:16]),
        }
        key, kid, alg = self.signing, "op-sign-1", "PS256"
        d = self.defect
        if d == "id_wrong_iss":
            claims["iss"] = "https://attacker.example"
        elif d == "id_wrong_aud":
            claims["aud"] = "another-relying-party"
        elif d == "id_expired":
            claims.update(iat=now - 7200, exp=now - 3600, auth_time=now - 7200)
        elif d == "id_nonce_mismatch":
            claims["nonce"] = "n-" + secrets.token_urlsafe(16)
        elif d == "id_missing_nonce":
            del claims["nonce"]
        elif d == "acr_weak":                        # a factor the country did not ask for
            claims["acr"] = "mosip:idp:acr:static-code"
        elif d == "acr_missing":
            del claims["acr"]
        elif d == "acr_several":                     # e-Signet joins every satisfied ACR with spaces
            claims["acr"] = "mosip:idp:acr:static-code mosip:idp:acr:generated-code"
        elif d == "id_at_hash":
            claims["at_hash"] = b64url(hashlib.sha256(b"another token").digest()[:16])
        elif d == "id_alg_none":
            return unsigned({"alg": "none", "kid": kid, "typ": "JWT"}, claims)
        elif d == "id_hs256":  # alg confusion: HMAC keyed with the provider's public key
            signing_input = unsigned({"alg": "HS256", "kid": kid, "typ": "JWT"}, claims)[:-1]
            mac = hmac.new(self.signing.as_pem(private=False), signing_input.encode(), hashlib.sha256)
            return signing_input + "." + b64url(mac.digest())
        elif d == "id_wrong_key":
            key = self.rogue
        elif d == "id_unknown_kid":
            key, kid = self.stranger, "op-unknown-9"
        elif d == "kid_rotation":
            key, kid = self.rotated, "op-sign-2"
        token = jwt.encode({"alg": alg, "kid": kid, "typ": "JWT"}, claims, key, algorithms=[alg])
        if d == "id_bad_signature":
            token = tamper(token, sub="psut-of-someone-else")
        return token

    async def userinfo(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        claims = dict(self.userinfo_claims)
        claims["iss"] = self.issuer                  # as the identity system stamps it
        d = self.defect
        if d == "ui_wrong_iss":
            claims["iss"] = "https://attacker.example"
        if d == "ui_sub_mismatch":
            claims["sub"] = "psut-of-someone-else"
        if d == "ui_unsigned":
            return JSONResponse(claims)
        if d == "ui_alg_none":
            body = unsigned({"alg": "none", "kid": "op-kyc-1"}, claims)
        else:
            key = self.rogue if d == "ui_wrong_key" else self.kyc
            body = jwt.encode({"alg": "PS256", "kid": "op-kyc-1"}, claims, key, algorithms=["PS256"])
            if d == "ui_bad_signature":
                body = tamper(body, family_name="Forged")
        return Response(body, media_type="application/jwt")


class Served:
    """Serve a Starlette app with uvicorn on 127.0.0.1:<ephemeral> in a daemon thread."""

    def __init__(self, app: Starlette):
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
                                access_log=False, timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="hostile-provider", daemon=True)
        self.thread.start()
        for _ in range(1000):  # wait for the socket (bounded; not a timing assertion)
            if self.server.started:
                break
            time.sleep(0.01)
        assert self.server.started, "uvicorn did not start"
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)

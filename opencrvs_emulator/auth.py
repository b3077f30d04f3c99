"""OpenCRVS's auth service for system clients: ``POST /auth/token`` (client credentials) and token checks.

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50):
- ``packages/auth/src/features/oauthToken/handler.ts``: ``grant_type`` ``client_credentials`` (or token
  exchange, not emulated), else 400 ``unsupported_grant_type``; ``utils.ts`` ``getParam``: a parameter from the
  body (form or JSON) or else the query string.
- ``oauthToken/client-credentials.ts``: missing id or secret → 400 ``invalid_request``; unknown client, wrong
  secret or a disabled client → 401 ``invalid_client``; the answer is ``{access_token, token_type: "Bearer"}``
  with ``Cache-Control: no-store`` — no ``expires_in``, no refresh token (``oauthToken/responses.ts``).
- ``features/authenticate/service.ts`` ``createToken``: RS256, claims ``scope`` (encoded scopes), ``userType``
  ``system``, ``sub`` = client id, ``aud`` = ``WEB_USER_JWT_AUDIENCES``, ``iss`` ``opencrvs:auth-service``,
  lifetime ``CONFIG_SYSTEM_TOKEN_EXPIRY_SECONDS`` = 600 (``environment.ts``).
- ``packages/events/src/router/integrations/index.ts``: a client id is a UUID; ``packages/client/src/views/
  SysAdmin/Config/Systems/useIntegrations.ts``: a HEALTH integration gets ``record.create`` and
  ``record.notify`` for the chosen events, a RECORD_SEARCH one ``record.search``.
- ``packages/commons/src/scopes.ts`` ``encodeScope``: ``type=record.notify&event=birth,death``.
- ``packages/gateway/src/server.ts``: the gateway's default ``jwt`` strategy (hapi-auth-jwt2 10.6: RS256,
  issuer, audience ``opencrvs:gateway-user``) guards ``/events/*`` (``v2-events/event-config/routes.ts`` sets
  no ``auth: false``): 401 ``{"statusCode", "error": "Unauthorized", "message"}`` with "Missing
  authentication", "Invalid token format", "Invalid token" or "Expired token" (dwyl/hapi-auth-jwt2
  ``lib/index.js``), before the events service sees the call.
- ``packages/events/src/context.ts``: the events service verifies RS256, the issuer and an audience among
  ``opencrvs:gateway-user`` / ``opencrvs:events-user``.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

ISSUER = "opencrvs:auth-service"
AUDIENCES = ["opencrvs:auth-user", "opencrvs:user-mgnt-user", "opencrvs:gateway-user", "opencrvs:events-user",
             "opencrvs:countryconfig-user", "opencrvs:documents-user"]
EVENTS_AUDIENCES = {"opencrvs:gateway-user", "opencrvs:events-user"}
GATEWAY_AUDIENCE = "opencrvs:gateway-user"
SYSTEM_TOKEN_SECONDS = 600
ACTION_TOKEN_SECONDS = 604800  # CONFIG_ACTION_CONFIRMATION_TOKEN_EXPIRY_SECONDS
ERROR_URI = "Refer to https://documentation.opencrvs.org/technology/interoperability/authenticate-a-client"
_NS = uuid.UUID("2f0d3c1e-51a4-5d7b-8c3e-6b9a1f4e2d10")


def encode_scope(scope_type: str, events: list[str] | None = None) -> str:
    return f"type={scope_type}" + (f"&event={','.join(events)}" if events else "")


def decode_scope(encoded: str) -> tuple[str, dict[str, list[str]]]:
    """``decodeScope``: query-string form, comma lists; a legacy bare ``record.notify`` reads as its type."""
    if "=" not in encoded:
        return encoded, {}
    parsed = parse_qs(encoded, keep_blank_values=True)
    kind = parsed.pop("type", [""])[0]
    return kind, {k: [x for v in vs for x in v.split(",") if x] for k, vs in parsed.items()}


@dataclass
class SystemClient:
    client_id: str
    secret: str
    name: str
    scopes: list[str]
    status: str = "active"

    def public(self) -> dict[str, Any]:
        return {"id": self.client_id, "name": self.name, "scopes": self.scopes, "status": self.status}


def seeded_clients(events: list[str]) -> list[SystemClient]:
    """Four integrations, with fixed ids and secrets (demo values, printed in the README)."""

    def make(name: str, scopes: list[str]) -> SystemClient:
        return SystemClient(str(uuid.uuid5(_NS, name)), str(uuid.uuid5(_NS, name + ":secret")), name, scopes)

    health = [encode_scope("record.create", events), encode_scope("record.notify", events)]
    search = [encode_scope("record.search", events)]
    read = [encode_scope("record.read", events)]
    return [make("crvs-field-health", health), make("crvs-field-search", search),
            make("crvs-field-device", health + search), make("crvs-field-device-read", health + search + read)]


@dataclass
class Principal:
    """The caller the events service sees (``SystemContext``)."""

    id: str
    user_type: str
    scopes: list[str]
    token_claims: dict[str, Any] = field(default_factory=dict)

    def scopes_of(self, scope_type: str) -> list[dict[str, list[str]]]:
        out = []
        for encoded in self.scopes:
            kind, options = decode_scope(encoded)
            if kind == scope_type:
                out.append(options)
        return out

    def allows(self, scope_type: str, event_type: str | None = None) -> bool:
        """A scope of that type whose ``event`` option (if any) includes the event type."""
        for options in self.scopes_of(scope_type):
            if event_type is None or "event" not in options or event_type in options["event"]:
                return True
        return False


_KEY_LOCK = threading.Lock()
_PROCESS_KEY: list[RSAKey] = []


def process_key() -> RSAKey:
    """One signing key per process (an RSA-2048 key takes ~0.2 s to make; servers in tests share it)."""
    with _KEY_LOCK:
        if not _PROCESS_KEY:
            _PROCESS_KEY.append(RSAKey.generate_key(2048))
        return _PROCESS_KEY[0]


class AuthService:
    def __init__(self, token_seconds: int = SYSTEM_TOKEN_SECONDS, *, fresh_key: bool = False) -> None:
        self.key = RSAKey.generate_key(2048) if fresh_key else process_key()
        self.token_seconds = token_seconds
        self.clients: dict[str, SystemClient] = {}
        self.tokens_issued = 0

    def public_key_pem(self) -> str:
        return self.key.as_pem(private=False).decode()

    def add_client(self, client: SystemClient) -> None:
        self.clients[client.client_id] = client

    def issue(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (HTTP status, body)."""
        if params.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type",
                         "error_description": 'Invalid or undefined grant type. Only "client_credentials" or '
                                              '"urn:opencrvs:oauth:grant-type:token-exchange" are supported.',
                         "error_uri": ERROR_URI}
        client_id, secret = params.get("client_id"), params.get("client_secret")
        if not client_id or not secret:
            return 400, {"error": "invalid_request",
                         "error_description": "Invalid request. Check that all required parameters have been "
                                              "provided.",
                         "error_uri": ERROR_URI}
        client = self.clients.get(client_id)
        if client is None or client.secret != secret or client.status != "active":
            return 401, {"error": "invalid_client", "error_description": "Invalid client id or secret",
                         "error_uri": ERROR_URI}
        now = int(time.time())
        claims = {"scope": list(client.scopes), "userType": "system", "iat": now, "exp": now + self.token_seconds,
                  "aud": AUDIENCES, "iss": ISSUER, "sub": client.client_id}
        self.tokens_issued += 1
        return 200, {"access_token": jwt.encode({"alg": "RS256", "typ": "JWT"}, claims, self.key),
                     "token_type": "Bearer"}

    def action_token(self, event_id: str, action_id: str, user_id: str, user_type: str) -> str:
        """``createTokenForActionConfirmation``: what core gives the country configuration with a request."""
        now = int(time.time())
        claims = {"scope": [encode_scope("record.confirm-registration"), encode_scope("record.reject-registration")],
                  "eventId": event_id, "actionId": action_id, "userType": user_type, "iat": now,
                  "exp": now + ACTION_TOKEN_SECONDS, "aud": AUDIENCES, "iss": ISSUER, "sub": user_id}
        return jwt.encode({"alg": "RS256", "typ": "JWT"}, claims, self.key)

    def gateway_refusal(self, authorization: str | None) -> str | None:
        """The gateway's JWT check on ``/events/*`` (hapi-auth-jwt2): None, or the 401 message."""
        token = re.sub(r"bearer", "", authorization or "", flags=re.IGNORECASE).replace(" ", "")
        if not token:
            return "Missing authentication"
        if token.count(".") != 2:
            return "Invalid token format"
        try:
            claims = jwt.decode(token, self.key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            return "Invalid token"
        exp = claims.get("exp")  # jsonwebtoken checks exp, then audience, then issuer
        if exp is not None and (not isinstance(exp, int | float) or exp <= time.time()):
            return "Expired token" if isinstance(exp, int | float) else "Invalid token"
        aud = claims.get("aud")
        if GATEWAY_AUDIENCE not in (aud if isinstance(aud, list) else [aud]) or claims.get("iss") != ISSUER:
            return "Invalid token"
        return None

    def principal(self, authorization: str | None) -> tuple[Principal | None, str | None]:
        """(caller, None) or (None, the 401 message ``authedProcedure`` gives)."""
        if not authorization or not authorization.startswith("Bearer ") or len(authorization) <= 7:
            return None, "Authorization token is missing"
        try:
            token = jwt.decode(authorization[7:], self.key, algorithms=["RS256"])
        except (JoseError, ValueError):
            return None, "Authentication failed"
        claims = token.claims
        aud = claims.get("aud")
        audiences = set(aud if isinstance(aud, list) else [aud])
        now = time.time()
        if (claims.get("iss") != ISSUER or not (audiences & EVENTS_AUDIENCES)
                or not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now
                or not isinstance(claims.get("sub"), str) or not isinstance(claims.get("scope"), list)
                or claims.get("userType") not in ("system", "user")):
            return None, "Authentication failed"
        return Principal(claims["sub"], claims["userType"], [str(s) for s in claims["scope"]], claims), None

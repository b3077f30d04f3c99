"""A minimal hand-written relying party, for the refusal tests (authlib drives the happy path)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwt

from .conftest import REDIRECT, ClientKeys, login

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def authorize_url(client_id: str, redirect_uri: str = REDIRECT, **extra: str) -> str:
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid profile",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
    }
    params.update(extra)
    params = {k: v for k, v in params.items() if v is not None}
    return "/authorize?" + urlencode(params)


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(http: httpx.Client, client_id: str, redirect_uri: str = REDIRECT, **extra: str) -> tuple[str, str]:
    """Run a login with PKCE; returns (code, code_verifier)."""
    verifier, challenge = pkce()
    url = authorize_url(client_id, redirect_uri, code_challenge=challenge, code_challenge_method="S256", **extra)
    location = login(http, url)
    q = query(location)
    assert "code" in q, location
    return q["code"], verifier


def assertion(keys: ClientKeys, client_id: str, aud: str, header: dict | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(16),
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    hdr = {"alg": keys.alg, "kid": keys.kid}
    hdr.update(header or {})
    return jwt.encode(hdr, payload, keys.signing, algorithms=[hdr["alg"]])


def unsigned_assertion(client_id: str, aud: str) -> str:
    now = int(time.time())
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": aud,
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(16),
    }
    parts = [{"alg": "none", "typ": "JWT"}, payload]
    return ".".join(b64url(json.dumps(p).encode()) for p in parts) + "."


def token_request(
    http: httpx.Client,
    token_endpoint: str,
    *,
    code: str,
    verifier: str | None,
    client_assertion: str,
    redirect_uri: str = REDIRECT,
    client_id: str | None = None,
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": client_assertion,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    if client_id:
        data["client_id"] = client_id
    return http.post(token_endpoint, data=data)

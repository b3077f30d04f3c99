"""What an e-Signet login is made of: the relying party's settings, the provider's metadata, one
authorization request, a verified login — and the bounds every answer is held to."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc.jwk import ECKey, RSAKey

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


def iter_localized(claims: Mapping[str, Any], name: str) -> Iterable[tuple[str | None, Any]]:
    """``name`` and ``name#<locale>`` members of userinfo claims → (locale or None, value)."""
    for key, value in claims.items():
        if key == name:
            yield None, value
        elif key.startswith(name + "#") and len(key) > len(name) + 1:
            yield key[len(name) + 1:], value

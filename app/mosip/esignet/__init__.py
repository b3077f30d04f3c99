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

Modules: `errors` (the failures), `model` (settings, metadata, results, bounds), `transport`
(bounded, cancellable HTTP), `keys` (our keys, e-Signet's JWKS, JWS and JWE), `tokens` (claim
checks), `client` (the flow).
"""

from app.mosip.esignet.client import ESignetClient
from app.mosip.esignet.errors import (
    ESignetCancelled,
    ESignetConfigurationError,
    ESignetError,
    ESignetProviderError,
    ESignetTimeout,
    ESignetUnavailable,
    ESignetVerificationError,
    time_left,
)
from app.mosip.esignet.keys import load_encryption_key, load_private_key
from app.mosip.esignet.model import (
    MAX_TOKEN_BYTES,
    MAX_USERINFO_BYTES,
    SIGNING_ALGS,
    Authentication,
    AuthorizationRequest,
    ProviderMetadata,
    RelyingParty,
    iter_localized,
)

__all__ = [
    "MAX_TOKEN_BYTES",
    "MAX_USERINFO_BYTES",
    "SIGNING_ALGS",
    "Authentication",
    "AuthorizationRequest",
    "ESignetCancelled",
    "ESignetClient",
    "ESignetConfigurationError",
    "ESignetError",
    "ESignetProviderError",
    "ESignetTimeout",
    "ESignetUnavailable",
    "ESignetVerificationError",
    "ProviderMetadata",
    "RelyingParty",
    "iter_localized",
    "load_encryption_key",
    "load_private_key",
    "time_left",
]

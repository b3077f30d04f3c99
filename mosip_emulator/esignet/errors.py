"""Error codes of the emulated e-Signet (mosip/esignet ``esignet-core/.../constants/ErrorConstants.java``).

e-Signet answers ``/oauth/*`` errors with HTTP 400 ``{"error", "error_description"}`` (headers
``Cache-Control: no-store``, ``Pragma: no-cache``) where ``error`` is the internal code only when
it is one of the OAuth codes ``invalid_client``, ``unsupported_grant_type``, ``invalid_scope`` or
``invalid_grant``, and ``invalid_request`` otherwise; ``error_description`` carries the internal
code itself (e.g. ``invalid_redirect_uri``) — ``esignet-service/.../advice/ExceptionHandlerAdvice.java``
``handleOpenIdConnectControllerExceptions``. The emulator does the same, so a client sees e.g.
``{"error": "invalid_request", "error_description": "invalid_redirect_uri"}``. Userinfo errors are
401 with only ``WWW-Authenticate: error="<code>"`` (``handleExceptionWithHeader``).
"""

from __future__ import annotations

# OAuth 2.0 codes that e-Signet passes through as `error`.
INVALID_REQUEST = "invalid_request"
INVALID_CLIENT = "invalid_client"
INVALID_GRANT = "invalid_grant"
UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
INVALID_SCOPE = "invalid_scope"
OAUTH_ERROR_CODES = frozenset({INVALID_CLIENT, UNSUPPORTED_GRANT_TYPE, INVALID_SCOPE, INVALID_GRANT})

# The code oidc-ui redirects with when the person cancels (oidc-ui/src/components/Consent.js).
ACCESS_DENIED = "access_denied"

# e-Signet internal codes (ErrorConstants, esignet-core / esignet-integration-api).
INVALID_CLIENT_ID = "invalid_client_id"
INVALID_REDIRECT_URI = "invalid_redirect_uri"
INVALID_RESPONSE_TYPE = "invalid_response_type"
INVALID_ACR = "invalid_acr"
INVALID_CLAIM = "invalid_claim"
INVALID_PROMPT = "invalid_prompt"
INVALID_DISPLAY = "invalid_display"
INVALID_TRANSACTION = "invalid_transaction"
INVALID_INDIVIDUAL_ID = "invalid_individual_id"
INVALID_CHALLENGE = "invalid_challenge"
INVALID_ACCEPTED_CLAIM = "invalid_accepted_claim"
INVALID_ASSERTION = "invalid_assertion"
INVALID_AUTH_TOKEN = "invalid_token"
INVALID_PKCE_CHALLENGE = "invalid_pkce_challenge"
UNSUPPORTED_PKCE_CHALLENGE_METHOD = "unsupported_pkce_challenge_method"
USE_PKCE = "use_pkce"
AUTH_FAILED = "auth_failed"
CONSENT_REJECTED = "consent_rejected"
DUPLICATE_CLIENT_ID = "duplicate_client_id"
INVALID_PUBLIC_KEY = "invalid_public_key"
UNKNOWN_ERROR = "unknown_error"
MISSING_HEADER = "missing_header"
AUTH_FACTOR_MISMATCH = "auth_factor_mismatch"


class ESignetError(Exception):
    """An error with an e-Signet code; `oauth_error` maps it onto the OAuth `error` field."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code
        self.detail = detail

    @property
    def oauth_error(self) -> str:
        return self.code if self.code in OAUTH_ERROR_CODES else INVALID_REQUEST

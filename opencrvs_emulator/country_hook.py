"""A country configuration over HTTP: the action-confirmation request core sends, and the answers it takes.

Sources (opencrvs/opencrvs-core v2.0.0, d244255356082c3b54fd5f7455e9a8b8d7a71d50):
- ``packages/events/src/router/event/actions/actionConfirmationRequest.ts``: ``POST
  {COUNTRY_CONFIG_URL}/trigger/events/{eventType}/actions/{actionType}``, body = the event document with the
  Requested action, ``Authorization`` = a token for that event and action; 200 → Success, 400 → Rejected,
  202 → RequiresProcessing, any other status or no answer → UnexpectedFailure.
- ``packages/auth/src/features/authenticate/service.ts`` ``createTokenForActionConfirmation``: scopes
  ``record.confirm-registration`` and ``record.reject-registration``, claims ``eventId`` and ``actionId``,
  the requesting user as ``sub``, lifetime ``CONFIG_ACTION_CONFIRMATION_TOKEN_EXPIRY_SECONDS`` (one week).
- ``router/event/actions/index.ts`` ``accept`` / ``reject`` with ``requireActionConfirmationAuthorization``
  (403 without both scopes, without the claims, or for another event or action): the later answer of a 202,
  on tRPC ``event.actions.<action>.accept`` / ``.reject`` with ``{eventId, actionId, transactionId, …}``.

The request is made from the emulator's event loop and holds it (at most 10 s): a country configuration
answers first and calls back later, as core expects of it.
"""

from __future__ import annotations

from typing import Any

import httpx

from .auth import Principal
from .errors import TrpcError

CONFIRM_SCOPES = ("record.confirm-registration", "record.reject-registration")
TIMEOUT_SECONDS = 10.0


def ask(url: str, action_type: str, event: dict[str, Any], token: str) -> tuple[int, dict[str, Any] | None]:
    """The country configuration's (status, body); an unreachable one counts as an unexpected failure."""
    target = f"{url.rstrip('/')}/trigger/events/{event['type']}/actions/{action_type}"
    try:
        answer = httpx.post(target, json=event, timeout=TIMEOUT_SECONDS,
                            headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError:
        return 599, None
    try:
        body = answer.json()
    except ValueError:
        body = None
    return answer.status_code, body if isinstance(body, dict) else None


def check_confirmation(principal: Principal, event_id: Any, action_id: Any) -> None:
    """``requireActionConfirmationAuthorization``."""
    if not all(principal.scopes_of(scope) for scope in CONFIRM_SCOPES):
        raise TrpcError("FORBIDDEN", "Missing required scopes for action confirmation")
    claims = principal.token_claims
    if not claims.get("eventId") or not claims.get("actionId"):
        raise TrpcError("FORBIDDEN", "Missing required claims for action confirmation")
    if claims["eventId"] != event_id or claims["actionId"] != action_id:
        raise TrpcError("FORBIDDEN")

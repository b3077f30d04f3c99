"""OpenCRVS core's REST API as a system client calls it: token, create, notify, search, read.

Every request body is JSON sent with the exact `Content-Type: application/json` — OpenCRVS's REST
adapter ignores the body of `application/json; charset=utf-8` (trpc-to-openapi 3.2.0 `input.ts`
`getBody`) — and at most 100 000 bytes, which the events service refuses with 413 beyond
(`BODY_100_KB`, same file): checked before sending. Answers are read bounded (`app.http`).
Paths as the gateway serves them: packages/gateway/src/v2-events/event-config/routes.ts.

Errors as OpenCRVS writes them (packages/events/src/router/trpc.ts `errorFormatter`): a JSON body
`{message, code, data: {httpStatus}}`; a form-field refusal is a 400 whose `message` is the JSON text
of `[{message, id, value}]` (packages/events/src/router/middleware/validate/utils.ts
`throwWhenNotEmpty`). A 401 comes from the gateway before the events service (hapi-auth-jwt2): the
token is asked for again once.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx

from app.errors import ConfigurationFault, Invalid, Refused, Unavailable
from app.http import read_answer
from app.opencrvs.settings import OpenCrvsSettings
from app.opencrvs.tokens import AccessToken, TokenCache, TokenRefused, load_public_key, read_token

MAX_BODY_BYTES = 100_000
MAX_EVENT_ANSWER_BYTES = 2 * 1024 * 1024
MAX_SEARCH_ANSWER_BYTES = 8 * 1024 * 1024
MAX_FIELD_ERRORS = 200
JSON = "application/json"


class OpenCrvsBusy(Unavailable):
    """5xx (or an answer that cannot be read): the same request, unchanged, later."""

    default_code = "opencrvs.busy"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, params={"status": status or 0})
        self.status = status


class OpenCrvsUnauthorized(ConfigurationFault):
    """The system client is refused (credentials, scopes): nothing succeeds until an admin acts."""

    default_code = "opencrvs.unauthorized"


@dataclass(frozen=True)
class FieldRefusal:
    opencrvs_field: str
    message: str


class OpenCrvsFieldErrors(Invalid):
    """400: OpenCRVS refused fields of the declaration."""

    default_code = "opencrvs.field_errors"

    def __init__(self, errors: list[FieldRefusal]) -> None:
        super().__init__(f"OpenCRVS refused {len(errors)} field(s)", params={"fields": len(errors)})
        self.errors = errors


class OpenCrvsConflict(Refused):
    """409: the action is not allowed in the event's state, or a user holds (is assigned) the event."""

    default_code = "opencrvs.conflict"

    def __init__(self, message: str) -> None:
        super().__init__(message[:300])
        # packages/events/src/router/middleware/authorization/index.ts `requireAssignment`
        self.assigned = "assigned" in message


class OpenCrvsRefused(Refused):
    """Any other refusal (400 not about fields, 403, 404, 413, 415): sending it again will not help."""

    default_code = "opencrvs.refused"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message[:300], params={"status": status})
        self.status = status


class BodyTooLarge(Invalid):
    default_code = "opencrvs.body_too_large"

    def __init__(self, size: int) -> None:
        super().__init__(f"the declaration is {size} bytes; OpenCRVS reads at most {MAX_BODY_BYTES}",
                         params={"size": size, "limit": MAX_BODY_BYTES})
        self.size = size


def encode_body(body: Any) -> bytes:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(content) > MAX_BODY_BYTES:
        raise BodyTooLarge(len(content))
    return content


def _error_message(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return body.get("message") if isinstance(body, dict) else None


def _shown_text(message: Any) -> str:
    """OpenCRVS's words for a refusal, fit to keep on the record: bounded, and never a field list,
    whose items carry the declaration's values (names, dates) back (`validate/utils.ts`)."""
    text = str(message or "")
    return "" if text.lstrip().startswith(("[", "{")) else text[:200]


def field_refusals(message: Any) -> list[FieldRefusal] | None:
    """The field list of a 400, or None when the 400 is about something else."""
    if not isinstance(message, str) or not message.startswith("["):
        return None
    try:
        items = json.loads(message)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    out = []
    for item in items[:MAX_FIELD_ERRORS]:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            out.append(FieldRefusal(item["id"][:200], str(item.get("message") or "Invalid input")[:200]))
    return out or None


class OpenCrvsClient:
    def __init__(self, settings: OpenCrvsSettings, http: httpx.AsyncClient, tokens: TokenCache | None = None):
        self.settings = settings
        self.http = http
        self.tokens = tokens or TokenCache()
        self._token_lock = asyncio.Lock()   # the senders of a drain share one token request

    # ------------------------------------------------------------------ token

    async def token(self, *, refresh: bool = False) -> AccessToken:
        cached = self.tokens.token
        if cached is not None and cached.usable() and not refresh:
            return cached
        async with self._token_lock:
            if self.tokens.token is not None and self.tokens.token is not cached and self.tokens.token.usable():
                return self.tokens.token   # another sender fetched it meanwhile
            return await self._fetch_token()

    async def _fetch_token(self) -> AccessToken:
        if self.tokens.public_key is None:
            answer = await read_answer(self.http, "GET", f"{self.settings.base_url}/auth/.well-known",
                                       max_bytes=16 * 1024, what="OpenCRVS's public key")
            if answer.status_code >= 500:
                raise OpenCrvsBusy(f"OpenCRVS's auth service answered {answer.status_code}", status=answer.status_code)
            if answer.status_code != 200:
                raise TokenRefused(f"OpenCRVS's auth service key: HTTP {answer.status_code}")
            self.tokens.public_key = load_public_key(answer.content)
        # packages/auth/src/features/oauthToken/client-credentials.ts: form parameters
        answer = await read_answer(self.http, "POST", f"{self.settings.base_url}/auth/token",
                                   max_bytes=64 * 1024, what="OpenCRVS's token",
                                   data={"grant_type": "client_credentials", "client_id": self.settings.client_id,
                                         "client_secret": self.settings.client_secret})
        self.tokens.fetched += 1
        if answer.status_code >= 500:
            raise OpenCrvsBusy(f"OpenCRVS's auth service answered {answer.status_code}", status=answer.status_code)
        if answer.status_code != 200:
            # 400 invalid_request / unsupported_grant_type, 401 invalid_client (also a disabled client)
            raise OpenCrvsUnauthorized(f"OpenCRVS refused this device's system client (HTTP {answer.status_code})",
                                       params={"status": answer.status_code})
        try:
            body = answer.json()
        except ValueError:
            raise OpenCrvsBusy("OpenCRVS's token answer is not JSON") from None
        token = read_token(body.get("access_token") if isinstance(body, dict) else None, self.tokens.public_key)
        self.tokens.token = token
        return token

    # ------------------------------------------------------------------ events API

    async def create_event(self, transaction_id: str, event_type: str) -> dict[str, Any]:
        """`POST /events/events` (packages/commons/src/events/EventInput.ts): the same
        (transactionId, type) returns the same event."""
        return await self._call("POST", "/events/events", {
            "transactionId": transaction_id, "type": event_type,
            "createdAtLocation": self.settings.created_at_location})

    def notify_body(self, transaction_id: str, declaration: dict[str, Any]) -> bytes:
        """The NOTIFY input (packages/commons/src/events/ActionInput.ts `NotifyActionInput`, strict:
        any other key is refused), encoded and size-checked."""
        return encode_body({"transactionId": transaction_id, "declaration": declaration,
                            "createdAtLocation": self.settings.created_at_location})

    async def notify(self, event_id: str, body: bytes) -> dict[str, Any]:
        """`POST /events/events/{id}/notify` (packages/events/src/router/event/actions/index.ts)."""
        return await self._call("POST", f"/events/events/{event_id}/notify", body)

    async def search_ids(self, event_ids: list[str]) -> list[dict[str, Any]]:
        """`POST /events/events/search` for these events (packages/commons/src/events/EventIndex.ts
        `SearchQuery`: an `or` of `id` clauses)."""
        if not event_ids:
            return []
        answer = await self._call("POST", "/events/events/search", {
            "query": {"type": "or", "clauses": [{"id": event_id} for event_id in event_ids]},
            "limit": len(event_ids), "offset": 0}, max_bytes=MAX_SEARCH_ANSWER_BYTES)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise OpenCrvsBusy("OpenCRVS's search answer has no results")
        return [r for r in results if isinstance(r, dict)]

    async def read_event(self, event_id: str) -> dict[str, Any]:
        """`GET /events/events/{id}` — needs `record.read`, and appends a READ action each time
        (packages/events/src/router/event/index.ts `get`): only for a rejection's reason."""
        return await self._call("GET", f"/events/events/{event_id}", None)

    async def _call(self, method: str, path: str, body: Any, *, max_bytes: int = MAX_EVENT_ANSWER_BYTES) -> Any:
        content = body if isinstance(body, bytes) or body is None else encode_body(body)
        for attempt in range(2):
            token = await self.token(refresh=attempt > 0)
            headers = {"Authorization": f"Bearer {token.value}"}
            if content is not None:
                headers["Content-Type"] = JSON
            answer = await read_answer(self.http, method, f"{self.settings.base_url}{path}", content=content,
                                       headers=headers, max_bytes=max_bytes, what="OpenCRVS's answer")
            if answer.status_code != 401:
                return self._read(answer)
        raise OpenCrvsUnauthorized("OpenCRVS refused this device's token twice", params={"status": 401})

    @staticmethod
    def _read(answer: httpx.Response) -> Any:
        status = answer.status_code
        if 200 <= status < 300:
            try:
                return answer.json()
            except ValueError:
                raise OpenCrvsBusy("OpenCRVS's answer is not JSON", status=status) from None
        message = _error_message(answer)
        if status >= 500 or status == 429:
            raise OpenCrvsBusy(f"OpenCRVS answered {status}", status=status)
        if status == 400:
            refusals = field_refusals(message)
            if refusals is not None:
                raise OpenCrvsFieldErrors(refusals)
        said = _shown_text(message)
        if status == 409:
            raise OpenCrvsConflict(said or "conflict")
        if status == 403:
            raise OpenCrvsUnauthorized(f"OpenCRVS: this device's system client may not do this ({said})",
                                       params={"status": 403})
        raise OpenCrvsRefused(f"OpenCRVS answered {status}: {said}", status=status)

"""The confirmations relay's device API (relay/README.md "The device API"): pure protocol over httpx.

MOSIP's hub pushes CREDENTIAL_ISSUED only to a callback it can reach (mosip/websub
hub/start_hub.bal), so a country runs `crvs-relay` next to MOSIP: it subscribes as the partner,
checks each delivery's HMAC, keeps the body as the hub sent it, and serves each device the
deliveries for the registration ids it registered. This client registers awaited RIDs, pulls from a
cursor, acknowledges, and posts / reads the device's audit chain head.

Every answer is read bounded (`app.http`). Errors: `RelayUnavailable` (network, 5xx, an
answer that is not the API's) may succeed later; `RelayCredentialRefused` (401: a wrong or revoked
device token) and `RelayRefused` (another 4xx) need an admin.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from app.errors import ConfigurationFault, Unavailable
from app.http import read_answer_sync

MAX_ANSWER_BYTES = 16 * 1024 * 1024     # a pull of up to 1000 deliveries, each a few KiB of encrypted credential
MAX_SMALL_ANSWER = 64 * 1024
ADMIN_KEY_HEADER = "X-Crvs-Admin-Key"     # the relay's name for it (relay/app.py)
MAX_RIDS_PER_REQUEST = 1000             # the relay's bound (relay/app.py MAX_RIDS_PER_REQUEST)
MAX_PULL = 1000
MAX_BODY_BYTES = 4 * 1024 * 1024        # the relay's default --max-delivery-bytes


class RelayUnavailable(Unavailable):
    default_code = "relay.unavailable"


class RelayCredentialRefused(ConfigurationFault):
    """401: the relay does not know this device's token (wrong, or revoked by its admin)."""

    default_code = "relay.credential_refused"


class RelayRefused(ConfigurationFault):
    default_code = "relay.refused"


class RelayAdminKeyMismatch(RelayRefused):
    """409 admin_key_mismatch: the relay knows this device by another admin key — its key slots
    were replaced (an agent re-signing everything with her own key) or the device re-initialised."""

    default_code = "relay.admin_key_mismatch"


class HeadOutcome(StrEnum):
    ACCEPTED = "accepted"
    UNCHANGED = "unchanged"
    LOWER = "lower"           # a lower sequence than the acknowledged head: events deleted
    REWRITTEN = "rewritten"   # another hash at the acknowledged sequence: the chain was rewritten
    STALE = "stale"           # the anchor moved since this device read it (a concurrent post): read it again


@dataclass(frozen=True)
class RelaySettings:
    base_url: str
    token: str
    timeout: float = 20.0
    # SHA-256 (hex) of this device's admin public key, sent with every request: the relay keeps the
    # first one and refuses another (the trust root's anchor outside the device); "" sends none
    admin_key: str = ""


@dataclass(frozen=True)
class AuditHead:
    seq: int
    hash: str
    acknowledged_at: str | None = None


@dataclass(frozen=True)
class RelayDelivery:
    cursor: int
    event_id: str | None
    registration_id: str | None
    body: bytes               # the delivery as MOSIP's hub sent it


@dataclass(frozen=True)
class DeliveryPage:
    items: tuple[RelayDelivery, ...]
    next_cursor: int
    more: bool


@dataclass(frozen=True)
class AwaitResult:
    registered: int
    already: int
    made_visible: int
    awaited_elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeadAnswer:
    outcome: HeadOutcome
    head: AuditHead | None    # the head the relay holds after this call


def _int(value: Any, default: int = 0) -> int:
    return value if type(value) is int and 0 <= value < 2**63 else default


def _head(value: Any) -> AuditHead | None:
    if not isinstance(value, dict) or type(value.get("seq")) is not int or not isinstance(value.get("hash"), str):
        return None
    at = value.get("acknowledged_at")
    return AuditHead(value["seq"], value["hash"][:128], str(at)[:40] if at is not None else None)


class RelayClient:
    def __init__(self, settings: RelaySettings, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self._own_http = http is None
        self.http = http or httpx.Client(trust_env=False, follow_redirects=False)

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport

    def _call(self, method: str, path: str, *, max_bytes: int = MAX_SMALL_ANSWER,
              ok: tuple[int, ...] = (200,), deadline: float | None = None,
              headers: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, Any]:
        url = self.settings.base_url.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.settings.token}", "Accept": "application/json",
                   **({ADMIN_KEY_HEADER: self.settings.admin_key} if self.settings.admin_key else {}),
                   **(headers or {})}
        try:
            response = read_answer_sync(self.http, method, url, headers=headers, max_bytes=max_bytes,
                                        deadline=deadline or self.settings.timeout, what="the relay's answer",
                                        **kwargs)
        except httpx.HTTPError as exc:
            raise RelayUnavailable(f"the relay is unreachable ({type(exc).__name__})",
                                   params={"reason": type(exc).__name__}) from None
        status = response.status_code
        if status == 401:
            raise RelayCredentialRefused(
                "the relay refused this device's credential (wrong or revoked: check "
                "mosip.confirmations.device_credential)", params={"setting": "mosip.confirmations.device_credential"})
        try:
            body = response.json()
        except ValueError:
            body = None
        # before any endpoint's own 409s: whatever the request, the device's trust root is in question
        if status == 409 and isinstance(body, dict) and body.get("error") == "admin_key_mismatch":
            raise RelayAdminKeyMismatch(
                "the relay knows this device by another admin key: its key slots were replaced since it "
                "registered (an administrator must check the device), or it was re-initialised (issue it "
                "a new relay credential)")
        if status in ok and isinstance(body, dict):
            return status, body
        if status >= 500 or body is None:
            raise RelayUnavailable(f"the relay answered HTTP {status}", params={"status": status})
        error = str(body.get("error", ""))[:60] if isinstance(body, dict) else ""
        raise RelayRefused(f"the relay refused the request: HTTP {status} {error}".strip(),
                           params={"status": status, "error": error})

    # ------------------------------------------------------------------ awaited registration ids

    def await_rids(self, rids: list[str]) -> AwaitResult:
        """Register the RIDs whose confirmations this device awaits (idempotent; in batches of 1000).
        RIDs another device registered first are reported, not registered (the relay's 409)."""
        registered = already = visible = 0
        elsewhere: list[str] = []
        for start in range(0, len(rids), MAX_RIDS_PER_REQUEST):
            batch = rids[start:start + MAX_RIDS_PER_REQUEST]
            status, body = self._call("POST", "/v1/devices/me/awaited", json={"rids": batch}, ok=(200, 409))
            if status == 409:
                conflicts = [r for r in body.get("rids") or [] if isinstance(r, str) and r in batch]
                elsewhere += conflicts
                rest = [r for r in batch if r not in set(conflicts)]
                if not rest:
                    continue
                status, body = self._call("POST", "/v1/devices/me/awaited", json={"rids": rest})
            registered += _int(body.get("registered"))
            already += _int(body.get("already"))
            visible += _int(body.get("made_visible"))
        return AwaitResult(registered, already, visible, tuple(elsewhere))

    def forget_rids(self, rids: list[str]) -> int:
        forgotten = 0
        for start in range(0, len(rids), MAX_RIDS_PER_REQUEST):
            _, body = self._call("DELETE", "/v1/devices/me/awaited",
                                 json={"rids": rids[start:start + MAX_RIDS_PER_REQUEST]})
            forgotten += _int(body.get("forgotten"))
        return forgotten

    # ------------------------------------------------------------------ deliveries

    def pull(self, after: int, limit: int = 100) -> DeliveryPage:
        """This device's unacknowledged deliveries above `after`, by increasing cursor."""
        limit = max(1, min(limit, MAX_PULL))
        _, body = self._call("GET", "/v1/devices/me/deliveries", params={"after": after, "limit": limit},
                             max_bytes=MAX_ANSWER_BYTES)
        raw_items = body.get("items")
        if not isinstance(raw_items, list) or len(raw_items) > limit:
            raise RelayUnavailable("the relay's answer is not a page of deliveries")
        items = []
        for raw in raw_items:
            if not isinstance(raw, dict) or type(raw.get("cursor")) is not int or raw["cursor"] <= after \
                    or not isinstance(raw.get("body"), str) or len(raw["body"]) > MAX_BODY_BYTES * 4 // 3 + 4:
                raise RelayUnavailable("the relay's answer has a malformed delivery")
            try:
                payload = base64.b64decode(raw["body"], validate=True)
            except (binascii.Error, ValueError):
                raise RelayUnavailable("the relay's answer has a delivery that is not base64") from None
            event_id, rid = raw.get("event_id"), raw.get("registration_id")
            items.append(RelayDelivery(raw["cursor"], event_id[:128] if isinstance(event_id, str) else None,
                                       rid[:64] if isinstance(rid, str) else None, payload))
        next_cursor = _int(body.get("next_cursor"), after)
        return DeliveryPage(tuple(items), max(next_cursor, after), body.get("more") is True)

    def ack(self, cursors: list[int]) -> int:
        """Acknowledge applied deliveries; repeating is harmless. Returns how many were new."""
        acknowledged = 0
        for start in range(0, len(cursors), MAX_PULL):
            _, body = self._call("POST", "/v1/devices/me/acks", json={"cursors": cursors[start:start + MAX_PULL]})
            acknowledged += _int(body.get("acknowledged"))
        return acknowledged

    # ------------------------------------------------------------------ audit chain head

    def put_audit_head(self, seq: int, digest: str, prev: tuple[int, str | None] | None = None) -> HeadAnswer:
        """Send the newest audit event's (seq, hash) with ``prev``: this chain's (seq, hash) at the head
        the relay acknowledged last (hash None: this chain no longer has that event). The relay moves
        its anchor only if ``prev`` is what it acknowledged; a lower sequence or another hash comes back
        as LOWER / REWRITTEN, an anchor that moved meanwhile as STALE, each with the head it holds."""
        payload: dict[str, Any] = {"seq": seq, "hash": digest}
        if prev is not None and prev[1] is not None:
            payload.update(prev_seq=prev[0], prev_hash=prev[1])
        status, body = self._call("POST", "/v1/devices/me/audit-head", json=payload, ok=(200, 409))
        if status == 409:
            error = str(body.get("error", ""))
            outcome = {"audit_head_lower": HeadOutcome.LOWER, "audit_head_rewritten": HeadOutcome.REWRITTEN,
                       "audit_head_stale": HeadOutcome.STALE}.get(error)
            if outcome is None:
                raise RelayRefused(f"the relay refused the audit head: {error[:60]}", params={"error": error[:60]})
            return HeadAnswer(outcome, _head(body.get("head")))
        try:
            outcome = HeadOutcome(str(body.get("outcome")))
        except ValueError:
            raise RelayUnavailable("the relay's answer about the audit head is not the API's") from None
        if outcome not in (HeadOutcome.ACCEPTED, HeadOutcome.UNCHANGED):
            raise RelayUnavailable("the relay's answer about the audit head is not the API's")
        return HeadAnswer(outcome, _head(body.get("head")))

    def get_audit_head(self) -> AuditHead | None:
        """The last head the relay acknowledged for this device (None: none yet)."""
        _, body = self._call("GET", "/v1/devices/me/audit-head")
        return _head(body.get("head"))

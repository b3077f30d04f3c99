"""The relay's HTTP surface (Starlette).

Hub side (no device credential; authenticity is the HMAC):
  GET  /v1/websub/callback[/]   intent verification: echo hub.challenge for the topic we asked for
  POST /v1/websub/callback[/]   a delivery: bounded, HMAC checked, stored and committed, then 200
Device side (``Authorization: Bearer <token>``; anything else → 401 and nothing more; a device that
sends ``X-Crvs-Admin-Key: <sha256 hex of its admin public key>`` has it kept the first time and gets
409 admin_key_mismatch for any other one):
  POST   /v1/devices/me/awaited      {"rids": [...]}  the RIDs this device awaits (409: another's)
  DELETE /v1/devices/me/awaited      {"rids": [...]}  no longer awaited
  GET    /v1/devices/me/deliveries?after=<cursor>&limit=N
  POST   /v1/devices/me/acks         {"cursors": [...]}
  POST   /v1/devices/me/audit-head   {"seq": n, "hash": "…", "prev_seq": m, "prev_hash": "…"}
         (prev_*: the device chain at the acknowledged seq, required to move it; 409 audit_head_lower /
         audit_head_rewritten: tamper signal; 409 audit_head_stale: the anchor moved meanwhile, read it again)
  GET    /v1/devices/me/audit-head
  PUT    /v1/devices/me/backups/{name}   GET /v1/devices/me/backups[/{name}]   (relay/backup_api.py)
Operations: GET /healthz (alive), /readyz (database reachable), /metrics (Prometheus text, counts).

Delivery format (what MOSIP's hub sends, mosip/websub ``hub/start_hub.bal`` → websubhub
``hub_client.bal``): the event JSON as the body, ``X-Hub-Signature: sha256=<hex HMAC-SHA256(hub.secret,
body)>``; the event is mosip/id-repository ``CredentialStoreServiceImpl``'s ``{"event": {"id",
"dataShareUri", "data": {"registrationId", "credential" | …}}}``. The relay reads only the event id,
the registration id and the data-share URI; the body is kept as received, for the device to verify,
fetch and decrypt with its own partner key.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .backup_api import BackupApi
from .backups import BackupStore
from .db import HeadOutcome, IncomingDelivery, RidConflict, Store
from .metrics import Counters, DeliveryOutcome
from .settings import CALLBACK_PATH, Settings
from .subscriber import ALREADY_SUBSCRIBED, RETRY_AFTER_SECONDS, Maintenance

log = logging.getLogger("relay")

MAX_DEVICE_BODY = 256 * 1024
MAX_RIDS_PER_REQUEST = 1000
MAX_PULL = 1000
DEFAULT_PULL = 100
MAX_CHALLENGE = 512
VERIFY_WINDOW_SECONDS = max(RETRY_AFTER_SECONDS * 10, 600.0)   # intent retries included
RID_PATTERN = re.compile(r"[A-Za-z0-9]{1,64}")
ADMIN_KEY_HEADER = "X-Crvs-Admin-Key"      # SHA-256 (hex) of the device's Ed25519 admin public key
ADMIN_KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
HASH_PATTERN = re.compile(r"[A-Za-z0-9_\-+/=:]{8,128}")
EVENT_ID_MAX = 128


class BodyTooLarge(Exception):
    pass


async def read_bounded(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature: sha256=<hex>``, compared in constant time (websubhub hub_client.bal signs
    the body with HMAC-SHA256 of hub.secret)."""
    if not header:
        return False
    method, _, given = header.partition("=")
    if method.strip().lower() != "sha256":
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode("ascii", "replace"))


def parse_delivery(body: bytes) -> IncomingDelivery:
    """Only what routing needs; an unreadable event keeps ``registration_id=None`` (quarantined)."""
    body_digest = hashlib.sha256(body).hexdigest()
    event_id = rid = share = None
    try:
        event = json.loads(body).get("event")
        if isinstance(event, dict):
            raw_id, data, raw_share = event.get("id"), event.get("data"), event.get("dataShareUri")
            if isinstance(raw_id, str) and 0 < len(raw_id) <= EVENT_ID_MAX:
                event_id = raw_id
            if isinstance(data, dict) and isinstance(data.get("registrationId"), str) \
                    and RID_PATTERN.fullmatch(data["registrationId"]):
                rid = data["registrationId"]
            if isinstance(raw_share, str) and raw_share.startswith(("https://", "http://")) and len(raw_share) <= 2048:
                share = raw_share
    except (ValueError, AttributeError, UnicodeDecodeError):
        pass
    dedup = f"event:{event_id}" if event_id else f"sha256:{body_digest}"
    return IncomingDelivery(dedup_key=dedup, event_id=event_id, registration_id=rid, data_share_uri=share, body=body)


def _error(status: int, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, **extra}, status_code=status)


UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="crvs-relay"'}


class Relay:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.counters = Counters()
        self.backups = BackupStore(store.engine, Path(settings.backup_dir), keep=settings.backup_keep,
                                   quota_bytes=settings.backup_quota_bytes, clock=store.clock) \
            if settings.backup_dir else None
        self.backup_api = BackupApi(self.backups, self._authorised, self.counters)
        self.maintenance = Maintenance(store, settings, self.backups)
        self._hub_secret: str | None = settings.hub_secret or None

    # ------------------------------------------------------------------------------------------ helpers
    async def db(self, fn: Any, *args: Any) -> Any:
        """Run a store call in a worker thread; once more if the server had dropped the pooled connection
        (every store call is one transaction, and safe to repeat: deliveries and acks are idempotent)."""
        try:
            return await anyio.to_thread.run_sync(fn, *args)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            return await anyio.to_thread.run_sync(fn, *args)

    async def hub_secret(self) -> str:
        # the stored secret never changes once generated, so reading it once per process is safe
        if self._hub_secret is None:
            self._hub_secret = await self.db(self.store.hub_secret)
        return self._hub_secret

    async def device(self, request: Request) -> int | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 256:
            return None
        return await self.db(self.store.authenticate, token)

    async def device_json(self, request: Request) -> Any:
        return json.loads(await read_bounded(request, MAX_DEVICE_BODY))

    # ------------------------------------------------------------------------------------------ hub
    async def verify_intent(self, request: Request) -> Response:
        """The hub's GET: subscribe → echo the challenge if it is the topic we asked for, recently
        (the hub compares the body with the challenge: websubhub ``http_service.bal``/``utils.bal``);
        denied → record why; anything else (an unsubscribe we never asked for) → 404."""
        query = request.query_params
        mode, topic = query.get("hub.mode", ""), query.get("hub.topic", "")
        if mode == "denied":
            reason = query.get("hub.reason", "")[:255]
            self.counters.incr("intent", "mode", "denied")
            if reason == ALREADY_SUBSCRIBED and topic == self.settings.topic:
                await self.db(self.store.record_verified, None)     # the hub already delivers to us
            else:
                await self.db(self.store.record_denied, reason)
                log.warning("subscription denied by the hub", extra={"fields": {"topic": topic[:255],
                                                                                 "reason": reason}})
            return PlainTextResponse("")
        if mode != "subscribe" or not self.settings.partner_id or topic != self.settings.topic:
            self.counters.incr("intent", "mode", "refused")
            return PlainTextResponse("not subscribing to that", status_code=404)
        challenge = query.get("hub.challenge", "")
        if not challenge or len(challenge) > MAX_CHALLENGE:
            return PlainTextResponse("bad challenge", status_code=400)
        state = await self.db(self.store.subscription_state)
        requested = state.get("requested_at")
        if not isinstance(requested, float) or self.store.clock() - requested > VERIFY_WINDOW_SECONDS:
            self.counters.incr("intent", "mode", "unrequested")
            return PlainTextResponse("no subscription requested", status_code=404)
        lease = query.get("hub.lease_seconds", "")
        await self.db(self.store.record_verified, int(lease) if lease.isdigit() and len(lease) < 12 else None)
        self.counters.incr("intent", "mode", "verified")
        log.info("subscription verified", extra={"fields": {"topic": topic}})
        return PlainTextResponse(challenge)

    async def delivery(self, request: Request) -> Response:
        try:
            body = await read_bounded(request, self.settings.max_delivery_bytes)
        except BodyTooLarge:
            self.counters.incr("deliveries", "outcome", DeliveryOutcome.TOO_LARGE)
            return PlainTextResponse("delivery too large", status_code=413)
        if not signature_valid(await self.hub_secret(), body, request.headers.get("x-hub-signature")):
            self.counters.incr("deliveries", "outcome", DeliveryOutcome.FORGED)
            log.warning("delivery refused: signature", extra={"fields": {"bytes": len(body)}})
            return PlainTextResponse("signature mismatch", status_code=401)
        incoming = parse_delivery(body)
        stored = await self.db(self.store.store_delivery, incoming)
        if not stored:
            outcome = DeliveryOutcome.DUPLICATE
        elif incoming.registration_id is None:
            # signed by the hub, but not an event we can route: kept (never shown to a device) and
            # answered 2xx — a non-2xx answer stops MOSIP's consumer for every later event too
            outcome = DeliveryOutcome.QUARANTINED
        else:
            outcome = DeliveryOutcome.STORED
        self.counters.incr("deliveries", "outcome", outcome)
        log.info("delivery " + outcome.value, extra={"fields": {
            "event_id": incoming.event_id, "rid": incoming.registration_id, "bytes": len(body)}})
        if self.settings.test_pause_after_store:
            await asyncio.sleep(self.settings.test_pause_after_store)
        # the answer opencrvs/mosip gives (packages/mosip-api/src/routes/websub-credential-issued.ts);
        # MOSIP's hub looks only at the 2xx status
        return JSONResponse({"status": "RECEIVED"})

    # ------------------------------------------------------------------------------------------ devices
    async def _authorised(self, request: Request) -> int | Response:
        device_id = await self.device(request)
        if device_id is None:
            self.counters.incr("device_requests", "outcome", "unauthorised")
            return JSONResponse({"error": "unauthorised"}, status_code=401, headers=UNAUTHORISED)
        # the device's admin-key fingerprint: kept the first time, and any other one refused (a device
        # whose trust root was replaced — docs/SECURITY.md); a device that sends none is not checked
        fingerprint = request.headers.get(ADMIN_KEY_HEADER, "").strip().lower()
        if fingerprint:
            if not ADMIN_KEY_PATTERN.fullmatch(fingerprint):
                return _error(400, "invalid_admin_key")
            if not await self.db(self.store.check_admin_key, device_id, fingerprint):
                self.counters.incr("device_requests", "outcome", "admin_key_mismatch")
                log.warning("a device presented another admin key", extra={"fields": {"device": device_id}})
                return _error(409, "admin_key_mismatch")
        return device_id

    async def _rids(self, request: Request) -> list[str] | Response:
        try:
            rids = (await self.device_json(request)).get("rids")
        except BodyTooLarge:
            return _error(413, "body_too_large")
        except (ValueError, AttributeError, UnicodeDecodeError):
            return _error(400, "invalid_json")
        if not isinstance(rids, list) or not 0 < len(rids) <= MAX_RIDS_PER_REQUEST \
                or not all(isinstance(r, str) and RID_PATTERN.fullmatch(r) for r in rids):
            return _error(400, "invalid_rids", detail=f"1..{MAX_RIDS_PER_REQUEST} alphanumeric ids of ≤ 64")
        return rids

    async def awaited(self, request: Request) -> Response:
        device_id = await self._authorised(request)
        if isinstance(device_id, Response):
            return device_id
        rids = await self._rids(request)
        if isinstance(rids, Response):
            return rids
        if request.method == "DELETE":
            return JSONResponse({"forgotten": await self.db(self.store.forget_rids, device_id, rids)})
        try:
            result = await self.db(self.store.await_rids, device_id, rids)
        except RidConflict as conflict:
            self.counters.incr("device_requests", "outcome", "rid_conflict")
            log.warning("registration ids awaited by another device", extra={"fields": {
                "device_id": device_id, "rids": conflict.rids[:20]}})
            return _error(409, "awaited_by_another_device", rids=conflict.rids)
        return JSONResponse({"registered": result.registered, "already": result.already,
                             "made_visible": result.made_visible})

    async def deliveries(self, request: Request) -> Response:
        device_id = await self._authorised(request)
        if isinstance(device_id, Response):
            return device_id
        try:
            after = int(request.query_params.get("after", "0"))
            limit = int(request.query_params.get("limit", str(DEFAULT_PULL)))
        except ValueError:
            return _error(400, "invalid_cursor")
        if after < 0 or after >= 2**63 or not 0 < limit <= MAX_PULL:
            return _error(400, "invalid_cursor", detail=f"after ≥ 0, 1 ≤ limit ≤ {MAX_PULL}")
        rows = await self.db(self.store.pull, device_id, after, limit)
        items = [{"cursor": r["cursor"], "event_id": r["event_id"], "registration_id": r["registration_id"],
                  "data_share_uri": r["data_share_uri"], "received_at": r["received_at"],
                  "body": base64.b64encode(r["body"]).decode("ascii")} for r in rows]
        self.counters.incr("device_requests", "outcome", "pulled")
        return JSONResponse({"items": items, "next_cursor": items[-1]["cursor"] if items else after,
                             "more": len(items) == limit})

    async def acks(self, request: Request) -> Response:
        device_id = await self._authorised(request)
        if isinstance(device_id, Response):
            return device_id
        try:
            cursors = (await self.device_json(request)).get("cursors")
        except BodyTooLarge:
            return _error(413, "body_too_large")
        except (ValueError, AttributeError, UnicodeDecodeError):
            return _error(400, "invalid_json")
        if not isinstance(cursors, list) or not 0 < len(cursors) <= MAX_PULL \
                or not all(type(c) is int and 0 < c < 2**63 for c in cursors):
            return _error(400, "invalid_cursors", detail=f"1..{MAX_PULL} positive integers")
        acknowledged = await self.db(self.store.ack, device_id, cursors)
        return JSONResponse({"acknowledged": acknowledged})

    async def audit_head(self, request: Request) -> Response:
        device_id = await self._authorised(request)
        if isinstance(device_id, Response):
            return device_id
        if request.method == "GET":
            head = await self.db(self.store.get_audit_head, device_id)
            return JSONResponse({"head": head})
        try:
            payload = await self.device_json(request)
            seq, digest = payload.get("seq"), payload.get("hash")
            prev_seq, prev_hash = payload.get("prev_seq"), payload.get("prev_hash")
        except BodyTooLarge:
            return _error(413, "body_too_large")
        except (ValueError, AttributeError, UnicodeDecodeError):
            return _error(400, "invalid_json")
        if type(seq) is not int or not 0 <= seq < 2**63 or not isinstance(digest, str) \
                or not HASH_PATTERN.fullmatch(digest):
            return _error(400, "invalid_head", detail="seq: integer ≥ 0; hash: 8–128 hex/base64 characters")
        prev: tuple[int, str] | None = None
        if prev_seq is not None or prev_hash is not None:
            if type(prev_seq) is not int or not 0 <= prev_seq <= seq or not isinstance(prev_hash, str) \
                    or not HASH_PATTERN.fullmatch(prev_hash):
                return _error(400, "invalid_head", detail="prev_seq: integer ≤ seq; prev_hash: 8–128 "
                                                          "hex/base64 characters; both or neither")
            prev = (prev_seq, prev_hash)
        outcome, head = await self.db(self.store.put_audit_head, device_id, seq, digest, prev)
        if outcome is HeadOutcome.STALE:
            self.counters.incr("device_requests", "outcome", "audit_head_stale")
            return _error(409, "audit_head_stale", head=head)
        if outcome in (HeadOutcome.LOWER, HeadOutcome.REWRITTEN):
            self.counters.incr("tamper_signals", "kind", outcome)
            log.warning("audit head refused: tamper signal", extra={"fields": {
                "device_id": device_id, "kind": outcome.value, "seq": seq, "prev_seq": prev_seq,
                "acknowledged_seq": head["seq"] if head else None}})
            return _error(409, f"audit_head_{outcome.value}", head=head)
        return JSONResponse({"outcome": outcome.value, "head": head})

    # ------------------------------------------------------------------------------------------ operations
    async def healthz(self, _request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(self, _request: Request) -> Response:
        try:
            await self.db(self.store.ping)
        except Exception as exc:
            log.warning("database not ready", extra={"fields": {"error": type(exc).__name__}})
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics(self, _request: Request) -> Response:
        try:
            gauges = await self.db(self.store.gauges)
        except Exception:
            gauges = None
        return PlainTextResponse(self.counters.render(gauges), media_type="text/plain; version=0.0.4")

    # ------------------------------------------------------------------------------------------ app
    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(self.maintenance.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(Exception):
                await self.maintenance.release()

    def asgi(self) -> Starlette:
        callback = [Route(path, self.verify_intent, methods=["GET"]) for path in (CALLBACK_PATH, CALLBACK_PATH + "/")]
        callback += [Route(path, self.delivery, methods=["POST"]) for path in (CALLBACK_PATH, CALLBACK_PATH + "/")]
        routes = [
            *callback,
            Route("/v1/devices/me/awaited", self.awaited, methods=["POST", "DELETE"]),
            Route("/v1/devices/me/deliveries", self.deliveries, methods=["GET"]),
            Route("/v1/devices/me/acks", self.acks, methods=["POST"]),
            Route("/v1/devices/me/audit-head", self.audit_head, methods=["GET", "POST"]),
            Route("/v1/devices/me/backups", self.backup_api.listing, methods=["GET"]),
            Route("/v1/devices/me/backups/{name}", self.backup_api.put, methods=["PUT"]),
            Route("/v1/devices/me/backups/{name}", self.backup_api.fetch, methods=["GET"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
        ]
        # redirect_slashes off: the trailing-slash callback is routed explicitly, and a redirect of a
        # POST would lose the delivery
        app = Starlette(routes=routes, lifespan=self.lifespan)
        app.router.redirect_slashes = False
        return app

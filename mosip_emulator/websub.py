"""WebSub hub (``POST /hub``, also ``/websub/hub``) with intent verification, HMAC and redelivery.

- ``hub.mode=subscribe|unsubscribe`` (form-encoded; ``hub.topic``, ``hub.callback``, ``hub.secret``,
  ``hub.lease_seconds``) → 202 ``hub.mode=accepted``; the intent is then verified asynchronously by
  ``GET callback?hub.mode=…&hub.topic=…&hub.challenge=…&hub.lease_seconds=…`` which must answer 2xx
  with the challenge as body.  ``register``/``unregister`` (topics) are accepted; ``publish`` posts the
  request body to the topic's subscribers.
- A subscription is identified by (topic, callback).  Re-subscribing keeps its pending deliveries and
  retries them at once; the new secret signs them.
- Every delivery: ``POST callback`` with ``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>``;
  2xx = delivered; anything else (or no answer) → retried with exponential back-off
  (``redelivery_initial`` × 2ⁿ, capped at ``redelivery_max_interval``) until ``redelivery_max_attempts``
  attempts or ``redelivery_max_age`` seconds, then given up (state ``FAILED``) — until the subscriber
  re-subscribes: a verified re-subscribe re-queues what was given up, with fresh attempts.
- Events published to a topic that has no subscriber wait in a per-topic backlog and go to the first
  subscriber whose intent is verified (a device that subscribes late still gets its credentials).
- With ``hub_requires_token`` every hub request needs a valid auth-manager token (``Cookie:
  Authorization=…`` or an ``Authorization`` header), as MOSIP's hub does; otherwise 401.
- A subscription whose lease ran out (``hub.lease_seconds``) is EXPIRED: its events are kept, not
  sent, until the subscriber subscribes again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from . import crypto
from .util import iso_ms

if TYPE_CHECKING:
    from .app import Emulator

log = logging.getLogger("mosip_emulator.websub")


@dataclass
class Delivery:
    id: str
    event_id: str
    topic: str
    registration_id: str | None
    body: bytes
    created: float = field(default_factory=time.time)
    attempts: int = 0
    status: str = "PENDING"   # PENDING | DELIVERED | FAILED
    last_error: str | None = None
    last_attempt: float | None = None
    next_attempt: float = field(default_factory=time.time)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "event_id": self.event_id, "topic": self.topic,
                "registration_id": self.registration_id, "attempts": self.attempts, "status": self.status,
                "last_error": self.last_error}


@dataclass
class Subscription:
    topic: str
    callback: str
    secret: str
    lease_seconds: int
    state: str = "PENDING_VERIFICATION"  # → ACTIVE | VERIFICATION_FAILED | EXPIRED | UNSUBSCRIBED
    created: float = field(default_factory=time.time)
    expires: float = 0.0
    queue: list[Delivery] = field(default_factory=list)
    history: list[Delivery] = field(default_factory=list)
    dead: list[Delivery] = field(default_factory=list)   # given up; re-queued by a re-subscribe
    wake: asyncio.Event | None = None
    worker: asyncio.Task[None] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.topic, self.callback)

    def summary(self) -> dict[str, Any]:
        return {"topic": self.topic, "callback": self.callback, "state": self.state,
                "lease_seconds": self.lease_seconds, "expires": self.expires,
                "pending": [d.summary() for d in self.queue],
                "delivered": sum(1 for d in self.history if d.status == "DELIVERED"),
                "failed": [d.summary() for d in self.dead]}


class Hub:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.backlog: dict[str, list[Delivery]] = {}
        self.topics: set[str] = set()
        self.published: list[dict[str, Any]] = []
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.emu.config.delivery_timeout, trust_env=False)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for sub in self.subscriptions.values():
            if sub.worker:
                sub.worker.cancel()
        if self._client is not None:
            await self._client.aclose()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------------------------------ HTTP
    async def handle(self, request: Request) -> Response:
        query = request.query_params
        if self.emu.config.hub_requires_token and not self.emu.lifecycle.authorised(request):
            # MOSIP's hub wants the auth-manager token (OpenCRVS sends Authorization and the cookie)
            self.emu.counters.incr("hub_unauthorised", request.client.host if request.client else "?")
            return PlainTextResponse("hub.mode=denied&hub.reason=Unauthorized", status_code=401)
        if query.get("hub.mode") == "publish":      # MOSIP style: mode/topic in the query, event as body
            topic = query.get("hub.topic") or ""
            if not topic:
                return _bad("hub.topic is required")
            self.publish(topic, await request.body(), None)
            return _accepted()
        form = await request.form()
        mode = str(form.get("hub.mode") or query.get("hub.mode") or "")
        topic = str(form.get("hub.topic") or query.get("hub.topic") or "")
        if mode in ("register", "unregister"):
            if not topic:
                return _bad("hub.topic is required")
            (self.topics.add if mode == "register" else self.topics.discard)(topic)
            return _accepted()
        if mode not in ("subscribe", "unsubscribe"):
            return _bad(f"unsupported hub.mode {mode!r}")
        callback = str(form.get("hub.callback") or "")
        if not topic or not callback:
            return _bad("hub.topic and hub.callback are required")
        if not callback.startswith(("http://", "https://")):
            return _bad("hub.callback must be an http(s) URL")
        secret = str(form.get("hub.secret") or "")
        try:
            lease = int(str(form.get("hub.lease_seconds") or self.emu.config.default_lease_seconds))
        except ValueError:
            return _bad("hub.lease_seconds must be an integer")
        self.emu.counters.incr(f"hub_{mode}_requests", f"{topic} {callback}")
        self._spawn(self._verify_intent(mode, topic, callback, secret, lease))
        return _accepted()

    # ------------------------------------------------------------------------------------------ intent
    async def _verify_intent(self, mode: str, topic: str, callback: str, secret: str, lease: int) -> None:
        challenge = secrets.token_urlsafe(16)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge,
                  "hub.lease_seconds": str(lease)}
        ok = False
        try:
            assert self._client is not None
            resp = await self._client.get(callback, params=params)
            ok = 200 <= resp.status_code < 300 and resp.text.strip() == challenge
        except httpx.HTTPError as exc:
            log.info("intent verification of %s failed: %s", callback, exc)
        self.emu.counters.incr("hub_verifications", "ok" if ok else "failed")
        key = (topic, callback)
        existing = self.subscriptions.get(key)
        if mode == "unsubscribe":
            if ok and existing is not None:
                existing.state = "UNSUBSCRIBED"
                existing.queue.clear()
                if existing.worker:
                    existing.worker.cancel()
                del self.subscriptions[key]
            return
        if not ok:
            if existing is None:
                self.subscriptions[key] = Subscription(topic, callback, secret, lease,
                                                       state="VERIFICATION_FAILED")
            # an existing subscription keeps its state and pending deliveries
            return
        if existing is None or existing.state in ("VERIFICATION_FAILED", "UNSUBSCRIBED"):
            sub = existing or Subscription(topic, callback, secret, lease)
            self.subscriptions[key] = sub
        else:
            sub = existing
        sub.secret = secret
        sub.lease_seconds = lease
        sub.state = "ACTIVE"
        sub.expires = time.time() + lease
        for delivery in self.backlog.pop(topic, []):
            sub.queue.append(delivery)
        for delivery in sub.dead:        # given up while the subscriber was away: try again
            delivery.status = "PENDING"
            sub.queue.append(delivery)
        sub.dead.clear()
        for delivery in sub.queue:       # a re-subscribe retries at once, with a fresh back-off
            delivery.next_attempt = time.time()
            delivery.attempts = 0
        self._kick(sub)

    # ------------------------------------------------------------------------------------------ publish
    def publish(self, topic: str, body: bytes, registration_id: str | None,
                event_id: str | None = None) -> int:
        """Queue ``body`` for every subscriber of ``topic`` (or the backlog); returns the number queued."""
        event_id = event_id or str(uuid.uuid4())
        self.published.append({"topic": topic, "event_id": event_id, "registration_id": registration_id,
                               "published": iso_ms()})
        self.emu.counters.incr("events_published", registration_id or event_id)
        subs = [s for s in self.subscriptions.values()
                if s.topic == topic and s.state in ("ACTIVE", "PENDING_VERIFICATION", "EXPIRED")]
        if not subs:
            self.backlog.setdefault(topic, []).append(
                Delivery(str(uuid.uuid4()), event_id, topic, registration_id, body))
            return 0
        for sub in subs:
            sub.queue.append(Delivery(str(uuid.uuid4()), event_id, topic, registration_id, body))
            if sub.state == "ACTIVE":
                self._kick(sub)
        return len(subs)

    def publish_credential(self, rid: str, identity: dict[str, Any] | None,
                           extra_subject: dict[str, Any] | None = None) -> None:
        """CREDENTIAL_ISSUED for every partner with an encryption certificate (PROTOCOLS §3)."""
        for partner in list(self.emu.state.partners.values()):
            cert = partner.encryption_cert()
            if cert is None:
                continue
            topic = f"{partner.partner_id}/CREDENTIAL_ISSUED"
            vc = self.emu.make_credential(rid, identity, partner.partner_id, extra_subject)
            vc_bytes = json.dumps(vc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            credential = crypto.encrypt_credential(vc_bytes, cert)
            event_id = str(uuid.uuid4())
            now = iso_ms()
            proof = crypto.jws_sign_detached(self.emu.state.credential.key, credential.encode("ascii"),
                                             self.emu.state.credential.cert)
            event = {
                "publisher": "CREDENTIAL_SERVICE",
                "topic": topic,
                "publishedOn": now,
                "event": {
                    "id": event_id,
                    "transactionId": str(uuid.uuid4()),
                    "type": {"namespace": "mosip", "name": "mosip"},
                    "timestamp": now,
                    "dataShareUri": None,
                    "data": {
                        "registrationId": rid,
                        "credential": credential,
                        "credentialType": partner.credential_type,
                        "protectionKey": "",
                        "proof": {"signature": proof},
                    },
                },
            }
            body = json.dumps(event, separators=(",", ":")).encode("utf-8")
            self.emu.counters.incr("credentials_issued", rid)
            self.publish(topic, body, rid, event_id)

    # ------------------------------------------------------------------------------------------ delivery
    def _kick(self, sub: Subscription) -> None:
        if sub.wake is None:
            sub.wake = asyncio.Event()
        sub.wake.set()
        if sub.worker is None or sub.worker.done():
            sub.worker = self._spawn(self._worker(sub))

    async def _worker(self, sub: Subscription) -> None:
        cfg = self.emu.config
        assert sub.wake is not None
        while sub.queue and sub.state == "ACTIVE":
            if sub.expires and time.time() > sub.expires:
                sub.state = "EXPIRED"       # held until the subscriber subscribes again
                break
            delivery = sub.queue[0]
            wait = delivery.next_attempt - time.time()
            if wait > 0:
                sub.wake.clear()
                try:  # woken early by a re-subscribe (which resets next_attempt) or a new event
                    await asyncio.wait_for(sub.wake.wait(), timeout=wait)
                except TimeoutError:
                    pass
                continue
            ok = await self._attempt(sub, delivery)
            if ok:
                delivery.status = "DELIVERED"
                delivery.body = b""          # keep the record, not the payload (bulk runs)
                sub.queue.pop(0)
                sub.history.append(delivery)
                self.emu.counters.incr("deliveries_succeeded", delivery.registration_id or delivery.event_id)
                continue
            age = time.time() - delivery.created
            if delivery.attempts >= cfg.redelivery_max_attempts or age >= cfg.redelivery_max_age:
                delivery.status = "FAILED"
                sub.queue.pop(0)
                sub.dead.append(delivery)
                self.emu.counters.incr("deliveries_failed", delivery.registration_id or delivery.event_id)
                continue
            backoff = min(cfg.redelivery_initial * (2 ** (delivery.attempts - 1)),
                          cfg.redelivery_max_interval)
            delivery.next_attempt = time.time() + backoff

    async def _attempt(self, sub: Subscription, delivery: Delivery) -> bool:
        assert self._client is not None
        delivery.attempts += 1
        delivery.last_attempt = time.time()
        self.emu.counters.incr("deliveries_attempted", delivery.registration_id or delivery.event_id)
        digest = hmac.new(sub.secret.encode("utf-8"), delivery.body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature": f"sha256={digest}"}
        try:
            resp = await self._client.post(sub.callback, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            return False
        if 200 <= resp.status_code < 300:
            delivery.last_error = None
            return True
        delivery.last_error = f"HTTP {resp.status_code}"
        return False

    def inspect(self) -> dict[str, Any]:
        return {
            "subscriptions": [s.summary() for s in self.subscriptions.values()],
            "backlog": {t: [d.summary() for d in ds] for t, ds in self.backlog.items()},
            "topics": sorted(self.topics),
            "published": list(self.published),
        }


def _accepted() -> Response:
    return Response("hub.mode=accepted", status_code=202, media_type="application/x-www-form-urlencoded")


def _bad(reason: str) -> Response:
    return PlainTextResponse(f"hub.mode=denied&hub.reason={reason}", status_code=400)

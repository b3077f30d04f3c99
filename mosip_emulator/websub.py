"""WebSub hub (``POST /hub``, also ``/websub/hub``) and the data share, as MOSIP's Kafka hub behaves.

Sources (the table is ``docs/fidelity/websub.md``): mosip/websub ``hub/`` (Ballerina: ``hub_service.bal``,
``start_hub.bal``, ``modules/security/security.bal``, ``modules/connections/connections.bal``,
``modules/config/configurations.bal``), ``consolidator/consolidator_service.bal``; the Ballerina library
it is built on, ballerina-platform/module-ballerina-websubhub (``http_service.bal``, ``subscription.bal``,
``hub_client.bal``, ``utils.bal``); mosip/id-repository ``CredentialStoreServiceImpl`` (the event);
mosip/durian ``DataShareController`` / ``DataShareServiceImpl`` (the data share).

- Subscribe / unsubscribe (form-encoded). With ``hub_requires_token`` (the default, MOSIP's
  ``SECURITY_ON``) the token is read from the ``Cookie`` header only (``Authorization=<jwt>``), and
  ``<partner>/<EVENT>`` is allowed only to a token whose user, less the ``service-account-`` prefix, is
  that partner and whose roles hold ``SUBSCRIBE_<EVENT>_INDIVIDUAL`` (a topic without a partner:
  ``SUBSCRIBE_<topic>_GENERAL``). Refused → **HTTP 500** ``hub.mode=denied&hub.reason=…`` (the
  library answers any non-``BadSubscriptionError`` as an internal error).
- Accepted → 202 ``hub.mode=accepted``; then, asynchronously: if the (topic, callback) consumer is
  running, the callback gets ``GET ?hub.mode=denied&hub.topic=…&hub.reason=Subscriber has already
  registered with the Hub``; otherwise ``GET ?hub.mode=subscribe&hub.topic=…&hub.challenge=…
  &hub.lease_seconds=…`` whose body must equal the challenge (the status is not looked at). Connection
  failures are retried (3 s, ×2, at most 3 times). The lease is echoed and never enforced.
- The consolidator keeps the FIRST subscription of a (topic, callback): a later subscribe changes neither
  its secret nor its place in the topic. Every verified subscription change makes the hub re-read the
  subscriber list and restart every consumer that had stopped.
- A new subscription reads the topic from its end (a new Kafka consumer group, no ``offsetReset``, so
  Kafka's ``latest``): events published before it are not delivered to it.
  ``hub_backlog_before_subscribe`` starts it at the topic's beginning instead (off by default).
- Delivery: ``POST callback`` (with a **trailing slash** when ``hub_trailing_slash``: websubhub ≤ 1.4,
  i.e. MOSIP hub 1.2.0.x built with Ballerina 2201.0.0, posts to ``callback + "/"``), body = the event,
  ``X-Hub-Signature: sha256=<lower-case hex HMAC-SHA256(hub.secret, body)>``. Any 2xx = delivered. A
  connection error or timeout is retried (``redelivery_initial`` s, ×2, capped ``redelivery_max_interval``,
  ``redelivery_max_attempts`` attempts in all); a non-2xx answer is not retried. Either failure STOPS
  this subscriber's consumer: nothing more (neither that event nor later ones) is sent until the hub
  restarts consumers (a verified subscribe/unsubscribe of anyone, or ``restart()``); it then resumes at
  the first undelivered event, signed with the subscription's original secret.
- Data share (partners in ``data_share_partners``): the event carries ``dataShareUri`` and no
  ``data.credential``; ``GET /v1/datashare/get/{policy}/{partner}/{key}`` (token required) answers the
  encrypted credential's bytes with a ``Signature`` header, or HTTP 200 with ``errors`` (DAT-SER-008 not
  found, DAT-SER-006 used up / expired).
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
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from . import crypto
from .util import iso_ms, mosip_error

if TYPE_CHECKING:
    from .app import Emulator

log = logging.getLogger("mosip_emulator.websub")

# mosip/websub hub/modules/config/configurations.bal
PARTNER_USER_ID_PREFIX = "service-account-"
# the WEBSUB client of a credential partner: its client id is the partner id (security.bal compares them)
WEBSUB_CLIENT_APP_ID = "partner"
WEBSUB_CLIENT_ROLES = "SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL"
ALREADY_SUBSCRIBED = "Subscriber has already registered with the Hub"   # hub_service.bal
NOT_AUTHORIZED = "Subscriber is not authorized"                         # security.bal
NO_COOKIE = "Http header does not exist"                                 # ballerina/http getHeader
NO_TOKEN_IN_COOKIE = "Authorization token cannot be found"              # security.bal getToken
BAD_MODE = "The request does not include valid `hub.mode` form param."   # websubhub http_service.bal
INTENT_RETRY_INTERVAL = 3.0   # INTENT_VERIFICATION_RETRY_INTERVAL / _COUNT / _BACKOFF_FACTOR / _MAX_INTERVAL
INTENT_RETRY_COUNT = 3
INTENT_MAX_INTERVAL = 20.0
BACKOFF_FACTOR = 2.0
# mosip/durian DataUtilityErrorCodes
DATA_SHARE_NOT_FOUND = ("DAT-SER-008", "Data share not found")
DATA_SHARE_EXPIRED = ("DAT-SER-006", "Data share usuage expired")


class ConsumerState(StrEnum):
    RUNNING = "RUNNING"   # in the hub's subscriber cache, its Kafka consumer polling
    STOPPED = "STOPPED"   # a delivery failed: the consumer closed, the subscription stays persisted


@dataclass
class HubEvent:
    event_id: str
    topic: str
    registration_id: str | None
    body: bytes
    published: str = field(default_factory=iso_ms)


@dataclass
class Subscription:
    topic: str
    callback: str
    secret: str
    lease_seconds: int
    consumer_group: str
    offset: int                      # the consumer group's committed offset in the topic
    state: ConsumerState = ConsumerState.RUNNING
    delivered: int = 0
    head_attempts: int = 0
    last_error: str | None = None
    created: float = field(default_factory=time.time)
    wake: asyncio.Event | None = None
    worker: asyncio.Task[None] | None = None

    def summary(self, topic_log: list[HubEvent]) -> dict[str, Any]:
        pending = []
        for i, event in enumerate(topic_log[self.offset:]):
            head = i == 0
            pending.append({"event_id": event.event_id, "registration_id": event.registration_id,
                            "attempts": self.head_attempts if head else 0,
                            "last_error": self.last_error if head else None})
        return {"topic": self.topic, "callback": self.callback, "state": self.state.value,
                "lease_seconds": self.lease_seconds, "consumer_group": self.consumer_group,
                "offset": self.offset, "pending": pending, "delivered": self.delivered,
                "last_error": self.last_error}


@dataclass
class DataShare:
    policy_id: str
    partner_id: str
    data: bytes
    signature: str
    valid_until: float
    transactions_left: int           # -1: unlimited


class Hub:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.logs: dict[str, list[HubEvent]] = {}
        self.topics: set[str] = set()
        self.published: list[dict[str, Any]] = []
        self.data_share_partners: set[str] = set(emulator.config.data_share_partners)
        self.data_shares: dict[str, DataShare] = {}
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

    # ------------------------------------------------------------------------------------------ clients
    def websub_client(self, client_id: str) -> dict[str, str] | None:
        """The auth-manager client a credential partner subscribes with: client id = partner id,
        role SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL; its secret is derived from the state's salt."""
        partner = self.emu.state.partners.get(client_id)
        if partner is None or partner.encryption_cert_pem is None:
            return None
        salt = str(self.emu.state.salts["partner_salt"]).encode()
        secret = hmac.new(salt, f"websub-client:{client_id}".encode(), hashlib.sha256).hexdigest()[:32]
        return {"client_id": client_id, "secret_key": secret, "app_id": WEBSUB_CLIENT_APP_ID,
                "roles": WEBSUB_CLIENT_ROLES}

    def _subscriber_refusal(self, request: Request, topic: str) -> str | None:
        """None if the request may (un)subscribe ``topic`` (mosip/websub security.bal), else the reason."""
        cookie = request.headers.get("cookie")
        if cookie is None:
            return NO_COOKIE
        token = next((part.split("=")[1] for part in cookie.split("; ") if part.startswith("Authorization=")),
                     None)
        if not token:
            return NO_TOKEN_IN_COOKIE
        claims = crypto.jwt_decode_verify(token, self.emu.state.authmanager.cert.public_key())
        if not claims or float(claims.get("exp", 0)) <= time.time():
            return "Token validation failed"   # the auth manager's validateToken refuses it
        roles = str(claims.get("roles", "")).split(",")
        user_id = str(claims.get("preferred_username") or claims.get("sub") or "")
        user_id = user_id.removeprefix(PARTNER_USER_ID_PREFIX)
        partner, slash, event = topic.partition("/")
        if slash:
            allowed = f"SUBSCRIBE_{event}_INDIVIDUAL" in roles and partner == user_id
        else:
            allowed = f"SUBSCRIBE_{topic}_GENERAL" in roles
        return None if allowed else NOT_AUTHORIZED

    # ------------------------------------------------------------------------------------------ HTTP
    async def handle(self, request: Request) -> Response:
        query = request.query_params
        if query.get("hub.mode") == "publish":      # MOSIP style: mode/topic in the query, event as body
            topic = query.get("hub.topic") or ""
            if not topic:
                return _text(400, "Empty value found for parameter 'hub.topic'")
            self.publish(topic, await request.body(), None)
            return _accepted()
        form = await request.form()
        mode = str(form.get("hub.mode") or query.get("hub.mode") or "")
        topic = str(form.get("hub.topic") or query.get("hub.topic") or "")
        if mode in ("register", "unregister"):
            if not topic:
                return _text(400, "Empty value found for parameter 'hub.topic'")
            (self.topics.add if mode == "register" else self.topics.discard)(topic)
            return _accepted()
        if mode not in ("subscribe", "unsubscribe"):
            return _text(400, BAD_MODE)
        callback = str(form.get("hub.callback") or "")
        if not topic or not callback:
            missing = "hub.topic" if not topic else "hub.callback"
            return _text(400, f"Empty value found for parameter '{missing}'")
        if not callback.startswith(("http://", "https://")):
            return _text(400, "Invalid hub.callback param in the request.")
        if self.emu.config.hub_requires_token:
            reason = self._subscriber_refusal(request, topic)
            if reason is not None:
                self.emu.counters.incr("hub_unauthorised", reason)
                return _denied(500, reason)
        secret = str(form.get("hub.secret") or "")
        try:
            lease = int(str(form.get("hub.lease_seconds") or self.emu.config.default_lease_seconds))
        except ValueError:
            lease = self.emu.config.default_lease_seconds   # websubhub retrieveLeaseSeconds: default
        self.emu.counters.incr(f"hub_{mode}_requests", f"{topic} {callback}")
        if mode == "subscribe":
            self._spawn(self._subscribe(topic, callback, secret, lease))
        else:
            self._spawn(self._unsubscribe(topic, callback))
        return _accepted()

    # ------------------------------------------------------------------------------------------ intent
    async def _notify(self, callback: str, params: dict[str, str]) -> httpx.Response | None:
        """GET the callback with ``params``; connection failures retried as the hub's webHookConfig."""
        assert self._client is not None
        wait = INTENT_RETRY_INTERVAL * self.emu.config.redelivery_initial / 3.0
        for attempt in range(INTENT_RETRY_COUNT + 1):
            try:
                return await self._client.get(callback, params=params)
            except httpx.HTTPError as exc:
                log.info("intent notification to %s failed: %s", callback, type(exc).__name__)
                if attempt == INTENT_RETRY_COUNT:
                    return None
                await asyncio.sleep(wait)
                wait = min(wait * BACKOFF_FACTOR, INTENT_MAX_INTERVAL)
        return None

    async def _subscribe(self, topic: str, callback: str, secret: str, lease: int) -> None:
        self.topics.add(topic)                       # auto-registered (createTopicIFNotExist)
        existing = self.subscriptions.get((topic, callback))
        if existing is not None and existing.state is ConsumerState.RUNNING:
            self.emu.counters.incr("hub_denied", ALREADY_SUBSCRIBED)
            await self._notify(callback, {"hub.mode": "denied", "hub.topic": topic,
                                          "hub.reason": ALREADY_SUBSCRIBED})
            return
        challenge = str(uuid.uuid4())
        resp = await self._notify(callback, {"hub.mode": "subscribe", "hub.topic": topic,
                                             "hub.challenge": challenge, "hub.lease_seconds": str(lease)})
        ok = resp is not None and resp.text == challenge
        self.emu.counters.incr("hub_verifications", "ok" if ok else "failed")
        if not ok:
            return
        if existing is None:
            start = 0 if self.emu.config.hub_backlog_before_subscribe else len(self.logs.get(topic, []))
            group = f"{topic}:::{callback}:::{time.monotonic_ns()}"
            self.subscriptions[(topic, callback)] = Subscription(topic, callback, secret, lease, group, start)
        # an existing (stopped) subscription keeps its secret and offset: the consolidator keeps the first
        self.restart()

    async def _unsubscribe(self, topic: str, callback: str) -> None:
        existing = self.subscriptions.get((topic, callback))
        if topic not in self.topics:
            reason = f"Topic [{topic}] is not registered with the Hub"
        elif existing is None or existing.state is not ConsumerState.RUNNING:
            reason = f"Could not find a valid subscriber for Topic [{topic}] and Callback [{callback}]"
        else:
            reason = ""
        if reason:
            self.emu.counters.incr("hub_denied", reason)
            await self._notify(callback, {"hub.mode": "denied", "hub.topic": topic, "hub.reason": reason})
            return
        challenge = str(uuid.uuid4())
        resp = await self._notify(callback, {"hub.mode": "unsubscribe", "hub.topic": topic,
                                             "hub.challenge": challenge})
        if resp is None or resp.text != challenge:
            return
        sub = self.subscriptions.pop((topic, callback), None)
        if sub is not None and sub.worker is not None:
            sub.worker.cancel()
        self.restart()

    def restart(self) -> int:
        """The hub re-reads the consolidated subscriber list (start_hub.bal startMissingSubscribers):
        every consumer not running starts again at its committed offset. Returns how many started."""
        started = 0
        for sub in self.subscriptions.values():
            if sub.worker is None or sub.worker.done():
                sub.state = ConsumerState.RUNNING
                sub.head_attempts = 0
                self._kick(sub)
                started += 1
        return started

    # ------------------------------------------------------------------------------------------ publish
    def publish(self, topic: str, body: bytes, registration_id: str | None,
                event_id: str | None = None) -> int:
        """Append ``body`` to the topic; returns the number of running consumers that will get it."""
        event = HubEvent(event_id or str(uuid.uuid4()), topic, registration_id, body)
        self.logs.setdefault(topic, []).append(event)
        self.topics.add(topic)
        self.published.append({"topic": topic, "event_id": event.event_id,
                               "registration_id": registration_id, "published": event.published})
        self.emu.counters.incr("events_published", registration_id or event.event_id)
        running = [s for s in self.subscriptions.values() if s.topic == topic and s.state is ConsumerState.RUNNING]
        for sub in running:
            self._kick(sub)
        return len(running)

    def publish_credential(self, rid: str, identity: dict[str, Any] | None,
                           extra_subject: dict[str, Any] | None = None) -> None:
        """CREDENTIAL_ISSUED for every partner with an encryption certificate
        (mosip/id-repository CredentialStoreServiceImpl.createCredentialIssuance / getEventModel)."""
        for partner in list(self.emu.state.partners.values()):
            cert = partner.encryption_cert()
            if cert is None:
                continue
            topic = f"{partner.partner_id}/CREDENTIAL_ISSUED"
            vc = self.emu.make_credential(rid, identity, partner.partner_id, extra_subject)
            vc_bytes = json.dumps(vc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            credential = crypto.encrypt_credential(vc_bytes, cert)
            # the proof signs the credential JSON itself (DigitalSignatureUtil.sign of the encoded data),
            # detached, whichever way the credential travels
            proof = crypto.jws_sign_detached(self.emu.state.credential.key, vc_bytes,
                                             self.emu.state.credential.cert)
            data: dict[str, Any] = {"registrationId": rid}
            event_body: dict[str, Any] = {}
            if partner.partner_id in self.data_share_partners:
                event_body["dataShareUri"] = self._share(partner.partner_id, credential.encode("ascii"), proof)
            else:
                data["credential"] = credential
            data.update({"proof": {"signature": proof}, "credentialType": partner.credential_type,
                         "protectionKey": ""})
            event_id = str(uuid.uuid4())
            now = iso_ms()
            event = {
                "publisher": "CREDENTIAL_SERVICE",
                "topic": topic,
                "publishedOn": now,
                "event": {
                    "id": event_id,
                    "transactionId": str(uuid.uuid4()),
                    "type": {"namespace": "mosip", "name": "mosip"},
                    "timestamp": now,
                    "dataShareUri": event_body.get("dataShareUri"),
                    "data": data,
                },
            }
            body = json.dumps(event, separators=(",", ":")).encode("utf-8")
            self.emu.counters.incr("credentials_issued", rid)
            self.publish(topic, body, rid, event_id)

    # ------------------------------------------------------------------------------------------ data share
    def _share(self, partner_id: str, data: bytes, signature: str) -> str:
        cfg = self.emu.config
        key = secrets.token_urlsafe(24)
        policy_id = f"{partner_id}-credential-policy"
        self.data_shares[key] = DataShare(policy_id, partner_id, data, signature,
                                          time.time() + cfg.data_share_valid_minutes * 60,
                                          cfg.data_share_transactions_allowed)
        return f"{self.emu.base_url}/v1/datashare/get/{policy_id}/{partner_id}/{key}"

    async def data_share_get(self, request: Request) -> Response:
        """mosip/durian DataShareController.getFile: the stored bytes, or HTTP 200 with ``errors``."""
        if not self.emu.lifecycle.authorised(request):
            return mosip_error("KER-ATH-401", "Authentication Failed", status_code=401, id=None, version=None)
        params = request.path_params
        share = self.data_shares.get(params["key"])
        if share is None or (share.policy_id, share.partner_id) != (params["policy"], params["partner"]):
            self.emu.counters.incr("data_share_refused", "not found")
            return mosip_error(*DATA_SHARE_NOT_FOUND, id="mosip.data.share")
        if share.transactions_left == 0 or time.time() > share.valid_until:
            self.emu.counters.incr("data_share_refused", "expired")
            return mosip_error(*DATA_SHARE_EXPIRED, id="mosip.data.share")
        if share.transactions_left > 0:
            share.transactions_left -= 1
        self.emu.counters.incr("data_share_reads", share.partner_id)
        return Response(share.data, status_code=200, media_type="application/octet-stream",
                        headers={"Signature": share.signature})

    # ------------------------------------------------------------------------------------------ delivery
    def _kick(self, sub: Subscription) -> None:
        if sub.wake is None:
            sub.wake = asyncio.Event()
        sub.wake.set()
        if sub.worker is None or sub.worker.done():
            sub.worker = self._spawn(self._consume(sub))

    async def _consume(self, sub: Subscription) -> None:
        """start_hub.bal pollForNewUpdates / notifySubscribers: in order, one event at a time; the first
        failed delivery closes the consumer (its offset stays at that event)."""
        assert sub.wake is not None
        while sub.state is ConsumerState.RUNNING:
            topic_log = self.logs.get(sub.topic, [])
            if sub.offset >= len(topic_log):
                sub.wake.clear()
                await sub.wake.wait()
                continue
            event = topic_log[sub.offset]
            if await self._deliver(sub, event):
                sub.offset += 1
                sub.delivered += 1
                sub.head_attempts = 0
                sub.last_error = None
                self.emu.counters.incr("deliveries_succeeded", event.registration_id or event.event_id)
                continue
            sub.state = ConsumerState.STOPPED
            self.emu.counters.incr("deliveries_failed", event.registration_id or event.event_id)
            log.info("consumer of %s stopped: %s", sub.callback, sub.last_error)

    async def _deliver(self, sub: Subscription, event: HubEvent) -> bool:
        """websubhub HubClient.notifyContentDistribution behind Ballerina's retry client."""
        assert self._client is not None
        cfg = self.emu.config
        url = sub.callback
        if cfg.hub_trailing_slash and not url.endswith("/"):
            url += "/"
        digest = hmac.new(sub.secret.encode("utf-8"), event.body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature": f"sha256={digest}",
                   "Link": f'{self.emu.base_url}/hub; rel="hub", {sub.topic}; rel="self"'}
        wait = cfg.redelivery_initial
        for attempt in range(1, cfg.redelivery_max_attempts + 1):
            sub.head_attempts += 1
            self.emu.counters.incr("deliveries_attempted", event.registration_id or event.event_id)
            try:
                resp = await self._client.post(url, content=event.body, headers=headers)
            except httpx.HTTPError as exc:     # only failures to get an answer are retried
                sub.last_error = f"{type(exc).__name__}: {exc}"
                if attempt == cfg.redelivery_max_attempts:
                    return False
                await asyncio.sleep(wait)
                wait = min(wait * BACKOFF_FACTOR, cfg.redelivery_max_interval)
                continue
            if 200 <= resp.status_code < 300:
                return True
            sub.last_error = f"HTTP {resp.status_code}"
            return False
        return False

    def inspect(self) -> dict[str, Any]:
        return {
            "subscriptions": [s.summary(self.logs.get(s.topic, [])) for s in self.subscriptions.values()],
            "topics": {t: len(self.logs.get(t, [])) for t in sorted(self.topics)},
            "published": list(self.published),
            "data_share_partners": sorted(self.data_share_partners),
        }


def _accepted() -> Response:
    return Response("hub.mode=accepted", status_code=202, media_type="application/x-www-form-urlencoded")


def _denied(status: int, reason: str) -> Response:
    return Response(f"hub.mode=denied&hub.reason={reason}", status_code=status,
                    media_type="application/x-www-form-urlencoded")


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status)

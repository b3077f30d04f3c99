"""Subscribing to MOSIP's WebSub hub as the credential partner, and keeping the subscription alive.

- Token: ``POST <auth_url>`` with ``{"request": {clientId, secretKey, appId}}``; the auth manager
  answers the token in ``Set-Cookie: Authorization=<jwt>`` (as opencrvs/mosip
  ``packages/mosip-api/src/mosip-api.ts`` getMosipAuthToken reads it).
- Subscribe: form-encoded ``hub.mode=subscribe``, ``hub.topic``, ``hub.callback``, ``hub.secret``,
  ``hub.lease_seconds``, the token in the ``Cookie`` header only (mosip/websub
  ``hub/modules/security/security.bal`` reads the Cookie header's ``Authorization`` and nothing
  else). The hub answers 202 and verifies the intent later, by a GET to the callback (app.py).
- Re-subscription: MOSIP's hub keeps the FIRST subscription of a (topic, callback) with its secret
  (mosip/websub ``consolidator/consolidator_service.bal``), answers a running one's re-subscribe with
  ``hub.mode=denied`` "Subscriber has already registered with the Hub" (``hub/hub_service.bal``), and
  restarts a consumer stopped by a failed delivery only on a verified subscription change
  (``hub/start_hub.bal``). So the relay re-subscribes when it starts, before the lease ends, and
  periodically (``resubscribe_seconds``): a no-op for a running consumer, a restart for a stopped one.
- One instance at a time does this (and the retention purge): the holder of the maintenance lease
  row in the database (db.Store.take_maintenance_lease).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from http.cookies import SimpleCookie

import anyio
import httpx

from .backups import BackupStore
from .db import Store
from .settings import CALLBACK_PATH, Settings

log = logging.getLogger("relay.subscriber")

RENEW_FRACTION = 0.8
RETRY_AFTER_SECONDS = 60.0      # a subscription not verified within this is asked for again
ALREADY_SUBSCRIBED = "Subscriber has already registered with the Hub"   # mosip/websub hub/hub_service.bal


class SubscribeError(Exception):
    """Safe to log: names what failed, never a secret."""


def _auth_token(response: httpx.Response) -> str | None:
    token = response.cookies.get("Authorization")
    if token:
        return token
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        if "Authorization" in cookie and cookie["Authorization"].value:
            return cookie["Authorization"].value
    return None


async def fetch_token(http: httpx.AsyncClient, settings: Settings) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    body = {"id": "mosip.io.clientId.pwd", "version": "1.0", "requesttime": now, "metadata": {},
            "request": {"clientId": settings.client_id, "secretKey": settings.client_secret,
                        "appId": settings.app_id}}
    try:
        response = await http.post(settings.auth_url, json=body)
    except httpx.HTTPError as exc:
        raise SubscribeError(f"auth manager unreachable: {type(exc).__name__}") from None
    token = _auth_token(response) if response.status_code == 200 else None
    if not token:
        # the auth manager answers a refused login with HTTP 200 and errors[] and no cookie
        raise SubscribeError(f"auth manager gave no token (HTTP {response.status_code})")
    return token


async def subscribe_once(http: httpx.AsyncClient, store: Store, settings: Settings) -> None:
    """Ask the hub for the subscription; the hub verifies it afterwards through the callback."""
    token = await fetch_token(http, settings)
    secret = settings.hub_secret or await anyio.to_thread.run_sync(store.hub_secret)
    # recorded before asking: the hub's verification GET may reach any instance before we hear back
    await anyio.to_thread.run_sync(store.record_subscribe_request, settings.topic, settings.callback_url,
                                   settings.lease_seconds)
    try:
        response = await http.post(settings.hub_url, headers={"Cookie": f"Authorization={token}"}, data={
            "hub.mode": "subscribe", "hub.topic": settings.topic, "hub.callback": settings.callback_url,
            "hub.secret": secret, "hub.lease_seconds": str(settings.lease_seconds)})
    except httpx.HTTPError as exc:
        raise SubscribeError(f"hub unreachable: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        # MOSIP's hub refuses an unauthorised subscriber with HTTP 500 hub.mode=denied&hub.reason=…
        reason = response.text[:160] if response.text.startswith("hub.mode=") else ""
        raise SubscribeError(f"hub refused the subscription: HTTP {response.status_code} {reason}".strip())
    log.info("subscription requested", extra={"fields": {"topic": settings.topic}})


def subscription_due(state: dict[str, object], settings: Settings, now: float, first_run: bool) -> bool:
    requested = state.get("requested_at")
    verified = state.get("verified_at")
    if isinstance(requested, float) and now - requested < RETRY_AFTER_SECONDS and not first_run:
        return False                               # an answer may still be on its way
    if first_run or not isinstance(verified, float):
        return True
    if state.get("topic") != settings.topic or state.get("callback_url") != settings.callback_url:
        return True
    renew_after = min(settings.lease_seconds * RENEW_FRACTION, settings.resubscribe_seconds)
    return now - verified >= renew_after


class Maintenance:
    """The background task of every instance: take the lease, then re-subscribe when due and purge."""

    def __init__(self, store: Store, settings: Settings, backups: BackupStore | None = None) -> None:
        self.store = store
        self.settings = settings
        self.backups = backups
        self.holder = uuid.uuid4().hex
        self.subscribed_since_start = False

    async def run(self) -> None:
        lease_for = max(self.settings.maintenance_seconds * 3, 10.0)
        async with httpx.AsyncClient(timeout=20.0, trust_env=False) as http:
            while True:
                try:
                    await self.tick(http, lease_for)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:   # the loop must survive a database or network outage
                    log.warning("maintenance failed", extra={"fields": {"error": type(exc).__name__}})
                await asyncio.sleep(self.settings.maintenance_seconds)

    async def tick(self, http: httpx.AsyncClient, lease_for: float) -> None:
        if not await anyio.to_thread.run_sync(self.store.take_maintenance_lease, self.holder, lease_for):
            return
        purged = await anyio.to_thread.run_sync(self.store.purge, self.settings.retention_hours * 3600)
        if purged:
            log.info("deliveries purged", extra={"fields": {"count": purged}})
        if self.backups is not None:
            swept = await anyio.to_thread.run_sync(self.backups.sweep)
            if swept:
                log.info("orphan backup files removed", extra={"fields": {"count": swept}})
        if not self.settings.subscribes:
            return
        state = await anyio.to_thread.run_sync(self.store.subscription_state)
        now = self.store.clock()
        if not subscription_due(state, self.settings, now, not self.subscribed_since_start):
            return
        try:
            await subscribe_once(http, self.store, self.settings)
        except SubscribeError as exc:
            log.warning("subscription failed", extra={"fields": {"reason": str(exc)}})
            await anyio.to_thread.run_sync(self.store.record_subscribe_error, str(exc))
        self.subscribed_since_start = True

    async def release(self) -> None:
        await anyio.to_thread.run_sync(self.store.release_maintenance_lease, self.holder)


__all__ = ["CALLBACK_PATH", "Maintenance", "SubscribeError", "fetch_token", "subscribe_once"]

"""This device's subscription to MOSIP's WebSub hub (CREDENTIAL_ISSUED), in direct mode.

It subscribes with the WEBSUB client's own token (not the packet client's), keeps that token for
the data shares the deliveries point to, and restarts the hub's consumer after a delivery this
device answered non-2xx: MOSIP's hub then sends nothing more until a subscription change restarts
it (mosip/websub hub/start_hub.bal), and the restart resends the delivery.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import httpx

from app.errors import ConfigurationFault
from app.messages import Notice
from app.mosip.packets import AuthenticationFailed
from app.mosip.settings import WebSubSettings
from app.mosip.websub import SubscriptionRefused, subscribe, websub_token

log = logging.getLogger("crvs_field.sync.subscription")

ALREADY_REGISTERED = "Subscriber has already registered with the Hub"
MAX_RETRY_SECONDS = 300.0


class HubSubscription:
    def __init__(self, settings: WebSubSettings | None, *, schedule_retry: Callable[[float], None],
                 on_alert: Callable[[Notice | None], None]):
        self.settings = settings                # None: no hub for this device (deployment mode opencrvs)
        self._schedule_retry = schedule_retry   # run `subscribe` again in N seconds
        self._on_alert = on_alert
        self.subscribed = False
        self.alert: Notice | None = None        # the hub refused this partner: configuration to fix
        self.retry_after_failure_seconds = 30.0
        self._redelivery_wanted = False         # a delivery answered non-2xx has not come back yet
        self._retry_delay = self.retry_after_failure_seconds
        self._token: str | None = None
        self._token_lock = threading.Lock()

    def token(self, refresh: bool) -> str:
        """The WEBSUB client's token (subscription, data shares); fetched again when `refresh`."""
        ws = self.settings
        if ws is None:
            raise ConfigurationFault("this device does not use MOSIP's WebSub hub (deployment mode opencrvs)",
                                     code="sync.websub_not_used")
        with self._token_lock:
            if self._token is None or refresh:
                async def fetch() -> str:
                    async with httpx.AsyncClient(timeout=15) as http:
                        return await websub_token(http, auth_base_url=ws.auth_base_url, client_id=ws.client_id,
                                                  client_secret=ws.client_secret, app_id=ws.app_id)
                self._token = asyncio.run(fetch())
            return self._token

    def subscribe(self) -> bool:
        ws = self.settings
        if ws is None:
            return False

        async def run(token: str) -> None:
            async with httpx.AsyncClient(timeout=15) as http:
                await subscribe(http, hub_url=ws.hub_url, topic=ws.topic, callback_url=ws.callback_url,
                                secret=ws.secret.decode(), lease_seconds=ws.lease_seconds, token=token)

        try:
            asyncio.run(run(self.token(True)))
        except SubscriptionRefused as exc:
            log.warning("%s", exc)
            self.subscribed = False
            self.alert = Notice(
                "sync.subscription_refused", f"{exc} (check mosip.websub.client_id: the partner's own WEBSUB "
                "client with role SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL)", {"reason": exc.reason[:120]})
            self._on_alert(self.alert)
            return False
        except (httpx.HTTPError, AuthenticationFailed) as exc:
            log.info("WebSub subscription failed: %s", type(exc).__name__)
            self.subscribed = False
            return False
        self.subscribed = True
        self.alert = None
        return True

    def delivery_refused(self, reason: str) -> None:
        """A delivery was answered non-2xx: re-subscribing restarts the hub's consumer, which resends it."""
        if not self._redelivery_wanted:
            self._retry_delay = self.retry_after_failure_seconds
        self._redelivery_wanted = True
        self._schedule_retry(self._retry_delay)

    def delivered(self) -> None:
        self._redelivery_wanted = False

    def denied(self, reason: str) -> None:
        """The hub's denial, delivered to the callback."""
        if reason == ALREADY_REGISTERED:    # already delivering to us
            self.subscribed = True
            if self._redelivery_wanted:
                # the hub had not stopped its consumer yet (it stops it after the failed delivery):
                # until the delivery comes back, restart it again later
                self._retry_delay = min(2 * self._retry_delay, MAX_RETRY_SECONDS)
                self._schedule_retry(self._retry_delay)
            return
        log.warning("WebSub hub denied the subscription: %s", reason)
        self.subscribed = False

"""MOSIP operations as packets (create UIN, update biographics, mark deceased) through the packet
manager. Done once the packet's workflow started, including "already present" (RPR-WIS-001) after
a lost reply: `app.mosip.packets` checks before resending a RID (PROTOCOLS §3)."""

from __future__ import annotations

import asyncio
import logging

from app.delivery import VerificationAnswer
from app.messages import Notice
from app.mosip.ida import ErrorClass
from app.store.models import OutboxItem
from app.vocabulary import PACKET_KINDS
from sync.deliveries.base import BatchStopped, Delivery, DrainContext

log = logging.getLogger("crvs_field.sync.worker")


class PacketDelivery(Delivery):
    kinds = PACKET_KINDS

    def __init__(self, context: DrainContext):
        super().__init__(context)
        self.packets = context.clients.packets

    async def _send(self, item: OutboxItem) -> VerificationAnswer | None:
        if self.packets is None:
            raise BatchStopped("this device does not send packets to MOSIP in deployment mode opencrvs",
                               code="sync.packets_not_configured")
        outcome = await self.packets.submit(item.payload)
        if outcome.ok:
            await asyncio.to_thread(self.outcomes.packet_delivered, item,
                                    already_started=outcome.already_started)
            log.info("%s %s delivered%s", item.kind, item.idempotency_key,
                     " (its workflow had already started)" if outcome.already_started else "")
            self.summary.sent += 1
            return None
        reason = f"{outcome.code}: {outcome.message}" if outcome.message else str(outcome.code)
        code = str(outcome.code)[:60]
        if outcome.error_class is ErrorClass.CONFIGURATION:
            raise BatchStopped(f"MOSIP refused this device's credentials ({outcome.code})",
                               code="sync.mosip_credentials_refused", params={"code": code})
        if outcome.error_class is ErrorClass.DATA:
            await self._quarantine(item, Notice("delivery.packet_rejected", f"MOSIP rejected the packet ({reason})",
                                                {"code": code}))
            return None
        await self._retry_later(item, Notice("delivery.mosip_busy", reason, {"code": code}))
        return None

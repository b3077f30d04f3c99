"""Offline identity checks: one IDA authentication per queued verification. The answers are not
written here: they wait for the drain's group commit (`app.delivery.DeliveryOutcomes.
verifications_answered`), since a commit costs far more than one outcome in it."""

from __future__ import annotations

import logging

from app.delivery import VerificationAnswer
from app.messages import Notice
from app.mosip.ida import ErrorClass
from app.records.verification import VerificationOutcome
from app.store.models import OutboxItem
from app.vocabulary import OutboxKind
from sync.deliveries.base import BatchStopped, Delivery, DrainContext, DrainSummary

log = logging.getLogger("crvs_field.sync.worker")


class VerificationDelivery(Delivery):
    kinds = frozenset({OutboxKind.VERIFY})

    def __init__(self, context: DrainContext):
        super().__init__(context)
        self.ida = context.clients.ida

    async def _send(self, item: OutboxItem) -> VerificationAnswer | None:
        result = await self.ida.authenticate(item.payload, item.idempotency_key)
        if result.error_class is ErrorClass.RETRY_NOW:  # clock skew: once more with a new requestTime
            result = await self.ida.authenticate(item.payload, item.idempotency_key)
        error_class = result.error_class
        codes = ", ".join(dict.fromkeys(result.codes))[:120]
        if error_class is ErrorClass.CONFIGURATION:
            raise BatchStopped(f"IDA refused this device's credentials ({result.explained()})",
                               code="sync.ida_credentials_refused", params={"codes": codes})
        if error_class is ErrorClass.DATA:
            await self._quarantine(item, Notice("delivery.ida_rejected",
                                                f"IDA rejected the request ({result.explained()})", {"codes": codes}))
            return None
        if error_class in (ErrorClass.TRANSIENT, ErrorClass.RETRY_NOW):
            await self._retry_later(item, Notice("delivery.ida_busy", f"IDA {', '.join(result.codes)}",
                                                 {"codes": codes}))
            return None
        verified = error_class is None
        failed = () if verified else tuple(result.failed_attributes or ["identity"])
        assert item.id is not None
        return VerificationAnswer(item.id, VerificationOutcome(item.idempotency_key, verified, failed,
                                                               tuple(result.codes)))


def count_committed(answer: VerificationAnswer, summary: DrainSummary) -> None:
    """An answer's group was committed: it counts as sent."""
    outcome = answer.outcome
    log.info("verification %s: %s", outcome.transaction_id,
             "verified" if outcome.verified else f"failed ({', '.join(outcome.failed_attributes)})")
    summary.sent += 1
    if outcome.verified:
        summary.verified += 1
    else:
        summary.failed += 1

"""Declarations to OpenCRVS core (deployment mode `opencrvs`): create the event once, then NOTIFY
it, each with the transactionId frozen when the record was declared.

Exactly once, as OpenCRVS makes it possible (opencrvs-core v2.0.0): events are UNIQUE(transaction_id,
event_type) — the same create returns the same event (packages/events/src/storage/postgres/events/
events.ts `getOrCreateEventInTrx`) — and a NOTIFY whose transactionId the event already holds returns
the event unchanged (packages/events/src/router/event/actions/index.ts), so a lost reply, a timeout,
a 5xx or a kill mid-drain only means the same request is sent again. The NOTIFY's outcome is read
from the returned actions (`app.opencrvs.answers`). Its transactionId never changes while its answer
is unread: a fresh one beside an unanswered NOTIFY leaves two Requested actions, which core answers
with a 500 (packages/commons/src/events/utils.ts `getPendingAction`). What each answer does to the
record is written by `app.opencrvs_outcomes`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from app.config.opencrvs import OpenCrvsEventMapping
from app.delivery import VerificationAnswer
from app.messages import Notice
from app.opencrvs.answers import NotifyOutcome, event_id_of, notify_outcome, tracking_id_of
from app.opencrvs.client import (
    BodyTooLarge,
    OpenCrvsBusy,
    OpenCrvsClient,
    OpenCrvsConflict,
    OpenCrvsFieldErrors,
    OpenCrvsRefused,
    OpenCrvsUnauthorized,
)
from app.opencrvs.declaration import (
    build_declaration,
    has_photos,
    our_field,
    person_evidence,
    userinfo_claims,
)
from app.opencrvs.tokens import TokenRefused
from app.opencrvs_outcomes import FieldProblem, NotifySource, UpstreamOutcomes
from app.store.models import OutboxItem
from app.vocabulary import OutboxKind
from sync.deliveries.base import BatchStopped, Delivery, DrainContext, MosipClients

log = logging.getLogger("crvs_field.sync.opencrvs")
WAIT_FOR_CHECKS_SECONDS = 60.0   # identity checks of the same drain are awaited this long


@dataclass(frozen=True)
class DrainClients(MosipClients):
    """The MOSIP clients and, in deployment mode `opencrvs`, the OpenCRVS client of one drain."""

    opencrvs: OpenCrvsClient | None = None


class OpenCrvsDelivery(Delivery):
    kinds = frozenset({OutboxKind.OPENCRVS_NOTIFY})

    def __init__(self, context: DrainContext):
        super().__init__(context)
        self.client: OpenCrvsClient | None = getattr(context.clients, "opencrvs", None)
        self.upstream = UpstreamOutcomes(self.outcomes.db, self.outcomes.country, self.outcomes.clock)

    async def _send(self, item: OutboxItem) -> VerificationAnswer | None:
        if self.client is None:
            raise BatchStopped("this device is not set up for OpenCRVS (deployment.mode, opencrvs section)",
                               code="sync.opencrvs_not_configured")
        assert item.id is not None
        try:
            await self._notify(self.client, item)
        except (OpenCrvsUnauthorized, TokenRefused) as exc:
            raise BatchStopped.of(exc) from None
        except OpenCrvsBusy as exc:
            await self._retry_later(item, Notice("delivery.opencrvs_busy", exc.message, exc.params))
        except OpenCrvsFieldErrors as exc:
            await self._refused(item, exc)
        except BodyTooLarge as exc:   # a declaration frozen by an earlier version with other limits
            await self._too_large(item, exc)
        except OpenCrvsConflict as exc:
            await self._conflict(item, exc)
        except OpenCrvsRefused as exc:
            if exc.status == 400 and "createdAtLocation" in exc.message:   # the country's office id is wrong
                raise BatchStopped(exc.message, code="sync.opencrvs_configuration") from None
            await self._quarantine(item, Notice("delivery.opencrvs_refused", exc.message, exc.params))
        return None

    async def _notify(self, client: OpenCrvsClient, item: OutboxItem) -> None:
        payload: dict[str, Any] = item.payload
        transaction_id = payload["notify_transaction_id"]
        mapping = client.settings.events.get(payload.get("event", ""))
        if mapping is None:
            raise BatchStopped(f"no OpenCRVS mapping for {str(payload.get('event'))[:16]} events",
                               code="sync.opencrvs_configuration")
        declaration, first = payload.get("declaration"), None
        if declaration is None:
            first = await self._first_declaration(item, mapping)
            if first is None:
                return
            declaration = first[0]
        body = client.notify_body(transaction_id, declaration)
        event_id, created = payload.get("event_id"), None
        if not event_id:
            created = await client.create_event(payload["create_transaction_id"], mapping.type)
            event_id = event_id_of(created)
            if event_id is None:
                raise OpenCrvsBusy("OpenCRVS created an event without an id")
        if first is not None or created is not None:
            await asyncio.to_thread(self.upstream.prepared, item.id, event_id=event_id,
                                    tracking_id=tracking_id_of(created) if created else None,
                                    declaration=first[0] if first else None, photos_dropped=bool(first and first[1]))
        answer = await client.notify(event_id, body)
        outcome = notify_outcome(answer, transaction_id)
        tracking = tracking_id_of(answer)
        if outcome is NotifyOutcome.ACCEPTED:
            await asyncio.to_thread(self.upstream.notify_accepted, item.id, tracking)
            self.summary.sent += 1
            log.info("NOTIFY %s accepted by OpenCRVS", transaction_id)
        elif outcome is NotifyOutcome.REJECTED:
            await asyncio.to_thread(self.upstream.notify_refused, item.id, Notice(
                "upstream.notify_rejected", "OpenCRVS's country configuration rejected the declaration"), [])
            self.summary.sent += 1
        elif outcome is NotifyOutcome.REQUESTED:
            await asyncio.to_thread(self.upstream.notify_requested, item.id, tracking, self.policy.backoff)
            self.summary.retried += 1
        else:
            raise OpenCrvsBusy("OpenCRVS's answer holds no NOTIFY of this transaction")

    async def _first_declaration(self, item: OutboxItem, mapping: OpenCrvsEventMapping
                                 ) -> tuple[dict[str, Any], bool] | None:
        """Built once the record's identity checks are done (each person's `verified` is then known),
        with whether photos were left out; frozen on the item before it is first sent. None when it
        cannot be sent (yet)."""
        assert item.id is not None
        source = await asyncio.to_thread(self.upstream.notify_source, item.record_id)
        waited = 0.0
        while source.verifications_pending and source.verifications_in_flight and waited < WAIT_FOR_CHECKS_SECONDS:
            await asyncio.sleep(0.25)
            waited += 0.25
            source = await asyncio.to_thread(self.upstream.notify_source, item.record_id)
        if source.verifications_pending:
            await asyncio.to_thread(self.upstream.hold, item.id, Notice(
                "delivery.opencrvs_waits_for_checks", "waiting for the identity checks"), self.policy.backoff)
            self.summary.retried += 1
            return None
        assert self.client is not None
        transaction_id = item.payload["notify_transaction_id"]
        declaration, photos_dropped = self._build(source, mapping, with_photos=True), False
        try:   # the whole body as it will be sent
            self.client.notify_body(transaction_id, declaration)
        except BodyTooLarge as too_large:
            if not has_photos(self._evidence(source, mapping)):
                await self._too_large(item, too_large)
                return None
            declaration, photos_dropped = self._build(source, mapping, with_photos=False), True
            try:
                self.client.notify_body(transaction_id, declaration)
            except BodyTooLarge as still:
                await self._too_large(item, still)
                return None
        return declaration, photos_dropped

    def _evidence(self, source: NotifySource, mapping: OpenCrvsEventMapping) -> dict[str, Any]:
        id_field = self.outcomes.country.config.identity.fields["individual_id"]
        return {section: person_evidence(source.declaration, source.persons, section, id_field,
                                         userinfo_claims(source.userinfo_tokens.get(section)))
                for section in mapping.persons}

    def _build(self, source: NotifySource, mapping: OpenCrvsEventMapping, *, with_photos: bool) -> dict[str, Any]:
        return build_declaration(source.declaration, mapping, self._evidence(source, mapping), with_photos=with_photos)

    async def _too_large(self, item: OutboxItem, exc: BodyTooLarge) -> None:
        await asyncio.to_thread(self.upstream.notify_refused, item.id, Notice(exc.code, exc.message, exc.params), [])

    async def _refused(self, item: OutboxItem, exc: OpenCrvsFieldErrors) -> None:
        mapping = self.client.settings.events.get(item.payload.get("event", "")) if self.client else None
        id_field = self.outcomes.country.config.identity.fields["individual_id"]
        problems = [FieldProblem(r.opencrvs_field, our_field(mapping, r.opencrvs_field, id_field) if mapping else None,
                                 r.message) for r in exc.errors]
        await asyncio.to_thread(self.upstream.notify_refused, item.id, Notice(
            "upstream.refused", f"OpenCRVS refused {len(problems)} field(s)", {"fields": len(problems)}), problems)
        self.summary.failed += 1
        log.info("NOTIFY %s: OpenCRVS refused %d field(s)", item.idempotency_key, len(problems))

    async def _conflict(self, item: OutboxItem, exc: OpenCrvsConflict) -> None:
        assert item.id is not None
        if exc.assigned:   # a registrar holds the record: the same NOTIFY once they let go
            await asyncio.to_thread(self.upstream.hold, item.id, Notice(
                "delivery.opencrvs_assigned", "a registrar holds this record in OpenCRVS"), self.policy.backoff)
            self.summary.retried += 1
            return
        # the event is past NOTIFY (an earlier NOTIFY of it was accepted): nothing more to send;
        # the status poll tells where it stands
        log.info("NOTIFY %s: already past NOTIFY in OpenCRVS (409)", item.idempotency_key)
        await asyncio.to_thread(self.upstream.notify_accepted, item.id, None)
        self.summary.sent += 1


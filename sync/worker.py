"""Draining the outbox: lease → send (bounded concurrency) → record the outcome.

Error classes (PROTOCOLS §2): transient → retry later with back-off and jitter; data → quarantine
with the reason on the record; configuration/auth → stop the batch, give the leases back, raise
one alert; a duplicate answer is success. Each outcome commits with its effect on the record.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from app.mosip.ida import ErrorClass, IdaClient, IdaProtocolError
from app.mosip.packets import AuthenticationFailed, MosipAnswerError, PacketClient
from app.mosip.settings import MosipSettings
from app.outbox import Backoff, OutboxLedger
from app.records import RecordService
from app.store.models import OutboxItem

log = logging.getLogger("crvs_field.sync.worker")
LEASE_SECONDS = 120
BATCH = 64


class BatchStopped(Exception):
    """A configuration or authentication fault: nothing more can succeed until a person fixes it."""


@dataclass
class DrainSummary:
    sent: int = 0
    verified: int = 0
    failed: int = 0
    retried: int = 0
    quarantined: int = 0
    alert: str | None = None
    records: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, object]:
        return {"sent": self.sent, "verified": self.verified, "failed": self.failed,
                "retried_later": self.retried, "quarantined": self.quarantined, "alert": self.alert}


class OutboxWorker:
    def __init__(self, records: RecordService, ledger: OutboxLedger, settings: MosipSettings, *,
                 max_concurrency: int, max_attempts: int, backoff: Backoff, lease_seconds: float = LEASE_SECONDS,
                 on_progress: Callable[[int, int, set[str]], None] | None = None):
        self.records = records
        self.ledger = ledger
        self.settings = settings
        self.max_concurrency = max_concurrency
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.owner = f"agent-{uuid.uuid4().hex[:8]}"
        self.on_progress = on_progress
        self.packet_token: str | None = None  # kept across drains (token refresh job)

    async def drain(self, *, max_rounds: int = 1000) -> DrainSummary:
        """Send everything that is due now; items backing off stay for a later drain."""
        summary = DrainSummary()
        self.ledger.recover_stale()
        timeout = httpx.Timeout(max(self.settings.ida_timeout, self.settings.packets_timeout), connect=10)
        limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
            ida = IdaClient(self.settings.ida, http)
            packets = PacketClient(self.settings.packets, http, token=self.packet_token)
            done = 0
            for _ in range(max_rounds):
                items = self.ledger.lease_due(self.owner, limit=BATCH, lease_seconds=self.lease_seconds)
                if not items:
                    break
                done, stopped = await self._batch(items, ida, packets, summary, done)
                if stopped:
                    break
            self.packet_token = packets.current_token
        return summary

    async def _batch(self, items: list[OutboxItem], ida: IdaClient, packets: PacketClient,
                     summary: DrainSummary, done: int) -> tuple[int, bool]:
        total = done + len(items)
        semaphore = asyncio.Semaphore(self.max_concurrency)
        stop = asyncio.Event()
        leased = {item.id for item in items}

        async def run(item: OutboxItem) -> None:
            nonlocal done
            async with semaphore:
                if stop.is_set():
                    return
                try:
                    await self._deliver(item, ida, packets, summary)
                except BatchStopped as exc:
                    if not stop.is_set():
                        summary.alert = str(exc)
                    stop.set()
                    self.ledger.retry_later(item.id, str(exc), self.backoff, count_attempt=False)
                leased.discard(item.id)
                done += 1
                summary.records.add(item.record_id)
                if self.on_progress:
                    self.on_progress(done, total, {item.record_id})

        await asyncio.gather(*(run(item) for item in items))
        if stop.is_set():
            self.ledger.release(sorted(i for i in leased if i is not None))
        return done, stop.is_set()

    async def _deliver(self, item: OutboxItem, ida: IdaClient, packets: PacketClient,
                       summary: DrainSummary) -> None:
        try:
            if item.kind == "verify":
                await self._verify(item, ida, summary)
            else:
                await self._packet(item, packets, summary)
        except (httpx.TimeoutException, httpx.TransportError, IdaProtocolError, MosipAnswerError) as exc:
            self._transient(item, _describe(exc), summary)
        except httpx.HTTPStatusError as exc:
            self._transient(item, f"HTTP {exc.response.status_code}", summary)
        except AuthenticationFailed as exc:
            raise BatchStopped(str(exc)) from None

    def _transient(self, item: OutboxItem, reason: str, summary: DrainSummary) -> None:
        attempts = self.ledger.retry_later(item.id, reason, self.backoff)
        if attempts >= self.max_attempts:
            self.ledger.quarantine(item.id, f"gave up after {attempts} attempts: {reason}")
            summary.quarantined += 1
        else:
            summary.retried += 1
        log.info("delivery %s of %s retried later: %s", item.kind, item.idempotency_key, reason)

    async def _verify(self, item: OutboxItem, ida: IdaClient, summary: DrainSummary) -> None:
        result = await ida.authenticate(item.payload, item.idempotency_key)
        if result.error_class is ErrorClass.RETRY_NOW:  # clock skew: once more with a new requestTime
            result = await ida.authenticate(item.payload, item.idempotency_key)
        error_class = result.error_class
        if error_class is ErrorClass.CONFIGURATION:
            raise BatchStopped(f"IDA refused this device's credentials ({', '.join(result.codes)})")
        if error_class is ErrorClass.DATA:
            self.ledger.quarantine(item.id, f"IDA rejected the request ({', '.join(result.codes)})")
            summary.quarantined += 1
            return
        if error_class in (ErrorClass.TRANSIENT, ErrorClass.RETRY_NOW):
            self._transient(item, f"IDA {', '.join(result.codes)}", summary)
            return
        verified = error_class is None
        failed = result.failed_attributes or ([] if verified else ["identity"])

        def record() -> None:
            with self.records.db.write():  # the outcome and the delivery commit together
                self.records.apply_verification_result(item.idempotency_key, verified=verified,
                                                       failed_attributes=[] if verified else failed,
                                                       error_codes=result.codes)
                self.ledger.complete(item.id)

        # off the event loop: other requests keep flowing while this one is written
        await asyncio.to_thread(record)
        log.info("verification %s: %s", item.idempotency_key,
                 "verified" if verified else f"failed ({', '.join(failed)})")
        summary.sent += 1
        if verified:
            summary.verified += 1
        else:
            summary.failed += 1

    async def _packet(self, item: OutboxItem, packets: PacketClient, summary: DrainSummary) -> None:
        outcome = await packets.submit(item.payload)
        if outcome.ok:
            with self.records.db.write() as session:
                self.ledger.complete(item.id)
                from app import audit

                audit.append(session, actor="system", kind="mosip-delivered", record_id=item.record_id,
                              details={"operation": item.kind, "rid": item.idempotency_key,
                                       "process": item.payload.get("process"), "duplicate": outcome.duplicate})
            log.info("%s %s delivered%s", item.kind, item.idempotency_key,
                     " (MOSIP already had it)" if outcome.duplicate else "")
            summary.sent += 1
            return
        reason = f"{outcome.code}: {outcome.message}" if outcome.message else str(outcome.code)
        if outcome.error_class is ErrorClass.CONFIGURATION:
            raise BatchStopped(f"MOSIP refused this device's credentials ({outcome.code})")
        if outcome.error_class is ErrorClass.DATA:
            self.ledger.quarantine(item.id, f"MOSIP rejected the packet ({reason})")
            summary.quarantined += 1
            return
        self._transient(item, reason, summary)


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed without an answer"
    if isinstance(exc, httpx.TransportError):
        return "network error"
    return str(exc)[:200]

"""Draining the outbox: lease → send (bounded concurrency) → record the outcome.

Each kind of item has its delivery class (`sync.deliveries`, registered by kind): verifications go
to IDA, MOSIP operations go to the packet manager, declarations to OpenCRVS (deployment mode
`opencrvs`). What an answer means (done, retry later,
quarantine, stop the batch) is decided there and written by `app.delivery` with its effect on the
record, one transaction each; verification outcomes are committed in groups. Every database call
runs in a thread, so the event loop keeps the requests in flight moving.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import uuid
from collections.abc import Callable, Mapping

import httpx

from app.delivery import DeliveryOutcomes, VerificationAnswer
from app.messages import Notice
from app.mosip.ida import IdaClient
from app.mosip.packets import PacketClient
from app.mosip.settings import MosipSettings
from app.opencrvs.client import OpenCrvsClient
from app.opencrvs.tokens import TokenCache
from app.outbox import Backoff, OutboxLedger
from app.records import RecordService
from app.store.models import OutboxItem
from sync.deliveries import (
    DELIVERIES,
    BatchStopped,
    Delivery,
    DrainClients,
    DrainContext,
    DrainSummary,
    MosipClients,
    RetryPolicy,
    count_committed,
)

__all__ = ["BatchStopped", "DrainSummary", "MosipClients", "OutboxWorker"]

log = logging.getLogger("crvs_field.sync.worker")
LEASE_SECONDS = 120
BATCH = 64
GROUP_MIN = 32  # verification outcomes per commit, unless GROUP_WAIT passes or sending is over
GROUP_WAIT = 0.2  # seconds

Progress = Callable[[int, int, set[str]], None]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process: building it (the CA bundle read
    and parsed) costs ≈ 20-50 ms of CPU, which every drain paid."""
    return httpx.create_ssl_context()


class OutboxWorker:
    def __init__(self, records: RecordService, ledger: OutboxLedger, settings: MosipSettings, *,
                 max_concurrency: int, max_attempts: int, backoff: Backoff, lease_seconds: float = LEASE_SECONDS,
                 on_progress: Progress | None = None):
        self.outcomes = DeliveryOutcomes.of(records)
        self.ledger = ledger
        self.settings = settings
        self.max_concurrency = max_concurrency
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.owner = f"agent-{uuid.uuid4().hex[:8]}"
        self.on_progress = on_progress
        self.packet_token: str | None = None  # kept across drains (token refresh job)
        self.opencrvs_tokens = TokenCache()   # OpenCRVS's token (until exp - 60 s) and its auth key

    async def drain(self, *, max_rounds: int = 1000) -> DrainSummary:
        """Send everything that is due now; items backing off stay for a later drain."""
        summary = DrainSummary()
        crvs = self.settings.opencrvs
        timeout = httpx.Timeout(max(self.settings.ida_timeout, self.settings.packets_timeout,
                                    crvs.timeout if crvs else 0), connect=10)
        limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
        async with httpx.AsyncClient(timeout=timeout, limits=limits, verify=_tls_context()) as http:
            packets = PacketClient(self.settings.packets, http, token=self.packet_token) \
                if self.settings.packets is not None else None
            opencrvs = OpenCrvsClient(crvs, http, self.opencrvs_tokens) if crvs is not None else None
            clients = DrainClients(IdaClient(self.settings.ida, http), packets, opencrvs)
            await self.drain_with(clients, summary, max_rounds=max_rounds)
            self.packet_token = packets.current_token if packets is not None else None
        return summary

    async def drain_with(self, clients: MosipClients, summary: DrainSummary, *, max_rounds: int = 1000) -> None:
        """One drain over the given clients: stale leases recovered first, then the pipeline."""
        await asyncio.to_thread(self.ledger.recover_stale)
        context = DrainContext(self.outcomes, RetryPolicy(self.backoff, self.max_attempts), summary, clients)
        instances = {cls: cls(context) for cls in set(DELIVERIES.values())}
        deliveries = {kind.value: instances[cls] for kind, cls in DELIVERIES.items()}
        await _Drain(self, deliveries, summary).run(max_rounds)


class _Drain:
    """One drain as a pipeline, so neither the network nor the database waits for the other: a
    feeder leases batches (the next one while half a batch is still waiting to be sent),
    `max_concurrency` senders take items one at a time and hand each to its kind's delivery, and
    one writer commits the verification outcomes in groups. Database work runs in threads. A
    configuration fault stops the feeder and the senders; leased items not yet sent are given
    back untouched."""

    def __init__(self, worker: OutboxWorker, deliveries: Mapping[str, Delivery], summary: DrainSummary):
        self.ledger, self.outcomes = worker.ledger, worker.outcomes
        self.owner, self.lease_seconds, self.backoff = worker.owner, worker.lease_seconds, worker.backoff
        self.concurrency, self.on_progress = worker.max_concurrency, worker.on_progress
        self.deliveries, self.summary = deliveries, summary
        self.queue: asyncio.Queue[OutboxItem | None] = asyncio.Queue()
        self.unsent: dict[int, OutboxItem] = {}  # leased, not taken by a sender yet
        self.stop = asyncio.Event()
        self.low = asyncio.Event()  # the feeder may lease the next batch
        self.answered: list[tuple[OutboxItem, VerificationAnswer]] = []  # outcomes waiting for the next group commit
        self.wake = asyncio.Event()
        self.sending_over = False
        self.done = self.total = 0
        # lease the next batch while this many items still wait: a lease may have to wait for a
        # group commit to finish (one writer at a time), the senders should not run dry meanwhile
        self.low_water = max(2 * self.concurrency, BATCH // 2)

    async def run(self, max_rounds: int) -> None:
        writer = asyncio.create_task(self._committer())
        tasks = [asyncio.create_task(self._feeder(max_rounds))]
        tasks += [asyncio.create_task(self._sender()) for _ in range(self.concurrency)]
        try:
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        finally:
            self.sending_over = True
            self.wake.set()
            try:
                await writer
            finally:
                if self.unsent:
                    await asyncio.to_thread(self.ledger.release, sorted(self.unsent))

    async def _feeder(self, max_rounds: int) -> None:
        try:
            for _ in range(max_rounds):
                if self.stop.is_set():
                    break
                items = await asyncio.to_thread(self.ledger.lease_due, self.owner, limit=BATCH,
                                                lease_seconds=self.lease_seconds)
                if not items:
                    break
                self.total += len(items)
                for item in items:
                    if item.id is not None:
                        self.unsent[item.id] = item
                    self.queue.put_nowait(item)
                while self.queue.qsize() >= self.low_water and not self.stop.is_set():
                    self.low.clear()
                    await self.low.wait()
        finally:
            for _ in range(self.concurrency):
                self.queue.put_nowait(None)  # each sender ends once the items before it are taken

    async def _sender(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None or self.stop.is_set():
                return
            if self.queue.qsize() < self.low_water:
                self.low.set()
            self.unsent.pop(item.id, None)  # type: ignore[arg-type]
            try:
                answer = await self._deliver(item)
            except BatchStopped as exc:
                if not self.stop.is_set():
                    self.summary.alert = Notice.of(exc)
                self.stop.set()
                self.low.set()
                await asyncio.to_thread(self.outcomes.retry_later, item.id, Notice.of(exc),  # type: ignore[arg-type]
                                        self.backoff, count_attempt=False)
                answer = None
            if answer is None:
                self._progressed(item)
            else:
                self.answered.append((item, answer))
                self.wake.set()

    async def _deliver(self, item: OutboxItem) -> VerificationAnswer | None:
        delivery = self.deliveries.get(item.kind)
        if delivery is None:  # written by a newer version of the device, or tampered with
            await asyncio.to_thread(self.outcomes.quarantine, item.id,  # type: ignore[arg-type]
                                    Notice("delivery.unknown_kind", f"no delivery for items of kind {item.kind[:40]!r}",
                                           {"kind": item.kind[:40]}))
            self.summary.quarantined += 1
            return None
        return await delivery.deliver(item)

    async def _committer(self) -> None:
        """Group commit: the outcomes that arrived while the previous group was being written go
        in the next transaction. A group waits up to GROUP_WAIT for GROUP_MIN outcomes: a commit
        costs ≈ 5 ms of CPU (statements, page encryption, fsync) whether it carries one outcome
        or forty, each outcome ≈ 0.5 ms more."""
        loop = asyncio.get_running_loop()
        while True:
            if not self.answered:
                if self.sending_over:
                    return
                await self.wake.wait()
                self.wake.clear()
                continue
            deadline = loop.time() + GROUP_WAIT
            while not self.sending_over and len(self.answered) < GROUP_MIN:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), remaining)
                self.wake.clear()
            group, self.answered = self.answered, []
            try:
                await asyncio.to_thread(self.outcomes.verifications_answered, [answer for _, answer in group])
            except BaseException:
                self.stop.set()  # nothing more is sent; what was not committed is sent again later
                self.low.set()
                raise
            for item, answer in group:
                count_committed(answer, self.summary)
                self._progressed(item)

    def _progressed(self, item: OutboxItem) -> None:
        self.done += 1
        self.summary.records.add(item.record_id)
        if self.on_progress:
            self.on_progress(self.done, max(self.total, self.done), {item.record_id})

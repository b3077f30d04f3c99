"""What every kind of delivery shares: the error classes of PROTOCOLS §2 and how each is recorded.

Transient (timeouts, resets, 5xx, a garbled answer) → retry later with back-off and jitter, and
quarantine once `max_attempts` have failed; data → quarantine with the reason on the record;
configuration/authentication → `BatchStopped`. Every database write goes through
`app.delivery.DeliveryOutcomes` in a thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

import httpx

from app.delivery import DeliveryOutcomes, VerificationAnswer
from app.errors import ConfigurationFault, CrvsError
from app.messages import Notice
from app.mosip.ida import IdaClient, IdaProtocolError
from app.mosip.packets import AuthenticationFailed, MosipAnswerError, PacketClient
from app.outbox import Backoff
from app.store.models import OutboxItem
from app.vocabulary import OutboxKind, OutboxState

log = logging.getLogger("crvs_field.sync.worker")


class BatchStopped(ConfigurationFault):
    """A configuration or authentication fault: nothing more can succeed until a person fixes it.
    Its code and params become the agent's alert (`app.messages.Notice`)."""

    default_code = "sync.batch_stopped"

    @classmethod
    def of(cls, error: CrvsError) -> BatchStopped:
        return cls(error.message, code=error.code, params=error.params)


class DrainReport(StrEnum):
    """The keys of a drain's outcome report (`DrainSummary.as_dict`: the agent's log line and
    `crvs-field sync --once [--json]`)."""

    SENT = "sent"
    VERIFIED = "verified"
    FAILED = "failed"
    RETRIED_LATER = "retried_later"
    QUARANTINED = "quarantined"
    ALERT = "alert"


@dataclass
class DrainSummary:
    sent: int = 0
    verified: int = 0
    failed: int = 0
    retried: int = 0
    quarantined: int = 0
    alert: Notice | None = None      # why the batch stopped: an administrator must act
    records: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[DrainReport, object]:
        return {DrainReport.SENT: self.sent, DrainReport.VERIFIED: self.verified, DrainReport.FAILED: self.failed,
                DrainReport.RETRIED_LATER: self.retried, DrainReport.QUARANTINED: self.quarantined,
                DrainReport.ALERT: self.alert.text if self.alert else None}


@dataclass(frozen=True)
class MosipClients:
    """The protocol clients of one drain (one HTTP connection pool)."""

    ida: IdaClient
    packets: PacketClient | None    # None in deployment mode opencrvs (OpenCRVS core sends packets)


@dataclass(frozen=True)
class RetryPolicy:
    backoff: Backoff
    max_attempts: int


@dataclass(frozen=True)
class DrainContext:
    outcomes: DeliveryOutcomes
    policy: RetryPolicy
    summary: DrainSummary
    clients: MosipClients


class Delivery(ABC):
    """One kind of outbox item: how it is sent and what MOSIP's answers mean. `deliver` returns an
    answer that waits for the drain's group commit, or None when the outcome is already written."""

    kinds: ClassVar[frozenset[OutboxKind]]

    def __init__(self, context: DrainContext):
        self.outcomes = context.outcomes
        self.policy = context.policy
        self.summary = context.summary

    async def deliver(self, item: OutboxItem) -> VerificationAnswer | None:
        try:
            return await self._send(item)
        except (httpx.TimeoutException, httpx.TransportError, IdaProtocolError, MosipAnswerError) as exc:
            await self._retry_later(item, describe(exc))
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            await self._retry_later(item, Notice("delivery.http_status", f"HTTP {status}", {"status": status}))
        except AuthenticationFailed as exc:
            raise BatchStopped.of(exc) from None
        return None

    @abstractmethod
    async def _send(self, item: OutboxItem) -> VerificationAnswer | None:
        """Send one item; raise the transport's exceptions, `AuthenticationFailed` or `BatchStopped`."""

    async def _retry_later(self, item: OutboxItem, reason: Notice) -> None:
        state = await asyncio.to_thread(self.outcomes.retry_later, _id(item), reason, self.policy.backoff,
                                        max_attempts=self.policy.max_attempts)
        if state is OutboxState.QUARANTINED:
            self.summary.quarantined += 1
        else:
            self.summary.retried += 1
        log.info("delivery %s of %s retried later: %s", item.kind, item.idempotency_key, reason)

    async def _quarantine(self, item: OutboxItem, reason: Notice) -> None:
        await asyncio.to_thread(self.outcomes.quarantine, _id(item), reason)
        self.summary.quarantined += 1


def _id(item: OutboxItem) -> int:
    assert item.id is not None, "a leased item has an id"
    return item.id


def describe(exc: Exception) -> Notice:
    """Why a transient failure will be tried again."""
    if isinstance(exc, CrvsError) and isinstance(exc, httpx.TransportError):  # the bounded reader's own words
        code = "delivery.timed_out" if isinstance(exc, httpx.TimeoutException) else "delivery.bad_answer"
        return Notice(code, exc.message[:200])
    if isinstance(exc, httpx.TimeoutException):
        return Notice("delivery.timed_out", "timed out")
    if isinstance(exc, httpx.ConnectError):
        return Notice("delivery.cannot_connect", "cannot connect")
    if isinstance(exc, httpx.RemoteProtocolError):
        return Notice("delivery.connection_closed", "connection closed without an answer")
    if isinstance(exc, httpx.TransportError):
        return Notice("delivery.network_error", "network error")
    return Notice("delivery.bad_answer", str(exc)[:200])

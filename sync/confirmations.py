"""Confirmations through the relay (`mosip.confirmations.mode: relay`).

MOSIP's hub pushes CREDENTIAL_ISSUED only to a callback it can reach and stops a subscriber at its
first failed delivery (mosip/websub hub/start_hub.bal); a field device behind NAT, offline for days,
is no such callback. The country's relay subscribes instead and holds each delivery, raw, until
the device asks (relay/README.md). One `poll`:

1. registers with the relay every RID whose packet MOSIP took and whose confirmation has not come
   (each once per process; the relay answers a repeat with "already", so a restart repeats harmlessly);
2. pulls the deliveries above the durable cursor, opens each as the WebSub callback does
   (`sync.credentials`: data share with the WEBSUB token, partner-key decryption, RID check), writes
   it through the one writer (`DeliveryOutcomes.confirm_registration`, idempotent), then
   acknowledges it and moves the cursor. A kill between applying and acknowledging means the same
   delivery is pulled again and changes nothing;
3. sends the audit chain head (seq, hash of the newest event) with the chain's hash at the head
   the relay acknowledged before; the relay moves its anchor only if that hash is the one it holds.

The relay keeps the body but not the hub's `X-Hub-Signature`, and that HMAC is keyed with the
relay's own hub secret: the relay checks it, the device trusts the relay's authenticated channel and
the partner-key decryption (relay/app.py `delivery`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from app import audit
from app.confirmations import ConfirmationState
from app.delivery import DeliveryOutcomes
from app.mosip.relay import HeadOutcome, RelayClient, RelaySettings
from app.mosip.websub import DeliveryNotReadYet, DeliveryRejected
from sync.credentials import CredentialReader, apply_credential

log = logging.getLogger("crvs_field.sync.confirmations")

PAGE_SIZE = 100


@dataclass
class PollSummary:
    registered: int = 0           # RIDs newly registered with the relay
    pulled: int = 0
    applied: int = 0              # deliveries that changed a record
    repeated: int = 0             # deliveries already applied (a redelivery, or a pull after a crash)
    rejected: int = 0             # deliveries that can never be read (acknowledged, reported)
    not_ready: int = 0            # deliveries to read later (data share unreachable)
    acknowledged: int = 0
    awaited_elsewhere: tuple[str, ...] = ()
    head: HeadOutcome | None = None
    records: set[str] = field(default_factory=set)

    @property
    def tamper_signal(self) -> bool:
        return self.head in (HeadOutcome.LOWER, HeadOutcome.REWRITTEN)


class RelayConfirmations:
    def __init__(self, settings: RelaySettings, reader: CredentialReader, outcomes: DeliveryOutcomes, *,
                 on_records: Callable[[set[str]], None] | None = None, page_size: int = PAGE_SIZE) -> None:
        self.client = RelayClient(settings)
        self.reader = reader
        self.outcomes = outcomes
        self.state = ConfirmationState(outcomes.db)
        self.on_records = on_records or (lambda records: None)
        self.page_size = page_size
        self._registered: set[str] = set()

    def close(self) -> None:
        self.client.close()

    def poll(self) -> PollSummary:
        """One exchange with the relay. Raises RelayUnavailable (try later) and
        RelayCredentialRefused / RelayRefused (an admin must act) before anything is applied."""
        summary = PollSummary()
        self._register(summary)
        self._pull(summary)
        self._send_head(summary)
        return summary

    def _register(self, summary: PollSummary) -> None:
        new = [rid for rid in self.state.awaited_delivered() if rid not in self._registered]
        if not new:
            return
        result = self.client.await_rids(new)
        summary.registered = result.registered
        summary.awaited_elsewhere = result.awaited_elsewhere
        if result.awaited_elsewhere:   # two devices sharing a RID: a machine id configured twice
            log.warning("%d registration ids are awaited by another device at the relay",
                        len(result.awaited_elsewhere))
        self._registered.update(new)

    def _pull(self, summary: PollSummary) -> None:
        durable = after = self.state.cursor()
        first_unready: int | None = None
        while True:
            page = self.client.pull(after, self.page_size)
            summary.pulled += len(page.items)
            done: list[int] = []
            try:
                for item in page.items:
                    try:
                        credential = self.reader.read(item.body)
                    except DeliveryRejected as exc:   # no later read can do better: acknowledged, reported
                        log.warning("relay delivery %s rejected: %s", item.cursor, exc)
                        summary.rejected += 1
                        done.append(item.cursor)
                        continue
                    except DeliveryNotReadYet as exc:
                        log.info("relay delivery %s not read yet: %s", item.cursor, exc)
                        summary.not_ready += 1
                        first_unready = item.cursor if first_unready is None else first_unready
                        continue
                    record = apply_credential(self.outcomes, credential)
                    if record is None:
                        summary.repeated += 1
                    else:
                        summary.applied += 1
                        summary.records.add(record.id)
                    done.append(item.cursor)
            finally:   # what was applied is acknowledged even if a later item's write failed
                if done:
                    summary.acknowledged += self.client.ack(done)
                if summary.records:
                    self.on_records(set(summary.records))
            after = page.next_cursor
            # the next pull starts before the first delivery still to read; acknowledged ones are skipped
            keep = after if first_unready is None else first_unready - 1
            if keep > durable:
                self.state.save_cursor(keep)
                durable = keep
            if not page.more:
                return

    def _send_head(self, summary: PollSummary) -> None:
        """Post the newest event's (seq, hash) together with this chain's hash at the head the relay
        acknowledged last: the relay moves its anchor only when that hash is the one it acknowledged,
        so a chain rewritten locally cannot carry the anchor onto the forgery; it refuses, and counts a
        tamper signal."""
        for _attempt in range(2):    # STALE: another post moved the anchor between our read and our post
            anchor = self.client.get_audit_head()
            with self.outcomes.db.read() as session:
                seq, digest = audit.head(session)
                prev = (anchor.seq, audit.hash_at(session, anchor.seq)) if anchor is not None else None
            if seq == 0:
                return
            if anchor is not None and (anchor.seq, anchor.hash) == (seq, digest):
                summary.head = HeadOutcome.UNCHANGED
                return
            summary.head = self.client.put_audit_head(seq, digest, prev).outcome
            if summary.head is not HeadOutcome.STALE:
                break
        if summary.tamper_signal:
            log.warning("the relay refused this device's audit head (%s): the chain no longer holds the head "
                        "it acknowledged", summary.head.value if summary.head else "")

"""Status back from OpenCRVS core (deployment mode `opencrvs`): the agent asks OpenCRVS's search
about the records it submitted and writes what changed through `app.opencrvs_outcomes`.

OpenCRVS 2.0 has no webhooks for a system client: the record's fate is polled with
`POST /events/events/search` (opencrvs-core v2.0.0 packages/events/src/router/event/index.ts
`search`, needs `record.search`), a bounded `or` of `id` clauses per request
(packages/commons/src/events/EventIndex.ts `QueryType`). `GET /events/events/{id}` appends a READ
action each time, so it is used only to read a rejection's reason — which the search index does
not carry (`EventIndex`; the reason is the REJECT action's `content.reason`) — and only when the
client holds `record.read`; otherwise the record says it was rejected without the registrar's words.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import httpx

from app.config.opencrvs import OpenCrvsEventMapping
from app.errors import ConfigurationFault
from app.messages import Notice
from app.opencrvs.answers import indexed_state, rejection_reason
from app.opencrvs.client import OpenCrvsClient, OpenCrvsRefused, OpenCrvsUnauthorized
from app.opencrvs.settings import OpenCrvsSettings
from app.opencrvs.tokens import TokenCache
from app.opencrvs_outcomes import UpstreamOutcomes
from app.vocabulary import UpstreamState

log = logging.getLogger("crvs_field.sync.opencrvs")
MAX_RECORDS_PER_POLL = 1000


@dataclass
class StatusPoll:
    asked: int = 0                   # records asked about
    requests: int = 0                # search requests sent
    changed: set[str] = field(default_factory=set)
    alert: Notice | None = None      # OpenCRVS refused this device's client: an admin must act


def nid_field(mapping: OpenCrvsEventMapping, id_field: str) -> str | None:
    """OpenCRVS's field for the subject's own NID (e.g. `child.nid`, written by OpenCRVS's MOSIP
    integration on registration: opencrvs/mosip packages/mosip-api/src/opencrvs-api.ts)."""
    for opencrvs_id, source in mapping.fields.items():
        if source.field and source.field.endswith(f".{id_field}") \
                and source.field.partition(".")[0] not in mapping.persons:
            return opencrvs_id
    return None


class UpstreamStatusPoller:
    def __init__(self, settings: OpenCrvsSettings, outcomes: UpstreamOutcomes, tokens: TokenCache) -> None:
        self.settings = settings
        self.outcomes = outcomes
        self.tokens = tokens
        id_field = outcomes.country.config.identity.fields["individual_id"]
        self.nid_fields = {m.type: nid_field(m, id_field) for m in settings.events.values()}

    def poll(self) -> StatusPoll:
        return asyncio.run(self.poll_async())

    async def poll_async(self) -> StatusPoll:
        report = StatusPoll()
        pairs = await asyncio.to_thread(self.outcomes.records_to_poll, MAX_RECORDS_PER_POLL)
        if not pairs:
            return report
        records = {event_id: record_id for record_id, event_id in pairs}
        ids = list(records)
        timeout = httpx.Timeout(self.settings.timeout, connect=10)
        async with httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False) as http:
            client = OpenCrvsClient(self.settings, http, self.tokens)
            try:
                for start in range(0, len(ids), self.settings.search_batch):
                    batch = ids[start:start + self.settings.search_batch]
                    results = await client.search_ids(batch)
                    report.requests += 1
                    report.asked += len(batch)
                    for index in results:
                        record_id = records.get(str(index.get("id")))
                        if record_id is None:
                            continue
                        seen = indexed_state(index, self.nid_fields.get(str(index.get("type"))))
                        if seen is None:
                            continue
                        reason = await self._reason(client, str(index["id"]), str(index.get("type"))) \
                            if seen.state is UpstreamState.REJECTED else None
                        if await asyncio.to_thread(self.outcomes.status_seen, record_id, seen, reason=reason):
                            report.changed.add(record_id)
            except ConfigurationFault as exc:
                report.alert = Notice.of(exc)
                log.warning("OpenCRVS status poll refused: %s", exc.code)
        return report

    async def _reason(self, client: OpenCrvsClient, event_id: str, event_type: str) -> str | None:
        token = await client.token()
        if not token.has_scope("record.read", event_type):
            return None
        try:
            return rejection_reason(await client.read_event(event_id))
        except (OpenCrvsRefused, OpenCrvsUnauthorized):
            return None


class UpstreamFollower:
    """The agent's side of the status poll: when it is due, the last one, and a sticky alert
    while OpenCRVS refuses this device's client."""

    def __init__(self, settings: OpenCrvsSettings, outcomes: UpstreamOutcomes, tokens: TokenCache) -> None:
        self.poller = UpstreamStatusPoller(settings, outcomes, tokens)
        self.every_seconds = settings.poll_every_seconds
        self.last: StatusPoll | None = None
        self.alert: Notice | None = None
        self._polled_at = 0.0

    def due(self) -> bool:
        return time.monotonic() - self._polled_at >= self.every_seconds

    def poll(self) -> set[str]:
        """Ask once; the ids of the records that changed (none when OpenCRVS could not be asked)."""
        self._polled_at = time.monotonic()
        try:
            poll = self.poller.poll()
        except Exception as exc:   # unreachable, busy, a garbled answer: the next poll asks again
            log.info("OpenCRVS status poll failed: %s", type(exc).__name__)
            return set()
        self.last, self.alert = poll, poll.alert
        if poll.changed:
            log.info("OpenCRVS: %d record(s) moved (%d asked in %d search requests)", len(poll.changed),
                     poll.asked, poll.requests)
        return poll.changed

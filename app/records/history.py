"""A record's history as people read it: its audit events, with a run of draft saves by one person
shown as one entry. The form saves a draft each time a field is left, and each save is one audit
event (the chain must record every write); a history row per field only buried what happened.
Audit events themselves are never changed (they are hash-chained)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.vocabulary import ActionType

# saves further apart than this are separate entries (another sitting at the form)
SAVE_RUN_GAP = dt.timedelta(minutes=30)


@dataclass
class HistoryEntry:
    """One row of the history: `details` are the audit event's, merged over a run of saves;
    `source_changes` are the (section, change) of each person's data source, in order."""

    at: dt.datetime
    actor: str
    kind: str
    details: dict[str, Any]
    seqs: list[int] = field(default_factory=list)
    source_changes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _joins(entry: HistoryEntry, kind: str, actor: str, at: dt.datetime) -> bool:
    return (kind == ActionType.UPDATE.value and entry.kind == ActionType.UPDATE.value
            and entry.actor == actor and at - entry.at <= SAVE_RUN_GAP)


def history_entries(events: Iterable[Any]) -> list[HistoryEntry]:
    """Audit events (oldest first) → history entries; consecutive saves of a draft by the same
    person become one entry with the union of the fields they changed and every change of a
    person's data source."""
    entries: list[HistoryEntry] = []
    for event in events:
        details = dict(event.details or {})
        sources = details.get("data_sources")
        changes = [(str(section), change) for section, change in
                   (sources.items() if isinstance(sources, dict) else []) if isinstance(change, dict)]
        if entries and _joins(entries[-1], event.kind, event.actor, event.at):
            last = entries[-1]
            fields = set(last.details.get("fields") or []) | set(details.get("fields") or [])
            last.details = {**last.details, **details, "fields": sorted(fields)}
            last.at = event.at
            last.seqs.append(event.seq)
            last.source_changes += changes
            continue
        entries.append(HistoryEntry(event.at, event.actor, event.kind, details, [event.seq], changes))
    return entries

"""What a write changed, so that whoever shows the data refreshes only what it must (the model is
Anki's `OpChanges`, returned by every collection operation).

`tracked(fn)` runs `fn` — one command or several — and returns its result with the `Changes` its
committed write transactions made. The changes are read from the unit of work itself (the rows
SQLAlchemy inserts, updates and deletes), not declared by each command, so a command added later
cannot forget to report one. Only transactions that commit count; nothing is tracked on a thread
that does not ask (the agent's writes are reported by its status hub, app.sync_status).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.store.models import DeviceSetting, OutboxItem, Record, User

T = TypeVar("T")

# a record's membership of a work queue follows these columns (queues select by status, by the
# attention flag, or by an open outbox item, which the database keeps from the outbox's rows)
_QUEUE_COLUMNS = ("status", "requires_attention", "upstream_state")


@dataclass(frozen=True)
class Changes:
    records: frozenset[str] = field(default_factory=frozenset)  # records whose content or history changed
    queues: bool = False       # which records are in which work queue may have changed (counts, lists)
    outbox: bool = False       # outbox items were queued, cancelled or changed state
    settings: bool = False     # device settings or users

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.records | other.records, self.queues or other.queues, self.outbox or other.outbox,
                       self.settings or other.settings)

    def __bool__(self) -> bool:
        return bool(self.records) or self.queues or self.outbox or self.settings

    def touches(self, record_id: str | None) -> bool:
        return record_id is not None and record_id in self.records

    @classmethod
    def of_records(cls, record_ids: Iterable[str], *, queues: bool = True, outbox: bool = False) -> Changes:
        """Records changed elsewhere (the sync agent reports their ids): their queues may have too."""
        ids = frozenset(record_ids)
        return cls(ids, queues=queues and bool(ids), outbox=outbox)


NOTHING = Changes()


class _Tracker:
    def __init__(self) -> None:
        self.changes = NOTHING


_local = threading.local()


def _trackers() -> list[_Tracker]:
    trackers: list[_Tracker] | None = getattr(_local, "trackers", None)
    if trackers is None:
        trackers = _local.trackers = []
    return trackers


def tracking() -> bool:
    """Whether a write on this thread should collect its changes (cheap: asked per transaction)."""
    return bool(getattr(_local, "trackers", None))


@contextmanager
def _track() -> Iterator[_Tracker]:
    tracker = _Tracker()
    trackers = _trackers()
    trackers.append(tracker)
    try:
        yield tracker
    finally:
        trackers.remove(tracker)


def tracked(fn: Callable[[], T]) -> tuple[T, Changes]:
    """Run `fn` and return its result with what its committed writes changed. When `fn` raises,
    the changes of the transactions it committed before are attached to the exception as
    `exc.changes`, so the caller can still show them."""
    with _track() as tracker:
        try:
            result = fn()
        except BaseException as exc:
            exc.changes = tracker.changes  # type: ignore[attr-defined]
            raise
    return result, tracker.changes


_SESSION_KEY = "crvs_changes"


def collect(session: Session, _flush_context: Any = None, _instances: Any = None) -> None:
    """A `before_flush` listener: adds what this flush will write to the session's changes."""
    records: set[str] = set()
    queues = outbox = settings = False
    for obj, comes_or_goes in [(o, True) for o in session.new] + [(o, False) for o in session.dirty] \
            + [(o, True) for o in session.deleted]:
        if isinstance(obj, Record):
            if not comes_or_goes and not session.is_modified(obj):
                continue
            records.add(obj.id)
            state = inspect(obj)
            queues = queues or comes_or_goes or any(state.attrs[name].history.has_changes() for name in _QUEUE_COLUMNS)
        elif isinstance(obj, OutboxItem):
            outbox = queues = True          # the Outbox queue holds records with an open item
            records.add(obj.record_id)
        elif isinstance(obj, DeviceSetting | User):
            settings = True
        else:
            record_id = getattr(obj, "record_id", None)   # history, verifications, requests
            if isinstance(record_id, str):
                records.add(record_id)
    if records or queues or outbox or settings:
        before = session.info.get(_SESSION_KEY, NOTHING)
        session.info[_SESSION_KEY] = before | Changes(frozenset(records), queues, outbox, settings)


def note(session: Session, *, records: Iterable[str] = (), outbox: bool = False) -> None:
    """Rows a command wrote with a Core statement, which the unit of work does not see (the outbox
    items of a register action): added to the session's changes like those `collect` finds."""
    if not tracking():
        return
    before = session.info.get(_SESSION_KEY, NOTHING)
    session.info[_SESSION_KEY] = before | Changes(frozenset(records), queues=outbox, outbox=outbox)


def committed(session: Session) -> None:
    """The transaction of `session` committed: its changes count for every tracker on this thread."""
    changes = session.info.pop(_SESSION_KEY, NOTHING)
    if changes:
        for tracker in _trackers():
            tracker.changes = tracker.changes | changes

"""What the sync agent tells whoever watches it (the desktop UI, the CLI): plain Python, no Qt.

The agent publishes an immutable `SyncStatus` snapshot after every change; subscribers are called
on the agent's thread and must hand the snapshot over to their own (the UI does it with a signal).
It lives in the core so that the publisher (`sync`) and the watchers (`ui`) share it while `ui`
never imports `sync`; the composition root (`crvs_field`) hands the same hub to both.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from app.messages import Notice


@dataclass(frozen=True)
class BackupStatus:
    """The scheduled backups' latest outcome (kept in the device_setting table, app.device_settings)."""

    last_success_at: dt.datetime | None = None
    destinations: tuple[str, ...] = ()         # where the last successful backup was written
    size_bytes: int = 0                        # its archive's size (per destination)
    audit_seq: int = 0                         # the audit head it holds: registrations after it are counted
    last_attempt_at: dt.datetime | None = None
    failures: tuple[tuple[str, str], ...] = ()  # (destination, reason code) of the last attempt
    warn_after_hours: float = 48.0

    def overdue(self, now: dt.datetime) -> bool:
        """No backup succeeded for `warn_after_hours` (or ever)."""
        return self.last_success_at is None or now - self.last_success_at > dt.timedelta(hours=self.warn_after_hours)


@dataclass(frozen=True)
class SyncStatus:
    online: bool = False
    running: bool = False            # a drain is in progress
    done: int = 0                    # items finished in the current drain
    total: int = 0                   # items the current drain started with
    queued: int = 0                  # outbox items waiting (pending or in flight)
    quarantined: int = 0             # items that need a person (record flagged requires_attention)
    last_success: dt.datetime | None = None
    last_error: Notice | str | None = None   # why the last drain failed; no personal data
    alert: Notice | None = None      # a configuration/auth fault that stopped the batch
    changed_records: tuple[str, ...] = field(default_factory=tuple)  # ids touched by the last step
    backup: BackupStatus | None = None  # None: no scheduled backup configured

    @property
    def progress(self) -> float:
        return self.done / self.total if self.total else 1.0


Listener = Callable[[SyncStatus], None]


class SyncStatusHub:
    """Holds the latest status and calls listeners on each update. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._listeners: list[Listener] = []

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)
        listener(self.status)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def update(self, **changes: object) -> SyncStatus:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            status, listeners = self._status, list(self._listeners)
        for listener in listeners:
            listener(status)
        return status

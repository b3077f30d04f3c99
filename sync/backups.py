"""Scheduled backups (country config `backup:`): the agent's job decides when one is due, writes it
to every destination with `app.backup.create_backup`, keeps the newest `keep` archives of this device
per destination, and remembers the outcome in the device_setting table.

Due when nothing ever succeeded, when the last success is `every_hours` old, or when
`after_registrations` registrations were made since the audit head the last backup holds. After a
failed attempt (a USB stick not plugged in, a full disk) the next one waits `retry_after` — a missing
folder costs nothing to find, so that wait is short.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlmodel import col, func, select

from app.backup import SUFFIX, create_backup
from app.config.models import BackupConfig, BackupDestination
from app.device_settings import load_backup_status, save_backup_status
from app.errors import CrvsError
from app.store.database import Database
from app.store.models import AuditEvent
from app.sync_status import BackupStatus
from app.vocabulary import ActionType

log = logging.getLogger("crvs_field.sync.backups")

AGENT = "sync-agent"
RETRY_AFTER = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class DestinationOutcome:
    destination: str
    path: Path | None = None
    size_bytes: int = 0
    removed: int = 0               # older archives deleted by retention
    audit_seq: int = 0             # the audit head the archive holds
    reason: str | None = None      # why it failed (an error code), None on success


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BackupSchedule:
    def __init__(self, db: Database, data_dir: Path, config: BackupConfig, *,
                 clock: Callable[[], dt.datetime] = _now) -> None:
        self.db = db
        self.data_dir = Path(data_dir)
        self.config = config
        self.clock = clock

    def status(self) -> BackupStatus:
        with self.db.read() as session:
            return load_backup_status(session, self.config.warn_after_hours)

    def registrations_since(self, audit_seq: int) -> int:
        with self.db.read() as session:
            return session.exec(select(func.count()).select_from(AuditEvent)
                                .where(col(AuditEvent.seq) > audit_seq,
                                       AuditEvent.kind == ActionType.REGISTER.value)).one()

    def due(self, status: BackupStatus | None = None) -> bool:
        status = status or self.status()
        now = self.clock()
        if not self.config.destinations:
            return False
        failed_last = status.last_attempt_at is not None and status.last_attempt_at != status.last_success_at
        if failed_last and now - status.last_attempt_at < RETRY_AFTER:   # type: ignore[operator]
            return False
        if status.last_success_at is None:
            return True
        if now - status.last_success_at >= dt.timedelta(hours=self.config.every_hours):
            return True
        wanted = self.config.after_registrations
        return wanted is not None and self.registrations_since(status.audit_seq) >= wanted

    def run_if_due(self) -> BackupStatus | None:
        status = self.status()
        return self.run(status) if self.due(status) else None

    def run(self, status: BackupStatus | None = None) -> BackupStatus:
        """One backup to every destination; returns (and stores) the new status. Never raises for a
        destination's failure: it is reported in `failures`."""
        status = status or self.status()
        now = self.clock()
        outcomes = [self._one(destination, now) for destination in self.config.destinations]
        written = [o for o in outcomes if o.reason is None]
        failures = tuple((o.destination, o.reason or "") for o in outcomes if o.reason is not None)
        for o in outcomes:
            if o.reason is None:
                log.info("backup written to %s (%d bytes; %d older removed)", o.destination, o.size_bytes, o.removed)
            else:
                log.warning("backup to %s failed: %s", o.destination, o.reason)
        new = replace(status, last_attempt_at=now, failures=failures, warn_after_hours=self.config.warn_after_hours)
        if written:
            new = replace(new, last_success_at=now, destinations=tuple(o.destination for o in written),
                          size_bytes=max(o.size_bytes for o in written),
                          audit_seq=min(o.audit_seq for o in written))
        with self.db.write() as session:
            save_backup_status(session, new, AGENT)
        return new

    def _one(self, destination: BackupDestination, now: dt.datetime) -> DestinationOutcome:
        folder = Path(destination.folder)
        if not folder.is_dir():     # the USB stick is not plugged in: no snapshot taken for nothing
            return DestinationOutcome(destination.name, reason="backup.destination_missing")
        try:
            result = create_backup(self.db, self.data_dir, folder, now=now)
        except CrvsError as exc:
            return DestinationOutcome(destination.name, reason=exc.code)
        except OSError as exc:
            return DestinationOutcome(destination.name, reason=f"os.{exc.errno}")
        return DestinationOutcome(destination.name, result.path, result.size_bytes,
                                  removed=self.apply_retention(folder, result.manifest.device_id),
                                  audit_seq=result.manifest.audit_head_seq)

    def apply_retention(self, folder: Path, device_id: str) -> int:
        """Delete this device's archives beyond the newest `keep` (names sort by time); other
        devices' archives on a shared stick are left alone."""
        prefix = device_id[:12] + "-"
        mine = sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.name.endswith(SUFFIX)
                      and p.is_file())
        removed = 0
        for old in mine[:-self.config.keep]:
            try:
                old.unlink()
                removed += 1
            except OSError as exc:
                log.warning("old backup %s not removed: %s", old.name, exc.strerror)
        return removed


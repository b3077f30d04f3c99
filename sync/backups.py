"""Scheduled backups (country config `backup:`): the agent's job decides when one is due, writes it
to every destination with `app.backup.create_backup`, keeps the newest `keep` archives of this device
per folder, and remembers the outcome in the device_setting table and each attempt in the history
(`app.backup_history`).

Due when nothing ever succeeded, when the last success is `every_hours` old, or when
`after_registrations` registrations were made since the audit head the last backup holds. After a
failed attempt (a USB stick not plugged in, a full disk) the next one waits `retry_after` — a missing
folder costs nothing to find, so that wait is short.

The `relay` destination writes the archive to a folder inside the data directory, uploads it to the
relay's backup store (`app.backup_relay`: retried with back-off while the relay is unreachable) and
deletes the local copy; the relay applies its own retention and quota.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlmodel import col, func, select

from app.backup import SUFFIX, create_backup
from app.backup_history import (
    BackupAttempt,
    BackupProgress,
    BackupStage,
    StoredBackup,
    read_history,
    record_attempts,
)
from app.backup_relay import RelayBackups
from app.config.models import BackupConfig, BackupDestination
from app.device_settings import load_backup_status, save_backup_status
from app.errors import ConfigurationFault, CrvsError
from app.mosip.relay import RelayClient, RelaySettings
from app.store.database import Database
from app.store.models import AuditEvent
from app.sync_status import BackupStatus
from app.vocabulary import ActionType

log = logging.getLogger("crvs_field.sync.backups")

AGENT = "sync-agent"
RETRY_AFTER = dt.timedelta(minutes=15)
UPLOAD_FOLDER = "backup-upload"     # inside the data directory: archives on their way to the relay


@dataclass(frozen=True)
class DestinationOutcome:
    destination: str
    path: Path | None = None
    size_bytes: int = 0
    removed: int = 0               # older archives deleted by retention
    audit_seq: int = 0             # the audit head the archive holds
    reason: str | None = None      # why it failed (an error code), None on success
    seconds: float = 0.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BackupSchedule:
    def __init__(self, db: Database, data_dir: Path, config: BackupConfig, *,
                 clock: Callable[[], dt.datetime] = _now, relay: RelaySettings | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.db = db
        self.data_dir = Path(data_dir)
        self.config = config
        self.clock = clock
        self.relay = relay
        self.sleep = sleep
        self._running = threading.Lock()     # the schedule and "Back up now" never overlap
        self.on_status: Callable[[BackupStatus], None] | None = None   # e.g. publish to the status hub

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

    def run(self, status: BackupStatus | None = None, *,
            progress: Callable[[BackupProgress], None] | None = None) -> BackupStatus:
        """One backup to every destination; returns (and stores) the new status. Never raises for a
        destination's failure: it is reported in `failures` and in the history."""
        with self._running:
            status = self.status() if status is None else status
            now = self.clock()
            outcomes = []
            count = len(self.config.destinations)
            for index, destination in enumerate(self.config.destinations):
                def report(stage: BackupStage, done: int, total: int, *, _name: str = destination.name,
                           _index: int = index) -> None:
                    if progress is not None:
                        progress(BackupProgress(stage, _name, _index, count, done, total))
                outcomes.append(self._one(destination, now, report))
            written = [o for o in outcomes if o.reason is None]
            failures = tuple((o.destination, o.reason or "") for o in outcomes if o.reason is not None)
            for o in outcomes:
                if o.reason is None:
                    log.info("backup written to %s (%d bytes; %d older removed)", o.destination, o.size_bytes,
                             o.removed)
                else:
                    log.warning("backup to %s failed: %s", o.destination, o.reason)
            new = replace(status, last_attempt_at=now, failures=failures,
                          warn_after_hours=self.config.warn_after_hours)
            if written:
                new = replace(new, last_success_at=now, destinations=tuple(o.destination for o in written),
                              size_bytes=max(o.size_bytes for o in written),
                              audit_seq=min(o.audit_seq for o in written))
            with self.db.write() as session:
                save_backup_status(session, new, AGENT)
            try:
                record_attempts(self.data_dir, [
                    BackupAttempt(at=now, destination=o.destination, ok=o.reason is None, size_bytes=o.size_bytes,
                                  name=o.path.name if o.path else "", reason=o.reason or "",
                                  seconds=round(o.seconds, 2)) for o in outcomes])
            except OSError as exc:
                log.warning("backup history not written: %s", exc.strerror)
            if self.on_status is not None:
                self.on_status(new)
            return new

    def _one(self, destination: BackupDestination, now: dt.datetime,
             report: Callable[..., None]) -> DestinationOutcome:
        started = time.monotonic()
        if destination.relay:
            outcome = self._to_relay(destination, now, report)
        else:
            outcome = self._to_folder(destination, now, report)
        return replace(outcome, seconds=time.monotonic() - started)

    def _to_folder(self, destination: BackupDestination, now: dt.datetime,
                   report: Callable[..., None]) -> DestinationOutcome:
        folder = Path(destination.folder or "")
        if not folder.is_dir():     # the USB stick is not plugged in: no snapshot taken for nothing
            return DestinationOutcome(destination.name, reason="backup.destination_missing")
        try:
            result = create_backup(self.db, self.data_dir, folder, now=now,
                                   progress=lambda done, total: report(BackupStage.SNAPSHOT, done, total))
        except CrvsError as exc:
            return DestinationOutcome(destination.name, reason=exc.code)
        except OSError as exc:
            return DestinationOutcome(destination.name, reason=f"os.{exc.errno}")
        return DestinationOutcome(destination.name, result.path, result.size_bytes,
                                  removed=self.apply_retention(folder, result.manifest.device_id),
                                  audit_seq=result.manifest.audit_head_seq)

    def _to_relay(self, destination: BackupDestination, now: dt.datetime,
                  report: Callable[..., None]) -> DestinationOutcome:
        if self.relay is None:
            return DestinationOutcome(destination.name, reason="backup.relay_not_configured")
        staging = self.data_dir / UPLOAD_FOLDER
        try:
            shutil.rmtree(staging, ignore_errors=True)     # an upload a crash interrupted: this one replaces it
            staging.mkdir(mode=0o700)
            result = create_backup(self.db, self.data_dir, staging, now=now,
                                   progress=lambda done, total: report(BackupStage.SNAPSHOT, done, total))
            report(BackupStage.UPLOAD, 0, result.size_bytes)
            with RelayClient(self.relay) as client:
                stored = RelayBackups(client, sleep=self.sleep).upload(result.path)
            report(BackupStage.UPLOAD, result.size_bytes, result.size_bytes)
        except CrvsError as exc:
            return DestinationOutcome(destination.name, reason=exc.code)
        except OSError as exc:
            return DestinationOutcome(destination.name, reason=f"os.{exc.errno}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return DestinationOutcome(destination.name, Path(stored.name), stored.size,
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

    # ------------------------------------------------------------------ what an admin sees

    def history(self, limit: int = 100) -> list[BackupAttempt]:
        return read_history(self.data_dir, limit)

    def stored(self) -> tuple[list[StoredBackup], list[tuple[str, str]]]:
        """The archives each destination holds now (newest first) and the destinations that could
        not be listed, with the reason code (a stick not plugged in, the relay unreachable)."""
        found: list[StoredBackup] = []
        failed: list[tuple[str, str]] = []
        for destination in self.config.destinations:
            try:
                found += self._stored_in(destination)
            except CrvsError as exc:
                failed.append((destination.name, exc.code))
            except OSError as exc:
                failed.append((destination.name, f"os.{exc.errno}"))
        found.sort(key=lambda b: b.created_at, reverse=True)
        return found, failed

    def _stored_in(self, destination: BackupDestination) -> list[StoredBackup]:
        if destination.relay:
            if self.relay is None:
                raise ConfigurationFault("no relay", code="backup.relay_not_configured")
            with RelayClient(self.relay) as client:
                return [StoredBackup(destination.name, b.name, b.size,
                                     dt.datetime.fromtimestamp(b.created_at, dt.UTC))
                        for b in RelayBackups(client).list()]
        folder = Path(destination.folder or "")
        if not folder.is_dir():
            raise ConfigurationFault("folder missing", code="backup.destination_missing")
        found = []
        for path in folder.iterdir():
            if path.name.endswith(SUFFIX) and path.is_file():
                info = path.stat()
                found.append(StoredBackup(destination.name, path.name, info.st_size,
                                          dt.datetime.fromtimestamp(info.st_mtime, dt.UTC)))
        return found



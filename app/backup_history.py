"""What an admin sees of backups: the log of attempts (when, where, the archive's name and size, ok
or the reason code of the failure), what a destination holds now, and a running backup's progress.

The log is one JSON object a line in `backup-history.jsonl` beside the database
(times, labels, sizes and codes only: nothing personal), the newest `KEEP` lines kept; a damaged
line is skipped. It is outside the encrypted database on purpose: a failed backup must be
recordable when the database is the thing that failed, and a restore does not bring back the old
machine's log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from app.sync_status import BackupStatus

HISTORY_FILE = "backup-history.jsonl"
KEEP = 200
MAX_FILE_BYTES = 256 * 1024
_lock = threading.Lock()


class BackupStage(StrEnum):
    SNAPSHOT = "snapshot"      # the database copied (done/total: pages)
    UPLOAD = "upload"          # the archive sent to the relay (done/total: bytes)


@dataclass(frozen=True)
class BackupProgress:
    """Where a running backup is: which destination (index of count) and how far its stage is."""

    stage: BackupStage
    destination: str
    index: int
    count: int
    done: int
    total: int


@dataclass(frozen=True)
class StoredBackup:
    """An archive a destination holds now."""

    destination: str
    name: str
    size_bytes: int
    created_at: dt.datetime


@dataclass(frozen=True)
class BackupAttempt:
    at: dt.datetime
    destination: str            # the destination's label (e.g. "USB", "relay")
    ok: bool
    size_bytes: int = 0
    name: str = ""              # the archive's file name
    reason: str = ""            # the failure's code, "" when ok
    seconds: float = 0.0

    def to_line(self) -> str:
        raw = asdict(self) | {"at": self.at.isoformat()}
        return json.dumps(raw, separators=(",", ":"))


def _parse(line: str) -> BackupAttempt | None:
    try:
        raw = json.loads(line)
        attempt = BackupAttempt(at=dt.datetime.fromisoformat(raw["at"]), destination=str(raw["destination"])[:16],
                                ok=raw["ok"] is True, size_bytes=int(raw.get("size_bytes", 0)),
                                name=str(raw.get("name", ""))[:128], reason=str(raw.get("reason", ""))[:64],
                                seconds=float(raw.get("seconds", 0.0)))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    return attempt if attempt.at.tzinfo is not None else None


def read_history(data_dir: Path, limit: int = KEEP) -> list[BackupAttempt]:
    """The newest attempts first."""
    path = Path(data_dir) / HISTORY_FILE
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_FILE_BYTES)
    except FileNotFoundError:
        return []
    attempts = [a for a in (_parse(line) for line in text.splitlines()) if a is not None]
    return attempts[::-1][:limit]


def record_attempts(data_dir: Path, attempts: list[BackupAttempt]) -> None:
    """Append, keeping the newest KEEP lines (rewritten to a temporary file, then renamed)."""
    if not attempts:
        return
    path = Path(data_dir) / HISTORY_FILE
    with _lock:
        kept = read_history(data_dir, KEEP)[::-1] + attempts
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(a.to_line() + "\n" for a in kept[-KEEP:]))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)


class BackupAdmin(Protocol):
    """What the admin's backup screen needs (sync.backups.BackupSchedule provides it)."""

    def run(self, status: BackupStatus | None = None, *,
            progress: Callable[[BackupProgress], None] | None = None) -> BackupStatus: ...

    def status(self) -> BackupStatus: ...

    def history(self, limit: int = 100) -> list[BackupAttempt]: ...

    def stored(self) -> tuple[list[StoredBackup], list[tuple[str, str]]]: ...

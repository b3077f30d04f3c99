""""Last backup: 2 h ago (USB)" beside the sync status: the agent's scheduled backups
(`SyncStatus.backup`), shown as a warning when none succeeded for the country's
`backup.warn_after_hours` (or ever)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.sync_status import BackupStatus
from ui.widgets import Pill


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BackupStatusLabel(Pill):
    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], dt.datetime] = _now) -> None:
        super().__init__("", "none", parent)
        self.setObjectName("backup-status")
        self.clock = clock
        self.hide()

    def age(self, since: dt.datetime) -> str:
        seconds = max(0, int((self.clock() - since).total_seconds()))
        if seconds < 60:
            return self.tr("just now")
        if seconds < 3600:
            return self.tr("%n min ago", "", seconds // 60)
        if seconds < 48 * 3600:
            return self.tr("%n h ago", "", seconds // 3600)
        return self.tr("%n day(s) ago", "", seconds // 86400)

    def show_backup(self, backup: BackupStatus | None) -> None:
        """None: no scheduled backup on this device — nothing shown."""
        if backup is None:
            self.hide()
            return
        if backup.last_success_at is None:
            text = self.tr("No backup yet")
        else:
            when = backup.last_success_at
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
            text = self.tr("Last backup: %1 (%2)").replace("%1", self.age(when)) \
                .replace("%2", ", ".join(backup.destinations))
        overdue = backup.overdue(self.clock())
        self.set(("⚠ " if overdue else "") + text, "warning" if overdue else "none")
        tips = []
        if overdue:
            tips.append(self.tr("No backup succeeded for more than %n hour(s).", "", int(backup.warn_after_hours)))
        for destination, reason in backup.failures:
            tips.append(self.tr("Last attempt to %1 failed: %2").replace("%1", destination)
                        .replace("%2", self._reason(reason)))
        self.setToolTip("\n".join(tips))
        self.show()

    def _reason(self, code: str) -> str:
        if code == "backup.destination_missing":
            return self.tr("the folder is not there (is the USB stick plugged in?)")
        return code

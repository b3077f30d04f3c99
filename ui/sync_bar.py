"""The sync status bar: online/offline, what is queued, progress while syncing, last success,
alerts, and "Sync now". The agent publishes on its own thread; a signal brings snapshots here."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.records.queries import WaitingRecords
from app.sync_status import SyncStatus, SyncStatusHub
from ui.backup_status import BackupStatusLabel
from ui.errors import error_text
from ui.notices import notice_text
from ui.operations import run_read
from ui.qt_compat import emit
from ui.widgets import Pill


class SyncBridge(QObject):
    """Subscribes to the hub; re-emits snapshots in the UI thread (queued connection).

    The agent publishes once per delivered item — hundreds a second while it drains. Snapshots are
    coalesced: while one hand-over to the UI thread is pending, later ones replace it (their
    `changed_records` merged), so the UI thread runs its slots once per turn of its event loop,
    not once per item — each run had to win the GIL back from the agent's threads
    (bench/ui/bench_stall.py)."""

    status = Signal(object)
    _wake = Signal()

    def __init__(self, hub: SyncStatusHub | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest = SyncStatus()
        self.hub = hub
        self._unsubscribe: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._pending: SyncStatus | None = None
        self._changed: dict[str, None] = {}      # ordered set of records changed since the last hand-over
        self.status.connect(self._remember)
        self._wake.connect(self._deliver)
        if hub is not None:
            self._unsubscribe = hub.subscribe(self._from_agent)

    def _from_agent(self, status: SyncStatus) -> None:
        """On the agent's thread: keep the newest snapshot; wake the UI thread if it is not already."""
        with self._lock:
            wake = self._pending is None
            self._pending = status
            self._changed.update(dict.fromkeys(status.changed_records))
        if wake:
            emit(self._wake)

    def _deliver(self) -> None:
        with self._lock:
            status, changed = self._pending, tuple(self._changed)
            self._pending, self._changed = None, {}
        if status is None:
            return
        if changed != status.changed_records:
            status = replace(status, changed_records=changed)
        emit(self.status, status)

    def _remember(self, status: SyncStatus) -> None:
        self.latest = status

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class SyncStatusWidget(QWidget):
    def __init__(self, bridge: SyncBridge, sync_now: Callable[[], Any] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sync_now = sync_now
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.online = Pill("", "none", self)
        self.online.setObjectName("online")
        self.queued = QLabel(self)
        self.queued.setObjectName("queued")
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.last = QLabel(self)
        self.last.setProperty("role", "hint")
        self.backup = BackupStatusLabel(self)
        self.alert = QLabel(self)
        self.alert.setObjectName("sync-alert")
        self.alert.setStyleSheet("color:#b71c1c; font-weight:600")
        self.alert.hide()
        self.button = QPushButton(self.tr("Sync now"), self)
        self.button.setObjectName("sync-now")
        self.button.clicked.connect(self.trigger)
        if sync_now is None:
            self.button.setEnabled(False)
            self.button.setToolTip(self.tr("The sync agent is not running in this window"))
        for w in (self.online, self.queued, self.progress, self.last, self.backup, self.alert, self.button):
            layout.addWidget(w)
        self.no_agent = bridge.hub is None
        bridge.status.connect(self.show_status)
        self.show_status(bridge.latest)

    def trigger(self) -> None:
        if self.sync_now is None:
            return
        self.button.setEnabled(False)
        run_read(self, self.sync_now, lambda _r: self.button.setEnabled(True),
                 lambda exc: (self.button.setEnabled(True), self.alert.setText(error_text(exc)),
                                  self.alert.show()))

    def show_waiting(self, waiting: WaitingRecords) -> None:
        """What waits, counted as the Outbox and Requires attention queues count it — read with the
        queues' counts, so the two never disagree (the agent's own figures count items)."""
        text = self.tr("%n record(s) waiting to send", "", waiting.to_send)
        if waiting.need_attention:
            text += " · " + self.tr("%n need(s) attention", "", waiting.need_attention)
        self.queued.setText(text)

    def show_status(self, status: SyncStatus) -> None:
        if self.no_agent:
            self.online.set("● " + self.tr("Sync off"), "none")
            self.online.setToolTip(self.tr("No sync agent runs in this window: work stays on the device."))
        elif status.online:
            self.online.set("● " + self.tr("Online"), "ok")
        else:
            self.online.set("● " + self.tr("Offline"), "warning")
        if status.running and status.total:
            self.progress.setRange(0, status.total)
            self.progress.setValue(status.done)
            self.progress.setFormat(self.tr("Syncing %v/%m"))
            self.progress.show()
        elif status.running:
            self.progress.setRange(0, 0)
            self.progress.show()
        else:
            self.progress.hide()
        if status.last_success:
            when = status.last_success
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            self.last.setText(self.tr("Last sync %1").replace("%1", when.astimezone().strftime("%H:%M")))
        else:
            self.last.setText(self.tr("Not synced yet"))
        self.backup.show_backup(status.backup)
        problem = notice_text(status.alert or status.last_error)   # words for the core's codes
        self.alert.setVisible(bool(problem))
        self.alert.setText("⚠ " + (problem or ""))
        self.alert.setToolTip(problem or "")
        if self.sync_now is not None:
            offline = not self.no_agent and not status.online
            self.button.setEnabled(not status.running and not offline)
            self.button.setToolTip(offline_reason() if offline else self.tr("Send the waiting work now"))


def offline_reason() -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate(
        "SyncStatusWidget", "The device is offline: nothing can be sent now. Work is kept on this device and "
        "sent by itself when the connection returns.")

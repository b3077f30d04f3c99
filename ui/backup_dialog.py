"""The administrator's backups (issue 19): "Back up now" in the background with its progress and
result, the last success with the overdue warning, the log of attempts (when, where, size, ok or
why not) and what each destination — folders and the relay — holds now.

Everything slow runs off the UI thread (`ui.operations.run_read`): the backup itself (a paused,
stepped copy: bench/backup_bench.py measures the UI stall while it runs) and the relay's listing.
The progress callback runs on the worker; a signal brings it to the UI thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.backup_history import BackupAdmin, BackupAttempt, BackupProgress, BackupStage, StoredBackup
from app.sync_status import BackupStatus
from ui import i18n
from ui.backup_status import BackupStatusLabel
from ui.errors import code_text, error_text
from ui.operations import run_read
from ui.qt_compat import emit


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def size_text(size: int) -> str:
    """In the user's language: 134.9 MB, 134,9 Mo."""
    locale = QLocale(i18n.current_language())
    if size >= 1_000_000:
        return QCoreApplication.translate("BackupDialog", "%1 MB").replace("%1", locale.toString(size / 1e6, "f", 1))
    return QCoreApplication.translate("BackupDialog", "%1 kB").replace("%1", locale.toString(max(size, 0) / 1e3,
                                                                                            "f", 0))


def when_text(when: dt.datetime) -> str:
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone().strftime("%Y-%m-%d %H:%M")


class _ProgressSignal(QObject):
    """Made on the UI thread; the worker emits, the UI thread receives (a queued connection)."""

    progressed = Signal(object)


class BackupDialog(QDialog):
    def __init__(self, backups: BackupAdmin, parent: QWidget | None = None, *,
                 clock: Callable[[], dt.datetime] = _now) -> None:
        super().__init__(parent)
        self.setObjectName("backup-dialog")
        self.setWindowTitle(self.tr("Backups"))
        self.backups = backups
        self.clock = clock
        self.running = False
        self.last_result: BackupStatus | None = None

        self.summary = BackupStatusLabel(self, clock=clock)
        self.summary.setObjectName("backup-summary")
        self.overdue = QLabel(self)
        self.overdue.setObjectName("backup-overdue")
        self.overdue.setWordWrap(True)
        self.overdue.hide()

        self.back_up_now = QPushButton(self.tr("Back up now"), self)
        self.back_up_now.setObjectName("back-up-now")
        self.back_up_now.clicked.connect(self.start_backup)
        self.back_up_now.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("backup-progress")
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.stage = QLabel(self)
        self.stage.setObjectName("backup-stage")
        self.result = QLabel(self)
        self.result.setObjectName("backup-result")
        self.result.setWordWrap(True)

        self.history = self._table("backup-history", [self.tr("When"), self.tr("Where"), self.tr("Size"),
                                                      self.tr("Result")])
        self.stored = self._table("backup-stored", [self.tr("When"), self.tr("Where"), self.tr("Archive"),
                                                    self.tr("Size")])
        self.stored_note = QLabel(self)
        self.stored_note.setObjectName("backup-stored-note")
        self.stored_note.setWordWrap(True)
        refresh = QPushButton(self.tr("Refresh"), self)
        refresh.clicked.connect(self.load_stored)
        stored_page = QWidget(self)
        stored_layout = QVBoxLayout(stored_page)
        stored_layout.addWidget(self.stored)
        note_row = QHBoxLayout()
        note_row.addWidget(self.stored_note, 1)
        note_row.addWidget(refresh)
        stored_layout.addLayout(note_row)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.history, self.tr("History"))
        self.tabs.addTab(stored_page, self.tr("Kept now"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        now_row = QHBoxLayout()
        now_row.addWidget(self.back_up_now)
        now_row.addWidget(self.progress, 1)
        now_row.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.overdue)
        layout.addLayout(now_row)
        layout.addWidget(self.stage)
        layout.addWidget(self.result)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(720, 480)

        self._signal = _ProgressSignal(self)
        self._signal.progressed.connect(self.show_progress)
        self.refresh()

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        """Status and history (a small file and one row: read in the background all the same)."""
        run_read(self, lambda: (self.backups.status(), self.backups.history()), self._show_state)
        self.load_stored()

    def _show_state(self, state: tuple[BackupStatus, list[BackupAttempt]]) -> None:
        status, attempts = state
        self.show_status(status)
        self.show_history(attempts)

    def show_status(self, status: BackupStatus) -> None:
        self.summary.show_backup(status)
        overdue = status.overdue(self.clock())
        if overdue:
            self.overdue.setText(self.tr("⚠ No backup succeeded for more than %n hour(s): back up now, or check "
                                         "the destinations below.", "", int(status.warn_after_hours)))
        self.overdue.setVisible(overdue)

    def show_history(self, attempts: list[BackupAttempt]) -> None:
        self.history.setRowCount(len(attempts))
        for row, attempt in enumerate(attempts):
            result = self.tr("ok") if attempt.ok else self.tr("failed: %1").replace("%1", self.reason(attempt.reason))
            for column, text in enumerate((when_text(attempt.at), attempt.destination,
                                           size_text(attempt.size_bytes) if attempt.ok else "", result)):
                item = QTableWidgetItem(text)
                if column == 2 and attempt.name:
                    item.setToolTip(attempt.name)
                self.history.setItem(row, column, item)

    def load_stored(self) -> None:
        self.stored_note.setText(self.tr("Asking the destinations…"))
        run_read(self, self.backups.stored, self.show_stored,
                 lambda exc: self.stored_note.setText(error_text(exc)))

    def show_stored(self, found: tuple[list[StoredBackup], list[tuple[str, str]]]) -> None:
        archives, unreachable = found
        self.stored.setRowCount(len(archives))
        for row, archive in enumerate(archives):
            for column, text in enumerate((when_text(archive.created_at), archive.destination, archive.name,
                                           size_text(archive.size_bytes))):
                self.stored.setItem(row, column, QTableWidgetItem(text))
        notes = [self.tr("%1: not reachable (%2)").replace("%1", name).replace("%2", self.reason(code))
                 for name, code in unreachable]
        self.stored_note.setText("\n".join(notes) or self.tr("%n archive(s)", "", len(archives)))

    def reason(self, code: str) -> str:
        if code.startswith("os."):
            return self.tr("the system refused (error %1)").replace("%1", code[3:])
        if code == "backup.relay_not_configured":
            return self.tr("the relay's address or this device's credential is not set up")
        return code_text(code, {}, self.tr("error %1").replace("%1", code))

    # ------------------------------------------------------------------ backing up
    def start_backup(self) -> None:
        if self.running:
            return
        self.running = True
        self.back_up_now.setEnabled(False)
        self.result.clear()
        self.progress.setValue(0)
        self.progress.show()
        self.stage.setText(self.tr("Starting…"))
        signal = self._signal

        def work() -> BackupStatus:
            return self.backups.run(progress=lambda p: emit(signal.progressed, p))

        run_read(self, work, self.finished_backup, self.failed_backup)

    def show_progress(self, progress: BackupProgress) -> None:
        share = progress.done / progress.total if progress.total else 0.0
        self.progress.setValue(int(1000 * (progress.index + share) / max(progress.count, 1)))
        if progress.stage is BackupStage.UPLOAD:
            text = self.tr("Sending to %1… %2 of %3").replace("%2", size_text(progress.done)) \
                .replace("%3", size_text(progress.total))
        else:
            text = self.tr("Copying the database for %1… %2 %")
            text = text.replace("%2", str(int(share * 100)))
        self.stage.setText(text.replace("%1", progress.destination))

    def finished_backup(self, status: BackupStatus) -> None:
        self.last_result = status
        self._done()
        failed = [self.tr("%1: %2").replace("%1", name).replace("%2", self.reason(code))
                  for name, code in status.failures]
        if not failed:
            self.result.setText(self.tr("Backup done: %1.").replace("%1", ", ".join(status.destinations)))
        elif status.last_success_at is not None and status.last_success_at == status.last_attempt_at:
            self.result.setText(self.tr("Backup done: %1. Failed: %2").replace("%1", ", ".join(status.destinations))
                                .replace("%2", "; ".join(failed)))
        else:
            self.result.setText(self.tr("⚠ Backup failed: %1").replace("%1", "; ".join(failed)))
        self.refresh()

    def failed_backup(self, exc: BaseException) -> None:
        self._done()
        self.result.setText(self.tr("⚠ Backup failed: %1").replace("%1", error_text(exc)))
        self.refresh()

    def _done(self) -> None:
        self.running = False
        self.back_up_now.setEnabled(True)
        self.progress.hide()
        self.stage.clear()


def install_backup_action(window: QWidget, backups: Callable[[], BackupAdmin | None]) -> QAction:
    """The "Backups…" entry in a main window's tools (`add_tool_action`), for administrators."""
    action = QAction(QCoreApplication.translate("BackupDialog", "Backups…"), window)
    action.setObjectName("backups-action")

    def open_dialog() -> None:
        admin = backups()
        if admin is not None:
            BackupDialog(admin, window).exec()

    action.triggered.connect(open_dialog)
    window.add_tool_action(action)   # type: ignore[attr-defined]
    return action

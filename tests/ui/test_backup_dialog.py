"""The administrator's backup screen: "Back up now" runs in the background with its progress and
result, the history and what each destination holds are listed, the overdue warning shows until a
backup succeeds — with a real device, a real folder and a missing one (a USB stick not plugged in)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.backup_history import BackupProgress
from app.config.models import BackupConfig, BackupDestination
from app.device import Device
from sync.backups import BackupSchedule
from tests.ui.conftest import ADMIN
from ui import i18n
from ui.backup_dialog import BackupDialog, install_backup_action


@pytest.fixture
def schedule(device: Device, tmp_path: Path) -> Iterator[BackupSchedule]:
    (tmp_path / "usb").mkdir()
    config = BackupConfig(destinations=[BackupDestination(folder=str(tmp_path / "usb"), label="USB"),
                                        BackupDestination(folder=str(tmp_path / "stick"), label="Stick")],
                          warn_after_hours=24)
    yield BackupSchedule(device.db, device.data_dir, config)


def cells(table: Any) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def open_dialog(qtbot: Any, schedule: BackupSchedule) -> BackupDialog:
    dialog = BackupDialog(schedule)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_back_up_now_shows_progress_then_the_result_and_the_history(qtbot: Any, schedule: BackupSchedule,
                                                                    tmp_path: Path) -> None:
    i18n.install("en")
    dialog = open_dialog(qtbot, schedule)
    qtbot.waitUntil(lambda: "No backup yet" in dialog.summary.text(), timeout=10_000)
    assert dialog.overdue.isVisible() and "24 hours" in dialog.overdue.text()
    qtbot.waitUntil(lambda: "1 archive" not in dialog.stored_note.text() and "Stick" in dialog.stored_note.text(),
                    timeout=10_000)
    assert "not reachable" in dialog.stored_note.text()

    seen: list[BackupProgress] = []
    dialog._signal.progressed.connect(seen.append)
    qtbot.mouseClick(dialog.back_up_now, Qt.MouseButton.LeftButton)
    assert not dialog.back_up_now.isEnabled() and dialog.progress.isVisible()
    qtbot.waitUntil(lambda: bool(dialog.result.text()), timeout=60_000)
    assert dialog.back_up_now.isEnabled() and not dialog.progress.isVisible()
    assert "Backup done: USB." in dialog.result.text()
    assert "Stick" in dialog.result.text() and "USB stick plugged in" in dialog.result.text()
    assert seen and seen[-1].destination == "USB" and seen[-1].done == seen[-1].total   # delivered on the UI thread

    qtbot.waitUntil(lambda: dialog.history.rowCount() == 2, timeout=10_000)
    rows = cells(dialog.history)
    by_place = {row[1]: row for row in rows}
    assert by_place["USB"][3] == "ok" and by_place["USB"][2].endswith(("kB", "MB"))
    assert by_place["Stick"][3].startswith("failed: ") and by_place["Stick"][2] == ""
    qtbot.waitUntil(lambda: dialog.stored.rowCount() == 1, timeout=10_000)
    (stored,) = cells(dialog.stored)
    assert stored[1] == "USB" and stored[2].endswith(".crvsbak")
    qtbot.waitUntil(lambda: "Last backup: just now (USB)" in dialog.summary.text(), timeout=10_000)
    assert not dialog.overdue.isVisible()


def test_a_backup_that_raises_is_reported_and_the_button_comes_back(qtbot: Any, schedule: BackupSchedule,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.install("en")

    def broken(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(schedule, "run", broken)
    dialog = open_dialog(qtbot, schedule)
    dialog.start_backup()
    qtbot.waitUntil(lambda: bool(dialog.result.text()), timeout=10_000)
    assert dialog.result.text().startswith("⚠ Backup failed") and dialog.back_up_now.isEnabled()


def test_the_screen_speaks_french(qtbot: Any, schedule: BackupSchedule) -> None:
    i18n.install("fr")
    try:
        dialog = open_dialog(qtbot, schedule)
        assert dialog.back_up_now.text() == "Sauvegarder maintenant"
        assert dialog.windowTitle() == "Sauvegardes"
        qtbot.waitUntil(lambda: dialog.overdue.isVisible(), timeout=10_000)
        assert "24 heures" in dialog.overdue.text()
    finally:
        i18n.install("en")


def test_the_entry_sits_in_the_main_windows_tools_and_opens_the_screen(qtbot: Any, make_window: Any,
                                                                         schedule: BackupSchedule,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    i18n.install("en")
    window = make_window(ADMIN)
    action = install_backup_action(window, lambda: schedule)
    assert action in window.toolbar.actions() and action.text() == "Backups…"
    opened: list[BackupDialog] = []
    monkeypatch.setattr(BackupDialog, "exec", lambda self: opened.append(self) or 0)
    action.trigger()
    assert len(opened) == 1 and opened[0].backups is schedule

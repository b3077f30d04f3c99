"""The main window on a 1366×768 laptop: opens maximised, remembers its geometry across sign-ins,
and keeps the sync bar and the pager on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt

from app.sync_status import SyncStatus
from tests.ui.conftest import AGENT
from ui.main_window import GEOMETRY_KEY, MainWindow, should_maximise


def test_should_maximise_on_laptop_screens_only() -> None:
    assert should_maximise(QSize(1366, 768))
    assert should_maximise(QSize(1366, 728))          # a 768-high screen less its task bar
    assert should_maximise(QSize(1280, 1024))
    assert not should_maximise(QSize(1920, 1040))
    assert not should_maximise(QSize(1600, 900))


def _open(qtbot: Any, make_ctx: Any, settings: QSettings, available: QSize, monkeypatch: Any) -> MainWindow:
    monkeypatch.setattr(MainWindow, "available_size", lambda self: available)
    window = MainWindow(make_ctx(AGENT), settings=settings)
    qtbot.addWidget(window)
    window.show_fitted()
    qtbot.waitUntil(lambda: bool(window.counts), timeout=10_000)
    return window


def test_laptop_opens_maximised_at_every_sign_in(qtbot: Any, make_ctx: Any, tmp_path: Path,
                                                  monkeypatch: Any) -> None:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    for _sign_in in range(2):
        window = _open(qtbot, make_ctx, settings, QSize(1366, 768), monkeypatch)
        assert window.windowState() & Qt.WindowState.WindowMaximized
        window.sign_out()
        assert not window.isVisible()
        assert settings.value(GEOMETRY_KEY)             # saved at sign-out
        window.deleteLater()


def test_large_screen_keeps_the_state_the_person_left(qtbot: Any, make_ctx: Any, tmp_path: Path,
                                                       monkeypatch: Any) -> None:
    """Maximised by hand stays maximised at the next sign-in; a normal window stays normal."""
    ini = str(tmp_path / "ui.ini")
    big = QSize(1920, 1040)
    window = _open(qtbot, make_ctx, QSettings(ini, QSettings.Format.IniFormat), big, monkeypatch)
    assert not window.windowState() & Qt.WindowState.WindowMaximized
    window.showMaximized()
    qtbot.waitUntil(lambda: bool(window.windowState() & Qt.WindowState.WindowMaximized))
    window.sign_out()
    again = _open(qtbot, make_ctx, QSettings(ini, QSettings.Format.IniFormat), big, monkeypatch)
    assert again.windowState() & Qt.WindowState.WindowMaximized
    again.showNormal()
    qtbot.waitUntil(lambda: not again.windowState() & Qt.WindowState.WindowMaximized)
    again.sign_out()
    third = _open(qtbot, make_ctx, QSettings(ini, QSettings.Format.IniFormat), big, monkeypatch)
    assert not third.windowState() & Qt.WindowState.WindowMaximized


def test_sync_bar_and_pager_visible_at_1366x768(make_window: Any, qtbot: Any) -> None:
    window = make_window()
    window.sync_widget.show_status(SyncStatus(online=False, queued=12, last_error="MOSIP could not be reached: "
                                              "the connection was refused by the server. " * 4))
    assert window.minimumSizeHint().width() <= 1366 and window.minimumSizeHint().height() <= 768
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.size() == QSize(1366, 768))
    frame = window.rect()
    for widget in (window.sync_widget.button, window.sync_widget.queued, window.next_button,
                   window.prev_button):
        assert widget.isVisible()
        box = widget.rect().translated(widget.mapTo(window, widget.rect().topLeft()))
        assert frame.contains(box), (widget.objectName() or widget.text(), box, frame)

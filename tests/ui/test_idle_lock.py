"""Idle auto-lock: no input for the timeout signs the session out; input postpones it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from ui.idle import IdleLock


def test_idle_lock_fires_after_the_timeout_and_input_postpones_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = [1000.0]
    fired: list[bool] = []
    window = QWidget()
    qtbot.addWidget(window)
    idle = IdleLock(window, 600, lambda: fired.append(True), clock=lambda: now[0], check_every_ms=10_000)
    QApplication.instance().installEventFilter(idle)
    try:
        now[0] += 599
        idle.check()
        assert fired == []
        QApplication.sendEvent(window, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier))
        now[0] += 599               # 1198 s since start, but only 599 s since the key press
        idle.check()
        assert fired == []
        now[0] += 2
        idle.check()
        assert fired == [True]
        idle.check()                # fires once
        assert fired == [True]
        assert not idle.timer.isActive()
    finally:
        QApplication.instance().removeEventFilter(idle)

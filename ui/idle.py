"""Idle auto-lock: after a period without keyboard or mouse input the session signs out (and a
device the user unlocked locks again), so an unattended laptop does not stay open (issue 8)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer

_INPUT = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                    QEvent.Type.Wheel, QEvent.Type.TouchBegin})


class IdleLock(QObject):
    def __init__(self, parent: QObject, timeout_seconds: float, on_idle: Callable[[], None],
                 clock: Callable[[], float] = time.monotonic, check_every_ms: int = 5000):
        super().__init__(parent)
        self.timeout_seconds = timeout_seconds
        self.on_idle = on_idle
        self.clock = clock
        self.last_input = clock()
        self.fired = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(check_every_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.last_input = self.clock()
        return False

    def check(self) -> None:
        if not self.fired and self.clock() - self.last_input >= self.timeout_seconds:
            self.fired = True
            self.timer.stop()
            self.on_idle()

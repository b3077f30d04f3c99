"""A UI-stall probe: a fast QTimer measures how late the event loop serves it.

If the UI thread is blocked (a DB query, a decode, a big repaint), the next tick arrives late by
about that long. `StallProbe.result()` gives the worst lateness and a few percentiles; the bench
(bench/ui/bench_stall.py) runs it while workers and the camera pipeline are busy."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from PySide6.QtCore import QObject, Qt, QTimer


@dataclass(frozen=True)
class StallReport:
    ticks: int
    seconds: float
    max_ms: float
    p50_ms: float
    p99_ms: float
    over_50ms: int
    over_100ms: int
    stalls: tuple[tuple[float, float], ...] = ()

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class StallProbe(QObject):
    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.lateness: list[float] = []
        self.stalls: list[tuple[float, float]] = []   # (seconds since start, ms late) over 50 ms
        self._last = 0.0
        self._started = 0.0
        self._stopped = 0.0

    def start(self) -> StallProbe:
        self.lateness.clear()
        self.stalls.clear()
        self._started = self._last = time.perf_counter()
        self.timer.start()
        return self

    def stop(self) -> StallReport:
        self.timer.stop()
        self._stopped = time.perf_counter()
        return self.result()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = max(0.0, (now - self._last) * 1000 - self.interval_ms)
        self.lateness.append(late)
        if late > 50:
            self.stalls.append((round(self._last - self._started, 3), round(late, 1)))
        self._last = now

    def result(self) -> StallReport:
        values = sorted(self.lateness) or [0.0]

        def pct(p: float) -> float:
            return round(values[min(len(values) - 1, int(p * (len(values) - 1)))], 2)

        end = self._stopped or time.perf_counter()
        return StallReport(ticks=len(self.lateness), seconds=round(end - self._started, 2),
                           max_ms=round(values[-1], 2), p50_ms=pct(0.5), p99_ms=pct(0.99),
                           over_50ms=sum(v > 50 for v in values), over_100ms=sum(v > 100 for v in values),
                           stalls=tuple(self.stalls))

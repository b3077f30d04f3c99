"""Opt-in start-up trace: how long the app took to show sign-in, to unlock, to show the first page.

    CRVS_FIELD_STARTUP_TRACE=/tmp/start.jsonl crvs-field

appends one JSON line per milestone to that file (nothing is written without the variable):
`{"milestone": ..., "monotonic": ..., "since_process_start_s": ..., "thread": ...}`. Milestones,
in order: `process_start` (the kernel's start time of this process, 10 ms resolution, Linux only),
`ui_imported` (the app's modules are loaded), `main_entered`, `qapplication`, `device_session`
(country loaded; the device opened, or found locked), `signin_painted` (the sign-in window is on
screen), `unlock_start`/`unlock_done` (the PIN's key slot; argon2id, slow on purpose), `sign_in_done`,
`main_window_shown`, `window_ready` (the first work-queue page and the queue counts are painted).
Times are `time.monotonic()` (system-wide on Linux: comparable with another process's clock).
No names, PINs or record data are written: milestone names and timings only — support staff can
ask for the file when a device "starts slowly".

`listen(callback)` lets a harness in the same process follow the milestones (`callback(name,
monotonic, obj)`, `obj` the window concerned, on the thread that reached the milestone), e.g. to
sign in automatically in a benchmark (bench/ui/cold_start.py). This module imports no Qt.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENV = "CRVS_FIELD_STARTUP_TRACE"

Listener = Callable[[str, float, Any], None]
_listeners: list[Listener] = []
_lock = threading.Lock()
_started: set[str] = set()     # trace files that already have their process_start line


def _path() -> str | None:
    return os.environ.get(ENV) or None


def enabled() -> bool:
    return bool(_path() or _listeners)


def listen(callback: Listener) -> Callable[[], None]:
    """Follow the milestones; returns the function that stops following them."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


def process_start() -> float | None:
    """This process's start, on the `time.monotonic()` clock (Linux: /proc; elsewhere None)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started_since_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")        # field 22: starttime
        now_boot, now_mono = time.clock_gettime(time.CLOCK_BOOTTIME), time.monotonic()
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return now_mono - (now_boot - started_since_boot)


_PROCESS_START: float | None = None


def _write(line: dict[str, Any]) -> None:
    path = _path()
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def mark(name: str, obj: Any = None, **info: Any) -> None:
    """Record a milestone (a no-op unless the trace is on). `info`: small numbers or words only."""
    global _PROCESS_START
    if not enabled():
        return
    now = time.monotonic()
    with _lock:
        if _PROCESS_START is None:
            _PROCESS_START = process_start()
        path = _path()
        try:
            if path and path not in _started:
                _started.add(path)
                if _PROCESS_START is not None:
                    _write({"milestone": "process_start", "monotonic": round(_PROCESS_START, 6),
                            "since_process_start_s": 0.0, "source": "/proc/self/stat"})
            _write({"milestone": name, "monotonic": round(now, 6),
                    "since_process_start_s": None if _PROCESS_START is None else round(now - _PROCESS_START, 4),
                    "thread": threading.current_thread().name, **info})
        except OSError:
            pass   # a trace must never stop the app
    for callback in list(_listeners):
        callback(name, now, obj)

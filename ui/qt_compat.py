"""Work-arounds for defects of the installed Qt binding, each detected at import, not assumed.

PySide6 6.12.0 on CPython < 3.12: `SignalInstance.emit()` returns `True` without taking a new
reference, so every emit called from Python takes one reference away from `True` (or `False`).
After some thousands of emits the interpreter aborts with "bool_dealloc: deallocating True or
False" (found by the screenshot run; reproduced in tests/ui/test_qt_compat.py). From 3.12 on the
booleans are immortal and the bug is harmless. `emit()` below gives the reference back when the
probe shows the binding loses it; with a fixed binding it is a plain emit. Signal-to-signal
forwarding is done by connecting the signals themselves (`a.connect(b)`), which stays in C++."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def _emit_loses_a_reference() -> bool:
    probe = _Probe()
    rounds = 16
    before = sys.getrefcount(True)
    for _ in range(rounds):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= rounds


EMIT_LOSES_REFERENCE = _emit_loses_a_reference()


def emit(signal: Any, *args: Any) -> None:
    """`signal.emit(*args)`, safe from any thread with the binding's reference bug."""
    result = signal.emit(*args)
    if EMIT_LOSES_REFERENCE and result is not None:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))


def emitter(signal: Any) -> Any:
    """A plain callable that emits `signal` (for callbacks handed to non-Qt code)."""
    return lambda *args: emit(signal, *args)

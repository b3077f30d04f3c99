"""Work-arounds for defects of the installed Qt binding, each detected at import, not assumed.

PySide6/shiboken6 6.12.0 (abi3 wheel, cp310+) on CPython < 3.12 returns `None` from every void
method (`setText`, `update`, `processEvents`, …) without taking a reference, as if `None` were
immortal (it is only from 3.12 on). Each call takes one reference away from `None`; a long session
ends with "Fatal Python error: none_dealloc". `pin_singletons()` (run when `ui` is imported) gives
None, True and False a reference count that cannot reach zero — what CPython 3.12 does for them —
when, and only when, a probe shows the binding losing references.

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
_PINNED = 1 << 40    # never reached by decrements: 10^12 lost references


def _void_call_loses_none() -> bool:
    probe = QObject()
    rounds = 16
    before = sys.getrefcount(None)
    for _ in range(rounds):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    for _ in range(max(lost, 0)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return lost >= rounds


VOID_LOSES_NONE = _void_call_loses_none()


def pin_singletons() -> bool:
    """Make None/True/False effectively immortal on an affected binding. Returns True if pinned."""
    if not (VOID_LOSES_NONE or EMIT_LOSES_REFERENCE) or sys.version_info >= (3, 12):
        return False
    for obj in (None, True, False):
        if sys.getrefcount(obj) < _PINNED:
            ctypes.c_ssize_t.from_address(id(obj)).value += _PINNED   # ob_refcnt, first field
    return True


PINNED = pin_singletons()


def emit(signal: Any, *args: Any) -> None:
    """`signal.emit(*args)`, safe from any thread with the binding's reference bug."""
    result = signal.emit(*args)
    if EMIT_LOSES_REFERENCE and result is not None:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))


def emitter(signal: Any) -> Any:
    """A plain callable that emits `signal` (for callbacks handed to non-Qt code)."""
    return lambda *args: emit(signal, *args)

"""The emit work-around keeps `True` alive however many signals are emitted, from any thread."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QObject, Signal

from ui.qt_compat import EMIT_LOSES_REFERENCE, emit


class Source(QObject):
    value = Signal(object)
    ping = Signal()


def test_emitting_through_the_helper_keeps_the_booleans_alive():
    source = Source()
    received = []
    source.value.connect(received.append)
    before = sys.getrefcount(True)
    for n in range(20_000):
        emit(source.value, n)
        emit(source.ping)
    threads = [threading.Thread(target=lambda: [emit(source.ping) for _ in range(2_000)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(received) == 20_000
    assert abs(sys.getrefcount(True) - before) < 5_000   # a defect would lose 48,000; other threads move it a little


def test_the_binding_defect_is_detected_not_assumed():
    source = Source()
    before = sys.getrefcount(True)
    for _ in range(10):
        source.ping.emit()                      # the raw call: loses a reference on affected bindings
    lost = before - sys.getrefcount(True)
    import ctypes

    for _ in range(max(lost, 0)):                 # give them back: this test must not harm the others
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    assert EMIT_LOSES_REFERENCE == (lost >= 10)


def test_void_calls_cannot_exhaust_none(qapp):  # a QLabel needs the QApplication
    """Hundreds of thousands of void Qt calls (a long working day) leave None alive."""
    from PySide6.QtWidgets import QLabel

    from ui.qt_compat import PINNED, VOID_LOSES_NONE

    assert PINNED == (VOID_LOSES_NONE and sys.version_info < (3, 12)) or not VOID_LOSES_NONE
    label = QLabel()
    start = sys.getrefcount(None)
    for n in range(300_000):
        label.setText("x" if n % 2 else "y")
    assert sys.getrefcount(None) > 0
    if not VOID_LOSES_NONE:
        # a defective binding loses one reference per call (300,000); other threads of the test
        # process move None's count by a few hundred at most
        assert abs(sys.getrefcount(None) - start) < 5_000

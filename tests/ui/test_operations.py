"""Background operations: results reach the UI thread through one long-lived QObject, so no
QObject is ever destroyed on a worker thread (that deadlocked against the UI thread's connects)."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from ui import operations
from ui.operations import Operation, run_read, run_write, wait_idle


def test_results_and_failures_arrive_on_the_ui_thread(qtbot: Any) -> None:
    app_thread = QApplication.instance().thread()
    arrived: list[tuple[str, Any, bool]] = []
    for n in range(40):
        run_read(None, lambda n=n: n * 2, lambda r: arrived.append(("ok", r, QThread.currentThread() is app_thread)))
        run_write(None, lambda: 1 / 0, failure=lambda e: arrived.append(("failed", type(e).__name__,
                                                                           QThread.currentThread() is app_thread)))
    assert wait_idle()
    qtbot.waitUntil(lambda: len(arrived) == 80, timeout=10_000)
    assert sorted(r for kind, r, _ in arrived if kind == "ok") == [n * 2 for n in range(40)]
    assert {r for kind, r, _ in arrived if kind == "failed"} == {"ZeroDivisionError"}
    assert all(on_ui for _, _, on_ui in arrived)
    qtbot.waitUntil(lambda: operations.pending_operations() == 0, timeout=5_000)


def test_the_dispatcher_lives_on_the_ui_thread_even_if_first_made_elsewhere(qtbot: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(operations, "_dispatcher", None)
    made: list[Operation] = []
    worker = threading.Thread(target=lambda: made.append(Operation(lambda: 42)))
    worker.start()
    worker.join()
    assert made[0]._dispatcher.thread() is QApplication.instance().thread()
    got: list[int] = []
    made[0].success(got.append).run_in_background()
    qtbot.waitUntil(lambda: got == [42], timeout=5_000)


def test_callbacks_are_skipped_when_the_widget_that_asked_is_gone(qtbot: Any) -> None:
    import shiboken6
    from PySide6.QtWidgets import QWidget

    gate = threading.Event()
    asker, other = QWidget(), QWidget()
    called: list[str] = []
    run_read(asker, lambda: gate.wait(5), lambda _r: called.append("asker"))
    run_read(other, lambda: gate.wait(5), lambda _r: called.append("other"))
    shiboken6.delete(asker)                       # the dialog closed while its work ran
    gate.set()
    qtbot.waitUntil(lambda: called == ["other"], timeout=5_000)
    qtbot.waitUntil(lambda: operations.pending_operations() == 0, timeout=5_000)
    assert called == ["other"]

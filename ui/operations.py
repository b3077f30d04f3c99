"""Background work for the UI, in the style of Anki's `aqt/operations`.

An `Operation` wraps a plain function (a service call: DB read or write, network, camera decode)
and runs it on a QThreadPool; its result or exception comes back to the UI thread through a Qt
signal and is handed to the `success` / `failure` callbacks there. Nothing here blocks the UI
thread. Writes go to a one-thread pool so that they apply in the order they were asked for
(autosave, then declare); the services serialise writes among all threads anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from ui.qt_compat import emit

log = logging.getLogger(__name__)

_read_pool: QThreadPool | None = None
_write_pool: QThreadPool | None = None
_live: set[Operation] = set()          # keep operations alive until their callback ran
_live_lock = threading.Lock()


def read_pool() -> QThreadPool:
    global _read_pool
    if _read_pool is None:
        _read_pool = QThreadPool()
        _read_pool.setMaxThreadCount(4)
    return _read_pool


def write_pool() -> QThreadPool:
    global _write_pool
    if _write_pool is None:
        _write_pool = QThreadPool()
        _write_pool.setMaxThreadCount(1)   # one writer, in order
    return _write_pool


def wait_idle(timeout_ms: int = 30_000) -> bool:
    """Wait for every queued operation to finish (tests, shutdown)."""
    ok = True
    for pool in (_write_pool, _read_pool):
        if pool is not None:
            ok = pool.waitForDone(timeout_ms) and ok
    return ok


def pending_operations() -> int:
    with _live_lock:
        return len(_live)


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, op: Operation) -> None:
        super().__init__()
        self.op = op
        self.setAutoDelete(True)

    def run(self) -> None:
        op = self.op
        try:
            result = op.fn()
        except BaseException as exc:  # handed to the UI thread, never swallowed
            emit(op.signals.failed, exc)
        else:
            emit(op.signals.succeeded, result)


class Operation:
    """`Operation(fn).success(cb).failure(cb).run_in_background(write=True)`.

    `parent` (a QObject, usually the widget asking) ties the callbacks to its lifetime: when it
    is destroyed before the work finishes, the callbacks are skipped."""

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None, *, write: bool = False) -> None:
        self.fn = fn
        self.write = write
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._finally: Callable[[], None] | None = None
        self._parent_alive = True
        self.signals = _Signals()  # lives in the creating (UI) thread: queued delivery there
        self.signals.succeeded.connect(self._on_success)
        self.signals.failed.connect(self._on_failure)
        if parent is not None:
            parent.destroyed.connect(self._parent_gone)

    def success(self, callback: Callable[[Any], None]) -> Operation:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Operation:
        self._failure = callback
        return self

    def finally_(self, callback: Callable[[], None]) -> Operation:
        self._finally = callback
        return self

    def run_in_background(self) -> Operation:
        with _live_lock:
            _live.add(self)
        (write_pool() if self.write else read_pool()).start(_Runnable(self))
        return self

    @Slot()
    def _parent_gone(self) -> None:
        self._parent_alive = False

    def _done(self) -> None:
        with _live_lock:
            _live.discard(self)

    @Slot(object)
    def _on_success(self, result: Any) -> None:
        try:
            if self._parent_alive and self._success is not None:
                self._success(result)
        finally:
            self._run_finally()

    @Slot(object)
    def _on_failure(self, exc: BaseException) -> None:
        try:
            if not self._parent_alive:
                return
            if self._failure is not None:
                self._failure(exc)
            else:
                log.error("background operation failed: %s", type(exc).__name__)
        finally:
            self._run_finally()

    def _run_finally(self) -> None:
        try:
            if self._parent_alive and self._finally is not None:
                self._finally()
        finally:
            self._done()


def run_read(parent: QObject | None, fn: Callable[[], Any], success: Callable[[Any], None] | None = None,
             failure: Callable[[BaseException], None] | None = None) -> Operation:
    op = Operation(fn, parent)
    if success:
        op.success(success)
    if failure:
        op.failure(failure)
    return op.run_in_background()


def run_write(parent: QObject | None, fn: Callable[[], Any], success: Callable[[Any], None] | None = None,
              failure: Callable[[BaseException], None] | None = None) -> Operation:
    op = Operation(fn, parent, write=True)
    if success:
        op.success(success)
    if failure:
        op.failure(failure)
    return op.run_in_background()

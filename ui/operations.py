"""Background work for the UI, in the style of Anki's `aqt/operations`.

An `Operation` wraps a plain function (a service call: DB read or write, network, camera decode)
and runs it on a QThreadPool; its result or exception comes back to the UI thread through a Qt
signal and is handed to the `success` / `failure` callbacks there. Nothing here blocks the UI
thread. Writes go to a one-thread pool so that they apply in the order they were asked for
(autosave, then declare); the services serialise writes among all threads anyway.

A write also reports what it changed (`app.store.changes.tracked`, Anki's `OpChanges`): after its
callbacks ran, the `Changes` go out on the `change_bus()`, and every screen refreshes what they
touch from there (Anki's `operation_did_execute`) — nobody refreshes by hand after an action.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from app.store.changes import NOTHING, Changes, tracked
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


class _Dispatcher(QObject):
    """Hands results to the UI thread: one QObject for the app's lifetime, made on the UI thread.

    Not a QObject per operation: such an object's last reference could drop on the worker thread,
    and destroying a QObject there takes Qt's signal-slot lock and then waits for the GIL — while
    the UI thread, holding the GIL, waited for that lock to connect a new widget's signals: the
    app froze while building its main window (1 start in ≈ 33 at 100k records, bench/ui). So
    nothing an operation holds may need Qt's locks when it is collected, wherever that happens."""

    finished = Signal(object, bool, object)   # operation, succeeded, result or exception

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._deliver)

    @Slot(object, bool, object)
    def _deliver(self, op: Operation, succeeded: bool, value: Any) -> None:
        try:
            if succeeded:
                op._on_success(value)
            else:
                op._on_failure(value)
        finally:
            if op.changes:      # after the callbacks, even when the widget that asked is gone
                emit(change_bus().changed, op.changes, op.initiator)


class ChangeBus(QObject):
    """Where every write's `Changes` go out, on the UI thread: `changed(changes, initiator)`, the
    initiator being the widget that ran the write (or None)."""

    changed = Signal(object, object)


_dispatcher: _Dispatcher | None = None
_bus: ChangeBus | None = None


def change_bus() -> ChangeBus:
    global _bus
    if _bus is None:
        _bus = ChangeBus()
        app = QCoreApplication.instance()
        if app is not None and _bus.thread() is not app.thread():
            _bus.moveToThread(app.thread())
    return _bus


def _ui_dispatcher() -> _Dispatcher:
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = _Dispatcher()
        app = QCoreApplication.instance()
        if app is not None and _dispatcher.thread() is not app.thread():
            _dispatcher.moveToThread(app.thread())   # results are delivered on the UI thread
        change_bus()
    return _dispatcher


class _Runnable(QRunnable):
    def __init__(self, op: Operation, dispatcher: _Dispatcher) -> None:
        super().__init__()
        self.op = op
        self.dispatcher = dispatcher
        self.setAutoDelete(True)

    def run(self) -> None:
        op = self.op
        try:
            if op.write:
                result, op.changes = tracked(op.fn)
            else:
                result = op.fn()
        except BaseException as exc:  # handed to the UI thread, never swallowed
            op.changes = getattr(exc, "changes", NOTHING)
            emit(self.dispatcher.finished, op, False, exc)
        else:
            emit(self.dispatcher.finished, op, True, result)


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
        self.changes: Changes = NOTHING     # what a write changed, set on the worker thread
        # The parent's liveness is asked when the result arrives, not followed by connecting to its
        # `destroyed`: PySide undoes such a connection when the operation is collected — on the
        # worker thread, under Qt's signal-slot lock, waiting for the GIL (the same deadlock).
        self._parent = weakref.ref(parent) if parent is not None else None
        self._dispatcher = _ui_dispatcher()

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
        (write_pool() if self.write else read_pool()).start(_Runnable(self, self._dispatcher))
        return self

    @property
    def initiator(self) -> QObject | None:
        parent = self._parent() if self._parent is not None else None
        return parent if parent is not None and shiboken6.isValid(parent) else None

    @property
    def _parent_alive(self) -> bool:
        if self._parent is None:
            return True
        parent = self._parent()
        return parent is not None and shiboken6.isValid(parent)

    def _done(self) -> None:
        with _live_lock:
            _live.discard(self)

    def _on_success(self, result: Any) -> None:
        try:
            if self._parent_alive and self._success is not None:
                self._success(result)
        finally:
            self._run_finally()

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

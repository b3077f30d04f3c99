"""The real entry point (`crvs-field` = `crvs_field.cli.main.main`) driven through the start-up trace's hook.

    BENCH_PIN=... CRVS_FIELD_STARTUP_TRACE=FILE python -m bench.ui._app_driver DATA_DIR USER [SWITCHES]

For bench/ui/cold_start.py only. The app runs unchanged; a listener on `ui.startup_trace`:
- when the sign-in window is painted, types the user name and PIN and presses "Sign in" (marking
  `pin_submitted` just before), as a person would, minus the typing;
- when the main window is ready (first page + counts painted), switches work queue SWITCHES times
  (each time: click → rows of the new queue painted) and refreshes (F5: counts + page) a few
  times, then closes the window, so the app exits normally.
Prints one JSON line with the UI timings (ms). No names or record data are printed.
"""

from __future__ import annotations

import faulthandler
import importlib.abc
import importlib.machinery
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

faulthandler.dump_traceback_later(180, exit=True)   # a hang reports where, then ends the run (cold_start
#                                                   takes native stacks with py-spy at 90 s first)
RESULT: dict[str, Any] = {}
KEEP: list[Any] = []


class _Painted:
    """Calls `then()` once `widgets` were painted after `arm()`, with the event loop free again."""

    def __init__(self, widgets: list[Any]) -> None:
        from PySide6.QtCore import QObject

        class Filter(QObject):
            def eventFilter(inner, _watched: Any, event: Any) -> bool:
                from PySide6.QtCore import QEvent, QTimer

                if self.armed and self.ready() and event.type() == QEvent.Type.Paint:
                    self.armed = False
                    QTimer.singleShot(0, self.then)
                return False

        self.filter = Filter()
        self.armed = False
        self.ready: Any = lambda: True
        self.then: Any = lambda: None
        for widget in widgets:
            widget.installEventFilter(self.filter)

    def arm(self, ready: Any, then: Any) -> None:
        self.ready, self.then, self.armed = ready, then, True


def measure(window: Any, switches: int, refreshes: int) -> None:
    """Queue switches, then F5 refreshes, one after the other; then close the window."""
    queues = window.queues
    model_events = {"reset": 0, "counts": 0, "list": 0}
    show_counts = window._show_counts      # looked up on each refresh: count the answers shown

    def counted(counts: Any) -> None:
        show_counts(counts)
        model_events["counts"] += 1
        queues.viewport().update()   # unchanged counts repaint nothing: make sure a paint follows

    window._show_counts = counted
    panel = window.records_panel
    show_list = panel._show_list           # a refresh with the same rows resets nothing: count answers

    def listed(request: int, rows: Any) -> None:
        show_list(request, rows)
        model_events["list"] += 1
        window.table.viewport().update()   # make sure a paint follows, as for the counts

    panel._show_list = listed
    window.model.modelReset.connect(lambda: model_events.__setitem__("reset", model_events["reset"] + 1))
    painted = _Painted([window.table.viewport(), queues.viewport()])
    KEEP.append(painted)         # nothing in Qt holds the filter: keep it (and its closures) alive
    ids = [queues.item(row).data(256) for row in range(queues.count())]   # Qt.UserRole
    samples: list[dict[str, Any]] = []
    refresh_ms: list[float] = []
    plan = [("switch", (n + 1) % len(ids)) for n in range(switches)] + [("refresh", 0)] * refreshes

    def step(index: int) -> None:
        if index >= len(plan):
            RESULT.update({"switch": samples, "refresh_ms": refresh_ms})
            window.close()
            return
        kind, row = plan[index]
        before = dict(model_events)
        t0 = time.perf_counter()

        def done() -> None:
            ms = (time.perf_counter() - t0) * 1000
            if kind == "switch":
                seen = ids[row] not in {s["queue"] for s in samples}
                samples.append({"queue": ids[row], "ms": round(ms, 2), "first_visit": seen,
                                "rows": len(window.model.rows)})
            else:
                refresh_ms.append(round(ms, 2))
            from PySide6.QtCore import QTimer

            QTimer.singleShot(20, lambda: step(index + 1))

        if kind == "switch":
            painted.arm(lambda: model_events["reset"] > before["reset"], done)
            queues.setCurrentRow(row)
        else:
            painted.arm(lambda: model_events["list"] > before["list"] and model_events["counts"] > before["counts"],
                        done)
            window.refresh()

    step(0)


def when_imported(name: str, callback: Callable[[Any], None]) -> None:
    """Run `callback(module)` right after the app itself imports `name` — importing `ui` here would
    load PySide6 before the app's other modules, and PySide6's import hook then reads the source of
    every later import (PYSIDE-2029): the harness would change what it measures."""

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            exec_module = spec.loader.exec_module

            def exec_then_call(module: Any) -> None:
                exec_module(module)
                callback(module)

            spec.loader.exec_module = exec_then_call
            return spec

    sys.meta_path.insert(0, Finder())


def main() -> int:
    data_dir, user = sys.argv[1], sys.argv[2]
    switches = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    refreshes = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    pin = os.environ.pop("BENCH_PIN")

    trace: dict[str, Any] = {}

    def on_milestone(name: str, _t: float, obj: Any) -> None:
        from PySide6.QtCore import QTimer

        if name == "signin_painted":
            def sign_in() -> None:
                obj.user.setText(user)
                obj.pin.setText(pin)
                trace["module"].mark("pin_submitted")
                obj.submit()

            QTimer.singleShot(0, sign_in)
        elif name == "window_ready":
            QTimer.singleShot(0, lambda: measure(obj, switches, refreshes))

    def hook(module: Any) -> None:
        trace["module"] = module
        module.listen(on_milestone)

    when_imported("ui.startup_trace", hook)
    from crvs_field.cli.main import main as crvs_field

    code = crvs_field(["--data-dir", data_dir])
    print(json.dumps({"exit_code": code, **RESULT}), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())

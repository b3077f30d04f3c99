"""The opt-in start-up trace (CRVS_FIELD_STARTUP_TRACE): milestones in order, nothing personal."""

from __future__ import annotations

import json
import shutil

from tests.ui.conftest import PIN

MILESTONES = ["main_entered", "qapplication", "device_session", "signin_painted", "unlock_start", "unlock_done",
              "sign_in_done", "main_window_shown", "window_ready"]


def test_the_trace_records_start_up_milestones(device_template, tmp_path, monkeypatch, qtbot):
    from PySide6.QtCore import QTimer

    from app.device import KEY_FILE
    from ui import startup_trace
    from ui.app import main

    shutil.copytree(device_template, tmp_path / "dev")
    (tmp_path / "dev" / KEY_FILE).unlink()                     # locked: the PIN's key slot opens it
    trace = tmp_path / "start.jsonl"
    monkeypatch.setenv(startup_trace.ENV, str(trace))
    seen: list[str] = []

    def follow(name, _t, obj):
        seen.append(name)
        if name == "signin_painted":
            obj.user.setText("ana")
            obj.pin.setText(PIN)
            QTimer.singleShot(0, obj.submit)
        elif name == "window_ready":
            QTimer.singleShot(0, obj.close)

    stop = startup_trace.listen(follow)
    try:
        assert main(tmp_path / "dev", language="en") == 0
    finally:
        stop()
    lines = [json.loads(line) for line in trace.read_text("utf-8").splitlines()]
    names = [line["milestone"] for line in lines if line["milestone"] in MILESTONES]
    assert names == MILESTONES == [n for n in seen if n in MILESTONES]
    times = [line["monotonic"] for line in lines if line["milestone"] in MILESTONES]
    assert times == sorted(times)
    ready = next(line for line in lines if line["milestone"] == "window_ready")
    assert ready["rows"] == 0 and ready["queues"] > 0          # counts shown (an empty device)
    assert PIN not in trace.read_text("utf-8") and "ana" not in trace.read_text("utf-8")


def test_no_trace_without_the_variable(monkeypatch, tmp_path):
    from ui import startup_trace

    monkeypatch.delenv(startup_trace.ENV, raising=False)
    assert not startup_trace.enabled()
    startup_trace.mark("main_entered")                          # a no-op
    assert list(tmp_path.iterdir()) == []

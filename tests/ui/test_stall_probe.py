"""The stall probe sees a blocked event loop (the bench uses it under load; no timing budget here)."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer


def test_probe_reports_a_blocked_event_loop(qtbot):
    from bench.ui.stall import StallProbe

    probe = StallProbe(5).start()
    QTimer.singleShot(50, lambda: time.sleep(0.25))      # the UI thread busy for 250 ms
    qtbot.wait(450)
    report = probe.stop()
    assert report.ticks > 5
    assert report.max_ms >= 200
    assert report.over_100ms >= 1
    assert any(ms >= 200 for _at, ms in report.stalls)


def test_the_main_window_stays_live_while_the_camera_runs(make_window, qtbot):
    """Camera pipeline from a video file + DB reads on workers: the probe keeps ticking (the
    figure itself is measured by bench/ui/bench_stall.py, not asserted here)."""
    from bench.ui.stall import StallProbe
    from tests.ui.conftest import QR_FIXTURES
    from ui.qr_dialog import QrScanDialog

    window = make_window(camera=str(QR_FIXTURES / "opencrvs_after_1s.avi"))
    probe = StallProbe(5).start()
    dialog = QrScanDialog(window.ctx, "birth", "mother", realtime=True, parent=window)
    dialog.show()
    for _ in range(5):
        window.refresh()
    qtbot.waitUntil(lambda: dialog.use_button.isVisible(), timeout=20_000)
    report = probe.stop()
    dialog.done(0)
    assert dialog.preview.frames >= 5
    assert report.ticks >= 100           # ~2 s of a 5 ms timer: the loop kept serving it

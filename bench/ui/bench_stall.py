"""UI responsiveness under load: `python -m bench.ui.bench_stall [--seconds N]`.

Opens the real main window (offscreen) on a fresh encrypted device, then, while a StallProbe
(5 ms QTimer) watches the event loop:
- a fake load runs on the UI's worker pools: declarations written one after another on the writer
  thread, queue counts and record pages read on the reader threads, and each result shown;
- the QR dialog previews a 1280×720, 25 fps MJPG video through the camera pipeline (capture and
  decode threads, every frame painted), a code appearing near the end.
The QR dialog's opening (widgets built, first paint) is timed on its own (`qr_dialog_open_ms`);
the probe then watches the steady state. Writes bench/ui/stall.json; exit 1 when the event loop
stalled for more than 100 ms. The machine's load average is recorded: on a shared 2-core box other
processes' CPU use shows up as stalls too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import faulthandler
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
COUNTRY = ROOT / "resources" / "countries" / "farajaland"
RESULT = Path(__file__).resolve().parent / "stall.json"
BUDGET_MS = 100.0


def make_video(path: Path, seconds: float, fps: int = 25) -> None:
    import cv2
    import numpy as np
    import segno

    qr = segno.make('{"nid":"1234567890","name":{"givenNames":"Amina","familyName":"Phiri"},'
                    '"birthDate":"1991-04-05","gender":"female"}', error="m")
    import io

    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=4)
    code = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (1280, 720))
    frames = int(seconds * fps)
    rng = np.random.default_rng(7)
    for index in range(frames):
        frame = np.full((720, 1280, 3), 180, np.uint8)
        frame[:, :, 0] = 150 + (index % 50)
        frame += rng.integers(0, 12, frame.shape, dtype=np.uint8)     # sensor noise, no code
        if index >= frames - fps:                                      # the card shows up at the end
            h, w = code.shape[:2]
            frame[200:200 + h, 500:500 + w] = code
        writer.write(frame)
    writer.release()


def run(seconds: float, freeze: bool = True) -> dict[str, object]:
    from PySide6.QtCore import QTimer

    from app.device import Device
    from app.records import Actor, Role
    from ui.app import application, build_context, freeze_startup_objects
    from ui.main_window import MainWindow
    from ui.operations import run_read, run_write, wait_idle
    from ui.qr_dialog import QrScanDialog
    from ui.stall import StallProbe

    app = application()
    work = Path(tempfile.mkdtemp(prefix="crvs-bench-ui-"))
    device = Device.initialise(work / "device", COUNTRY)
    device.users.add(None, "root", Role.ADMIN, "246810")
    agent = Actor("ana", Role.AGENT)
    video = work / "camera.avi"
    make_video(video, seconds)

    ctx = build_context(device, camera=str(video))
    ctx.actor = agent
    window = MainWindow(ctx)
    window.show()
    if freeze:
        freeze_startup_objects()        # as ui.app.main does once the window is up
    counters = {"writes": 0, "reads": 0}
    deadline = time.perf_counter() + seconds

    def declare_next() -> None:
        if time.perf_counter() > deadline:
            return
        n = counters["writes"]
        data = {"child.firstname": f"Child{n}", "child.surname": "Banda", "child.gender": "female",
                "child.dob": "2026-11-01", "mother.nid": f"{1000000000 + n}", "mother.firstname": "Zoe",
                "mother.surname": "Banda", "informant.relation": "mother", "father.details_available": "no"}

        def done(_record: object) -> None:
            counters["writes"] += 1
            window.refresh()         # counts + list page + detail: three reads, results painted
            declare_next()

        run_write(window, lambda: ctx.records.declare(agent, event="birth", data=data), done)

    def read_loop() -> None:
        if time.perf_counter() > deadline:
            return

        def done(_rows: object) -> None:
            counters["reads"] += 1
            QTimer.singleShot(10, read_loop)

        run_read(window, lambda: ctx.records.list_records("pending_validation", "banda", limit=50), done)

    for _ in range(20):                      # the main window's first paint is start-up, not load
        app.processEvents()
    started = time.perf_counter()
    dialog = QrScanDialog(ctx, "birth", "mother", realtime=True, parent=window)
    dialog.show()
    app.processEvents()
    dialog_open_ms = (time.perf_counter() - started) * 1000   # building + first paint, on the UI thread
    probe = StallProbe(5)
    probe.start()
    declare_next()
    read_loop()
    QTimer.singleShot(int(seconds * 1000) + 500, app.quit)
    app.exec()
    report = probe.stop()
    frames = dialog.preview.frames
    stats = dialog.pipeline.stats if dialog.pipeline else None
    read_result = bool(dialog.fields)
    dialog.done(0)
    wait_idle()
    window.close()
    device.close()
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "seconds": seconds,
        "probe_interval_ms": 5,
        "gc_freeze_after_startup": freeze,
        "qr_dialog_open_ms": round(dialog_open_ms, 1),
        "stall": report.as_dict(),
        "budget_ms": BUDGET_MS,
        "load": {"declarations_written": counters["writes"], "list_reads": counters["reads"],
                 "preview_frames_painted": frames,
                 "camera_frames_captured": stats.frames_captured if stats else 0,
                 "camera_frames_decoded": stats.frames_decoded if stats else 0,
                 "qr_read_at_end": read_result},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--no-write", action="store_true", help="print only, keep stall.json")
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() (to see what it buys)")
    args = parser.parse_args(argv)
    faulthandler.dump_traceback_later(max(120.0, args.seconds * 10), exit=True)   # a hang reports where
    load_before = os.getloadavg()
    result = run(args.seconds, freeze=not args.no_freeze)
    faulthandler.cancel_dump_traceback_later()
    result["machine"]["loadavg_1min_before_after"] = [round(load_before[0], 2),  # type: ignore[index]
                                                       round(os.getloadavg()[0], 2)]
    text = json.dumps(result, indent=2)
    print(text)
    if not args.no_write:
        RESULT.write_text(text + "\n")
    return 0 if result["stall"]["max_ms"] <= BUDGET_MS else 1  # type: ignore[index]


if __name__ == "__main__":
    sys.exit(main())

"""UI responsiveness while syncing and scanning: `python -m bench.ui.bench_stall [--quick] [--out PATH]`.

DESIGN §7: camera preview with decoding ≥ 25 fps, no UI stall > 50 ms.

Set-up (not timed): a mosip-emulator in its own process on loopback and a fresh encrypted device
linked to it (bench.sync_throughput's EmulatorProcess / link_device), `--records` synthetic records
(bench.workqueue_page.populate; their synthetic outbox items are parked, so the agent sends only
real requests), then a backlog of `--backlog` birth declarations each queueing the mother's IDA
demographic verification (emulator identities: all succeed), and a 1280×720, 30 fps MJPG video (a
webcam's usual rate: a preview that keeps up shows more than the 25 fps budget asks).

Then, offscreen, the app's wiring: a `SyncStatusHub`, the real `SyncAgent` of the same device
(WebSub off: no credentials in this scenario), a `SyncBridge` and the `MainWindow` fed by it (the
status bar and, per synced item, the counts and the list refreshed — as `crvs-field` wires them
once a user has signed in), and the "Scan ID QR" dialog previewing the video through the camera
pipeline (capture and decode threads, every frame painted). The dialog's opening is timed on its
own; then a `StallProbe` (5 ms QTimer) watches the event loop while the agent (started with the
window, as at sign-in) drains the backlog: for `--seconds`, or less when the drain is over first.
Reported: max / p99 stall, stalls > 50 ms, preview fps (frames painted), items synced in the
window. At the end the emulator is stopped so an unfinished drain gives up at once (its items wait
for the next one).

`--fake-load` adds the older synthetic load: declarations written back to back on the UI's writer
thread and record pages read on its reader threads. The machine's load average is recorded: on a
shared 2-core box other processes' CPU time shows up as stalls too.
"""

from __future__ import annotations

import argparse
import faulthandler
import io
import itertools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench._common import machine, print_table, write_result
from bench._figures import figure

BUDGET_STALL_MS = 50.0
BUDGET_FPS = 25.0
SOURCE_FPS = 30  # a webcam's usual rate; at 25 the budget would be the source's ceiling, met or missed by jitter
PROBE_MS = 5


def make_video(path: Path, seconds: float, code_at: float | None, fps: int = SOURCE_FPS) -> None:
    """Sensor-noise frames (no code) at 1280×720; with `code_at`, a QR card from then on."""
    import cv2
    import numpy as np
    import segno

    qr = segno.make('{"nid":"1234567890","name":{"givenNames":"Amina","familyName":"Phiri"},'
                    '"birthDate":"1991-04-05","gender":"female"}', error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=8, border=4)
    code = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (1280, 720))
    rng = np.random.default_rng(7)
    noise = [rng.integers(0, 12, (720, 1280, 3), dtype=np.uint8) for _ in range(8)]
    for index in range(int(seconds * fps)):
        frame = np.full((720, 1280, 3), 180, np.uint8)
        frame[:, :, 0] = 150 + (index % 50)
        frame += noise[index % len(noise)]
        if code_at is not None and index >= code_at * fps:
            h, w = code.shape[:2]
            frame[200:200 + h, 500:500 + w] = code
        writer.write(frame)
    writer.release()


def park_synthetic_outbox(device: Any) -> int:
    """populate()'s open outbox items carry no real request: push them a year out, so the agent
    leases only the backlog's real verifications (they still count in the outbox queue)."""
    import datetime as dt

    from sqlalchemy import update

    from app.store.models import OutboxItem

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    with device.db.write() as session:
        result = session.execute(update(OutboxItem).where(OutboxItem.state == "pending")  # type: ignore[arg-type]
                                 .values(next_attempt_at=later))
        return int(result.rowcount or 0)


def cpu_probe(interval_ms: int) -> Any:
    """bench.ui.stall.StallProbe that also notes the UI thread's own CPU time across each late tick: a
    70 ms stall with 5 ms of UI-thread CPU was spent waiting (for the GIL or for a core), not
    working on the UI thread."""
    from bench.ui.stall import StallProbe

    class CpuStallProbe(StallProbe):
        def __init__(self) -> None:
            super().__init__(interval_ms)
            self.late_cpu: list[tuple[float, float, float]] = []   # (s since start, ms late, UI CPU ms)
            self._cpu = time.thread_time()

        def _tick(self) -> None:
            before = self._last
            cpu = time.thread_time()
            super()._tick()
            late = (self._last - before) * 1000 - self.interval_ms
            if late > 50:
                self.late_cpu.append((round(before - self._started, 3), round(late, 1),
                                      round((cpu - self._cpu) * 1000, 1)))
            self._cpu = cpu

    return CpuStallProbe()


class SyncCounter:
    """Follows the hub on the agent's thread: items finished per drain, when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[float, int, bool]] = []   # (perf_counter, done in this drain, running)

    def __call__(self, status: Any) -> None:
        with self.lock:
            self.events.append((time.perf_counter(), status.done, status.running))

    def drained(self) -> bool:
        """A drain delivered items and has ended."""
        with self.lock:
            return bool(self.events) and not self.events[-1][2] and any(d for _, d, _ in self.events)

    def done_between(self, start: float, end: float) -> tuple[int, float | None, float | None]:
        """Items finished in [start, end]; first and last progress time (s after start)."""
        with self.lock:
            events = list(self.events)
        total, last_done, first, last = 0, 0, None, None
        for at, done, running in events:
            if done < last_done:        # a new drain: its counter restarts
                last_done = 0
            if start <= at <= end and done > last_done:
                total += done - last_done
                first = first if first is not None else at - start
                last = at - start
            last_done = done if running or done else last_done
        return total, first, last


def run(seconds: float, backlog: int, records: int, fake_load: bool, freeze: bool, *, sync: bool = True,
        scan: bool = True, latency_ms: float = 0) -> dict[str, Any]:
    import logging

    from PySide6.QtCore import QEvent, QObject, QTimer

    from app.mosip.settings import load_settings
    from app.records import Actor, Role
    from app.security.secrets import SecretStore
    from app.sync_status import SyncStatusHub
    from bench.sync_throughput import EmulatorProcess, declare, link_device
    from bench.workqueue_page import populate
    from sync.agent import SyncAgent
    from ui.app import application, build_context, freeze_startup_objects
    from ui.main_window import MainWindow
    from ui.operations import run_read, run_write, wait_idle
    from ui.qr_dialog import QrScanDialog
    from ui.sync_bar import SyncBridge

    logging.getLogger("crvs_field").setLevel(logging.WARNING)
    out: dict[str, Any] = {"setup_s": {}}
    setup = out["setup_s"]
    app = application()
    tmp = tempfile.TemporaryDirectory(prefix="crvs-bench-ui-")
    work = Path(tmp.name)
    t = time.perf_counter()
    emulator = EmulatorProcess(work / "emulator", latency_ms=latency_ms)
    setup["emulator"] = round(time.perf_counter() - t, 2)
    device = agent = None
    try:
        t = time.perf_counter()
        device, _config = link_device(work / "device", emulator.base_url)
        setup["link"] = round(time.perf_counter() - t, 2)
        if records:
            t = time.perf_counter()
            out["populate"] = populate(device, records)
            out["populate"]["parked_outbox_items"] = park_synthetic_outbox(device)
            setup["populate"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        declare(device, 0, backlog)
        setup["declare_backlog"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        video = work / "camera.avi"
        make_video(video, seconds + 4, code_at=seconds + 2)   # the card shows up after the window
        setup["video"] = round(time.perf_counter() - t, 2)

        hub = SyncStatusHub()
        counter = SyncCounter()
        hub.subscribe(counter)
        settings = load_settings(device.country, SecretStore(device.db))
        agent = SyncAgent(device.records, device.country, settings, hub, websub=False)
        bridge = SyncBridge(hub)
        actor = Actor("ana", Role.AGENT)
        ctx = build_context(device, sync_hub=hub, sync_now=agent.sync_now, camera=str(video))
        ctx.actor = actor
        window = MainWindow(ctx, bridge)
        window.show()
        if freeze:
            freeze_startup_objects()        # as ui.app.main does once the window is up
        for _ in range(20):                 # the main window's first paint is start-up, not load
            app.processEvents()
        wait_idle()
        app.processEvents()

        started = time.perf_counter()
        dialog = QrScanDialog(ctx, "birth", "mother", realtime=True, parent=window)
        dialog.show()
        if not scan:
            dialog.stop()
        app.processEvents()
        dialog_open_ms = (time.perf_counter() - started) * 1000   # building + first paint, on the UI thread

        class PaintCounter(QObject):
            def __init__(self) -> None:
                super().__init__()
                self.times: list[float] = []

            def eventFilter(self, _obj: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    self.times.append(time.perf_counter())
                return False

        paints = PaintCounter()
        dialog.preview.installEventFilter(paints)
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
                window.refresh()
                declare_next()

            run_write(window, lambda: ctx.records.declare(actor, event="birth", data=data), done)

        def read_loop() -> None:
            if time.perf_counter() > deadline:
                return

            def done(_rows: object) -> None:
                counters["reads"] += 1
                QTimer.singleShot(10, read_loop)

            run_read(window, lambda: ctx.records.list_records("pending_validation", "banda", limit=50), done)

        frames0 = dialog.preview.frames
        stats0 = dialog.pipeline.stats if dialog.pipeline else None
        decoded0 = stats0.frames_decoded if stats0 else 0
        captured0 = stats0.frames_captured if stats0 else 0
        emu_cpu0 = emulator.cpu()
        probe = cpu_probe(PROBE_MS)
        probe.start()
        window_start = time.perf_counter()
        if sync:
            agent.start()                    # as at sign-in: probe → online → drain the backlog
        if fake_load:
            declare_next()
            read_loop()
        QTimer.singleShot(int(seconds * 1000), app.quit)

        def stop_when_drained() -> None:     # the window is "while syncing": it ends with the drain
            if counter.drained():
                app.quit()

        drained_check = QTimer()
        drained_check.timeout.connect(stop_when_drained)
        drained_check.start(50)
        app.exec()
        drained_check.stop()
        report = probe.stop()
        window_end = time.perf_counter()
        window_s = window_end - window_start
        frames = dialog.preview.frames - frames0
        painted_at = [t for t in paints.times if window_start <= t <= window_end]
        painted = len(painted_at)
        # frames per second between the first and the last paint: the window's edges cut frames
        fps = (painted - 1) / (painted_at[-1] - painted_at[0]) if painted > 1 else 0.0
        stats = dialog.pipeline.stats if dialog.pipeline else None
        decoded = (stats.frames_decoded if stats else 0) - decoded0
        captured = (stats.frames_captured if stats else 0) - captured0
        synced, first_item_s, last_item_s = counter.done_between(window_start, window_end)
        emulator_cpu = emulator.cpu() - emu_cpu0
        dialog.done(0)
        t = time.perf_counter()
        emulator.stop()                      # the drain gives up on what is left (retried later)
        agent.stop()
        out["teardown_agent_s"] = round(time.perf_counter() - t, 2)
        wait_idle()
        bridge.close()
        window.close()
        status = hub.status
        lateness = sorted(probe.lateness)
        out.update({
            "seconds": round(window_s, 2), "probe_interval_ms": PROBE_MS, "gc_freeze_after_startup": freeze,
            "qr_dialog_open_ms": round(dialog_open_ms, 1),
            "stall": report.as_dict(),
            "stalls_with_ui_thread_cpu_ms": probe.late_cpu,
            "stall_over_20ms": sum(v > 20 for v in lateness),
            "preview": {"frames_captured": captured, "frames_shown": frames, "frames_painted": painted,
                        "fps_painted": round(fps, 2), "fps_shown_over_window": round(frames / window_s, 2),
                        "frames_decoded": decoded, "decode_fps": round(decoded / window_s, 2),
                        "longest_gap_between_paints_ms": round(max(
                            (b - a for a, b in itertools.pairwise(painted_at)), default=0) * 1000, 1)},
            "sync": {"backlog": backlog, "items_synced_in_window": synced,
                     "items_per_s": round(synced / window_s, 2),
                     "first_item_at_s": None if first_item_s is None else round(first_item_s, 2),
                     "last_item_at_s": None if last_item_s is None else round(last_item_s, 2),
                     "hub_events": len(counter.events), "emulator_cpu_s": round(emulator_cpu, 2),
                     "queued_after": status.queued, "alert": status.alert, "last_error": status.last_error},
            "fake_load": {"declarations_written": counters["writes"], "list_reads": counters["reads"]}
            if fake_load else None,
            "records_on_device": records,
        })
    finally:
        if agent is not None:
            agent.stop()
        emulator.stop()
        if device is not None:
            device.close()
        tmp.cleanup()
    return out


def figures(r: dict[str, Any]) -> list[dict[str, Any]]:
    stall, preview, sync = r["stall"], r["preview"], r["sync"]
    ctx = (f"{r['seconds']:.0f} s while the sync agent drains IDA verifications against a loopback emulator "
           f"({sync['items_synced_in_window']} synced, the last {sync['last_item_at_s']} s into the window) and "
           f"the QR dialog previews and decodes 1280×720 {SOURCE_FPS} fps video; {r['records_on_device']:,} records "
           "on the device")
    return [
        figure("ui.stall.max_ms", "UI", "UI event-loop stall, worst (while syncing and scanning)", stall["max_ms"],
               "ms", budget=BUDGET_STALL_MS, budget_text="no UI stall > 50 ms", note=ctx,
               extra={"over_50ms": stall["over_50ms"], "over_100ms": stall["over_100ms"],
                      "stalls": stall["stalls"][:20], "ticks": stall["ticks"]}),
        figure("ui.stall.p99_ms", "UI", "UI event-loop stall, p99 of 5 ms probe ticks (syncing and scanning)",
               stall["p99_ms"], "ms", extra={"p50_ms": stall["p50_ms"]}),
        figure("ui.stall.over_50ms.count", "UI", "UI stalls > 50 ms in the window (syncing and scanning)",
               stall["over_50ms"], "count", budget=0, extra={"window_s": r["seconds"]}),
        figure("ui.preview.fps", "UI", "camera preview with decoding, frames painted per second (while syncing)",
               preview["fps_painted"], "fps", better="higher", budget=BUDGET_FPS,
               budget_text="camera preview with decoding ≥ 25 fps",
               note=f"the source is a {SOURCE_FPS} fps video file paced in real time ({SOURCE_FPS} is the ceiling)",
               extra={k: preview[k] for k in ("frames_captured", "frames_painted", "decode_fps",
                                              "longest_gap_between_paints_ms")}),
        figure("ui.stall.items_synced", "UI", "items synced by the agent during the stall window",
               sync["items_synced_in_window"], "items", better="higher",
               extra={"items_per_s": sync["items_per_s"], "backlog": sync["backlog"]}),
        figure("ui.qr_dialog.open_ms", "UI", "QR dialog opening (widgets built + first paint, UI thread)",
               r["qr_dialog_open_ms"], "ms"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 6 s window, a smaller backlog and device")
    parser.add_argument("--seconds", type=float, default=None, help="probe window (default 15; --quick 6)")
    parser.add_argument("--backlog", type=int, default=None,
                        help="queued verifications (default 3,000; --quick 1,000); the window ends early when the "
                             "agent has sent them all")
    parser.add_argument("--records", type=int, default=None, help="synthetic records (default 20,000; --quick 0)")
    parser.add_argument("--fake-load", action="store_true", help="also the older synthetic writer/reader load")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="the emulator delays every IDA answer this long (a WAN round trip)")
    parser.add_argument("--no-sync", action="store_true", help="diagnosis: the agent stays off")
    parser.add_argument("--no-scan", action="store_true", help="diagnosis: the dialog's camera stops at once")
    parser.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() (to see what it buys)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    seconds = args.seconds or (6.0 if args.quick else 15.0)
    backlog = args.backlog or (1000 if args.quick else 3000)
    records = args.records if args.records is not None else (0 if args.quick else 20_000)
    faulthandler.dump_traceback_later(max(300.0, seconds * 20), exit=True)   # a hang reports where
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine(), "params": {"seconds": seconds, "backlog": backlog,
                                                               "records": records, "quick": args.quick,
                                                               "fake_load": args.fake_load, "sync": not args.no_sync,
                                                               "scan": not args.no_scan,
                                                               "latency_ms": args.latency_ms}}
    result.update(run(seconds, backlog, records, args.fake_load, freeze=not args.no_freeze, sync=not args.no_sync,
                      scan=not args.no_scan, latency_ms=args.latency_ms))
    faulthandler.cancel_dump_traceback_later()
    result["figures"] = figures(result)
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    path = write_result("ui_stall", result, args.out)
    stall, preview, sync = result["stall"], result["preview"], result["sync"]
    print_table([
        ("max stall", f"{stall['max_ms']:.1f} ms", f"≤ {BUDGET_STALL_MS:.0f} ms"),
        ("p99 / p50 stall", f"{stall['p99_ms']:.1f} / {stall['p50_ms']:.1f} ms", ""),
        ("stalls > 50 ms", str(stall["over_50ms"]), "0"),
        ("preview fps painted (decoded)", f"{preview['fps_painted']:.1f} ({preview['decode_fps']:.1f})",
         f"≥ {BUDGET_FPS:.0f}"),
        ("items synced in the window", f"{sync['items_synced_in_window']} ({sync['items_per_s']:.1f}/s)", ""),
        ("QR dialog open", f"{result['qr_dialog_open_ms']:.0f} ms", ""),
    ], ("what", "measured", "budget"))
    print(f"window {result['seconds']} s, stalls > 50 ms at (s, ms): {stall['stalls'][:10]}")
    print(f"load average {result['machine'].get('loadavg_at_start')}; {result['elapsed_s']} s; results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

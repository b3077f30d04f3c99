"""Backup of a large device (issue 19) on a 100,000-record database: time and size of
`create_backup`, how long a small write transaction (what the UI's worker and the agent do) waits
while it runs, and how late the UI thread's event loop gets while it runs in a worker (the issue's
≤ 50 ms) — for the copy in one step (as before) and in paused steps (as now), side by side; then
whether an incremental backup would save bytes (bench/backup_incremental.py).

Run: `python -m bench.backup_bench [--records N] [--out FILE]`. Synthetic records only.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench._common import machine, print_table, summary_ms, write_result
from bench._figures import figure

AREA = "Backup"
STALL_BUDGET_MS = 50.0  # issue 19: the UI may not stall longer than this while a backup runs
WRITE_EVERY_SECONDS = 0.02
_APP: Any = None


def modes() -> list[tuple[str, dict[str, Any]]]:
    from app.backup import COPY_NICENESS, STEP_PAGES, STEP_PAUSE_SECONDS

    return [("one step", {"step_pages": -1, "pause": 0.0, "nice": 0}),
            (f"{STEP_PAGES} pages + {STEP_PAUSE_SECONDS * 1000:g} ms, nice {COPY_NICENESS}", {}),
            (f"{STEP_PAGES} pages + {STEP_PAUSE_SECONDS * 1000:g} ms", {"nice": 0}),
            ("64 pages + 2 ms", {"step_pages": 64, "pause": 0.002, "nice": 0})]


def run_mode(device: Any, out: Path, options: dict[str, Any]) -> dict[str, Any]:
    """One backup in a worker thread, while a writer commits every 20 ms and a QTimer probe on
    this (the UI) thread measures how late the event loop serves it."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from app.backup import create_backup
    from app.store.models import DeviceSetting
    from bench.ui.stall import StallProbe

    global _APP
    _APP = QCoreApplication.instance() or QCoreApplication([])   # kept for the next mode
    stop = threading.Event()
    waits: list[float] = []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            with device.db.write() as session:
                session.merge(DeviceSetting(name="bench.tick", value=str(n), updated_by="bench"))
            waits.append(time.perf_counter() - t0)
            n += 1
            time.sleep(WRITE_EVERY_SECONDS)

    writing = threading.Thread(target=writer, daemon=True)
    writing.start()
    time.sleep(0.5)
    idle = len(waits)
    outcome: dict[str, Any] = {}

    def backup() -> None:
        try:
            outcome["result"] = create_backup(device.db, device.data_dir, out, **options)
        except BaseException as exc:   # reported after the loop
            outcome["error"] = exc

    probe = StallProbe().start()
    worker = threading.Thread(target=backup, daemon=True)
    worker.start()
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if not worker.is_alive() else None)
    poll.start(20)
    loop.exec()
    poll.stop()
    stall = probe.stop()
    during = waits[idle:]
    stop.set()
    writing.join()
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    return {"seconds": round(result.seconds, 2), "archive_bytes": result.size_bytes,
            "db_bytes": result.manifest.files["crvs.db"]["bytes"], "records": result.manifest.records,
            "write_wait_idle": summary_ms(waits[:idle]),
            "write_wait": summary_ms(during) | {"max_ms": round(max(during) * 1000, 1)},
            "ui_stall": {"max_ms": round(stall.max_ms, 1), "p99_ms": round(stall.p99_ms, 1),
                         "over_50ms": stall.over_50ms, "ticks": stall.ticks}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 records")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    records = 20_000 if args.quick else args.records

    from app.device import Device
    from bench.backup_incremental import measure
    from bench.workqueue_page import populate

    os.environ.pop("CRVS_FIELD_DB_KEY", None)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    result: dict[str, Any] = {"machine": machine(), "params": {"records": records}, "modes": {}}
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        device = Device.initialise(Path(tmp) / "device", None, admin="root", pin="bench-pin-1")
        try:
            result["setup"] = populate(device, records)
            for name, options in modes():
                out = Path(tmp) / f"out-{len(result['modes'])}"
                out.mkdir()
                result["modes"][name] = run_mode(device, out, options)
                for archive in out.iterdir():
                    archive.unlink()
            (Path(tmp) / "incremental").mkdir()
            result["incremental"] = measure(device, Path(tmp) / "incremental")
        finally:
            device.close()
    result["machine"]["loadavg_at_end"] = list(os.getloadavg())
    result["figures"] = figures(result)
    path = write_result("backup", result, args.out)
    print_table([(name, f"{m['records']:,}", f"{m['seconds']:.2f}", f"{m['archive_bytes'] / 1e6:.1f}",
                  f"{m['write_wait']['median_ms']:.1f}", f"{m['write_wait']['max_ms']:.1f}",
                  f"{m['ui_stall']['max_ms']:.1f}", f"{m['ui_stall']['p99_ms']:.1f}")
                 for name, m in result["modes"].items()],
                ("copy", "records", "backup s", "archive MB", "write median ms", "write max ms", "UI stall max ms",
                 "UI stall p99 ms"))
    inc = result["incremental"]
    print(f"incremental, 1 record changed: identical 4 KiB pages {inc['identical_pages_archives']}/{inc['pages']} "
          f"between the archives, {inc['identical_pages_plaintext']}/{inc['pages']} decrypted, "
          f"{inc['identical_pages_live_file']}/{inc['live_file_pages']} in the live file")
    for f in result["figures"]:
        print(f"{f['what']}: {f['value']} {f['unit']} ({f['verdict']})")
    print(f"written {path}")
    return 0


def figures(result: dict[str, Any]) -> list[dict[str, Any]]:
    names = list(result["modes"])
    before, now = result["modes"][names[0]], result["modes"][names[1]]
    size = f"{now['records']:,}-record"
    inc = result["incremental"]
    return [
        figure("backup.seconds", AREA, f"`crvs-field backup` of a {size} database (stepped copy, checksum)",
               now["seconds"], "s", note=f"database {now['db_bytes'] / 1e6:.1f} MB; in one step "
                                         f"{before['seconds']} s"),
        figure("backup.archive_mb", AREA, f"backup archive of a {size} database", round(now["archive_bytes"] / 1e6, 1),
               "MB", note=f"database itself {now['db_bytes'] / 1e6:.1f} MB"),
        figure("backup.write_wait_max_ms", AREA, "longest wait of a small write transaction (a UI save, the agent) "
               "while the backup runs", now["write_wait"]["max_ms"], "ms", budget=STALL_BUDGET_MS,
               budget_text="≤ 50 ms",
               note=f"median {now['write_wait']['median_ms']} ms over {now['write_wait']['runs']} writes; in one "
                    f"step {before['write_wait']['max_ms']} ms"),
        figure("backup.ui_stall_max_ms", AREA, "longest UI-thread stall while a backup runs in a worker",
               now["ui_stall"]["max_ms"], "ms", budget=STALL_BUDGET_MS, budget_text="≤ 50 ms",
               note=f"p99 {now['ui_stall']['p99_ms']} ms; in one step {before['ui_stall']['max_ms']} ms"),
        figure("backup.incremental_identical_pages", AREA, "4 KiB pages two backups share (1 record changed)",
               inc["identical_pages_archives"], "pages",
               note=f"of {inc['pages']}; decrypted {inc['identical_pages_plaintext']} identical: SQLCipher "
                    "re-encrypts every copied page with a fresh IV"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())

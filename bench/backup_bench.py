"""Backup of a large device (issue 19): time and size of `create_backup` on a 100,000-record
database, and how long a write transaction (what the UI's worker and the agent do) waits while it runs.

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 records")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    records = 20_000 if args.quick else args.records

    from app.backup import create_backup
    from app.device import Device
    from app.store.models import DeviceSetting
    from bench.workqueue_page import populate

    os.environ.pop("CRVS_FIELD_DB_KEY", None)
    result: dict[str, Any] = {"machine": machine(), "params": {"records": records}}
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        device = Device.initialise(Path(tmp) / "device", None, admin="root", pin="bench-pin-1")
        try:
            result["setup"] = populate(device, records)
            (Path(tmp) / "out").mkdir()
            stop = threading.Event()
            waits: list[float] = []

            def writer() -> None:  # one small write transaction every 20 ms, as the UI worker's saves
                n = 0
                while not stop.is_set():
                    t0 = time.perf_counter()
                    with device.db.write() as session:
                        session.merge(DeviceSetting(name="bench.tick", value=str(n), updated_by="bench"))
                    waits.append(time.perf_counter() - t0)
                    n += 1
                    time.sleep(0.02)

            thread = threading.Thread(target=writer, daemon=True)
            thread.start()
            time.sleep(0.5)
            idle = len(waits)
            backup = create_backup(device.db, device.data_dir, Path(tmp) / "out")
            during = waits[idle:]
            stop.set()
            thread.join()
            result["backup"] = {"seconds": round(backup.seconds, 2), "archive_bytes": backup.size_bytes,
                                "db_bytes": backup.manifest.files["crvs.db"]["bytes"],
                                "records": backup.manifest.records}
            result["write_wait_idle"] = summary_ms(waits[:idle])
            result["write_wait_during_backup"] = summary_ms(during) | {"max_ms": round(max(during) * 1000, 1)}
        finally:
            device.close()
    result["figures"] = figures(result)
    path = write_result("backup", result, args.out)
    b = result["backup"]
    print_table([(f"{b['records']:,}", f"{b['seconds']:.2f}", f"{b['archive_bytes'] / 1e6:.1f}",
                  f"{result['write_wait_idle']['median_ms']:.1f}",
                  f"{result['write_wait_during_backup']['max_ms']:.1f}")],
                ("records", "backup s", "archive MB", "write median ms (idle)", "write max ms (during)"))
    for f in result["figures"]:
        print(f"{f['what']}: {f['value']} {f['unit']} ({f['verdict']})")
    print(f"written {path}")
    return 0


def figures(result: dict[str, Any]) -> list[dict[str, Any]]:
    b, during = result["backup"], result["write_wait_during_backup"]
    size = f"{b['records']:,}-record"
    return [
        figure("backup.seconds", AREA, f"`crvs-field backup` of a {size} database (online backup API, checksum)",
               b["seconds"], "s", note=f"database {b['db_bytes'] / 1e6:.1f} MB"),
        figure("backup.archive_mb", AREA, f"backup archive of a {size} database", round(b["archive_bytes"] / 1e6, 1),
               "MB", note=f"database itself {b['db_bytes'] / 1e6:.1f} MB"),
        figure("backup.write_wait_max_ms", AREA, "longest wait of a small write transaction (a UI save, the agent) "
               "while the backup runs", during["max_ms"], "ms", budget=STALL_BUDGET_MS, budget_text="≤ 50 ms",
               note=f"median {during['median_ms']} ms over {during['runs']} writes; "
                    f"idle median {result['write_wait_idle']['median_ms']} ms"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())

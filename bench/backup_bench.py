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
    path = write_result("backup", result, args.out)
    b = result["backup"]
    print_table([(f"{b['records']:,}", f"{b['seconds']:.2f}", f"{b['archive_bytes'] / 1e6:.1f}",
                  f"{result['write_wait_idle']['median_ms']:.1f}",
                  f"{result['write_wait_during_backup']['max_ms']:.1f}")],
                ("records", "backup s", "archive MB", "write median ms (idle)", "write max ms (during)"))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

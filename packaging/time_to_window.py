"""Time from exec to the first window of the desktop app, for packaging/README.md's figures.

    python packaging/time_to_window.py [--runs N] [--cold] -- CRVS_FIELD_COMMAND...

Runs the command N times with QT_QPA_PLATFORM=offscreen and stops each run when Qt's offscreen
plugin reports a window on stderr ("propagateSizeHints": it does so when a top-level window is
shown), then kills it. With no data directory the window is the "cannot open the device" error
dialog (every UI module imported, Qt up); on an initialised data directory it is the sign-in
dialog (the device opened: country configuration and rules loaded). --cold drops the page cache
before each run (root only). Prints the wall time (min / median / max) and the CPU time (user +
system, the steadier figure on a shared machine) in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

MARKER = b"propagateSizeHints"


def once(command: list[str], cold: bool, timeout: float = 60.0) -> tuple[float, float]:
    """(wall seconds to the first window, CPU seconds used by then, user + system)."""
    if cold:
        subprocess.run(["sh", "-c", "sync; echo 3 > /proc/sys/vm/drop_caches"], check=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            while time.perf_counter() - start < timeout:
                err.seek(0)
                if MARKER in err.read():
                    wall = time.perf_counter() - start
                    proc.kill()
                    _, _, usage = os.wait4(proc.pid, 0)
                    proc.returncode = -9
                    return wall, usage.ru_utime + usage.ru_stime
                if proc.poll() is not None:
                    err.seek(0)
                    raise SystemExit(f"exited {proc.returncode} before a window: {err.read().decode()[-2000:]}")
                time.sleep(0.005)
            raise SystemExit(f"no window within {timeout} s")
        finally:
            if proc.returncode is None:
                proc.kill()
                proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command to run is required")
    once(command, args.cold)  # warm-up (and a check that a window comes at all)
    runs = [once(command, args.cold) for _ in range(args.runs)]
    wall, cpu = sorted(r[0] * 1000 for r in runs), sorted(r[1] * 1000 for r in runs)
    print(f"{command[0]} {' '.join(command[1:])}: median {statistics.median(wall):.0f} ms to the window "
          f"(min {wall[0]:.0f}, max {wall[-1]:.0f}), CPU median {statistics.median(cpu):.0f} ms; "
          f"{args.runs} {'cold' if args.cold else 'warm'} runs")


if __name__ == "__main__":
    sys.exit(main())

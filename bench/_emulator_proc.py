"""`EmulatorServer` in a process of its own, so the client under test does not share its GIL.

    python -m bench._emulator_proc STATE_DIR [--ida-threads N] [--fault SPEC]...

Prints one JSON line {"base_url", "pid"} once listening; stops when its standard input closes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from mosip_emulator.server import EmulatorServer


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("state_dir")
    parser.add_argument("--ida-threads", type=int, default=0)
    parser.add_argument("--fault", action="append", default=[], help="e.g. latency=50ms (mosip-emulator --fault)")
    args = parser.parse_args()
    extra = {"ida_threads": args.ida_threads} if args.ida_threads else {}
    with EmulatorServer(state_dir=args.state_dir, credential_delay=0, faults=args.fault,
                        **extra) as server:
        print(json.dumps({"base_url": server.base_url, "pid": os.getpid()}), flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin (or dies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

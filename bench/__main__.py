"""All of DESIGN §7 in one command: `python -m bench [--quick]`.

Runs each suite in a process of its own (so one suite's imports, caches and threads do not colour
the next one's figures), one after the other (never two at once on a 2-core machine), each with
`--out <dir>/<suite>.json`; then puts their figures in one table — figure, budget, anchor measured
in the same run, ratio, verdict — printed, and written as Markdown plus JSON.

    python -m bench --quick              # ≲ 5 min on 2 cores; bench/results/quick/ (not committed)
    python -m bench                      # DESIGN sizes; docs/PERFORMANCE.md + docs/performance.json
    python -m bench --only sync,qr       # some suites (the report says which were not run)
    python -m bench --profile            # the sync suite adds a py-spy-sampled drain and its CPU
                                         # split (a separate drain: the timed figures are unaffected)

Exit status: 0 when every suite ran and produced its figures (missed budgets are findings, shown
in the table, not failures of the benchmark); 1 when a suite failed or produced no figures.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._common import ROOT
from bench.report import render_markdown, render_text, summarise


@dataclass(frozen=True)
class Suite:
    name: str
    module: str
    title: str
    timeout_s: float          # full size; --quick gets a fifth of it
    result_name: str          # <out-dir>/<result_name>.json, the name the suite's script uses by itself
    profile_flag: bool = False


SUITES = [
    Suite("qr", "bench.qr.bench_decode", "QR decoding and the camera pipeline", 900, "qr_decode"),
    Suite("sync", "bench.sync_throughput", "Sync agent vs a sequential mosip-auth-sdk loop", 3600, "sync_throughput",
          profile_flag=True),
    # (register_action --profile runs cProfile inside the timed bulk: not for a report run)
    Suite("register", "bench.register_action", "One register action, and a bulk of 1,000", 900, "register_action"),
    Suite("workqueue", "bench.workqueue_page", "Work-queue pages and search with 100,000 records", 1200,
          "workqueue_page"),
    Suite("ui_cold_start", "bench.ui.cold_start", "Cold start to a usable window", 1200, "ui_cold_start"),
    Suite("ui_stall", "bench.ui.bench_stall", "UI event-loop stalls while syncing and scanning", 900, "ui_stall"),
    Suite("relay", "bench.relay_bench", "Confirmations relay on PostgreSQL: store rate, 10,000-item pull", 600,
          "relay_bench"),
    Suite("backup", "bench.backup_bench", "Backup of a 100,000-record device while it writes", 900, "backup"),
    Suite("opencrvs", "bench.opencrvs_bench", "OpenCRVS mode: a backlog of NOTIFYs and one status poll", 900,
          "opencrvs_bench"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, ≲ 5 minutes on 2 cores")
    parser.add_argument("--only", default="", help="comma-separated suites: " + ", ".join(s.name for s in SUITES))
    parser.add_argument("--profile", action="store_true", help="the sync suite adds a profiled drain and its CPU split")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="per-suite JSON and bench.json (default bench/results/quick or bench/results)")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="where the Markdown report goes (default: docs/PERFORMANCE.md for a full run of "
                             "every suite, none for --quick or --only)")
    args = parser.parse_args(argv)

    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(wanted) - {s.name for s in SUITES})
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(unknown)}; known: {', '.join(s.name for s in SUITES)}")
    suites = [s for s in SUITES if not wanted or s.name in wanted]
    out_dir = args.out_dir or ROOT / "bench" / "results" / ("quick" if args.quick else "")
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = args.markdown
    if markdown is None and not args.quick and not wanted:
        markdown = ROOT / "docs" / "PERFORMANCE.md"

    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    for index, suite in enumerate(suites, 1):
        print(f"[{index}/{len(suites)}] {suite.name}: {suite.title}", flush=True)
        runs.append(run_suite(suite, out_dir, quick=args.quick, profile=args.profile))
        print(f"[{index}/{len(suites)}] {suite.name}: {runs[-1]['status']} in {runs[-1]['wall_s']:.0f} s "
              f"(total {time.perf_counter() - started:.0f} s)", flush=True)
    summary = summarise(runs, quick=args.quick, wall_s=time.perf_counter() - started,
                        not_run=[s.name for s in SUITES if s not in suites])

    (out_dir / "bench.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print()
    print(render_text(summary))
    print(f"\nJSON: {out_dir / 'bench.json'}")
    if markdown:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(render_markdown(summary), "utf-8")
        markdown.with_name("performance.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                                          "utf-8")
        print(f"Markdown: {markdown}")
    return 0 if all(r["status"] == "ok" for r in runs) else 1


def run_suite(suite: Suite, out_dir: Path, *, quick: bool, profile: bool) -> dict[str, Any]:
    out = out_dir / f"{suite.result_name}.json"
    out.unlink(missing_ok=True)        # never report a previous run's figures as this one's
    command = [sys.executable, "-m", suite.module, "--out", str(out)]
    if quick:
        command.append("--quick")
    if profile and suite.profile_flag:
        command.append("--profile")
    env = os.environ | {"QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "PYTHONUNBUFFERED": "1"}
    timeout = suite.timeout_s / 5 if quick else suite.timeout_s
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    tail: list[str] = []
    try:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, bufsize=1)
    except OSError as exc:
        return _run(suite, command, "failed", 0.0, load_before, error=str(exc))
    deadline = t0 + timeout
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process, lines), daemon=True).start()
    timed_out = False
    while True:                       # the suite's own progress, indented, as it comes
        try:
            line = lines.get(timeout=max(0.05, deadline - time.perf_counter()))
        except queue.Empty:
            timed_out = True
            process.kill()
            break
        if line is None:
            break
        print(f"    {line}", flush=True)
        tail = [*tail[-19:], line]
    code = process.wait()
    wall = time.perf_counter() - t0
    if timed_out:
        return _run(suite, command, "failed", wall, load_before, error=f"timed out after {timeout:.0f} s", tail=tail)
    try:
        result = json.loads(out.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return _run(suite, command, "failed", wall, load_before,
                    error=f"exit {code}, no result file ({type(exc).__name__})", tail=tail)
    figures = result.get("figures")
    if not isinstance(figures, list) or not figures:
        return _run(suite, command, "failed", wall, load_before, error=f"exit {code}, no figures in {out.name}",
                    tail=tail)
    # A suite may exit non-zero to say "a budget was missed" (bench_stall does): the figures say that.
    return _run(suite, command, "ok", wall, load_before, exit_code=code, result=result, result_file=out.name)


def _pump(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line.rstrip())
    lines.put(None)


def _run(suite: Suite, command: list[str], status: str, wall: float, load_before: tuple[float, ...],
         **extra: Any) -> dict[str, Any]:
    return {"suite": suite.name, "title": suite.title, "status": status, "wall_s": round(wall, 1),
            "command": " ".join(["python", *command[1:]]).replace(str(ROOT) + "/", ""),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()], **extra}


if __name__ == "__main__":
    raise SystemExit(main())

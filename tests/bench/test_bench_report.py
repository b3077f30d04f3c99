"""`python -m bench`: suites run as processes, their figures land in one table with computed
verdicts and ratios; a failed, silent or stale suite is reported as such, never as figures."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench._figures import Figure, figure

FAKE_SUITE = '''
import argparse, json, sys, time
parser = argparse.ArgumentParser()
parser.add_argument("--out")
parser.add_argument("--quick", action="store_true")
parser.add_argument("--profile", action="store_true")
args = parser.parse_args()
MODE = {mode!r}
if MODE == "sleep":
    time.sleep(30)
if MODE in ("ok", "missed-exit-1"):
    figures = [
        {{"key": "t.fast", "area": "QR", "what": "fast thing", "value": 2.0, "unit": "ms", "better": "lower",
          "budget": 3.0, "anchor": 35.0, "anchor_name": "raw pyzbar", "note": "quick" if args.quick else None,
          "verdict": "met", "ratio": 17.5}},
        {{"key": "t.ratio", "area": "Sync", "what": "ratio | piped", "value": 0.5, "unit": "×", "better": "higher",
          "budget": 10.0, "verdict": "missed", "ratio": None}},
    ]
    json.dump({{"figures": figures, "params": {{"quick": args.quick}},
                "findings": ["the emulator bounds it"]}}, open(args.out, "w"))
print("progress line from the suite", flush=True)
sys.exit(1 if MODE == "missed-exit-1" else 0)
'''


def test_verdict_and_ratio_are_computed_from_the_figures() -> None:
    fast = Figure("k", "QR", "decode", 2.0, "ms", budget=3.0, anchor=35.0)
    assert (fast.verdict, round(fast.ratio or 0, 2)) == ("met", 17.5)
    slow = Figure("k", "QR", "decode", 4.0, "ms", budget=3.0, anchor=2.0)
    assert slow.verdict == "missed" and slow.ratio == 0.5
    throughput = Figure("k", "Sync", "items/s", 86.0, "items/s", better="higher", budget=None, anchor=172.0)
    assert throughput.verdict == "no budget" and throughput.ratio == 0.5
    assert Figure("k", "UI", "fps", 24.0, "fps", better="higher", budget=25.0).verdict == "missed"
    assert Figure("k", "UI", "fps", None, "fps", budget=25.0).verdict == "not measured"
    assert figure("k", "UI", "x", 1, "ms")["ratio"] is None


@pytest.fixture
def fake_suites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    package = tmp_path / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for mode in ("ok", "missed-exit-1", "crash", "sleep"):
        (package / f"suite_{mode.replace('-', '_')}.py").write_text(textwrap.dedent(FAKE_SUITE.format(mode=mode)))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return tmp_path


def suite(name: str, mode: str, timeout: float = 60) -> bench_main.Suite:
    return bench_main.Suite(name, f"fakebench.suite_{mode.replace('-', '_')}", name, timeout, name)


def test_one_table_from_the_suites_with_failures_reported(fake_suites: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = fake_suites / "out"
    out.mkdir()
    (out / "crashing.json").write_text(json.dumps({"figures": [{"key": "stale", "value": 1}]}))  # an old run's
    monkeypatch.setattr(bench_main, "SUITES", [suite("good", "ok"), suite("exit1", "missed-exit-1"),
                                              suite("crashing", "crash"), suite("slow", "sleep", timeout=5),
                                              suite("skipped", "ok")])
    markdown = fake_suites / "PERFORMANCE.md"
    code = bench_main.main(["--quick", "--only", "good,exit1,crashing,slow", "--out-dir", str(out),
                            "--markdown", str(markdown)])
    assert code == 1                                          # two suites gave no figures

    summary = json.loads((out / "bench.json").read_text())
    status = {r["suite"]: (r["status"], r.get("error", "")) for r in summary["suites"]}
    assert status["good"] == ("ok", "")
    assert status["exit1"][0] == "ok"                         # a missed budget is a finding, not a failure
    assert status["crashing"][0] == "failed" and "no result file" in status["crashing"][1]
    assert status["slow"][0] == "failed" and "timed out" in status["slow"][1]   # quick: a fifth of 5 s
    assert summary["not_run"] == ["skipped"] and summary["mode"] == "quick"
    keys = [f["key"] for f in summary["figures"]]
    assert keys.count("t.fast") == 2 and "stale" not in keys
    assert summary["budgets"] == {"met": 2, "missed": 2}
    assert {f["note"] for f in summary["figures"] if f["key"] == "t.fast"} == {"quick"}   # --quick reached them

    printed = capsys.readouterr().out
    assert "    progress line from the suite" in printed       # the suites' progress is shown as it comes
    assert "✗ MISSED" in printed and "suite crashing FAILED" in printed

    text = markdown.read_text()
    assert "| QR | fast thing | 2.00 ms | ≤ 3.00 ms | raw pyzbar: 35.0 ms | 17.50× | ✓ met |" in text
    assert "ratio \\| piped" in text                          # a table cell cannot break the table
    assert "the emulator bounds it (good)" in text
    assert "## Machine" in text and "FAILED: timed out" in text
    assert json.loads((fake_suites / "performance.json").read_text())["figures"] == summary["figures"]


def test_quick_and_partial_runs_do_not_overwrite_the_committed_report(fake_suites: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Path] = []
    monkeypatch.setattr(bench_main, "SUITES", [suite("good", "ok")])
    monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: written.append(self) or 0)
    assert bench_main.main(["--quick", "--out-dir", str(fake_suites / "q")]) == 0
    assert all(p.name == "bench.json" for p in written)
    with pytest.raises(SystemExit):
        bench_main.main(["--only", "nosuch"])

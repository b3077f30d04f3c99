"""The one table of `python -m bench`: figures of every suite with budget, anchor, ratio, verdict.

Everything here is computed from the suites' result files of one run; nothing is typed in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import os
from pathlib import Path
from typing import Any

from bench._common import machine, source_state

AREAS = ["QR", "Sync", "Rules and store", "UI"]
VERSIONS = ["PySide6-Essentials", "zxing-cpp", "pyzbar", "opencv-python-headless", "httpx", "cel-python",
            "SQLAlchemy", "sqlcipher3", "cryptography"]
DESIGN_REF = "DESIGN §7"


def summarise(runs: list[dict[str, Any]], *, quick: bool, wall_s: float, not_run: list[str]) -> dict[str, Any]:
    figures: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for run in runs:
        result = run.pop("result", None) or {}
        for item in result.get("figures", []):
            if isinstance(item, dict) and "key" in item:
                figures.append({**item, "suite": run["suite"]})
        for text in result.get("findings", []) or []:
            findings.append({"suite": run["suite"], "text": str(text)})
        run["params"] = result.get("params")
    order = {area: i for i, area in enumerate(AREAS)}
    figures.sort(key=lambda f: order.get(f.get("area", ""), len(AREAS)))
    counts = {v: sum(1 for f in figures if f.get("verdict") == v) for v in ("met", "missed")}
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if quick else "full",
        "wall_s": round(wall_s, 1),
        "source": source_state(),
        "machine": describe_machine(),
        "suites": runs,
        "not_run": not_run,
        "budgets": counts,
        "figures": figures,
        "findings": findings,
    }


def describe_machine() -> dict[str, Any]:
    info = machine()
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError):
        info["os"] = next((line.split("=", 1)[1].strip().strip('"') for line in
                           Path("/etc/os-release").read_text().splitlines() if line.startswith("PRETTY_NAME=")), None)
    versions = {}
    for name in VERSIONS:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    info["versions"] = versions
    info["loadavg_now"] = [round(x, 2) for x in os.getloadavg()]
    return info


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    magnitude = abs(value)
    digits = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 3
    text = f"{value:,.{digits}f}"
    return f"{text}{unit}" if unit in ("×", "%") else f"{text} {unit}"


def _budget(f: dict[str, Any]) -> str:
    if f.get("budget_text"):
        return str(f["budget_text"])
    if f.get("budget") is None:
        return ""
    sign = "≤" if f.get("better", "lower") == "lower" else "≥"
    return f"{sign} {_number(f['budget'], f['unit'])}"


def _anchor(f: dict[str, Any]) -> str:
    if f.get("anchor") is None:
        return ""
    name = f.get("anchor_name") or "anchor"
    return f"{name}: {_number(f['anchor'], f['unit'])}"


def _ratio(f: dict[str, Any]) -> str:
    return "" if f.get("ratio") is None else f"{f['ratio']:.2f}×"


VERDICT = {"met": "✓ met", "missed": "✗ MISSED", "no budget": "", "not measured": "not measured"}


def rows(summary: dict[str, Any]) -> list[tuple[str, ...]]:
    return [(f.get("area", ""), f.get("what", f["key"]), _number(f.get("value"), f.get("unit", "")), _budget(f),
             _anchor(f), _ratio(f), VERDICT.get(f.get("verdict", ""), f.get("verdict", "")))
            for f in summary["figures"]]


HEADER = ("area", "figure", "measured", "budget", "anchor (same run)", "ratio", "verdict")


def render_text(summary: dict[str, Any]) -> str:
    table = rows(summary)
    if not table:
        return "no figures"
    caps = (16, 70, 14, 34, 40, 8, 10)   # a terminal line; the Markdown report has the whole texts
    widths = [min(cap, max(len(r[i]) for r in [HEADER, *table])) for i, cap in enumerate(caps)]
    lines = []
    for r in [HEADER, tuple("-" * w for w in widths), *table]:
        cells = [(c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(r, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    b = summary["budgets"]
    lines.append("")
    lines.append(f"{summary['mode']} run, {summary['wall_s']:.0f} s; budgets met {b['met']}, missed {b['missed']}; "
                 f"{_machine_line(summary['machine'])}")
    for run in summary["suites"]:
        if run["status"] != "ok":
            lines.append(f"suite {run['suite']} FAILED: {run.get('error')}")
    if summary["not_run"]:
        lines.append(f"not run: {', '.join(summary['not_run'])}")
    return "\n".join(lines)


def _machine_line(m: dict[str, Any]) -> str:
    cpu = m.get("cpu_model", "?")
    return (f"{m.get('cpu_count')} × {cpu}, {m.get('memory_gib', '?')} GiB, Python {m.get('python')}, "
            f"load {'/'.join(f'{x:.2f}' for x in m.get('loadavg_at_start', []))} at start")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: dict[str, Any]) -> str:
    m, src = summary["machine"], summary["source"]
    out = [
        "# Performance",
        "",
        f"Generated by `python -m bench{' --quick' if summary['mode'] == 'quick' else ''}` on "
        f"{summary['generated_at'][:10]} at commit `{src.get('commit', '?')}`"
        + (f" ({src['uncommitted_files_in_code']} uncommitted files in the code)"
           if src.get("uncommitted_files_in_code") else "")
        + f", {summary['wall_s'] / 60:.0f} min. Budgets are those of {DESIGN_REF}; every anchor is measured in the "
        "same run as the figure it is compared with, and every ratio is computed from those two figures "
        "(> 1× means we are faster or better than the anchor). Do not edit by hand: rerun the command. "
        "What each suite measures, and how: [bench/README.md](../bench/README.md).",
        "",
        f"**Budgets met: {summary['budgets']['met']}; missed: {summary['budgets']['missed']}.**",
        "",
        "## The budgets",
        "",
        "Every figure held to a DESIGN §7 budget, in this run:",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] * len(HEADER)) + "|",
    ]
    budgeted = {**summary, "figures": [f for f in summary["figures"] if f.get("verdict") in ("met", "missed")]}
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows(budgeted)]
    out += ["", "## All figures", "",
            "| " + " | ".join(HEADER) + " |",
            "|" + "|".join(["---"] * len(HEADER)) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows(summary)]
    notes = [f for f in summary["figures"] if f.get("note")]
    if notes:
        out += ["", "### Notes on the figures", ""]
        out += [f"- **{_cell(f.get('what', f['key']))}** — {_cell(str(f['note']))}" for f in notes]
    missed = [f for f in summary["figures"] if f.get("verdict") == "missed"]
    if missed or summary["findings"]:
        out += ["", "## Missed budgets and what the suites found", ""]
        out += [f"- ✗ {_cell(f.get('what', f['key']))}: {_number(f.get('value'), f['unit'])} against "
                f"{_budget(f)}." for f in missed]
        out += [f"- {_cell(x['text'])} ({x['suite']})" for x in summary["findings"]]
    out += ["", "## Machine", ""]
    out += [
        f"- CPU: {m.get('cpu_count')} × {m.get('cpu_model', '?')} ({m.get('machine', '?')}); memory "
        f"{m.get('memory_gib', '?')} GiB; {m.get('os') or m.get('platform')}",
        f"- {m.get('implementation', 'CPython')} {m.get('python')}; SQLCipher {m.get('sqlcipher')} "
        f"(SQLite {m.get('sqlite')})",
        "- " + ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items()),
        f"- Load average (1/5/15 min) when the report was written: "
        f"{' / '.join(str(x) for x in m.get('loadavg_now', []))}; per suite below. The machine may be "
        "shared: other processes' CPU use shows as slower figures, most in the UI stall probe.",
    ]
    out += ["", "## Suites of this run", "", "| suite | status | wall | load before → after (1 min) | command |",
            "|---|---|---|---|---|"]
    for run in summary["suites"]:
        status = run["status"] if run["status"] == "ok" else f"FAILED: {run.get('error', '')}"
        out.append(f"| {run['suite']} | {_cell(status)} | {run['wall_s']:.0f} s | "
                   f"{run['loadavg_before'][0]} → {run['loadavg_after'][0]} | `{_cell(run['command'])}` |")
    if summary["not_run"]:
        out += ["", f"Not run: {', '.join(summary['not_run'])}."]
    out.append("")
    return "\n".join(out)

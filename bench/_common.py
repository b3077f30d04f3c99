"""Shared by the core benchmarks: machine facts, timing summaries, result files, a fresh device.

Nothing here logs personal data: benchmarks print counts, timings and ratios only.
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(samples_s: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in samples_s]
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(percentile(ms, 95), 3),
            "mean_ms": round(statistics.fmean(ms), 3), "min_ms": round(min(ms), 3),
            "max_ms": round(max(ms), 3), "runs": len(ms)}


def sqlcipher_version() -> dict[str, str]:
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    try:
        cipher = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    return {"sqlcipher": cipher[0] if cipher else "?", "sqlite": sqlcipher3.sqlite_version}


def machine() -> dict[str, Any]:
    """What the figures were measured on (other work on the machine shows in the load average)."""
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        **sqlcipher_version(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        info["loadavg_at_start"] = os.getloadavg()
    return info


def source_state() -> dict[str, Any]:
    """Which code was measured: HEAD, and whether app/ sync/ mosip_emulator/ resources/ had
    uncommitted changes (others work in the same tree)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10,
                                  check=False).stdout.strip()
        except OSError:
            return ""

    dirty = git("status", "--porcelain", "--", "app", "sync", "mosip_emulator", "resources")
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted_files_in_code": len(dirty.splitlines())}


def write_result(name: str, result: dict[str, Any], out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "source": source_state(), **result}
    with contextlib.suppress(OSError):
        result.setdefault("machine", {})["loadavg_at_end"] = os.getloadavg()
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def print_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("{:<" + str(w) + "}" for w in widths)
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*(str(c) for c in row)))


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default), from /proc on Linux."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15)


@contextlib.contextmanager
def timed() -> Iterator[dict[str, float]]:
    out: dict[str, float] = {}
    t0, c0 = time.perf_counter(), cpu_seconds()
    try:
        yield out
    finally:
        out["wall_s"] = time.perf_counter() - t0
        out["cpu_s"] = cpu_seconds() - c0


def new_device(data_dir: Path, country_dir: Path | None = None) -> Any:
    """A fresh encrypted device as `crvs-field init` makes it: an admin's key slot, whose admin key
    signs the device's MOSIP ids (checked at every register action), and an agent key file."""
    from app.device import Device

    os.environ.pop("CRVS_FIELD_DB_KEY", None)
    return Device.initialise(data_dir, country_dir, admin="bench-admin", pin="bench-admin-2026")


def declaration(n: int, identity: dict[str, Any], *, child_dob: str) -> dict[str, str]:
    """A complete Farajaland birth declaration whose mother is emulator identity `identity`.
    The child's name is synthetic; the mother's data are the emulator's fixtures."""
    values = {
        "child.firstname": f"Child{n}", "child.surname": "Bench", "child.gender": "male" if n % 2 else "female",
        "child.dob": child_dob, "informant.relation": "mother",
        "mother.nid": identity["uin"], "mother.firstname": identity["given_name"]["eng"],
        "mother.surname": identity["family_name"]["eng"], "mother.dob": identity["dob"].replace("/", "-"),
        "mother.gender": "female", "father.details_available": "no",
    }
    if identity["middle_name"]["eng"]:
        values["mother.middlename"] = identity["middle_name"]["eng"]
    return values


def mothers() -> list[dict[str, Any]]:
    from mosip_emulator.fixtures import load_identities

    def age(identity: dict[str, Any]) -> int:
        born = dt.date.fromisoformat(identity["dob"].replace("/", "-"))
        today = dt.date.today()
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    # the countries' plausibility checks hold a mother to 10-60 at the birth and ask to confirm over 50
    return [i for i in load_identities() if i["gender"]["eng"] == "Female" and i["status"] == "ACTIVATED"
            and 12 <= age(i) <= 49]


def profile_split(profiler: cProfile.Profile, top: int = 12) -> dict[str, float]:
    """Share of own (tottime) profile time per package: sqlalchemy, celpy, sqlcipher calls, app…"""
    totals: dict[str, float] = {}
    for (filename, _, function), (_, _, tottime, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            key = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename.startswith("~"):
            key = "sqlcipher3 (C)" if "sqlcipher3" in function else "builtins"
        elif f"{Path.cwd()}/" in filename:
            key = filename.replace(f"{Path.cwd()}/", "").split("/", 1)[0]
        else:
            key = "stdlib"
        totals[key] = totals.get(key, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return {k: round(v / whole * 100, 1) for k, v in ranked}


def profile_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line.replace(str(Path.cwd()) + "/", "") for line in lines[start:start + 32]]


def profile_report(profiler: cProfile.Profile) -> dict[str, Any]:
    """Top entries by cumulative and by own time, and the own-time split per package."""
    out: dict[str, Any] = {"split_by_package_percent": profile_split(profiler)}
    for key, order, count in (("top_cumulative", "cumulative", 30), ("top_tottime", "tottime", 20)):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(count)
        out[key] = profile_lines(stream.getvalue())
    return out

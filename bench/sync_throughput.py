"""Sync throughput: queued IDA verifications drained by the sync agent vs a sequential
mosip-auth-sdk loop, against the same local emulator in the same run (DESIGN §7: ≥ 10×).

    python -m bench.sync_throughput [--count 600] [--concurrency N] [--bare-worker]
    python -m bench.sync_throughput --count 5000          # the DESIGN size
    python -m bench.sync_throughput --latency-ms 50       # with a WAN-like round trip to MOSIP

Set-up (not timed): a `EmulatorServer` (no faults, credential delay 0) in a process of its own —
so client and server each have their GIL, as a device and MOSIP would; a fresh encrypted device
linked to it (the country's demo partner registered, credentials in the device's secret store);
`--count` Farajaland birth declarations, each queueing one IDA demographic verification of the
mother (name, date of birth, gender) — emulator fixtures, so every one must succeed.

Timed, in ABBA order so a change of machine load hits both sides alike (half the items each):
- agent: `SyncAgent.drain()` — the agent's `OutboxWorker` (lease a batch → async httpx with the
  country's `max_concurrency` → verify the signed answer → record the result and complete the
  outbox item in one SQLCipher transaction), progress published to the status hub as in the app;
- sdk: MOSIP's own client (mosip-auth-sdk 0.5.4, its own venv, a subprocess) authenticating the
  very same identities with the very same demographics one after the other; only its loop is
  timed (inside the subprocess).
CPU seconds of each process are measured per phase (/proc for the emulator), which shows whether
the emulator or the client is the bottleneck on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import (
    ROOT,
    cpu_seconds,
    declaration,
    machine,
    mothers,
    print_table,
    profile_report,
    write_result,
)

BUDGET_RATIO = 10.0
SDK_PYTHON = ROOT / ".venv-mosip-auth-sdk" / "bin" / "python"
SDK_SCRIPT = Path(__file__).resolve().parent / "sdk" / "auth_loop.py"


class EmulatorProcess:
    def __init__(self, state_dir: Path, ida_threads: int = 0, latency_ms: float = 0):
        command = [sys.executable, "-m", "bench._emulator_proc", str(state_dir)]
        if latency_ms:
            command += ["--fault", f"latency={latency_ms:g}ms,path=/idauthentication"]
        if ida_threads:
            command += ["--ida-threads", str(ida_threads)]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process did not start")
        info = json.loads(line)
        self.base_url: str = info["base_url"]
        self.pid: int = info["pid"]

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def link_device(data_dir: Path, base_url: str) -> tuple[Any, dict[str, Any]]:
    """A fresh device pointed at the emulator (what `crvs-field demo` and the sync tests do)."""
    from app.emulator_link import emulator_environment, fetch_client_config, link_device
    from app.security.secrets import SecretStore
    from bench._common import new_device

    config = fetch_client_config(base_url)
    os.environ.update(emulator_environment(base_url, config, callback_port=9))  # no WebSub here
    os.environ["CRVS_DEMO_WEBSUB_SECRET"] = "websub-secret-for-bench"
    device = new_device(data_dir)
    from app.records import Actor, Role

    link_device(device.country, SecretStore(device.db), base_url, config, actor=Actor("root", Role.ADMIN))
    return device, config


def declare(device: Any, start: int, count: int) -> list[dict[str, Any]]:
    """`count` declarations (numbered from `start`); returns their frozen IDA payloads."""
    import datetime as dt

    from sqlmodel import col, select

    from app.records import Actor, Role
    from app.store.models import OutboxItem

    agent = Actor("ana", Role.AGENT)
    people = mothers()
    child_dob = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    ids = [device.records.declare(agent, event="birth", data=declaration(n, people[n % len(people)],
                                                                         child_dob=child_dob)).id
           for n in range(start, start + count)]
    with device.db.read() as session:
        items = session.exec(select(OutboxItem).where(col(OutboxItem.record_id).in_(ids),
                                                      OutboxItem.kind == "verify")).all()
    assert len(items) == count, (len(items), count)
    return [dict(item.payload) for item in items]


def run_agent(device: Any, emulator: EmulatorProcess, concurrency: int | None, bare: bool,
              profiler: cProfile.Profile | None = None) -> dict[str, Any]:
    from app.mosip.settings import load_settings
    from app.outbox import Backoff, OutboxLedger
    from app.security.secrets import SecretStore
    from sync.agent import SyncAgent
    from sync.worker import OutboxWorker

    settings = load_settings(device.country, SecretStore(device.db))
    cfg = device.country.config.sync
    agent = SyncAgent(device.records, device.country, settings, websub=False)
    if concurrency:
        agent.worker.max_concurrency = concurrency
    worker = agent.worker
    if bare:  # the worker alone, without the agent's progress publishing
        worker = OutboxWorker(device.records, OutboxLedger(device.db), settings, max_concurrency=concurrency
                              or cfg.max_concurrency, max_attempts=cfg.max_attempts,
                              backoff=Backoff(cfg.backoff_base_seconds, cfg.backoff_max_seconds),
                              lease_seconds=cfg.lease_seconds)
    emu0, cpu0, t0 = emulator.cpu(), cpu_seconds(), time.perf_counter()
    if profiler:
        profiler.enable()
    summary = asyncio.run(worker.drain()) if bare else agent.drain()
    wall = time.perf_counter() - t0
    if profiler:
        profiler.disable()
    cpu, emu = cpu_seconds() - cpu0, emulator.cpu() - emu0
    assert summary is not None, "the drain failed (see the log)"
    return {"items": summary.sent, "verified": summary.verified, "failed": summary.failed,
            "retried": summary.retried, "quarantined": summary.quarantined, "alert": summary.alert,
            "wall_s": wall, "client_cpu_s": cpu, "emulator_cpu_s": emu,
            "concurrency": worker.max_concurrency}


def run_sdk(config: dict[str, Any], payloads: list[dict[str, Any]], first_txn: int, tmp: Path,
            emulator: EmulatorProcess, timeout: float) -> dict[str, Any]:
    ida = config["ida"]
    requests = [{"individual_id": p["individual_id"], "id_type": p["individual_id_type"],
                 "txn_id": f"SDK{first_txn + n:07d}", "demographics": p["demographics"]}
                for n, p in enumerate(payloads)]
    sdk_config = {
        "auth_url": ida["auth_url"].rsplit("/auth", 1)[0] + "/", "domain_uri": ida["domain_uri"],
        "partner_id": ida["partner_id"], "misp_license_key": ida["misp_license_key"], "api_key": ida["api_key"],
        "ida_cert_path": ida["encryption_certificate_path"], "sign_p12": ida["partner_signing_p12_path"],
        "decrypt_p12": config["websub"]["partner_encryption_p12_path"], "p12_password": ida["p12_password"],
        "requests": requests,
    }
    path = tmp / f"sdk-{first_txn}.json"
    path.write_text(json.dumps(sdk_config), "utf-8")
    emu0 = emulator.cpu()
    out = subprocess.run([str(SDK_PYTHON), str(SDK_SCRIPT), str(path)], capture_output=True, text=True,
                         timeout=timeout, check=False)
    emu = emulator.cpu() - emu0  # includes the subprocess's start-up (no requests then): an upper bound
    path.unlink()
    if out.returncode != 0:
        raise RuntimeError(f"mosip-auth-sdk loop failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"items": result["requests"], "verified": result["auth_ok"], "http_errors": result["http_errors"],
            "error_codes": result["error_codes"], "wall_s": result["wall_s"], "client_cpu_s": result["cpu_s"],
            "emulator_cpu_s_upper_bound": emu}


def _rate(phases: list[dict[str, Any]]) -> dict[str, Any]:
    items = sum(p["items"] for p in phases)
    wall = sum(p["wall_s"] for p in phases)
    client = sum(p["client_cpu_s"] for p in phases)
    emu = sum(p.get("emulator_cpu_s", p.get("emulator_cpu_s_upper_bound", 0.0)) for p in phases)
    return {"items": items, "verified": sum(p["verified"] for p in phases), "wall_s": round(wall, 3),
            "items_per_s": round(items / wall, 2) if wall else None,
            "client_cpu_ms_per_item": round(client / items * 1000, 3) if items else None,
            "emulator_cpu_ms_per_item": round(emu / items * 1000, 3) if items else None,
            "client_cpu_share_of_wall": round(client / wall, 3) if wall else None,
            "emulator_cpu_share_of_wall": round(emu / wall, 3) if wall else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=600, help="verifications per side (DESIGN: 5,000)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="override the country's sync.max_concurrency (Farajaland: 8)")
    parser.add_argument("--bare-worker", action="store_true",
                        help="drain with an OutboxWorker without the agent's progress publishing")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="the emulator delays each IDA answer this long (a WAN round trip; both sides alike)")
    parser.add_argument("--ida-threads", type=int, default=0, help="the emulator's --ida-threads")
    parser.add_argument("--profile", action="store_true", help="cProfile the agent's drains; summary in the JSON")
    parser.add_argument("--stub-sniffio", action="store_true",
                        help="diagnosis: give httpcore a stand-in `sniffio` module (the venv has none, so httpcore "
                             "retries a failing `import sniffio` on every lock it takes)")
    parser.add_argument("--sdk-timeout", type=float, default=1800)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not SDK_PYTHON.exists():
        print(f"no mosip-auth-sdk venv at {SDK_PYTHON} (scripts/dev sets it up)", file=sys.stderr)
        return 2

    import logging

    if args.stub_sniffio:
        stub_sniffio()
    logging.getLogger("crvs_field").setLevel(logging.WARNING)
    result: dict[str, Any] = {"machine": machine(),
                              "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    half = args.count // 2
    segments = [half, args.count - half]
    phases: dict[str, list[dict[str, Any]]] = {"agent": [], "sdk": []}
    order: list[str] = []
    profiler = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp_name:
        tmp = Path(tmp_name)
        emulator = EmulatorProcess(tmp / "emulator", args.ida_threads, args.latency_ms)
        try:
            device, config = link_device(tmp / "device", emulator.base_url)
            try:
                t0 = time.perf_counter()
                declared = 0
                for index, size in enumerate(segments):
                    t_declare = time.perf_counter()
                    payloads = declare(device, declared, size)
                    result.setdefault("declare_s", []).append(round(time.perf_counter() - t_declare, 3))
                    sides = ["agent", "sdk"] if index % 2 == 0 else ["sdk", "agent"]  # ABBA
                    for side in sides:
                        load = os.getloadavg()[0]
                        if side == "agent":
                            phase = run_agent(device, emulator, args.concurrency, args.bare_worker, profiler)
                        else:
                            phase = run_sdk(config, payloads, declared, tmp, emulator, args.sdk_timeout)
                        phase["loadavg_1m_before"] = load
                        phases[side].append(phase)
                        order.append(f"{side}:{size}")
                        print(f"  {side:5s} {size:5d} items  {phase['wall_s']:.2f} s", flush=True)
                    declared += size
                result["elapsed_s"] = round(time.perf_counter() - t0, 1)
                counters = emulator_counters(emulator.base_url)
            finally:
                device.close()
        finally:
            emulator.stop()

    agent, sdk = _rate(phases["agent"]), _rate(phases["sdk"])
    ratio = agent["items_per_s"] / sdk["items_per_s"] if sdk["items_per_s"] else None
    if profiler:
        result["agent_profile"] = profile_report(profiler)
    result.update({"order": order, "phases": phases, "agent": agent, "sdk": sdk,
                   "ratio": round(ratio, 2) if ratio else None, "budget_ratio": BUDGET_RATIO,
                   "ratio_ok": bool(ratio and ratio >= BUDGET_RATIO), "emulator_ida_requests": counters})
    # equivalent work: every verification on both sides succeeded, nothing retried or quarantined
    assert agent["verified"] == args.count and sdk["verified"] == args.count, (agent, sdk)
    assert all(p["retried"] == 0 and p["quarantined"] == 0 and p["failed"] == 0 for p in phases["agent"])
    path = write_result("sync_throughput", result, args.out)

    print_table([
        ("agent (OutboxWorker, async, concurrency "
         f"{phases['agent'][0]['concurrency']})", str(agent["items"]), f"{agent['wall_s']:.2f}",
         f"{agent['items_per_s']:.1f}", f"{agent['client_cpu_ms_per_item']:.2f}",
         f"{agent['emulator_cpu_ms_per_item']:.2f}"),
        ("mosip-auth-sdk 0.5.4, sequential", str(sdk["items"]), f"{sdk['wall_s']:.2f}",
         f"{sdk['items_per_s']:.1f}", f"{sdk['client_cpu_ms_per_item']:.2f}",
         f"≤ {sdk['emulator_cpu_ms_per_item']:.2f}"),
    ], ("side", "items", "wall s", "items/s", "client CPU ms/item", "emulator CPU ms/item"))
    print(f"ratio {result['ratio']}× (budget ≥ {BUDGET_RATIO:.0f}×); machine: {os.cpu_count()} CPUs")
    print(f"results: {path}")
    return 0


def stub_sniffio() -> None:
    """httpcore calls `import sniffio` whenever it creates or takes a lock; without the package every
    call is a failed import that searches sys.path (~0.1 ms). This stand-in answers as sniffio would
    under asyncio, for this process only — to measure what the missing package costs."""
    import types

    if "sniffio" in sys.modules:
        return
    module = types.ModuleType("sniffio")
    module.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
    sys.modules["sniffio"] = module


def emulator_counters(base_url: str) -> dict[str, int]:
    """How many IDA requests the emulator saw (a total, no identifiers)."""
    import httpx

    try:
        state = httpx.get(f"{base_url}/admin/state", timeout=30)
        if state.status_code != 200:
            return {}
        data = state.json().get("counters") or {}
    except (httpx.HTTPError, ValueError, AttributeError):
        return {}
    ida = data.get("ida_requests") if isinstance(data, dict) else None
    if not isinstance(ida, dict):
        return {}
    return {"ida_requests_total": sum(ida.values()), "transactions": len(ida),
            "transactions_sent_more_than_once": sum(1 for n in ida.values() if n > 1)}


if __name__ == "__main__":
    raise SystemExit(main())

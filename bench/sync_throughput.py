"""Sync throughput: queued IDA verifications drained by the sync agent vs a sequential
mosip-auth-sdk loop, against the same local emulator in the same run (DESIGN §7: ≥ 10×).

    python -m bench.sync_throughput --quick            # 400 per side, ≲ 80 s on 2 quiet cores
    python -m bench.sync_throughput                    # the DESIGN size: 5,000 per side
    python -m bench.sync_throughput --count 2000 --profile --out PATH
    python -m bench.sync_throughput --latency-ms 50    # the whole run with a WAN-like round trip

Set-up (not timed): a `EmulatorServer` (no faults, credential delay 0) in a process of its own —
so client and server each have their GIL, as a device and MOSIP would; a fresh encrypted device
linked to it (the country's demo partner registered, credentials in the device's secret store);
`--count` Farajaland birth declarations, each queueing one IDA demographic verification of the
mother (name, date of birth, gender) — emulator fixtures, so every one must succeed.

Timed, in ABBA order so a change of machine load hits both sides alike (half the items each):
- agent: `SyncAgent.drain()` in a process of its own (as `crvs-field sync --once` runs it: the
  device opened with its agent key) — the agent's `OutboxWorker` (lease a batch → async httpx with
  the country's `max_concurrency` → verify the signed answer → outcomes committed in groups, each
  with its outbox completion, record change and audit event), progress published to the status
  hub as in the app. Its peak RSS is that process's `ru_maxrss` (imports + open device + drain).
  Latency per verification: from the IDA request being built and sent to its outcome committed.
- sdk: MOSIP's own client (mosip-auth-sdk 0.5.4, its own venv, a subprocess) authenticating the
  very same identities with the very same demographics one after the other; only its loop is
  timed (inside the subprocess); latency per `auth()` call.
CPU seconds of each process are measured per phase (/proc for the emulator), which shows whether
the emulator or the client is the bottleneck on this machine.

Then, untimed against the budget: a WAN segment (`--wan-count` per side with a `--wan-ms` delay on
every IDA answer: the ratio when the round trip is not free), and with `--profile` an extra agent
drain sampled by py-spy, whose CPU is split into: IDA request/answer (our crypto + JSON), HTTP
(httpx/httpcore/h11/anyio and the event loop's socket work), database (lease, outcome commits,
audit), the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench._common import (
    ROOT,
    cpu_seconds,
    declaration,
    machine,
    mothers,
    percentile,
    print_table,
    write_result,
)
from bench._figures import figure

BUDGET_RATIO = 10.0
QUICK_COUNT, FULL_COUNT = 400, 5000
SDK_PYTHON = ROOT / ".venv-mosip-auth-sdk" / "bin" / "python"
SDK_SCRIPT = Path(__file__).resolve().parent / "sdk" / "auth_loop.py"
PY_SPY = Path(sys.executable).with_name("py-spy")
SDK_NAME = "mosip-auth-sdk 0.5.4 sequential loop"


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
    from app.security.secrets import SecretStore
    from bench._common import new_device
    from crvs_field.emulator_link import emulator_environment, fetch_client_config, link_device

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


# ---------------------------------------------------------------------------------------- agent side


def run_agent(data_dir: Path, emulator: EmulatorProcess, concurrency: int | None, bare: bool,
              profile_to: Path | None = None) -> dict[str, Any]:
    """One drain in a process of its own; its peak RSS from wait4. With `profile_to`, under py-spy
    (raw stacks written there; py-spy's own start-up is not in the drain's timings)."""
    command = [sys.executable, "-m", "bench.sync_throughput", "--drain-child", str(data_dir),
               "--emulator-pid", str(emulator.pid)]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    if bare:
        command.append("--bare-worker")
    if profile_to is not None:
        command = [str(PY_SPY), "record", "--nonblocking", "-r", "250", "-f", "raw", "-o", str(profile_to),
                   "--", *command]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate() if profile_to is not None else (None, None)
    if profile_to is None:  # not under py-spy: reap it ourselves for its rusage
        assert proc.stdout is not None and proc.stderr is not None
        out, err = proc.stdout.read(), proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_rss_mib: float | None = usage.ru_maxrss / 1024  # KiB on Linux
    else:
        peak_rss_mib = None
    lines = [line for line in (out or "").splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the agent's drain failed ({proc.returncode}): {(err or '')[-2000:]}")
    result = json.loads(lines[-1])
    result["peak_rss_mib"] = round(peak_rss_mib, 1) if peak_rss_mib else None
    return result


def drain_child(args: argparse.Namespace) -> int:
    """The agent's process: open the device with its agent key, drain once, print one JSON line."""
    import logging

    from app.delivery import DeliveryOutcomes
    from app.device import Device
    from app.mosip import ida
    from app.mosip.settings import load_settings
    from app.outbox import Backoff, OutboxLedger
    from app.security.secrets import SecretStore
    from sync.agent import SyncAgent
    from sync.worker import OutboxWorker

    logging.getLogger("crvs_field").setLevel(logging.WARNING)
    device = Device.open(Path(args.drain_child))
    settings = load_settings(device.country, SecretStore(device.db))
    cfg = device.country.config.sync
    agent = SyncAgent(device.records, device.country, settings, websub=False)
    if args.concurrency:
        agent.worker.max_concurrency = args.concurrency
    worker = agent.worker
    if args.bare_worker:  # the worker alone, without the agent's progress publishing
        worker = OutboxWorker(device.records, OutboxLedger(device.db), settings,
                              max_concurrency=args.concurrency or cfg.max_concurrency,
                              max_attempts=cfg.max_attempts,
                              backoff=Backoff(cfg.backoff_base_seconds, cfg.backoff_max_seconds),
                              lease_seconds=cfg.lease_seconds)

    # latency per verification: request built and sent → outcome committed (bench-only wrappers)
    sent: dict[str, float] = {}
    committed: dict[str, float] = {}
    authenticate = ida.IdaClient.authenticate
    commit = DeliveryOutcomes.verifications_answered

    answered: dict[str, float] = {}

    async def timed_authenticate(self: Any, payload: Any, transaction_id: str, now: Any = None) -> Any:
        sent.setdefault(transaction_id, time.perf_counter())
        result = await authenticate(self, payload, transaction_id, now)
        answered[transaction_id] = time.perf_counter()
        return result

    groups: list[int] = []
    writer_cpu = [0.0]  # CPU of the database threads (group commits, leases), from thread_time
    lease = OutboxLedger.lease_due

    def timed_commit(self: Any, group: list[Any]) -> None:
        c0 = time.thread_time()
        commit(self, group)
        writer_cpu[0] += time.thread_time() - c0
        groups.append(len(group))
        at = time.perf_counter()
        for answer in group:
            committed[answer.outcome.transaction_id] = at

    def timed_lease(self: Any, *args: Any, **kwargs: Any) -> Any:
        c0 = time.thread_time()
        try:
            return lease(self, *args, **kwargs)
        finally:
            writer_cpu[0] += time.thread_time() - c0

    ida.IdaClient.authenticate = timed_authenticate  # type: ignore[method-assign]
    DeliveryOutcomes.verifications_answered = timed_commit  # type: ignore[method-assign]
    OutboxLedger.lease_due = timed_lease  # type: ignore[method-assign]

    import asyncio

    rss_before = _vm_hwm_mib()
    emu0, cpu0, t0 = cpu_seconds(args.emulator_pid), cpu_seconds(), time.perf_counter()
    summary = asyncio.run(worker.drain()) if args.bare_worker else agent.drain()
    wall = time.perf_counter() - t0
    cpu, emu = cpu_seconds() - cpu0, cpu_seconds(args.emulator_pid) - emu0
    device.close()
    if summary is None:
        print("the drain failed", file=sys.stderr)
        return 1
    latencies = [round((committed[t] - sent[t]) * 1000, 3) for t in committed if t in sent]
    round_trips = sorted((answered[t] - sent[t]) * 1000 for t in answered if t in sent)
    print(json.dumps({"items": summary.sent, "verified": summary.verified, "failed": summary.failed,
                      "retried": summary.retried, "quarantined": summary.quarantined, "alert": summary.alert,
                      "wall_s": wall, "client_cpu_s": cpu, "emulator_cpu_s": emu,
                      "concurrency": worker.max_concurrency, "vm_hwm_before_drain_mib": rss_before,
                      "db_threads_cpu_s": writer_cpu[0], "commit_groups": len(groups),
                      "request_to_answer_p50_ms": round(percentile(round_trips, 50), 2) if round_trips else None,
                      "request_to_answer_p95_ms": round(percentile(round_trips, 95), 2) if round_trips else None,
                      "mean_group": round(sum(groups) / len(groups), 1) if groups else None,
                      "latencies_ms": latencies}), flush=True)
    return 0


def _vm_hwm_mib() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------------------- SDK side


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
            "emulator_cpu_s_upper_bound": emu, "latencies_ms": result["latencies_ms"]}


# ---------------------------------------------------------------------------------------- summaries


def _rate(phases: list[dict[str, Any]]) -> dict[str, Any]:
    items = sum(p["items"] for p in phases)
    wall = sum(p["wall_s"] for p in phases)
    client = sum(p["client_cpu_s"] for p in phases)
    emu = sum(p.get("emulator_cpu_s", p.get("emulator_cpu_s_upper_bound", 0.0)) for p in phases)
    latencies = [ms for p in phases for ms in p.get("latencies_ms", [])]
    rss = [p["peak_rss_mib"] for p in phases if p.get("peak_rss_mib")]
    return {"items": items, "verified": sum(p["verified"] for p in phases), "wall_s": round(wall, 3),
            "items_per_s": round(items / wall, 2) if wall else None,
            "client_cpu_ms_per_item": round(client / items * 1000, 3) if items else None,
            "emulator_cpu_ms_per_item": round(emu / items * 1000, 3) if items else None,
            "client_cpu_share_of_wall": round(client / wall, 3) if wall else None,
            "emulator_cpu_share_of_wall": round(emu / wall, 3) if wall else None,
            "latency_p50_ms": round(percentile(latencies, 50), 2) if latencies else None,
            "latency_p95_ms": round(percentile(latencies, 95), 2) if latencies else None,
            "latency_max_ms": round(max(latencies), 2) if latencies else None,
            "latencies_measured": len(latencies),
            **({"request_to_answer_p50_ms": round(sum(p["request_to_answer_p50_ms"] for p in phases) / len(phases), 2)}
               if phases and all(p.get("request_to_answer_p50_ms") for p in phases) else {}),
            **({"peak_rss_mib": max(rss)} if rss else {})}


def _strip_latencies(phases: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {side: [{k: v for k, v in p.items() if k != "latencies_ms"} for p in runs]
            for side, runs in phases.items()}


# CPU split of a py-spy profile: the first frame (from the root) that matches decides the category
_CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("ida_crypto", ("build_request (app/mosip/ida.py", "parse_answer (app/mosip/ida.py",
                    "parse_response (app/mosip/ida.py")),
    ("database", ("DeliveryOutcomes.", "RecordWriter.", "OutboxLedger.", "Database.", "RecordService.",
                  "sqlalchemy/", "sqlmodel/", "sqlcipher3")),
    ("http", ("httpx/", "httpcore/", "h11/", "anyio/", "asyncio/selector_events.py",
              "asyncio/streams.py", "ssl.py", "certifi/")),
]
_WAITING = ("_worker (concurrent/futures/thread.py:81)", "select (selectors.py", "wait (threading.py",
            "_wait_for_tstate_lock")
_THREAD = "_WorkItem.run (concurrent/futures/thread.py"


def cpu_split(raw: Path, cpu_s: float, db_threads_cpu_s: float, items: int) -> dict[str, Any]:
    """Per item: the database threads' CPU (group commits and leases, measured with thread_time:
    py-spy cannot tell their fsync and lock waits from work), plus the event loop's CPU split by
    py-spy samples of the drain (stacks under `SyncAgent.drain`/`OutboxWorker.drain`). Loop
    samples whose innermost frame waits (select, an idle pool thread) are counted apart."""
    counts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        if _THREAD in stack:
            counts["database_threads"] += int(n)
            continue
        if not any(m in stack for m in ("OutboxWorker.drain", "SyncAgent.drain")):
            continue
        if any(w in frames[-1] for w in _WAITING):
            counts["waiting"] += int(n)
            continue
        category = "rest"
        for frame in frames:
            found = next((name for name, markers in _CATEGORIES if any(m in frame for m in markers)), None)
            if found:
                category = found
                break
        counts[category] += int(n)
        own[frames[-1].split(" (", 1)[0] + " (" + frames[-1].split(" (", 1)[-1].split(":", 1)[0] + ")"] += int(n)
    loop_samples = sum(counts[k] for k in ("ida_crypto", "http", "database", "rest")) or 1
    loop_ms = max(0.0, cpu_s - db_threads_cpu_s) * 1000 / max(1, items)
    per_item = {k: counts[k] / loop_samples * loop_ms for k in ("ida_crypto", "http", "database", "rest")}
    per_item["database"] += db_threads_cpu_s * 1000 / max(1, items)
    whole = sum(per_item.values()) or 1.0
    return {"samples_event_loop": loop_samples, "samples_waiting": counts["waiting"],
            "samples_database_threads": counts["database_threads"],
            "database_threads_cpu_ms_per_item": round(db_threads_cpu_s * 1000 / max(1, items), 3),
            "ms_per_item": {k: round(v, 3) for k, v in per_item.items()},
            "share_percent": {k: round(v / whole * 100, 1) for k, v in per_item.items()},
            "top_own_frames_event_loop_percent": {k: round(v / loop_samples * 100, 1)
                                                  for k, v in own.most_common(15)}}


# ---------------------------------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_COUNT} per side (≲ 80 s with set-up); default: DESIGN size {FULL_COUNT:,}")
    parser.add_argument("--count", type=int, default=None, help="verifications per side (overrides --quick)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="override the country's sync.max_concurrency (Farajaland: 8)")
    parser.add_argument("--bare-worker", action="store_true",
                        help="drain with an OutboxWorker without the agent's progress publishing")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="the emulator delays each IDA answer this long for the whole run (both sides alike)")
    parser.add_argument("--wan-ms", type=float, default=50, help="round trip of the extra WAN segment")
    parser.add_argument("--wan-count", type=int, default=None,
                        help="verifications per side in the WAN segment (default 150 quick, 500 full; 0: none)")
    parser.add_argument("--ida-threads", type=int, default=0, help="the emulator's --ida-threads")
    parser.add_argument("--profile", action="store_true",
                        help="an extra agent drain under py-spy: CPU split per item into the JSON")
    parser.add_argument("--profile-count", type=int, default=None, help="items in the profiled drain")
    parser.add_argument("--profile-raw", type=Path, default=None, help="keep py-spy's raw stacks there")
    parser.add_argument("--sdk-timeout", type=float, default=1800)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--drain-child", help=argparse.SUPPRESS)
    parser.add_argument("--emulator-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drain_child:
        return drain_child(args)
    count = args.count or (QUICK_COUNT if args.quick else FULL_COUNT)
    wan_count = args.wan_count if args.wan_count is not None else (150 if args.quick else 500)
    if args.latency_ms:
        wan_count = 0  # the whole run is a WAN run already
    profile_count = args.profile_count or 1000
    if not SDK_PYTHON.exists():
        print(f"no mosip-auth-sdk venv at {SDK_PYTHON} (scripts/dev sets it up)", file=sys.stderr)
        return 2
    if args.profile and not PY_SPY.exists():
        print(f"--profile needs py-spy at {PY_SPY} (pip install -e '.[bench]')", file=sys.stderr)
        return 2

    import logging

    logging.getLogger("crvs_field").setLevel(logging.WARNING)
    t_start = time.perf_counter()
    result: dict[str, Any] = {"machine": machine(),
                              "params": {**{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                                            if k not in ("drain_child", "emulator_pid")},
                                         "count": count, "wan_count": wan_count}}
    half = count // 2
    segments = [half, count - half]
    phases: dict[str, list[dict[str, Any]]] = {"agent": [], "sdk": []}
    wan: dict[str, list[dict[str, Any]]] = {"agent": [], "sdk": []}
    order: list[str] = []
    split: dict[str, Any] | None = None
    profiled: dict[str, Any] | None = None
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
                            phase = run_agent(tmp / "device", emulator, args.concurrency, args.bare_worker)
                        else:
                            phase = run_sdk(config, payloads, declared, tmp, emulator, args.sdk_timeout)
                        phase["loadavg_1m_before"] = load
                        phases[side].append(phase)
                        order.append(f"{side}:{size}")
                        print(f"  {side:5s} {size:5d} items  {phase['wall_s']:.2f} s", flush=True)
                    declared += size
                result["elapsed_s"] = round(time.perf_counter() - t0, 1)
                if wan_count:
                    set_ida_latency(emulator.base_url, args.wan_ms)
                    try:
                        payloads = declare(device, declared, wan_count)
                        wan["agent"].append(run_agent(tmp / "device", emulator, args.concurrency,
                                                      args.bare_worker))
                        wan["sdk"].append(run_sdk(config, payloads, declared, tmp, emulator, args.sdk_timeout))
                        declared += wan_count
                        print(f"  WAN {args.wan_ms:g} ms: agent {wan['agent'][0]['wall_s']:.2f} s, "
                              f"sdk {wan['sdk'][0]['wall_s']:.2f} s ({wan_count} items each)", flush=True)
                    finally:
                        set_ida_latency(emulator.base_url, 0)
                if args.profile:
                    declare(device, declared, profile_count)
                    declared += profile_count
                    raw = tmp / "agent.raw"
                    profiled = run_agent(tmp / "device", emulator, args.concurrency, args.bare_worker,
                                         profile_to=raw)
                    split = cpu_split(raw, profiled["client_cpu_s"], profiled["db_threads_cpu_s"],
                                      profiled["items"])
                    if args.profile_raw:
                        args.profile_raw.write_bytes(raw.read_bytes())
                    print(f"  profiled drain {profile_count} items  {profiled['wall_s']:.2f} s", flush=True)
                counters = emulator_counters(emulator.base_url)
            finally:
                device.close()
        finally:
            emulator.stop()

    agent, sdk = _rate(phases["agent"]), _rate(phases["sdk"])
    ratio = agent["items_per_s"] / sdk["items_per_s"] if sdk["items_per_s"] else None
    wan_agent, wan_sdk = (_rate(wan["agent"]), _rate(wan["sdk"])) if wan_count else (None, None)
    wan_ratio = (wan_agent["items_per_s"] / wan_sdk["items_per_s"]
                 if wan_agent and wan_sdk and wan_sdk["items_per_s"] else None)
    if split is not None and profiled is not None:
        per_item = profiled["client_cpu_s"] * 1000 / max(1, profiled["items"])
        split["client_cpu_ms_per_item"] = round(per_item, 3)
        split["emulator_cpu_ms_per_item"] = round(profiled["emulator_cpu_s"] * 1000 / max(1, profiled["items"]), 3)
        split["items"] = profiled["items"]
        split["note"] = ("a separate drain (not one of the timed phases): database = the commit/lease threads' "
                         "CPU (thread_time) + the event loop's database samples; the event loop's CPU "
                         "(process CPU − those threads) split by py-spy --nonblocking samples at 250 Hz")
        result["agent_cpu_split"] = split
    result.update({"order": order, "phases": _strip_latencies(phases), "agent": agent, "sdk": sdk,
                   "ratio": round(ratio, 2) if ratio else None, "budget_ratio": BUDGET_RATIO,
                   "ratio_ok": bool(ratio and ratio >= BUDGET_RATIO), "emulator_ida_requests": counters})
    if wan_count:
        result["wan"] = {"round_trip_ms": args.wan_ms, "agent": wan_agent, "sdk": wan_sdk,
                         "ratio": round(wan_ratio, 2) if wan_ratio else None, "phases": _strip_latencies(wan)}
    # equivalent work: every verification on both sides succeeded, nothing retried or quarantined
    assert agent["verified"] == count and sdk["verified"] == count, (agent, sdk)
    assert all(p["retried"] == 0 and p["quarantined"] == 0 and p["failed"] == 0 for p in phases["agent"])
    result["figures"] = figures(result, count, args)
    result["total_wall_s"] = round(time.perf_counter() - t_start, 1)
    path = write_result("sync_throughput", result, args.out)

    rows = [
        (f"agent (SyncAgent.drain, concurrency {phases['agent'][0]['concurrency']})", agent),
        (SDK_NAME, sdk),
    ]
    if wan_agent and wan_sdk:
        rows += [(f"agent, {args.wan_ms:g} ms round trip", wan_agent), (f"sdk, {args.wan_ms:g} ms round trip", wan_sdk)]
    print_table([(name, str(r["items"]), f"{r['items_per_s']:.1f}", f"{r['client_cpu_ms_per_item']:.2f}",
                  f"{r['emulator_cpu_ms_per_item']:.2f}", f"{r['latency_p50_ms']}", f"{r['latency_p95_ms']}",
                  str(r.get("peak_rss_mib", "")))
                 for name, r in rows],
                ("side", "items", "items/s", "client CPU ms/item", "emulator CPU ms/item", "p50 ms", "p95 ms",
                 "peak RSS MiB"))
    print(f"ratio {result['ratio']}× (budget ≥ {BUDGET_RATIO:.0f}×)"
          + (f"; with {args.wan_ms:g} ms round trip {result['wan']['ratio']}×" if wan_count else "")
          + f"; machine: {os.cpu_count()} CPUs, load {result['machine'].get('loadavg_at_start')}")
    if split is not None:
        print("agent CPU per item (profiled drain): "
              + ", ".join(f"{k} {v:.2f} ms" for k, v in split["ms_per_item"].items())
              + f" of {split['client_cpu_ms_per_item']:.2f} ms; emulator {split['emulator_cpu_ms_per_item']:.2f} ms")
    print(f"results: {path} ({result['total_wall_s']} s)")
    return 0


def figures(result: dict[str, Any], count: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    agent, sdk = result["agent"], result["sdk"]
    where = f"{count:,} per side, loopback emulator{f' +{args.latency_ms:g} ms' if args.latency_ms else ''}"
    concurrency = result["phases"]["agent"][0]["concurrency"]
    out = [
        figure("sync.agent.items_per_s", "Sync", f"agent drain, queued IDA verifications per second ({where})",
               agent["items_per_s"], "items/s", better="higher", anchor=sdk["items_per_s"], anchor_name=SDK_NAME,
               note=f"SyncAgent.drain in its own process, max_concurrency {concurrency}"),
        figure("sync.ratio", "Sync", "agent ÷ sequential mosip-auth-sdk loop, items/s, same run", result["ratio"],
               "×", better="higher", budget=BUDGET_RATIO,
               budget_text="5,000 queued verifications vs local emulator ≥ 10× a sequential mosip-auth-sdk loop",
               note=f"{where}; ABBA order; both sides share 2 cores with the emulator" if count != FULL_COUNT
               else f"{where}; ABBA order"),
        figure("sync.sdk.items_per_s", "Sync", "sequential mosip-auth-sdk loop, verifications per second",
               sdk["items_per_s"], "items/s", better="higher"),
    ]
    for side, name in (("agent", "agent"), ("sdk", "mosip-auth-sdk")):
        for q in ("p50", "p95"):
            out.append(figure(
                f"sync.{side}.latency_{q}_ms", "Sync",
                f"{name}: {q} latency per verification "
                + ("(request sent → outcome committed)" if side == "agent" else "(one auth() call)"),
                result[side][f"latency_{q}_ms"], "ms", better="lower",
                note=("requests overlap (max_concurrency); outcomes commit in groups of up to 32 "
                      "or after 200 ms, which most of this is; not comparable with one SDK call")
                if side == "agent" else "sequential: the call is all there is (no local commit)",
                extra={"request_to_answer_p50_ms": result[side].get("request_to_answer_p50_ms")}
                if side == "agent" and q == "p50" else {}))
    out += [
        figure("sync.agent.peak_rss_mib", "Sync", "agent process peak RSS (imports + open device + drain)",
               agent.get("peak_rss_mib"), "MiB", note="ru_maxrss of the drain's own process (max over phases)"),
        figure("sync.agent.cpu_ms_per_item", "Sync", "agent CPU per verification (device process)",
               agent["client_cpu_ms_per_item"], "ms", better="lower", anchor=sdk["client_cpu_ms_per_item"],
               anchor_name=f"{SDK_NAME}, CPU per verification"),
        figure("sync.emulator.cpu_ms_per_item", "Sync", "emulator CPU per verification (during the agent's drains)",
               agent["emulator_cpu_ms_per_item"], "ms", better="lower",
               note="the server side both clients share; bounds any client on this machine"),
    ]
    wan = result.get("wan")
    if wan:
        out.append(figure("sync.ratio_wan", "Sync", f"agent ÷ sequential SDK loop with a {wan['round_trip_ms']:g} ms "
                          "IDA round trip", wan["ratio"], "×", better="higher",
                          anchor=None, note=f"{wan['round_trip_ms']:g} ms IDA round trip; {wan['agent']['items']} "
                          f"per side; max_concurrency {concurrency} caps it at ≈ {concurrency}×"))
    split = result.get("agent_cpu_split")
    if split:
        for key, label in (("ida_crypto", "IDA request build + answer check (crypto, JSON)"),
                           ("http", "HTTP (httpx/httpcore/h11/anyio, socket I/O)"),
                           ("database", "database (lease, grouped outcome commits, audit)"), ("rest", "the rest")):
            out.append(figure(f"sync.agent.cpu_split.{key}_ms", "Sync", f"agent CPU per verification: {label}",
                              split["ms_per_item"][key], "ms", better="lower",
                              note=f"py-spy profile of a separate {split['items']}-item drain"))
    return out


def set_ida_latency(base_url: str, ms: float) -> None:
    """Add (or, with 0, clear) a delay on every IDA answer through the emulator's admin API."""
    import httpx

    url = f"{base_url}/admin/faults"
    if ms:
        reply = httpx.post(url, json={"spec": f"latency={ms:g}ms,path=/idauthentication"}, timeout=30)
    else:
        reply = httpx.delete(url, timeout=30)
    reply.raise_for_status()
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

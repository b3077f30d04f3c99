"""The confirmations relay on PostgreSQL: deliveries stored per second, and a device's pull of 10,000
waiting deliveries (DESIGN §7: ≥ 500 /s, ≤ 2 s).

    python -m bench.relay_bench            # 10,000 deliveries posted, then pulled by one device
    python -m bench.relay_bench --quick    # 2,000

A throwaway PostgreSQL 15 cluster (fsync on: every answered delivery is a durable commit) and the
relay as a real process (``python -m relay serve``, one uvicorn worker); deliveries are signed
CREDENTIAL_ISSUED-shaped bodies of ~4.4 KB (the size of the emulator's, an opaque credential inside)
posted over loopback by ``--concurrency`` senders, as a hub with that many consumers would. Pull: the
device's pages of 1,000 (``GET /v1/devices/me/deliveries``), JSON decoded, until empty; then the
acknowledgements. Nothing personal: synthetic RIDs, random bytes for credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench._common import ROOT, cpu_seconds, machine, percentile, write_result
from bench._figures import figure
from bench._postgres import cluster

HUB_SECRET = secrets.token_hex(32)
AREA = "Relay"


def body_for(rid: str) -> bytes:
    credential = base64.b64encode(secrets.token_bytes(3000)).decode()
    event = {"publisher": "CREDENTIAL_SERVICE", "topic": "bench-partner/CREDENTIAL_ISSUED",
             "publishedOn": "2025-01-01T00:00:00.000Z",
             "event": {"id": str(uuid.uuid4()), "transactionId": str(uuid.uuid4()),
                       "timestamp": "2025-01-01T00:00:00.000Z", "dataShareUri": None,
                       "data": {"registrationId": rid, "credential": credential, "credentialType": "euin",
                                "proof": {"signature": secrets.token_urlsafe(256)}, "protectionKey": ""}}}
    return json.dumps(event, separators=(",", ":")).encode()


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(HUB_SECRET.encode(), body, hashlib.sha256).hexdigest()


def start_relay(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CRVS_RELAY_DATABASE_URL": database_url, "CRVS_RELAY_BIND": f"127.0.0.1:{port}",
           "CRVS_RELAY_HUB_SECRET": HUB_SECRET, "CRVS_RELAY_PARTNER_ID": "bench-partner",
           "CRVS_RELAY_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "relay", "serve"], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"relay exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("relay did not start")


async def post_all(base_url: str, bodies: list[bytes], concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        async def sender() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                t0 = time.perf_counter()
                response = await http.post("/v1/websub/callback/", content=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature": signature(body)})
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"delivery answered HTTP {response.status_code}")
        await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies


def run(n: int, concurrency: int) -> dict[str, Any]:
    from relay.db import Store, make_engine

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"relay-bench-{os.getpid()}.log"
    with cluster("relay_bench") as database_url:
        proc = start_relay(database_url, port, log)
        try:
            store = Store(make_engine(database_url))
            token = store.add_device("bench-office")
            device = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
            rids = [f"{10001100010000120250101000000 + i}" for i in range(n)]
            for start in range(0, n, 1000):
                response = device.post("/v1/devices/me/awaited", json={"rids": rids[start:start + 1000]})
                response.raise_for_status()
            bodies = [body_for(rid) for rid in rids]

            asyncio.run(post_all(base_url, [body_for("0") for _ in range(50)], concurrency))   # warm-up
            t0, cpu0 = time.perf_counter(), cpu_seconds(proc.pid)
            latencies = asyncio.run(post_all(base_url, bodies, concurrency))
            store_s = time.perf_counter() - t0
            relay_cpu_ms = (cpu_seconds(proc.pid) - cpu0) / n * 1000
            held = store.gauges()["deliveries_unacknowledged"]

            t0 = time.perf_counter()
            cursors: list[int] = []
            after, pages = 0, 0
            while True:
                page = device.get("/v1/devices/me/deliveries", params={"after": after, "limit": 1000}).json()
                pages += 1
                if not page["items"]:
                    break
                cursors += [item["cursor"] for item in page["items"]]
                after = page["next_cursor"]
            pull_s = time.perf_counter() - t0

            t0 = time.perf_counter()
            acknowledged = 0
            for start in range(0, len(cursors), 1000):
                acknowledged += device.post("/v1/devices/me/acks",
                                            json={"cursors": cursors[start:start + 1000]}).json()["acknowledged"]
            ack_s = time.perf_counter() - t0
            device.close()
            store.engine.dispose()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    if len(cursors) != n or acknowledged != n:
        raise RuntimeError(f"pulled {len(cursors)} and acknowledged {acknowledged} of {n}")
    return {
        "deliveries": n, "concurrency": concurrency, "body_bytes": len(bodies[0]), "held_before_pull": held,
        "store": {"wall_s": round(store_s, 3), "per_s": round(n / store_s, 1),
                  "p50_ms": round(percentile(latencies, 50) * 1000, 2),
                  "p95_ms": round(percentile(latencies, 95) * 1000, 2),
                  "relay_cpu_ms_per_delivery": round(relay_cpu_ms, 3)},
        "pull": {"wall_s": round(pull_s, 3), "pages": pages, "items": len(cursors)},
        "ack": {"wall_s": round(ack_s, 3), "items": acknowledged},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 deliveries instead of 10,000")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent senders (default 8)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    n = 2000 if args.quick else 10_000
    info = machine()
    measured = run(n, args.concurrency)
    store, pull = measured["store"], measured["pull"]
    figures = [
        figure("relay.deliveries_stored_per_s", AREA,
               f"hub deliveries HMAC-checked and committed on PostgreSQL before the answer "
               f"({args.concurrency} concurrent senders, {measured['body_bytes']} B bodies)",
               store["per_s"], "items/s", better="higher", budget=500.0,
               note=f"{n} deliveries in {store['wall_s']} s; per delivery p50 {store['p50_ms']} ms, "
                    f"p95 {store['p95_ms']} ms; relay process CPU {store['relay_cpu_ms_per_delivery']} ms each"),
        figure("relay.device_pull_s", AREA, f"a device pulls {n:,} waiting deliveries (pages of 1,000)",
               pull["wall_s"], "s", budget=2.0 if n == 10_000 else None,
               note=f"{pull['pages']} requests; acknowledging them all {measured['ack']['wall_s']} s"),
    ]
    result = {"machine": info, "params": {"deliveries": n, "concurrency": args.concurrency, "quick": args.quick},
              **measured, "figures": figures}
    path = write_result("relay_bench", result, args.out)
    for f in figures:
        print(f"{f['what']}: {f['value']} {f['unit']} ({f['verdict']}; {f['note']})")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

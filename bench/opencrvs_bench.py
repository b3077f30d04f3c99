"""Deployment mode `opencrvs`: how fast a backlog of declarations reaches OpenCRVS, and what one
status poll of the records OpenCRVS still decides on costs.

A fresh encrypted device in mode `opencrvs`, the OpenCRVS emulator on loopback (in this process:
its CPU counts in the wall times), N declarations without ID numbers (no IDA checks: the NOTIFY
alone is measured). Figures: NOTIFYs delivered per second by one drain (create + notify each, the
emulator's country hook accepting), the median NOTIFY body, and one status poll of the N records
(batched search). No budget in DESIGN §7 yet: these are findings.

    python -m bench.opencrvs_bench [--quick] [--records N] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench._common import ROOT, machine, print_table, write_result
from bench._figures import figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 records instead of 1,000")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    count = args.records or (200 if args.quick else 1000)
    os.environ["CRVS_DEPLOYMENT_MODE"] = "opencrvs"

    from app.config.loader import load_country
    from app.opencrvs.client import OpenCrvsClient
    from app.opencrvs.settings import OpenCrvsSettings
    from app.opencrvs_outcomes import UpstreamOutcomes
    from app.outbox import Backoff, OutboxLedger
    from app.records import Actor, RecordService, Role
    from app.store import Database, new_data_key
    from app.store.models import OutboxItem
    from opencrvs_emulator.server import OpenCrvsServer
    from sync.deliveries import DrainClients, DrainSummary
    from sync.opencrvs_status import UpstreamStatusPoller
    from sync.worker import OutboxWorker

    country = load_country(ROOT / "resources" / "countries" / "farajaland")
    assert country.config.opencrvs is not None
    agent = Actor("ana", Role.AGENT)
    result: dict[str, Any] = {"machine": machine(), "params": {"records": count}}
    with tempfile.TemporaryDirectory(prefix="bench-opencrvs-") as tmp, OpenCrvsServer() as crvs:
        db = Database(Path(tmp) / "crvs.db", new_data_key())
        db.migrate()
        records = RecordService(db, country)
        for i in range(count):
            records.declare(agent, event="birth", data={
                "child.firstname": f"Child{i}", "child.surname": "Banda", "child.gender": "male",
                "child.dob": "2026-11-01", "mother.firstname": "Zoe", "mother.surname": "Banda",
                "mother.dob": "1990-01-31", "father.details_available": "no", "informant.relation": "mother"})
        credentials = crvs.clients()["crvs-field-device"]
        settings = OpenCrvsSettings(crvs.base_url, credentials["client_id"], credentials["secret"],
                                    country.config.opencrvs.created_at_location,
                                    {e.value: m for e, m in country.config.opencrvs.events.items()})
        worker = OutboxWorker(records, OutboxLedger(db), None, max_concurrency=8,  # type: ignore[arg-type]
                              max_attempts=12, backoff=Backoff())

        async def drain() -> DrainSummary:
            summary = DrainSummary()
            async with httpx.AsyncClient(timeout=20) as http:
                client = OpenCrvsClient(settings, http, worker.opencrvs_tokens)
                await worker.drain_with(DrainClients(None, None, client), summary)  # type: ignore[arg-type]
            return summary

        started, cpu = time.perf_counter(), time.process_time()
        summary = asyncio.run(drain())
        drain_s, drain_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert summary.sent == count, summary.as_dict()
        with db.read() as session:
            from sqlmodel import select

            bodies = [len(json.dumps(item.payload["declaration"], separators=(",", ":")).encode())
                      for item in session.exec(select(OutboxItem))]
        poller = UpstreamStatusPoller(settings, UpstreamOutcomes.of(records), worker.opencrvs_tokens)
        started = time.perf_counter()
        poll = poller.poll()
        poll_s = time.perf_counter() - started
        counters = crvs.counters()
        db.close()
    result["drain"] = {"notifies": count, "wall_s": round(drain_s, 3), "cpu_s": round(drain_cpu, 3),
                       "per_second": round(count / drain_s, 1), "events_created": counters["totals"]["events_created"],
                       "tokens": worker.opencrvs_tokens.fetched}
    result["body_bytes"] = {"median": int(statistics.median(bodies)), "max": max(bodies)}
    result["poll"] = {"records": poll.asked, "requests": poll.requests, "wall_s": round(poll_s, 3)}
    result["figures"] = [
        figure("opencrvs.notify.per_second", "Sync", f"NOTIFYs delivered by one drain ({count} records, "
               "create + notify each, emulator in process)", result["drain"]["per_second"], "items/s",
               better="higher"),
        figure("opencrvs.notify.body_median_bytes", "Sync", "NOTIFY declaration body, median (OpenCRVS reads "
               "at most 100 000)", result["body_bytes"]["median"], "bytes"),
        figure("opencrvs.poll.seconds", "Sync", f"one status poll of {poll.asked} submitted records "
               f"({poll.requests} search requests)", result["poll"]["wall_s"], "s"),
    ]
    path = write_result("opencrvs_bench", result, args.out)
    print_table([
        (f"{count} NOTIFYs, one drain", f"{drain_s:.2f} s ({result['drain']['per_second']}/s)", ""),
        ("NOTIFY body, median / max", f"{result['body_bytes']['median']} / {result['body_bytes']['max']} bytes",
         "≤ 100 000"),
        (f"status poll of {poll.asked} records", f"{poll_s:.2f} s in {poll.requests} requests", ""),
    ], ("what", "measured", "limit"))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m opencrvs_emulator``: OpenCRVS's events API and auth for system clients, on loopback.

    python -m opencrvs_emulator --port 0 [--hook accept|reject|async|fail] [--accept-after S]
                                [--fault SPEC]... [--country FILE.json] [--token-seconds 600]

Once listening it prints one JSON line on stdout: ``{"base_url": …, "clients": {name: {client_id, secret,
scopes}}}``; SIGINT / SIGTERM stop it (exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from pathlib import Path

from .app import Emulator
from .engine import Hook
from .faults import FaultRule
from .forms import DEFAULT_COUNTRY
from .server import base_url_for, bind_socket, make_uvicorn


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m opencrvs_emulator", description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = an ephemeral port")
    p.add_argument("--hook", choices=Hook.MODES, default="accept",
                   help="the country configuration's answer to a NOTIFY (200 / 400 / 202 / 500)")
    p.add_argument("--accept-after", type=float, default=None,
                   help="with --hook async: accept the Requested action this many seconds later")
    p.add_argument("--country-config-url", default=None, metavar="URL",
                   help="ask this country configuration (POST URL/trigger/events/{type}/actions/{action})")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="e.g. '5xx=0.2,seed=1', 'lost_reply=1,path=/events/events/notify,times=1'")
    p.add_argument("--country", type=Path, default=DEFAULT_COUNTRY, help="forms and locations (JSON)")
    p.add_argument("--token-seconds", type=int, default=600)
    p.add_argument("--log-level", default="warning")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    try:
        faults = [FaultRule.parse(spec) for spec in args.fault]
        emulator = Emulator(args.country, hook=Hook(mode=args.hook, accept_after=args.accept_after,
                                                    url=args.country_config_url),
                            token_seconds=args.token_seconds)
        sock = bind_socket(args.host, args.port)
    except (ValueError, OSError, KeyError) as exc:
        print(f"opencrvs-emulator: {exc}", file=sys.stderr)
        return 2
    for rule in faults:
        emulator.faults.add(rule)
    emulator.base_url = base_url_for(sock, args.host)
    server = make_uvicorn(emulator, args.log_level)
    clients = {c.name: {"client_id": c.client_id, "secret": c.secret, "scopes": c.scopes}
               for c in emulator.auth.clients.values()}

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            print(json.dumps({"base_url": emulator.base_url, "clients": clients}), flush=True)
        await task

    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())

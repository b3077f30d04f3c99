"""``mosip-emulator``: a local MOSIP (IDA, UIN lifecycle, WebSub) and e-Signet on loopback.

    mosip-emulator --port 0 --state-dir DIR [--fault SPEC]... [--credential-delay S]
                   [--identities FILE] [--register-partner FILE.json]... [--print-client-config]

Once listening it prints one JSON line ``{"base_url": ...}`` on stdout; SIGINT / SIGTERM stop it.
``--print-client-config`` prints the client configuration (URLs, partner credentials, certificates,
demo key files, e-Signet clients) as JSON and exits without serving.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from .app import Emulator, EmulatorConfig
from .faults import FaultRule
from .server import base_url_for, bind_socket, make_uvicorn
from .state import Partner


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mosip-emulator", description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = an ephemeral port")
    p.add_argument("--state-dir", type=Path, default=None,
                   help="keys and registries (default: a temporary directory, removed on exit)")
    p.add_argument("--identities", type=Path, default=None, help="identity fixtures (JSON list)")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="e.g. 'latency=50ms', '5xx=0.2,seed=7', 'reset=0.05,path=/idauthentication'")
    p.add_argument("--credential-delay", type=float, default=2.0,
                   help="seconds between workflow start and processing (0 = immediately)")
    p.add_argument("--register-partner", action="append", default=[], type=Path, metavar="FILE.json",
                   help="partner registration (partner_id, misp_license_key, api_key, "
                        "signing_cert_pem|_path, "
                        "encryption_cert_pem|_path)")
    p.add_argument("--ida-time-window", type=float, default=30.0)
    p.add_argument("--unknown-uin-code", default="IDA-MLC-018", choices=["IDA-MLC-002", "IDA-MLC-018"])
    p.add_argument("--hub-open", action="store_true",
                   help="WebSub subscribe without the partner's WEBSUB token (MOSIP's hub with SECURITY_ON=false)")
    p.add_argument("--no-trailing-slash", action="store_true",
                   help="deliver to the callback exactly (MOSIP hub 1.3.x); default: callback + '/' (1.2.0.x)")
    p.add_argument("--hub-backlog", action="store_true",
                   help="a new WebSub subscriber also gets events published before it (MOSIP's does not)")
    p.add_argument("--data-share", action="append", default=[], metavar="PARTNER_ID",
                   help="this partner's credentials go by data share (event carries dataShareUri)")
    p.add_argument("--death-credential", action="store_true",
                   help="CRVS_DEATH also publishes CREDENTIAL_ISSUED (subject: id, vcVer)")
    p.add_argument("--redelivery-initial", type=float, default=3.0)
    p.add_argument("--redelivery-max-attempts", type=int, default=4)
    p.add_argument("--print-client-config", action="store_true")
    p.add_argument("--log-level", default="warning")
    return p


def _load_partner(path: Path) -> Partner:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return Partner.from_json(data, base=path.parent)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    tmp: str | None = None
    state_dir = args.state_dir
    if state_dir is None:
        tmp = tempfile.mkdtemp(prefix="mosip-emulator-")
        state_dir = Path(tmp)
    try:
        try:
            faults = [FaultRule.parse(spec) for spec in args.fault]
            partners = [_load_partner(p) for p in args.register_partner]
        except (ValueError, OSError) as exc:
            print(f"mosip-emulator: {exc}", file=sys.stderr)
            return 2
        config = EmulatorConfig(
            credential_delay=args.credential_delay,
            ida_time_window=args.ida_time_window,
            unknown_uin_code=args.unknown_uin_code,
            redelivery_initial=args.redelivery_initial,
            hub_requires_token=not args.hub_open,
            hub_trailing_slash=not args.no_trailing_slash,
            hub_backlog_before_subscribe=args.hub_backlog,
            data_share_partners=tuple(args.data_share),
            death_credential=args.death_credential,
            redelivery_max_attempts=args.redelivery_max_attempts,
        )
        try:
            sock = bind_socket(args.host, args.port)
        except OSError as exc:
            print(f"mosip-emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 2
        emulator = Emulator(state_dir, identities=args.identities, config=config, faults=faults,
                            partners=partners)
        base_url = base_url_for(sock, args.host)
        emulator.set_base_url(base_url)
        if args.print_client_config:
            sock.close()
            if tmp is not None:
                print("mosip-emulator: without --state-dir the key files named here are deleted on exit",
                      file=sys.stderr)
            print(json.dumps(emulator.client_config(), indent=2))
            return 0
        server = make_uvicorn(emulator, args.log_level)

        async def serve() -> None:
            loop = asyncio.get_running_loop()

            def stop() -> None:
                server.request_exit()

            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop)
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():
                await asyncio.sleep(0.01)
            if server.started:
                print(json.dumps({"base_url": base_url, "state_dir": str(state_dir)}), flush=True)
            await task

        # uvicorn's own signal capture re-raises the signal after shutdown (exit status -15 for a
        # SIGTERM); our handlers just ask it to stop, so a signal ends the program with status 0
        server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
        asyncio.run(serve())
        return 0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

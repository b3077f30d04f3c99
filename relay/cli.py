"""``crvs-relay``: serve, migrate, and manage device credentials.

    crvs-relay [settings] serve              run the relay (the default command)
    crvs-relay [settings] db upgrade         bring the database schema up to date
    crvs-relay [settings] device add NAME    issue a device credential (the token is printed once)
    crvs-relay [settings] device revoke NAME
    crvs-relay [settings] device list
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from . import __version__, logs
from .db import Store, make_engine, migrate
from .settings import CALLBACK_PATH, Settings, add_arguments, from_args

DEVICE_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crvs-relay",
        description="Confirmations relay: subscribes to MOSIP's WebSub hub as the credential partner, stores "
                    "each signed CREDENTIAL_ISSUED delivery (never decrypting it) and serves each field device "
                    f"the deliveries for the registration ids it awaits. The hub posts to {CALLBACK_PATH}; "
                    "devices use /v1/devices/me/… with a bearer token. Serve it behind a reverse proxy that "
                    "terminates TLS.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__)
    parser.add_argument("--version", action="version", version=f"crvs-relay {__version__}")
    add_arguments(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="run the relay (default)")
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply every pending migration")
    device = commands.add_parser("device", help="device credentials")
    device_actions = device.add_subparsers(dest="action", metavar="ACTION", required=True)
    device_actions.add_parser("add", help="issue a credential; prints the token once").add_argument("name")
    device_actions.add_parser("revoke", help="revoke a device's credential (401 from then on)").add_argument("name")
    device_actions.add_parser("list", help="devices, their state and counts")
    return parser


def serve(settings: Settings) -> int:
    import uvicorn

    from .app import Relay

    missing = settings.missing_for_subscription() if settings.subscribes else []
    if missing:
        print("crvs-relay: to subscribe, also set: " + ", ".join(m.replace("_", "-") for m in missing),
              file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    if settings.migrate.lower() in ("yes", "true", "1"):
        migrate(engine)
    relay = Relay(Store(engine), settings)
    host, port = settings.host_port
    config = uvicorn.Config(relay.asgi(), host=host, port=port, log_config=None, access_log=False,
                            proxy_headers=True, forwarded_allow_ips=settings.forwarded_allow_ips,
                            server_header=False, lifespan="on", timeout_graceful_shutdown=5)
    uvicorn.Server(config).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = from_args(args)
    logs.configure(settings.log_level)
    command = args.command or "serve"
    if command == "serve":
        return serve(settings)
    engine = make_engine(settings.database_url)
    if command == "db":
        migrate(engine)
        print("schema up to date")
        return 0
    migrate(engine)
    store = Store(engine)
    if args.action == "list":
        print(json.dumps(store.list_devices(), indent=2))
        return 0
    if not DEVICE_NAME.fullmatch(args.name):
        parser.error("device name: 1–64 letters, digits, '.', '_' or '-'")
    if args.action == "add":
        from sqlalchemy.exc import IntegrityError
        try:
            token = store.add_device(args.name)
        except IntegrityError:
            print(f"crvs-relay: a device named {args.name!r} already exists", file=sys.stderr)
            return 1
        print(token)
        print("(shown once: store it in the device's secret store; only its SHA-256 is kept here)",
              file=sys.stderr)
        return 0
    if not store.revoke_device(args.name):
        print(f"crvs-relay: no active device named {args.name!r}", file=sys.stderr)
        return 1
    print(f"revoked {args.name}")
    return 0

"""`crvs-field sync`: the sync agent, running or draining once with a summary."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crvs_field.cli.command import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, CliError, command, print_json

if TYPE_CHECKING:
    from crvs_field.runtime import Runtime


@command(needs_device=True)
def cmd_sync(args: argparse.Namespace, runtime: Runtime) -> int:
    if not args.once:
        import signal
        import threading

        agent = runtime.new_agent()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        agent.start()
        print("sync agent running (Ctrl+C to stop)", flush=True)
        stop.wait()
        agent.stop()
        return EXIT_OK
    report = runtime.sync_once(linger=args.linger)
    if report.callback_error:
        print(f"warning: WebSub callback not started ({report.callback_error}); confirmations wait for the agent",
              file=sys.stderr)
    if not report.online:
        print(f"offline: MOSIP is unreachable; {report.queued} items stay queued")
        return EXIT_OK
    summary = report.summary
    if summary is None:
        raise CliError("another drain is running", EXIT_REFUSED)
    result = summary.as_dict()
    polled = report.confirmations
    upstream = report.upstream
    if args.json:
        print_json({**result, "confirmations": None if polled is None else {
            "applied": polled.applied, "repeated": polled.repeated, "rejected": polled.rejected,
            "not_ready": polled.not_ready, "acknowledged": polled.acknowledged},
            "opencrvs": None if upstream is None else {
                "asked": upstream.asked, "requests": upstream.requests, "changed": len(upstream.changed)}})
    else:
        print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.items() if k != "alert"))
        if polled is not None and polled.pulled:
            print(f"confirmations from the relay: applied {polled.applied}, repeated {polled.repeated}, "
                  f"rejected {polled.rejected}, not ready {polled.not_ready}")
        if upstream is not None and upstream.asked:
            print(f"OpenCRVS: {len(upstream.changed)} of {upstream.asked} submitted records moved")
        if summary.alert:
            print(f"stopped: {summary.alert}", file=sys.stderr)
        for reason in _retry_reasons(runtime) if summary.retried else ():
            print(f"retried later: {reason}", file=sys.stderr)
    if report.confirmations_alert:
        print(f"confirmations: {report.confirmations_alert}", file=sys.stderr)
        return EXIT_USAGE
    if report.upstream_alert:
        print(f"OpenCRVS: {report.upstream_alert}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_REFUSED if summary.quarantined or summary.alert else EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync = sub.add_parser("sync", help="the sync agent")
    sync.add_argument("--once", action="store_true", help="drain what can be sent now, print a summary")
    sync.add_argument("--linger", type=float, default=0,
                      help="with --once: keep the WebSub callback open this many seconds for confirmations")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(func=cmd_sync)


def _retry_reasons(runtime: Runtime, limit: int = 3) -> list[str]:
    """Why items wait for a retry: the newest distinct reasons kept on the queued items."""
    from sqlmodel import col, select

    from app.messages import english
    from app.store.models import OutboxItem
    from app.vocabulary import OutboxState

    with runtime.device.db.read() as session:   # type: ignore[union-attr]
        stored = session.exec(select(OutboxItem.last_error).where(OutboxItem.state == OutboxState.PENDING.value)
                              .where(col(OutboxItem.last_error).is_not(None))
                              .order_by(col(OutboxItem.updated_at).desc()).limit(50)).all()
    return list(dict.fromkeys(english(value) for value in stored if value))[:limit]

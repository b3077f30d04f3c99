"""`crvs-field esignet login --record ID --section NAME [--no-browser]`.

Opens the system browser at e-Signet (or, with --no-browser, prints the address on standard error,
with its QR code on a terminal, and waits for the redirect: from a browser on this computer, or
pasted on standard input from the phone that scanned the code), then prints one JSON object on
standard output:
``{"state", "section", "fields", "psut_stored", "message"}``. Exit 0 when the person was
authenticated (PSUT stored on the record, fields prefilled in a draft), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import webbrowser
from typing import TYPE_CHECKING

import httpx
import segno

from app.identity.esignet_api import ESignetState
from app.identity.esignet_login import ESignetLoginService
from app.identity.esignet_loopback import MAX_CALLBACK_TARGET, answer_address, deliver_answer, redirect_uri_of
from app.store.models import User

if TYPE_CHECKING:
    from app.device import Device
    from app.records import Actor

EXIT_OK, EXIT_REFUSED = 0, 1


def _user_language(device: Device, name: str) -> str | None:
    with device.db.read() as session:
        user = session.get(User, name)
        return user.language if user is not None else None


def _print_url(url: str) -> None:
    print("Open this address in a browser to log in with e-Signet, then come back here:",
          file=sys.stderr)
    print(url, file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print("Or scan it with a phone:", file=sys.stderr)
        segno.make(url, error="l", boost_error=True).terminal(out=sys.stderr, compact=True)
    print("Finished on a phone? Its browser stops on a page that does not open: paste that page's "
          "address here and press Enter.", file=sys.stderr, flush=True)
    threading.Thread(target=_read_answers, args=(url,), name="esignet-paste", daemon=True).start()


def _read_answers(url: str) -> None:
    """Addresses pasted on standard input, handed to this login's loopback listener (only to it)."""
    redirect_uri = redirect_uri_of(url)
    while line := sys.stdin.readline(MAX_CALLBACK_TARGET + 2):   # bounded: a paste is one address
        if not line.endswith("\n") and len(line) > MAX_CALLBACK_TARGET:
            while (rest := sys.stdin.readline(MAX_CALLBACK_TARGET + 2)) and not rest.endswith("\n"):
                pass                       # the rest of an over-long line, read and dropped
        if not line.strip():
            continue
        address = answer_address(line, redirect_uri)
        if address is None:
            print(f"That is not the address e-Signet sent back for this login; it starts with {redirect_uri}",
                  file=sys.stderr, flush=True)
            continue
        try:
            status = deliver_answer(address)
        except httpx.HTTPError:
            print("This login is no longer waiting for an answer.", file=sys.stderr, flush=True)
            return
        if status == 200:
            return
        print("e-Signet did not complete the login on that device.", file=sys.stderr, flush=True)


def _open_browser(url: str) -> None:
    try:
        opened = webbrowser.open(url, new=1)
    except webbrowser.Error:
        opened = False
    if not opened:  # no browser on this machine: let the agent open it elsewhere
        _print_url(url)
    else:
        print("Waiting for the e-Signet login in the browser…", file=sys.stderr, flush=True)


def login_command(args: argparse.Namespace, device: Device, actor: Actor) -> int:
    service = ESignetLoginService(device.country, device.records, actor,
                                  language=_user_language(device, actor.name))
    open_url = _print_url if getattr(args, "no_browser", False) else _open_browser
    try:
        outcome = service.login(args.record, args.section, open_url=open_url, cancel=threading.Event())
    finally:
        service.close()
    authenticated = outcome.state is ESignetState.AUTHENTICATED
    print(json.dumps({
        "state": outcome.state.value,
        "section": args.section,
        "fields": outcome.fields,
        "psut_stored": authenticated and bool(outcome.psut),
        "message": outcome.message,
    }, ensure_ascii=False, indent=2, sort_keys=True))
    return EXIT_OK if authenticated else EXIT_REFUSED

"""The WebSub callback the agent listens on: intent verification and CREDENTIAL_ISSUED deliveries.

What the answer means to MOSIP's hub (mosip/websub hub/start_hub.bal, websubhub hub_client.bal): any
2xx is "delivered" and the hub moves on for good; anything else stops this subscriber's deliveries
until the hub restarts its consumer (a subscription change — the agent re-subscribes — or a hub
restart), which then sends the same event again. So:
- 2xx only once the credential is stored (``on_credential`` returned) — or once it is certain that no
  later attempt can succeed (``DeliveryRejected``: answered 200 ``ERROR`` and reported, else the hub would
  be blocked on it forever);
- 5xx when it may succeed later (the database write failed, the data share is unreachable), and
  ``on_retry_needed`` asks the agent to re-subscribe soon so that the hub sends it again;
- 401 for a bad ``X-Hub-Signature``.
Deliveries may repeat: `app.delivery` ignores a registration id it already confirmed.
The hub of MOSIP 1.2.0.x posts to the callback path plus ``/``: both are served.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from app.mosip.settings import WebSubSettings
from app.mosip.websub import MAX_DELIVERY_BYTES, DeliveryNotReadYet, DeliveryRejected, IssuedCredential, signature_valid
from sync.credentials import CredentialReader, TokenSource

log = logging.getLogger("crvs_field.sync.websub")


class WebSubReceiver:
    def __init__(self, settings: WebSubSettings, on_credential: Callable[[IssuedCredential], None],
                 on_rejected: Callable[[str], None] | None = None, *,
                 token_source: TokenSource | None = None,
                 on_retry_needed: Callable[[str], None] | None = None,
                 on_denied: Callable[[str], None] | None = None):
        self.settings = settings
        self.on_credential = on_credential
        self.on_rejected = on_rejected or (lambda reason: None)
        self.on_retry_needed = on_retry_needed or (lambda reason: None)
        self.on_denied = on_denied or (lambda reason: None)
        self.token_source = token_source
        self.path = urlsplit(settings.callback_url).path.rstrip("/") or "/"
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reader = CredentialReader(settings, token_source)
        self.received = 0

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def serves(self, path: str) -> bool:
        return (path.rstrip("/") or "/") == self.path

    def read(self, body: bytes) -> IssuedCredential:
        """Open a verified delivery, fetching its data share if it has one (token refreshed once)."""
        return self.reader.read(body)

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "crvs-field"
            sys_version = ""

            def log_message(self, format: str, *args: object) -> None:  # no request lines (ids in URLs)
                return

            def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                mode = (query.get("hub.mode") or [""])[0]
                topic = (query.get("hub.topic") or [""])[0]
                if not receiver.serves(url.path) or topic != receiver.settings.topic:
                    self._reply(404, b"")
                    return
                if mode == "denied":      # the hub's answer to a subscription it would not take
                    reason = (query.get("hub.reason") or [""])[0]
                    receiver.on_denied("".join(ch for ch in reason if ch.isprintable())[:120])
                    self._reply(200, b"", "text/plain")
                    return
                challenge = (query.get("hub.challenge") or [""])[0]
                if mode not in ("subscribe", "unsubscribe") or not challenge or len(challenge) > 512:
                    self._reply(404, b"")
                    return
                self._reply(200, challenge.encode(), "text/plain")

            def do_POST(self) -> None:
                if not receiver.serves(urlsplit(self.path).path):
                    self._reply(404, b"")
                    return
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                except ValueError:
                    length = -1
                if length < 0 or length > MAX_DELIVERY_BYTES:
                    self._reply(413, b'{"status":"ERROR"}')
                    return
                body = self.rfile.read(length)
                if not signature_valid(receiver.settings.secret, body, self.headers.get("X-Hub-Signature")):
                    receiver.on_rejected("delivery with a bad X-Hub-Signature")
                    self._reply(401, b'{"status":"ERROR"}')
                    return
                try:
                    credential = receiver.read(body)
                except DeliveryRejected as exc:      # no later attempt can do better: acknowledge, report
                    receiver.on_rejected(str(exc))
                    self._reply(200, b'{"status":"ERROR"}')
                    return
                except DeliveryNotReadYet as exc:
                    log.info("delivery not read yet: %s", exc)
                    receiver.on_retry_needed(str(exc))
                    self._reply(503, b'{"status":"ERROR"}')
                    return
                try:
                    receiver.on_credential(credential)
                except Exception:
                    log.exception("could not record a credential")
                    receiver.on_retry_needed("the credential could not be stored")
                    self._reply(500, b'{"status":"ERROR"}')
                    return
                receiver.received += 1
                self._reply(200, json.dumps({"status": "RECEIVED"}).encode())

        self._server = ThreadingHTTPServer((self.settings.callback_host, self.settings.callback_port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="websub-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

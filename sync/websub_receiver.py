"""The WebSub callback the agent listens on: intent verification and CREDENTIAL_ISSUED deliveries.

Deliveries may repeat (the hub redelivers until it gets a 2xx): handling is idempotent because the
record service ignores a registration id it already confirmed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from app.mosip.settings import WebSubSettings
from app.mosip.websub import MAX_DELIVERY_BYTES, DeliveryRejected, IssuedCredential, read_delivery, signature_valid

log = logging.getLogger("crvs_field.sync.websub")


class WebSubReceiver:
    def __init__(self, settings: WebSubSettings, on_credential: Callable[[IssuedCredential], None],
                 on_rejected: Callable[[str], None] | None = None):
        self.settings = settings
        self.on_credential = on_credential
        self.on_rejected = on_rejected or (lambda reason: None)
        self.path = urlsplit(settings.callback_url).path or "/"
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.pending_challenges: set[str] = set()
        self.received = 0

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

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
                challenge = (query.get("hub.challenge") or [""])[0]
                topic = (query.get("hub.topic") or [""])[0]
                if url.path != receiver.path or not challenge or len(challenge) > 512:
                    self._reply(404, b"")
                    return
                if topic != receiver.settings.topic:
                    self._reply(404, b"")
                    return
                self._reply(200, challenge.encode(), "text/plain")

            def do_POST(self) -> None:
                if urlsplit(self.path).path != receiver.path:
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
                    credential = read_delivery(body, receiver.settings.decryption_key)
                except DeliveryRejected as exc:
                    receiver.on_rejected(str(exc))
                    self._reply(200, b'{"status":"ERROR"}')
                    return
                try:
                    receiver.on_credential(credential)
                except Exception:
                    log.exception("could not record a credential")  # the hub will redeliver
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

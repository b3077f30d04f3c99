"""The native app's redirect receiver for the e-Signet login (RFC 8252 §7.3): a loopback HTTP
listener on a registered port and the short page it shows the browser, in the user's language.

The OIDC protocol itself (`app.mosip.esignet`) never listens: `app.identity.esignet_login` starts
this listener, hands its redirect URI to the protocol client and passes the callback's parameters
back to it. Nothing received here is logged: the query holds the authorization code.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx

from app.mosip.esignet import ESignetCancelled, ESignetTimeout, ESignetVerificationError

CALLBACK_PATH = "/callback"
MAX_CALLBACK_TARGET = 8192
DELIVERY_TIMEOUT_SECONDS = 5.0

_PAGES = {
    "en": ("crvs-field — e-Signet", "You can close this window",
           "e-Signet's answer was passed to crvs-field. Return to the application to continue.",
           "Login not completed", "You can close this window and return to crvs-field."),
    "fr": ("crvs-field — e-Signet", "Vous pouvez fermer cette fenêtre",
           "La réponse d'e-Signet a été transmise à crvs-field. Revenez à l'application pour continuer.",
           "Connexion non aboutie", "Vous pouvez fermer cette fenêtre et revenir à crvs-field."),
}


def callback_page(language: str, ok: bool) -> bytes:
    lang = (language or "en").replace("_", "-").split("-")[0].lower()
    lang = {"fra": "fr", "fre": "fr", "eng": "en"}.get(lang, lang)
    title, ok_head, ok_text, err_head, err_text = _PAGES.get(lang, _PAGES["en"])
    if lang not in _PAGES:
        lang = "en"
    head, text = (ok_head, ok_text) if ok else (err_head, err_text)
    page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body><main>"
            f"<h1>{html.escape(head)}</h1><p>{html.escape(text)}</p></main></body></html>")
    return page.encode("utf-8")


def loopback_redirect_uris(ports: Sequence[int], host: str = "127.0.0.1", path: str = CALLBACK_PATH
                           ) -> list[str]:
    """The redirect URIs to register with e-Signet for these listener ports, one each."""
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}{path}" for port in ports]


def _bind_first(host: str, ports: Sequence[int], handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    failure: OSError | None = None
    for port in ports:
        try:
            return ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            failure = exc
    assert failure is not None
    raise OSError(failure.errno, f"ports {', '.join(map(str, ports))} on {host} are all in use") from None


class LoopbackListener:
    """The RFC 8252 §7.3 redirect receiver: 127.0.0.1, one expected path, on the first free port of
    ``ports``. e-Signet compares the redirect URI with the registered ones as URL patterns
    (mosip/esignet IdentityProviderUtil.matchUri) and a port wildcard is not a valid URL there, so
    a native client must listen on a port it registered: a country registers one redirect URI per
    port (``loopback_redirect_uris``) and several ports let a second login on the same computer,
    or a port some other program holds, fall through to the next. Port 0 (ephemeral) is for tests
    of the listener alone.

    Answers the browser a short page in ``language`` ("you can close this window"); keeps the
    first callback's query parameters for ``wait()``. Nothing it receives is logged.
    """

    def __init__(self, *, ports: Sequence[int], language: str = "en", host: str = "127.0.0.1",
                 path: str = CALLBACK_PATH):
        if not ports:
            raise ValueError("the e-Signet loopback listener needs at least one port")
        self.language = language
        self.path = path
        self._result: dict[str, str] | None = None
        self._malformed = False
        self._arrived = threading.Event()
        self._lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10                       # a silent client cannot hold a thread for long
            server_version = "crvs-field"
            sys_version = ""

            def log_message(self, format: str, *args: Any) -> None:  # the URL holds the code: never logged
                return

            def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Content-Security-Policy", "default-src 'none'")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if len(self.path) > MAX_CALLBACK_TARGET:
                    self._send(414, b"URI too long", "text/plain")
                    return
                parts = urlsplit(self.path)
                if parts.path != listener.path:
                    self._send(404, b"not found", "text/plain")
                    return
                ok = listener._deliver(parts.query)
                self._send(200 if ok else 400, callback_page(listener.language, ok))

            def do_POST(self) -> None:
                self._send(405, b"method not allowed", "text/plain")

            do_PUT = do_DELETE = do_PATCH = do_POST

        self._server = _bind_first(host, ports, Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 8
        self._thread: threading.Thread | None = None
        port = self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.redirect_uri = f"http://{shown}:{port}{path}"

    def _deliver(self, query: str) -> bool:
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
        except ValueError:
            pairs = None
        with self._lock:
            if self._arrived.is_set():
                return self._result is not None and "code" in self._result
            if not pairs:
                return False  # a stray visit (no parameters) does not end the login
            values: dict[str, str] = {}
            for key, value in pairs:
                if key in values:            # RFC 6749 §3.1: parameters MUST NOT repeat
                    self._malformed = True
                values[key] = value[:4096]
            self._result = values
            self._arrived.set()
            return "code" in values and not self._malformed

    def start(self) -> LoopbackListener:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="esignet-loopback", daemon=True)
        self._thread.start()
        return self

    def wait(self, deadline: float, cancel: threading.Event | None = None) -> dict[str, str]:
        """Block until the redirect arrives; ``deadline`` is a ``time.monotonic()`` value."""
        while not self._arrived.wait(0.05):
            if cancel is not None and cancel.is_set():
                raise ESignetCancelled("The login was cancelled; nothing was changed.")
            if time.monotonic() >= deadline:
                raise ESignetTimeout("The e-Signet login took too long and was stopped; nothing was changed.",
                                     code="esignet.login_timeout")
        with self._lock:
            if self._malformed or self._result is None:
                raise ESignetVerificationError("The answer from e-Signet was malformed; nothing was changed.")
            return dict(self._result)

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LoopbackListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


# A login finished on another device (a phone that scanned the link): its browser stops at this
# computer's loopback address, which it cannot reach; the person copies that address back here.
def redirect_uri_of(authorization_url: str) -> str | None:
    values = parse_qs(urlsplit(authorization_url).query).get("redirect_uri")
    return values[0] if values else None


def answer_address(pasted: str, redirect_uri: str | None) -> str | None:
    """The pasted address when it is this login's redirect URI with a query, else None: only the
    loopback listener of this login is ever contacted, and nothing else is fetched."""
    text = pasted.strip()
    if not text or not redirect_uri or len(text) > MAX_CALLBACK_TARGET:
        return None
    got, expected = urlsplit(text), urlsplit(redirect_uri)
    if expected.scheme != "http" or expected.hostname not in ("127.0.0.1", "::1", "localhost"):
        return None
    if (got.scheme, got.netloc, got.path) != (expected.scheme, expected.netloc, expected.path) or not got.query:
        return None
    return text


def deliver_answer(address: str) -> int:
    """GET the redirect address on loopback, as the browser would have; the listener's status."""
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=DELIVERY_TIMEOUT_SECONDS) as http:
        return http.get(address).status_code

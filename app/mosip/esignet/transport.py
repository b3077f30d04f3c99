"""HTTP to e-Signet with bounds: every answer is read by streaming, at most so many bytes within
so many seconds, and the requests of a login in progress stop at once when it is cancelled.

httpx's own timeout bounds each read, not the whole answer, and a thread blocked reading a socket
does not wake when the descriptor is closed: hence the overall deadline and the socket shutdown."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from app.mosip.esignet.errors import ESignetUnavailable, ESignetVerificationError, cancelled

_CLIENT_OPTIONS: dict[str, Any] = {"follow_redirects": False, "trust_env": False,
                                   "headers": {"User-Agent": "crvs-field"}}


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: httpx.Headers
    body: bytes


def too_large(limit: int) -> ESignetVerificationError:
    return ESignetVerificationError("e-Signet sent an answer that is too large",
                                    code="esignet.answer_too_large", params={"limit": limit})


def _shut_down(streams: Sequence[Any]) -> None:
    """Wake a thread blocked reading these connections (closing the descriptor would not)."""
    for stream in streams:
        try:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError, ValueError):
            continue


class Transport:
    """One connection pool for documents (discovery, JWKS) and one connection per request of a
    login (token, userinfo), which a cancel can cut. ``verify`` is TLS verification: always on
    outside tests. Thread-safe."""

    def __init__(self, *, verify: bool = True):
        self.verify = verify
        self._lock = threading.Lock()
        self._session: httpx.Client | None = None

    def _pool(self) -> httpx.Client:
        with self._lock:
            if self._session is None:
                self._session = httpx.Client(verify=self.verify, **_CLIENT_OPTIONS)
            return self._session

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def bounded_get(self, url: str, limit: int, timeout: float, headers: Mapping[str, str] | None = None
                    ) -> tuple[httpx.Response, bytes]:
        """A GET over the shared pool: at most ``limit`` bytes and ``timeout`` seconds overall."""
        deadline = time.monotonic() + timeout
        with self._pool().stream("GET", url, headers=headers, timeout=httpx.Timeout(timeout)) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise too_large(limit)
                if time.monotonic() >= deadline:
                    raise httpx.ReadTimeout("the answer did not end in time")
            return response, bytes(body)

    def get_json(self, url: str, limit: int, timeout: float, what: str,
                 cancel: threading.Event | None = None) -> dict[str, Any]:
        """A JSON object document; every failure is ESignetUnavailable naming ``what``. With
        ``cancel``, on a connection of its own that the event cuts."""
        try:
            if cancel is None:
                response, body = self.bounded_get(url, limit, timeout)
                status = response.status_code
            else:
                answer = self.interruptible("GET", url, limit=limit, timeout=timeout, cancel=cancel)
                status, body = answer.status_code, answer.body
        except httpx.TimeoutException:
            raise ESignetUnavailable(f"e-Signet did not answer in time ({what})") from None
        except httpx.HTTPError as exc:
            raise ESignetUnavailable(f"e-Signet cannot be reached ({what}: {type(exc).__name__})") from None
        if status != 200:
            raise ESignetUnavailable(f"e-Signet answered HTTP {status} ({what})")
        try:
            data = json.loads(body)
        except ValueError:
            raise ESignetUnavailable(f"e-Signet's {what} is not JSON") from None
        if not isinstance(data, dict):
            raise ESignetUnavailable(f"e-Signet's {what} is not a JSON object")
        return data

    def interruptible(self, method: str, url: str, *, limit: int, timeout: float,
                      cancel: threading.Event | None, headers: Mapping[str, str] | None = None,
                      content: bytes | None = None) -> Answer:
        """One request that ends within ``timeout`` seconds whatever the server does, keeps at most
        ``limit`` bytes of its body, and stops as soon as ``cancel`` is set.

        It runs on its own thread with its own connection; the caller waits for it, the deadline or
        the cancel event, and on the last two shuts the socket down so the reader wakes at once.
        Raises httpx.TimeoutException on the deadline, ESignetCancelled on cancel, httpx.HTTPError
        when the connection fails, and the too-large refusal past ``limit``."""
        deadline = time.monotonic() + timeout
        streams: list[Any] = []
        result: dict[str, Any] = {}
        finished = threading.Event()

        def keep_stream(event: str, info: Mapping[str, Any]) -> None:
            if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
                stream = info.get("return_value")
                if stream is not None:
                    streams.append(stream)

        def run() -> None:
            try:
                with httpx.Client(verify=self.verify, **_CLIENT_OPTIONS) as http, \
                        http.stream(method, url, headers=headers, content=content,
                                    timeout=httpx.Timeout(max(0.1, deadline - time.monotonic())),
                                    extensions={"trace": keep_stream}) as response:
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > limit:
                            raise too_large(limit)
                        if finished.is_set():          # the caller gave up: stop reading
                            return
                    result["answer"] = Answer(response.status_code, response.headers, bytes(body))
            except BaseException as exc:  # handed to the caller's thread
                result["error"] = exc
            finally:
                finished.set()

        worker = threading.Thread(target=run, name="esignet-request", daemon=True)
        worker.start()
        try:
            while not finished.wait(0.02):
                if cancel is not None and cancel.is_set():
                    raise cancelled()
                if time.monotonic() >= deadline:
                    raise httpx.ReadTimeout("the answer did not end in time")
        finally:
            if not finished.is_set():
                finished.set()
                _shut_down(streams)
        if "error" in result:
            raise result["error"]
        return result["answer"]

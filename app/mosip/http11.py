"""A small keep-alive HTTP/1.1 client for the agent's hot path: POST a body, read the whole answer.

httpx costs ≈ 2 ms of CPU per IDA request on a field laptop — more than the request's crypto —
in request/response models, its connection pool's bookkeeping, anyio and two socket writes per
request (headers, then body). This pool sends each request in one write and parses the answer
with h11 (the same parser httpx uses underneath), ≈ 0.5 ms. It does only what IDA needs: one
origin, POST with a Content-Length body, answers with Content-Length or chunked, keep-alive, TLS
with httpx's own default context (certifi, SSL_CERT_FILE/SSL_CERT_DIR). Anything it does not do
(a proxy from the environment, redirects, compression) is httpx's job: `IdaClient` falls back to
httpx when the environment names a proxy for the URL.

Errors are raised as the httpx exceptions the sync worker already classifies (ConnectError,
ConnectTimeout, ReadTimeout, RemoteProtocolError); a connection that saw any error, a timeout or
a cancellation is closed, never reused, so a late answer cannot be read as the next one's.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11
import httpx

READ_CHUNK = 65536
IDLE_SECONDS = 4.0  # drop a connection idle longer than this rather than race the server closing it


class AnswerTooLarge(Exception):
    pass


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes


def proxied(url: str) -> bool:
    """Whether httpx (trust_env) would send a request for `url` through a proxy."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass_environment(parts.hostname or "", proxies)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()

    def usable(self) -> bool:
        return (not self.reader.at_eof() and not self.writer.is_closing()
                and time.monotonic() - self.idle_since < IDLE_SECONDS)

    def close(self) -> None:
        self.writer.close()


class Http11Pool:
    """Connections to the origin of `url`, at most as many as callers at once (the caller bounds
    concurrency). Use `async with`, or call `aclose()`."""

    def __init__(self, url: str, *, connect_timeout: float, timeout: float, max_answer_bytes: int,
                 ssl_context: ssl.SSLContext | None = None):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        default_port = self.port == (443 if self.tls else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.authority = host if default_port else f"{host}:{self.port}"
        self.connect_timeout, self.timeout = connect_timeout, timeout
        self.max_answer_bytes = max_answer_bytes
        self._ssl = ssl_context
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()

    async def __aenter__(self) -> Http11Pool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        self._idle.clear()

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
            self._ssl.set_alpn_protocols(["http/1.1"])
        return self._ssl

    async def _connect(self) -> _Connection:
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self._ssl_context() if self.tls else None,
                    server_hostname=self.host if self.tls else None, limit=READ_CHUNK)
        except TimeoutError:
            raise httpx.ConnectTimeout("connecting timed out") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"cannot connect: {type(exc).__name__}") from None
        connection = _Connection(reader, writer)
        self._open.add(connection)
        return connection

    async def _take(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable():
                return connection
            self._discard(connection)
        return await self._connect()

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._open.discard(connection)

    async def post(self, path: str, body: bytes, headers: list[tuple[str, str]]) -> Answer:
        connection = await self._take()
        try:
            answer = await self._exchange(connection, path, body, headers)
        except BaseException:
            self._discard(connection)
            raise
        conn = connection.h11
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:  # Connection: close, or an answer before the request was complete
            self._discard(connection)
        return answer

    async def _exchange(self, connection: _Connection, path: str, body: bytes,
                        headers: list[tuple[str, str]]) -> Answer:
        conn = connection.h11
        try:
            request = h11.Request(method="POST", target=path,
                                  headers=[("Host", self.authority), ("Content-Length", str(len(body))), *headers])
            connection.writer.write(conn.send(request) + conn.send(h11.Data(data=body))  # type: ignore[operator]
                                    + conn.send(h11.EndOfMessage()))
            async with asyncio.timeout(self.timeout):
                if connection.writer.transport.get_write_buffer_size() > READ_CHUNK:
                    await connection.writer.drain()
                return await self._read_answer(connection)
        except TimeoutError:
            raise httpx.ReadTimeout("the answer timed out") from None
        except (h11.ProtocolError, ConnectionError, OSError, ssl.SSLError) as exc:
            raise httpx.RemoteProtocolError(f"connection failed: {type(exc).__name__}") from None

    async def _read_answer(self, connection: _Connection) -> Answer:
        conn = connection.h11
        response: h11.Response | None = None
        chunks: list[bytes] = []
        size = 0
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await connection.reader.read(READ_CHUNK)
                if not data and response is None:
                    raise httpx.RemoteProtocolError("connection closed without an answer")
                conn.receive_data(data)  # b"": the end of a close-delimited body, or h11 complains
                continue
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > self.max_answer_bytes:
                    raise AnswerTooLarge(f"the answer is larger than {self.max_answer_bytes} bytes")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("connection closed without an answer")
        assert response is not None
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in response.headers}
        return Answer(response.status_code, headers, b"".join(chunks))

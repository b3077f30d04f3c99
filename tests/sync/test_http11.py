"""The agent's small HTTP/1.1 pool against a hand-written server: keep-alive, chunked answers,
closed or silent connections, oversized answers — and a connection that failed is never reused."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from app.mosip.http11 import AnswerTooLarge, Http11Pool, proxied

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[bool]]


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return head + await reader.readexactly(length)


async def serve(handler: Handler) -> tuple[asyncio.Server, str, list[int]]:
    """Each connection gets a number; the handler answers one request (True: keep the connection)."""
    connections: list[int] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = len(connections)
        connections.append(number)
        try:
            while True:
                try:
                    await read_request(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                if not await handler(reader, writer, number):
                    break
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/idauthentication/v1/auth/x", connections


def pool(url: str, timeout: float = 2) -> Http11Pool:
    return Http11Pool(url, connect_timeout=2, timeout=timeout, max_answer_bytes=1024)


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nresponse-signature: sig\r\n" + extra
            + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def run(coro: Awaitable[None]) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_keep_alive_reuses_one_connection_and_reads_headers() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> bool:
        writer.write(ok())
        return True

    async def main() -> None:
        server, url, connections = await serve(handler)
        async with server, pool(url) as client:
            for _ in range(5):
                answer = await client.post("/idauthentication/v1/auth/x", b"{}", [("Content-Type", "application/json")])
                assert (answer.status, answer.body) == (200, b'{"ok":true}')
                assert answer.headers["response-signature"] == "sig"
            assert connections == [0]

    run(main())


def test_chunked_answer_and_connection_close() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                     b"4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n")
        return False

    async def main() -> None:
        server, url, connections = await serve(handler)
        async with server, pool(url) as client:
            assert (await client.post("/p", b"x", [])).body == b'{"a":1}'
            assert (await client.post("/p", b"x", [])).body == b'{"a":1}'
            assert connections == [0, 1]  # the server said close: a new connection for the next one

    run(main())


def test_closed_without_answer_is_a_protocol_error_and_the_connection_is_dropped() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> bool:
        if number == 0:
            return False  # a lost reply: processed, then the connection drops
        writer.write(ok())
        return True

    async def main() -> None:
        server, url, connections = await serve(handler)
        async with server, pool(url) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post("/p", b"x", [])
            assert (await client.post("/p", b"x", [])).status == 200
            assert connections == [0, 1]

    run(main())


def test_a_late_answer_is_never_read_as_the_next_requests() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> bool:
        if number == 0:
            await asyncio.sleep(0.5)
            writer.write(ok(b'{"late":true}'))
            return True
        writer.write(ok(b'{"second":true}'))
        return True

    async def main() -> None:
        server, url, connections = await serve(handler)
        async with server, pool(url, timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post("/p", b"x", [])
            assert (await client.post("/p", b"x", [])).body == b'{"second":true}'
            assert connections == [0, 1]

    run(main())


def test_an_oversized_answer_is_refused_while_reading() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int) -> bool:
        writer.write(ok(b"x" * 5000))
        return True

    async def main() -> None:
        server, url, _ = await serve(handler)
        async with server, pool(url) as client:
            with pytest.raises(AnswerTooLarge):
                await client.post("/p", b"x", [])

    run(main())


def test_nobody_listening_is_a_connect_error() -> None:
    async def main() -> None:
        server, url, _ = await serve(lambda r, w, n: asyncio.sleep(0, False))  # type: ignore[arg-type,return-value]
        server.close()
        await server.wait_closed()
        async with pool(url) as client:
            with pytest.raises(httpx.ConnectError):
                await client.post("/p", b"x", [])

    run(main())


def test_a_proxy_in_the_environment_is_left_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                 "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert not proxied("https://ida.example/idauthentication/v1/auth/x")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxied("https://ida.example/idauthentication/v1/auth/x")
    assert not proxied("http://ida.example/idauthentication/v1/auth/x")
    monkeypatch.setenv("NO_PROXY", "ida.example")
    assert not proxied("https://ida.example/idauthentication/v1/auth/x")

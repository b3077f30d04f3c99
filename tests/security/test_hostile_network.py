"""Issue 17 finding 5: a MOSIP server that answers without end, trickles one byte every 5 s, or
answers the auth manager's call with HTML. The client (in a subprocess under 512 MiB) ends each
promptly with a transient error or a clear configuration error, never a traceback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.security.hostile import run

PROBE = """
import asyncio, sys, httpx
from app.mosip.packets import PacketClient, PacketCredentials
from app.errors import CrvsError
async def main():
    async with httpx.AsyncClient(timeout=3) as http:
        client = PacketClient(PacketCredentials(base_url=sys.argv[1], client_id="c", secret_key="s", app_id="a"), http)
        try:
            await client.token()
        except (CrvsError, httpx.HTTPError) as exc:
            print(f"refused: {type(exc).__name__}: {exc}", file=sys.stderr)
            sys.exit(5)
asyncio.run(main())
"""


def _serve(mode: str, stop: threading.Event, port_box: list[int]) -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.2)
    port_box.append(server.getsockname()[1])
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        conn.recv(65536)
        try:
            if mode == "endless":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"a" * 65536
                while not stop.is_set():
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            elif mode == "trickle":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
                for _ in range(100):
                    if stop.wait(5):
                        break
                    conn.sendall(b" ")
            else:
                body = b"<html>proxy error</html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
        except OSError:
            pass
        finally:
            conn.close()
    server.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    stop, port_box = threading.Event(), []
    thread = threading.Thread(target=_serve, args=(request.param, stop, port_box), daemon=True)
    thread.start()
    while not port_box:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port_box[0]}"
    stop.set()
    thread.join(5)


@pytest.mark.parametrize(("server", "message"), [("endless", "larger than"), ("trickle", "did not arrive within"),
                                                  ("html", "neither a token nor a MOSIP JSON answer")],
                         indirect=["server"])
def test_finding_5_network_answers_are_bounded(server: str, message: str) -> None:
    outcome = run(["-c", PROBE, server], case=f"5: auth manager answer, {message}", module=False, timeout=30)
    outcome.assert_clean_refusal(5, message)
    assert outcome.seconds < 10

"""Issue 17 finding 5: a MOSIP server that answers without end, trickles one byte every 5 s, or
answers the auth manager's call with HTML. The client (in a subprocess under 512 MiB) ends each
promptly with a transient error or a clear configuration error, never a traceback — alone, and end
to end through `crvs-field sync --once` on a linked device with queued items, which stay queued."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from tests.security.hostile import copy_device, run

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
    server.listen(16)
    server.settimeout(0.2)
    port_box.append(server.getsockname()[1])
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        # one thread per connection: the agent probes and sends in parallel
        threading.Thread(target=_answer, args=(conn, mode, stop), daemon=True).start()
    server.close()


def _answer(conn: socket.socket, mode: str, stop: threading.Event) -> None:
    with conn:
        conn.settimeout(10)
        try:
            request = conn.recv(65536)
            if request.startswith(b"HEAD "):   # the reachability probe: headers only, as a proxy would
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                return
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


@pytest.fixture(scope="module")
def linked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A device linked to the real emulator (its secrets and certificates imported) where a
    newborn's mother was verified and the registrar registered the birth: the UIN packet waits in
    the outbox. The emulator is gone after."""
    from mosip_emulator.server import EmulatorServer
    from tests.sync.conftest import fast_country, link, person
    from tests.sync.test_end_to_end import declare, sync_once
    from tests.sync.test_journeys import act, newborn

    root = tmp_path_factory.mktemp("hostile-sync")
    country = fast_country(root)
    with EmulatorServer(state_dir=root / "emulator", credential_delay=0, hub_requires_token=True) as emulator:
        linked = link(emulator, root / "device", country)
        record_id = declare(linked, root, "birth", newborn(person("Female")))
        assert sync_once(linked)["verified"] == 1
        act(linked, record_id, "register")
    return linked.data_dir


def _outbox(data_dir: Path) -> list[tuple[str, str, str]]:
    from app.device import Device
    from app.store.models import OutboxItem

    device = Device.open(data_dir)
    try:
        with device.db.read() as session:
            return sorted((item.kind, item.state, item.idempotency_key) for item in session.exec(select(OutboxItem)))
    finally:
        device.close()


@pytest.mark.parametrize(("server", "code", "message"), [
    ("endless", 0, "retried later: the auth manager's answer is larger than"),
    ("trickle", 0, "retried later: the auth manager's answer did not arrive within"),
    # an answer that is not MOSIP's is a configuration fault: the batch stops and says so
    ("html", 1, "stopped: MOSIP's auth manager answered HTTP 200 with neither a token nor a MOSIP JSON answer")],
    indirect=["server"])
def test_finding_5_end_to_end_through_sync_once(server: str, code: int, message: str, linked_template: Path,
                                                tmp_path: Path) -> None:
    from tests.sync.conftest import free_port

    data_dir = copy_device(linked_template, tmp_path / "device")
    before = _outbox(data_dir)
    assert ("create_uin", "pending") in [(kind, state) for kind, state, _ in before], before
    port = free_port()
    outcome = run(["--data-dir", str(data_dir), "sync", "--once"], case=f"5: sync --once: {message[:48]}", timeout=150,
                  env={"CRVS_MOSIP_BASE_URL": server, "CRVS_WEBSUB_HUB_URL": f"{server}/hub",
                       "CRVS_WEBSUB_CALLBACK_BIND": f"127.0.0.1:{port}",
                       "CRVS_WEBSUB_CALLBACK_URL": f"http://127.0.0.1:{port}/websub"})
    outcome.assert_clean_refusal(code, message)
    assert outcome.seconds < 60, outcome.seconds
    after = _outbox(data_dir)
    assert [(kind, key) for kind, _, key in after] == [(kind, key) for kind, _, key in before]  # nothing lost
    assert after == before, after        # nothing sent, nothing given up, nothing lost

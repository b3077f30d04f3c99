"""The device side of the confirmations relay, as a field office lives it: MOSIP's (emulated) hub
pushes CREDENTIAL_ISSUED to a real relay on loopback while the device is away; the device, its
agent run as the real `crvs-field sync --once` process, pulls, applies and acknowledges. Faults: the
agent SIGKILLed between applying and acknowledging, a revoked device credential; and the audit
anchor the relay keeps catches a deleted tail and a rewritten chain."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.records import Actor, Role
from crvs_field.emulator_link import relay_environment
from mosip_emulator.server import EmulatorServer
from relay.app import Relay
from relay.db import Store, make_engine, migrate
from relay.settings import CALLBACK_PATH, Settings
from tests.sync.conftest import ADMIN_PIN, LinkedDevice, link, person, section_values
from tests.waiting import wait_until as wait_for

ANA, REX = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
PARTNER = "opencrvs-partner"          # farajaland's mosip.partner_id
TOKEN_SECRET = "relay_device_token"   # farajaland's mosip.confirmations.device_credential
ROOT = Path(__file__).resolve().parents[2]



class LoopbackRelay:
    """The relay served by uvicorn in a thread, its store on a clock the test can move."""

    def __init__(self, database: Path) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.database_url = f"sqlite:///{database}"
        self.offset = 0.0
        engine = make_engine(self.database_url)
        migrate(engine)
        self.store = Store(engine, clock=lambda: time.time() + self.offset)
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, emulator: EmulatorServer) -> None:
        client = emulator.call(lambda: emulator.emulator.hub.websub_client(PARTNER))
        settings = Settings(database_url=self.database_url, hub_url=emulator.client_config()["websub"]["hub_url"],
                            auth_url=emulator.client_config()["packet_manager"]["auth_url"],
                            client_id=client["client_id"], client_secret=client["secret_key"],
                            app_id=client["app_id"], partner_id=PARTNER, callback_url=self.base_url + CALLBACK_PATH,
                            maintenance_seconds=0.2, log_level="WARNING")
        self.server = uvicorn.Server(uvicorn.Config(Relay(self.store, settings).asgi(), log_config=None,
                                                    access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        wait_for(lambda: self.server is not None and self.server.started, 20, "the relay")
        callback = self.base_url + CALLBACK_PATH
        wait_for(lambda: any(s["callback"] == callback and s["state"] == "RUNNING"
                             for s in emulator.state()["subscriptions"]), 30, "the relay's subscription")

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
        self.store.engine.dispose()

    def unacknowledged(self, token: str) -> list[dict[str, Any]]:
        answer = httpx.get(self.base_url + "/v1/devices/me/deliveries", params={"after": 0},
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]


class AckHoldingProxy:
    """Forwards the device's requests to the relay, except that while `hold` is set an ack is
    taken and never answered (`ack_seen` tells the test it arrived): the moment to SIGKILL."""

    def __init__(self, upstream: str) -> None:
        self.hold = threading.Event()
        self.ack_seen = threading.Event()
        self.down = threading.Event()    # the relay is unreachable: every request answered 502
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                return

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if proxy.down.is_set():
                    self.send_response(502)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.startswith("/v1/devices/me/acks") and proxy.hold.is_set():
                    proxy.ack_seen.set()
                    time.sleep(60)       # never reaches the relay
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                answer = httpx.request(self.command, upstream + self.path, content=body, headers=headers, timeout=30)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Office:
    """A field office: its device (linked to the emulator, confirmations through the relay)."""
    linked: LinkedDevice
    relay: LoopbackRelay
    token: str

    def sync_once(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.linked.cli("sync", "--once", *args, timeout=120)

    def record(self, record_id: str) -> Any:
        device = self.linked.open()
        try:
            return device.records.get(record_id)
        finally:
            device.close()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    # MOSIP takes its time: nothing is issued until the test calls process_pending()
    with EmulatorServer(state_dir=tmp_path / "emulator", credential_delay=3600, hub_requires_token=True,
                        death_credential=True) as server:
        yield server


def make_office(emulator: EmulatorServer, tmp_path: Path, *, relay_url: str | None = None) -> Office:
    relay = LoopbackRelay(tmp_path / "relay.sqlite3")
    linked = link(emulator, tmp_path / "device")
    relay.start(emulator)
    linked.env.update(relay_environment(relay_url or relay.base_url))
    token = relay.store.add_device("office-kafue-01")     # `crvs-relay device add`
    tokens = tmp_path / "relay-token.json"
    tokens.write_text(json.dumps({TOKEN_SECRET: token}))
    imported = linked.cli("secrets", "import", str(tokens), user="root", pin=ADMIN_PIN)  # the admin installs it
    assert imported.returncode == 0, imported.stderr
    tokens.unlink()
    return Office(linked, relay, token)


@pytest.fixture
def office(emulator: EmulatorServer, tmp_path: Path) -> Iterator[Office]:
    made = make_office(emulator, tmp_path)
    yield made
    made.relay.stop()


def declare_and_register(office: Office) -> tuple[str, str]:
    """A birth registered by the registrar; returns (record id, RID) once its packet is delivered."""
    device = office.linked.open()
    try:
        newborn = device.records.declare(ANA, event="birth", data={
            "child.firstname": "Tiyamike", "child.surname": "Banda", "child.gender": "female",
            "child.dob": "2026-11-25", "informant.relation": "mother", "father.details_available": "no",
            **section_values("mother", person("Female"))})
        device.records.record_authentication(ANA, newborn.id, "mother", psut="psut-relay")
        assert device.records.act(REX, newborn.id, "register").status == "awaiting_external_validation"
    finally:
        device.close()
    result = office.sync_once()
    assert result.returncode == 0, result.stderr
    record = office.record(newborn.id)
    assert record.status == "awaiting_external_validation"
    return newborn.id, record.mosip["rid"]


def confirmations_of(office: Office, record_id: str) -> list[str]:
    device = office.linked.open()
    try:
        return [e.kind for e in device.records.detail(record_id, role=Role.REGISTRAR).history
                if e.kind.startswith("confirm-registration")]
    finally:
        device.close()


def test_a_uin_issued_while_the_device_is_away_reaches_it_hours_later_through_the_relay(
        office: Office, emulator: EmulatorServer) -> None:
    record_id, rid = declare_and_register(office)
    # the device registered the RID with the relay when its packet was delivered
    assert office.relay.store.gauges()["rids_awaited"] == 1
    assert not office.relay.unacknowledged(office.token)
    # the device is switched off; MOSIP processes the packet and its hub pushes to the relay
    assert emulator.process_pending() == [rid]
    wait_for(lambda: office.relay.store.gauges()["deliveries_held"] == 1, what="the relay storing the delivery")
    assert office.record(record_id).status == "awaiting_external_validation"
    # hours pass at the relay (its purge runs meanwhile; retention is 30 days)
    office.relay.offset = 9 * 3600
    time.sleep(0.5)
    (held,) = office.relay.unacknowledged(office.token)
    assert held["registration_id"] == rid

    started = time.monotonic()
    result = office.sync_once()           # the device is back
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "confirmations from the relay: applied 1" in result.stdout
    record = office.record(record_id)
    assert record.status == "registered"
    assert record.mosip.get("vid") and "uin" not in record.mosip     # farajaland keeps the VID only
    assert confirmations_of(office, record_id) == ["confirm-registration"]
    assert office.relay.unacknowledged(office.token) == []           # acknowledged
    print(f"reconnect to registered: {took:.2f} s (one `crvs-field sync --once` process)")


def test_the_agent_killed_between_applying_and_acknowledging_applies_the_delivery_once(
        emulator: EmulatorServer, tmp_path: Path) -> None:
    office = make_office(emulator, tmp_path)
    proxy = AckHoldingProxy(office.relay.base_url)
    office.linked.env.update(relay_environment(proxy.base_url))
    try:
        record_id, rid = declare_and_register(office)
        emulator.process_pending()
        wait_for(lambda: office.relay.store.gauges()["deliveries_held"] == 1, what="the delivery at the relay")

        proxy.hold.set()
        env = {**os.environ, **office.linked.env}
        env.pop("CRVS_FIELD_PIN", None)
        agent = subprocess.Popen([sys.executable, "-m", "crvs_field", "--data-dir", str(office.linked.data_dir),
                                  "sync", "--once"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        try:
            assert proxy.ack_seen.wait(60), "the agent never acknowledged"
            agent.send_signal(signal.SIGKILL)            # applied and committed; the ack never arrives
            agent.wait(10)
        finally:
            if agent.poll() is None:
                agent.kill()
        assert office.record(record_id).status == "registered"
        assert len(office.relay.unacknowledged(office.token)) == 1  # the relay still holds it

        proxy.hold.clear()
        result = office.sync_once()
        assert result.returncode == 0, result.stderr
        assert "applied 0, repeated 1" in result.stdout   # pulled again, changed nothing
        assert confirmations_of(office, record_id) == ["confirm-registration"]
        assert office.relay.unacknowledged(office.token) == []
        assert office.record(record_id).mosip["rid"] == rid
    finally:
        proxy.stop()
        office.relay.stop()


def test_a_relay_outage_delays_confirmations_only_and_the_rid_is_registered_once_it_is_back(
        emulator: EmulatorServer, tmp_path: Path) -> None:
    office = make_office(emulator, tmp_path)
    proxy = AckHoldingProxy(office.relay.base_url)
    office.linked.env.update(relay_environment(proxy.base_url))
    try:
        proxy.down.set()
        record_id, _ = declare_and_register(office)     # the packet goes; the relay cannot be told
        assert office.relay.store.gauges()["rids_awaited"] == 0
        emulator.process_pending()                        # the hub delivers before the device registered
        wait_for(lambda: office.relay.store.gauges()["deliveries_unclaimed"] == 1, what="an unclaimed delivery")

        proxy.down.clear()
        result = office.sync_once()
        assert result.returncode == 0, result.stderr
        assert "applied 1" in result.stdout
        record = office.record(record_id)
        assert record.status == "registered" and record.mosip.get("vid")
        assert office.relay.store.gauges()["rids_awaited"] == 1
        assert office.relay.unacknowledged(office.token) == []
    finally:
        proxy.stop()
        office.relay.stop()


def test_a_revoked_device_credential_is_a_configuration_alert_and_applies_nothing(
        office: Office, emulator: EmulatorServer) -> None:
    record_id, _ = declare_and_register(office)
    emulator.process_pending()
    wait_for(lambda: office.relay.store.gauges()["deliveries_held"] == 1, what="the delivery at the relay")
    assert office.relay.store.revoke_device("office-kafue-01")

    result = office.sync_once()
    assert result.returncode == 2
    assert "relay refused this device's credential" in result.stderr
    assert "mosip.confirmations.device_credential" in result.stderr
    assert office.record(record_id).status == "awaiting_external_validation"
    assert confirmations_of(office, record_id) == []


def _tail_deleted(office: Office, keep_through: int) -> None:
    from sqlalchemy import text

    device = office.linked.open()
    try:
        with device.db.write() as session:       # an attacker with the database key
            session.execute(text("DELETE FROM audit_event WHERE seq > :seq"), {"seq": keep_through})
    finally:
        device.close()


def _chain_rewritten(office: Office) -> None:
    """Change one old event and recompute every hash after it: the local chain holds again."""
    from sqlmodel import col, select

    from app import audit
    from app.store.models import AuditEvent

    device = office.linked.open()
    try:
        with device.db.write() as session:
            prev = audit.GENESIS
            for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))):
                if event.seq == 2:
                    event.details = {**event.details, "rewritten": True}
                event.prev_hash = prev
                event.hash = audit._digest(event)
                prev = event.hash
                session.add(event)
    finally:
        device.close()


def _anchor_seq(office: Office) -> int:
    head = httpx.get(office.relay.base_url + "/v1/devices/me/audit-head",
                     headers={"Authorization": f"Bearer {office.token}"}, timeout=10).json()["head"]
    assert head is not None
    return int(head["seq"])


def _events_appended(office: Office) -> None:
    """Ordinary work after the tampering: the chain's head moves above the relay's anchor."""
    device = office.linked.open()
    try:
        for _ in range(3):
            device.records.create_draft(ANA, "birth", {"child.firstname": "Chisomo"})
    finally:
        device.close()


@pytest.mark.parametrize("tamper", ["tail_deleted", "chain_rewritten", "chain_rewritten_then_extended"])
def test_audit_verify_fails_naming_the_relays_anchor_when_the_history_was_tampered_with(
        office: Office, tamper: str) -> None:
    declare_and_register(office)               # the sync sent the audit head; the relay acknowledged it
    anchor = _anchor_seq(office)
    verified = office.linked.cli("audit", "verify")
    assert verified.returncode == 0 and f"agrees with the relay's anchor: event {anchor}" in verified.stdout

    if tamper == "tail_deleted":
        _tail_deleted(office, anchor - 3)
    else:
        _chain_rewritten(office)
    if tamper == "chain_rewritten_then_extended":
        _events_appended(office)       # a higher head, whose chain holds locally
    result = office.linked.cli("audit", "verify")
    assert result.returncode == 1, result.stdout
    assert f"disagrees with the relay's anchor: event {anchor}" in result.stderr
    assert ("newest events deleted" if tamper == "tail_deleted" else "chain rewritten") in result.stderr
    # the relay does not move the anchor onto the tampered chain — even from a higher head — and
    # records the refusal; the agent says so
    result = office.sync_once()
    assert result.returncode == 2 and "no longer holds the head the relay acknowledged" in result.stderr
    assert _anchor_seq(office) == anchor
    assert office.relay.store.gauges()["tamper_signals"] == 1


def test_a_rewritten_chain_posting_a_higher_head_is_refused_by_the_relay_itself(office: Office) -> None:
    """The relay's own check, without the agent: the device's relay client posts the rewritten chain's
    higher head with that chain's hash at the anchor — as whoever holds the database key would."""
    from app import audit
    from app.mosip.relay import HeadOutcome, RelayClient, RelaySettings

    declare_and_register(office)
    anchor = _anchor_seq(office)
    _chain_rewritten(office)
    _events_appended(office)
    device = office.linked.open()
    try:
        with device.db.read() as session:
            seq, digest = audit.head(session)
            prev = (anchor, audit.hash_at(session, anchor))
    finally:
        device.close()
    assert seq > anchor
    with RelayClient(RelaySettings(office.relay.base_url, office.token)) as client:
        answer = client.put_audit_head(seq, digest, prev)
        assert answer.outcome is HeadOutcome.REWRITTEN
        assert answer.head is not None and answer.head.seq == anchor
        assert client.put_audit_head(seq, digest).outcome is HeadOutcome.REWRITTEN    # no prev at all
        stale = client.put_audit_head(seq, digest, (anchor - 1, prev[1] or ""))
        assert stale.outcome is HeadOutcome.STALE
    assert _anchor_seq(office) == anchor
    assert office.relay.store.gauges()["tamper_signals"] == 2


def test_audit_verify_offline_says_it_could_not_check_the_anchor(office: Office) -> None:
    declare_and_register(office)
    office.relay.stop()
    result = office.linked.cli("audit", "verify")
    assert result.returncode == 0
    assert "could not check the anchor at the relay: it is unreachable" in result.stdout


def test_relay_mode_without_a_url_is_a_configuration_error(tmp_path: Path) -> None:
    import shutil

    from tests.core.conftest import COUNTRIES

    country = tmp_path / "farajaland"
    shutil.copytree(COUNTRIES / "farajaland", country)
    path = country / "country.yaml"
    path.write_text(path.read_text().replace(
        "    relay_url: ${CRVS_RELAY_URL:-https://relay.farajaland.example}\n", ""))
    result = subprocess.run([sys.executable, "-m", "crvs_field", "config", "check", str(country)],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "CRVS_CONFIRMATIONS_MODE": "relay"})
    assert result.returncode == 2
    assert "mosip.confirmations: " in result.stderr and "mode relay needs relay_url" in result.stderr


@pytest.mark.parametrize(("status", "headers", "body", "expected"), [
    (200, {}, b"<html>proxy error</html>", "RelayUnavailable"),
    (200, {"Content-Length": str(64 * 1024 * 1024)}, b"", "RelayUnavailable"),          # declared too large
    (200, {}, b'{"items": [{"cursor": 0, "body": ""}], "next_cursor": 0, "more": false}', "RelayUnavailable"),
    (200, {}, b'{"items": [{"cursor": 5, "body": "not base64!"}], "next_cursor": 5, "more": false}',
     "RelayUnavailable"),
    (401, {}, b'{"error": "unauthorised"}', "RelayCredentialRefused"),
    (400, {}, b'{"error": "invalid_cursor"}', "RelayRefused"),
    (503, {}, b"", "RelayUnavailable"),
])
def test_the_relay_client_answers_hostile_or_failing_relays_with_the_error_bases(
        status: int, headers: dict[str, str], body: bytes, expected: str) -> None:
    from app.errors import ConfigurationFault, Unavailable
    from app.mosip import relay as relay_client

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)),
                                **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = relay_client.RelaySettings(f"http://127.0.0.1:{server.server_address[1]}", "token", 5)
        with relay_client.RelayClient(settings) as client, pytest.raises((Unavailable, ConfigurationFault)) as caught:
            client.pull(0)
        assert type(caught.value).__name__ == expected
    finally:
        server.shutdown()
        server.server_close()


def _trust_root_replaced(office: Office) -> None:
    """What an agent holding the data key can do (docs/SECURITY.md): a new admin key of her own in
    keyslots.json, and every stored secret re-signed with it — the device cannot tell."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from app.security.secrets import sign_stored_secrets

    hers = Ed25519PrivateKey.generate()
    slots_path = office.linked.data_dir / "keyslots.json"
    slots = json.loads(slots_path.read_text())
    slots["admin_public"] = base64.b64encode(hers.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    device = office.linked.open()
    try:
        with device.db.write() as session:
            sign_stored_secrets(session, hers)
    finally:
        device.close()
    slots_path.write_text(json.dumps(slots))


def test_a_replaced_trust_root_is_refused_by_the_relay_which_kept_the_admin_key(office: Office) -> None:
    declare_and_register(office)        # the device's first requests: the relay keeps its admin key
    kept = office.relay.store.engine.connect().exec_driver_sql(
        "SELECT admin_key_sha256 FROM devices WHERE name = 'office-kafue-01'").scalar()
    device = office.linked.open()
    try:
        assert kept == device.secrets.admin_key_fingerprint() and len(kept) == 64
    finally:
        device.close()
    assert office.linked.cli("audit", "verify").returncode == 0

    _trust_root_replaced(office)
    result = office.linked.cli("audit", "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the relay knows this device by another admin key" in result.stderr
    result = office.sync_once()
    assert result.returncode == 2 and "another admin key" in result.stderr, result.stderr
    assert office.relay.store.engine.connect().exec_driver_sql(
        "SELECT admin_key_sha256 FROM devices WHERE name = 'office-kafue-01'").scalar() == kept

"""Protocol edges the agent must get right: forged answers, bad deliveries, data and configuration
faults, each with the consequence the design asks for."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.delivery import DeliveryOutcomes
from app.messages import english
from app.mosip.ida import ErrorClass, IdaProtocolError, IdaResult, classify, detached_jws, parse_response
from app.mosip.settings import WebSubSettings, load_settings
from app.mosip.websub import DeliveryRejected, load_private_key, read_delivery
from app.records import Actor, Role
from app.security.secrets import SecretStore
from sync.agent import SyncAgent
from sync.websub_receiver import WebSubReceiver
from tests.core.conftest import COUNTRIES
from tests.sync.conftest import LinkedDevice, free_port, person, section_values

DEMO_KEYS = COUNTRIES / "farajaland" / "demo-keys"


def encrypt_credential(plaintext: bytes, cert: x509.Certificate) -> str:
    """Written from PROTOCOLS §3, independently of the device's decoder."""
    key, aad = os.urandom(32), os.urandom(32)
    wrapped = cert.public_key().encrypt(key, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    sealed = AESGCM(key).encrypt(aad[:12], plaintext, aad)
    blob = b"VER_R2" + cert.fingerprint(hashes.SHA256()) + wrapped + b"#KEY_SPLITTER#" + aad + sealed
    import base64

    return base64.b64encode(blob).decode()


def delivery(rid: str, subject: dict[str, str]) -> bytes:
    cert = x509.load_pem_x509_certificate((DEMO_KEYS / "partner-encryption.cert.pem").read_bytes())
    vc = {"credentialSubject": {"id": f"https://credential.example/{rid}", **subject}}
    return json.dumps({"publisher": "CREDENTIAL_SERVICE", "topic": "t", "event": {
        "id": "e1", "transactionId": "t1", "data": {
            "registrationId": rid, "credential": encrypt_credential(json.dumps(vc).encode(), cert),
            "credentialType": "vercred"}}}).encode()


def test_error_codes_are_classified_as_protocols_says() -> None:
    assert classify("IDA-DEA-001") is ErrorClass.FAILURE
    assert classify("IDA-MLC-001") is ErrorClass.RETRY_NOW
    assert classify("IDA-MLC-007") is ErrorClass.TRANSIENT
    assert classify("IDA-MLC-009") is ErrorClass.DATA
    assert classify("IDA-MPA-016") is ErrorClass.CONFIGURATION
    result = IdaResult("T", False, [("IDA-DEA-001", "Demographic data name in eng did not match"),
                                    ("IDA-DEA-001", "Demographic data dob did not match")])
    assert result.failed_attributes == ["dob", "name"]
    assert result.error_class is ErrorClass.FAILURE


def test_forged_ida_answer_is_refused(linked: LinkedDevice) -> None:
    device = linked.open()
    try:
        credentials = load_settings(device.country, SecretStore(device.db)).ida
    finally:
        device.close()
    body = json.dumps({"response": {"authStatus": True}, "errors": []}).encode()
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = httpx.Response(200, content=body, headers={
        "response-signature": detached_jws(forger, credentials.signing_certificate, body)})
    with pytest.raises(IdaProtocolError, match="does not verify"):
        parse_response(credentials, forged, "ABCDEFGHIJ")
    with pytest.raises(IdaProtocolError, match="no response-signature"):
        parse_response(credentials, httpx.Response(200, content=body), "ABCDEFGHIJ")


def test_delivery_decrypts_and_is_bound_to_its_rid() -> None:
    key = load_private_key((DEMO_KEYS / "partner-encryption.key.pem").read_bytes())
    issued = read_delivery(delivery("10001100020000120261130100000", {"VID": "1234567890123456"}), key)
    assert issued.vid == "1234567890123456" and issued.uin is None
    other = json.loads(delivery("10001100020000120261130100000", {"UIN": "1"}))
    other["event"]["data"]["registrationId"] = "10001100020000120261130199999"
    with pytest.raises(DeliveryRejected, match="another registration"):
        read_delivery(json.dumps(other).encode(), key)
    wrong = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(DeliveryRejected, match="does not decrypt"):
        read_delivery(delivery("1", {"VID": "1"}), wrong)
    with pytest.raises(DeliveryRejected):
        read_delivery(b'{"event": {"data": {"registrationId": "../x", "credential": 3}}}', key)


def test_receiver_checks_signature_and_is_idempotent(tmp_path: Path) -> None:
    secret = b"websub-secret"
    port = free_port()
    confirmed: list[str] = []
    settings = WebSubSettings(hub_url="http://127.0.0.1:1/hub", topic="p/CREDENTIAL_ISSUED",
                              callback_url=f"http://127.0.0.1:{port}/websub", callback_host="127.0.0.1",
                              callback_port=port, secret=secret,
                              decryption_key=load_private_key((DEMO_KEYS / "partner-encryption.key.pem").read_bytes()),
                              lease_seconds=3600)
    receiver = WebSubReceiver(settings, lambda c: confirmed.append(c.registration_id))
    receiver.start()
    try:
        url = settings.callback_url
        challenge = httpx.get(url, params={"hub.mode": "subscribe", "hub.topic": settings.topic,
                                           "hub.challenge": "c-123"})
        assert challenge.status_code == 200 and challenge.text == "c-123"
        assert httpx.get(url, params={"hub.topic": "other", "hub.challenge": "x"}).status_code == 404
        body = delivery("10001100020000120261130100001", {"VID": "1234567890123456"})
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        bad = httpx.post(url, content=body, headers={"X-Hub-Signature": "sha256=" + "0" * 64})
        assert bad.status_code == 401 and confirmed == []
        for _ in range(2):
            ok = httpx.post(url, content=body, headers={"X-Hub-Signature": signature})
            assert ok.status_code == 200 and ok.json() == {"status": "RECEIVED"}
        assert confirmed == ["10001100020000120261130100001"] * 2  # the service makes the second a no-op
        assert httpx.post(url, content=b"x" * 600_000, headers={"X-Hub-Signature": signature}).status_code == 413
    finally:
        receiver.stop()


def test_repeated_confirmation_changes_nothing(linked: LinkedDevice) -> None:
    device = linked.open()
    try:
        ana, rex = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
        record = device.records.declare(ana, event="birth", data={
            "father.details_available": "no",
            "child.firstname": "Ada", "child.surname": "Lungu", "child.gender": "female", "child.dob": "2026-11-25",
            "informant.relation": "mother", "mother.firstname": "Eve", "mother.surname": "Lungu"})
        device.records.record_authentication(ana, record.id, "mother", psut="p")
        rid = device.records.act(rex, record.id, "register").mosip["rid"]
        delivery = DeliveryOutcomes.of(device.records)
        assert delivery.confirm_registration(rid, vid="1111222233334444", uin="9999") is not None
        assert delivery.confirm_registration(rid, vid="5555666677778888", uin=None) is None
        stored = device.records.get(record.id)
        assert stored.mosip["vid"] == "1111222233334444" and "uin" not in stored.mosip
        assert [h.kind for h in device.records.detail(record.id).history].count("confirm-registration") == 1
    finally:
        device.close()


def test_data_fault_quarantines_and_retry_requeues(linked: LinkedDevice) -> None:
    device = linked.open()
    try:
        ana, rex, sam = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR), Actor("sam", Role.SUPERVISOR)
        record = device.records.declare(ana, event="birth", data={
            "father.details_available": "no",
            "child.firstname": "Ada", "child.surname": "Lungu", "child.gender": "female", "child.dob": "2026-11-25",
            "informant.relation": "mother", "mother.firstname": "Eve", "mother.surname": "Lungu"})
        device.records.record_authentication(ana, record.id, "mother", psut="p")
        device.records.act(rex, record.id, "register")
        from sqlmodel import select

        from app.store.models import OutboxItem

        with device.db.write() as session:  # a packet MOSIP's writer would drop silently: no audits
            item = session.exec(select(OutboxItem).where(OutboxItem.record_id == record.id)).one()
            item.payload = {**item.payload, "audits": []}
            session.add(item)
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                          websub=False)
        agent.connectivity.online = True
        summary = agent.drain()
        assert summary.quarantined == 1 and summary.alert is None
        flagged = device.records.get(record.id)
        assert flagged.requires_attention and "KER-KPM-008" in english(flagged.attention_reason)
        assert linked.emulator.counters().get("packets_created") is None  # refused before sending
        assert device.records.queue_counts()["requires_attention"] == 1
        device.records.act(sam, record.id, "retry")
        assert not device.records.get(record.id).requires_attention
        assert agent.ledger.counts()["pending"] == 1
    finally:
        device.close()


def test_configuration_fault_stops_the_batch_without_burning_attempts(linked: LinkedDevice) -> None:
    device = linked.open()
    try:
        ana = Actor("ana", Role.AGENT)
        mother = person("Female")
        for n in range(5):
            device.records.declare(ana, event="birth", data={"father.details_available": "no",
                "child.firstname": f"C{n}", "child.surname": "X", "child.gender": "male", "child.dob": "2026-11-25",
                "informant.relation": "mother", **section_values("mother", mother)})
        from app.security.keyslots import KeySlots
        from tests.core.conftest import ADMIN
        from tests.sync.conftest import ADMIN_PIN

        # a secret is signed by the admin key, which only an admin's PIN unseals
        device.db.admin_signer = KeySlots(device.data_dir).unlock_all("root", ADMIN_PIN)[0].admin_key
        store = SecretStore(device.db)
        store.put("partner_api_key", b"revoked-key", actor=ADMIN)
        agent = SyncAgent(device.records, device.country, load_settings(device.country, store), websub=False)
        agent.connectivity.online = True
        summary = agent.drain()
        assert summary.alert and "IDA refused this device's credentials" in summary.alert.text
        assert summary.alert.code == "sync.ida_credentials_refused"
        assert summary.sent == 0 and summary.quarantined == 0
        counts = agent.ledger.counts()
        assert counts["pending"] == 5 and counts["in_flight"] == 0
        from sqlmodel import select

        from app.store.models import OutboxItem

        with device.db.read() as session:
            assert {i.attempts for i in session.exec(select(OutboxItem))} == {0}
    finally:
        device.close()


# ---------------------------------------------------------------------------------------- packet path
class ScriptedMosip:
    """A loopback HTTP server that answers the packet path with MOSIP's own answers, one scripted
    (status, body) per createPacket / workflow call, and records what it received."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.answers: dict[str, list[tuple[int, dict[str, object]]]] = {"createPacket": [], "workflowinstance": []}
        self.received: list[tuple[str, dict[str, object]]] = []
        script = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
                endpoint = self.path.rstrip("/").rsplit("/", 1)[-1]
                headers = {}
                if endpoint == "clientidsecretkey":
                    status, answer = 200, {"response": {"status": "Success"}, "errors": None}
                    headers["Set-Cookie"] = "Authorization=scripted-token; Path=/"
                else:
                    assert self.headers.get("cookie") == "Authorization=scripted-token"
                    script.received.append((endpoint, body))
                    status, answer = script.answers[endpoint].pop(0)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_PUT = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def packet_written(rid: str) -> dict[str, object]:
    """PacketWriterController's answer for a packet written (one PacketInfo per sub-packet)."""
    return {"id": "mosip.registration.packet.writer", "version": "v1", "response": [
        {"id": rid, "packetName": f"{rid}_{kind}", "source": "OPENCRVS", "process": "CRVS_NEW"}
        for kind in ("id", "evidence", "optional")], "errors": None}


WRITER_FAILED = {"id": "mosip.registration.packet.writer", "version": "v1", "response": None, "errors": None}
WORKFLOW_STARTED = {"id": "mosip.registration.processor.workflow.instance", "version": "v1",
                    "response": {"workflowInstanceId": "0b7e5c1e-1f7a-4f3e-9c55-0a1b2c3d4e5f"}, "errors": None}
WORKFLOW_ALREADY_PRESENT = {"id": "mosip.registration.processor.workflow.instance", "version": "v1",
                            "response": None,
                            "errors": [{"errorCode": "RPR-WIS-001", "message": "WorkflowInstance already present"}]}


@pytest.fixture
def scripted() -> Iterator[ScriptedMosip]:
    server = ScriptedMosip()
    yield server
    server.close()


def queued_packet(linked: LinkedDevice) -> dict[str, Any]:
    """A UIN packet as the device freezes it in its outbox (register action of a registrar)."""
    from sqlmodel import select

    from app.store.models import OutboxItem

    device = linked.open()
    try:
        ana, rex = Actor("ana", Role.AGENT), Actor("rex", Role.REGISTRAR)
        record = device.records.declare(ana, event="birth", data={
            "father.details_available": "no",
            "child.firstname": "Ada", "child.surname": "Lungu", "child.gender": "female", "child.dob": "2026-11-25",
            "informant.relation": "mother", "mother.firstname": "Eve", "mother.surname": "Lungu"})
        device.records.record_authentication(ana, record.id, "mother", psut="p")
        device.records.act(rex, record.id, "register")
        with device.db.read() as session:
            item = session.exec(select(OutboxItem).where(OutboxItem.record_id == record.id,
                                                         OutboxItem.kind == "create_uin")).one()
            return dict(item.payload)
    finally:
        device.close()


def submit(target: Any, payload: dict[str, Any]) -> Any:
    """`target`: the scripted server's URL, or the device's packet-manager credentials."""
    import asyncio

    from app.mosip.packets import PacketClient, PacketCredentials

    credentials = PacketCredentials(target, "client", "secret", "regproc") if isinstance(target, str) else target

    async def run() -> Any:
        async with httpx.AsyncClient(timeout=5) as http:
            return await PacketClient(credentials, http).submit(payload)

    return asyncio.run(run())


def packet_credentials(linked: LinkedDevice) -> Any:
    device = linked.open()
    try:
        return load_settings(device.country, SecretStore(device.db)).packets
    finally:
        device.close()


def test_the_frozen_packet_carries_audits_and_meta_info_as_mosip_reads_them(linked: LinkedDevice) -> None:
    payload = queued_packet(linked)
    rid = payload["rid"]
    meta = payload["meta_info"]
    labels = {item["label"]: item["value"] for key in ("metaData", "operationsData")
              for item in json.loads(meta[key])}
    assert labels["officerId"] == "rex" and labels["registrationId"] == rid
    assert rid.startswith(labels["centerId"] + labels["machineId"])
    assert payload["ref_id"] == f"{labels['centerId']}_{labels['machineId']}"
    assert json.loads(meta["capturedRegisteredDevices"]) == []
    audits = payload["audits"]
    assert audits and all(a["id"] == rid and a["idType"] == "REGISTRATION_ID" for a in audits)
    assert all(isinstance(v, str) for a in audits for v in a.values())
    assert audits[-1]["sessionUserId"] == "rex" and audits[-1]["eventName"] == "PACKET_CREATE_UIN"
    text = json.dumps(audits)
    for personal in ("Ada", "Lungu", "Eve", "2026-11-25"):  # ids, kinds and times only
        assert personal not in text


def test_writer_answer_without_packet_info_is_a_failed_delivery(linked: LinkedDevice,
                                                                scripted: ScriptedMosip) -> None:
    from app.mosip.packets import NO_PACKET_INFO

    payload = queued_packet(linked)
    scripted.answers["createPacket"].append((200, WRITER_FAILED))
    outcome = submit(scripted.url, payload)
    assert not outcome.ok and outcome.error_class is ErrorClass.TRANSIENT and outcome.code == NO_PACKET_INFO
    # no workflow is started for a packet that was not written
    assert [endpoint for endpoint, _ in scripted.received] == ["createPacket"]
    sent = scripted.received[0][1]["request"]
    assert sent["audits"] == payload["audits"] and sent["metaInfo"] == payload["meta_info"]


def test_http_200_with_errors_is_a_failure(linked: LinkedDevice, scripted: ScriptedMosip) -> None:
    payload = queued_packet(linked)
    scripted.answers["createPacket"].append((200, {"id": None, "version": None, "response": None, "errors": [
        {"errorCode": "KER-PUT-006", "message": "No available provider for given source and process"}]}))
    outcome = submit(scripted.url, payload)
    assert not outcome.ok and outcome.error_class is ErrorClass.CONFIGURATION and outcome.code == "KER-PUT-006"
    scripted.answers["createPacket"].append((200, packet_written(payload["rid"])))
    scripted.answers["workflowinstance"].append((200, {**WORKFLOW_STARTED, "response": None, "errors": [
        {"errorCode": "RPR-WIN-001", "message": "Invalid Request Value - version"}]}))
    outcome = submit(scripted.url, payload)
    assert not outcome.ok and outcome.error_class is ErrorClass.DATA and outcome.code == "RPR-WIN-001"


def test_workflow_already_present_counts_as_done(linked: LinkedDevice, scripted: ScriptedMosip) -> None:
    payload = queued_packet(linked)
    scripted.answers["createPacket"] += [(200, packet_written(payload["rid"]))] * 2
    scripted.answers["workflowinstance"] += [(200, WORKFLOW_STARTED), (200, WORKFLOW_ALREADY_PRESENT)]
    first, again = submit(scripted.url, payload), submit(scripted.url, payload)
    assert first.ok and not first.already_started
    assert again.ok and again.already_started and again.code == "RPR-WIS-001"
    # the repeated createPacket carried the same frozen packet
    creates = [body["request"] for endpoint, body in scripted.received if endpoint == "createPacket"]
    assert creates[0] == creates[1]


def test_create_packet_repeated_after_a_lost_reply_has_its_effect_once(linked: LinkedDevice) -> None:
    """Against the strict emulator: the lost createPacket reply is retried (the packet is rewritten),
    the workflow starts once, one identity is created."""
    payload = queued_packet(linked)
    emulator, mosip = linked.emulator, packet_credentials(linked)
    emulator.add_fault("lost_reply=1.0,path=/commons")
    with pytest.raises(httpx.TransportError):
        submit(mosip, payload)
    emulator.clear_faults()
    emulator.add_fault("lost_reply=1.0,path=/registrationprocessor")
    with pytest.raises(httpx.TransportError):
        submit(mosip, payload)
    emulator.clear_faults()
    outcome = submit(mosip, payload)
    assert outcome.ok and outcome.already_started
    rid = payload["rid"]
    counters = emulator.counters()
    assert counters["packets_created"][rid] == 3
    assert counters["workflows_started"] == {rid: 1}
    assert counters["workflows_already_present"] == {rid: 1}
    assert counters["identities_created"] == {rid: 1}
    assert emulator.state()["workflows"][rid]["status"] == "PROCESSED"

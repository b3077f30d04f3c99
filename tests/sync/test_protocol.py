"""Protocol edges the agent must get right: forged answers, bad deliveries, data and configuration
faults, each with the consequence the design asks for."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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
            "child.firstname": "Ada", "child.surname": "Lungu", "child.gender": "female", "child.dob": "2026-11-25",
            "informant.relation": "mother", "mother.firstname": "Eve", "mother.surname": "Lungu"})
        device.records.record_authentication(ana, record.id, "mother", psut="p")
        rid = device.records.act(rex, record.id, "register").mosip["rid"]
        assert device.records.confirm_registration(rid, vid="1111222233334444", uin="9999") is not None
        assert device.records.confirm_registration(rid, vid="5555666677778888", uin=None) is None
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
            "child.firstname": "Ada", "child.surname": "Lungu", "child.gender": "female", "child.dob": "2026-11-25",
            "informant.relation": "mother", "mother.firstname": "Eve", "mother.surname": "Lungu"})
        device.records.record_authentication(ana, record.id, "mother", psut="p")
        device.records.act(rex, record.id, "register")
        from sqlmodel import select

        from app.store.models import OutboxItem

        with device.db.write() as session:  # a packet MOSIP's schema refuses (e.g. a renamed field)
            item = session.exec(select(OutboxItem).where(OutboxItem.record_id == record.id)).one()
            item.payload = {**item.payload, "fields": {**item.payload["fields"], "nickname": "x"}}
            session.add(item)
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                          websub=False)
        agent.connectivity.online = True
        summary = agent.drain()
        assert summary.quarantined == 1 and summary.alert is None
        flagged = device.records.get(record.id)
        assert flagged.requires_attention and "KER-PUT-020" in flagged.attention_reason
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
            device.records.declare(ana, event="birth", data={
                "child.firstname": f"C{n}", "child.surname": "X", "child.gender": "male", "child.dob": "2026-11-25",
                "informant.relation": "mother", **section_values("mother", mother)})
        store = SecretStore(device.db)
        from tests.core.conftest import ADMIN

        store.put("partner_api_key", b"revoked-key", actor=ADMIN)
        agent = SyncAgent(device.records, device.country, load_settings(device.country, store), websub=False)
        agent.connectivity.online = True
        summary = agent.drain()
        assert summary.alert and "IDA refused this device's credentials" in summary.alert
        assert summary.sent == 0 and summary.quarantined == 0
        counts = agent.ledger.counts()
        assert counts["pending"] == 5 and counts["in_flight"] == 0
        from sqlmodel import select

        from app.store.models import OutboxItem

        with device.db.read() as session:
            assert {i.attempts for i in session.exec(select(OutboxItem))} == {0}
    finally:
        device.close()

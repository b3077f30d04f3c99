"""WebSub hub: intent verification, CREDENTIAL_ISSUED with HMAC and an encrypted VC, redelivery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import (
    PacketClient,
    Subscriber,
    decrypt_credential,
    hub_signature_ok,
    simple,
    subscribe,
    verify_detached_jws,
    wait_until,
)

SECRET = "s3cret-for-hmac"


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    sub = Subscriber().start()
    yield sub
    sub.stop()


def active(emulator: EmulatorServer, callback: str) -> bool:
    subs = emulator.state()["subscriptions"]
    return any(s["callback"] == callback and s["state"] == "ACTIVE" for s in subs)


def open_credential(cfg: dict[str, Any], credential: str) -> dict[str, Any]:
    web = cfg["websub"]
    key = serialization.load_pem_private_key(Path(web["partner_encryption_key_path"]).read_bytes(), None)
    cert = x509.load_pem_x509_certificate(web["partner_encryption_certificate_pem"].encode())
    return decrypt_credential(credential, key, cert)


def test_credential_issued_for_a_new_birth(emulator: EmulatorServer, client_config: dict[str, Any],
                                           packets: PacketClient, subscriber: Subscriber) -> None:
    topic = client_config["websub"]["topic"]
    resp = subscribe(emulator.base_url, topic, subscriber.url, SECRET)
    assert resp.status_code == 202
    wait_until(lambda: active(emulator, subscriber.url))
    assert subscriber.verifications[0]["hub.mode"] == "subscribe"
    assert subscriber.verifications[0]["hub.topic"] == topic

    packets.submit("RID-BIRTH-0001", "CRVS_NEW", {"fullName": simple("Mwila Banda"), "dateOfBirth": "2026/11/28",
                                                   "gender": simple("Female")})
    wait_until(lambda: emulator.counters().get("deliveries_succeeded"))
    delivery = subscriber.accepted()[0]
    assert hub_signature_ok(delivery, SECRET)
    assert not hub_signature_ok(delivery, "another secret")
    event = json.loads(delivery["body"])
    assert event["publisher"] == "CREDENTIAL_SERVICE"
    assert event["topic"] == topic
    data = event["event"]["data"]
    assert data["registrationId"] == "RID-BIRTH-0001"
    assert data["credentialType"] == "vercred"
    assert verify_detached_jws(data["proof"]["signature"], data["credential"].encode(),
                               client_config["websub"]["credential_signing_certificate_pem"])
    vc = open_credential(client_config, data["credential"])
    assert "MOSIPVerifiableCredential" in vc["type"]
    subject = vc["credentialSubject"]
    assert subject["id"].endswith("/RID-BIRTH-0001")
    ident = emulator.identities.by_uin(subject["UIN"])
    assert ident is not None and ident["vid"] == subject["VID"]
    assert ident["full_name"]["eng"] == "Mwila Banda"
    counters = emulator.counters()
    assert counters["deliveries_succeeded"] == {"RID-BIRTH-0001": 1}
    assert counters["credentials_issued"] == {"RID-BIRTH-0001": 1}


def test_intent_refused_means_no_subscription(emulator: EmulatorServer, client_config: dict[str, Any],
                                              subscriber: Subscriber) -> None:
    subscriber.accept_intent = False
    subscribe(emulator.base_url, client_config["websub"]["topic"], subscriber.url, SECRET)
    wait_until(lambda: subscriber.verifications)
    wait_until(lambda: emulator.counters().get("hub_verifications", {}).get("failed"))
    assert not active(emulator, subscriber.url)


def test_hub_rejects_bad_requests(emulator: EmulatorServer) -> None:
    assert httpx.post(f"{emulator.base_url}/hub", data={"hub.mode": "subscribe"}).status_code == 400
    assert httpx.post(f"{emulator.base_url}/hub", data={"hub.mode": "dance"}).status_code == 400
    assert httpx.post(f"{emulator.base_url}/websub/hub", data={"hub.mode": "register", "hub.topic": "x"}
                      ).status_code == 202


def test_redelivery_after_the_subscriber_was_down(emulator: EmulatorServer, client_config: dict[str, Any],
                                                  packets: PacketClient, subscriber: Subscriber) -> None:
    topic = client_config["websub"]["topic"]
    subscribe(emulator.base_url, topic, subscriber.url, SECRET)
    wait_until(lambda: active(emulator, subscriber.url))
    port = subscriber.port
    subscriber.stop()                       # the device goes offline
    packets.submit("RID-OFFLINE-1", "CRVS_NEW", {"fullName": simple("Offline Baby")})
    wait_until(lambda: emulator.counters().get("deliveries_attempted", {}).get("RID-OFFLINE-1", 0) >= 2)
    pending = emulator.state()["deliveries"]
    assert [d["registration_id"] for d in pending] == ["RID-OFFLINE-1"]
    assert "ConnectError" in pending[0]["last_error"]
    back = Subscriber(port=port).start()    # back online on the same callback, without re-subscribing
    try:
        wait_until(lambda: emulator.counters().get("deliveries_succeeded"), timeout=15)
        assert hub_signature_ok(back.accepted()[0], SECRET)
        assert json.loads(back.accepted()[0]["body"])["event"]["data"]["registrationId"] == "RID-OFFLINE-1"
        assert emulator.counters()["deliveries_succeeded"] == {"RID-OFFLINE-1": 1}
    finally:
        back.stop()


def test_non_2xx_answers_are_retried(emulator: EmulatorServer, client_config: dict[str, Any],
                                     packets: PacketClient, subscriber: Subscriber) -> None:
    subscribe(emulator.base_url, client_config["websub"]["topic"], subscriber.url, SECRET)
    wait_until(lambda: active(emulator, subscriber.url))
    subscriber.status = 500
    packets.submit("RID-500-1", "CRVS_NEW", {"fullName": simple("Retry Baby")})
    wait_until(lambda: len(subscriber.deliveries) >= 2)
    subscriber.status = 200
    wait_until(lambda: emulator.counters().get("deliveries_succeeded"))
    bodies = {d["body"] for d in subscriber.deliveries}
    assert len(bodies) == 1                 # the same event, redelivered
    assert emulator.counters()["deliveries_succeeded"] == {"RID-500-1": 1}


def test_resubscribe_keeps_pending_and_gets_what_was_given_up(make_emulator: Any, subscriber: Subscriber) -> None:
    emu = make_emulator(redelivery_max_attempts=2)
    cfg = emu.client_config()
    client = PacketClient(cfg)
    client.login()
    topic = cfg["websub"]["topic"]
    subscribe(emu.base_url, topic, subscriber.url, SECRET)
    wait_until(lambda: active(emu, subscriber.url))
    subscriber.status = 503                 # reachable but failing: the hub gives up after 2 attempts
    client.submit("RID-GIVEUP-1", "CRVS_NEW", {"fullName": simple("Given Up")})
    wait_until(lambda: emu.counters().get("deliveries_failed", {}).get("RID-GIVEUP-1"))
    subscriber.status = 200
    assert not subscriber.accepted()
    subscribe(emu.base_url, topic, subscriber.url, "new-secret")   # the device re-subscribes
    wait_until(lambda: emu.counters().get("deliveries_succeeded"))
    assert hub_signature_ok(subscriber.accepted()[0], "new-secret")
    assert emu.counters()["deliveries_succeeded"] == {"RID-GIVEUP-1": 1}


def test_events_before_any_subscription_wait_in_a_backlog(emulator: EmulatorServer, client_config: dict[str, Any],
                                                          packets: PacketClient, subscriber: Subscriber) -> None:
    packets.submit("RID-EARLY-1", "CRVS_NEW", {"fullName": simple("Early Baby")})
    assert emulator.state()["hub"]["backlog"][client_config["websub"]["topic"]][0]["registration_id"] == "RID-EARLY-1"
    subscribe(emulator.base_url, client_config["websub"]["topic"], subscriber.url, SECRET)
    wait_until(lambda: emulator.counters().get("deliveries_succeeded"))
    assert emulator.counters()["deliveries_succeeded"] == {"RID-EARLY-1": 1}
    assert len(subscriber.accepted()) == 1


def test_unsubscribe(emulator: EmulatorServer, client_config: dict[str, Any], subscriber: Subscriber) -> None:
    topic = client_config["websub"]["topic"]
    subscribe(emulator.base_url, topic, subscriber.url, SECRET)
    wait_until(lambda: active(emulator, subscriber.url))
    subscribe(emulator.base_url, topic, subscriber.url, SECRET, mode="unsubscribe")
    wait_until(lambda: not emulator.state()["subscriptions"])
    assert subscriber.verifications[-1]["hub.mode"] == "unsubscribe"


def test_mosip_style_publish(emulator: EmulatorServer, subscriber: Subscriber) -> None:
    subscribe(emulator.base_url, "some/TOPIC", subscriber.url, SECRET)
    wait_until(lambda: active(emulator, subscriber.url))
    event = json.dumps({"publisher": "test", "event": {"id": "e-1"}}).encode()
    resp = httpx.post(f"{emulator.base_url}/hub", params={"hub.mode": "publish", "hub.topic": "some/TOPIC"},
                      content=event, headers={"Content-Type": "application/json"})
    assert resp.status_code == 202
    wait_until(lambda: emulator.counters().get("deliveries_succeeded"))
    assert subscriber.accepted()[0]["body"] == event
    assert hub_signature_ok(subscriber.accepted()[0], SECRET)


def test_expired_lease_holds_events_until_resubscribed(emulator: EmulatorServer, client_config: dict[str, Any],
                                                       packets: PacketClient, subscriber: Subscriber) -> None:
    topic = client_config["websub"]["topic"]
    httpx.post(f"{emulator.base_url}/hub", data={"hub.mode": "subscribe", "hub.topic": topic,
                                                 "hub.callback": subscriber.url, "hub.secret": SECRET,
                                                 "hub.lease_seconds": "0"})
    wait_until(lambda: emulator.state()["subscriptions"] and emulator.counters().get("hub_verifications"))
    packets.submit("RID-LEASE-1", "CRVS_NEW", {"fullName": simple("Lease Baby")})
    wait_until(lambda: emulator.state()["subscriptions"][0]["state"] == "EXPIRED")
    assert not subscriber.deliveries
    subscribe(emulator.base_url, topic, subscriber.url, SECRET)
    wait_until(lambda: emulator.counters().get("deliveries_succeeded"))
    assert json.loads(subscriber.accepted()[0]["body"])["event"]["data"]["registrationId"] == "RID-LEASE-1"


def verify_vc_proof(vc: dict[str, Any], public_key_pem: str) -> bool:
    """RsaSignature2018 proof: detached PS256 JWS, unencoded payload (RFC 7797) = JCS of the VC sans proof."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from tests.emulator.helpers import unb64

    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    canonical = json.dumps(unsigned, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    head, empty, sig = vc["proof"]["jws"].split(".")
    header = json.loads(unb64(head))
    assert empty == "" and header["alg"] == "PS256" and header["b64"] is False and header["crit"] == ["b64"]
    key = serialization.load_pem_public_key(public_key_pem.encode())
    try:
        key.verify(unb64(sig), head.encode() + b"." + canonical,
                   padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    except Exception:
        return False
    return True


def test_vc_shape_and_proof_as_opencrvs_checks_them(emulator: EmulatorServer, client_config: dict[str, Any],
                                                    packets: PacketClient, subscriber: Subscriber) -> None:
    from tests.emulator.helpers import ID_SCHEMA

    schema = json.loads(json.dumps(ID_SCHEMA))
    schema["properties"]["identity"]["properties"]["birthCertificateNumber"] = {"type": "string"}
    subscribe(emulator.base_url, client_config["websub"]["topic"], subscriber.url, SECRET)
    wait_until(lambda: active(emulator, subscriber.url))
    packets.create_packet("RID-VC-1", "CRVS_NEW", {"fullName": simple("Vc Baby"), "birthCertificateNumber": "BC-42"},
                          schema=schema)
    packets.start_workflow("RID-VC-1", "CRVS_NEW")
    wait_until(lambda: emulator.counters().get("deliveries_succeeded"))
    event = json.loads(subscriber.accepted()[0]["body"])
    assert event["event"]["data"]["protectionKey"] == ""
    vc = open_credential(client_config, event["event"]["data"]["credential"])
    assert vc["type"] == ["VerifiableCredential", "MOSIPVerifiableCredential"]
    assert vc["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert vc["@context"][1].endswith("/.well-known/mosip-context.json")
    assert vc["@context"][2] == {"sec": "https://w3id.org/security#"}
    subject = vc["credentialSubject"]
    assert subject["vcVer"] == "VC-V1" and subject["birthCertificateNumber"] == "BC-42"
    assert subject["id"].split("/")[-1] == "RID-VC-1"
    assert vc["issuedTo"] == client_config["ida"]["partner_id"]
    key_doc = httpx.get(vc["proof"]["verificationMethod"]).json()
    assert verify_vc_proof(vc, key_doc["publicKeyPem"])
    tampered = {**vc, "credentialSubject": {**subject, "UIN": "1111111111"}}
    assert not verify_vc_proof(tampered, key_doc["publicKeyPem"])
    assert httpx.get(vc["issuer"]).json()["assertionMethod"] == [vc["proof"]["verificationMethod"]]


def test_hub_can_require_the_auth_manager_token(make_emulator: Any, subscriber: Subscriber) -> None:
    emu = make_emulator(hub_requires_token=True, death_credential=True)
    cfg = emu.client_config()
    topic = cfg["websub"]["topic"]
    assert subscribe(emu.base_url, topic, subscriber.url, SECRET).status_code == 401
    client = PacketClient(cfg)
    client.login()
    token = client.http.cookies["Authorization"]
    resp = httpx.post(f"{emu.base_url}/hub", cookies={"Authorization": token},
                      data={"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": subscriber.url,
                            "hub.secret": SECRET})
    assert resp.status_code == 202
    wait_until(lambda: active(emu, subscriber.url))
    # death_credential: a CRVS_DEATH is confirmed by a credential whose subject has no UIN
    person = emu.identities.all()[3]
    client.submit("RID-DEATH-VC", "CRVS_DEATH", {"UIN": person["uin"]})
    wait_until(lambda: emu.counters().get("deliveries_succeeded"))
    vc = open_credential(cfg, json.loads(subscriber.accepted()[0]["body"])["event"]["data"]["credential"])
    assert set(vc["credentialSubject"]) == {"id", "vcVer"}
    assert vc["credentialSubject"]["id"].endswith("/RID-DEATH-VC")

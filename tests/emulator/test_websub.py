"""WebSub hub as mosip/websub's Kafka hub behaves (docs/fidelity/websub.md): the partner's own WEBSUB
token in the Cookie, intent verification, trailing-slash deliveries signed X-Hub-Signature, a consumer
that stops at the first failed delivery, the data share."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import (
    PacketClient,
    decrypt_credential,
    hub_signature_ok,
    request_time,
    simple,
    verify_detached_jws,
    wait_until,
)

SECRET = "s3cret-for-hmac"


@dataclass
class Callback:
    """The subscriber's callback: records intent GETs (with their path) and deliveries."""

    status: int = 200
    accept_intent: bool = True
    port: int = 0
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/websub/callback"

    def start(self) -> Callback:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                owner.notifications.append({**query, "path": url.path})
                if query.get("hub.mode") in ("subscribe", "unsubscribe") and owner.accept_intent:
                    self._send(200, query.get("hub.challenge", "").encode())
                else:
                    self._send(200 if query.get("hub.mode") == "denied" else 404, b"no")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                owner.deliveries.append({"body": body, "headers": dict(self.headers.items()),
                                         "path": urlsplit(self.path).path, "status": owner.status})
                self._send(owner.status, b'{"status":"RECEIVED"}')

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[dict[str, Any]]:
        return [d for d in self.deliveries if d["status"] < 300]

    def registration_ids(self) -> list[str]:
        return [json.loads(d["body"])["event"]["data"]["registrationId"] for d in self.accepted()]


@pytest.fixture
def callback() -> Iterator[Callback]:
    cb = Callback().start()
    yield cb
    cb.stop()


def token_for(cfg: dict[str, Any], client_id: str, secret: str, app_id: str) -> str:
    resp = httpx.post(cfg["packet_manager"]["auth_url"], json={
        "id": "string", "version": "string", "requesttime": request_time(), "metadata": {},
        "request": {"clientId": client_id, "secretKey": secret, "appId": app_id}})
    assert resp.status_code == 200, resp.text
    return resp.cookies["Authorization"]


def websub_token(cfg: dict[str, Any]) -> str:
    web = cfg["websub"]
    return token_for(cfg, web["client_id"], web["client_secret"], web["app_id"])


def hub_request(emu: EmulatorServer, cfg: dict[str, Any], callback_url: str, *, secret: str = SECRET,
                mode: str = "subscribe", topic: str | None = None, lease: str = "3600",
                token: str | None = None, anonymous: bool = False) -> httpx.Response:
    """Subscribe (or ``mode``) with the partner's WEBSUB token unless ``token`` or ``anonymous`` says otherwise."""
    cookies = None if anonymous else {"Authorization": token or websub_token(cfg)}
    return httpx.post(f"{emu.base_url}/hub", cookies=cookies, data={
        "hub.mode": mode, "hub.topic": topic or cfg["websub"]["topic"], "hub.callback": callback_url,
        "hub.secret": secret, "hub.lease_seconds": lease})


def subscription(emu: EmulatorServer, callback_url: str) -> dict[str, Any] | None:
    return next((s for s in emu.state()["subscriptions"] if s["callback"] == callback_url), None)


def running(emu: EmulatorServer, callback_url: str) -> bool:
    sub = subscription(emu, callback_url)
    return sub is not None and sub["state"] == "RUNNING"


def subscribed(emu: EmulatorServer, cfg: dict[str, Any], cb: Callback, secret: str = SECRET) -> None:
    assert hub_request(emu, cfg, cb.url, secret=secret).status_code == 202
    wait_until(lambda: running(emu, cb.url))


def open_credential(cfg: dict[str, Any], credential: str) -> tuple[dict[str, Any], bytes]:
    web = cfg["websub"]
    key = serialization.load_pem_private_key(Path(web["partner_encryption_key_path"]).read_bytes(), None)
    cert = x509.load_pem_x509_certificate(web["partner_encryption_certificate_pem"].encode())
    vc = decrypt_credential(credential, key, cert)
    return vc, json.dumps(vc, ensure_ascii=False, separators=(",", ":")).encode()


def test_credential_issued_for_a_new_birth(emulator: EmulatorServer, client_config: dict[str, Any],
                                           packets: PacketClient, callback: Callback) -> None:
    topic = client_config["websub"]["topic"]
    resp = hub_request(emulator, client_config, callback.url)
    assert resp.status_code == 202 and resp.text == "hub.mode=accepted"
    wait_until(lambda: running(emulator, callback.url))
    intent = callback.notifications[0]
    assert intent["hub.mode"] == "subscribe" and intent["hub.topic"] == topic
    assert intent["path"] == "/websub/callback" and intent["hub.lease_seconds"] == "3600"

    packets.submit("RID-BIRTH-0001", "CRVS_NEW", {"fullName": simple("Mwila Banda"), "dateOfBirth": "2026/11/28",
                                                   "gender": simple("Female")})
    wait_until(lambda: emulator.counters().get("deliveries_succeeded"))
    delivery = callback.accepted()[0]
    assert delivery["path"] == "/websub/callback/"          # MOSIP 1.2.0.x's hub adds the slash
    assert hub_signature_ok(delivery, SECRET)
    assert not hub_signature_ok(delivery, "another secret")
    event = json.loads(delivery["body"])
    assert event["publisher"] == "CREDENTIAL_SERVICE"
    assert event["topic"] == topic
    assert event["event"]["dataShareUri"] is None
    data = event["event"]["data"]
    assert data["registrationId"] == "RID-BIRTH-0001"
    assert data["credentialType"] == "vercred"
    vc, vc_bytes = open_credential(client_config, data["credential"])
    # the proof signs the credential JSON, not its encrypted form (CredentialStoreServiceImpl)
    assert verify_detached_jws(data["proof"]["signature"], vc_bytes,
                               client_config["websub"]["credential_signing_certificate_pem"])
    assert not verify_detached_jws(data["proof"]["signature"], data["credential"].encode(),
                                   client_config["websub"]["credential_signing_certificate_pem"])
    assert "MOSIPVerifiableCredential" in vc["type"]
    subject = vc["credentialSubject"]
    assert subject["id"].endswith("/RID-BIRTH-0001")
    ident = emulator.identities.by_uin(subject["UIN"])
    assert ident is not None and ident["vid"] == subject["VID"]
    assert ident["full_name"]["eng"] == "Mwila Banda"
    counters = emulator.counters()
    assert counters["deliveries_succeeded"] == {"RID-BIRTH-0001": 1}
    assert counters["credentials_issued"] == {"RID-BIRTH-0001": 1}


def test_trailing_slash_can_be_turned_off(make_emulator: Any, callback: Callback) -> None:
    emu = make_emulator(hub_trailing_slash=False)
    cfg = emu.client_config()
    client = PacketClient(cfg)
    client.login()
    subscribed(emu, cfg, callback)
    client.submit("RID-SLASH-1", "CRVS_NEW", {"fullName": simple("Exact Path")})
    wait_until(lambda: callback.accepted())
    assert callback.accepted()[0]["path"] == "/websub/callback"


def test_subscribe_needs_the_partners_own_websub_token_in_the_cookie(
        emulator: EmulatorServer, client_config: dict[str, Any], packets: PacketClient, callback: Callback) -> None:
    def refused(resp: httpx.Response, reason: str) -> bool:
        return resp.status_code == 500 and resp.text == f"hub.mode=denied&hub.reason={reason}"

    url, topic = callback.url, client_config["websub"]["topic"]
    assert refused(hub_request(emulator, client_config, url, anonymous=True), "Http header does not exist")
    token = websub_token(client_config)
    header_only = httpx.post(f"{emulator.base_url}/hub", headers={"Authorization": token}, data={
        "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": url, "hub.secret": SECRET})
    assert refused(header_only, "Http header does not exist")        # the hub reads the Cookie only
    other_cookie = httpx.post(f"{emulator.base_url}/hub", headers={"Cookie": "session=1"}, data={
        "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": url, "hub.secret": SECRET})
    assert refused(other_cookie, "Authorization token cannot be found")
    packet_token = packets.http.cookies["Authorization"]               # no SUBSCRIBE_… role
    assert refused(hub_request(emulator, client_config, url, token=packet_token), "Subscriber is not authorized")
    # another partner's topic: the role is there, the partner is not the token's
    assert refused(hub_request(emulator, client_config, url, topic="someone-else/CREDENTIAL_ISSUED"),
                   "Subscriber is not authorized")
    assert refused(hub_request(emulator, client_config, url, token=token[:-4] + "AAAA"), "Token validation failed")
    assert not callback.notifications                                  # nothing reached the callback
    assert hub_request(emulator, client_config, url, token=token).status_code == 202
    wait_until(lambda: running(emulator, url))


def test_intent_refused_means_no_subscription(emulator: EmulatorServer, client_config: dict[str, Any],
                                              callback: Callback) -> None:
    callback.accept_intent = False
    hub_request(emulator, client_config, callback.url)
    wait_until(lambda: emulator.counters().get("hub_verifications", {}).get("failed"))
    assert subscription(emulator, callback.url) is None


def test_hub_rejects_bad_requests(emulator: EmulatorServer) -> None:
    missing = httpx.post(f"{emulator.base_url}/hub", data={"hub.mode": "subscribe"})
    assert missing.status_code == 400 and "hub.topic" in missing.text
    assert httpx.post(f"{emulator.base_url}/hub", data={"hub.mode": "dance"}).status_code == 400
    assert httpx.post(f"{emulator.base_url}/websub/hub", data={"hub.mode": "register", "hub.topic": "x"}
                      ).status_code == 202


def test_a_running_subscriber_is_denied_and_the_first_secret_stays(
        emulator: EmulatorServer, client_config: dict[str, Any], packets: PacketClient, callback: Callback) -> None:
    subscribed(emulator, client_config, callback)
    assert hub_request(emulator, client_config, callback.url, secret="second-secret").status_code == 202
    wait_until(lambda: any(n["hub.mode"] == "denied" for n in callback.notifications))
    denial = callback.notifications[-1]
    assert denial["hub.reason"] == "Subscriber has already registered with the Hub"
    packets.submit("RID-FIRST-SECRET", "CRVS_NEW", {"fullName": simple("First Secret")})
    wait_until(lambda: callback.accepted())
    assert hub_signature_ok(callback.accepted()[0], SECRET)


def test_connection_failures_are_retried_then_the_consumer_stops_until_a_resubscribe(
        make_emulator: Any, callback: Callback) -> None:
    emu = make_emulator(redelivery_initial=0.05, redelivery_max_interval=0.1, redelivery_max_attempts=4)
    cfg = emu.client_config()
    client = PacketClient(cfg)
    client.login()
    subscribed(emu, cfg, callback)
    port = callback.port
    callback.stop()                                       # the device goes offline
    client.submit("RID-OFFLINE-1", "CRVS_NEW", {"fullName": simple("Offline Baby")})
    wait_until(lambda: emu.counters().get("deliveries_failed", {}).get("RID-OFFLINE-1"))
    assert emu.counters()["deliveries_attempted"]["RID-OFFLINE-1"] == 4   # 1 + 3 retries
    sub = subscription(emu, callback.url)
    assert sub is not None and sub["state"] == "STOPPED"
    assert "ConnectError" in sub["pending"][0]["last_error"]
    back = Callback(port=port).start()                    # back online, same callback
    try:
        time.sleep(0.5)
        assert not back.deliveries                        # a stopped consumer sends nothing by itself
        hub_request(emu, cfg, back.url, secret="a-new-secret")   # the device re-subscribes
        wait_until(lambda: back.accepted())
        assert back.registration_ids() == ["RID-OFFLINE-1"]
        assert hub_signature_ok(back.accepted()[0], SECRET)      # still the first subscription's secret
        # the hub counts a success once it has read the answer, a moment after the callback has the body
        wait_until(lambda: emu.counters()["deliveries_succeeded"] == {"RID-OFFLINE-1": 1})
    finally:
        back.stop()


def test_a_non_2xx_answer_is_not_retried_and_holds_back_later_events(
        emulator: EmulatorServer, client_config: dict[str, Any], packets: PacketClient, callback: Callback) -> None:
    subscribed(emulator, client_config, callback)
    callback.status = 500
    packets.submit("RID-500-1", "CRVS_NEW", {"fullName": simple("Retry Baby")})
    wait_until(lambda: emulator.counters().get("deliveries_failed"))
    packets.submit("RID-500-2", "CRVS_NEW", {"fullName": simple("Second Baby")})
    time.sleep(0.3)
    assert len(callback.deliveries) == 1                   # no retry, and the next event waits behind it
    assert emulator.counters()["deliveries_attempted"] == {"RID-500-1": 1}
    callback.status = 200
    assert httpx.post(f"{emulator.base_url}/admin/hub/restart").json() == {"restarted": 1}
    wait_until(lambda: len(callback.accepted()) == 2)
    assert callback.registration_ids() == ["RID-500-1", "RID-500-2"]       # in order, from the stop
    # counted once the hub has read the answer, a moment after the callback has the body
    wait_until(lambda: emulator.counters()["deliveries_succeeded"] == {"RID-500-1": 1, "RID-500-2": 1})


def test_events_published_before_the_subscription_are_not_delivered(
        emulator: EmulatorServer, client_config: dict[str, Any], packets: PacketClient, callback: Callback) -> None:
    packets.submit("RID-EARLY-1", "CRVS_NEW", {"fullName": simple("Early Baby")})
    subscribed(emulator, client_config, callback)
    packets.submit("RID-LATE-1", "CRVS_NEW", {"fullName": simple("Late Baby")})
    wait_until(lambda: callback.accepted())
    time.sleep(0.2)
    assert callback.registration_ids() == ["RID-LATE-1"]


def test_backlog_before_subscription_is_an_option(make_emulator: Any, callback: Callback) -> None:
    emu = make_emulator(hub_backlog_before_subscribe=True)
    cfg = emu.client_config()
    client = PacketClient(cfg)
    client.login()
    client.submit("RID-EARLY-2", "CRVS_NEW", {"fullName": simple("Early Baby")})
    subscribed(emu, cfg, callback)
    wait_until(lambda: callback.accepted())
    assert callback.registration_ids() == ["RID-EARLY-2"]


def test_the_lease_is_not_enforced(emulator: EmulatorServer, client_config: dict[str, Any],
                                   packets: PacketClient, callback: Callback) -> None:
    hub_request(emulator, client_config, callback.url, lease="1")
    wait_until(lambda: running(emulator, callback.url))
    time.sleep(1.2)
    packets.submit("RID-LEASE-1", "CRVS_NEW", {"fullName": simple("Lease Baby")})
    wait_until(lambda: callback.accepted())
    assert callback.registration_ids() == ["RID-LEASE-1"]


def test_unsubscribe(emulator: EmulatorServer, client_config: dict[str, Any], callback: Callback) -> None:
    subscribed(emulator, client_config, callback)
    assert hub_request(emulator, client_config, callback.url, mode="unsubscribe").status_code == 202
    wait_until(lambda: not emulator.state()["subscriptions"])
    assert callback.notifications[-1]["hub.mode"] == "unsubscribe"


def test_mosip_style_publish(make_emulator: Any, callback: Callback) -> None:
    emu = make_emulator(hub_requires_token=False)
    assert httpx.post(f"{emu.base_url}/hub", data={"hub.mode": "subscribe", "hub.topic": "some/TOPIC",
                                                   "hub.callback": callback.url, "hub.secret": SECRET}
                      ).status_code == 202
    wait_until(lambda: running(emu, callback.url))
    event = json.dumps({"publisher": "test", "event": {"id": "e-1"}}).encode()
    resp = httpx.post(f"{emu.base_url}/hub", params={"hub.mode": "publish", "hub.topic": "some/TOPIC"},
                      content=event, headers={"Content-Type": "application/json"})
    assert resp.status_code == 202
    wait_until(lambda: callback.accepted())
    assert callback.accepted()[0]["body"] == event
    assert hub_signature_ok(callback.accepted()[0], SECRET)


def test_data_share_delivery(make_emulator: Any, callback: Callback) -> None:
    emu = make_emulator(data_share_partners=("crvs-field-partner",))
    cfg = emu.client_config()
    client = PacketClient(cfg)
    client.login()
    subscribed(emu, cfg, callback)
    client.submit("RID-SHARE-1", "CRVS_NEW", {"fullName": simple("Shared Baby")})
    wait_until(lambda: callback.accepted())
    event = json.loads(callback.accepted()[0]["body"])["event"]
    assert "credential" not in event["data"] and event["data"]["registrationId"] == "RID-SHARE-1"
    uri = event["dataShareUri"]
    assert uri.startswith(f"{emu.base_url}/v1/datashare/get/")
    assert httpx.get(uri).status_code == 401                            # token required
    token = websub_token(cfg)
    got = httpx.get(uri, cookies={"Authorization": token})
    assert got.status_code == 200 and got.headers["Signature"] == event["data"]["proof"]["signature"]
    vc, vc_bytes = open_credential(cfg, got.text)
    assert vc["credentialSubject"]["id"].endswith("/RID-SHARE-1")
    assert verify_detached_jws(event["data"]["proof"]["signature"], vc_bytes,
                               cfg["websub"]["credential_signing_certificate_pem"])
    assert httpx.get(uri, cookies={"Authorization": token}).status_code == 200     # 2 reads allowed
    used_up = httpx.get(uri, cookies={"Authorization": token})
    assert used_up.status_code == 200 and used_up.json()["errors"][0]["errorCode"] == "DAT-SER-006"
    unknown = httpx.get(uri[:-3] + "xyz", cookies={"Authorization": token}).json()
    assert unknown["errors"][0]["errorCode"] == "DAT-SER-008"


def test_data_share_policy_can_be_set_per_partner(emulator: EmulatorServer, client_config: dict[str, Any]) -> None:
    partner = client_config["ida"]["partner_id"]
    url = f"{emulator.base_url}/admin/partners/{partner}/policy"
    assert httpx.post(url, json={"data_share": True}).json() == {"partner_id": partner, "data_share": True}
    assert emulator.state()["hub"]["data_share_partners"] == [partner]
    assert httpx.post(url, json={"data_share": "yes"}).status_code == 400
    assert httpx.post(f"{emulator.base_url}/admin/partners/nobody/policy", json={"data_share": True}
                      ).status_code == 404


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
                                                    packets: PacketClient, callback: Callback) -> None:
    from tests.emulator.helpers import ID_SCHEMA

    schema = json.loads(json.dumps(ID_SCHEMA))
    schema["properties"]["identity"]["properties"]["birthCertificateNumber"] = {"type": "string"}
    subscribed(emulator, client_config, callback)
    packets.create_packet("RID-VC-1", "CRVS_NEW", {"fullName": simple("Vc Baby"), "birthCertificateNumber": "BC-42"},
                          schema=schema)
    packets.start_workflow("RID-VC-1", "CRVS_NEW")
    wait_until(lambda: callback.accepted())
    event = json.loads(callback.accepted()[0]["body"])
    assert event["event"]["data"]["protectionKey"] == ""
    vc, _ = open_credential(client_config, event["event"]["data"]["credential"])
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


def test_death_credential(make_emulator: Any, callback: Callback) -> None:
    emu = make_emulator(death_credential=True)
    cfg = emu.client_config()
    client = PacketClient(cfg)
    client.login()
    subscribed(emu, cfg, callback)
    person = emu.identities.all()[3]
    client.submit("RID-DEATH-VC", "CRVS_DEATH", {"UIN": person["uin"]})
    wait_until(lambda: callback.accepted())
    vc, _ = open_credential(cfg, json.loads(callback.accepted()[0]["body"])["event"]["data"]["credential"])
    assert set(vc["credentialSubject"]) == {"id", "vcVer"}
    assert vc["credentialSubject"]["id"].endswith("/RID-DEATH-VC")

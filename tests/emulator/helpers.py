"""Test-side protocol code, written from PROTOCOLS.md independently of ``mosip_emulator``.

- ``IdaClient``: builds, encrypts and signs IDA requests (§2), with knobs to break each part.
- ``decrypt_credential``: opens a CREDENTIAL_ISSUED ``credential`` (§3).
- ``Subscriber``: a tiny WebSub subscriber on loopback that can go down and come back on its port.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    t = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(t + "=" * (-len(t) % 4))


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until ``predicate()`` is truthy (no timing assertion: the timeout only bounds a hang)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(interval)


def request_time(offset_seconds: float = 0.0) -> str:
    t = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def new_txn() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(10))


def _gcm_ct_tag_iv(key: bytes, plaintext: bytes) -> bytes:
    iv = os.urandom(16)
    return AESGCM(key).encrypt(iv, plaintext, None) + iv


@dataclass
class IdaClient:
    base_url: str
    partner_id: str
    misp_license_key: str
    api_key: str
    ida_cert: x509.Certificate
    sign_key: Any
    sign_cert: x509.Certificate
    x5c: str = "der"           # "der" (standard) or "pem-text" (what mosip-auth-sdk sends)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> IdaClient:
        ida = cfg["ida"]
        key = serialization.load_pem_private_key(Path(ida["partner_signing_key_path"]).read_bytes(), None)
        return cls(
            base_url=cfg["base_url"],
            partner_id=ida["partner_id"],
            misp_license_key=ida["misp_license_key"],
            api_key=ida["api_key"],
            ida_cert=x509.load_pem_x509_certificate(ida["encryption_certificate_pem"].encode()),
            sign_key=key,
            sign_cert=x509.load_pem_x509_certificate(ida["partner_signing_certificate_pem"].encode()),
        )

    def body(self, individual_id: str, *, id_type: str = "UIN", demographics: dict[str, Any] | None = None,
             txn: str | None = None, time_offset: float = 0.0, consent: bool = True,
             wrong_hmac: bool = False, thumbprint: str | None = None, overrides: dict[str, Any] | None = None,
             ) -> bytes:
        now = request_time(time_offset)
        inner = {"timestamp": now, "otp": "", "biometrics": [],
                 "demographics": {"metadata": {}, **(demographics or {})}}
        plain = json.dumps(inner).encode()
        key = os.urandom(32)
        digest = hashlib.sha256(plain + (b"x" if wrong_hmac else b"")).hexdigest().upper().encode()
        session_key = self.ida_cert.public_key().encrypt(
            key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
        body = {
            "id": "mosip.identity.auth", "version": "1.0", "individualId": individual_id,
            "individualIdType": id_type, "transactionID": txn or new_txn(), "requestTime": now,
            "specVersion": "1.0",
            "thumbprint": thumbprint or b64u(self.ida_cert.fingerprint(hashes.SHA256())),
            "domainUri": self.base_url, "env": "Staging", "consentObtained": consent,
            "request": b64u(_gcm_ct_tag_iv(key, plain)), "requestSessionKey": b64u(session_key),
            "requestHMAC": b64u(_gcm_ct_tag_iv(key, digest)), "metadata": {},
        }
        body.update(overrides or {})
        return json.dumps(body).encode()

    def sign(self, body: bytes, *, key: Any = None, cert: x509.Certificate | None = None,
             x5c: str | None = None, header: dict[str, Any] | None = None) -> str:
        cert = cert or self.sign_cert
        fmt = x5c or self.x5c
        if fmt == "der":
            x5c_value = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        else:
            x5c_value = base64.encodebytes(cert.public_bytes(serialization.Encoding.PEM)).decode()
        protected = header if header is not None else {"alg": "RS256", "x5c": [x5c_value]}
        head = b64u(json.dumps(protected).encode())
        signing_input = f"{head}.{b64u(body)}".encode()
        sig = (key or self.sign_key).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{head}..{b64u(sig)}"

    def post(self, body: bytes, signature: str | None = None, *, authorization: str | None = "Authorization",
             misp: str | None = None, partner: str | None = None, api_key: str | None = None,
             client: httpx.Client | None = None, controller: str = "auth") -> httpx.Response:
        url = (f"{self.base_url}/idauthentication/v1/{controller}/{misp or self.misp_license_key}/"
               f"{partner or self.partner_id}/{api_key or self.api_key}")
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        sig = self.sign(body) if signature is None else signature
        if sig:
            headers["signature"] = sig
        return (client or self.http).post(url, content=body, headers=headers)

    def auth(self, individual_id: str, **kw: Any) -> dict[str, Any]:
        post_kw = {k: kw.pop(k) for k in ("authorization", "misp", "partner", "api_key", "controller") if k in kw}
        body = self.body(individual_id, **kw)
        resp = self.post(body, **post_kw)
        assert resp.status_code == 200, resp.text
        return resp.json()


def demographics_of(identity: dict[str, Any], lang: str = "eng") -> dict[str, Any]:
    return {"name": [{"language": lang, "value": identity["full_name"][lang]}], "dob": identity["dob"],
            "gender": [{"language": lang, "value": identity["gender"][lang]}]}


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["errorCode"] for e in body.get("errors") or []]


def verify_detached_jws(jws: str, payload: bytes, cert_pem: str) -> bool:
    head, empty, sig = jws.split(".")
    assert empty == ""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    try:
        cert.public_key().verify(unb64(sig), f"{head}.{b64u(payload)}".encode(), padding.PKCS1v15(),
                                 hashes.SHA256())
    except Exception:
        return False
    return True


# ------------------------------------------------------------------------------------------------ §3
def decrypt_credential(credential: str, private_key: Any, cert: x509.Certificate) -> dict[str, Any]:
    blob = unb64(credential)
    assert blob[:6] == b"VER_R2"
    thumbprint = blob[6:38]
    assert thumbprint == cert.fingerprint(hashes.SHA256())
    key_part, data_part = blob[38:].split(b"#KEY_SPLITTER#", 1)
    sym = private_key.decrypt(key_part, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                     algorithm=hashes.SHA256(), label=None))
    aad, sealed = data_part[:32], data_part[32:]
    return json.loads(AESGCM(sym).decrypt(aad[:12], sealed, aad))


# ------------------------------------------------------------------------------------------------ WebSub
@dataclass
class Subscriber:
    """``POST`` deliveries are recorded; ``GET`` echoes ``hub.challenge`` (intent verification)."""

    status: int = 200
    accept_intent: bool = True
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    verifications: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/websub/callback"

    def start(self) -> Subscriber:
        sub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                q = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                sub.verifications.append(q)
                body = q.get("hub.challenge", "").encode() if sub.accept_intent else b"no"
                self.send_response(200 if sub.accept_intent else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sub.deliveries.append({"body": raw, "headers": dict(self.headers.items()),
                                       "status": sub.status})
                answer = json.dumps({"status": "RECEIVED" if sub.status < 300 else "ERROR"}).encode()
                self.send_response(sub.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        server = self._server
        self._thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.02), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[dict[str, Any]]:
        return [d for d in self.deliveries if d["status"] < 300]


def hub_signature_ok(delivery: dict[str, Any], secret: str) -> bool:
    header = {k.lower(): v for k, v in delivery["headers"].items()}.get("x-hub-signature", "")
    expected = "sha256=" + hmac.new(secret.encode(), delivery["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(header, expected)


_HTTP = httpx.Client(timeout=10)


def subscribe(base_url: str, topic: str, callback: str, secret: str, mode: str = "subscribe") -> httpx.Response:
    return _HTTP.post(f"{base_url}/hub", data={"hub.mode": mode, "hub.topic": topic, "hub.callback": callback,
                                               "hub.secret": secret, "hub.lease_seconds": "3600"})


# ------------------------------------------------------------------------------------------------ packets
ID_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "definitions": {
        "simpleType": {"type": "array", "items": {"type": "object", "required": ["language", "value"],
                                                   "properties": {"language": {"type": "string"},
                                                                  "value": {"type": "string"}}}},
    },
    "properties": {
        "identity": {
            "type": "object",
            "properties": {
                "IDSchemaVersion": {"type": "number"},
                "fullName": {"$ref": "#/definitions/simpleType"},
                "firstName": {"$ref": "#/definitions/simpleType"},
                "middleName": {"$ref": "#/definitions/simpleType"},
                "lastName": {"$ref": "#/definitions/simpleType"},
                "dateOfBirth": {"type": "string"},
                "gender": {"$ref": "#/definitions/simpleType"},
                "phone": {"type": "string"},
                "email": {"type": "string"},
                "VID": {"type": "string"},
                "UIN": {"type": "string"},
                "nationalIdNumber": {"type": "string"},
                "introducerInfoToken": {"type": "string"},
                "deathDate": {"type": "string"},
            },
        }
    },
}


def simple(value: str, lang: str = "eng") -> str:
    return json.dumps([{"language": lang, "value": value}])


def packet_meta_info(rid: str, *, center: str = "10001", machine: str = "10001",
                     officer: str = "registrar1") -> dict[str, str]:
    """metaInfo as OpenCRVS sends it (opencrvs/mosip country-config transform.ts): {label, value} lists
    JSON-encoded, with what the registration processor's validators read."""
    def labelled(pairs: dict[str, str]) -> str:
        return json.dumps([{"label": k, "value": v} for k, v in pairs.items()])

    return {"metaData": labelled({"registrationId": rid, "centerId": center, "machineId": machine}),
            "operationsData": labelled({"officerId": officer}), "capturedRegisteredDevices": "[]",
            "registrationId": rid, "creationDate": request_time()}


def packet_audits(rid: str) -> list[dict[str, str]]:
    """One audit in the registration client's shape (mosip/registration packet-validator-stage audit.json)."""
    return [{"uuid": "5f0c8a8e-0000-4000-8000-000000000001", "createdAt": request_time(),
             "eventId": "CRVS-REGISTER", "eventName": "REGISTER", "eventType": "USER",
             "hostName": "test", "hostIp": "127.0.0.1", "applicationId": "CRVS", "applicationName": "tests",
             "sessionUserId": "registrar1", "sessionUserName": "registrar1", "id": rid,
             "idType": "REGISTRATION_ID", "createdBy": "registrar1", "moduleName": "tests",
             "moduleId": "TESTS", "description": "registered", "actionTimeStamp": request_time()}]


class PacketClient:
    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg["packet_manager"]
        self.http = httpx.Client(timeout=10)

    def login(self) -> httpx.Response:
        resp = self.http.post(self.cfg["auth_url"], json={
            "id": "string", "version": "string", "requesttime": request_time(), "metadata": {},
            "request": {"clientId": self.cfg["client_id"], "secretKey": self.cfg["secret_key"],
                        "appId": self.cfg["app_id"]}})
        return resp

    def create_packet(self, rid: str, process: str, fields: dict[str, str],
                      schema: dict[str, Any] | None = None, *, meta_info: dict[str, str] | None = None,
                      audits: list[dict[str, str]] | None = None) -> httpx.Response:
        return self.http.put(self.cfg["create_packet_url"], json={
            "id": "mosip.commons.packet", "version": "v1", "requesttime": request_time(),
            "request": {"id": rid, "refId": "10001_10001", "offlineMode": False, "process": process,
                        "source": "OPENCRVS", "schemaVersion": "0.500",
                        "schemaJson": json.dumps(schema or ID_SCHEMA), "fields": fields,
                        "metaInfo": packet_meta_info(rid) if meta_info is None else meta_info,
                        "audits": packet_audits(rid) if audits is None else audits,
                        "documents": {}, "biometrics": {}}})

    def start_workflow(self, rid: str, process: str) -> httpx.Response:
        return self.http.post(self.cfg["workflow_url"], json={
            "id": "mosip.registration.processor.workflow.instance", "version": "v1",
            "requesttime": request_time(),
            "request": {"registrationId": rid, "process": process, "source": "OPENCRVS",
                        "additionalInfoReqId": "", "notificationInfo": {"name": "", "phone": "", "email": ""}}})

    def submit(self, rid: str, process: str, fields: dict[str, str]) -> tuple[httpx.Response, httpx.Response]:
        return self.create_packet(rid, process, fields), self.start_workflow(rid, process)

"""e-Signet mounted in the emulator: same base URL, same identity store, runtime client registration."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import PacketClient, simple

TRANSACTION_RE = re.compile(r'name="transaction_id" value="([^"]+)"')
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def login_code(http: httpx.Client, client_id: str, redirect_uri: str, individual_id: str, otp: str,
               challenge: str) -> dict[str, str]:
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": "openid profile", "state": "st-1", "nonce": "n-1", "code_challenge": challenge,
              "code_challenge_method": "S256"}
    page = http.get("/authorize?" + urlencode(params))
    assert page.status_code == 200, page.text
    tid = TRANSACTION_RE.search(page.text).group(1)
    consent = http.post("/authorize/login", data={"transaction_id": tid, "individual_id": individual_id,
                                                  "otp": otp, "action": "login"})
    assert consent.status_code == 200, consent.text
    done = http.post("/authorize/consent", data={"transaction_id": tid, "action": "accept"})
    assert done.status_code == 302, done.text
    return {k: v[0] for k, v in parse_qs(urlsplit(done.headers["location"]).query).items()}


def test_discovery_is_served_at_the_emulator_base_url(emulator: EmulatorServer) -> None:
    doc = httpx.get(f"{emulator.base_url}/.well-known/openid-configuration").json()
    assert doc["issuer"] == emulator.base_url
    assert doc["token_endpoint"].startswith(emulator.base_url)
    assert emulator.state()["esignet"]["issuer"] == emulator.base_url


def test_runtime_client_registration(emulator: EmulatorServer) -> None:
    key = RSAKey.generate_key(2048, {"kid": "rp-1", "use": "sig"}, private=True)
    resp = httpx.post(f"{emulator.base_url}/admin/esignet/clients", json={
        "client_id": "another-rp", "public_jwks": {"keys": [key.as_dict(private=False)]},
        "redirect_uris": ["http://127.0.0.1/cb"]})
    assert resp.status_code == 201, resp.text
    assert "another-rp" in httpx.get(f"{emulator.base_url}/admin/esignet/clients").json()
    bad = httpx.post(f"{emulator.base_url}/admin/esignet/clients", json={
        "client_id": "leaky", "public_jwks": {"keys": [key.as_dict(private=True)]},
        "redirect_uris": ["http://127.0.0.1/cb"]})
    assert bad.status_code == 400


def test_a_newborn_registered_through_mosip_can_log_in(emulator: EmulatorServer, client_config: dict[str, Any],
                                                       packets: PacketClient) -> None:
    packets.submit("RID-ESIGNET-1", "CRVS_NEW", {"fullName": simple("Thandiwe Mbewe"), "dateOfBirth": "2026/11/02",
                                                 "gender": simple("Female")})
    uin = emulator.state()["workflows"]["RID-ESIGNET-1"]["result"]["uin"]
    rp = client_config["esignet"]["clients"][0]
    private = RSAKey.import_key(json.loads(Path(rp["private_jwk_path"]).read_text()))
    verifier = secrets.token_urlsafe(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    redirect = rp["redirect_uris"][0]                  # e-Signet matches the registered URI exactly
    with httpx.Client(base_url=emulator.base_url) as http:
        q = login_code(http, rp["client_id"], redirect, uin, client_config["esignet"]["otp"], challenge)
        assert q["state"] == "st-1" and q["iss"] == emulator.base_url
        discovery = http.get("/.well-known/openid-configuration").json()
        now = int(time.time())
        assertion = jwt.encode({"alg": "RS256", "kid": rp["kid"]},
                               {"iss": rp["client_id"], "sub": rp["client_id"], "aud": discovery["token_endpoint"],
                                "iat": now, "exp": now + 120, "jti": secrets.token_urlsafe(12)}, private)
        token = http.post(discovery["token_endpoint"], data={
            "grant_type": "authorization_code", "code": q["code"], "redirect_uri": redirect,
            "code_verifier": verifier, "client_id": rp["client_id"], "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion})
        assert token.status_code == 200, token.text
        info = http.get(discovery["userinfo_endpoint"],
                        headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert info.status_code == 200, info.text
        payload = json.loads(base64.urlsafe_b64decode(info.text.split(".")[1] + "=="))
        assert payload["name"] == "Thandiwe Mbewe"
        assert payload["birthdate"] == "2026/11/02"
        # a death registered through MOSIP ends e-Signet logins too
        packets.submit("RID-ESIGNET-DEATH", "CRVS_DEATH", {"UIN": uin})
        params = {"client_id": rp["client_id"], "redirect_uri": redirect, "response_type": "code",
                  "scope": "openid", "state": "s", "nonce": "n"}
        tid = TRANSACTION_RE.search(http.get("/authorize?" + urlencode(params)).text).group(1)
        refused = http.post("/authorize/login", data={"transaction_id": tid, "individual_id": uin,
                                                      "otp": client_config["esignet"]["otp"], "action": "login"})
        assert refused.status_code == 401
        assert "IDA-MLC-022" in refused.text

"""POST /auth/token and the token checks of the events API (packages/auth/src/features/oauthToken/)."""

from __future__ import annotations

import base64
import json
import time

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from opencrvs_emulator.server import OpenCrvsServer

from .conftest import Api


def _claims(token: str) -> tuple[dict, dict]:
    head, body, _ = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(head))), json.loads(base64.urlsafe_b64decode(pad(body)))


def test_client_credentials_token_is_rs256_with_scopes_600_seconds_and_no_refresh(crvs: OpenCrvsServer) -> None:
    creds = crvs.clients()["crvs-field-health"]
    with httpx.Client(base_url=crvs.base_url) as http:
        answer = http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                                "client_secret": creds["secret"]})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert set(body) == {"access_token", "token_type"}  # no expires_in, no refresh_token
    assert body["token_type"] == "Bearer"
    header, claims = _claims(body["access_token"])
    assert header["alg"] == "RS256"
    assert claims["exp"] - claims["iat"] == 600
    assert claims["sub"] == creds["client_id"] and claims["userType"] == "system"
    assert claims["iss"] == "opencrvs:auth-service" and "opencrvs:events-user" in claims["aud"]
    assert claims["scope"] == ["type=record.create&event=birth,death", "type=record.notify&event=birth,death"]


def test_parameters_may_come_as_json_or_query(crvs: OpenCrvsServer) -> None:
    creds = crvs.clients()["crvs-field-search"]
    params = {"grant_type": "client_credentials", "client_id": creds["client_id"], "client_secret": creds["secret"]}
    with httpx.Client(base_url=crvs.base_url) as http:
        assert http.post("/auth/token", json=params).status_code == 200
        assert http.post("/auth/token", params=params).status_code == 200


def test_token_refusals_have_oauth_error_codes(crvs: OpenCrvsServer) -> None:
    creds = crvs.clients()["crvs-field-health"]
    with httpx.Client(base_url=crvs.base_url) as http:
        missing = http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": creds["client_id"]})
        assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
        grant = http.post("/auth/token", data={"grant_type": "password", "client_id": creds["client_id"],
                                               "client_secret": creds["secret"]})
        assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
        wrong = http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                               "client_secret": "not-the-secret"})
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
        assert http.post(f"/admin/clients/{creds['client_id']}/status", json={"status": "disabled"}).status_code == 200
        disabled = http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                                  "client_secret": creds["secret"]})
        assert (disabled.status_code, disabled.json()["error"]) == (401, "invalid_client")


def test_events_api_refuses_missing_foreign_and_expired_tokens(crvs: OpenCrvsServer, api: Api) -> None:
    with httpx.Client(base_url=crvs.base_url) as http:
        none = http.get("/events/config")  # the gateway answers first, in Hapi's shape
        assert none.status_code == 401
        assert none.json() == {"statusCode": 401, "error": "Unauthorized", "message": "Missing authentication"}
        garbled = http.get("/events/config", headers={"Authorization": "Bearer abc"})
        assert garbled.json()["message"] == "Invalid token format"
        foreign_key = RSAKey.generate_key(2048)
        now = int(time.time())
        claims = {"scope": ["type=record.search"], "userType": "system", "iat": now, "exp": now + 600,
                  "aud": ["opencrvs:events-user"], "iss": "opencrvs:auth-service", "sub": "x"}
        forged = jwt.encode({"alg": "RS256"}, claims, foreign_key)
        answer = http.get("/events/config", headers={"Authorization": f"Bearer {forged}"})
        assert answer.status_code == 401 and answer.json()["message"] == "Invalid token"
        expired = jwt.encode({"alg": "RS256"}, {**claims, "iat": now - 700, "exp": now - 100},
                             crvs.emulator.auth.key)
        answer = http.get("/events/config", headers={"Authorization": f"Bearer {expired}"})
        assert (answer.status_code, answer.json()["message"]) == (401, "Expired token")
        assert answer.headers["www-authenticate"] == 'Token error="Expired token"'
        events_only = jwt.encode({"alg": "RS256"}, {**claims, "aud": ["opencrvs:events-user"], "scope": "x"},
                                 crvs.emulator.auth.key)
        answer = http.get("/events/config", headers={"Authorization": f"Bearer {events_only}"})
        assert answer.json()["message"] == "Invalid token"  # the gateway wants opencrvs:gateway-user
        bad_claims = jwt.encode({"alg": "RS256"}, {**claims, "aud": ["opencrvs:gateway-user"], "scope": "x"},
                                crvs.emulator.auth.key)
        answer = http.get("/events/config", headers={"Authorization": f"Bearer {bad_claims}"})
        # past the gateway, the events service parses the claims (scope must be a list): tRPC's 401
        assert answer.json() == {"message": "Authentication failed", "code": "UNAUTHORIZED",
                                 "data": {"code": "UNAUTHORIZED", "httpStatus": 401, "path": "event.config.get"}}
    assert api.get("/events/config").status_code == 200


def test_config_lists_farajaland_forms_with_the_mosip_fields(api: Api) -> None:
    configs = {c["id"]: c for c in api.get("/events/config").json()}
    assert set(configs) == {"birth", "death"}
    fields = {f["id"]: f["type"] for p in configs["birth"]["declaration"]["pages"] for f in p["fields"]}
    for section in ("mother", "father", "informant"):
        assert fields[f"{section}.verified"] == "VERIFICATION_STATUS"
        assert fields[f"{section}.nid"] == "ID"
        assert fields[f"{section}.verify-nid-http-fetch"] == "HTTP"
        assert fields[f"{section}.id-reader"] == "ID_READER"
    relation = next(f for p in configs["birth"]["declaration"]["pages"] for f in p["fields"]
                    if f["id"] == "informant.relation")
    assert [o["value"] for o in relation["options"]][:3] == ["MOTHER", "FATHER", "OTHER"]
    death = {f["id"] for p in configs["death"]["declaration"]["pages"] for f in p["fields"]}
    assert "deceased.id-reader" in death and "deceased.verify-nid-http-fetch" not in death  # esignet: false


def test_locations_and_administrative_areas(api: Api) -> None:
    offices = api.get("/events/locations", params={"locationType": "CRVS_OFFICE"}).json()
    assert offices and all(o["locationType"] == "CRVS_OFFICE" for o in offices)
    assert {"HQ Office", "Ibombo District Office"} <= {o["name"] for o in offices}
    areas = api.get("/events/administrativeAreas.list").json()["result"]["data"]["json"]
    ids = {a["id"] for a in areas}
    assert all(o["administrativeAreaId"] in ids for o in offices if o["administrativeAreaId"])

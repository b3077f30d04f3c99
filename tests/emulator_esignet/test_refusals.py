"""What the token, userinfo and login endpoints must refuse, as e-Signet's source does
(OAuthServiceImpl.getTokens, TokenServiceImpl.verifyClientAssertionToken, ExceptionHandlerAdvice)."""

from __future__ import annotations

import time

import pytest

from .conftest import DECEASED, JANE, OTP, REDIRECT, ClientKeys, Server, page_step, start_login
from .helpers import (
    assertion,
    authorize_url,
    get_code,
    query,
    token_request,
    unsigned_assertion,
)

FIXED_PORT = "http://127.0.0.1:5173/callback"


@pytest.fixture
def rp(server: Server, rp_keys: ClientKeys) -> str:
    server.esignet.register_client("rp", rp_keys.public_jwks(), [REDIRECT, FIXED_PORT])
    return "rp"


def token_endpoint(server: Server) -> str:
    return server.discovery()["token_endpoint"]


def exchange(server: Server, code: str, verifier: str | None, client_assertion: str, **kw):
    return token_request(
        server.http,
        token_endpoint(server),
        code=code,
        verifier=verifier,
        client_assertion=client_assertion,
        **kw,
    )


def assert_error(response, error: str, description: str | None = None) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == error, body
    if description is not None:
        assert body["error_description"] == description, body
    assert response.headers["cache-control"] == "no-store"


def test_successful_exchange_baseline(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    ok = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server)))
    assert ok.status_code == 200, ok.text
    assert set(ok.json()) == {"access_token", "token_type", "expires_in", "id_token"}


def test_issuer_is_an_accepted_audience(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    ok = exchange(server, code, verifier, assertion(rp_keys, rp, [server.base]))
    assert ok.status_code == 200, ok.text


def test_replayed_jti(server: Server, rp: str, rp_keys: ClientKeys):
    first_code, first_verifier = get_code(server.http, rp)
    second_code, second_verifier = get_code(server.http, rp)
    signed = assertion(rp_keys, rp, token_endpoint(server), jti="same-jti")
    assert exchange(server, first_code, first_verifier, signed).status_code == 200
    replay = exchange(server, second_code, second_verifier, signed)
    assert_error(replay, "invalid_client", "invalid_client")
    fresh = assertion(rp_keys, rp, token_endpoint(server), jti="same-jti")  # same jti, new JWT
    assert_error(exchange(server, second_code, second_verifier, fresh), "invalid_client")
    assert server.esignet.inspect()["counters"]["assertion_replayed"] == 2


def test_wrong_code_verifier(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    wrong = verifier[:-1] + ("A" if verifier[-1] != "A" else "B")
    assert_error(exchange(server, code, wrong, assertion(rp_keys, rp, token_endpoint(server))), "invalid_grant")
    assert_error(exchange(server, code, None, assertion(rp_keys, rp, token_endpoint(server))), "invalid_grant")
    # the right verifier still works: a failed attempt does not burn the code (as e-Signet)
    ok = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server)))
    assert ok.status_code == 200


def test_reused_code(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    assert exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server))).status_code == 200
    again = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server)))
    assert_error(again, "invalid_grant")


def test_expired_code(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    server.clock.advance(server.esignet.code_ttl + 1)
    late = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server)))
    assert_error(late, "invalid_grant")


def test_unknown_code(server: Server, rp: str, rp_keys: ClientKeys):
    bad = exchange(server, "not-a-code", "x" * 43, assertion(rp_keys, rp, token_endpoint(server)))
    assert_error(bad, "invalid_grant")


def test_wrong_redirect_uri(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp, FIXED_PORT)
    # another registered redirect URI is not the one the code was issued for
    wrong = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server)), redirect_uri=REDIRECT)
    assert_error(wrong, "invalid_request", "invalid_redirect_uri")
    ok = exchange(
        server,
        code,
        verifier,
        assertion(rp_keys, rp, token_endpoint(server)),
        redirect_uri=FIXED_PORT,
    )
    assert ok.status_code == 200


def test_token_request_checks_in_e_signet_order(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    forged = "e30.e30.c2ln"
    # bean validation first: a missing redirect_uri is named before anything else
    assert_error(exchange(server, code, verifier, forged, redirect_uri=""), "invalid_request", "invalid_redirect_uri")
    # then the code: an unknown code is invalid_grant even with a forged assertion
    assert_error(exchange(server, "nope", verifier, forged), "invalid_grant")
    # then client_id, redirect_uri and PKCE, all before the client assertion
    assert_error(exchange(server, code, verifier, forged, client_id="rp-x"), "invalid_request", "invalid_client_id")
    assert_error(exchange(server, code, "", forged), "invalid_grant")
    assert_error(exchange(server, code, verifier, forged), "invalid_client")
    # a refused request does not use the code up
    ok = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server)))
    assert ok.status_code == 200, ok.text


def test_assertion_lifetime_is_not_bounded_but_leeway_is_5_s(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    now = int(time.time())
    late = assertion(rp_keys, rp, token_endpoint(server), exp=now - 10)
    assert_error(exchange(server, code, verifier, late), "invalid_client")
    long_lived = assertion(rp_keys, rp, token_endpoint(server), iat=now + 600, exp=now + 86400 * 30)
    assert exchange(server, code, verifier, long_lived).status_code == 200


def test_jti_cache_is_shared_by_all_clients(server: Server, rp: str, rp_keys: ClientKeys, ec_keys: ClientKeys):
    server.esignet.register_client("rp-ec", ec_keys.public_jwks(), [REDIRECT])
    code, verifier = get_code(server.http, rp)
    first = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server), jti="shared-jti"))
    assert first.status_code == 200
    code, verifier = get_code(server.http, "rp-ec")
    again = exchange(server, code, verifier, assertion(ec_keys, "rp-ec", token_endpoint(server), jti="shared-jti"))
    assert_error(again, "invalid_client")


def test_code_bound_to_client(server: Server, rp: str, rp_keys: ClientKeys, ec_keys: ClientKeys):
    server.esignet.register_client("rp-other", ec_keys.public_jwks(), [REDIRECT])
    code, verifier = get_code(server.http, rp)
    # the client is the code's: another client's assertion does not verify with rp's key …
    stolen = exchange(server, code, verifier, assertion(ec_keys, "rp-other", token_endpoint(server)))
    assert_error(stolen, "invalid_client")
    # … and naming another client_id is invalid_client_id
    named = exchange(
        server, code, verifier, assertion(ec_keys, "rp-other", token_endpoint(server)), client_id="rp-other"
    )
    assert_error(named, "invalid_request", "invalid_client_id")


def test_assertion_signed_by_unregistered_key(server: Server, rp: str, other_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    forged = exchange(server, code, verifier, assertion(other_keys, rp, token_endpoint(server)))
    assert_error(forged, "invalid_client")


def test_assertion_with_unknown_kid(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    signed = assertion(rp_keys, rp, token_endpoint(server), header={"kid": "nope"})
    assert_error(exchange(server, code, verifier, signed), "invalid_client")


def test_wrong_aud(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    for aud in ("https://esignet.example/v1/esignet/oauth/v2/token", server.base + "/v1/esignet/oauth/token"):
        bad = exchange(server, code, verifier, assertion(rp_keys, rp, aud))
        assert_error(bad, "invalid_client")


def test_alg_none_assertion(server: Server, rp: str):
    code, verifier = get_code(server.http, rp)
    assert_error(exchange(server, code, verifier, unsigned_assertion(rp, token_endpoint(server))), "invalid_client")


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "someone-else"},
        {"sub": "someone-else"},
        {"exp": int(time.time()) - 120},
        {"nbf": int(time.time()) + 600},
        {"iat": None},
        {"exp": None},
        {"jti": None},
        {"jti": ""},
        {"jti": "  "},
    ],
    ids=["iss", "sub", "expired", "not-yet", "no-iat", "no-exp", "no-jti", "empty-jti", "blank-jti"],
)
def test_bad_assertion_claims(server: Server, rp: str, rp_keys: ClientKeys, claims: dict):
    code, verifier = get_code(server.http, rp)
    bad = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server), **claims))
    assert_error(bad, "invalid_client")


def test_assertion_type_and_grant_type(server: Server, rp: str, rp_keys: ClientKeys):
    code, verifier = get_code(server.http, rp)
    signed = assertion(rp_keys, rp, token_endpoint(server))
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
        "client_assertion": signed,
    }
    assert_error(server.http.post(token_endpoint(server), data=data), "invalid_client")
    data["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    data["grant_type"] = "client_credentials"
    assert_error(server.http.post(token_endpoint(server), data=data), "unsupported_grant_type")
    data["grant_type"] = "authorization_code"
    data["client_id"] = "somebody"
    assert_error(server.http.post(token_endpoint(server), data=data), "invalid_request", "invalid_client_id")


def test_userinfo_bad_tokens(server: Server, rp: str, rp_keys: ClientKeys):
    endpoint = server.discovery()["userinfo_endpoint"]
    for headers, code in (
        ({}, "missing_header"),
        ({"Authorization": "Bearer nope"}, "invalid_token"),
        ({"Authorization": "Basic abc"}, "invalid_token"),
        ({"Authorization": "Bearer"}, "unknown_error"),
    ):
        response = server.http.get(endpoint, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == f'error="{code}"'
        assert response.content == b''
    code, verifier = get_code(server.http, rp)
    token = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server))).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert server.http.get(endpoint, headers=auth).status_code == 200
    # the scheme word is not checked (OpenIdConnectServiceImpl takes the second word)
    assert server.http.get(endpoint, headers={"Authorization": f"DPoP {token['access_token']}"}).status_code == 200
    server.clock.advance(token["expires_in"] + 1)
    expired = server.http.get(endpoint, headers=auth)
    assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["www-authenticate"]


def test_cancel_gives_access_denied(server: Server, rp: str):
    url = authorize_url(rp, state="st-1")
    # cancel on the consent page
    from .conftest import login

    location = login(server.http, url, action="cancel")
    q = query(location)
    assert location.startswith(REDIRECT + "?")
    # oidc-ui redirectOnError: error_description, state, error — and no iss
    assert q == {"error": "access_denied", "error_description": "Consent Denied", "state": "st-1"}
    assert location.index("error_description=") < location.index("state=") < location.index("&error=")
    # cancel on the login page
    tid = start_login(server.http, authorize_url(rp, state="st-2"))
    response = server.http.post("/authorize/login", data={"transaction_id": tid, "action": "cancel"})
    assert response.status_code == 302
    assert query(response.headers["location"])["error"] == "access_denied"
    # without a state in the request, oidc-ui sends the string "null"
    tid = start_login(server.http, authorize_url(rp, state=None))
    response = server.http.post("/authorize/login", data={"transaction_id": tid, "action": "cancel"})
    assert query(response.headers["location"])["state"] == "null"


@pytest.mark.parametrize(
    ("individual_id", "otp", "error"),
    [
        (DECEASED["uin"], OTP, "IDA-MLC-022"),
        (DECEASED["vid"], OTP, "IDA-MLC-023"),
        ("9999999999", OTP, "IDA-MLC-018"),
        (JANE["uin"], "123456", "IDA-OTA-004"),
    ],
    ids=["deactivated-uin", "deactivated-vid", "unknown", "wrong-otp"],
)
def test_login_failures(server: Server, rp: str, individual_id: str, otp: str, error: str):
    tid = start_login(server.http, authorize_url(rp))
    data = {"transaction_id": tid, "individual_id": individual_id, "otp": otp, "action": "login"}
    response = server.http.post("/authorize/login", data=data)
    assert response.status_code == 401
    assert page_step(response.text) == ("login", error)
    # the same transaction can still succeed afterwards
    data.update(individual_id=JANE["uin"], otp=OTP)
    assert page_step(server.http.post("/authorize/login", data=data).text) == ("consent", "")


def test_consent_needs_login_and_essential_claims(server: Server, rp: str):
    import json

    claims = {"userinfo": {"name": {"essential": True}, "email": {"essential": False}}}
    tid = start_login(server.http, authorize_url(rp, claims=json.dumps(claims)))
    early = server.http.post("/authorize/consent", data={"transaction_id": tid, "action": "accept"})
    assert early.status_code == 400 and page_step(early.text) == ("error", "invalid_transaction")
    server.http.post("/authorize/login", data={"transaction_id": tid, "individual_id": JANE["uin"], "otp": OTP})
    missing = server.http.post(
        "/authorize/consent",
        data={"transaction_id": tid, "action": "accept", "consent_form": "1", "accepted_claims": ["email"]},
    )
    # getAuthCode refuses; oidc-ui sends the error to the client and the transaction is over
    assert missing.status_code == 302
    assert query(missing.headers["location"])["error"] == "invalid_accepted_claim"
    tid = start_login(server.http, authorize_url(rp, claims=json.dumps(claims)))
    server.http.post("/authorize/login", data={"transaction_id": tid, "individual_id": JANE["uin"], "otp": OTP})
    ok = server.http.post(
        "/authorize/consent",
        data={"transaction_id": tid, "action": "accept", "consent_form": "1", "accepted_claims": ["name"]},
    )
    assert ok.status_code == 302 and "code" in query(ok.headers["location"])
    # the transaction is gone once a code is issued
    again = server.http.post("/authorize/consent", data={"transaction_id": tid, "action": "accept"})
    assert again.status_code == 400


def test_expired_transaction(server: Server, rp: str):
    tid = start_login(server.http, authorize_url(rp))
    server.clock.advance(server.esignet.transaction_ttl + 1)
    response = server.http.post(
        "/authorize/login", data={"transaction_id": tid, "individual_id": JANE["uin"], "otp": OTP}
    )
    # oidc-ui sends invalid_transaction back to the client (ErrorIndicator / redirectOnError)
    assert response.status_code == 302
    q = query(response.headers["location"])
    assert q["error"] == "invalid_transaction" and q["error_description"].startswith("The transaction has expired")
    unknown = server.http.post("/authorize/login", data={"transaction_id": "nope", "otp": OTP})
    assert unknown.status_code == 400 and page_step(unknown.text) == ("error", "invalid_transaction")


def test_consent_window_is_120_s(server: Server, rp: str):
    tid = start_login(server.http, authorize_url(rp))
    server.http.post("/authorize/login", data={"transaction_id": tid, "individual_id": JANE["uin"], "otp": OTP})
    server.clock.advance(server.esignet.consent_ttl + 1)
    late = server.http.post("/authorize/consent", data={"transaction_id": tid, "action": "accept"})
    assert late.status_code == 302 and query(late.headers["location"])["error"] == "invalid_transaction"


def test_identity_deactivated_between_login_and_token(server: Server, rp: str, rp_keys: ClientKeys, monkeypatch):
    code, verifier = get_code(server.http, rp)
    original = server.esignet.identities

    def deactivated(individual_id: str):
        identity = original(individual_id)
        return identity and {**identity, "status": "DEACTIVATED"}

    monkeypatch.setattr(server.esignet, "identities", deactivated)
    late = exchange(server, code, verifier, assertion(rp_keys, rp, token_endpoint(server)))
    assert_error(late, "invalid_request", "data_exchange_failed")


def test_hs256_assertion_keyed_with_the_public_key(server: Server, rp: str, rp_keys: ClientKeys):
    """The classic alg-confusion attack: HMAC keyed with the client's *public* key."""
    import base64
    import hashlib
    import hmac
    import json
    import secrets

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    code, verifier = get_code(server.http, rp)
    now = int(time.time())
    header = {"alg": "HS256", "kid": rp_keys.kid, "typ": "JWT"}
    claims = {
        "iss": rp,
        "sub": rp,
        "aud": token_endpoint(server),
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_hex(8),
    }
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    secret = json.dumps(rp_keys.signing.as_dict(private=False)).encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{b64(signature)}"
    assert_error(exchange(server, code, verifier, forged), "invalid_client")

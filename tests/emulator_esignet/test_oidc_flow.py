"""The whole OIDC flow driven by authlib as a third-party relying party, login over httpx."""

from __future__ import annotations

import json
import secrets
import warnings

import authlib.deprecate  # noqa: F401 - installs its "always" filter first, so ours can win
import pytest
from authlib.common.security import generate_token

with warnings.catch_warnings():  # authlib 1.9 nags about httpx vs httpx2 at import time
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwe, jwt
from joserfc.jwk import KeySet

from .conftest import JANE, REDIRECT, ClientKeys, Server, login
from .helpers import get_code, query

CLAIMS = {
    "userinfo": {
        "name": {"essential": True},
        "given_name": {"essential": True},
        "middle_name": {"essential": False},
        "family_name": {"essential": True},
        "birthdate": {"essential": True},
        "gender": {"essential": False},
        "address": {"essential": False},
        "individual_id": {"essential": True},
    },
    "id_token": {},
}


def rp_client(server: Server, client_id: str, keys: ClientKeys, redirect: str = REDIRECT) -> OAuth2Client:
    disc = server.discovery()
    client = OAuth2Client(
        client_id,
        client_secret=keys.signing,
        token_endpoint_auth_method="private_key_jwt",
        redirect_uri=redirect,
        scope="openid",
        code_challenge_method="S256",
    )
    client.register_client_auth_method(PrivateKeyJWT(disc["token_endpoint"], headers={"kid": keys.kid}, alg=keys.alg))
    return client


def run_flow(server: Server, client: OAuth2Client, individual_id: str = JANE["uin"], **params: str):
    """authorize (authlib) → login (httpx) → token (authlib); returns (token, nonce, location)."""
    disc = server.discovery()
    verifier = generate_token(64)
    nonce = secrets.token_urlsafe(12)
    url, state = client.create_authorization_url(
        disc["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
    )
    location = login(server.http, url, individual_id)
    q = query(location)
    assert q["state"] == state
    assert q["iss"] == disc["issuer"]
    token = client.fetch_token(
        disc["token_endpoint"], authorization_response=location, code_verifier=verifier, state=state
    )
    return token, nonce, location


def jwks(server: Server) -> KeySet:
    return KeySet.import_key_set(server.http.get(server.discovery()["jwks_uri"]).json())


def test_discovery_and_jwks(server: Server):
    disc = server.discovery()
    assert disc == server.http.get("/v1/esignet/oidc/.well-known/openid-configuration").json()
    assert disc["issuer"] == server.base
    assert disc["authorization_endpoint"] == f"{server.base}/authorize"
    assert disc["token_endpoint"] == f"{server.base}/v1/esignet/oauth/v2/token"
    assert disc["userinfo_endpoint"] == f"{server.base}/v1/esignet/oidc/userinfo"
    assert disc["jwks_uri"] == f"{server.base}/.well-known/jwks.json"
    assert disc["code_challenge_methods_supported"] == ["S256"]
    assert disc["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert set(disc["token_endpoint_auth_signing_alg_values_supported"]) == {"RS256", "PS256", "ES256"}
    assert disc["subject_types_supported"] == ["pairwise"]
    assert disc["claims_parameter_supported"] is True
    assert disc["authorization_response_iss_parameter_supported"] is True
    assert "mosip:idp:acr:generated-code" in disc["acr_values_supported"]
    keys = server.http.get("/.well-known/jwks.json").json()
    assert keys == server.http.get("/v1/esignet/oauth/.well-known/jwks.json").json()
    kids = [k["kid"] for k in keys["keys"]]
    info = server.esignet.inspect()["keys"]
    assert kids == [info["esignet_kid"], info["ida_kyc_kid"]] and len(set(kids)) == 2
    assert all("d" not in k and k["x5c"] and k["use"] == "sig" for k in keys["keys"])


def test_authlib_flow_verified_id_token_and_userinfo(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp-one", rp_keys.public_jwks(), [REDIRECT])
    client = rp_client(server, "rp-one", rp_keys)
    token, nonce, _ = run_flow(server, client, claims=json.dumps(CLAIMS), acr_values="mosip:idp:acr:generated-code")
    assert token["token_type"].lower() == "bearer" and token["expires_in"] > 0
    keyset = jwks(server)
    kids = server.esignet.inspect()["keys"]

    # id_token: signature against the published JWKS (by kid), then authlib's OIDC checks.
    id_token = jwt.decode(token["id_token"], keyset, algorithms=["PS256"])
    assert id_token.header["kid"] == kids["esignet_kid"] and id_token.header["alg"] == "PS256"
    checked = CodeIDToken(
        id_token.claims,
        id_token.header,
        {
            "iss": {"essential": True, "value": server.base},
            "aud": {"essential": True, "value": "rp-one"},
            "nonce": {"essential": True, "value": nonce},
        },
        params={"access_token": token["access_token"], "nonce": nonce},
    )
    checked.validate()  # iss, aud, exp, iat, nonce, at_hash (authlib's own code)
    assert id_token.claims["acr"] == "mosip:idp:acr:generated-code"
    assert id_token.claims["auth_time"] <= id_token.claims["iat"] + 1
    assert id_token.claims["sub"] != JANE["uin"]

    # userinfo: a JWS signed by the IDA KYC key (another kid), only the requested claims.
    response = client.get(server.discovery()["userinfo_endpoint"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jwt")
    userinfo = jwt.decode(response.text, keyset, algorithms=["PS256"])
    assert userinfo.header["kid"] == kids["ida_kyc_kid"] != kids["esignet_kid"]
    claims = userinfo.claims
    assert claims == {
        "sub": id_token.claims["sub"],
        "name": "Jane Mary Banda",
        "given_name": "Jane",
        "middle_name": "Mary",
        "family_name": "Banda",
        "birthdate": "1990/01/31",
        "gender": "Female",
        "address": JANE["address"],
        "individual_id": JANE["uin"],
    }
    assert "email" not in claims and "phone_number" not in claims


def test_multi_language_claims(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp-ml", rp_keys.public_jwks(), [REDIRECT])
    client = rp_client(server, "rp-ml", rp_keys)
    claims = {"userinfo": {"name": {"essential": True}, "gender": None, "birthdate": None}}
    run_flow(server, client, JANE["vid"], claims=json.dumps(claims), ui_locales="en fr")
    info = jwt.decode(
        client.get(server.discovery()["userinfo_endpoint"]).text, jwks(server), algorithms=["PS256"]
    ).claims
    assert info["name#en"] == "Jane Mary Banda" and info["name#fr"] == "Jeanne Marie Banda"
    assert info["gender#en"] == "Female" and info["gender#fr"] == "Féminin"
    assert "name" not in info and info["birthdate"] == "1990/01/31"
    assert set(info) == {"sub", "name#en", "name#fr", "gender#en", "gender#fr", "birthdate"}

    # claims_locales wins over ui_locales; one language gives plain keys.
    client2 = rp_client(server, "rp-ml", rp_keys)
    run_flow(server, client2, claims=json.dumps(claims), ui_locales="en", claims_locales="fr")
    info = jwt.decode(
        client2.get(server.discovery()["userinfo_endpoint"]).text, jwks(server), algorithms=["PS256"]
    ).claims
    assert info["name"] == "Jeanne Marie Banda" and info["gender"] == "Féminin"


def test_claims_come_from_scopes_only(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp-scope", rp_keys.public_jwks(), [REDIRECT])
    client = rp_client(server, "rp-scope", rp_keys)
    client.scope = "openid email"
    run_flow(server, client)
    info = jwt.decode(
        client.get(server.discovery()["userinfo_endpoint"]).text, jwks(server), algorithms=["PS256"]
    ).claims
    assert set(info) == {"sub", "email"}
    client3 = rp_client(server, "rp-scope", rp_keys)  # scope "openid" only: no claim at all
    client3.scope = "openid"
    run_flow(server, client3)
    info = jwt.decode(
        client3.get(server.discovery()["userinfo_endpoint"]).text, jwks(server), algorithms=["PS256"]
    ).claims
    assert set(info) == {"sub"}  # ClaimsHelperService.resolveRequestedClaims has no default set


def test_psut_pairwise_and_stable(server: Server, rp_keys: ClientKeys, ec_keys: ClientKeys):
    server.esignet.register_client("rp-a", rp_keys.public_jwks(), [REDIRECT])
    server.esignet.register_client("rp-b", ec_keys.public_jwks(), [REDIRECT])
    keyset = jwks(server)

    def sub(client_id: str, keys: ClientKeys, individual_id: str) -> str:
        token, _, _ = run_flow(server, rp_client(server, client_id, keys), individual_id)
        return jwt.decode(token["id_token"], keyset, algorithms=["PS256"]).claims["sub"]

    a1 = sub("rp-a", rp_keys, JANE["uin"])
    a2 = sub("rp-a", rp_keys, JANE["vid"])  # same person by VID: same PSUT
    b1 = sub("rp-b", ec_keys, JANE["uin"])  # ES256 client
    assert a1 == a2
    assert a1 != b1
    assert JANE["uin"] not in (a1, b1)


def test_jwe_userinfo(server: Server, rp_keys: ClientKeys, enc_key):
    server.esignet.register_client(
        "rp-jwe",
        rp_keys.public_jwks(),
        [REDIRECT],
        userinfo_response_type="JWE",
        encryption_jwk=enc_key.as_dict(private=False),
    )
    client = rp_client(server, "rp-jwe", rp_keys)
    run_flow(server, client, claims=json.dumps(CLAIMS))
    body = client.get(server.discovery()["userinfo_endpoint"])
    assert body.headers["content-type"].startswith("application/jwt")
    assert body.text.count(".") == 4  # compact JWE
    decrypted = jwe.decrypt_compact(body.text, enc_key, algorithms=["RSA-OAEP-256", "A256GCM"])
    header = decrypted.protected
    assert (header["alg"], header["enc"], header["cty"]) == ("RSA-OAEP-256", "A256GCM", "JWT")
    inner = jwt.decode(decrypted.plaintext, jwks(server), algorithms=["PS256"])
    assert inner.header["kid"] == server.esignet.inspect()["keys"]["ida_kyc_kid"]
    assert inner.claims["name"] == "Jane Mary Banda"


def test_code_reuse_is_refused_and_leaves_the_token(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp-reuse", rp_keys.public_jwks(), [REDIRECT])
    client = rp_client(server, "rp-reuse", rp_keys)
    verifier = generate_token(64)
    url, _ = client.create_authorization_url(
        server.discovery()["authorization_endpoint"], code_verifier=verifier, nonce="n"
    )
    location = login(server.http, url)
    endpoint = server.discovery()["token_endpoint"]
    client.fetch_token(endpoint, authorization_response=location, code_verifier=verifier)
    assert client.get(server.discovery()["userinfo_endpoint"]).status_code == 200
    first_token = dict(client.token)
    with pytest.raises(OAuthError) as refused:
        client.fetch_token(endpoint, authorization_response=location, code_verifier=verifier)
    assert refused.value.error == "invalid_grant"
    client.token = first_token
    # e-Signet evicts the code with the first exchange and revokes nothing on reuse
    # (CacheUtilService.setUserInfoTransaction): the first access token still works.
    assert client.get(server.discovery()["userinfo_endpoint"]).status_code == 200


def test_get_code_helper_roundtrip(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp-h", rp_keys.public_jwks(), [REDIRECT])
    code, verifier = get_code(server.http, "rp-h")
    assert code and verifier

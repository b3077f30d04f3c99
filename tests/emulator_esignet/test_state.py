"""Client registrations and keys survive restarts; registration input is checked; state is race-free."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from mosip_emulator.esignet import ESignet

from .conftest import REDIRECT, ClientKeys, Server, lookup
from .helpers import assertion, get_code, token_request


def test_clients_and_keys_survive_a_restart(state_dir, rp_keys: ClientKeys, enc_key):
    first = ESignet(state_dir, lookup)
    first.register_client("rp-1", rp_keys.public_jwks(), [REDIRECT])
    first.register_client(
        "rp-2", rp_keys.public_jwks(), [REDIRECT], "JWE", encryption_jwk=enc_key.as_dict(private=False)
    )
    stored = json.loads((state_dir / "esignet" / "clients.json").read_text())
    assert {c["client_id"] for c in stored["clients"]} == {"rp-1", "rp-2"}
    assert '"d"' not in json.dumps(stored)  # only public keys are stored

    second = ESignet(state_dir, lookup)
    assert second.inspect()["clients"] == first.inspect()["clients"]
    assert second.inspect()["clients"]["rp-2"]["userinfo_response_type"] == "JWE"
    assert second.keys.public_jwks() == first.keys.public_jwks()
    for pem in (state_dir / "esignet").glob("*.key.pem"):
        assert pem.stat().st_mode & 0o077 == 0


def test_re_registration_replaces(state_dir, rp_keys: ClientKeys, ec_keys: ClientKeys):
    esignet = ESignet(state_dir, lookup)
    esignet.register_client("rp", rp_keys.public_jwks(), [REDIRECT])
    esignet.register_client("rp", ec_keys.public_jwks(), ["https://rp.example.org/cb"])
    info = esignet.inspect()["clients"]["rp"]
    assert info["kids"] == ["rp-ec-1"] and info["redirect_uris"] == ["https://rp.example.org/cb"]


def test_single_jwk_is_accepted(state_dir, rp_keys: ClientKeys):
    esignet = ESignet(state_dir, lookup)
    esignet.register_client("rp", rp_keys.signing.as_dict(private=False), [REDIRECT])
    assert esignet.inspect()["clients"]["rp"]["kids"] == ["rp-sign-1"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"public_jwks": "private"},
        {"public_jwks": {"keys": []}},
        {"public_jwks": {"keys": [{"kty": "RSA", "n": "nope"}]}},
        {"public_jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}},
        {"redirect_uris": []},
        {"redirect_uris": ["/relative"]},
        {"redirect_uris": ["http://127.0.0.1/cb#frag"]},
        {"userinfo_response_type": "XML"},
        {"userinfo_response_type": "JWE"},
    ],
)
def test_registration_is_checked(state_dir, rp_keys: ClientKeys, kwargs):
    esignet = ESignet(state_dir, lookup)
    args = {"client_id": "rp", "public_jwks": rp_keys.public_jwks(), "redirect_uris": [REDIRECT]}
    args.update(kwargs)
    if args["public_jwks"] == "private":
        args["public_jwks"] = {"keys": [rp_keys.signing.as_dict(private=True)]}
    with pytest.raises(ValueError):
        esignet.register_client(**args)
    assert esignet.inspect()["clients"] == {}


def test_inspect_has_no_secrets(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp", rp_keys.public_jwks(), [REDIRECT])
    code, verifier = get_code(server.http, "rp")
    endpoint = server.discovery()["token_endpoint"]
    token = token_request(
        server.http,
        endpoint,
        code=code,
        verifier=verifier,
        client_assertion=assertion(rp_keys, "rp", endpoint),
    ).json()
    info = server.esignet.inspect()
    dumped = json.dumps(info)
    assert code not in dumped and token["access_token"] not in dumped
    assert info["codes"] == {"issued": 1, "used": 1, "active": 0}
    assert info["tokens"][0]["client_id"] == "rp" and info["counters"]["tokens_issued"] == 1
    assert info["issuer"] == server.base


def test_one_code_one_token_under_concurrency(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp", rp_keys.public_jwks(), [REDIRECT])
    code, verifier = get_code(server.http, "rp")
    endpoint = server.discovery()["token_endpoint"]
    assertions = [assertion(rp_keys, "rp", endpoint) for _ in range(12)]

    def attempt(signed: str) -> int:
        with httpx.Client() as http:
            return token_request(http, endpoint, code=code, verifier=verifier, client_assertion=signed).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, assertions))
    assert sorted(statuses) == [200] + [400] * 11


def test_one_jti_one_use_under_concurrency(server: Server, rp_keys: ClientKeys):
    server.esignet.register_client("rp", rp_keys.public_jwks(), [REDIRECT])
    endpoint = server.discovery()["token_endpoint"]
    codes = [get_code(server.http, "rp") for _ in range(8)]
    signed = assertion(rp_keys, "rp", endpoint)

    def attempt(pair: tuple[str, str]) -> int:
        with httpx.Client() as http:
            return token_request(http, endpoint, code=pair[0], verifier=pair[1], client_assertion=signed).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, codes))
    assert sorted(statuses) == [200] + [400] * 7


def test_register_client_from_threads(state_dir, rp_keys: ClientKeys):
    esignet = ESignet(state_dir, lookup)

    def register(i: int) -> None:
        esignet.register_client(f"rp-{i}", rp_keys.public_jwks(), [REDIRECT])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(register, range(24)))
    assert len(ESignet(state_dir, lookup).inspect()["clients"]) == 24

"""Property tests for every parser of outside input in the e-Signet emulator."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mosip_emulator.esignet import ESignet, claims, redirect_uri_matches
from mosip_emulator.esignet.errors import ESignetError

from .conftest import DECEASED, JANE, REDIRECT, ClientKeys, lookup, page_step, start_login
from .helpers import authorize_url

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@given(st.one_of(st.text(max_size=60), json_values.map(json.dumps)))
@settings(max_examples=200, deadline=None)
def test_claims_parameter_never_crashes(raw: str):
    try:
        parsed = claims.parse_claims_parameter(raw)
    except ESignetError as exc:
        assert exc.code == "invalid_claim"
        return
    registered = ["name", "birthdate", "gender"]
    requested = claims.requested_claims(["openid", "profile"], parsed, registered)
    assert list(requested) == registered  # every registered one is implied by "profile", in order
    assert all(isinstance(essential, bool) for essential in requested.values())


@given(st.text(max_size=40), st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_locales_always_resolve(claims_locales: str, ui_locales: str):
    locales = claims.parse_locales(claims_locales, ui_locales)
    assert locales and len(locales) == len(set(locales))
    assert all(len(loc) == 2 for loc in locales)


@given(st.text(max_size=50), st.text(max_size=50))
@settings(max_examples=300, deadline=None)
def test_redirect_matching_never_raises(registered: str, requested: str):
    assert isinstance(redirect_uri_matches(registered, requested), bool)


@given(st.sampled_from(["http://127.0.0.1", "http://[::1]"]), st.integers(1, 65535), st.text(max_size=10))
@settings(max_examples=100, deadline=None)
def test_a_loopback_port_matches_only_itself(host: str, port: int, suffix: str):
    assert redirect_uri_matches(f"{host}:{port}/cb", f"{host}:{port}/cb")
    assert not redirect_uri_matches(f"{host}/cb", f"{host}:{port}/cb")
    if suffix:
        assert not redirect_uri_matches(f"{host}:{port}/cb", f"{host}:{port}/cb{suffix}")


@given(
    st.one_of(
        st.text(max_size=80),
        st.lists(
            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=", max_size=30),
            min_size=1,
            max_size=5,
        ).map(".".join),
        st.tuples(json_values, json_values).map(
            lambda hp: (
                ".".join(
                    __import__("base64").urlsafe_b64encode(json.dumps(x).encode()).decode().rstrip("=") for x in hp
                )
                + ".c2ln"
            )
        ),
    ),
    st.sampled_from(["urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "", "other"]),
)
@settings(max_examples=200, deadline=None)
def test_client_assertion_parser_only_refuses(tmp_path_factory, rp_keys: ClientKeys, raw: str, kind: str):
    del kind  # the assertion type is checked before the parser runs (TokenRequest validation)
    esignet = _esignet(tmp_path_factory, rp_keys)
    try:
        esignet._verify_client_assertion(esignet._client("rp"), raw, (esignet.token_endpoint,))
    except ESignetError as exc:
        assert exc.oauth_error == "invalid_client"
    else:  # pragma: no cover - a random string is never a valid signed assertion
        raise AssertionError("accepted garbage")


_cache: dict[str, ESignet] = {}


def _esignet(tmp_path_factory, rp_keys: ClientKeys) -> ESignet:
    if "e" not in _cache:
        esignet = ESignet(tmp_path_factory.mktemp("fuzz"), lookup)
        esignet.register_client("rp", rp_keys.public_jwks(), [REDIRECT])
        _cache["e"] = esignet
    return _cache["e"]


def test_revoked_vid_cannot_log_in(server, rp_keys: ClientKeys, monkeypatch):
    server.esignet.register_client("rp", rp_keys.public_jwks(), [REDIRECT])

    def with_revoked_vid(individual_id: str):
        identity = lookup(individual_id)
        return identity and {**identity, "vid_status": "REVOKED"}

    monkeypatch.setattr(server.esignet, "identities", with_revoked_vid)
    tid = start_login(server.http, authorize_url("rp"))
    by_vid = {"transaction_id": tid, "individual_id": JANE["vid"], "otp": "111111"}
    assert page_step(server.http.post("/authorize/login", data=by_vid).text) == ("login", "IDA-MLC-023")
    by_uin = {**by_vid, "individual_id": JANE["uin"]}
    assert page_step(server.http.post("/authorize/login", data=by_uin).text) == ("consent", "")
    assert DECEASED["status"] == "DEACTIVATED"

"""Property tests for every parser of outside input in the login: redirect parameters, the loopback
query, userinfo claims, key files. Outside input may be refused, never crash anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.identity.esignet_login import identity_from_claims
from app.identity.esignet_loopback import LoopbackListener
from app.identity.mapping import identity_to_fields
from app.identity.model import Identity
from app.mosip.esignet import (
    AuthorizationRequest,
    ESignetCancelled,
    ESignetConfigurationError,
    ESignetError,
    ESignetProviderError,
    ProviderMetadata,
    load_private_key,
)
from app.mosip.esignet import (
    ESignetClient as Client,
)

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
claim_names = st.sampled_from(["sub", "name", "given_name", "middle_name", "family_name", "gender", "birthdate",
                               "phone_number", "email", "address", "individual_id", "picture"])
locales = st.sampled_from(["", "#en", "#fr", "#fra", "#fr-FR", "#eng", "#xx", "#", "#EN_gb"])
claim_keys = st.builds(lambda n, loc: n + loc, claim_names, locales)
claims = st.dictionaries(claim_keys | st.text(max_size=10), json_values | st.text(max_size=60), max_size=12)

META = ProviderMetadata(issuer="http://127.0.0.1:9", authorization_endpoint="http://127.0.0.1:9/authorize",
                        token_endpoint="http://127.0.0.1:9/token", userinfo_endpoint="http://127.0.0.1:9/userinfo",
                        jwks_uri="http://127.0.0.1:9/jwks", iss_parameter_supported=True, assertion_algs=(),
                        raw={})
REQUEST = AuthorizationRequest(url="", redirect_uri="http://127.0.0.1:1/callback", state="the-state",
                               nonce="the-nonce", code_verifier="v" * 43)


@FAST
@given(claims)
def test_any_userinfo_claims_give_an_identity_and_valid_fields(farajaland, values: dict[str, Any]):
    identity = identity_from_claims(values, ["eng", "fra"])
    assert isinstance(identity, Identity)
    json.dumps(identity.as_json())
    fields = identity_to_fields(farajaland, "birth", "mother", identity)
    assert all(key.startswith("mother.") and isinstance(value, str) for key, value in fields.items())


maybe = st.none() | st.text(max_size=40)


@FAST
@given(state=st.sampled_from([REQUEST.state]) | maybe, iss=st.sampled_from([META.issuer]) | maybe,
       code=maybe, error=maybe, description=maybe)
def test_any_redirect_is_refused_cleanly_or_gives_the_code(state, iss, code, error, description):
    params = {k: v for k, v in {"state": state, "iss": iss, "code": code, "error": error,
                                "error_description": description}.items() if v is not None}
    client = object.__new__(Client)
    try:
        result = Client.check_redirect(client, META, REQUEST, params)
    except ESignetError as exc:
        assert "\n" not in str(exc) and "<" not in str(exc)
        return
    assert params["state"] == REQUEST.state and params["iss"] == META.issuer
    assert not params.get("error")
    assert result == params["code"] and result


@FAST
@given(st.text(max_size=200))
def test_a_matching_redirect_with_an_error_is_never_a_success(description: str):
    client = object.__new__(Client)
    params = {"state": REQUEST.state, "iss": META.issuer, "error": "access_denied", "code": "c",
              "error_description": description}
    try:
        Client.check_redirect(client, META, REQUEST, params)
    except ESignetCancelled:
        pass
    params["error"] = "server_error"
    try:
        Client.check_redirect(client, META, REQUEST, params)
    except ESignetProviderError as exc:
        assert exc.error == "server_error" and len(str(exc)) < 260


@pytest.fixture(scope="module")
def listener() -> Iterator[LoopbackListener]:
    unstarted = LoopbackListener(ports=(0,))   # parsing only: never started
    yield unstarted
    unstarted.close()


@FAST
@given(st.text(max_size=300))
def test_any_callback_query_is_parsed_without_crashing(listener: LoopbackListener, query: str):
    listener._arrived.clear()
    listener._result = None
    listener._malformed = False
    delivered = listener._deliver(query)
    assert delivered in (True, False)
    assert not delivered or (listener._result or {}).get("code")


@FAST
@given(st.binary(max_size=300) | st.builds(lambda v: json.dumps(v).encode(), json_values))
def test_any_key_file_is_loaded_or_refused_cleanly(data: bytes):
    try:
        load_private_key(data, "kid-1")
    except ESignetConfigurationError as exc:
        assert "BEGIN" not in str(exc)

"""Outside input never breaks the emulator: random IDA bodies and packets get a MOSIP error, not a 500."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mosip_emulator.app import Emulator
from mosip_emulator.lifecycle import SchemaError, validate_fields

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
IDA_KEYS = ["id", "version", "individualId", "individualIdType", "transactionID", "requestTime", "thumbprint",
            "request", "requestSessionKey", "requestHMAC", "consentObtained", "metadata"]


@pytest.fixture(scope="module")
def offline_emulator(tmp_path_factory: pytest.TempPathFactory) -> Emulator:
    import shutil

    from mosip_emulator.server import template_state_dir

    path = tmp_path_factory.mktemp("robust") / "state"
    shutil.copytree(template_state_dir(), path)
    return Emulator(Path(path))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(IDA_KEYS), json_values, max_size=12) | json_values,
       signature=st.none() | st.text(max_size=60) | st.just("e30..c2ln"),
       authorization=st.none() | st.text(max_size=5))
def test_ida_never_raises(offline_emulator: Emulator, body: Any, signature: str | None,
                          authorization: str | None) -> None:
    outcome = offline_emulator.ida.authenticate(
        controller="auth", misp_lk="x", partner_id="y", api_key="z", body=json.dumps(body).encode(),
        signature=signature, authorization=authorization)
    assert outcome.errors and all(e["errorCode"].startswith("IDA-") for e in outcome.errors)


@settings(max_examples=60, deadline=None)
@given(schema=st.text(max_size=30) | json_values.map(json.dumps), fields=json_values)
def test_schema_validation_never_raises_anything_else(schema: str, fields: Any) -> None:
    try:
        validate_fields(schema, fields)
    except SchemaError:
        pass


DEMO_KEYS = ["name", "dob", "gender", "phoneNumber", "emailId", "age", "metadata"]


_CLIENTS: dict[int, Any] = {}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(demographics=st.dictionaries(st.sampled_from(DEMO_KEYS), json_values, max_size=6),
       id_type=st.sampled_from(["UIN", "VID", "uin", "", None, 7]),
       txn=st.sampled_from(["ABCDE12345", "bad", None, 12]),
       consent=st.sampled_from([True, False, None, "yes"]))
def test_ida_with_a_valid_envelope_and_random_content(offline_emulator: Emulator, demographics: dict[str, Any],
                                                      id_type: Any, txn: Any, consent: Any) -> None:
    from tests.emulator.helpers import IdaClient

    client = _CLIENTS.get(id(offline_emulator))
    if client is None:
        client = _CLIENTS[id(offline_emulator)] = IdaClient.from_config(offline_emulator.client_config())
    person = offline_emulator.identities.all()[0]
    body = client.body(person["uin"] if id_type != "VID" else person["vid"], demographics=demographics,
                       overrides={"individualIdType": id_type, "transactionID": txn, "consentObtained": consent})
    outcome = offline_emulator.ida.authenticate(
        controller="auth", misp_lk=client.misp_license_key, partner_id=client.partner_id, api_key=client.api_key,
        body=body, signature=client.sign(body), authorization="Authorization")
    assert all(e["errorCode"].startswith("IDA-") for e in outcome.errors)


@settings(max_examples=50, deadline=None)
@given(schema=st.fixed_dictionaries({"properties": json_values | st.fixed_dictionaries(
    {"identity": json_values | st.fixed_dictionaries({"properties": json_values})})}).map(json.dumps),
    fields=json_values)
def test_schema_validation_with_odd_schemas(schema: str, fields: Any) -> None:
    try:
        validate_fields(schema, fields)
    except SchemaError:
        pass


@pytest.fixture(scope="module")
def live() -> Any:
    from mosip_emulator.server import EmulatorServer
    from tests.emulator.helpers import PacketClient

    with EmulatorServer(credential_delay=0) as server:
        client = PacketClient(server.client_config())
        client.login()
        yield server, client
        client.http.close()


ENDPOINTS = [("PUT", "create_packet_url"), ("POST", "workflow_url"), ("POST", "auth_url")]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS),
       body=json_values | st.fixed_dictionaries({"request": json_values}) | st.fixed_dictionaries(
           {"request": st.dictionaries(st.sampled_from(["id", "registrationId", "process", "source", "schemaJson",
                                                        "fields", "clientId"]), json_values, max_size=6)}))
def test_lifecycle_endpoints_never_500(live: Any, endpoint: tuple[str, str], body: Any) -> None:
    _server, client = live
    method, key = endpoint
    resp = client.http.request(method, client.cfg[key], json=body)
    assert resp.status_code < 500, resp.text
    assert resp.json()["errors"] is None or resp.json()["errors"][0]["errorCode"]

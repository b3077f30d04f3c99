"""IDA demographic authentication: the error table, with a client written from PROTOCOLS §2."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import (
    IdaClient,
    PacketClient,
    demographics_of,
    error_codes,
    simple,
    verify_detached_jws,
)


@pytest.fixture
def person(emulator: EmulatorServer) -> dict[str, Any]:
    return emulator.identities.all()[0]


def test_matching_identity_passes_with_a_signed_response(emulator: EmulatorServer, ida: IdaClient,
                                                         person: dict[str, Any],
                                                         client_config: dict[str, Any]) -> None:
    body = ida.body(person["uin"], demographics=demographics_of(person), txn="ABCDE12345")
    resp = ida.post(body)
    assert resp.status_code == 200
    data = resp.json()
    assert data["response"]["authStatus"] is True, data
    assert data["errors"] == []
    assert data["transactionID"] == "ABCDE12345"
    assert data["id"] == "mosip.identity.auth"
    token = data["response"]["authToken"]
    assert token.isdigit() and len(token) == 36
    assert verify_detached_jws(resp.headers["response-signature"], resp.content,
                               client_config["ida"]["response_signing_certificate_pem"])
    # the token is stable per person and partner, whatever the id type
    again = ida.auth(person["vid"], id_type="VID", demographics=demographics_of(person, "fra"))
    assert again["response"] == {"authStatus": True, "authToken": token}
    assert emulator.counters()["ida_requests"]["ABCDE12345"] == 1


def test_name_matching_is_ida_exact_match(ida: IdaClient, person: dict[str, Any]) -> None:
    # IDA's EXACT strategy: case, extra whitespace, punctuation, titles and token order are ignored
    for name in ("amélie  zoë NYIRENDA", "Nyirenda, Amélie Zoë", "Mrs. Amélie Zoë Nyirenda"):
        body = ida.auth(person["uin"], demographics={"name": [{"language": "eng", "value": name}]})
        assert body["response"]["authStatus"] is True, (name, body)
    # but a missing middle name or an accent-less spelling is another name
    for name in ("Amélie Nyirenda", "Amelie Zoe Nyirenda"):
        body = ida.auth(person["uin"], demographics={"name": [{"language": "eng", "value": name}]})
        assert error_codes(body) == ["IDA-DEA-001"], (name, body)


def test_each_mismatching_attribute_is_one_error(ida: IdaClient, person: dict[str, Any]) -> None:
    body = ida.auth(person["uin"], demographics={
        "name": [{"language": "eng", "value": "Jane Doe"}], "dob": "1991/01/31",
        "gender": [{"language": "eng", "value": "Male"}], "phoneNumber": "+260970000000",
        "emailId": person["email"]})
    assert body["response"]["authStatus"] is False
    assert error_codes(body) == ["IDA-DEA-001"] * 4
    messages = [e["errorMessage"] for e in body["errors"]]
    assert messages == ["Demographic data name in eng did not match", "Demographic data dob did not match",
                        "Demographic data gender in eng did not match",
                        "Demographic data phoneNumber did not match"]
    assert body["response"]["authToken"] is None


@pytest.mark.parametrize(("offset", "ok"), [(-25, True), (25, True), (-45, False), (45, False)])
def test_request_time_window(ida: IdaClient, person: dict[str, Any], offset: float, ok: bool) -> None:
    body = ida.auth(person["uin"], demographics=demographics_of(person), time_offset=offset)
    if ok:
        assert body["response"]["authStatus"] is True, body
    else:
        assert error_codes(body) == ["IDA-MLC-001"]
        assert "30 seconds" in body["errors"][0]["errorMessage"]


@pytest.mark.parametrize("txn", ["ABC", "ABCDE-1234", "ABCDEFGHIJK", "ÄBCDEFGHIJ"])
def test_transaction_id_must_be_ten_alphanumerics(ida: IdaClient, person: dict[str, Any], txn: str) -> None:
    body = ida.auth(person["uin"], demographics=demographics_of(person), txn=txn)
    assert error_codes(body) == ["IDA-MLC-009"]
    assert body["errors"][0]["errorMessage"] == "Invalid Input Parameter - transactionID"


def test_validation_errors_are_collected(ida: IdaClient, person: dict[str, Any]) -> None:
    body = ida.auth(person["uin"], demographics=demographics_of(person), txn="bad", time_offset=-300)
    assert sorted(error_codes(body)) == ["IDA-MLC-001", "IDA-MLC-009"]


def test_id_type_and_id_format(ida: IdaClient, person: dict[str, Any]) -> None:
    demo = demographics_of(person)
    assert error_codes(ida.auth(person["uin"], id_type="NIN", demographics=demo)) == ["IDA-MLC-009"]
    assert error_codes(ida.auth("123", demographics=demo)) == ["IDA-MLC-002"]
    bad_checksum = person["uin"][:-1] + str((int(person["uin"][-1]) + 1) % 10)
    assert error_codes(ida.auth(bad_checksum, demographics=demo)) == ["IDA-MLC-002"]
    assert error_codes(ida.auth(person["uin"], id_type="VID", demographics=demo)) == ["IDA-MLC-004"]
    assert error_codes(ida.auth(person["vid"], id_type="UIN", demographics=demo)) == ["IDA-MLC-002"]


def test_unknown_but_well_formed_ids(ida: IdaClient, person: dict[str, Any]) -> None:
    # IdAuthSecurityManager.hash finds no identity under the id's hash: ID_NOT_AVAILABLE, typed
    from mosip_emulator.fixtures import verhoeff_check_digit

    uin = "987654321" + verhoeff_check_digit("987654321")
    vid = "987654321098765" + verhoeff_check_digit("987654321098765")
    by_uin = ida.auth(uin, demographics=demographics_of(person))
    assert by_uin["errors"] == [{"errorCode": "IDA-MLC-018", "errorMessage": "UIN not available in database"}]
    assert by_uin["response"] == {"authStatus": False, "authToken": None}
    by_vid = ida.auth(vid, id_type="VID", demographics=demographics_of(person))
    assert by_vid["errors"] == [{"errorCode": "IDA-MLC-018", "errorMessage": "VID not available in database"}]


def test_consent_and_auth_type_are_required(ida: IdaClient, person: dict[str, Any]) -> None:
    assert error_codes(ida.auth(person["uin"], demographics=demographics_of(person), consent=False)) == [
        "IDA-MLC-012"]
    assert error_codes(ida.auth(person["uin"], demographics={})) == ["IDA-MLC-008"]
    bad_dob = {"dob": "31/01/1990"}
    assert ida.auth(person["uin"], demographics=bad_dob)["errors"][0]["errorMessage"] == (
        "Invalid Input Parameter - request/demographics/dob")
    assert error_codes(ida.auth(person["uin"], demographics={"name": [{"language": "deu", "value": "x"}]})) == [
        "IDA-DEA-002"]


def test_empty_authorization_header(ida: IdaClient, person: dict[str, Any]) -> None:
    body = ida.body(person["uin"], demographics=demographics_of(person))
    for auth in ("", None):
        data = ida.post(body, authorization=auth).json()
        assert error_codes(data) == ["IDA-MLC-006"]
        assert data["errors"][0]["errorMessage"] == "Missing Input Parameter - Authorization - header"
        assert data["response"]["authStatus"] is False


def test_signature_checks(ida: IdaClient, person: dict[str, Any]) -> None:
    body = ida.body(person["uin"], demographics=demographics_of(person))
    # both x5c forms are accepted
    assert ida.post(body, ida.sign(body, x5c="der")).json()["response"]["authStatus"] is True
    assert ida.post(body, ida.sign(body, x5c="pem-text")).json()["response"]["authStatus"] is True
    # body altered after signing
    tampered = body.replace(b'"consentObtained": true', b'"consentObtained": true ')
    assert tampered != body
    assert error_codes(ida.post(tampered, ida.sign(body)).json()) == ["IDA-MPA-001"]
    # no signature header / no certificate in it
    assert ida.post(body, "").json()["errors"][0]["errorMessage"] == "Missing Input Parameter - signature header"
    no_x5c = ida.sign(body, header={"alg": "RS256"})
    assert error_codes(ida.post(body, no_x5c).json()) == ["IDA-MPA-022"]
    # a valid signature by a key whose certificate is not the partner's
    from mosip_emulator.crypto import self_signed_cert

    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_cert = self_signed_cert(other_key, "someone else")
    data = ida.post(body, ida.sign(body, key=other_key, cert=other_cert)).json()
    assert error_codes(data) == ["IDA-MPA-021"]


def test_decryption_checks(ida: IdaClient, person: dict[str, Any]) -> None:
    assert error_codes(ida.auth(person["uin"], demographics=demographics_of(person), wrong_hmac=True)) == [
        "IDA-MPA-016"]
    assert error_codes(ida.auth(person["uin"], demographics=demographics_of(person),
                                thumbprint="AAAA" * 10)) == ["IDA-MPA-003"]
    body = json.loads(ida.body(person["uin"], demographics=demographics_of(person)))
    body["requestSessionKey"] = body["requestSessionKey"][:-8] + "AAAAAAAA"
    raw = json.dumps(body).encode()
    assert error_codes(ida.post(raw).json()) == ["IDA-MPA-003"]


def test_partner_checks(ida: IdaClient, person: dict[str, Any]) -> None:
    demo = demographics_of(person)
    assert error_codes(ida.auth(person["uin"], demographics=demo, partner="nobody")) == ["IDA-MPA-009"]
    assert error_codes(ida.auth(person["uin"], demographics=demo, api_key="wrong-key")) == ["IDA-MPA-009"]
    assert error_codes(ida.auth(person["uin"], demographics=demo, misp="no-such-licence")) == ["IDA-MPA-007"]


def test_request_id_and_version(ida: IdaClient, person: dict[str, Any]) -> None:
    demo = demographics_of(person)
    assert ida.auth(person["uin"], demographics=demo, overrides={"id": "mosip.identity.kyc"})["errors"][0][
        "errorMessage"] == "Invalid Input Parameter - id"
    assert error_codes(ida.auth(person["uin"], demographics=demo, overrides={"version": "one"})) == ["IDA-MLC-009"]
    assert error_codes(ida.auth(person["uin"], demographics=demo, overrides={"version": None})) == ["IDA-MLC-006"]


def test_deactivated_fixture_identities(ida: IdaClient, emulator: EmulatorServer) -> None:
    dead = [p for p in emulator.identities.all() if p["status"] == "DEACTIVATED"]
    assert dead
    p = dead[0]
    by_uin = ida.auth(p["uin"], demographics=demographics_of(p))
    assert by_uin["errors"] == [{"errorCode": "IDA-MLC-022", "errorMessage": "UIN is deactivated/blocked"}]
    # IdServiceImpl.processIdType wraps it in IDA-MLC-004, the exception handler answers the innermost
    by_vid = ida.auth(p["vid"], id_type="VID", demographics=demographics_of(p))
    assert by_vid["errors"] == [{"errorCode": "IDA-MLC-023", "errorMessage": "VID is expired/deactivated"}]


def test_unknown_ids_can_follow_older_ida(make_emulator: Any) -> None:
    from mosip_emulator.fixtures import verhoeff_check_digit

    emu = make_emulator(unknown_uin_code="IDA-MLC-002")
    client = IdaClient.from_config(emu.client_config())
    uin = "987654321" + verhoeff_check_digit("987654321")
    vid = "987654321098765" + verhoeff_check_digit("987654321098765")
    assert error_codes(client.auth(uin, demographics={"dob": "1990/01/01"})) == ["IDA-MLC-002"]
    assert error_codes(client.auth(vid, id_type="VID", demographics={"dob": "1990/01/01"})) == ["IDA-MLC-004"]


def test_update_then_death_change_what_ida_answers(emulator: EmulatorServer, ida: IdaClient,
                                                   packets: PacketClient, person: dict[str, Any]) -> None:
    old = demographics_of(person)
    new_name = "Amélie Zoë Mwale"
    # CRVS_UPDATE: biographic correction carried by the VID
    create, start = packets.submit("RID-UPDATE-0001", "CRVS_UPDATE", {
        "VID": person["vid"], "firstName": simple("Amélie"), "middleName": simple("Zoë"),
        "lastName": simple("Mwale"), "introducerInfoToken": "123"})
    assert create.json()["errors"] is None and start.json()["errors"] is None
    assert error_codes(ida.auth(person["uin"], demographics=old)) == ["IDA-DEA-001"]
    updated = {**old, "name": [{"language": "eng", "value": new_name}]}
    assert ida.auth(person["uin"], demographics=updated)["response"]["authStatus"] is True
    # CRVS_DEATH: deactivation
    packets.submit("RID-DEATH-0001", "CRVS_DEATH", {"nationalIdNumber": person["uin"],
                                                     "fullName": simple(new_name)})
    assert error_codes(ida.auth(person["uin"], demographics=updated)) == ["IDA-MLC-022"]
    assert error_codes(ida.auth(person["vid"], id_type="VID", demographics=updated)) == ["IDA-MLC-023"]
    counters = emulator.counters()
    assert counters["identities_updated"] == {"RID-UPDATE-0001": 1}
    assert counters["identities_deactivated"] == {"RID-DEATH-0001": 1}


def test_a_registered_partner_can_authenticate(emulator: EmulatorServer, person: dict[str, Any]) -> None:
    import httpx

    resp = httpx.post(f"{emulator.base_url}/admin/partners", json={
        "partner_id": "second-partner", "misp_license_key": "second-licence", "api_key": "second-key",
        "generate_keys": True})
    assert resp.status_code == 201, resp.text
    files = resp.json()["files"]
    cfg = emulator.client_config()
    cfg["ida"].update(partner_id="second-partner", misp_license_key="second-licence", api_key="second-key",
                      partner_signing_key_path=files["signing_key_pem"],
                      partner_signing_certificate_pem=resp.json()["signing_cert_pem"])
    client = IdaClient.from_config(cfg)
    first = IdaClient.from_config(emulator.client_config())
    body = client.auth(person["uin"], demographics=demographics_of(person))
    assert body["response"]["authStatus"] is True
    other = first.auth(person["uin"], demographics=demographics_of(person))
    assert other["response"]["authToken"] != body["response"]["authToken"]  # pairwise per partner


def test_ekyc_returns_the_identity_encrypted_to_the_partner(ida: IdaClient, person: dict[str, Any],
                                                            client_config: dict[str, Any]) -> None:
    from pathlib import Path

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from tests.emulator.helpers import unb64

    body = ida.auth(person["vid"], id_type="VID", demographics=demographics_of(person), controller="kyc",
                    overrides={"id": "mosip.identity.kyc"})
    assert body["id"] == "mosip.identity.kyc" and body["errors"] == []
    response = body["response"]
    assert response["kycStatus"] is True
    key = serialization.load_pem_private_key(
        Path(client_config["websub"]["partner_encryption_key_path"]).read_bytes(), None)
    aes = key.decrypt(unb64(response["sessionKey"]),
                      padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    blob = unb64(response["identity"])
    identity = json.loads(AESGCM(aes).decrypt(blob[-16:], blob[:-16], None))
    assert identity["fullName_eng"] == person["full_name"]["eng"]
    assert identity["dateOfBirth"] == person["dob"] and identity["gender_fra"] == person["gender"]["fra"]
    # the auth endpoint refuses a kyc request id, and the other way round
    wrong = ida.auth(person["uin"], demographics=demographics_of(person), controller="kyc")
    assert wrong["errors"][0]["errorMessage"] == "Invalid Input Parameter - id"


def _patch_uin_status(emulator: EmulatorServer, packets: PacketClient, uin: str, status: str) -> None:
    resp = packets.http.patch(f"{emulator.base_url}/idrepository/v1/identity", json={
        "id": "mosip.id.update", "version": "v1", "request": {"registrationId": uin, "status": status}})
    assert resp.status_code == 200 and resp.json()["errors"] in (None, []), resp.text


def _patch_vid_status(emulator: EmulatorServer, packets: PacketClient, vid: str, status: str) -> None:
    resp = packets.http.patch(f"{emulator.base_url}/idrepository/v1/vid/{vid}", json={
        "id": "mosip.vid.update", "version": "v1", "request": {"vidStatus": status}})
    assert resp.status_code == 200 and resp.json()["errors"] in (None, []), resp.text


def test_a_blocked_uin_is_removed_from_ida(emulator: EmulatorServer, ida: IdaClient, packets: PacketClient,
                                           person: dict[str, Any]) -> None:
    # id-repository CredentialServiceManager: BLOCKED → REMOVE_ID for the UIN and its VIDs; IDA deletes them
    _patch_uin_status(emulator, packets, person["uin"], "BLOCKED")
    assert ida.auth(person["uin"], demographics=demographics_of(person))["errors"] == [
        {"errorCode": "IDA-MLC-018", "errorMessage": "UIN not available in database"}]
    assert ida.auth(person["vid"], id_type="VID", demographics=demographics_of(person))["errors"] == [
        {"errorCode": "IDA-MLC-018", "errorMessage": "VID not available in database"}]


@pytest.mark.parametrize(("vid_status", "expected"), [
    ("REVOKED", {"errorCode": "IDA-MLC-018", "errorMessage": "VID not available in database"}),
    ("EXPIRED", {"errorCode": "IDA-MLC-023", "errorMessage": "VID is expired/deactivated"}),
    ("USED", {"errorCode": "IDA-MLC-023", "errorMessage": "VID is expired/deactivated"}),
])
def test_vid_statuses(emulator: EmulatorServer, ida: IdaClient, packets: PacketClient, person: dict[str, Any],
                      vid_status: str, expected: dict[str, str]) -> None:
    # id-repository sendVIDEventsToIDA: REVOKED → REMOVE_ID, other inactive statuses → DEACTIVATE_ID
    _patch_vid_status(emulator, packets, person["vid"], vid_status)
    assert ida.auth(person["vid"], id_type="VID", demographics=demographics_of(person))["errors"] == [expected]
    # the UIN itself still authenticates
    assert ida.auth(person["uin"], demographics=demographics_of(person))["response"]["authStatus"] is True


def test_an_attribute_the_identity_lacks_is_dea_003(make_emulator: Any) -> None:
    from mosip_emulator.fixtures import generate_identities

    people = generate_identities(count=3)
    people[0] = {**people[0], "email": "", "phone": ""}
    emu = make_emulator(identities=people)
    client = IdaClient.from_config(emu.client_config())
    p = emu.identities.all()[0]
    demo = {**demographics_of(p), "emailId": "someone@example.org"}
    body = client.auth(p["uin"], demographics=demo)
    assert body["errors"] == [{"errorCode": "IDA-DEA-003",
                               "errorMessage": "Demographic data emailId not available in database"}]
    # it ends the request: a mismatching name sent with it is not reported
    wrong_name = {**demo, "name": [{"language": "eng", "value": "Someone Else"}]}
    assert error_codes(client.auth(p["uin"], demographics=wrong_name)) == ["IDA-DEA-003"]


def test_every_code_the_emulator_answers_is_an_ida_code() -> None:
    """The emulator's codes are IdAuthenticationErrorConstants codes (tests/fixtures/ida_error_codes.txt)."""
    import re
    from pathlib import Path

    import mosip_emulator.ida as emulator_ida

    listed = {line.strip() for line in (Path(__file__).parents[1] / "fixtures" / "ida_error_codes.txt")
              .read_text().splitlines() if line.strip() and not line.startswith("#")}
    source = Path(emulator_ida.__file__).read_text()
    answered = set(re.findall(r'"((?:IDA|PMS)[-_][A-Z]{3}[-_]\d{3})"', source))
    assert answered and answered <= listed, answered - listed

"""Auth manager, packet manager, workflow and ID repository."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mosip_emulator.server import EmulatorServer
from tests.emulator.helpers import ID_SCHEMA, PacketClient, request_time, simple


def test_token_comes_in_a_cookie_and_is_required(client_config: dict[str, Any]) -> None:
    client = PacketClient(client_config)
    # without a token: 401 and a MOSIP error body
    resp = client.create_packet("RID-NOAUTH-1", "CRVS_NEW", {})
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["errorCode"] == "KER-ATH-401"
    login = client.login()
    assert login.status_code == 200 and login.json()["errors"] is None
    assert login.json()["response"]["status"] == "Success"
    assert "Authorization=" in login.headers["set-cookie"]
    assert client.http.cookies.get("Authorization")
    assert client.create_packet("RID-AUTH-1", "CRVS_NEW", {"fullName": simple("Baby Banda")}).status_code == 200
    # a forged cookie is refused
    forged = httpx.put(client_config["packet_manager"]["create_packet_url"], json={},
                       cookies={"Authorization": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})
    assert forged.status_code == 401


def test_wrong_client_secret(client_config: dict[str, Any]) -> None:
    cfg = json.loads(json.dumps(client_config))
    cfg["packet_manager"]["secret_key"] = "wrong"
    resp = PacketClient(cfg).login()
    assert resp.json()["errors"][0]["errorCode"] == "KER-ATH-401"
    assert "set-cookie" not in resp.headers


def test_create_packet_lists_the_three_sub_packets(packets: PacketClient) -> None:
    resp = packets.create_packet("10001100011000120261130101010", "CRVS_NEW", {
        "fullName": simple("Chanda Banda"), "dateOfBirth": "2026/11/01", "gender": simple("Female")})
    body = resp.json()
    assert resp.status_code == 200 and body["errors"] is None
    assert [p["packetName"] for p in body["response"]] == [
        "10001100011000120261130101010_id", "10001100011000120261130101010_evidence",
        "10001100011000120261130101010_optional"]


def test_repeated_create_packet_rewrites_and_repeated_workflow_is_refused(emulator: EmulatorServer,
                                                                          packets: PacketClient) -> None:
    fields = {"fullName": simple("Chanda Banda"), "dateOfBirth": "2026/11/01"}
    first = packets.create_packet("RID-DUP-0001", "CRVS_NEW", fields)
    again = packets.create_packet("RID-DUP-0001", "CRVS_NEW", fields | {"gender": simple("Female")})
    # PacketKeeper.putPacket puts the object again: no duplicate answer, the new copy wins
    for answer in (first, again):
        assert answer.status_code == 200 and answer.json()["errors"] is None
        assert answer.json()["response"][0]["packetName"] == "RID-DUP-0001_id"
    assert emulator.state()["packets"]["RID-DUP-0001"]["field_names"] == ["dateOfBirth", "fullName", "gender"]
    wf1 = packets.start_workflow("RID-DUP-0001", "CRVS_NEW")
    wf2 = packets.start_workflow("RID-DUP-0001", "CRVS_NEW")
    assert wf1.json()["errors"] is None and wf1.json()["response"]["workflowInstanceId"]
    # WorkflowInstanceService: HTTP 200, response null, RPR-WIS-001
    assert wf2.status_code == 200
    body = wf2.json()
    assert body["response"] is None and body["id"] == "mosip.registration.processor.workflow.instance"
    assert body["errors"] == [{"errorCode": "RPR-WIS-001", "message": "WorkflowInstance already present"}]
    counters = emulator.counters()
    assert counters["packets_created"] == {"RID-DUP-0001": 2}
    assert counters["packets_rewritten"] == {"RID-DUP-0001": 1}
    assert counters["workflows_started"] == {"RID-DUP-0001": 1}
    assert counters["workflows_already_present"] == {"RID-DUP-0001": 1}
    assert counters["identities_created"] == {"RID-DUP-0001": 1}


def test_empty_audits_answer_200_with_a_null_response_and_store_nothing(emulator: EmulatorServer,
                                                                        packets: PacketClient) -> None:
    for audits in ([], None):
        resp = packets.http.put(packets.cfg["create_packet_url"], json={
            "id": "mosip.commons.packet", "version": "v1", "requesttime": request_time(),
            "request": {"id": "RID-NOAUDIT-1", "refId": "10001_10001", "process": "CRVS_NEW", "source": "OPENCRVS",
                        "schemaVersion": "0.500", "schemaJson": json.dumps(ID_SCHEMA),
                        "fields": {"fullName": simple("No Audit")}, "metaInfo": {}, "audits": audits}})
        # facade/PacketWriter.createPacket swallows KER-KPM-008 and returns null
        assert resp.status_code == 200
        assert resp.json()["response"] is None and resp.json()["errors"] is None
    state = emulator.state()
    assert "RID-NOAUDIT-1" not in state["packets"]
    assert state["writer_failures"]["RID-NOAUDIT-1"]["code"] == "KER-KPM-008"
    assert "packets_created" not in emulator.counters()
    # the workflow is accepted all the same (no packet lookup there) and fails in processing
    assert packets.start_workflow("RID-NOAUDIT-1", "CRVS_NEW").json()["errors"] is None
    wf = emulator.state()["workflows"]["RID-NOAUDIT-1"]
    assert wf["status"] == "FAILED" and wf["failure"]["code"] == "KER-PUT-027"


def test_writer_failures_are_silent_and_unknown_fields_are_dropped(emulator: EmulatorServer,
                                                                   packets: PacketClient) -> None:
    unknown = packets.create_packet("RID-SCHEMA-1", "CRVS_NEW", {"fullName": simple("A B"), "favouriteColour": "red"})
    assert unknown.json()["errors"] is None and unknown.json()["response"]
    packet = emulator.state()["packets"]["RID-SCHEMA-1"]
    assert packet["field_names"] == ["fullName"] and packet["dropped_fields"] == ["favouriteColour"]
    bad_schema = packets.create_packet("RID-SCHEMA-2", "CRVS_NEW", {"fullName": simple("A B")},
                                       schema={"properties": {}})
    assert bad_schema.json()["response"] is None and bad_schema.json()["errors"] is None
    assert emulator.state()["writer_failures"]["RID-SCHEMA-2"]["code"] == "KER-KPM-002"
    # an unknown (source, process): the provider lookup is outside the facade's try → errors[]
    bad_process = packets.create_packet("RID-SCHEMA-4", "NEW", {})
    assert bad_process.status_code == 200
    assert bad_process.json()["errors"][0]["errorCode"] == "KER-PUT-006"
    assert emulator.counters()["packets_created"] == {"RID-SCHEMA-1": 1}


def test_wrongly_typed_field_fails_in_processing(emulator: EmulatorServer, packets: PacketClient) -> None:
    create, start = packets.submit("RID-TYPE-1", "CRVS_NEW", {"fullName": "plain text"})
    assert create.json()["errors"] is None and start.json()["errors"] is None
    wf = emulator.state()["workflows"]["RID-TYPE-1"]
    assert wf["status"] == "FAILED" and "fullName" in wf["failure"]["message"]
    assert "identities_created" not in emulator.counters()


@pytest.mark.parametrize(("meta_info", "code"), [
    ({}, "RPR-PCM-014"),
    ({"operationsData": "[]"}, "RPR-PCM-015"),
    ({"operationsData": "[]", "metaData": "[]"}, "RPR-PCM-017"),
    ({"operationsData": "not json", "metaData": "[]", "capturedRegisteredDevices": "[]"}, "RPR-PCM-008"),
    ({"operationsData": '[{"label": "officerId", "value": "r1"}]', "capturedRegisteredDevices": "[]",
      "metaData": '[{"label": "machineId", "value": "10001"}]'}, "RPR-CMD-FAILED-002"),
    ({"operationsData": '[{"label": "officerId", "value": "r1"}]', "capturedRegisteredDevices": "[]",
      "metaData": '[{"label": "centerId", "value": "10001"}]'}, "RPR-CMD-FAILED-004"),
    ({"operationsData": "[]", "capturedRegisteredDevices": "[]",
      "metaData": '[{"label": "centerId", "value": "10001"}, {"label": "machineId", "value": "10001"}]'},
     "RPR-OVM-FAILED-005"),
])
def test_bad_meta_info_stalls_the_packet_with_the_reason_visible(emulator: EmulatorServer, packets: PacketClient,
                                                                 meta_info: dict[str, str], code: str) -> None:
    create = packets.create_packet("RID-META-1", "CRVS_NEW", {"fullName": simple("Meta Baby")}, meta_info=meta_info)
    assert create.json()["errors"] is None and create.json()["response"]  # the writer accepts anything
    assert packets.start_workflow("RID-META-1", "CRVS_NEW").json()["errors"] is None
    wf = emulator.state()["workflows"]["RID-META-1"]
    assert wf["status"] == "FAILED" and wf["failure"]["code"] == code
    counters = emulator.counters()
    assert counters["workflows_failed"] == {"RID-META-1": 1}
    assert "identities_created" not in counters and "credentials_issued" not in counters


def test_workflow_request_is_validated_as_the_registration_processor_does(packets: PacketClient) -> None:
    url = packets.cfg["workflow_url"]
    request = {"registrationId": "RID-WIN-1", "process": "CRVS_NEW", "source": "OPENCRVS"}
    missing_id = packets.http.post(url, json={"version": "v1", "requesttime": request_time(), "request": request})
    assert missing_id.json()["errors"] == [{"errorCode": "RPR-WIN-000", "message": "Missing Request Value - id"}]
    bad_version = packets.http.post(url, json={"id": "mosip.registration.processor.workflow.instance",
                                               "version": "v9", "requesttime": request_time(), "request": request})
    assert bad_version.json()["errors"][0] == {"errorCode": "RPR-WIN-001", "message": "Invalid Request Value - version"}
    bad_time = packets.http.post(url, json={"id": "mosip.registration.processor.workflow.instance",
                                            "version": "v1", "requesttime": "yesterday", "request": request})
    assert bad_time.json()["errors"][0]["errorCode"] == "RPR-WIN-001"
    assert all(r.status_code == 200 for r in (missing_id, bad_version, bad_time))


def test_workflow_without_packet_is_accepted_then_fails(emulator: EmulatorServer, packets: PacketClient) -> None:
    assert packets.start_workflow("RID-NOPE", "CRVS_NEW").json()["errors"] is None
    wf = emulator.state()["workflows"]["RID-NOPE"]
    assert wf["status"] == "FAILED"
    assert wf["failure"] == {"stage": "PacketValidatorStage", "code": "KER-PUT-027",
                             "message": "Object doesnot exists."}


def test_crvs_new_creates_an_identity(emulator: EmulatorServer, packets: PacketClient) -> None:
    before = len(emulator.identities)
    packets.submit("RID-NEW-0001", "CRVS_NEW", {
        "firstName": json.dumps([{"language": "eng", "value": "Zoë"}, {"language": "fra", "value": "Zoé"}]),
        "lastName": simple("Phiri"), "dateOfBirth": "2026/11/20", "gender": simple("Female")})
    assert len(emulator.identities) == before + 1
    wf = emulator.state()["workflows"]["RID-NEW-0001"]
    assert wf["status"] == "PROCESSED"
    ident = emulator.identities.by_uin(wf["result"]["uin"])
    assert ident is not None
    assert ident["full_name"] == {"eng": "Zoë Phiri", "fra": "Zoé Phiri"}
    assert ident["dob"] == "2026/11/20" and ident["gender"]["eng"] == "Female"
    assert ident["vid"] == wf["result"]["vid"] and len(ident["vid"]) == 16


def test_delayed_processing_and_process_pending(make_emulator: Any) -> None:
    emu = make_emulator(credential_delay=3600)
    client = PacketClient(emu.client_config())
    client.login()
    client.submit("RID-LATER-1", "CRVS_NEW", {"fullName": simple("Later Baby")})
    assert emu.state()["workflows"]["RID-LATER-1"]["status"] == "QUEUED"
    assert "identities_created" not in emu.counters()
    resp = httpx.post(f"{emu.base_url}/admin/process-pending")
    assert resp.json() == {"processed": ["RID-LATER-1"]}
    assert emu.counters()["identities_created"] == {"RID-LATER-1": 1}
    assert httpx.post(f"{emu.base_url}/admin/process-pending").json() == {"processed": []}


def test_update_of_unknown_identity_fails_visibly(emulator: EmulatorServer, packets: PacketClient) -> None:
    packets.submit("RID-UPD-X", "CRVS_UPDATE", {"VID": "9999999999999999", "lastName": simple("X")})
    wf = emulator.state()["workflows"]["RID-UPD-X"]
    assert wf["status"] == "FAILED" and "no identity" in wf["error"]


def test_idrepo_patch_endpoints(emulator: EmulatorServer, packets: PacketClient) -> None:
    person = emulator.identities.all()[2]
    base = packets.cfg["idrepo_url"]
    resp = packets.http.patch(f"{base}/identity", json={
        "id": "mosip.id.update", "version": "v1", "requesttime": request_time(),
        "request": {"registrationId": "RID-REPO-1", "status": "ACTIVATED",
                    "identity": {"UIN": person["uin"], "phone": "+260970000042"}}})
    assert resp.json()["errors"] is None
    assert emulator.identities.by_uin(person["uin"])["phone"] == "+260970000042"
    resp = packets.http.patch(f"{base}/vid/{person['vid']}", json={"request": {"vidStatus": "REVOKED"}})
    assert resp.json()["response"] == {"vidStatus": "REVOKED"}
    assert emulator.identities.by_vid(person["vid"])["vid_status"] == "REVOKED"
    missing = packets.http.patch(f"{base}/vid/2222222222222222", json={"request": {"vidStatus": "REVOKED"}})
    assert missing.json()["errors"][0]["errorCode"] == "IDR-IDC-007"
    unknown_status = packets.http.patch(f"{base}/vid/{person['vid']}", json={"request": {"vidStatus": "GONE"}})
    assert unknown_status.json()["errors"][0]["errorCode"] == "IDR-IDC-002"


def test_admin_inspection(emulator: EmulatorServer, packets: PacketClient) -> None:
    packets.submit("RID-INSPECT-1", "CRVS_NEW", {"fullName": simple("Inspect Me")})
    state = httpx.get(f"{emulator.base_url}/admin/state").json()
    for key in ("identities", "packets", "workflows", "deliveries", "subscriptions", "counters", "esignet"):
        assert key in state
    assert state["packets"]["RID-INSPECT-1"]["field_names"] == ["fullName"]
    people = httpx.get(f"{emulator.base_url}/admin/identities").json()
    assert len(people) == state["identities"]["count"] >= 101
    first = people[0]
    assert httpx.get(f"{emulator.base_url}/admin/identities/{first['vid']}").json()["uin"] == first["uin"]

"""Auth manager, packet manager, workflow and ID repository."""

from __future__ import annotations

import json
from typing import Any

import httpx

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


def test_duplicate_rid_is_answered_as_duplicate(emulator: EmulatorServer, packets: PacketClient) -> None:
    fields = {"fullName": simple("Chanda Banda"), "dateOfBirth": "2026/11/01"}
    first = packets.create_packet("RID-DUP-0001", "CRVS_NEW", fields)
    again = packets.create_packet("RID-DUP-0001", "CRVS_NEW", fields)
    assert first.json()["errors"] is None
    assert again.status_code == 200
    assert again.json()["response"] is None
    assert again.json()["errors"] == [{"errorCode": "RPR-PKR-005",
                                       "message": "The request received is a duplicate request to upload a Packet"}]
    wf1 = packets.start_workflow("RID-DUP-0001", "CRVS_NEW")
    wf2 = packets.start_workflow("RID-DUP-0001", "CRVS_NEW")
    assert wf1.json()["errors"] is None and wf1.json()["response"]["workflowInstanceId"]
    assert wf2.json()["errors"][0]["errorCode"] == "RPR-PKR-005"
    counters = emulator.counters()
    assert counters["packets_created"] == {"RID-DUP-0001": 1}
    assert counters["packets_duplicate"] == {"RID-DUP-0001": 1}
    assert counters["workflows_started"] == {"RID-DUP-0001": 1}
    assert counters["identities_created"] == {"RID-DUP-0001": 1}


def test_schema_validation(emulator: EmulatorServer, packets: PacketClient) -> None:
    unknown = packets.create_packet("RID-SCHEMA-1", "CRVS_NEW", {"fullName": simple("A B"), "favouriteColour": "red"})
    assert unknown.json()["errors"][0]["errorCode"] == "KER-PUT-020"
    assert "favouriteColour" in unknown.json()["errors"][0]["message"]
    not_a_list = packets.create_packet("RID-SCHEMA-2", "CRVS_NEW", {"fullName": "plain text"})
    assert not_a_list.json()["errors"][0]["errorCode"] == "KER-PUT-020"
    not_a_string = packets.http.put(packets.cfg["create_packet_url"], json={"request": {
        "id": "RID-SCHEMA-3", "process": "CRVS_NEW", "source": "OPENCRVS", "schemaJson": json.dumps(ID_SCHEMA),
        "fields": {"dateOfBirth": 20261101}}})
    assert not_a_string.json()["errors"][0]["errorCode"] == "KER-PUT-020"
    bad_process = packets.create_packet("RID-SCHEMA-4", "NEW", {})
    assert bad_process.json()["errors"][0]["errorCode"] == "KER-PUT-025"
    # a rejected packet does not exist: the same RID can be sent again, corrected
    assert packets.create_packet("RID-SCHEMA-1", "CRVS_NEW", {"fullName": simple("A B")}).json()["errors"] is None
    assert emulator.counters()["packets_created"] == {"RID-SCHEMA-1": 1}


def test_workflow_without_packet(packets: PacketClient) -> None:
    assert packets.start_workflow("RID-NOPE", "CRVS_NEW").json()["errors"][0]["errorCode"] == "RPR-WIN-404"


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
    assert missing.json()["errors"][0]["errorCode"] == "IDR-VID-002"


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

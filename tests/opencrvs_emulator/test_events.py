"""Create, notify, create-and-notify: scopes, idempotency, conflicts (packages/events/src/router/event/)."""

from __future__ import annotations

import json
import uuid

from opencrvs_emulator.server import OpenCrvsServer

from .conftest import BIRTH, Api, statuses


def test_create_is_idempotent_on_transaction_id_and_type(crvs: OpenCrvsServer, api: Api) -> None:
    tid = str(uuid.uuid4())
    first, again = api.create("birth", tid), api.create("birth", tid)
    assert first["id"] == again["id"]
    assert [a["type"] for a in again["actions"]] == ["CREATE"]
    other_type = api.create("death", tid)  # UNIQUE(transaction_id, event_type): another event
    assert other_type["id"] != first["id"]
    assert len(first["trackingId"]) == 6
    assert crvs.counters()["by_key"]["events_created"] == {"birth": 1, "death": 1}


def test_create_checks_scope_event_type_and_location(crvs: OpenCrvsServer, api: Api) -> None:
    search_only = Api(crvs, "crvs-field-search")
    body = {"transactionId": str(uuid.uuid4()), "type": "birth", "createdAtLocation": api.office}
    assert search_only.post("/events/events", body).status_code == 403
    unknown = api.post("/events/events", {**body, "type": "marriage"})
    assert (unknown.status_code, unknown.json()["message"]) == (400, "No configuration found for event type: marriage")
    no_location = api.post("/events/events", {**body, "createdAtLocation": None})
    assert no_location.json()["message"] == "createdAtLocation is required and must be a valid location id"
    nowhere = api.post("/events/events", {**body, "createdAtLocation": str(uuid.uuid4())})
    assert (nowhere.status_code, nowhere.json()["message"]) == (400, "createdAtLocation must be a valid location id")
    clients = api.http.post("/admin/clients", json={"name": "death-only", "scopes": [
        "type=record.create&event=death", "type=record.notify&event=death"]}).json()
    death_only = next(c for c in clients if c["name"] == "death-only")
    token = api.http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": death_only["id"],
                                               "client_secret": death_only["secret"]}).json()["access_token"]
    answer = api.http.post("/events/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403


def test_notify_is_requested_then_accepted_by_the_country_hook(api: Api) -> None:
    event = api.create()
    answer = api.notify(event["id"], BIRTH)
    assert answer.status_code == 200
    notify = [a for a in answer.json()["actions"] if a["type"] == "NOTIFY"]
    assert [a["status"] for a in notify] == ["Requested", "Accepted"]
    requested, accepted = notify
    assert accepted["originalActionId"] == requested["id"]
    assert accepted["transactionId"] == requested["transactionId"]
    assert accepted["declaration"] == {} and requested["declaration"] == BIRTH
    assert requested["createdByUserType"] == "system" and requested["createdAtLocation"] == api.office
    index = api.index(event["id"])
    assert index["status"] == "NOTIFIED" and index["flags"] == ["incomplete"]
    assert index["declaration"]["mother.nid"] == "4905541242"


def test_same_transaction_id_returns_the_event_unchanged(crvs: OpenCrvsServer, api: Api) -> None:
    event = api.create()
    tid = str(uuid.uuid4())
    first = api.notify(event["id"], BIRTH, tid).json()
    again = api.notify(event["id"], BIRTH, tid)
    assert again.status_code == 200 and again.json() == first
    counts = crvs.counters()["by_key"]
    assert counts["actions_notify_requested"] == {event["id"]: 1}
    assert counts["actions_notify_accepted"] == {event["id"]: 1}
    assert crvs.counters()["hook_calls"] == 1


def test_second_notify_of_a_notified_record_is_a_conflict(api: Api) -> None:
    event = api.create()
    assert api.notify(event["id"], BIRTH).status_code == 200
    answer = api.notify(event["id"], {"child.dob": "2026-11-02"})
    assert answer.status_code == 409
    assert answer.json()["message"].startswith("Action 'NOTIFY' cannot be performed on an event in 'NOTIFIED' state")


def test_notify_of_an_assigned_record_is_a_conflict(api: Api) -> None:
    event = api.create()
    api.admin(f"/events/{event['id']}/assign")
    answer = api.notify(event["id"], BIRTH)
    assert answer.status_code == 409
    assert answer.json()["message"] == "System user can not perform action on assigned event"


def test_unknown_top_level_key_is_an_input_error(api: Api) -> None:
    event = api.create()
    answer = api.notify(event["id"], BIRTH, registrationNumber="X")
    assert answer.status_code == 400
    body = answer.json()
    assert body["message"] == "Input validation failed"
    assert body["issues"] == [{"code": "unrecognized_keys", "keys": ["registrationNumber"], "path": [],
                               "message": 'Unrecognized key: "registrationNumber"'}]
    assert body["data"]["path"] == "event.actions.notify.request"


def test_notify_scope_and_event_checks(crvs: OpenCrvsServer, api: Api) -> None:
    event = api.create()
    search_only = Api(crvs, "crvs-field-search")
    assert search_only.notify(event["id"], BIRTH).status_code == 403
    missing = api.notify(str(uuid.uuid4()), BIRTH)
    assert missing.status_code == 404 and missing.json()["message"].startswith("Event not found with ID: ")
    assert api.notify("not-a-uuid", BIRTH).status_code == 400
    no_location = api.post(f"/events/events/{event['id']}/notify",
                           {"transactionId": str(uuid.uuid4()), "declaration": BIRTH})
    assert no_location.json()["message"] == "createdAtLocation is required and must be a valid location id"


def test_transaction_ids_are_global_across_events(api: Api) -> None:
    tid = str(uuid.uuid4())
    first, second = api.create(), api.create()
    assert api.notify(first["id"], BIRTH, tid).status_code == 200
    answer = api.notify(second["id"], BIRTH, tid)  # UNIQUE(transaction_id, action_type, status): nothing inserted
    assert answer.status_code == 500
    assert statuses(api.http.get(f"/admin/events/{second['id']}").json()["document"]) == []


def test_create_and_notify_in_one_call_is_idempotent(crvs: OpenCrvsServer, api: Api) -> None:
    tid = str(uuid.uuid4())
    body = {"eventType": "birth", "transactionId": tid, "declaration": BIRTH, "createdAtLocation": api.office,
            "ignored": True}
    first = api.post("/events/events/notify", body)
    assert first.status_code == 200, first.text
    event = first.json()
    create = next(a for a in event["actions"] if a["type"] == "CREATE")
    assert create["transactionId"] == f"{tid}:create"
    assert statuses(event) == ["Requested", "Accepted"]
    again = api.post("/events/events/notify", body)
    assert again.json() == event
    assert crvs.counters()["totals"]["events_created"] == 1


def test_create_and_notify_refused_declaration_leaves_a_created_event(crvs: OpenCrvsServer, api: Api) -> None:
    tid = str(uuid.uuid4())
    body = {"eventType": "birth", "transactionId": tid, "declaration": {**BIRTH, "child.dob": "01/11/2026"},
            "createdAtLocation": api.office}
    refused = api.post("/events/events/notify", body)
    assert refused.status_code == 400
    assert json.loads(refused.json()["message"]) == [
        {"message": "Invalid date field", "id": "child.dob", "value": "01/11/2026"}]
    fixed = api.post("/events/events/notify", {**body, "declaration": BIRTH})
    assert fixed.status_code == 200 and statuses(fixed.json()) == ["Requested", "Accepted"]
    assert crvs.counters()["totals"]["events_created"] == 1  # the same event, created by the refused call


def test_create_and_notify_checks(crvs: OpenCrvsServer, api: Api) -> None:
    body = {"eventType": "birth", "transactionId": str(uuid.uuid4()), "declaration": {},
            "createdAtLocation": api.office}
    assert Api(crvs, "crvs-field-search").post("/events/events/notify", body).status_code == 403
    nowhere = api.post("/events/events/notify", {**body, "createdAtLocation": str(uuid.uuid4())})
    assert nowhere.json()["message"] == "createdAtLocation must be a valid location id"
    unknown = api.post("/events/events/notify", {**body, "eventType": "adoption"})
    assert unknown.json()["message"] == "No configuration found for event type: adoption"
    missing = api.post("/events/events/notify", {k: v for k, v in body.items() if k != "createdAtLocation"})
    assert missing.status_code == 400 and missing.json()["issues"][0]["path"] == ["createdAtLocation"]


def test_declare_and_register_are_not_for_system_clients(api: Api) -> None:
    event = api.create()
    rest = api.post(f"/events/events/{event['id']}/declare", {"transactionId": "t", "declaration": {}})
    assert rest.status_code == 404
    for action in ("declare", "register"):
        answer = api.post(f"/events/event.actions.{action}.request", {"json": {"eventId": event["id"]}})
        assert answer.status_code == 403
        assert answer.json()["error"]["json"]["data"]["code"] == "FORBIDDEN"


def test_get_needs_record_read_and_appends_a_read_action(api: Api) -> None:
    event = api.create()
    assert api.get(f"/events/events/{event['id']}").status_code == 403  # HEALTH / RECORD_SEARCH: no record.read
    clients = api.http.post("/admin/clients", json={"name": "reader", "scopes": ["type=record.read"]}).json()
    reader = next(c for c in clients if c["name"] == "reader")
    token = api.http.post("/auth/token", data={"grant_type": "client_credentials", "client_id": reader["id"],
                                               "client_secret": reader["secret"]}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    first = api.http.get(f"/events/events/{event['id']}", headers=headers).json()
    second = api.http.get(f"/events/events/{event['id']}", headers=headers).json()
    assert [a["type"] for a in first["actions"]] == ["CREATE", "READ"]
    assert [a["type"] for a in second["actions"]] == ["CREATE", "READ", "READ"]


def test_content_type_and_body_errors(api: Api) -> None:
    event = api.create()
    url = f"/events/events/{event['id']}/notify"
    xml = api.http.post(url, headers={**api.headers, "Content-Type": "text/xml"}, content=b"<a/>")
    assert xml.status_code == 415 and xml.json()["message"] == 'Unsupported content-type "text/xml'
    broken = api.http.post(url, headers={**api.headers, "Content-Type": "application/json"}, content=b"{")
    assert broken.status_code == 400 and broken.json()["code"] == "PARSE_ERROR"


def test_hostile_bodies_are_refused_cleanly(api: Api) -> None:
    event = api.create()
    deep = '{"x":' * 5000 + "{}" + "}" * 5000
    body = (f'{{"transactionId": "{uuid.uuid4()}", "declaration": {{"child.name": {deep}}}, '
            f'"createdAtLocation": "{api.office}"}}')
    answer = api.http.post(f"/events/events/{event['id']}/notify", headers=api.headers, content=body.encode())
    assert answer.status_code == 400 and answer.json()["code"] == "PARSE_ERROR"
    huge = b'{"transactionId": "' + b"a" * (60 * 1024 * 1024) + b'"}'
    answer = api.http.post(f"/events/events/{event['id']}/notify", headers=api.headers, content=huge)
    assert answer.status_code == 413 and answer.json()["error"] == "Request Entity Too Large"  # the gateway
    assert api.notify(event["id"], BIRTH).status_code == 200  # the server is fine


def test_the_events_service_takes_100_kb_of_body(api: Api) -> None:
    # trpc-to-openapi 3.2.0 getBody: co-body's limit is 100 000 bytes unless maxBodySize is set (it is not)
    event = api.create()
    photo = "A" * 99_000  # e.g. a picture in the e-Signet userinfo
    fits = api.notify(event["id"], {"informant.verify-nid-http-fetch": {"data": {"picture": photo[:90_000]}}})
    assert fits.status_code == 200
    other = api.create()
    answer = api.notify(other["id"], {"informant.verify-nid-http-fetch": {"data": {"picture": photo + "A" * 2000}}})
    assert answer.status_code == 413
    assert answer.json()["message"] == "Request body too large" and answer.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_a_charset_parameter_makes_the_body_ignored(api: Api) -> None:
    # trpc-to-openapi accepts "application/json; charset=utf-8" but parses only an exact "application/json"
    event = api.create()
    body = json.dumps({"transactionId": str(uuid.uuid4()), "declaration": BIRTH, "createdAtLocation": api.office})
    answer = api.http.post(f"/events/events/{event['id']}/notify", content=body.encode(),
                           headers={**api.headers, "Content-Type": "application/json; charset=utf-8"})
    assert answer.status_code == 400 and answer.json()["message"] == "Input validation failed"
    assert answer.json()["issues"][0]["path"] == ["transactionId"]

"""The country configuration's answer to a NOTIFY (actions/index.ts defaultRequestHandler,
actionConfirmationRequest.ts: 200 accept, 400 reject, 202 later, anything else 500)."""

from __future__ import annotations

import uuid

from opencrvs_emulator.engine import Hook
from opencrvs_emulator.server import OpenCrvsServer
from tests.waiting import wait_until

from .conftest import BIRTH, Api, statuses


def test_rejected_by_the_country_then_a_fresh_transaction_id_notifies_again(crvs: OpenCrvsServer, api: Api) -> None:
    crvs.set_hook("reject")
    event = api.create()
    tid = str(uuid.uuid4())
    answer = api.notify(event["id"], BIRTH, tid)
    assert answer.status_code == 200  # the HTTP call succeeds: the outcome is in the actions
    notify = [a for a in answer.json()["actions"] if a["type"] == "NOTIFY"]
    assert [a["status"] for a in notify] == ["Requested", "Rejected"]
    assert notify[1]["originalActionId"] == notify[0]["id"]
    index = api.index(event["id"])
    assert index["status"] == "CREATED" and index["flags"] == ["notify:rejected"]
    assert api.search({"id": event["id"]})["total"] == 0  # CREATED is not indexed
    crvs.set_hook("accept")
    assert statuses(api.notify(event["id"], BIRTH, tid).json()) == ["Requested", "Rejected"]  # same id: no-op
    assert statuses(api.notify(event["id"], BIRTH).json()) == ["Requested", "Rejected", "Requested", "Accepted"]


def test_asynchronous_202_stays_requested_until_the_country_confirms(crvs: OpenCrvsServer, api: Api) -> None:
    crvs.set_hook("async")
    event = api.create()
    tid = str(uuid.uuid4())
    answer = api.notify(event["id"], BIRTH, tid)
    assert answer.status_code == 200 and statuses(answer.json()) == ["Requested"]
    assert api.index(event["id"])["flags"] == ["notify:requested"]
    assert api.search({"id": event["id"]})["total"] == 0
    assert statuses(api.notify(event["id"], BIRTH, tid).json()) == ["Requested"]  # retry: nothing new
    pending = api.http.get("/admin/pending").json()
    assert [p["transactionId"] for p in pending] == [tid]
    confirmed = api.admin(f"/events/{event['id']}/confirm", {"accept": True})
    assert statuses(confirmed) == ["Requested", "Accepted"]
    found = api.search({"id": event["id"]})["results"]
    assert found[0]["status"] == "NOTIFIED" and found[0]["declaration"]["mother.nid"] == "4905541242"


def test_asynchronous_accept_after_a_delay(crvs_factory) -> None:
    server = crvs_factory(hook=Hook(mode="async", accept_after=0.2))
    api = Api(server)
    event = api.create()
    assert statuses(api.notify(event["id"], BIRTH).json()) == ["Requested"]
    wait_until(lambda: api.search({"id": event["id"]})["total"] == 1, timeout=10, what="the delayed accept")
    assert statuses(api.http.get(f"/admin/events/{event['id']}").json()["document"]) == ["Requested", "Accepted"]


def test_a_failing_country_hook_is_a_500_with_the_request_kept(crvs: OpenCrvsServer, api: Api) -> None:
    crvs.set_hook("fail")
    event = api.create()
    tid = str(uuid.uuid4())
    answer = api.notify(event["id"], BIRTH, tid)
    assert answer.status_code == 500
    assert answer.json() == {"message": "Internal server error", "code": "INTERNAL_SERVER_ERROR",
                             "data": {"code": "INTERNAL_SERVER_ERROR", "httpStatus": 500}}
    crvs.set_hook("accept")
    retry = api.notify(event["id"], BIRTH, tid)
    assert retry.status_code == 200 and statuses(retry.json()) == ["Requested"]  # kept, not asked again
    assert crvs.counters()["hook_calls"] == 1


def test_admin_hook_control(api: Api) -> None:
    assert api.admin("/hook", {"mode": "async", "accept_after": None})["mode"] == "async"
    assert api.http.post("/admin/hook", json={"mode": "maybe"}).status_code == 400


def test_a_new_transaction_id_while_a_notify_is_unanswered_is_a_500(crvs: OpenCrvsServer, api: Api) -> None:
    crvs.set_hook("async")
    event = api.create()
    assert statuses(api.notify(event["id"], BIRTH).json()) == ["Requested"]
    crvs.set_hook("accept")
    second = api.notify(event["id"], BIRTH)  # NOTIFY is allowed on CREATED, but two are now pending
    assert second.status_code == 500
    document = api.http.get(f"/admin/events/{event['id']}").json()["document"]
    assert statuses(document) == ["Requested", "Requested"]


def test_a_pluggable_hook_decides_and_may_add_to_the_declaration(crvs_factory) -> None:
    seen: list[str] = []

    def country(action_type: str, event: dict) -> tuple[int, dict | None]:
        seen.append(action_type)
        declaration = next(a for a in event["actions"] if a["status"] == "Requested")["declaration"]
        if declaration.get("mother.verified") == "failed":
            return 400, None
        return 200, {"declaration": {"child.nid": "5555555555"}}

    server = crvs_factory(hook=Hook(decide=country))
    api = Api(server)
    refused = api.create()
    assert statuses(api.notify(refused["id"], {**BIRTH, "mother.verified": "failed"}).json()) == [
        "Requested", "Rejected"]
    accepted = api.create()
    notify = [a for a in api.notify(accepted["id"], BIRTH).json()["actions"] if a["type"] == "NOTIFY"]
    assert notify[1]["declaration"] == {"child.nid": "5555555555"}
    assert api.index(accepted["id"])["declaration"]["child.nid"] == "5555555555"
    assert seen == ["NOTIFY", "NOTIFY"]


def test_asynchronous_reject_and_answers_that_come_too_late(crvs: OpenCrvsServer, api: Api) -> None:
    crvs.set_hook("async")
    event = api.create()
    tid = str(uuid.uuid4())
    api.notify(event["id"], BIRTH, tid)
    action_id = api.http.get("/admin/pending").json()[0]["actionId"]
    rejected = api.admin(f"/events/{event['id']}/confirm", {"action_id": action_id, "accept": False})
    notify = [a for a in rejected["actions"] if a["type"] == "NOTIFY"]
    assert [a["status"] for a in notify] == ["Requested", "Rejected"]
    assert notify[1]["transactionId"] == tid and notify[1]["originalActionId"] == action_id
    late = api.http.post(f"/admin/events/{event['id']}/confirm", json={"action_id": action_id, "accept": True})
    assert late.status_code == 400 and late.json()["error"] == "Action has already been rejected."
    again = api.http.post(f"/admin/events/{event['id']}/confirm", json={"action_id": action_id, "accept": False})
    assert again.status_code == 200 and statuses(again.json()) == ["Requested", "Rejected"]
    assert api.http.get("/admin/pending").json() == []


def test_after_a_rejected_create_and_notify_a_fresh_id_makes_a_second_event(crvs: OpenCrvsServer, api: Api) -> None:
    crvs.set_hook("reject")
    body = {"eventType": "birth", "transactionId": str(uuid.uuid4()), "declaration": BIRTH,
            "createdAtLocation": api.office}
    first = api.post("/events/events/notify", body).json()
    assert statuses(first) == ["Requested", "Rejected"]
    crvs.set_hook("accept")
    # the create step's transactionId derives from the notify's: a fresh one is a new event…
    second = api.post("/events/events/notify", {**body, "transactionId": str(uuid.uuid4())}).json()
    assert second["id"] != first["id"] and crvs.counters()["totals"]["events_created"] == 2
    # …so notify the first event again instead, on its own path, with a fresh transactionId
    retry = api.notify(first["id"], BIRTH)
    assert retry.status_code == 200 and statuses(retry.json()) == ["Requested", "Rejected", "Requested", "Accepted"]


def test_a_broken_hook_is_a_failing_country_configuration(crvs_factory) -> None:
    def broken(action_type: str, event: dict) -> tuple[int, dict | None]:
        raise RuntimeError("country configuration bug")

    api = Api(crvs_factory(hook=Hook(decide=broken)))
    event = api.create()
    answer = api.notify(event["id"], BIRTH)
    assert answer.status_code == 500 and answer.json()["message"] == "Internal server error"
    assert statuses(api.http.get(f"/admin/events/{event['id']}").json()["document"]) == ["Requested"]

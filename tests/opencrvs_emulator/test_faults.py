"""Faults for the client's exactly-once tests: a lost reply commits, a 5xx does not."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from opencrvs_emulator.server import OpenCrvsServer

from .conftest import BIRTH, Api, statuses


def test_lost_reply_commits_then_the_retry_is_a_no_op(crvs: OpenCrvsServer, api: Api) -> None:
    event = api.create()
    tid = str(uuid.uuid4())
    api.http.post("/admin/faults", json={"spec": "lost_reply=1,path=/events/events/,times=1"})
    with pytest.raises(httpx.TransportError):
        api.notify(event["id"], BIRTH, tid)
    retry = api.notify(event["id"], BIRTH, tid)
    assert retry.status_code == 200 and statuses(retry.json()) == ["Requested", "Accepted"]
    counts = crvs.counters()["by_key"]
    assert counts["actions_notify_requested"] == {event["id"]: 1}
    assert counts["actions_notify_accepted"] == {event["id"]: 1}


def test_lost_create_and_notify_reply_leaves_one_event(crvs: OpenCrvsServer, api: Api) -> None:
    body = {"eventType": "birth", "transactionId": str(uuid.uuid4()), "declaration": BIRTH,
            "createdAtLocation": api.office}
    crvs.add_fault("lost_reply=1,path=/events/events/notify,times=1")
    with pytest.raises(httpx.TransportError):
        api.post("/events/events/notify", body)
    assert api.post("/events/events/notify", body).status_code == 200
    assert crvs.counters()["totals"]["events_created"] == 1
    assert crvs.counters()["totals"]["actions_notify_accepted"] == 1


def test_5xx_and_reset_do_not_commit(crvs: OpenCrvsServer, api: Api) -> None:
    event = api.create()
    crvs.add_fault("5xx=1,path=/events/events/,times=1")
    assert api.notify(event["id"], BIRTH).status_code == 503
    crvs.add_fault("reset=1,path=/events/events/,times=1")
    with pytest.raises(httpx.TransportError):
        api.notify(event["id"], BIRTH)
    assert "actions_notify_requested" not in crvs.counters()["totals"]
    assert api.notify(event["id"], BIRTH).status_code == 200


def test_timeout_holds_the_request_unprocessed(crvs: OpenCrvsServer, api: Api) -> None:
    event = api.create()
    crvs.add_fault("timeout=1,timeout_seconds=5,path=/events/events/,times=1")
    with pytest.raises(httpx.TimeoutException):
        api.http.post(f"/events/events/{event['id']}/notify", headers=api.headers, timeout=0.3,
                      json={"transactionId": str(uuid.uuid4()), "declaration": BIRTH,
                            "createdAtLocation": api.office})
    assert "actions_notify_requested" not in crvs.counters()["totals"]


def test_token_endpoint_faults_and_admin_is_never_faulted(crvs: OpenCrvsServer) -> None:
    crvs.add_fault("5xx=1")
    with httpx.Client(base_url=crvs.base_url) as http:
        assert http.post("/auth/token", data={"grant_type": "client_credentials"}).status_code == 503
        assert http.get("/admin/health").status_code == 200
        assert http.delete("/admin/faults").json()["rules"] == []
        assert http.post("/auth/token", data={"grant_type": "client_credentials"}).status_code == 400


def test_latency_rule_delays_without_failing(crvs: OpenCrvsServer, api: Api) -> None:
    crvs.add_fault("latency=50ms,path=/events/events/search,times=2")
    for _ in range(3):
        assert api.search({"eventType": "birth"})["total"] == 0
    rules = api.http.get("/admin/faults").json()["rules"]
    assert rules[0]["hits"] == 2  # spent after two requests


def test_concurrent_retries_of_one_notify_commit_once(crvs: OpenCrvsServer, api: Api) -> None:
    event = api.create()
    body = {"transactionId": str(uuid.uuid4()), "declaration": BIRTH, "createdAtLocation": api.office}

    def send(_: int) -> int:
        with httpx.Client(base_url=crvs.base_url, timeout=10) as http:
            return http.post(f"/events/events/{event['id']}/notify", json=body, headers=api.headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(send, range(16))) == {200}
    counts = crvs.counters()["by_key"]
    assert counts["actions_notify_requested"] == {event["id"]: 1}
    assert counts["actions_notify_accepted"] == {event["id"]: 1}


def test_admin_finds_events_by_transaction_id(api: Api) -> None:
    tid = str(uuid.uuid4())
    body = {"eventType": "birth", "transactionId": tid, "declaration": BIRTH, "createdAtLocation": api.office}
    event = api.post("/events/events/notify", body).json()
    api.create()
    found = api.http.get("/admin/events", params={"transactionId": tid}).json()
    assert [e["id"] for e in found] == [event["id"]]
    assert [(a["type"], a["status"]) for a in found[0]["actions"]] == [
        ("CREATE", "Accepted"), ("NOTIFY", "Requested"), ("NOTIFY", "Accepted")]
    assert len(api.http.get("/admin/events").json()) == 2

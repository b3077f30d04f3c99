"""A country configuration over HTTP (actionConfirmationRequest.ts; actions/index.ts accept / reject)."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from opencrvs_emulator.server import OpenCrvsServer
from tests.waiting import wait_until

from .conftest import BIRTH, Api, statuses


class CountryConfig:
    """A minimal country configuration: answers each trigger with ``status`` and records what it got."""

    def __init__(self) -> None:
        self.status = 200
        self.received: list[dict[str, Any]] = []
        app = Starlette(routes=[Route("/trigger/events/{event_type}/actions/{action}", self.trigger,
                                      methods=["POST"])])
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[sock])), daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=10, what="the country configuration")

    async def trigger(self, request: Request) -> JSONResponse:
        self.received.append({"path": request.url.path, "authorization": request.headers.get("authorization"),
                              "event": await request.json()})
        body = {"declaration": {"child.nid": "1234567890"}} if self.status == 200 else {}
        return JSONResponse(body, status_code=self.status)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def country() -> Iterator[CountryConfig]:
    config = CountryConfig()
    yield config
    config.stop()


def test_core_asks_the_country_configuration_and_takes_its_answer(crvs: OpenCrvsServer, api: Api,
                                                                  country: CountryConfig) -> None:
    api.admin("/hook", {"url": country.url})
    event = api.create()
    accepted = api.notify(event["id"], BIRTH).json()
    assert statuses(accepted) == ["Requested", "Accepted"]
    assert [a for a in accepted["actions"] if a["type"] == "NOTIFY"][1]["declaration"] == {"child.nid": "1234567890"}
    sent = country.received[0]
    assert sent["path"] == "/trigger/events/birth/actions/NOTIFY"
    assert sent["event"]["id"] == event["id"] and statuses(sent["event"]) == ["Requested"]
    assert sent["authorization"].startswith("Bearer ")
    country.status = 400
    other = api.create()
    assert statuses(api.notify(other["id"], BIRTH).json()) == ["Requested", "Rejected"]
    country.status = 503
    third = api.create()
    assert api.notify(third["id"], BIRTH).status_code == 500


def test_a_202_is_accepted_later_with_the_token_core_gave(crvs: OpenCrvsServer, api: Api,
                                                         country: CountryConfig) -> None:
    country.status = 202
    api.admin("/hook", {"url": country.url})
    event = api.create()
    assert statuses(api.notify(event["id"], BIRTH).json()) == ["Requested"]
    sent = country.received[0]
    action_id = next(a["id"] for a in sent["event"]["actions"] if a["type"] == "NOTIFY")
    body = {"json": {"eventId": event["id"], "actionId": action_id, "transactionId": str(uuid.uuid4())}}
    # the system client's own token cannot answer for the country
    refused = api.http.post("/events/event.actions.notify.accept", json=body, headers=api.headers)
    assert refused.status_code == 403
    wrong_action = {"json": {**body["json"], "actionId": str(uuid.uuid4())}}
    country_headers = {"Authorization": sent["authorization"]}
    assert api.http.post("/events/event.actions.notify.accept", json=wrong_action,
                         headers=country_headers).status_code == 403
    answer = api.http.post("/events/event.actions.notify.accept", json=body, headers=country_headers)
    assert answer.status_code == 200
    assert statuses(answer.json()["result"]["data"]["json"]) == ["Requested", "Accepted"]
    assert api.search({"id": event["id"]})["total"] == 1
    late = api.http.post("/events/event.actions.notify.reject", json=body, headers=country_headers)
    assert late.status_code == 500  # core throws a plain Error: "Action has already been accepted."

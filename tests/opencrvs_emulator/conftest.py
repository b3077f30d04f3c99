"""Fixtures: the OpenCRVS emulator on loopback (``crvs``) and an httpx client signed in as a system client."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from opencrvs_emulator.server import OpenCrvsServer
from opencrvs_emulator.testing import opencrvs, opencrvs_factory  # noqa: F401  (fixtures)


class Api:
    """A system client of the emulator: token, then the gateway paths, over real HTTP."""

    def __init__(self, server: OpenCrvsServer, client_name: str = "crvs-field-device") -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=10.0)
        creds = server.clients()[client_name]
        answer = self.http.post("/auth/token", data={"grant_type": "client_credentials",
                                                     "client_id": creds["client_id"],
                                                     "client_secret": creds["secret"]})
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        offices = self.get("/events/locations", params={"locationType": "CRVS_OFFICE"}).json()
        self.office = offices[0]["id"]

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, headers=self.headers, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return self.http.post(path, headers=self.headers, json=body, **kw)

    def admin(self, path: str, body: Any = None) -> Any:
        answer = self.http.post(f"/admin{path}", json=body or {})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def create(self, event_type: str = "birth", tid: str | None = None) -> dict[str, Any]:
        answer = self.post("/events/events", {"transactionId": tid or str(uuid.uuid4()), "type": event_type,
                                              "createdAtLocation": self.office})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def notify(self, event_id: str, declaration: dict[str, Any], tid: str | None = None,
               **extra: Any) -> httpx.Response:
        body = {"transactionId": tid or str(uuid.uuid4()), "declaration": declaration,
                "createdAtLocation": self.office, **extra}
        return self.post(f"/events/events/{event_id}/notify", body)

    def search(self, *clauses: dict[str, Any]) -> dict[str, Any]:
        answer = self.post("/events/events/search", {"query": {"type": "and", "clauses": list(clauses)}})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def index(self, event_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/admin/events/{event_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()["index"]

    def close(self) -> None:
        self.http.close()


def statuses(event: dict[str, Any], action_type: str = "NOTIFY") -> list[str]:
    return [a["status"] for a in event["actions"] if a["type"] == action_type]


BIRTH = {
    "child.name": {"firstname": "Ama", "surname": "Banda"},
    "child.dob": "2026-11-01",
    "child.gender": "female",
    "mother.name": {"firstname": "Amélie", "surname": "Nyirenda"},
    "mother.verified": "verified",
    "mother.nid": "4905541242",
    "mother.id-reader": {"data": {"nid": "4905541242", "name": {"firstname": "Amélie", "surname": "Nyirenda"}}},
    "informant.relation": "OTHER",
    "informant.verified": "authenticated",
    "informant.verify-nid-http-fetch": {"loading": False, "error": None,
                                        "data": {"sub": "123456789012345678901234567890123456", "name": "Jo"}},
}


@pytest.fixture
def crvs_factory(request: pytest.FixtureRequest) -> Callable[..., OpenCrvsServer]:
    return request.getfixturevalue("opencrvs_factory")   # the emulator's own fixture, one place


@pytest.fixture
def crvs(request: pytest.FixtureRequest) -> OpenCrvsServer:
    return request.getfixturevalue("opencrvs")


@pytest.fixture
def api(crvs: OpenCrvsServer) -> Iterator[Api]:
    client = Api(crvs)
    yield client
    client.close()

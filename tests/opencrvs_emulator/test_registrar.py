"""A registrar's work as test controls, and polling search for the outcome (EventIndex.ts, flags.ts)."""

from __future__ import annotations

import pytest

from opencrvs_emulator.errors import TrpcError
from opencrvs_emulator.server import OpenCrvsServer

from .conftest import BIRTH, Api, statuses


def _notified(api: Api) -> str:
    event = api.create()
    assert api.notify(event["id"], BIRTH).status_code == 200
    return str(event["id"])


def test_register_gives_a_registration_number_and_the_nid(api: Api) -> None:
    event_id = _notified(api)
    api.admin(f"/events/{event_id}/register", {"nid": "7391485263"})
    found = api.search({"id": event_id})["results"][0]
    assert found["status"] == "REGISTERED" and found["flags"] == ["pending-first-certificate-issuance"]
    number = found["legalStatuses"]["REGISTERED"]["registrationNumber"]
    assert len(number) == 12 and number.isalnum()
    assert found["declaration"]["child.nid"] == "7391485263"
    by_number = api.search({"legalStatuses.REGISTERED.registrationNumber": {"type": "exact", "term": number}})
    assert [r["id"] for r in by_number["results"]] == [event_id]
    by_nid = api.search({"data": {"child.nid": {"type": "exact", "term": "7391485263"}}})
    assert [r["id"] for r in by_nid["results"]] == [event_id]
    types = [(a["type"], a["status"]) for a in api.http.get(f"/admin/events/{event_id}").json()["document"]["actions"]]
    assert types[-6:] == [("ASSIGN", "Accepted"), ("EDIT", "Accepted"), ("DECLARE", "Accepted"),
                          ("REGISTER", "Requested"), ("REGISTER", "Accepted"), ("UNASSIGN", "Accepted")]


def test_pending_registration_shows_register_requested(api: Api) -> None:
    event_id = _notified(api)
    api.admin(f"/events/{event_id}/register", {"pending": True})
    found = api.search({"flags": {"anyOf": ["register:requested"]}})["results"]
    assert [r["id"] for r in found] == [event_id] and found[0]["status"] == "DECLARED"
    assert found[0]["flags"] == ["register:requested", "validated"]
    api.admin(f"/events/{event_id}/confirm-registration", {"registration_number": "2026BRN00001", "nid": "1"})
    found = api.search({"id": event_id})["results"][0]
    assert found["status"] == "REGISTERED"
    assert found["legalStatuses"]["REGISTERED"]["registrationNumber"] == "2026BRN00001"


def test_rejected_record_is_flagged_and_accepts_a_new_notify(crvs: OpenCrvsServer, api: Api) -> None:
    event_id = _notified(api)
    api.admin(f"/events/{event_id}/reject", {"reason": "Mother's name does not match the ID card"})
    rejected = api.search({"flags": {"anyOf": ["rejected"]}})["results"]
    assert [r["id"] for r in rejected] == [event_id]
    assert rejected[0]["flags"] == ["incomplete", "rejected"]
    reject = next(a for a in api.http.get(f"/admin/events/{event_id}").json()["document"]["actions"]
                  if a["type"] == "REJECT")
    assert reject["content"]["reason"] == "Mother's name does not match the ID card"
    corrected = api.notify(event_id, {**BIRTH, "mother.name": {"firstname": "Amelie", "surname": "Nyirenda"}})
    assert corrected.status_code == 200 and statuses(corrected.json())[-2:] == ["Requested", "Accepted"]
    found = api.search({"id": event_id})["results"][0]
    assert found["flags"] == ["incomplete"] and found["declaration"]["mother.name"]["firstname"] == "Amelie"


def test_validated_by_a_registrar(api: Api) -> None:
    event_id = _notified(api)
    api.admin(f"/events/{event_id}/validate")
    found = api.search({"status": {"type": "exact", "term": "DECLARED"}})["results"]
    assert [r["id"] for r in found] == [event_id] and found[0]["flags"] == ["validated"]
    assert found[0]["legalStatuses"]["DECLARED"]["createdByRole"] == "LOCAL_REGISTRAR"


def test_search_needs_its_scope_and_a_query(crvs: OpenCrvsServer, api: Api) -> None:
    health = Api(crvs, "crvs-field-health")
    assert health.post("/events/events/search", {"query": {"type": "and", "clauses": [{"id": "x"}]}}).status_code == 403
    empty = api.post("/events/events/search", {"query": {"type": "and", "clauses": [{}]}})
    assert empty.status_code == 400 and empty.json()["message"] == "Input validation failed"
    first, second = _notified(api), _notified(api)
    both = api.post("/events/events/search", {"query": {"type": "or", "clauses": [{"id": first}, {"id": second}]},
                                              "limit": 1})
    assert both.json()["total"] == 2 and len(both.json()["results"]) == 1
    tracking = api.search({"id": first})["results"][0]["trackingId"]
    assert api.search({"trackingId": {"type": "exact", "term": tracking}})["total"] == 1


def test_search_results_leave_out_secured_fields(api: Api) -> None:
    event_id = _notified(api)
    found = api.search({"data": {"child.dob": {"type": "exact", "term": "2026-11-01"}}})["results"]
    assert [r["id"] for r in found] == [event_id]  # matched on a secured field…
    declaration = found[0]["declaration"]
    assert "child.dob" not in declaration  # …which the result does not show
    assert declaration["child.name"] == {"firstname": "Ama", "surname": "Banda"}
    assert found[0]["dateOfEvent"] == "2026-11-01"


def test_search_orders_by_last_update_unless_sorted(api: Api) -> None:
    first, second = _notified(api), _notified(api)
    api.admin(f"/events/{first}/reject", {"reason": "blurred photo"})
    clauses = {"type": "or", "clauses": [{"id": first}, {"id": second}]}
    latest_first = api.post("/events/events/search", {"query": clauses}).json()["results"]
    assert [r["id"] for r in latest_first] == [first, second]
    by_creation = api.post("/events/events/search", {"query": clauses,
                                                     "sort": [{"field": "createdAt", "direction": "asc"}]})
    assert [r["id"] for r in by_creation.json()["results"]] == [first, second]
    newest = api.post("/events/events/search", {"query": clauses,
                                                "sort": [{"field": "createdAt", "direction": "desc"}]})
    assert [r["id"] for r in newest.json()["results"]] == [second, first]


def test_the_rejection_reason_needs_record_read(crvs: OpenCrvsServer, api: Api) -> None:
    event_id = _notified(api)
    api.admin(f"/events/{event_id}/reject", {"reason": "Informant's signature missing"})
    found = api.search({"id": event_id})["results"][0]
    assert "rejected" in found["flags"] and "Informant's signature missing" not in str(found)
    assert api.get(f"/events/events/{event_id}").status_code == 403
    reader = Api(crvs, "crvs-field-device-read")
    document = reader.get(f"/events/events/{event_id}").json()
    reject = next(a for a in document["actions"] if a["type"] == "REJECT")
    assert reject["content"] == {"reason": "Informant's signature missing"}


def test_register_needs_a_validated_record(crvs: OpenCrvsServer, api: Api) -> None:
    event_id = _notified(api)
    registrar = crvs.emulator.registrar
    event = crvs.emulator.engine.store.get(event_id)
    api.admin(f"/events/{event_id}/assign")
    crvs.call(registrar.act, event, "EDIT")  # edit-in-progress: REGISTER is available, not enabled
    with pytest.raises(TrpcError, match="Conditions for action: REGISTER were not met"):
        crvs.call(registrar.act, event, "REGISTER", "Requested")
    api.admin(f"/events/{event_id}/unassign")
    api.admin(f"/events/{event_id}/register")  # the registrar declares (validated), then registers
    assert api.search({"id": event_id})["results"][0]["status"] == "REGISTERED"


def test_server_helpers_drive_the_registrar(crvs: OpenCrvsServer, api: Api) -> None:
    first, second = _notified(api), _notified(api)
    crvs.register(first, registration_number="2026FAR000001", nid="5000000001")
    crvs.reject(second, "Birth date unclear")
    by_id = {e["id"]: e for e in crvs.events()}
    register = next(a for a in by_id[first]["actions"] if a["type"] == "REGISTER" and a["status"] == "Accepted")
    assert register["registrationNumber"] == "2026FAR000001"
    assert any(a["type"] == "REJECT" for a in by_id[second]["actions"])
    def actions_of_first() -> list:
        return next(e for e in crvs.events() if e["id"] == first)["actions"]

    before = actions_of_first()
    with pytest.raises(TrpcError):
        crvs.register(first)  # already registered: refused before the registrar takes the record
    assert actions_of_first() == before

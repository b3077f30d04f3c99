"""The headless scenarios of the foundation issue: the same code, two countries, different outcomes."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.delivery import DeliveryOutcomes
from app.records import RecordService, WorkflowError
from app.store.models import AuditEvent, OutboxItem
from tests.core.conftest import AGENT, REGISTRAR, SUPERVISOR, farajaland_birth, farajaland_death, years_ago


def outbox(service: RecordService, record_id: str, kind: str | None = None) -> list[OutboxItem]:
    with service.db.read() as session:
        items = session.exec(select(OutboxItem).where(OutboxItem.record_id == record_id)).all()
    return [i for i in items if kind is None or i.kind == kind]


def verify_all(service: RecordService, record_id: str, failed: dict[str, list[str]] | None = None) -> None:
    failed = failed or {}
    for item in outbox(service, record_id, "verify"):
        section = item.payload["section"]
        DeliveryOutcomes.of(service).apply_verification_result(item.idempotency_key, verified=section not in failed,
                                          failed_attributes=failed.get(section))


def last_audit(service: RecordService, record_id: str) -> AuditEvent:
    with service.db.read() as session:
        return session.exec(select(AuditEvent).where(AuditEvent.record_id == record_id)
                            .order_by(AuditEvent.seq.desc())).first()


def test_newborn_with_verified_mother_awaits_a_uin(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    assert record.status == "declared"
    assert {i.payload["section"] for i in outbox(service, record.id, "verify")} == {"mother", "father"}
    verify_all(service, record.id)
    assert service.get(record.id).status == "validated"

    record = service.act(REGISTRAR, record.id, "register")

    assert record.status == "awaiting_external_validation"
    (item,) = outbox(service, record.id, "create_uin")
    assert item.payload["process"] == "CRVS_NEW"
    assert item.idempotency_key == item.payload["rid"] == record.mosip["rid"]
    assert len(item.payload["rid"]) == 29
    fields = item.payload["fields"]
    assert set(fields) == {"fullName", "dateOfBirth", "gender", "birthCertificateNumber", "parentOrGuardianName"}
    assert json.loads(fields["fullName"]) == [{"language": "eng", "value": "Amélie Grace Banda"}]
    assert fields["dateOfBirth"] == "2026/11/01"
    assert json.loads(fields["gender"])[0]["value"] == "Female"
    assert fields["birthCertificateNumber"] == record.registration_number
    event = last_audit(service, record.id)
    assert event.kind == "register"
    assert event.details["mosip"][0]["rule"] == "birth-register-new-uin"


def test_three_year_old_is_registered_without_mosip(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth(child_dob=years_ago(3)))
    verify_all(service, record.id)
    record = service.act(REGISTRAR, record.id, "register")
    assert record.status == "registered"
    assert outbox(service, record.id, "create_uin") == []
    event = last_audit(service, record.id)
    assert event.details["mosip"] == "no MOSIP operation"
    assert "birth-register-new-uin" in event.details["rules_not_matched"]


def test_death_with_a_vid_flags_the_deceased(service: RecordService) -> None:
    record = service.declare(AGENT, event="death", data=farajaland_death())
    verify_all(service, record.id)
    record = service.act(REGISTRAR, record.id, "register")
    assert record.status == "registered"
    (item,) = outbox(service, record.id, "mark_deceased")
    assert item.payload["process"] == "CRVS_DEATH"
    fields = item.payload["fields"]
    assert fields["VID"] == "4512345678901234"
    assert fields["dateOfDeath"] == "2026/11/20" and fields["deathDeclared"] == "yes"
    assert "deathCertificateNumber" not in fields     # stays with the civil registry, as OpenCRVS does
    assert last_audit(service, record.id).details["mosip"][0]["rule"] == "death-register-deceased"


def test_failed_father_blocks_registration_until_review(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    verify_all(service, record.id, failed={"father": ["name"]})
    record = service.get(record.id)
    assert record.status == "verification_failed"
    assert record.persons["father"] == {"verification": "failed", "failed_attributes": ["name"], "source": "typed"}


def test_refusing_a_correction_is_its_own_action_and_keeps_the_record(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth(child_dob=years_ago(4)))
    verify_all(service, record.id)
    service.act(REGISTRAR, record.id, "register")
    service.act(AGENT, record.id, "request-correction", data={"child.firstname": "Amelia"}, reason="typo")
    with pytest.raises(WorkflowError) as refused:
        service.act(REGISTRAR, record.id, "reject", reason="not a typo")
    assert refused.value.code == "workflow.wrong_status"
    with pytest.raises(WorkflowError) as no_reason:
        service.act(REGISTRAR, record.id, "reject-correction")
    assert no_reason.value.code == "record.reason_required"
    record = service.act(REGISTRAR, record.id, "reject-correction", reason="the certificate says Amelie")
    assert (record.status, record.correction) == ("registered", None)
    assert record.declaration["child.firstname"] != "Amelia"
    assert outbox(service, record.id, "update_biographics") == []
    event = last_audit(service, record.id)
    assert (event.kind, event.details["from"], event.details["to"]) == (
        "reject-correction", "correction_requested", "registered")


def test_correction_of_an_under_ten_child_updates_mosip(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth(child_dob=years_ago(4)))
    verify_all(service, record.id)
    record = service.act(REGISTRAR, record.id, "register")
    assert record.status == "registered"
    # the child got a VID elsewhere (e.g. enrolled at 4): simulate it on the declaration
    with service.db.write() as session:
        stored = session.get(type(record), record.id)
        stored.declaration = dict(stored.declaration) | {"child.nid": "9876543210123456"}
        session.add(stored)
    service.act(AGENT, record.id, "request-correction", data={"child.firstname": "Amelia"}, reason="typo")
    record = service.act(REGISTRAR, record.id, "approve-correction")
    assert record.status == "registered"
    (item,) = outbox(service, record.id, "update_biographics")
    assert item.payload["fields"]["VID"] == "9876543210123456"
    assert json.loads(item.payload["fields"]["fullName"])[0]["value"] == "Amelia Grace Banda"
    assert record.declaration["child.firstname"] == "Amelia"


def test_tongatapu_needs_an_authenticated_informant(tonga_service: RecordService) -> None:
    data = {"child.given_names": "Sione", "child.family_name": "Tupou", "child.sex": "male",
            "child.birth_date": years_ago(3), "child.island": "vavau",
            "mother.national_id": "1234567890", "mother.given_names": "Mele", "mother.family_name": "Tupou",
            "informant.relation": "relative", "informant.national_id": "2345678901",
            "informant.given_names": "Losa", "informant.family_name": "Tupou"}
    plain = tonga_service.declare(AGENT, event="birth", data=data)
    verify_all(tonga_service, plain.id)
    plain = tonga_service.act(REGISTRAR, plain.id, "register")
    # a verified mother is enough in Farajaland (for a newborn); not in Tongatapu
    assert plain.status == "registered"
    assert outbox(tonga_service, plain.id, "create_uin") == []

    authenticated = tonga_service.declare(AGENT, event="birth", data=data)
    tonga_service.record_authentication(AGENT, authenticated.id, "informant", psut="psut-123")
    verify_all(tonga_service, authenticated.id)
    authenticated = tonga_service.act(REGISTRAR, authenticated.id, "register")
    # a three-year-old gets a UIN in Tongatapu (under 5), never in Farajaland (first year only)
    assert authenticated.status == "awaiting_external_validation"
    (item,) = outbox(tonga_service, authenticated.id, "create_uin")
    assert set(item.payload["fields"]) == {"firstName", "lastName", "dateOfBirth", "gender", "island",
                                           "registrationNumber"}
    assert item.payload["rid"].startswith("2000120077")
    assert authenticated.registration_number.startswith("TB2026")


def test_tongatapu_death_needs_a_checked_informant(tonga_service: RecordService) -> None:
    data = {"deceased.national_id": "1234567890", "deceased.given_names": "Tevita",
            "deceased.family_name": "Fifita", "deceased.sex": "male", "deceased.date_of_death": "2026-11-02",
            "informant.relation": "child", "informant.national_id": "2345678901",
            "informant.given_names": "Ana", "informant.family_name": "Fifita"}
    record = tonga_service.declare(AGENT, event="death", data=data)
    items = outbox(tonga_service, record.id, "verify")
    delivery = DeliveryOutcomes.of(tonga_service)
    for item in items:  # the informant's check fails: the death is registered, MOSIP is not told
        delivery.apply_verification_result(item.idempotency_key, verified=item.payload["section"] != "informant",
                                           failed_attributes=["name"])
    assert tonga_service.get(record.id).status == "verification_failed"

    record = tonga_service.declare(AGENT, event="death", data=data)
    verify_all(tonga_service, record.id)
    record = tonga_service.act(REGISTRAR, record.id, "register")
    (item,) = outbox(tonga_service, record.id, "mark_deceased")
    assert set(item.payload["fields"]) == {"nationalIdNumber", "dateOfDeath"}


def test_same_newborn_differs_between_countries(service: RecordService, tonga_service: RecordService) -> None:
    """One record shape, two configurations: Farajaland asks MOSIP for a UIN, Tongatapu does not."""
    faraja = service.declare(AGENT, event="birth", data=farajaland_birth())
    verify_all(service, faraja.id)
    assert service.act(REGISTRAR, faraja.id, "register").status == "awaiting_external_validation"
    tonga = tonga_service.declare(AGENT, event="birth", data={
        "child.given_names": "Amélie", "child.family_name": "Banda", "child.sex": "female",
        "child.birth_date": "2026-11-01", "child.island": "eua", "mother.national_id": "1234567890",
        "mother.given_names": "Zoë", "mother.family_name": "Banda", "informant.relation": "mother"})
    verify_all(tonga_service, tonga.id)
    assert tonga_service.act(REGISTRAR, tonga.id, "register").status == "registered"


def test_search_by_name_and_tracking_id(service: RecordService) -> None:
    amelie = service.declare(AGENT, event="birth", data=farajaland_birth())
    other = service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": "Wezi",
                                                                          "child.surname": "Ng"}))
    draft = service.create_draft(AGENT, "birth", {"child.firstname": "Temwa"})

    def found(query: str) -> set[str]:
        return {r.id for r in service.list_records(search=query)}

    assert found("amelie banda") == {amelie.id}          # accents folded, words ANDed (index)
    assert found("AMÉLIE") == {amelie.id}
    assert found("ng wezi") == {other.id}                # a two-letter word checked as a substring
    assert found(amelie.tracking_id.lower()) == {amelie.id}
    assert found("nobody") == set()
    assert found('"; DROP TABLE record; --') == set()     # quotes are data, not query syntax
    service.update_draft(AGENT, draft.id, {"child.firstname": "Chimwemwe"})
    assert found("temwa") == set() and found("chimwemwe") == {draft.id}   # the index follows updates


def _awaiting_uin(service: RecordService) -> tuple[str, OutboxItem]:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    verify_all(service, record.id)
    record = service.act(REGISTRAR, record.id, "register")
    (item,) = outbox(service, record.id, "create_uin")
    return record.id, item


def test_removing_a_stalled_record_cancels_its_unsent_uin_request(service: RecordService) -> None:
    record_id, item = _awaiting_uin(service)
    assert item.state == "pending"

    record = service.act(SUPERVISOR, record_id, "remove-from-queue", reason="MOSIP has no trace of it")

    assert record.status == "registered"
    (item,) = outbox(service, record_id, "create_uin")
    assert item.state == "cancelled"       # the packet never leaves the device
    event = last_audit(service, record_id)
    assert event.details["cancelled_unsent"] == [item.idempotency_key]
    assert event.details["already_sent"] == []


def test_removing_after_sending_keeps_the_request_and_says_so(service: RecordService) -> None:
    from app.outbox import OutboxLedger

    record_id, item = _awaiting_uin(service)
    ledger = OutboxLedger(service.db)
    leased = ledger.lease_due("agent-test", limit=10, lease_seconds=60)
    assert [i.id for i in leased if i.kind == "create_uin"] == [item.id]
    DeliveryOutcomes.of(service).packet_delivered(item, already_started=False)

    service.act(SUPERVISOR, record_id, "remove-from-queue", reason="stalled for three weeks")

    (item,) = outbox(service, record_id, "create_uin")
    assert item.state == "done"
    event = last_audit(service, record_id)
    assert event.details["cancelled_unsent"] == [] and event.details["already_sent"] == [item.idempotency_key]
    late = DeliveryOutcomes.of(service).confirm_registration(item.idempotency_key, vid="1234567890123456", uin=None)
    assert late is not None and late.status == "registered" and late.mosip["vid"] == "1234567890123456"


def test_death_with_only_a_uin_flags_nobody(service: RecordService) -> None:
    record = service.declare(AGENT, event="death", data=farajaland_death(**{"deceased.nid": "4512345678"}))
    verify_all(service, record.id)
    record = service.act(REGISTRAR, record.id, "register")
    assert record.status == "registered"
    assert outbox(service, record.id, "mark_deceased") == []
    assert last_audit(service, record.id).details["mosip"] == "no MOSIP operation"


def foundling(**overrides: str) -> dict[str, str]:
    data = {"child.firstname": "Tiyamike", "child.surname": "Banda", "child.gender": "male",
            "child.dob": years_ago(2), "child.foundling": "yes",
            "informant.relation": "other", "informant.nid": "3456789012", "informant.firstname": "Grace",
            "informant.surname": "Lungu", "informant.phone": "+265991234567"}
    data.update(overrides)
    return data


def test_a_foundling_gets_a_uin_through_the_verified_informant(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=foundling())
    assert {i.payload["section"] for i in outbox(service, record.id, "verify")} == {"informant"}
    verify_all(service, record.id)

    record = service.act(REGISTRAR, record.id, "register")

    assert record.status == "awaiting_external_validation"
    (item,) = outbox(service, record.id, "create_uin")
    assert item.payload["rule_id"] == "birth-register-foundling-uin"
    assert json.loads(item.payload["fields"]["parentOrGuardianName"])[0]["value"] == "Grace Lungu"


def test_a_foundling_whose_informant_failed_the_check_gets_no_uin(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=foundling())
    verify_all(service, record.id, failed={"informant": ["name"]})
    assert service.get(record.id).status == "verification_failed"
    record = service.declare(AGENT, event="birth", data=foundling(**{"informant.nid": ""}))
    verify_all(service, record.id)
    record = service.act(REGISTRAR, record.id, "register")
    assert record.status == "registered" and outbox(service, record.id, "create_uin") == []

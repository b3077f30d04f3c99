"""Plausibility checks of the country configuration (`forms.<event>.plausibility`), enforced by the
core on declare, validate and register, against the real encrypted store: the examples of issue 15
(a 7-year-old mother from an unsigned QR code, father "Yes" without a name, "someone else" as
informant without names) are refused; a warning needs the officer's confirmation, kept in the history."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.config.loader import LoadedCountry
from app.records import DeclarationInvalid, PlausibilityUnconfirmed, RecordService
from app.records.plausibility import Severity, check_plausibility
from app.records.provenance import DataSource, Prefill
from app.store.models import Action, AuditEvent, Record
from tests.core.conftest import AGENT, REGISTRAR, SUPERVISOR, TODAY, farajaland_birth, years_ago
from tests.core.test_scenarios import verify_all


def records(service: RecordService) -> list[Record]:
    with service.db.read() as session:
        return list(session.exec(select(Record)).all())


def audit_of(service: RecordService, record_id: str) -> list[AuditEvent]:
    with service.db.read() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.record_id == record_id)
                                 .order_by(AuditEvent.seq)).all())


def rules_of(error: DeclarationInvalid | PlausibilityUnconfirmed) -> dict[str, str]:
    return {e.rule: e.field for e in error.errors if e.rule}


def test_a_seven_year_old_mother_from_an_unsigned_qr_code_is_refused(service: RecordService) -> None:
    child_dob = "2026-11-01"
    mother_from_qr = {"mother.nid": "1234567890", "mother.firstname": "Zoë", "mother.surname": "Banda",
                      "mother.dob": "2019-06-15"}
    data = {k: v for k, v in farajaland_birth(child_dob).items() if not k.startswith("mother.")}
    draft = service.create_draft(AGENT, "birth", data,
                                 prefills=[Prefill("mother", DataSource.QR_UNSIGNED, mother_from_qr)])
    with pytest.raises(DeclarationInvalid) as refused:
        service.declare(AGENT, record_id=draft.id)
    assert rules_of(refused.value) == {"mother-under-10": "mother.dob"}
    (error,) = refused.value.errors
    assert error.code == "implausible"
    assert "The mother would be 7 years old at the birth" in error.message
    assert service.get(draft.id).status == "draft"  # nothing changed
    assert [e.kind for e in audit_of(service, draft.id)] == ["create"]

    service.update_draft(AGENT, draft.id, {"mother.dob": "1994-06-15"})
    assert service.declare(AGENT, record_id=draft.id).status == "declared"


@pytest.mark.parametrize("missing, rules", [
    (("father.firstname", "father.surname"), {"father-firstname-missing": "father.firstname",
                                              "father-surname-missing": "father.surname"}),
    (("father.surname",), {"father-surname-missing": "father.surname"}),
])
def test_father_details_yes_needs_his_names(service: RecordService, missing: tuple[str, ...],
                                            rules: dict[str, str]) -> None:
    data = {k: v for k, v in farajaland_birth().items() if k not in missing}
    with pytest.raises(DeclarationInvalid) as refused:
        service.declare(AGENT, event="birth", data=data)
    assert rules_of(refused.value) == rules
    assert records(service) == []
    no_father = {k: v for k, v in data.items() if not k.startswith("father.")} | {"father.details_available": "no"}
    assert service.declare(AGENT, event="birth", data=no_father).status == "declared"


@pytest.mark.parametrize("relation", ["other", "grandparent"])
def test_an_informant_who_is_not_a_parent_needs_names(service: RecordService, relation: str) -> None:
    data = farajaland_birth(**{"informant.relation": relation, "informant.nid": "3456789012"})
    with pytest.raises(DeclarationInvalid) as refused:
        service.declare(AGENT, event="birth", data=data)
    assert rules_of(refused.value) == {"informant-firstname-missing": "informant.firstname",
                                       "informant-surname-missing": "informant.surname"}
    named = data | {"informant.firstname": "Chikondi", "informant.surname": "Phiri"}
    assert service.declare(AGENT, event="birth", data=named).status == "declared"


def test_a_mother_over_fifty_is_accepted_only_once_confirmed_and_the_confirmation_is_kept(
        service: RecordService) -> None:
    # no ID numbers: nothing to verify with MOSIP, so an officer validates the declaration
    data = {k: v for k, v in farajaland_birth(**{"mother.dob": years_ago(55)}).items() if not k.endswith(".nid")}
    with pytest.raises(PlausibilityUnconfirmed) as unconfirmed:
        service.declare(AGENT, event="birth", data=data)
    assert unconfirmed.value.code == "declaration.unconfirmed_warnings"
    assert unconfirmed.value.params == {"rules": "mother-over-50"}
    (finding,) = unconfirmed.value.findings
    assert finding.severity is Severity.WARN and finding.fields == ("mother.dob",)
    assert "La mère aurait 54\u00a0ans à la naissance" in finding.text("fr")  # born 55 years before today
    assert records(service) == []
    with pytest.raises(PlausibilityUnconfirmed):
        service.declare(AGENT, event="birth", data=data, confirmed=["mother-under-10"])  # another check

    record = service.declare(AGENT, event="birth", data=data, confirmed=["mother-over-50"])
    assert record.status == "declared"
    declare_event = audit_of(service, record.id)[-1]
    assert declare_event.kind == "declare"
    assert declare_event.details["warnings_confirmed"] == ["mother-over-50"]

    with pytest.raises(PlausibilityUnconfirmed):  # the officer who validates confirms too
        service.act(SUPERVISOR, record.id, "validate")
    assert service.get(record.id).status == "declared"
    record = service.act(SUPERVISOR, record.id, "validate", confirmed=["mother-over-50"])
    assert record.status == "validated"
    validate_event = audit_of(service, record.id)[-1]
    assert (validate_event.kind, validate_event.actor) == ("validate", SUPERVISOR.name)
    assert validate_event.details["warnings_confirmed"] == ["mother-over-50"]


def test_a_plausible_declaration_records_no_confirmation(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth(), confirmed=["mother-over-50"])
    assert "warnings_confirmed" not in audit_of(service, record.id)[-1].details


def test_register_refuses_an_implausible_record_declared_before_the_check(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    verify_all(service, record.id)
    with service.db.write() as session:  # as stored by a version without the check
        stored = session.get(Record, record.id)
        stored.declaration = dict(stored.declaration) | {"mother.dob": "2020-01-01"}
        session.add(stored)
    with pytest.raises(DeclarationInvalid) as refused:
        service.act(REGISTRAR, record.id, "register")
    assert rules_of(refused.value) == {"mother-under-10": "mother.dob"}
    assert service.get(record.id).status == "validated"
    with service.db.read() as session:
        assert "register" not in [a.type for a in session.exec(select(Action).where(Action.record_id == record.id))]


def test_registering_an_unvalidated_declaration_asks_the_registrar_to_confirm(service: RecordService) -> None:
    data = {k: v for k, v in farajaland_birth(**{"mother.dob": "1972-01-10"}).items() if not k.endswith(".nid")}
    record = service.declare(AGENT, event="birth", data=data, confirmed=["mother-over-50"])
    assert record.status == "declared"                  # no ID number: nothing to verify, nobody validated
    with pytest.raises(PlausibilityUnconfirmed):
        service.act(REGISTRAR, record.id, "register")
    assert service.get(record.id).status == "declared"
    record = service.act(REGISTRAR, record.id, "register", confirmed=["mother-over-50"])
    assert record.registration_number
    register_event = audit_of(service, record.id)[-1]
    assert (register_event.kind, register_event.actor) == ("register", REGISTRAR.name)
    assert register_event.details["warnings_confirmed"] == ["mother-over-50"]


def test_a_validated_declaration_is_registered_without_asking_again(service: RecordService) -> None:
    data = {k: v for k, v in farajaland_birth(**{"mother.dob": "1972-01-10"}).items() if not k.endswith(".nid")}
    record = service.declare(AGENT, event="birth", data=data, confirmed=["mother-over-50"])
    service.act(SUPERVISOR, record.id, "validate", confirmed=["mother-over-50"])
    assert service.act(REGISTRAR, record.id, "register").registration_number


def test_a_correction_cannot_make_the_record_implausible(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth(child_dob=years_ago(3)))
    verify_all(service, record.id)
    assert service.act(REGISTRAR, record.id, "register").status == "registered"  # no UIN at 3
    with pytest.raises(DeclarationInvalid) as refused:
        service.act(AGENT, record.id, "request-correction", data={"mother.dob": "2021-03-03"}, reason="typo")
    assert rules_of(refused.value) == {"mother-under-10": "mother.dob"}


def test_tongatapu_checks_its_own_fields(tonga_service: RecordService, tongatapu: LoadedCountry) -> None:
    data = {"child.given_names": "Sione", "child.family_name": "Tupou", "child.sex": "male",
            "child.birth_date": years_ago(1), "child.island": "vavau",
            "mother.national_id": "1234567890", "mother.given_names": "Mele", "mother.family_name": "Tupou",
            "mother.birth_date": years_ago(8), "informant.relation": "relative", "father.named": "yes",
            "father.given_names": "Tevita"}
    with pytest.raises(DeclarationInvalid) as refused:
        tonga_service.declare(AGENT, event="birth", data=data)
    assert rules_of(refused.value) == {"mother-age-impossible": "mother.birth_date",
                                       "father-names-missing": "father.given_names",
                                       "relative-names-missing": "informant.given_names"}
    findings = check_plausibility(tongatapu, "birth", data | {"mother.birth_date": years_ago(57)}, today=TODAY)
    assert {f.rule: f.severity for f in findings} == {"mother-age-unusual": Severity.WARN,
                                                      "father-names-missing": Severity.BLOCK,
                                                      "relative-names-missing": Severity.BLOCK}

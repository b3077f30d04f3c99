"""Four-eyes on corrections: the officer who requested a correction cannot approve it."""

from __future__ import annotations

import dataclasses

import pytest

from app.config.loader import LoadedCountry
from app.errors import Refused
from app.records import Actor, RecordService, Role
from app.store import Database
from tests.core.conftest import AGENT, NOW, REGISTRAR, farajaland_birth, years_ago
from tests.core.test_scenarios import verify_all

OTHER_REGISTRAR = Actor("rita", Role.REGISTRAR)


def _correction_requested_by_registrar(service: RecordService) -> str:
    record = service.declare(AGENT, event="birth", data=farajaland_birth(child_dob=years_ago(4)))
    verify_all(service, record.id)
    service.act(REGISTRAR, record.id, "register")
    service.act(REGISTRAR, record.id, "request-correction", data={"child.firstname": "Amelia"}, reason="typo")
    return record.id


def test_both_demo_countries_keep_four_eyes_on(farajaland: LoadedCountry, tongatapu: LoadedCountry) -> None:
    assert farajaland.config.corrections.four_eyes is True
    assert tongatapu.config.corrections.four_eyes is True


def test_the_requester_cannot_approve_their_own_correction(service: RecordService) -> None:
    record_id = _correction_requested_by_registrar(service)
    with pytest.raises(Refused) as refused:
        service.act(REGISTRAR, record_id, "approve-correction")
    assert refused.value.code == "record.four_eyes"
    assert refused.value.params["action"] == "approve-correction"
    assert refused.value.params["tracking_id"]
    record = service.get(record_id)
    assert (record.status, record.declaration["child.firstname"]) == ("correction_requested", "Amélie")


def test_another_registrar_approves_the_correction(service: RecordService) -> None:
    record_id = _correction_requested_by_registrar(service)
    record = service.act(OTHER_REGISTRAR, record_id, "approve-correction")
    assert (record.status, record.declaration["child.firstname"]) == ("registered", "Amelia")


def test_a_country_may_let_the_requester_approve(db: Database, farajaland: LoadedCountry) -> None:
    config = farajaland.config.model_copy(update={
        "corrections": farajaland.config.corrections.model_copy(update={"four_eyes": False})})
    service = RecordService(db, dataclasses.replace(farajaland, config=config), clock=lambda: NOW)
    record_id = _correction_requested_by_registrar(service)
    record = service.act(REGISTRAR, record_id, "approve-correction")
    assert (record.status, record.declaration["child.firstname"]) == ("registered", "Amelia")


def test_preview_of_a_death_registration_names_the_deactivation_and_writes_nothing(
        service: RecordService) -> None:
    from sqlmodel import func, select

    from app.config.models import Operation
    from app.store.models import AuditEvent, OutboxItem
    from tests.core.conftest import farajaland_death

    record = service.declare(AGENT, event="death", data=farajaland_death())
    verify_all(service, record.id)
    with service.db.read() as session:
        before = (session.exec(select(func.count()).select_from(OutboxItem)).one(),
                  session.exec(select(func.count()).select_from(AuditEvent)).one())
    assert service.preview_operations(record.id, "register") == [Operation.MARK_DECEASED]
    with service.db.read() as session:
        after = (session.exec(select(func.count()).select_from(OutboxItem)).one(),
                 session.exec(select(func.count()).select_from(AuditEvent)).one())
    assert after == before
    stored = service.get(record.id)
    assert stored.status != "registered" and stored.registration_number is None
    assert service.act(REGISTRAR, record.id, "register").registration_number.endswith("000001")


def test_preview_of_a_death_with_only_a_uin_plans_no_operation(service: RecordService) -> None:
    from tests.core.conftest import farajaland_death

    record = service.declare(AGENT, event="death", data=farajaland_death(**{"deceased.nid": "4512345678"}))
    verify_all(service, record.id)
    assert service.preview_operations(record.id, "register") == []
    assert service.preview_operations(record.id, "reject") == []

"""Roles are enforced by the services themselves; PIN lockout grows with each failure."""

from __future__ import annotations

import datetime as dt

import pytest

from app.delivery import DeliveryOutcomes
from app.records import PermissionDenied, RecordService, WorkflowError
from app.security.users import AuthenticationError, UserError, UserService, lockout_for
from app.store import Database
from tests.core.conftest import ADMIN, AGENT, REGISTRAR, SUPERVISOR, farajaland_birth


def test_wrong_role_is_refused_by_the_service(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth(**{"mother.nid": "", "father.nid": ""}))
    with pytest.raises(PermissionDenied, match="registrar"):
        service.act(AGENT, record.id, "register")
    with pytest.raises(PermissionDenied):
        service.act(ADMIN, record.id, "validate")
    with pytest.raises(PermissionDenied):
        DeliveryOutcomes.of(service).apply_verification_result("ABCDEFGHIJ", verified=True, actor=REGISTRAR)
    assert service.act(REGISTRAR, record.id, "register").status == "registered"


def test_reject_and_remove_need_a_reason(service: RecordService) -> None:
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    with pytest.raises(WorkflowError, match="needs a reason"):
        service.act(SUPERVISOR, record.id, "reject")
    assert service.act(SUPERVISOR, record.id, "reject", reason="duplicate").status == "rejected"
    with pytest.raises(WorkflowError, match="cannot validate a record in status 'rejected'"):
        service.act(AGENT, record.id, "validate")


def test_lockout_grows(db: Database) -> None:
    now = [dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC)]
    users = UserService(db, clock=lambda: now[0])
    users.add(None, "root", "admin", "root-pin")
    users.add(ADMIN, "ana", "agent", "ana-pin-1")
    for _ in range(3):
        with pytest.raises(AuthenticationError, match="wrong PIN"):
            users.authenticate("ana", "wrong-pin")
    with pytest.raises(AuthenticationError, match="try again in 31 s"):
        users.authenticate("ana", "ana-pin-1")  # locked, even with the right PIN
    now[0] += dt.timedelta(seconds=31)
    with pytest.raises(AuthenticationError, match="wrong PIN"):
        users.authenticate("ana", "wrong-pin")
    with pytest.raises(AuthenticationError, match="try again in 61 s"):
        users.authenticate("ana", "ana-pin-1")
    now[0] += dt.timedelta(seconds=61)
    assert users.authenticate("ana", "ana-pin-1").role.value == "agent"
    assert lockout_for(20) == dt.timedelta(hours=1)


def test_only_admins_add_users(db: Database) -> None:
    users = UserService(db)
    with pytest.raises(UserError, match="first user of a device must be an admin"):
        users.add(None, "ana", "agent", "ana-pin-1")
    users.add(None, "root", "admin", "root-pin")
    with pytest.raises(UserError, match="only an admin"):
        users.add(REGISTRAR, "eve", "registrar", "eve-pin-1")
    with pytest.raises(UserError, match="at least 6"):
        users.add(ADMIN, "bob", "agent", "123")


def test_only_admins_store_secrets(db: Database) -> None:
    from app.security.secrets import SecretStore

    store = SecretStore(db)
    for actor in (AGENT, SUPERVISOR, REGISTRAR):
        with pytest.raises(PermissionDenied, match="admin"):
            store.put("websub_secret", b"x", actor=actor)
    store.put("websub_secret", b"x", actor=ADMIN)
    assert store.get("websub_secret") == b"x"

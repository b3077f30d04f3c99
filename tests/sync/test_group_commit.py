"""Verification outcomes committed in groups: each outcome lands with its outbox completion, record
change, action row and audit event (the chain intact), exactly as one at a time would; a group
that fails is written item by item, so one bad outcome does not hold back the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from sqlmodel import func, select

from app import audit
from app.config.loader import load_country
from app.delivery import DeliveryOutcomes, VerificationAnswer
from app.outbox import Backoff, OutboxLedger
from app.records import RecordService
from app.records.verification import VerificationOutcome
from app.store import Database, new_data_key
from app.store.models import Action, OutboxItem, Verification
from sync.worker import OutboxWorker
from tests.core.conftest import AGENT, COUNTRIES, NOW, farajaland_birth


@pytest.fixture
def setup(tmp_path: Path) -> Any:
    db = Database(tmp_path / "crvs.db", new_data_key())
    db.migrate()
    service = RecordService(db, load_country(COUNTRIES / "farajaland"), clock=lambda: NOW)
    ledger = OutboxLedger(db, clock=lambda: NOW)
    worker = OutboxWorker(service, ledger, cast(Any, None), max_concurrency=4, max_attempts=3,
                          backoff=Backoff())
    yield db, service, ledger, worker
    db.close()


def answers(items: list[OutboxItem], failed_section: str | None = None) -> list[VerificationAnswer]:
    out = []
    for item in items:
        failed = item.payload["section"] == failed_section
        codes = ("IDA-DEA-001",) if failed else ()
        assert item.id is not None
        out.append(VerificationAnswer(item.id, VerificationOutcome(item.idempotency_key, not failed,
                                                                   ("name",) if failed else (), codes)))
    return out


def test_a_group_commits_every_outcome_with_its_effects(setup: Any) -> None:
    db, service, ledger, worker = setup
    ids = [service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"C{n}"})).id
           for n in range(3)]
    items = ledger.lease_due("me", limit=10, lease_seconds=60)
    assert len(items) == 6  # mother and father of each
    with db.read() as session:
        actions_before = session.exec(select(func.count()).select_from(Action)).one()
    worker.outcomes.verifications_answered(answers(items, failed_section="father"))

    with db.read() as session:
        assert {i.state for i in session.exec(select(OutboxItem))} == {"done"}
        statuses = {v.section: v.status for v in session.exec(select(Verification))}
        assert statuses == {"mother": "verified", "father": "failed"}
        assert session.exec(select(func.count()).select_from(Action)).one() == actions_before + 6
        assert audit.verify(session) is None
    for record_id in ids:
        record = service.get(record_id)
        assert record.status == "verification_failed"
        assert record.persons["father"] == {"verification": "failed", "failed_attributes": ["name"], "source": "typed"}

    # the same answers again (a re-sent item whose first outcome was committed): nothing changes
    worker.outcomes.verifications_answered(answers(items, failed_section="father"))
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Action)).one() == actions_before + 6
        assert audit.verify(session) is None


def test_a_failing_group_is_written_item_by_item(setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, service, ledger, worker = setup
    for n in range(3):
        service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"C{n}"}))
    items = ledger.lease_due("me", limit=10, lease_seconds=60)
    bad = items[2].idempotency_key
    apply = worker.outcomes.apply_verification_results

    def flaky(outcomes: list[VerificationOutcome], **kw: Any) -> Any:
        if any(o.transaction_id == bad for o in outcomes):
            raise RuntimeError("a defect in one outcome")
        return apply(outcomes, **kw)

    monkeypatch.setattr(worker.outcomes, "apply_verification_results", flaky)
    with pytest.raises(RuntimeError):
        worker.outcomes.verifications_answered(answers(items))
    with db.read() as session:
        states = {i.idempotency_key: i.state for i in session.exec(select(OutboxItem))}
        assert audit.verify(session) is None
    assert states.pop(bad) == "in_flight"  # not committed: its lease expires and it is sent again
    assert set(states.values()) == {"done"}


def test_when_outcomes_cannot_be_committed_the_drain_stops_and_gives_back_what_it_did_not_send(
        setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from app.mosip.ida import IdaResult
    from sync import worker as worker_module

    db, service, _, worker = setup
    for n in range(40):
        service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"C{n}"}))
    sent: list[str] = []

    class FakeIda:
        async def authenticate(self, payload: Any, transaction_id: str) -> IdaResult:
            sent.append(transaction_id)
            await asyncio.sleep(0.001)
            return IdaResult(transaction_id, True)

    def broken(self: Any, group: list[Any]) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(DeliveryOutcomes, "verifications_answered", broken)
    monkeypatch.setattr(worker_module, "GROUP_MIN", 4)
    summary = worker_module.DrainSummary()
    clients = worker_module.MosipClients(cast(Any, FakeIda()), cast(Any, None))
    with pytest.raises(RuntimeError):
        asyncio.run(worker.drain_with(clients, summary, max_rounds=10))
    with db.read() as session:
        states = [i.state for i in session.exec(select(OutboxItem))]
    assert len(sent) < 80, "the drain went on sending after its outcomes could not be committed"
    assert states.count("in_flight") == len(sent)  # sent, not recorded: leased until they expire
    assert states.count("pending") == 80 - len(sent)  # never sent: given back at once
    assert summary.sent == 0

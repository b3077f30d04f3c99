"""One delivery class per kind of outbox item, and the delivery outcomes as the one writer of what
MOSIP answers: a transient failure backs off and becomes a quarantine (record flagged, audited) at
the last attempt, in one transaction; a configuration fault stops the batch without burning an
attempt; and no database call of a drain runs on the event loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, cast

import pytest
from sqlmodel import select

from app import audit
from app.config.loader import load_country
from app.config.models import Operation
from app.delivery import DeliveryOutcomes
from app.errors import ConfigurationFault
from app.messages import Notice, english
from app.mosip.ida import IdaResult
from app.outbox import Backoff, OutboxLedger
from app.records import RecordService
from app.store import Database, new_data_key
from app.store.models import OutboxItem
from app.vocabulary import OutboxKind, OutboxState
from sync import worker as worker_module
from sync.deliveries import DELIVERIES, BatchStopped, PacketDelivery, VerificationDelivery
from sync.worker import DrainSummary, MosipClients, OutboxWorker
from tests.core.conftest import AGENT, COUNTRIES, farajaland_birth


@pytest.fixture
def setup(tmp_path: Path) -> Any:
    db = Database(tmp_path / "crvs.db", new_data_key())
    db.migrate()
    service = RecordService(db, load_country(COUNTRIES / "farajaland"))
    worker = OutboxWorker(service, OutboxLedger(db), cast(Any, None), max_concurrency=4, max_attempts=3,
                          backoff=Backoff(base_seconds=0, max_seconds=0))
    yield db, service, worker
    db.close()


class ScriptedIda:
    """Answers every request with the given IDA error codes (none: verified)."""

    def __init__(self, *codes: str):
        self.codes = codes
        self.sent = 0

    async def authenticate(self, payload: Any, transaction_id: str) -> IdaResult:
        self.sent += 1
        await asyncio.sleep(0)
        return IdaResult(transaction_id, not self.codes, [(code, "scripted") for code in self.codes])


def drain(worker: OutboxWorker, ida: ScriptedIda) -> DrainSummary:
    summary = DrainSummary()
    asyncio.run(worker.drain_with(MosipClients(cast(Any, ida), cast(Any, None)), summary))
    return summary


def items(db: Database) -> list[OutboxItem]:
    with db.read() as session:
        return list(session.exec(select(OutboxItem).order_by(OutboxItem.id)))  # type: ignore[arg-type]


def test_every_kind_of_outbox_item_has_its_delivery_class() -> None:
    assert set(DELIVERIES) == set(OutboxKind)
    assert DELIVERIES[OutboxKind.VERIFY] is VerificationDelivery
    assert {op.value for op in Operation} <= {k.value for k, cls in DELIVERIES.items() if cls is PacketDelivery}
    assert issubclass(BatchStopped, ConfigurationFault) and BatchStopped("x").code == "sync.batch_stopped"


def test_a_transient_failure_backs_off_then_is_quarantined_at_the_last_attempt(setup: Any) -> None:
    db, service, worker = setup
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    ida = ScriptedIda("IDA-MLC-007")  # IDA could not process the request: transient

    first = drain(worker, ida)
    assert (first.retried, first.quarantined) == (2, 0)
    assert {(i.state, i.attempts) for i in items(db)} == {(OutboxState.PENDING, 1)}
    drain(worker, ida)
    third = drain(worker, ida)
    assert (third.retried, third.quarantined, third.sent) == (0, 2, 0)
    assert {(i.state, i.attempts) for i in items(db)} == {(OutboxState.QUARANTINED, 3)}
    assert all(english(i.last_error).startswith("gave up after 3 attempts: IDA IDA-MLC-007") for i in items(db))
    reasons = [Notice.read(i.last_error) for i in items(db)]
    assert {(n.code, n.params["cause"], n.params["attempts"], n.params["codes"]) for n in reasons if n} == \
        {("delivery.gave_up", "delivery.ida_busy", 3, "IDA-MLC-007")}    # codes the UI words, no English

    stored = service.get(record.id)
    attention = Notice.read(stored.attention_reason)
    assert stored.requires_attention and attention is not None
    assert attention.text.startswith("verify: gave up after 3") and attention.params["operation"] == "verify"
    with db.read() as session:
        kinds = [e.kind for e in audit.history(session, record.id)]
        assert kinds.count("delivery-quarantined") == 2
        assert audit.verify(session) is None
    assert ida.sent == 6


def test_a_configuration_fault_stops_the_batch_and_burns_no_attempt(setup: Any) -> None:
    db, service, worker = setup
    for n in range(3):
        service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"C{n}"}))
    ida = ScriptedIda("IDA-MLC-025")  # the partner certificate is not available to IDA

    summary = drain(worker, ida)
    assert summary.alert is not None and summary.alert.code == "sync.ida_credentials_refused"
    assert summary.alert.params == {"codes": "IDA-MLC-025"} and "IDA-MLC-025" in summary.alert.text
    assert ida.sent < 6, "the batch went on after a configuration fault"
    assert {(i.state, i.attempts) for i in items(db)} == {(OutboxState.PENDING, 0)}
    assert not any(service.get(i.record_id).requires_attention for i in items(db))


def test_an_item_of_an_unknown_kind_is_quarantined_not_sent(setup: Any) -> None:
    db, service, worker = setup
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    with db.write() as session:
        for item in session.exec(select(OutboxItem)):
            item.kind = "from_a_newer_version"
            session.add(item)
    ida = ScriptedIda()

    summary = drain(worker, ida)
    assert ida.sent == 0 and summary.quarantined == 2
    assert {i.state for i in items(db)} == {OutboxState.QUARANTINED}
    assert service.get(record.id).requires_attention


def test_no_database_call_of_a_drain_runs_on_the_event_loop(setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _db, service, worker = setup
    for n in range(6):
        service.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": f"C{n}"}))
    on_loop: list[str] = []
    draining = threading.Event()  # asyncio.run runs the loop on this (the main) thread
    write, read = Database.write, Database.read

    def watched(name: str, method: Any) -> Any:
        def call(self: Database) -> Any:
            if draining.is_set() and threading.current_thread() is threading.main_thread():
                on_loop.append(name)
            return method(self)
        return call

    monkeypatch.setattr(Database, "write", watched("write", write))
    monkeypatch.setattr(Database, "read", watched("read", read))
    monkeypatch.setattr(worker_module, "GROUP_MIN", 2)

    class HalfTransient(ScriptedIda):
        async def authenticate(self, payload: Any, transaction_id: str) -> IdaResult:
            self.sent += 1
            codes = ["IDA-MLC-007"] if payload["section"] == "father" else []
            return IdaResult(transaction_id, not codes, [(c, "scripted") for c in codes])

    summaries = []
    for _ in range(3):  # group commits, retries, then (third try) quarantines
        draining.set()
        summaries.append(drain(worker, HalfTransient()))
        draining.clear()
    assert (summaries[0].verified, summaries[0].retried, summaries[2].quarantined) == (6, 6, 6)
    assert on_loop == [], "a database call ran on the event loop"


def test_packet_delivered_completes_the_item_and_audits_it_together(setup: Any) -> None:
    db, service, _ = setup
    record = service.declare(AGENT, event="birth", data=farajaland_birth())
    (item, *_) = items(db)
    outcomes = DeliveryOutcomes.of(service)
    with pytest.raises(RuntimeError), db.write():  # the caller's transaction fails: nothing of it stays
        outcomes.packet_delivered(item, already_started=True)
        raise RuntimeError("power cut")
    assert items(db)[0].state == OutboxState.PENDING
    outcomes.packet_delivered(item, already_started=True)
    assert items(db)[0].state == OutboxState.DONE
    with db.read() as session:
        (event,) = [e for e in audit.history(session, record.id) if e.kind == "mosip-delivered"]
    assert event.details["workflow_already_started"] is True

"""Property tests of the state machine: whatever people and MOSIP do, in whatever order, a record
never reaches an undefined state, and every accepted action leaves exactly one audit event."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlmodel import func, select

from app.config.loader import load_country
from app.delivery import DeliveryOutcomes
from app.records import Actor, RecordService, Role, Status, WorkflowError
from app.records.validation import DeclarationInvalid
from app.records.workflow import TRANSITIONS, ActionType
from app.store import Database, new_data_key
from app.store.models import Action, AuditEvent, OutboxItem, Record
from tests.core.conftest import COUNTRIES, farajaland_birth, farajaland_death, years_ago

COUNTRY = load_country(COUNTRIES / "farajaland")
ROLES = [Role.AGENT, Role.SUPERVISOR, Role.REGISTRAR, Role.ADMIN]
USER_ACTIONS = ["validate", "register", "request-correction", "approve-correction", "reject-correction", "reject",
                "retry", "remove-from-queue"]


def test_transition_table_only_names_defined_states() -> None:
    for action, table in TRANSITIONS.items():
        assert isinstance(action, ActionType)
        for source, targets in table.items():
            assert source is None or isinstance(source, Status)
            assert targets and all(isinstance(t, Status) for t in targets)


class RecordLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        self.db = Database(Path(self.dir.name) / "crvs.db", new_data_key())
        self.db.migrate()
        self.service = RecordService(self.db, COUNTRY,
                                     clock=lambda: dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC))
        self.records: list[str] = []
        self.accepted = 0

    def teardown(self) -> None:
        self.db.close()
        self.dir.cleanup()

    def _try(self, call) -> None:
        try:
            call()
        except (WorkflowError, DeclarationInvalid):
            return
        self.accepted += 1

    @rule(kind=st.sampled_from(["newborn", "older", "death", "draft"]), role=st.sampled_from(ROLES))
    def declare(self, kind: str, role: Role) -> None:
        actor = Actor(f"u-{role.value}", role)

        def run() -> None:
            if kind == "draft":
                record = self.service.create_draft(actor, "birth", {"child.firstname": "Ada"})
            elif kind == "death":
                record = self.service.declare(actor, event="death", data=farajaland_death())
            else:
                dob = "2026-11-01" if kind == "newborn" else years_ago(3)
                record = self.service.declare(actor, event="birth", data=farajaland_birth(child_dob=dob))
            self.records.append(record.id)

        self._try(run)

    @precondition(lambda self: self.records)
    @rule(index=st.integers(0, 50), action=st.sampled_from(USER_ACTIONS), role=st.sampled_from(ROLES),
          reason=st.sampled_from([None, "checked with the family"]))
    def act(self, index: int, action: str, role: Role, reason: str | None) -> None:
        record_id = self.records[index % len(self.records)]
        data = {"child.firstname": "Ida"} if action == "request-correction" else None
        self._try(lambda: self.service.act(Actor(f"u-{role.value}", role), record_id, action,
                                           data=data, reason=reason))

    @precondition(lambda self: self.records)
    @rule(verified=st.booleans(), pick=st.integers(0, 50))
    def mosip_answers_a_verification(self, verified: bool, pick: int) -> None:
        with self.db.read() as session:
            items = session.exec(select(OutboxItem).where(OutboxItem.kind == "verify",
                                                          OutboxItem.state == "pending")).all()
        if items:
            item = items[pick % len(items)]
            before = self._count(AuditEvent)
            DeliveryOutcomes.of(self.service).apply_verification_result(
                item.idempotency_key, verified=verified, failed_attributes=[] if verified else ["dob"])
            with self.db.write() as session:  # the agent would mark it done
                stored = session.get(OutboxItem, item.id)
                stored.state = "done"
                session.add(stored)
            self.late_or_accepted(before)

    @precondition(lambda self: self.records)
    @rule(pick=st.integers(0, 50))
    def mosip_confirms_a_uin(self, pick: int) -> None:
        with self.db.read() as session:
            rids = [r.mosip["rid"] for r in session.exec(select(Record)).all() if r.mosip.get("rid")]
        if rids:
            before = self._count(AuditEvent)
            DeliveryOutcomes.of(self.service).confirm_registration(rids[pick % len(rids)], vid="1234567890123456",
                                                                   uin=None)
            self.late_or_accepted(before)

    def late_or_accepted(self, audit_before: int) -> None:
        with self.db.read() as session:
            events = session.exec(select(AuditEvent).where(AuditEvent.seq > audit_before)).all()
        self.accepted += sum(1 for e in events if not e.kind.endswith("-late"))

    def _count(self, model) -> int:
        with self.db.read() as session:
            return session.exec(select(func.count()).select_from(model)).one()

    @invariant()
    def every_record_is_in_a_defined_state(self) -> None:
        with self.db.read() as session:
            for record in session.exec(select(Record)):
                assert Status(record.status) in Status

    @invariant()
    def one_audit_event_per_accepted_action(self) -> None:
        with self.db.read() as session:
            actions = session.exec(select(func.count()).select_from(Action)).one()
            events = session.exec(select(func.count()).select_from(AuditEvent)
                                  .where(~AuditEvent.kind.endswith("-late"))).one()
        assert actions == events == self.accepted


RecordLifecycle.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None,
                                             suppress_health_check=[HealthCheck.too_slow])
TestRecordLifecycle = RecordLifecycle.TestCase

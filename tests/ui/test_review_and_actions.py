"""Supervisors and registrars at work: failed verifications, stalled UIN requests, corrections."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QTableWidget
from sqlmodel import select

from app.delivery import DeliveryOutcomes
from app.store.models import Verification
from tests.ui.conftest import AGENT, REGISTRAR, SUPERVISOR, birth_data


def txn_of(device, record_id: str, section: str) -> str:
    with device.db.read() as session:
        return session.exec(select(Verification.transaction_id).where(
            Verification.record_id == record_id, Verification.section == section,
            Verification.status == "pending")).one()


def failed_record(records, device):
    record = records.declare(AGENT, event="birth", data=birth_data())
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, "mother"), verified=False,
                                      failed_attributes=["name"])
    return records.get(record.id)


def shown_actions(view) -> set[str]:
    return {b.objectName().removeprefix("action-") for b in view.findChildren(QPushButton)
            if b.objectName().startswith("action-")}


def open_queue(window, qtbot, queue_id: str, rows: int) -> None:
    ids = [window.queues.item(i).data(256) for i in range(window.queues.count())]
    window.queues.setCurrentRow(ids.index(queue_id))
    qtbot.waitUntil(lambda: window.model.rowCount() == rows, timeout=5000)


def test_supervisor_corrects_a_mismatched_name_and_requeues_the_check(make_window, records, device, qtbot):
    record = failed_record(records, device)
    assert record.status == "verification_failed"
    window = make_window(SUPERVISOR)
    assert window.counts["verification_failed"] == 1
    open_queue(window, qtbot, "verification_failed", 1)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    pill = window.view.findChild(QLabel, "pill-mother")
    assert pill.text() == "Verification failed — name"
    assert set(window.view.buttons) == {"retry", "reject"}      # what a supervisor may do here

    window.view.buttons["retry"].click()
    review = window.review
    assert review is not None and window.stack.currentWidget() is review
    # IDA's "name" → the mother's name fields (identity.fields), highlighted; the rest not
    assert review.mismatched == {"mother.firstname", "mother.middlename", "mother.surname"}
    assert review.editors["mother.firstname"].input.property("mismatch") is True
    assert not review.editors["mother.dob"].input.property("mismatch")
    assert QApplication.focusWidget() is review.editors["mother.firstname"].input
    review.editors["mother.firstname"].set_value("Zoé", quiet=False)
    review.retry_button.click()

    qtbot.waitUntil(lambda: records.get(record.id).status == "declared", timeout=10_000)
    after = records.get(record.id)
    assert after.declaration["mother.firstname"] == "Zoé"
    assert after.persons["mother"]["verification"] == "pending"
    qtbot.waitUntil(lambda: window.review is None and window.view.record_id == record.id
                    and window.view.detail.record.status == "declared", timeout=5000)
    assert "Pending validation" in window.banner.text()
    qtbot.waitUntil(lambda: window.counts.get("verification_failed") == 0, timeout=5000)
    history = window.view.findChild(QTableWidget, "history")
    texts = [history.item(r, 2).text() for r in range(history.rowCount())]
    assert "Review and re-check" in texts and "Identity check result" in texts


def test_supervisor_rejection_needs_a_reason(make_window, records, device, qtbot, monkeypatch):
    record = failed_record(records, device)
    window = make_window(SUPERVISOR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    window.view.buttons["retry"].click()
    asked = []
    monkeypatch.setattr(window.actions, "ask_reason", lambda title, text: asked.append(title) or None)
    window.review.reject_button.click()           # cancelled: nothing happens
    assert asked and records.get(record.id).status == "verification_failed"
    monkeypatch.setattr(window.actions, "ask_reason", lambda title, text: "mother's documents do not match")
    window.review.reject_button.click()
    qtbot.waitUntil(lambda: records.get(record.id).status == "rejected", timeout=10_000)
    detail = records.detail(record.id)
    assert detail.actions[-1].reason == "mother's documents do not match"


def test_a_stalled_uin_request_is_removed_with_a_reason(make_window, records, device, qtbot, monkeypatch):
    record = records.declare(AGENT, event="birth", data=birth_data())
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, "mother"), verified=True)
    records.act(REGISTRAR, record.id, "register")
    assert records.get(record.id).status == "awaiting_external_validation"
    window = make_window(SUPERVISOR)
    open_queue(window, qtbot, "awaiting_external_validation", 1)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert "remove-from-queue" in window.view.buttons
    rid = records.get(record.id).mosip["rid"]
    assert rid in [w.text() for w in window.view.findChildren(QLabel)]
    prompts = []
    monkeypatch.setattr(window.actions, "ask_reason", lambda title, text: prompts.append(text) or "checked with MOSIP: "
                        "packet rejected, parents to re-apply")
    window.view.buttons["remove-from-queue"].click()
    assert "checking with MOSIP" in prompts[0]
    qtbot.waitUntil(lambda: records.get(record.id).status == "registered", timeout=10_000)
    qtbot.waitUntil(lambda: window.counts.get("awaiting_external_validation") == 0, timeout=5000)


def _fill_dialog_later(qtbot, fill):
    def run():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        fill(dialog)
    QTimer.singleShot(0, run)


def test_correction_requested_then_approved_shows_what_changed(make_window, make_ctx, records, device, qtbot):
    from app.records import Actor, Role
    from tests.core.conftest import farajaland_death

    record = records.declare(AGENT, event="death", data=farajaland_death())
    for section in ("deceased", "informant"):
        DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, section), verified=True)
    records.act(REGISTRAR, record.id, "register")
    assert records.get(record.id).status == "registered"

    window = make_window(AGENT)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert set(window.view.buttons) == {"request-correction"}

    def fill(dialog):
        dialog.editors["deceased.firstname"].set_value("Kondwane", quiet=False)
        dialog.reason.setPlainText("spelling on the hospital certificate")
        dialog.requester.setCurrentIndex(dialog.requester.findData("informant"))
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    _fill_dialog_later(qtbot, fill)
    window.view.buttons["request-correction"].click()
    qtbot.waitUntil(lambda: records.get(record.id).status == "correction_requested", timeout=10_000)
    assert records.get(record.id).correction["changes"] == {"deceased.firstname": "Kondwane"}

    registrar = make_window(Actor("rex", Role.REGISTRAR))
    registrar.select_record(record.id)
    qtbot.waitUntil(lambda: registrar.view.record_id == record.id, timeout=5000)
    changes = registrar.view.findChild(QTableWidget, "changes")
    assert [changes.item(0, c).text() for c in range(3)] == ["First name(s)", "Kondwani", "Kondwane"]
    assert {"approve-correction", "reject-correction"} <= set(registrar.view.buttons)
    assert "reject" not in registrar.view.buttons      # refusing the correction is not rejecting the record
    _fill_dialog_later(qtbot, lambda dialog: dialog.accept())
    registrar.view.buttons["approve-correction"].click()
    qtbot.waitUntil(lambda: records.get(record.id).status == "registered"
                    and records.get(record.id).declaration["deceased.firstname"] == "Kondwane", timeout=10_000)
    qtbot.waitUntil(lambda: registrar.view.detail.record.correction is None, timeout=5000)
    history = registrar.view.findChild(QTableWidget, "history")
    rows = {history.item(r, 2).text(): history.item(r, 3).text() for r in range(history.rowCount())}
    assert "First name(s): Kondwani → Kondwane" in rows["Approve correction"]
    assert "spelling on the hospital certificate" in rows["Request correction"]


def test_a_flagged_record_shows_why_and_its_deliveries_can_be_retried(make_window, records, device, qtbot):
    from sqlmodel import select as sql_select

    from app.store.models import OutboxItem

    record = records.declare(AGENT, event="birth", data=birth_data())
    with device.db.write() as session:      # what the agent does with a data error: quarantine + flag
        item = session.exec(sql_select(OutboxItem).where(OutboxItem.record_id == record.id)).one()
        item.state, item.last_error = "quarantined", "IDA-DEA-001: demographic data does not match the schema"
        session.add(item)
    records.flag_attention(record.id, "identity check refused: IDA-DEA-001")
    window = make_window(SUPERVISOR)
    open_queue(window, qtbot, "requires_attention", 1)
    assert window.model.data(window.model.index(0, 3)).startswith("⚠")
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert "IDA-DEA-001" in window.view.findChild(QLabel, "attention").text()
    outbox = window.view.findChild(QTableWidget, "outbox")
    assert [outbox.item(0, c).text() for c in range(4)] == [
        "Identity check with MOSIP", "Needs attention", "0", "IDA-DEA-001: demographic data does not match the schema"]
    assert window.view.buttons["retry"].text() == "Retry &sending"        # Alt+S
    window.view.buttons["retry"].click()
    qtbot.waitUntil(lambda: not records.get(record.id).requires_attention, timeout=10_000)
    qtbot.waitUntil(lambda: window.counts.get("requires_attention") == 0, timeout=5000)


def test_no_review_button_on_a_record_whose_checks_passed(make_window, records, device, qtbot):
    record = records.declare(AGENT, event="birth", data=birth_data())
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, "mother"), verified=True)
    window = make_window(REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert set(window.view.buttons) == {"register", "reject"}
    assert window.view.findChild(QLabel, "next-step") is None
    window.activateWindow()
    # registering asks for confirmation first; Enter accepts it
    _fill_dialog_later(qtbot, lambda box: QTest.keyClick(box, Qt.Key.Key_Return))
    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)      # Alt+R: &Register
    qtbot.waitUntil(lambda: records.get(record.id).status == "awaiting_external_validation", timeout=10_000)


def test_an_agent_is_told_what_happens_next(make_window, records, device, qtbot):
    record = failed_record(records, device)
    window = make_window(AGENT)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert window.view.buttons == {}
    assert window.view.findChild(QLabel, "next-step").text() == "A supervisor reviews failed identity checks."
    assert window.sync_widget.online.text() == "● Sync off"     # no agent in this window


def test_actions_still_run_after_switching_between_records_with_other_buttons(
        make_window, records, device, qtbot, monkeypatch):
    """Viewing a record whose buttons differ from the next one's, then acting, must act.

    The view kept the previous record's (deleted) buttons, so the action died on a
    RuntimeError after its dialog closed and the user saw nothing happen."""
    ready = records.declare(AGENT, event="birth", data=birth_data())
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, ready.id, "mother"), verified=True)
    failed = failed_record(records, device)
    window = make_window(SUPERVISOR)
    for record_id, buttons in ((failed.id, {"retry", "reject"}), (ready.id, {"reject"})):
        window.select_record(record_id)
        qtbot.waitUntil(lambda rid=record_id: window.view.record_id == rid, timeout=5000)
        assert shown_actions(window.view) == buttons
        assert window.view.findChild(QLabel, "pill-child") is None     # a newborn has no ID to check
    monkeypatch.setattr(window.actions, "ask_reason", lambda title, text: "duplicate declaration")
    window.view.buttons["reject"].click()
    qtbot.waitUntil(lambda: records.get(ready.id).status == "rejected", timeout=10_000)
    qtbot.waitUntil(lambda: window.view.detail.record.status == "rejected", timeout=5000)
    assert set(window.view.buttons) == shown_actions(window.view)
    assert records.detail(ready.id).actions[-1].reason == "duplicate declaration"
    assert records.get(failed.id).status == "verification_failed"


def test_validate_is_not_offered_while_identity_checks_wait_for_mosip(make_window, records, qtbot):
    """Validating is refused until MOSIP has answered: the button says why instead of failing."""
    from tests.ui.conftest import AGENT, birth_data

    waiting = records.declare(AGENT, event="birth", data=birth_data())
    nothing_to_check = records.declare(
        AGENT, event="birth", data={k: v for k, v in birth_data().items() if k != "mother.nid"})
    assert any(p.get("verification") == "pending" for p in records.get(waiting.id).persons.values())
    window = make_window(AGENT)
    for record_id, offered in ((waiting.id, False), (nothing_to_check.id, True)):
        window.select_record(record_id)
        qtbot.waitUntil(lambda r=record_id: window.view.record_id == r and "validate" in window.view.buttons,
                        timeout=5000)
        button = window.view.buttons["validate"]
        assert button.isEnabled() is offered
        assert bool(button.property("primary")) is offered
        assert ("waiting to be sent to MOSIP" in button.toolTip()) is not offered


def test_history_names_whose_fields_a_save_changed(make_window, records, qtbot):
    """Two people's "Sex" in one save: the row says whose, not "Sex, Sex"."""
    from tests.ui.conftest import AGENT

    draft = records.create_draft(AGENT, "birth", {"child.gender": "female", "mother.gender": "female"})
    window = make_window(AGENT)
    window.select_record(draft.id)
    qtbot.waitUntil(lambda: window.view.record_id == draft.id, timeout=5000)
    history = window.view.findChild(QTableWidget, "history")
    details = [history.item(row, 3).text() for row in range(history.rowCount())]
    [created] = [text for text in details if "Sex" in text]
    assert "Child's details (Sex)" in created and "Mother's details (Sex)" in created, created


def test_a_father_without_details_shows_no_data_source(make_window, records, qtbot):
    from tests.ui.conftest import AGENT, birth_data

    record = records.declare(AGENT, event="birth", data=birth_data())
    assert records.get(record.id).persons.get("father", {}).get("source")   # the core still keeps it
    window = make_window(AGENT)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert window.view.findChild(QLabel, "source-mother") is not None
    assert window.view.findChild(QLabel, "source-father") is None

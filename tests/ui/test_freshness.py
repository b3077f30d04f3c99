"""The window stays fresh by itself: every screen follows what a write changed (its `Changes`) and
what the agent reports, nobody refreshes by hand. Each test drives the real main window and checks
the store and the screen: the banner says what is so or goes, the sync bar and the Outbox queue
count the same thing, the row selected is the record shown, a confirmation from MOSIP updates the
counts and the open record."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from app.delivery import DeliveryOutcomes
from app.records import Actor, Role
from app.store.changes import Changes
from app.sync_status import SyncStatusHub
from tests.core.conftest import years_ago
from tests.ui.conftest import AGENT, REGISTRAR, SUPERVISOR, birth_data
from tests.ui.test_review_and_actions import _fill_dialog_later, open_queue, txn_of
from ui.operations import change_bus, run_write

OTHER_REGISTRAR = Actor("rita", Role.REGISTRAR)


def ready_to_register(records, device, **overrides):
    record = records.declare(AGENT, event="birth", data=birth_data(**overrides))
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, "mother"), verified=True)
    assert records.get(record.id).status == "validated"
    return records.get(record.id)


def selected_and_shown(window):
    return window.records_panel.selected_id(), window.view.record_id


def test_a_write_tells_every_screen_what_it_changed(make_window, records, qtbot):
    window = make_window(AGENT)
    heard = []
    change_bus().changed.connect(lambda changes, initiator: heard.append((changes, initiator)))
    draft_ids = []
    run_write(window, lambda: draft_ids.append(records.create_draft(AGENT, "birth", {}).id))
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)
    changes, initiator = heard[0]
    assert changes == Changes(frozenset(draft_ids), queues=True) and initiator is window
    # the Drafts queue heard it too: nobody asked for a refresh
    qtbot.waitUntil(lambda: window.counts.get("drafts") == 1 and window.model.rowCount() == 1, timeout=5000)
    assert window.model.rows[0].id == draft_ids[0]


def test_declaring_shows_the_new_record_on_its_selected_row_and_the_bar_agrees_with_the_outbox(
        make_window, records, qtbot):
    earlier = records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": "Chikondi"}))
    draft = records.create_draft(AGENT, "birth", birth_data())
    window = make_window(AGENT)
    open_queue(window, qtbot, "pending_validation", 1)
    qtbot.waitUntil(lambda: window.model.rows[0].id == earlier.id, timeout=5000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.view.record_id == earlier.id, timeout=5000)
    assert window.sync_widget.queued.text() == "1 record waiting to send"

    window.open_form("birth", draft)
    window.form.review_button.click()
    assert window.form.submit_button.isEnabled()
    window.form.submit_button.click()

    qtbot.waitUntil(lambda: window.form is None and window.model.rowCount() == 2, timeout=10_000)
    assert records.get(draft.id).status == "declared"
    qtbot.waitUntil(lambda: selected_and_shown(window) == (draft.id, draft.id), timeout=5000)
    assert "Declared" in window.banner.text() and window.banner.isVisible()
    # the bar and the Outbox queue, from the same read, right after the write (no agent ran)
    qtbot.waitUntil(lambda: window.counts.get("outbox") == 2, timeout=5000)
    assert window.sync_widget.queued.text() == "2 records waiting to send"
    assert window.counts["drafts"] == 0 and window.counts["pending_validation"] == 2


def test_after_an_action_the_record_stays_shown_without_a_row_then_the_banner_follows_the_record(
        make_window, records, device, qtbot, monkeypatch):
    first = ready_to_register(records, device, **{"child.dob": years_ago(4)})
    second = ready_to_register(records, device, **{"child.dob": years_ago(4), "child.firstname": "Pemba"})
    window = make_window(REGISTRAR)
    open_queue(window, qtbot, "ready_to_register", 2)
    row = window.model.row_of(first.id)
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.view.record_id == first.id, timeout=5000)
    monkeypatch.setattr(window.actions, "confirm", lambda title, text, label, dangerous=False: True)
    window.view.buttons["register"].click()

    qtbot.waitUntil(lambda: records.get(first.id).status == "registered", timeout=10_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and window.counts.get("registered") == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.view.detail.record.status == "registered", timeout=5000)
    assert selected_and_shown(window) == (None, first.id)     # left the queue: shown, no row marks another
    assert window.banner.isVisible() and window.banner.text() == "Register: done. The record is now “Registered”."
    assert window.counts["ready_to_register"] == 1

    window.table.selectRow(0)                                 # the next record: the message was not about it
    qtbot.waitUntil(lambda: selected_and_shown(window) == (second.id, second.id), timeout=5000)
    assert window.banner.isHidden()


def test_a_refused_action_is_said_and_the_record_shown_as_it_now_stands(
        make_window, records, device, qtbot, monkeypatch):
    record = ready_to_register(records, device, **{"child.dob": years_ago(4)})
    other = ready_to_register(records, device, **{"child.dob": years_ago(4), "child.firstname": "Pemba"})
    window = make_window(REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    records.act(SUPERVISOR, record.id, "reject", reason="duplicate")   # elsewhere: nothing told the window
    monkeypatch.setattr(window.actions, "confirm", lambda title, text, label, dangerous=False: True)
    window.view.buttons["register"].click()

    qtbot.waitUntil(lambda: window.banner.property("kind") == "error" and window.banner.isVisible(), timeout=10_000)
    assert records.get(record.id).status == "rejected"
    qtbot.waitUntil(lambda: window.view.detail.record.status == "rejected", timeout=5000)
    assert "register" not in window.view.buttons
    assert window.banner.isVisible()                   # still the record the message is about
    window.select_record(other.id)
    qtbot.waitUntil(lambda: window.view.record_id == other.id, timeout=5000)
    assert window.banner.isHidden()


def test_switching_queues_and_searching_never_show_a_record_no_row_marks(make_window, records, qtbot):
    declared = records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": "Chikondi"}))
    draft = records.create_draft(AGENT, "birth", {"child.firstname": "Tiyamike", "child.surname": "Phiri"})
    window = make_window(AGENT)                                # an agent lands on Drafts
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: selected_and_shown(window) == (draft.id, draft.id), timeout=5000)

    open_queue(window, qtbot, "pending_validation", 1)         # the draft is not listed there
    qtbot.waitUntil(lambda: window.view.record_id is None, timeout=5000)
    assert selected_and_shown(window) == (None, None)
    window.table.setFocus()                                    # Qt makes row 0 current on focus:
    QTest.keyClick(window.table, Qt.Key.Key_Down)              # then it is selected and shown too
    qtbot.waitUntil(lambda: window.view.record_id == declared.id, timeout=5000)
    assert selected_and_shown(window) == (declared.id, declared.id)

    window.search.setText("Tiyamike")                          # a search over every queue
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and window.model.rows[0].id == draft.id, timeout=5000)
    qtbot.waitUntil(lambda: window.view.record_id is None, timeout=5000)
    assert selected_and_shown(window) == (None, None)
    window._search_return()                                    # Enter: on to the results
    QTest.keyClick(window.table, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.view.record_id == draft.id, timeout=5000)
    assert selected_and_shown(window) == (draft.id, draft.id)

    window.search.clear()                                      # back to the queue: the draft is not in it
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and window.model.rows[0].id == declared.id, timeout=5000)
    qtbot.waitUntil(lambda: window.view.record_id is None, timeout=5000)
    assert selected_and_shown(window) == (None, None)


def test_a_confirmation_from_mosip_updates_the_counts_the_open_record_and_the_banner(
        make_window, records, device, qtbot, monkeypatch):
    newborn = ready_to_register(records, device)
    hub = SyncStatusHub()
    window = make_window(REGISTRAR, sync_hub=hub)
    open_queue(window, qtbot, "ready_to_register", 1)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.view.record_id == newborn.id, timeout=5000)
    monkeypatch.setattr(window.actions, "confirm", lambda title, text, label, dangerous=False: True)
    window.view.buttons["register"].click()
    qtbot.waitUntil(lambda: window.counts.get("awaiting_external_validation") == 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.view.detail.record.status == "awaiting_external_validation", timeout=5000)
    assert window.banner.text() == "Register: done. The record is now “Awaiting external validation”."
    assert window.sync_widget.queued.text() == "1 record waiting to send"   # the UIN request

    # the agent applies MOSIP's credential on its own thread and says which record changed
    rid = records.get(newborn.id).mosip["rid"]

    def agent_confirms() -> None:
        DeliveryOutcomes.of(records).confirm_registration(rid, vid="6123456789012345", uin=None)
        hub.update(changed_records=(newborn.id,))

    thread = threading.Thread(target=agent_confirms)
    thread.start()
    thread.join()
    assert records.get(newborn.id).status == "registered"
    qtbot.waitUntil(lambda: window.counts.get("awaiting_external_validation") == 0
                    and window.counts.get("registered") == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.view.detail.record.status == "registered", timeout=5000)
    assert "6123456789012345" in [label.text() for label in window.view.findChildren(QLabel)]
    assert window.banner.isHidden()        # "now Awaiting external validation" is no longer so


def test_approving_a_correction_says_first_what_goes_to_mosip(make_window, records, device, qtbot):
    record = records.declare(AGENT, event="birth", data=birth_data(**{"child.dob": years_ago(6),
                                                                       "child.nid": "5123456789012345"}))
    for section in ("child", "mother"):
        DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, section), verified=True)
    records.act(REGISTRAR, record.id, "register")
    records.act(AGENT, record.id, "request-correction", data={"child.firstname": "Amelia"}, reason="typo")
    window = make_window(OTHER_REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)

    shown = []

    def cancel(dialog):
        shown.append(dialog.findChild(QLabel, "mosip-preview").text())
        dialog.reject()

    _fill_dialog_later(qtbot, cancel)
    window.view.buttons["approve-correction"].click()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert shown == ["The person's details will be updated in MOSIP."]
    assert records.get(record.id).status == "correction_requested"       # cancelled: nothing written
    qtbot.waitUntil(lambda: window.view.buttons["approve-correction"].isEnabled(), timeout=5000)

    _fill_dialog_later(qtbot, lambda dialog: dialog.accept())
    window.view.buttons["approve-correction"].click()
    qtbot.waitUntil(lambda: records.get(record.id).status == "registered", timeout=10_000)
    assert records.get(record.id).declaration["child.firstname"] == "Amelia"
    assert "update_biographics" in [item.kind for item in records.detail(record.id).outbox]
    qtbot.waitUntil(lambda: window.view.detail.record.correction is None, timeout=5000)
    assert window.banner.text() == "Approve correction: done. The record is now “Registered”."


def test_a_correction_that_sends_nothing_says_so(make_window, records, device, qtbot):
    record = ready_to_register(records, device, **{"child.dob": years_ago(4)})
    records.act(REGISTRAR, record.id, "register")
    records.act(AGENT, record.id, "request-correction", data={"child.firstname": "Amelia"}, reason="typo")
    window = make_window(OTHER_REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    shown = []

    def look(dialog):
        shown.append((dialog.findChild(QLabel, "mosip-preview").text(), dialog.approve_button.isDefault()))
        dialog.reject()

    _fill_dialog_later(qtbot, look)
    window.view.buttons["approve-correction"].click()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert shown == [("Nothing is sent to MOSIP for this correction.", True)]
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    assert records.get(record.id).status == "correction_requested"

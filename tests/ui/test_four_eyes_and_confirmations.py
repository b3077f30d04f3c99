"""Safety in the desktop app: four-eyes on corrections, confirmations before irreversible actions."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app.delivery import DeliveryOutcomes
from app.records import Actor, Role
from tests.core.conftest import years_ago
from tests.ui.conftest import AGENT, REGISTRAR, birth_data
from tests.ui.test_review_and_actions import txn_of

OTHER_REGISTRAR = Actor("rita", Role.REGISTRAR)


def registered_birth(records, device):
    record = records.declare(AGENT, event="birth", data=birth_data(**{"child.dob": years_ago(4)}))
    for section in ("mother",):
        DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, section), verified=True)
    record = records.act(REGISTRAR, record.id, "register")
    assert record.status == "registered"
    return record


def test_the_requester_sees_approve_disabled_with_the_reason(make_window, records, device, qtbot):
    record = registered_birth(records, device)
    records.act(REGISTRAR, record.id, "request-correction", data={"child.firstname": "Amelia"}, reason="typo")

    own = make_window(REGISTRAR)
    own.select_record(record.id)
    qtbot.waitUntil(lambda: own.view.record_id == record.id, timeout=5000)
    approve = own.view.buttons["approve-correction"]
    assert not approve.isEnabled()
    hint = own.view.findChild(QLabel, "four-eyes-hint")
    assert hint is not None and "another registrar" in hint.text()
    assert approve.toolTip() == hint.text()
    assert own.view.buttons["reject-correction"].isEnabled()

    other = make_window(OTHER_REGISTRAR)
    other.select_record(record.id)
    qtbot.waitUntil(lambda: other.view.record_id == record.id, timeout=5000)
    assert other.view.buttons["approve-correction"].isEnabled()
    assert other.view.findChild(QLabel, "four-eyes-hint") is None


def death_ready_to_register(records, device):
    from tests.core.conftest import farajaland_death

    record = records.declare(AGENT, event="death", data=farajaland_death())
    for section in ("deceased", "informant"):
        DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, section), verified=True)
    assert records.get(record.id).status in ("declared", "validated")
    return records.get(record.id)


def mosip_items(device, record_id):
    from sqlmodel import select

    from app.store.models import OutboxItem

    with device.db.read() as session:
        return [i.kind for i in session.exec(select(OutboxItem).where(OutboxItem.record_id == record_id))
                if i.kind in ("mark_deceased", "create_uin", "update_biographics")]


def test_registering_a_death_asks_first_and_says_the_id_is_deactivated(
        make_window, records, device, qtbot, monkeypatch):
    record = death_ready_to_register(records, device)
    window = make_window(REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    asked = []
    monkeypatch.setattr(window.actions, "confirm", lambda title, text, label, dangerous=False:
                        asked.append((title, text, dangerous)) and False)
    window.view.buttons["register"].click()
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)       # once the rules were read off the UI thread
    (title, text, dangerous), = asked
    assert record.tracking_id in title and record.tracking_id in text
    assert "national ID will be deactivated" in text and dangerous
    qtbot.wait(200)
    assert records.get(record.id).status == record.status          # refused: nothing written
    assert mosip_items(device, record.id) == []

    monkeypatch.setattr(window.actions, "confirm", lambda title, text, label, dangerous=False: True)
    assert window.view.buttons["register"].isEnabled()             # enabled again after the refusal
    window.view.buttons["register"].click()
    qtbot.waitUntil(lambda: records.get(record.id).status == "registered", timeout=10_000)
    assert mosip_items(device, record.id) == ["mark_deceased"]


def test_registering_a_young_child_asks_without_mentioning_an_id(make_window, records, device, qtbot, monkeypatch):
    record = records.declare(AGENT, event="birth", data=birth_data(**{"child.dob": years_ago(4)}))
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, "mother"), verified=True)
    window = make_window(REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    asked = []
    monkeypatch.setattr(window.actions, "confirm", lambda title, text, label, dangerous=False:
                        asked.append((text, dangerous)) or True)
    window.view.buttons["register"].click()
    qtbot.waitUntil(lambda: records.get(record.id).status == "registered", timeout=10_000)
    (text, dangerous), = asked
    assert "cannot be undone" in text and "deactivated" not in text and not dangerous


def _answer_box_later(qtbot, key, seen):
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    def run():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, run)
            return
        seen.append(box.defaultButton().text())
        QTest.keyClick(box, {"enter": Qt.Key.Key_Return, "esc": Qt.Key.Key_Escape}[key])
    QTimer.singleShot(0, run)


def test_enter_confirms_esc_cancels_and_deactivation_defaults_to_cancel(make_window, qtbot):
    window = make_window(REGISTRAR)
    seen: list[str] = []
    _answer_box_later(qtbot, "enter", seen)
    assert window.actions.confirm("Register X", "text", "&Register") is True
    _answer_box_later(qtbot, "esc", seen)
    assert window.actions.confirm("Register X", "text", "&Register") is False
    _answer_box_later(qtbot, "enter", seen)
    assert window.actions.confirm("Register X", "text", "&Register", dangerous=True) is False
    assert seen == ["&Register", "&Register", "Cancel"]


def test_rejecting_says_the_declaration_goes_to_requires_updates(make_window, records, device, qtbot, monkeypatch):
    record = records.declare(AGENT, event="birth", data=birth_data())
    window = make_window(REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    prompts = []
    monkeypatch.setattr(window.actions, "ask_reason", lambda title, text: prompts.append(text) or None)
    window.view.buttons["reject"].click()
    assert "“Requires updates”" in prompts[0]
    assert records.get(record.id).status == "declared"


def test_the_record_pane_stays_put_while_asking_and_the_button_gets_the_focus_back(
        make_window, records, device, qtbot, monkeypatch):
    """Disabling the focused Register button passed the focus down the pane to the first focusable
    widget (the outbox table), and the pane scrolled to it under the confirmation."""
    record = records.declare(AGENT, event="birth", data=birth_data(**{"child.dob": years_ago(4)}))
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, record.id, "mother"), verified=True)
    window = make_window(REGISTRAR)
    window.resize(1366, 700)
    window.activateWindow()
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    register = window.view.buttons["register"]
    register.setFocus()
    bar = window.view.scroll.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0               # the pane can scroll, and is at its top
    seen = []

    def cancel(title, text, label, dangerous=False):
        seen.append((bar.value(), window.focusWidget()))
        return False
    monkeypatch.setattr(window.actions, "confirm", cancel)
    register.click()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0] == (0, window.view.scroll)                   # while asking: not scrolled, focus on the pane
    qtbot.waitUntil(register.isEnabled, timeout=5000)
    assert bar.value() == 0 and window.focusWidget() is register

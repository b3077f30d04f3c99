"""The country's plausibility checks in the form: the message next to the field(s), live as the
agent types, in the user's language; a blocking check keeps Submit disabled, a warning asks the
officer to confirm (Enter and Esc go back), and the confirmation reaches the record's history."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from sqlmodel import select

from app.store.models import AuditEvent
from tests.ui.conftest import AGENT, REGISTRAR, SUPERVISOR, birth_data, type_text


def note(form, fid: str) -> QLabel:
    return form.findChild(QLabel, f"plausibility-{fid}")


def fill(form, data: dict[str, str]) -> None:
    for fid, value in data.items():
        form.editors[fid].set_value(value, quiet=False)
    form.refresh_visibility()


def answer_box_later(key: str, seen: list[str]) -> None:
    """Answer the next modal box with Esc or Enter (both go back), or confirm with its Alt+C button
    (clicked: offscreen windows are never active, so mnemonics do not fire), noting its text."""
    def run() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, run)
            return
        seen.append(box.text())
        if key == "confirm":
            (accept,) = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
            assert accept.text().startswith("&Confirm") or accept.text().startswith("&Confirmer")
            accept.click()
        else:
            QTest.keyClick(box, {"enter": Qt.Key.Key_Return, "esc": Qt.Key.Key_Escape}[key])
    QTimer.singleShot(0, run)


def audit_details(records, record_id: str, kind: str) -> dict:
    with records.db.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.record_id == record_id,
                                                      AuditEvent.kind == kind)).one()
    return event.details


def test_a_seven_year_old_mother_is_shown_live_and_cannot_be_submitted(make_window, qtbot):
    window = make_window(AGENT)
    window.new_declaration("birth")
    form = window.form
    fill(form, {k: v for k, v in birth_data().items() if k != "mother.dob"})
    mother_dob = form.editors["mother.dob"]
    mother_dob.input.setFocus()
    type_text(mother_dob.input, "2019-06-1")
    assert not note(form, "mother.dob").isVisible()          # not a date yet: nothing to say
    type_text(mother_dob.input, "5")                          # still in the field: live
    message = "The mother would be 7 years old at the birth: check both dates of birth (a mother is at least 10)."
    assert note(form, "mother.dob").isVisible() and message in note(form, "mother.dob").text()
    assert note(form, "child.dob").isVisible() and message in note(form, "child.dob").text()
    assert message in mother_dob.input.accessibleDescription()

    QTest.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)   # review
    assert form.pages.currentIndex() == 1
    assert not form.submit_button.isEnabled()
    items = [form.problems.item(i) for i in range(form.problems.count())]
    assert [i.data(Qt.ItemDataRole.UserRole) for i in items] == ["mother.dob"]
    assert message in items[0].text() and items[0].text().startswith("✖")
    QTest.keyClick(form.problems, Qt.Key.Key_Return)          # Enter jumps to the field
    assert QApplication.focusWidget() is mother_dob.input

    mother_dob.input.selectAll()
    type_text(mother_dob.input, "1994-06-15")
    assert not note(form, "mother.dob").isVisible() and not note(form, "child.dob").isVisible()


def test_father_yes_and_someone_else_need_names_in_french(make_window, records, qtbot):
    window = make_window(AGENT, language="fr")
    window.new_declaration("birth")
    form = window.form
    fill(form, birth_data(**{"father.details_available": "yes", "informant.relation": "other"}))
    assert not note(form, "father.firstname").isVisible()     # shown once the field is left, as "required"
    form.editors["father.firstname"].input.setFocus()
    QTest.keyClick(form.editors["father.firstname"].input, Qt.Key.Key_Tab)
    assert note(form, "father.firstname").text() == ("✖ Saisissez le prénom du père, ou répondez «\u00a0Non\u00a0» "
                                                     "à «\u00a0Informations sur le père disponibles\u00a0?\u00a0».")
    form.review()
    assert not form.submit_button.isEnabled()
    problems = {form.problems.item(i).data(Qt.ItemDataRole.UserRole) for i in range(form.problems.count())}
    assert problems == {"father.firstname", "father.surname", "informant.firstname", "informant.surname"}
    assert note(form, "informant.surname").text() == ("✖ Saisissez le nom de famille du déclarant\u00a0: "
                                                      "le déclarant n’est pas l’un des parents.")
    form.submit()                                             # refused: back to the review, nothing declared
    assert records.list_records("pending_validation") == []


def test_a_warning_asks_to_confirm_and_the_confirmation_is_kept(make_window, records, qtbot):
    window = make_window(AGENT)
    window.new_declaration("birth")
    form = window.form
    fill(form, birth_data(**{"mother.dob": "1972-01-10"}))
    form.editors["mother.dob"].input.setFocus()
    QTest.keyClick(form.editors["mother.dob"].input, Qt.Key.Key_Tab)
    warning = "The mother would be 54 years old at the birth. Check her date of birth; confirm if it is right."
    assert note(form, "mother.dob").text() == "⚠ " + warning
    form.review()
    assert form.submit_button.isEnabled()                     # a warning does not block
    assert form.problems.item(0).text().startswith("⚠") and warning in form.problems.item(0).text()

    seen: list[str] = []
    answer_box_later("enter", seen)                           # Enter = go back and check
    form.submit()                                             # once the draft is saved
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=10_000)
    assert warning in seen[0]
    assert window.form is form and form.pages.currentIndex() == 0   # back at the form, at the field
    assert records.list_records("pending_validation") == []

    answer_box_later("confirm", seen)                           # a deliberate confirmation
    form.submit()
    qtbot.waitUntil(lambda: window.form is None, timeout=10_000)
    [record] = records.list_records("pending_validation")
    assert audit_details(records, record.id, "declare")["warnings_confirmed"] == ["mother-over-50"]


def test_validate_asks_the_validating_officer_to_confirm_too(make_window, records, qtbot):
    data = {k: v for k, v in birth_data(**{"mother.dob": "1972-01-10"}).items() if k != "mother.nid"}
    record = records.declare(AGENT, event="birth", data=data, confirmed=["mother-over-50"])
    assert record.status == "declared"                        # no ID number: nothing to verify
    window = make_window(SUPERVISOR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id and "validate" in window.view.buttons,
                    timeout=5000)
    seen: list[str] = []
    answer_box_later("esc", seen)
    window.view.buttons["validate"].click()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=10_000)
    assert "The mother would be 54 years old" in seen[0]
    assert records.get(record.id).status == "declared"
    answer_box_later("confirm", seen)
    window.view.buttons["validate"].click()
    qtbot.waitUntil(lambda: records.get(record.id).status == "validated", timeout=10_000)
    assert audit_details(records, record.id, "validate")["warnings_confirmed"] == ["mother-over-50"]


def test_registering_an_unvalidated_declaration_asks_the_registrar_to_confirm(make_window, records, qtbot):
    data = {k: v for k, v in birth_data(**{"mother.dob": "1972-01-10"}).items() if k != "mother.nid"}
    record = records.declare(AGENT, event="birth", data=data, confirmed=["mother-over-50"])
    assert record.status == "declared"
    window = make_window(REGISTRAR)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id and "register" in window.view.buttons,
                    timeout=5000)
    seen: list[str] = []
    answer_box_later("esc", seen)                           # back: nothing registered
    window.view.buttons["register"].click()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=10_000)
    assert "The mother would be 54 years old" in seen[0]
    qtbot.waitUntil(lambda: window.view.buttons["register"].isEnabled(), timeout=5000)
    assert records.get(record.id).status == "declared"

    answer_box_later("confirm", seen)                       # the warning, then the register confirmation
    bar = window.view.scroll.verticalScrollBar()
    assert bar.value() == 0
    window.view.buttons["register"].setFocus()
    window.view.buttons["register"].click()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)

    def register_when_asked() -> None:
        box = QApplication.activeModalWidget()
        if box is None or box.objectName() != "confirm-action":
            QTimer.singleShot(20, register_when_asked)
            return
        seen.append(box.text())
        scrolled.append(bar.value())      # the pane stays where it was under the second dialog too
        (accept,) = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
        accept.click()
    scrolled: list[int] = []
    QTimer.singleShot(0, register_when_asked)
    qtbot.waitUntil(lambda: records.get(record.id).status != "declared", timeout=10_000)
    assert "Registration cannot be undone" in seen[2] and scrolled == [0]
    assert audit_details(records, record.id, "register")["warnings_confirmed"] == ["mother-over-50"]


def test_the_next_step_of_a_declaration_says_whether_checks_are_waiting(make_window, records, qtbot):
    """A declaration with no ID number has no check to wait for, and says none is coming."""
    with_checks = records.declare(AGENT, event="birth", data=birth_data())
    no_ids = records.declare(AGENT, event="birth", data={k: v for k, v in birth_data().items()
                                                         if not k.endswith(".nid")})
    window = make_window(AGENT)

    def hint_of(record_id: str) -> str:
        window.select_record(record_id)
        qtbot.waitUntil(lambda: window.view.record_id == record_id, timeout=5000)
        label = window.view.findChild(QLabel, "next-step")
        return label.text() if label is not None else ""

    assert "Identity checks run when the device is online" in hint_of(with_checks.id)
    assert hint_of(no_ids.id) == ""
    assert "validate" in window.view.buttons             # what happens next is the officer's own action

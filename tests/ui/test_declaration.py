"""Declaration forms driven with the keyboard, as an agent types them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.conftest import AGENT, type_text

# (field, keys) in the order an agent tabs through a birth form; combo boxes take a first letter
BIRTH_KEYS = [
    ("child.firstname", "Amélie"),
    ("child.middlename", ""),
    ("child.surname", "Banda"),
    ("child.gender", "f"),
    ("child.dob", "2026-11-01"),
    ("child.place_of_birth", "Ilanga"),
    ("mother.nid", "1234567890"),
    ("mother.firstname", "Zoë"),
    ("mother.middlename", ""),
    ("mother.surname", "Banda"),
    ("mother.dob", "1990-01-31"),
    ("mother.gender", ""),          # default: female
    ("mother.phone", ""),
    ("father.details_available", "n"),
    ("informant.relation", "m"),
]


def focused_field(form) -> str | None:
    widget = QApplication.focusWidget()
    for fid, editor in form.editors.items():
        if widget is editor.input:
            return fid
    return None


def tab_to(form, fid: str, max_tabs: int = 4) -> int:
    """Press Tab until `fid` has the focus; the identity buttons of a person section sit between
    fields, so a few presses may be needed. Returns the number of presses."""
    for presses in range(max_tabs + 1):
        if focused_field(form) == fid:
            return presses
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {fid}; focus is on {QApplication.focusWidget()}")


def test_agent_fills_and_submits_a_birth_declaration_with_the_keyboard(make_window, records, qtbot):
    window = make_window(AGENT)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = window.form
    assert form is not None and form.event_type == "birth"
    assert focused_field(form) == "child.firstname"

    for fid, keys in BIRTH_KEYS:
        tab_to(form, fid)
        if keys:
            type_text(QApplication.focusWidget(), keys)
    # father's details are hidden as soon as "No" is chosen; the informant's only when not a parent
    assert form.editors["father.firstname"].isHidden() or not form.editors["father.firstname"].isVisible()
    assert not form.editors["informant.nid"].isVisible()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)

    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.pages.currentIndex() == 1
    assert form.problems.count() == 0, [form.problems.item(i).text() for i in range(form.problems.count())]
    assert form.submit_button.isEnabled()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: window.form is None, timeout=10_000)
    assert "Declared" in window.banner.text()
    [record] = records.list_records("pending_validation")
    assert record.declaration["child.firstname"] == "Amélie"
    assert record.declaration["mother.firstname"] == "Zoë"
    assert record.declaration["child.gender"] == "female"
    assert record.declaration["informant.relation"] == "mother"
    assert record.declaration["mother.gender"] == "female"          # the default was kept
    assert "father.firstname" not in record.declaration
    assert record.persons["mother"]["verification"] == "pending"
    # the window follows: the new record is shown with its pending identity check
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert window.view.findChild(QLabel, "pill-mother").text() == "Pending validation"
    qtbot.waitUntil(lambda: window.counts.get("pending_validation") == 1, timeout=5000)


def test_a_field_is_checked_when_the_agent_leaves_it(make_window, qtbot):
    window = make_window(AGENT)
    window.new_declaration("birth")
    form = window.form
    dob = form.editors["child.dob"]
    dob.input.setFocus()
    QTest.keyClicks(dob.input, "2026-13-01")
    assert not dob.error.isVisible()            # nothing while typing
    QTest.keyClick(dob.input, Qt.Key.Key_Tab)
    assert dob.error.isVisible() and "YYYY-MM-DD" in dob.error.text()
    # a country rule (no birth in the future), in the user's language
    dob.input.setFocus()
    dob.input.selectAll()
    QTest.keyClicks(dob.input, "2027-01-01")
    QTest.keyClick(dob.input, Qt.Key.Key_Tab)
    assert dob.error.text() == "The date of birth cannot be in the future"
    dob.input.setFocus()
    dob.input.selectAll()
    QTest.keyClicks(dob.input, "2026-11-02")
    QTest.keyClick(dob.input, Qt.Key.Key_Tab)
    assert not dob.error.isVisible()
    # a required field left empty after being touched
    surname = form.editors["child.surname"]
    surname.input.setFocus()
    QTest.keyClicks(surname.input, "x")
    QTest.keyClick(surname.input, Qt.Key.Key_Backspace)
    QTest.keyClick(surname.input, Qt.Key.Key_Tab)
    assert surname.error.text() == "This field is required"


def test_visibility_follows_the_answers_live(make_window):
    window = make_window(AGENT)
    window.new_declaration("birth")
    form = window.form
    relation = form.editors["informant.relation"]
    assert not form.editors["informant.firstname"].isVisible()
    relation.combo.setCurrentIndex(relation.combo.findData("other"))
    assert form.editors["informant.firstname"].isVisible()
    assert form.editors["informant.nid"].isVisible()
    relation.combo.setCurrentIndex(relation.combo.findData("mother"))
    assert not form.editors["informant.firstname"].isVisible()
    # a field never typed (filled by MOSIP) is never shown
    assert not form.editors["child.nid"].isVisible()


def test_review_lists_problems_and_jumps_to_the_field(make_window, qtbot):
    window = make_window(AGENT)
    window.new_declaration("birth")
    form = window.form
    form.editors["child.firstname"].set_value("Amélie", quiet=False)
    form.review()
    assert form.pages.currentIndex() == 1
    assert not form.submit_button.isEnabled()
    problems = [form.problems.item(i).data(Qt.ItemDataRole.UserRole) for i in range(form.problems.count())]
    assert problems[:3] == ["child.surname", "child.gender", "child.dob"]
    assert "informant.relation" in problems and "mother.firstname" in problems
    assert "child.firstname" not in problems
    # Enter on a problem goes back to the form with the cursor in that field
    form.problems.setCurrentRow(1)
    QTest.keyClick(form.problems, Qt.Key.Key_Return)
    assert form.pages.currentIndex() == 0
    assert focused_field(form) == "child.gender"
    assert form.editors["child.surname"].error.text() == "This field is required"


def test_the_draft_is_saved_in_the_background_as_the_agent_types(make_window, records, qtbot):
    window = make_window(AGENT)
    window.new_declaration("death")
    form = window.form
    first = form.editors["deceased.firstname"]
    first.input.setFocus()
    QTest.keyClicks(first.input, "Kondwani")
    QTest.keyClick(first.input, Qt.Key.Key_Tab)          # leaving the field saves at once
    qtbot.waitUntil(lambda: form.record_id is not None and not form.busy, timeout=10_000)
    draft = records.get(form.record_id)
    assert draft.status == "draft" and draft.declaration == {"deceased.firstname": "Kondwani"}
    # an invalid value is not saved (the last good one stays), a cleared one is cleared
    nid = form.editors["deceased.nid"]
    nid.input.setFocus()
    QTest.keyClicks(nid.input, "12")
    QTest.keyClick(nid.input, Qt.Key.Key_Tab)
    assert nid.error.text() == "This does not have the expected format"
    first.input.setFocus()
    first.input.selectAll()
    QTest.keyClick(first.input, Qt.Key.Key_Backspace)
    QTest.keyClick(first.input, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not form.busy and records.get(form.record_id).declaration == {}, timeout=10_000)
    # closing keeps the draft; it is listed among the drafts and reopens in the form
    first.input.setFocus()
    QTest.keyClicks(first.input, "Chikondi")    # typed, not yet committed: Close saves it
    form.close_button.click()
    qtbot.waitUntil(lambda: window.form is None, timeout=10_000)
    assert records.get(draft.id).declaration == {"deceased.firstname": "Chikondi"}
    qtbot.waitUntil(lambda: window.counts.get("drafts") == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.view.record_id == draft.id, timeout=5000)
    window.view.buttons["edit"].click()
    assert window.form.editors["deceased.firstname"].value() == "Chikondi"
    assert window.form.record_id == draft.id


def test_typing_without_leaving_the_field_is_saved_after_a_pause(make_window, records, qtbot):
    """A crash loses at most what was typed in the last moment: a pause in typing saves too."""
    window = make_window(AGENT)
    window.new_declaration("birth")
    form = window.form
    first = form.editors["child.firstname"]
    first.input.setFocus()
    type_text(first.input, "Thandiwe")
    assert form.busy                                   # the save is pending, the UI did not wait
    qtbot.waitUntil(lambda: form.record_id is not None and not form.busy, timeout=10_000)
    # the form's defaults are part of the draft from the first save
    assert records.get(form.record_id).declaration == {
        "child.firstname": "Thandiwe", "child.foundling": "no", "mother.gender": "female",
        "father.details_available": "yes", "father.gender": "male"}
    assert QApplication.focusWidget() is first.input    # still typing there


def test_closing_the_window_or_opening_another_form_keeps_what_was_typed(make_window, records, qtbot):
    window = make_window(AGENT)
    window.new_declaration("birth")
    first = window.form
    first.editors["child.firstname"].input.setFocus()
    type_text(first.editors["child.firstname"].input, "Madalitso")     # no pause, no Tab
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.form is not None and window.form.event_type == "death", timeout=10_000)
    assert records.get(first.record_id).declaration["child.firstname"] == "Madalitso"
    second = window.form
    second.editors["deceased.surname"].input.setFocus()
    type_text(second.editors["deceased.surname"].input, "Mbewe")
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert records.get(second.record_id).declaration == {"deceased.surname": "Mbewe"}


def test_identity_tools_show_only_where_an_id_number_applies(make_window, qtbot):
    """A newborn has no ID yet and a father whose details are not given has none to scan; a child
    registered late may already hold one."""
    window = make_window(AGENT)
    window.new_declaration("birth")
    form = window.form
    bars = form.identity_bars
    assert set(bars) == {"child", "mother", "father", "informant"}

    def shown(section: str) -> bool:
        return bars[section].isVisibleTo(form)

    form.editors["child.dob"].set_value("2026-11-01", quiet=False)
    form.refresh_visibility()
    assert not shown("child") and shown("mother") and shown("father")
    form.editors["child.dob"].set_value("2018-03-01", quiet=False)
    form.editors["father.details_available"].set_value("no", quiet=False)
    form.refresh_visibility()
    assert shown("child") and not shown("father")
    form.editors["child.foundling"].set_value("yes", quiet=False)
    form.refresh_visibility()
    assert not form.cards["mother"].isVisibleTo(form) and shown("informant") is (
        "informant.nid" in form.visible())

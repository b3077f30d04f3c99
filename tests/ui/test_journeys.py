"""Each role's day through the real main window: several records, opened in any order, each
action followed by its effect in the store and on the screen (queues and counts, the record shown,
its history). Issue 15's lost actions hid between records: no test switched records before acting.

Real parts: the encrypted device linked to the MOSIP emulator on loopback; the sync agent's
`run_once` (as `crvs-field sync --once` runs it) takes identity checks, packets and corrections to
MOSIP; the widgets, keyboard and modal dialogs under pytest-qt. No sleeps: qtbot.waitUntil."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QTableWidget

from app.device import Device
from app.mosip.settings import load_settings
from app.records import Actor, Role
from app.sync_status import SyncStatusHub
from mosip_emulator.fixtures import load_identities
from mosip_emulator.server import EmulatorServer
from sync.agent import OnceReport, SyncAgent
from tests.sync.conftest import emulator, link  # noqa: F401  (emulator: the fixture, as MOSIP runs)
from tests.ui.conftest import type_text
from tests.ui.test_declaration import focused_field, tab_to

AGENT, SUPERVISOR = Actor("ana", Role.AGENT), Actor("sam", Role.SUPERVISOR)
REGISTRAR, OTHER_REGISTRAR = Actor("rex", Role.REGISTRAR), Actor("rita", Role.REGISTRAR)


# ---------------------------------------------------------------------------------------- the office
@dataclass
class Office:
    """A field office's device linked to MOSIP, and the windows its officers have open."""

    emulator: EmulatorServer
    device: Device
    hub: SyncStatusHub = field(default_factory=SyncStatusHub)
    windows: list[Any] = field(default_factory=list)

    @property
    def records(self) -> Any:
        return self.device.records

    def sync(self, linger: float = 0.0) -> OnceReport:
        """One pass of the sync agent once the windows' writes are done."""
        from ui.operations import wait_idle

        assert wait_idle()
        agent = SyncAgent(self.records, self.device.country, load_settings(self.device.country, self.device.secrets),
                          self.hub)
        report = agent.run_once(linger=linger)
        assert report.online, report
        return report

    def status(self, record_id: str) -> str:
        return self.records.get(record_id).status


@pytest.fixture
def office(emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:  # noqa: F811
    linked = link(emulator, tmp_path / "device")
    for name, value in linked.env.items():
        monkeypatch.setenv(name, value)
    device = Device.open(linked.data_dir)
    office = Office(emulator, device)
    try:
        yield office
    finally:
        from ui.operations import wait_idle

        for window in office.windows:
            if window.form is not None:
                window.form.debounce.stop()
        wait_idle()
        for window in office.windows:
            window.close()
        wait_idle()
        device.close()


@pytest.fixture
def open_window(office: Office, qtbot: Any) -> Iterator[Callable[[Actor], Any]]:
    from ui import i18n
    from ui.app import application, build_context
    from ui.main_window import MainWindow

    application()
    i18n.install("en")

    def make(actor: Actor) -> Any:
        ctx = build_context(office.device, records=office.records, language="en", sync_hub=office.hub)
        ctx.actor = actor
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: bool(window.counts), timeout=10_000)
        office.windows.append(window)
        return window

    yield make


# ---------------------------------------------------------------------------------------- people
def people(sex: str) -> Iterator[dict[str, Any]]:
    """Active identities without a middle name (IDA compares the full name), of an age to be a
    parent in 2026."""
    for person in load_identities():
        if person["gender"]["eng"] == sex and person["status"] == "ACTIVATED" \
                and not person["middle_name"]["eng"] and "1980" < person["dob"] < "2000":
            yield person


def parent(section: str, person: dict[str, Any], **changes: str) -> dict[str, str]:
    values = {f"{section}.nid": person["uin"], f"{section}.firstname": person["given_name"]["eng"],
              f"{section}.surname": person["family_name"]["eng"], f"{section}.dob": person["dob"].replace("/", "-")}
    return values | {f"{section}.{k}": v for k, v in changes.items()}


def birth(mother: dict[str, Any], child: str, **changes: str) -> dict[str, str]:
    return {"child.firstname": child, "child.surname": mother["family_name"]["eng"], "child.gender": "female",
            "child.dob": "2026-11-01", "father.details_available": "no", "informant.relation": "mother",
            **parent("mother", mother, **changes)}


# ---------------------------------------------------------------------------------------- the screen
def queue_texts(window: Any) -> dict[str, str]:
    """The queue list as shown: "Pending validation  ·  2"."""
    return {window.queues.queue_id(row): window.queues.item(row).text() for row in range(window.queues.count())}


def shows_count(window: Any, queue_id: str, count: int) -> bool:
    """The queue's count, in the window's counts and in the text of its entry on the left."""
    label = queue_texts(window)[queue_id].split("  ·  ")
    shown = int(label[1]) if len(label) == 2 else 0
    return window.counts.get(queue_id, 0) == count and shown == count


def open_from_queue(window: Any, qtbot: Any, queue_id: str, record_id: str) -> Any:
    """Choose the queue on the left, then the record's row, as an officer does with the mouse."""
    ids = [window.queues.queue_id(row) for row in range(window.queues.count())]
    window.queues.setCurrentRow(ids.index(queue_id))
    qtbot.waitUntil(lambda: window.model.row_of(record_id) is not None, timeout=10_000)
    row = window.model.row_of(record_id)
    rect = window.table.visualRect(window.model.index(row, 0))
    QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.view.record_id == record_id and window.view.detail is not None
                    and window.view.detail.record.id == record_id, timeout=10_000)
    return window.view


def shown_status(window: Any) -> str:
    from ui.i18n import status_text

    texts = label_texts(window.view)
    return next(s for s in ("draft", "declared", "verification_failed", "validated", "rejected",
                            "awaiting_external_validation", "registered", "correction_requested")
                if status_text(s) in texts)


def label_texts(widget: Any) -> set[str]:
    return {label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget)}


def shows(window: Any, record_id: str, status: str) -> bool:
    view = window.view
    return view.record_id == record_id and view.detail is not None and view.detail.record.status == status \
        and shown_status(window) == status


def history(window: Any) -> list[tuple[str, str, str]]:
    """(who, what, details) of each row of the record's history on screen."""
    table = window.view.findChild(QTableWidget, "history")
    return [(table.item(r, 1).text(), table.item(r, 2).text(), table.item(r, 3).text())
            for r in range(table.rowCount())]


def answer_dialog(answer: Callable[[Any], None], seen: list[Any]) -> None:
    """When the next modal dialog opens, note it and answer it as the officer would."""
    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        seen.append(dialog)
        answer(dialog)
    QTimer.singleShot(0, run)


# ---------------------------------------------------------------------------------------- agent
def test_an_agent_declares_births_and_a_death_in_a_row(office: Office, open_window: Any, qtbot: Any) -> None:
    mothers = people("Female")
    first_mother, second_mother = next(mothers), next(mothers)
    deceased = next(people("Male"))
    window = open_window(AGENT)
    assert window.queue_id == "drafts"
    assert shows_count(window, "pending_validation", 0)

    # a birth with the keyboard: Ctrl+N, Tab from field to field, Ctrl+Enter to review, again to submit
    declared = []
    for mother, child, gender in ((first_mother, "Chimwemwe", "m"), (second_mother, "Thandiwe", "f")):
        QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        form = window.form
        assert form is not None and form.event_type == "birth" and focused_field(form) == "child.firstname"
        for fid, keys in (("child.firstname", child), ("child.surname", mother["family_name"]["eng"]),
                          ("child.gender", gender), ("child.dob", "2026-11-02"),
                          ("mother.nid", mother["uin"]), ("mother.firstname", mother["given_name"]["eng"]),
                          ("mother.surname", mother["family_name"]["eng"]),
                          ("mother.dob", mother["dob"].replace("/", "-")),
                          ("father.details_available", "n"), ("informant.relation", "m")):
            tab_to(form, fid)
            type_text(QApplication.focusWidget(), keys)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert form.pages.currentIndex() == 1
        assert form.problems.count() == 0, [form.problems.item(i).text() for i in range(form.problems.count())]
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.form is None, timeout=10_000)
        [record] = [r for r in office.records.list_records("pending_validation") if r.id not in declared]
        declared.append(record.id)
        assert record.declaration["child.firstname"] == child
        assert record.declaration["mother.nid"] == mother["uin"]
        assert record.persons["mother"]["verification"] == "pending"
        # the window follows: the new record shown, the banner says so, the queue counts it
        qtbot.waitUntil(lambda rid=record.id: shows(window, rid, "declared"), timeout=10_000)
        assert record.tracking_id in window.banner.text() and "Declared" in window.banner.text()
        qtbot.waitUntil(lambda n=len(declared): shows_count(window, "pending_validation", n), timeout=10_000)

        # between two declarations the agent looks at the first one again
        view = open_from_queue(window, qtbot, "pending_validation", declared[0])
        assert view.findChild(QLabel, "pill-mother").text() == "Pending validation"

    # a death: Ctrl+Shift+N; the deceased's national ID is deactivated when it is registered
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    form = window.form
    assert form is not None and form.event_type == "death"
    for fid, value in {"deceased.nid": deceased["uin"], "deceased.firstname": deceased["given_name"]["eng"],
                       "deceased.surname": deceased["family_name"]["eng"], "deceased.gender": "male",
                       "deceased.dob": deceased["dob"].replace("/", "-"), "deceased.date_of_death": "2026-11-20",
                       "informant.relation": "son", "informant.firstname": "Kondwani",
                       "informant.surname": deceased["family_name"]["eng"]}.items():
        form.editors[fid].set_value(value, quiet=False)
    form.refresh_visibility()
    form.editors["informant.surname"].input.setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.problems.count() == 0, [form.problems.item(i).text() for i in range(form.problems.count())]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.form is None, timeout=10_000)
    [death] = [r for r in office.records.list_records("pending_validation") if r.id not in declared]
    assert death.event == "death" and death.persons["deceased"]["verification"] == "pending"
    qtbot.waitUntil(lambda: shows(window, death.id, "declared"), timeout=10_000)
    qtbot.waitUntil(lambda: shows_count(window, "pending_validation", 3), timeout=10_000)

    # the Outbox holds the three identity checks until the device is online
    qtbot.waitUntil(lambda: shows_count(window, "outbox", 3), timeout=10_000)
    office.sync()
    for record_id in (*declared, death.id):
        record = office.records.get(record_id)
        section = "deceased" if record.event == "death" else "mother"
        assert record.persons[section]["verification"] == "verified", record.persons
        assert record.status == "validated"
    # the agent's report reaches the window: queues and the record shown, without a refresh
    qtbot.waitUntil(lambda: shows_count(window, "pending_validation", 0)
                    and shows_count(window, "ready_to_register", 3) and shows_count(window, "outbox", 0),
                    timeout=10_000)
    qtbot.waitUntil(lambda: shows(window, death.id, "validated"), timeout=10_000)
    assert window.view.findChild(QLabel, "pill-deceased").text() == "ID verified"
    view = open_from_queue(window, qtbot, "ready_to_register", declared[1])
    assert view.findChild(QLabel, "pill-mother").text() == "ID verified"
    rows = history(window)
    steps = [what for _who, what, _details in rows if what in ("Draft created", "Declared", "Identity check result")]
    assert steps == ["Draft created", "Declared", "Identity check result"]
    assert rows[-1][0] == "This device" and "outcome: ID verified" in rows[-1][2]


# ---------------------------------------------------------------------------------------- supervisor
def test_a_supervisor_fixes_and_rechecks_one_record_then_rejects_another(
        office: Office, open_window: Any, qtbot: Any) -> None:
    mothers = people("Female")
    first, second, third = next(mothers), next(mothers), next(mothers)
    misspelt = office.records.declare(AGENT, event="birth", data=birth(first, "Chikondi", firstname="Mirriam"))
    wrong_dob = office.records.declare(AGENT, event="birth", data=birth(second, "Tiwonge", dob="1979-02-03"))
    good = office.records.declare(AGENT, event="birth", data=birth(third, "Kondwani"))
    office.sync()
    assert [office.status(r.id) for r in (misspelt, wrong_dob, good)] == [
        "verification_failed", "verification_failed", "validated"]

    window = open_window(SUPERVISOR)
    assert window.queue_id == "verification_failed"            # a supervisor lands where the work is
    qtbot.waitUntil(lambda: shows_count(window, "verification_failed", 2) and window.model.rowCount() == 2,
                    timeout=10_000)

    # the wrong date of birth first, then the misspelt name: different checks, the same buttons
    view = open_from_queue(window, qtbot, "verification_failed", wrong_dob.id)
    assert view.findChild(QLabel, "pill-mother").text() == "Verification failed — date of birth"
    view = open_from_queue(window, qtbot, "ready_to_register", good.id)
    assert set(view.buttons) == {"reject"}
    view = open_from_queue(window, qtbot, "verification_failed", misspelt.id)
    assert view.findChild(QLabel, "pill-mother").text() == "Verification failed — name"
    assert set(view.buttons) == {"retry", "reject"}

    # review: the mismatched name is highlighted and has the focus; the supervisor retypes it
    view.buttons["retry"].click()
    review = window.review
    assert review is not None and window.stack.currentWidget() is review
    field_input = review.editors["mother.firstname"].input
    assert field_input.property("mismatch") is True and QApplication.focusWidget() is field_input
    field_input.selectAll()
    type_text(field_input, first["given_name"]["eng"])
    QTest.keyClick(field_input, Qt.Key.Key_Tab)
    review.retry_button.click()
    qtbot.waitUntil(lambda: office.status(misspelt.id) == "declared", timeout=10_000)
    record = office.records.get(misspelt.id)
    assert record.declaration["mother.firstname"] == first["given_name"]["eng"]
    assert record.persons["mother"]["verification"] == "pending"
    qtbot.waitUntil(lambda: window.review is None and shows(window, misspelt.id, "declared"), timeout=10_000)
    assert "Pending validation" in window.banner.text()
    qtbot.waitUntil(lambda: shows_count(window, "verification_failed", 1)
                    and shows_count(window, "pending_validation", 1), timeout=10_000)

    # MOSIP checks it again, and this time the name matches
    office.sync()
    assert office.status(misspelt.id) == "validated"
    assert office.records.get(misspelt.id).persons["mother"]["verification"] == "verified"
    qtbot.waitUntil(lambda: shows(window, misspelt.id, "validated"), timeout=10_000)
    assert window.view.findChild(QLabel, "pill-mother").text() == "ID verified"
    qtbot.waitUntil(lambda: shows_count(window, "pending_validation", 0)
                    and shows_count(window, "ready_to_register", 2), timeout=10_000)
    steps = [what for _who, what, _details in history(window)]
    assert steps.count("Identity check result") == 2 and "Review and re-check" in steps
    assert steps.index("Review and re-check") < len(steps) - 1 - steps[::-1].index("Identity check result")

    # the other one: the parents must come back with the mother's papers; rejected with a reason
    view = open_from_queue(window, qtbot, "verification_failed", wrong_dob.id)
    assert set(view.buttons) == {"retry", "reject"}
    seen: list[Any] = []

    def give_reason(dialog: Any) -> None:
        type_text(dialog.text, "The mother's date of birth differs from her ID card; she brings it.")
        QTest.keyClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.Key.Key_Space)

    answer_dialog(give_reason, seen)
    view.buttons["reject"].click()
    qtbot.waitUntil(lambda: office.status(wrong_dob.id) == "rejected", timeout=10_000)
    assert "Requires updates" in seen[0].findChildren(QLabel)[0].text()
    assert office.records.detail(wrong_dob.id).actions[-1].reason.startswith("The mother's date of birth")
    qtbot.waitUntil(lambda: shows(window, wrong_dob.id, "rejected"), timeout=10_000)
    assert window.banner.text() == "Reject: done. The record is now “Rejected”."
    qtbot.waitUntil(lambda: shows_count(window, "verification_failed", 0)
                    and shows_count(window, "requires_updates", 1), timeout=10_000)
    who, what, details = history(window)[-1]
    assert (who, what) == ("sam", "Reject") and "she brings it" in details

    # the rejected declaration waits in "Requires updates" for the agent
    view = open_from_queue(window, qtbot, "requires_updates", wrong_dob.id)
    assert window.model.rowCount() == 1 and shown_status(window) == "rejected"
    assert office.status(good.id) == "validated"                # the record looked at meanwhile is untouched


# ---------------------------------------------------------------------------------------- registrar
def press(dialog: Any, text: str) -> None:
    """Click the dialog's button that reads `text` (its mnemonic & ignored)."""
    from PySide6.QtWidgets import QAbstractButton

    [button] = [b for b in dialog.findChildren(QAbstractButton) if b.text().replace("&", "") == text]
    button.click()


def test_registrars_register_then_correct_with_four_eyes(office: Office, open_window: Any, qtbot: Any) -> None:
    mothers = people("Female")
    first, second = next(mothers), next(mothers)
    deceased = next(people("Male"))
    amani = office.records.declare(AGENT, event="birth", data=birth(first, "Amani"))
    later = office.records.declare(AGENT, event="birth", data=birth(second, "Dalitso"))
    death = office.records.declare(AGENT, event="death", data={       # a VID: deactivated when registered
        "deceased.nid": deceased["vid"], "deceased.firstname": deceased["given_name"]["eng"],
        "deceased.surname": deceased["family_name"]["eng"], "deceased.gender": "male",
        "deceased.dob": deceased["dob"].replace("/", "-"), "deceased.date_of_death": "2026-11-20",
        "informant.relation": "son", "informant.firstname": "Kondwani",
        "informant.surname": deceased["family_name"]["eng"]})
    office.sync()
    assert {office.status(r.id) for r in (amani, later, death)} == {"validated"}

    window = open_window(REGISTRAR)
    assert window.queue_id == "ready_to_register"
    qtbot.waitUntil(lambda: shows_count(window, "ready_to_register", 3) and window.model.rowCount() == 3,
                    timeout=10_000)

    # look at the death and the other birth first, then register Amani: Enter accepts the question
    for record_id in (death.id, later.id, amani.id):
        view = open_from_queue(window, qtbot, "ready_to_register", record_id)
        assert set(view.buttons) == {"register", "reject"}
    seen: list[Any] = []
    answer_dialog(lambda box: QTest.keyClick(box, Qt.Key.Key_Return), seen)
    view.buttons["register"].click()
    qtbot.waitUntil(lambda: office.status(amani.id) == "awaiting_external_validation", timeout=10_000)
    question = seen[0].text()
    assert question.startswith(f"Register {amani.tracking_id}? Registration cannot be undone")
    assert "MOSIP will be asked to issue a national ID number (UIN) for this person." in question
    assert "deactivated" not in question
    qtbot.waitUntil(lambda: shows(window, amani.id, "awaiting_external_validation"), timeout=10_000)
    qtbot.waitUntil(lambda: shows_count(window, "ready_to_register", 2)
                    and shows_count(window, "awaiting_external_validation", 1), timeout=10_000)

    # the death deactivates a national ID: the question says so, and Enter would cancel
    view = open_from_queue(window, qtbot, "ready_to_register", death.id)
    answer_dialog(lambda box: QTest.keyClick(box, Qt.Key.Key_Return), seen)
    view.buttons["register"].click()
    qtbot.waitUntil(lambda: len(seen) == 2 and not seen[1].isVisible(), timeout=10_000)
    assert "The deceased's national ID will be deactivated in MOSIP" in seen[1].text()
    qtbot.waitUntil(lambda: window.view.buttons["register"].isEnabled(), timeout=10_000)
    assert office.status(death.id) == "validated"                      # Enter was Cancel: nothing written
    answer_dialog(lambda box: press(box, "Register"), seen)
    window.view.buttons["register"].click()
    # a death is registered here at once; MOSIP is told afterwards, from the Outbox
    qtbot.waitUntil(lambda: office.status(death.id) == "registered", timeout=10_000)
    assert "deactivated" in seen[2].text()
    qtbot.waitUntil(lambda: shows(window, death.id, "registered") and shows_count(window, "registered", 1)
                    and shows_count(window, "ready_to_register", 1), timeout=10_000)

    # MOSIP: the child's packet becomes a UIN (its VID kept), the deceased's identity deactivated
    assert httpx.get(f"{office.emulator.base_url}/admin/identities/{deceased['uin']}").json()["status"] == "ACTIVATED"
    office.sync(linger=20)
    registered = office.records.get(amani.id)
    assert registered.status == "registered" and office.status(death.id) == "registered"
    vid = registered.mosip["vid"]
    assert registered.declaration["child.nid"] == vid
    assert httpx.get(f"{office.emulator.base_url}/admin/identities/{deceased['uin']}").json()["status"] == "DEACTIVATED"
    qtbot.waitUntil(lambda: shows_count(window, "registered", 2)
                    and shows_count(window, "awaiting_external_validation", 0), timeout=10_000)
    view = open_from_queue(window, qtbot, "registered", amani.id)
    assert registered.registration_number in " ".join(label_texts(view))

    # the mother says the name is spelt Amany: rex asks for the correction
    def request(dialog: Any) -> None:
        editor = dialog.editors["child.firstname"].input
        editor.setFocus()
        editor.selectAll()
        type_text(editor, "Amany")
        dialog.requester.setCurrentIndex(dialog.requester.findData("mother"))
        type_text(dialog.reason, "The mother's spelling, as on the clinic card.")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    answer_dialog(request, seen)
    view.buttons["request-correction"].click()
    qtbot.waitUntil(lambda: office.status(amani.id) == "correction_requested", timeout=10_000)
    assert office.records.get(amani.id).correction["changes"] == {"child.firstname": "Amany"}
    qtbot.waitUntil(lambda: shows(window, amani.id, "correction_requested"), timeout=10_000)
    assert not window.view.buttons["approve-correction"].isEnabled()       # four eyes: not the requester
    assert "another registrar" in window.view.findChild(QLabel, "four-eyes-hint").text()
    qtbot.waitUntil(lambda: shows_count(window, "correction_requested", 1)
                    and shows_count(window, "registered", 1), timeout=10_000)

    # rita, at the other desk, looks at the other birth first, then approves the correction
    other = open_window(OTHER_REGISTRAR)
    view = open_from_queue(other, qtbot, "ready_to_register", later.id)
    assert set(view.buttons) == {"register", "reject"}
    view = open_from_queue(other, qtbot, "correction_requested", amani.id)
    changes = view.findChild(QTableWidget, "changes")
    assert [changes.item(0, c).text() for c in range(3)] == ["First name(s)", "Amani", "Amany"]
    assert view.buttons["approve-correction"].isEnabled()
    previews: list[str] = []

    def approve(dialog: Any) -> None:
        previews.append(dialog.findChild(QLabel, "mosip-preview").text())
        QTest.keyClick(dialog, Qt.Key.Key_Return)                      # Approve is the default

    answer_dialog(approve, seen)
    view.buttons["approve-correction"].click()
    qtbot.waitUntil(lambda: office.status(amani.id) == "registered", timeout=10_000)
    assert previews == ["The person's details will be updated in MOSIP."]
    corrected = office.records.get(amani.id)
    assert corrected.declaration["child.firstname"] == "Amany" and corrected.correction is None
    qtbot.waitUntil(lambda: shows(other, amani.id, "registered"), timeout=10_000)
    rows = {what: (who, details) for who, what, details in history(other)}
    assert rows["Request correction"][0] == "rex" and "clinic card" in rows["Request correction"][1]
    assert rows["Approve correction"][0] == "rita" and "Amani → Amany" in rows["Approve correction"][1]
    # both windows follow: the queue emptied, the requester's view no longer offers approval
    for each in (window, other):
        qtbot.waitUntil(lambda w=each: shows_count(w, "correction_requested", 0)
                        and shows_count(w, "registered", 2), timeout=10_000)
    qtbot.waitUntil(lambda: shows(window, amani.id, "registered")
                    and "approve-correction" not in window.view.buttons, timeout=10_000)

    # the change reaches MOSIP as a biographic update of the child's identity
    office.sync()
    assert "Amany" in httpx.get(f"{office.emulator.base_url}/admin/identities/{vid}").text

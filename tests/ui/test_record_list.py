"""The record list: search by name or tracking ID, paging, keyboard navigation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import AGENT, birth_data


def test_search_paging_and_keyboard(make_window, records, qtbot):
    made = [records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": f"Enfant{n:02d}"}))
            for n in range(52)]
    special = records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": "Chikondi"}))
    window = make_window(AGENT)
    QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)      # Alt+2: the second queue
    qtbot.waitUntil(lambda: window.queue_id == "pending_validation" and window.model.rowCount() == 50,
                    timeout=10_000)
    assert window.next_button.isEnabled() and not window.prev_button.isEnabled()
    assert window.page_label.text() == "1–50"
    QTest.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)
    assert window.page_label.text() == "51–53" and not window.next_button.isEnabled()

    # Ctrl+F, type a name without its accent rules in mind, Enter goes to the results
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.search
    QTest.keyClicks(window.search, "chikondi")
    QTest.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    assert window.offset == 0
    assert QApplication.focusWidget() is window.table
    QTest.keyClick(window.table, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.view.record_id == special.id, timeout=5000)

    # by tracking ID
    window.search.setText(made[7].tracking_id.lower())
    window._search_return()
    qtbot.waitUntil(lambda: [r.id for r in window.model.rows] == [made[7].id], timeout=10_000)

    # nothing found says so
    window.search.setText("nobody-by-that-name")
    window._search_return()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=10_000)
    assert window.empty.text() == "No record matches the search."

    # arrows walk the list and the record view follows
    window.search.clear()
    window._search_return()
    qtbot.waitUntil(lambda: window.model.rowCount() == 50, timeout=10_000)
    window.table.setFocus()
    window.table.selectRow(0)
    first = window.model.rows[0].id
    qtbot.waitUntil(lambda: window.view.record_id == first, timeout=5000)
    QTest.keyClick(window.table, Qt.Key.Key_Down)
    second = window.model.rows[1].id
    qtbot.waitUntil(lambda: window.view.record_id == second, timeout=5000)

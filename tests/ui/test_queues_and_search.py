"""Where each role lands, the Requires updates queue for rejected declarations, and a search that
looks through every queue."""

from __future__ import annotations

from typing import Any

from PySide6.QtTest import QTest

from app.records.workflow import ActionType
from tests.ui.conftest import AGENT, COUNTRY, REGISTRAR, SUPERVISOR, birth_data
from tests.ui.test_review_and_actions import failed_record, open_queue
from ui.queue_list import landing_queue


def current_queue(window: Any) -> str:
    return window.queues.currentItem().data(256)


def test_each_role_lands_on_its_work(make_window: Any, records: Any, device: Any) -> None:
    failed_record(records, device)
    assert current_queue(make_window(AGENT)) == "drafts"
    supervisor = make_window(SUPERVISOR)
    assert current_queue(supervisor) == "verification_failed"
    assert supervisor.model.rowCount() == 1            # the failed record is what is on screen
    assert current_queue(make_window(REGISTRAR)) == "ready_to_register"


def test_landing_queue_follows_the_countrys_own_queues() -> None:
    from app.config.loader import load_country

    tonga = load_country(COUNTRY.parent / "tongatapu").config.workqueues
    ids = [q.id for q in tonga]
    assert ids[landing_queue(tonga, SUPERVISOR.role)] == "to_check"
    assert ids[landing_queue(tonga, REGISTRAR.role)] == "to_register"
    assert "requires_updates" in ids


def test_rejected_declaration_waits_in_requires_updates(make_window: Any, records: Any, device: Any,
                                                        qtbot: Any) -> None:
    record = records.declare(AGENT, event="birth", data=birth_data())
    records.act(SUPERVISOR, record.id, ActionType.REJECT, reason="Mother's name unreadable")
    window = make_window(AGENT, language="fr")
    assert window.counts["requires_updates"] == 1
    labels = [window.queues.item(i).text() for i in range(window.queues.count())]
    assert "Mises à jour requises  ·  1" in labels
    open_queue(window, qtbot, "requires_updates", 1)
    assert window.model.rows[0].id == record.id


def test_search_looks_through_every_queue(make_window: Any, records: Any, qtbot: Any) -> None:
    draft = records.create_draft(AGENT, "birth", birth_data(**{"child.firstname": "Noor"}))
    declared = records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": "Nooria"}))
    window = make_window(AGENT)
    assert current_queue(window) == "drafts"
    assert "all queues" in window.search.placeholderText()
    window.search.setFocus()
    QTest.keyClicks(window.search, "noor")
    qtbot.waitUntil(lambda: {r.id for r in window.model.rows} == {draft.id, declared.id}, timeout=5000)
    window.search.clear()
    qtbot.waitUntil(lambda: [r.id for r in window.model.rows] == [draft.id], timeout=5000)

from tests.ui.conftest import AGENT, birth_data


def test_window_lists_a_declared_record(make_window, records, qtbot):
    record = records.declare(AGENT, event="birth", data=birth_data())
    window = make_window()
    window.queues.setCurrentRow(1)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    window.new_declaration("birth")
    assert window.form is not None

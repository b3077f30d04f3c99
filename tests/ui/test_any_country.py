"""Forms are generated from the configuration: Tongatapu's (other field names, languages, queues)
can be completed and submitted through the same widgets."""

from __future__ import annotations

import datetime as dt

import pytest

from app.config.models import FieldType
from app.device import Device
from app.records import Actor, RecordService, Role
from app.records.validation import check_value
from tests.ui.conftest import NOW, ROOT

TONGATAPU = ROOT / "resources" / "countries" / "tongatapu"
CANDIDATES = {
    FieldType.TEXT: ["Sione", "Tupou"],
    FieldType.ID: ["1234567890", "1234567890123456", "123456789", "12345678"],
    FieldType.DATE: ["2020-01-02", "2026-11-20"],
    FieldType.PHONE: ["+676 7712345"],
    FieldType.EMAIL: ["sione@example.to"],
    FieldType.NUMBER: ["1"],
}


@pytest.fixture
def tonga_window(tmp_path, qtbot):
    from ui import i18n
    from ui.app import application, build_context
    from ui.main_window import MainWindow
    from ui.operations import wait_idle

    application()
    device = Device.initialise(tmp_path / "tonga", TONGATAPU)
    records = RecordService(device.db, device.country, clock=lambda: NOW)
    i18n.install("en")
    ctx = build_context(device, records=records)
    ctx.actor = Actor("ana", Role.AGENT)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.counts), timeout=10_000)
    yield window, records
    if window.form is not None:
        window.form.debounce.stop()
    wait_idle()
    device.close()


def fill_until_clean(form, attempt: int) -> None:
    for error in form.field_errors(complete=True):
        editor = form.editors[error.field]
        field = editor.form_field
        if field.type is FieldType.SELECT:
            options = field.option_values
            editor.set_value(options[attempt % len(options)], quiet=False)
            continue
        for value in CANDIDATES[field.type][attempt % len(CANDIDATES[field.type]):]:
            if check_value(field, value) is None:
                editor.set_value(value, quiet=False)
                break
    form.refresh_visibility()


@pytest.mark.parametrize("event", ["birth", "death"])
def test_a_tongatapu_declaration_is_completed_and_submitted(tonga_window, event, qtbot):
    window, records = tonga_window
    assert [window.queues.item(i).text().split("  ·")[0] for i in range(3)] == ["Drafts", "To check",
                                                                                  "To register"]
    window.new_declaration(event)
    form = window.form
    assert set(form.editors) == set(window.ctx.form(event).field_ids)
    for attempt in range(6):
        if not form.field_errors(complete=True):
            break
        fill_until_clean(form, attempt)
    form.review()
    assert form.problems.count() == 0, [form.problems.item(i).text() for i in range(form.problems.count())]
    form.submit()
    qtbot.waitUntil(lambda: window.form is None, timeout=10_000)
    [record] = [r for r in records.list_records() if r.event == event]
    assert record.status == "declared"
    assert record.created_at.date() == dt.date(2026, 11, 30)

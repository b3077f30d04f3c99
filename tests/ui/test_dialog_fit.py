"""Dialogs show every button and heading whole, in both languages, within a 1366×768 laptop."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from tests.ui.conftest import AGENT, QR_FIXTURES


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_qr_dialog_grows_to_show_what_it_read(make_ctx, qtbot, language):
    """It opens small while scanning; the details and buttons shown once a code is read need more
    room (the French "Utiliser ces informations" was cut to "er ces informa")."""
    from ui.app import application
    from ui.qr_dialog import QrScanDialog

    application()
    dialog = QrScanDialog(make_ctx(AGENT, language=language), "birth", "mother",
                          source=QR_FIXTURES / "opencrvs.png", realtime=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.use_button.isVisible(), timeout=10_000)
    for button in (dialog.cancel_button, dialog.again_button, dialog.use_button):
        assert button.width() >= button.sizeHint().width(), button.text()
    heading = next(label for label in dialog.result_box.findChildren(QLabel) if "<b>" in label.text())
    assert heading.width() >= heading.sizeHint().width(), heading.text()
    assert dialog.width() <= 1366 and dialog.height() <= 768


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_long_correction_reason_wraps_in_the_approval(make_ctx, records, device, qtbot, language):
    from tests.ui.test_four_eyes_and_confirmations import registered_birth
    from ui.app import application
    from ui.dialogs import ApproveCorrectionDialog

    application()
    record = registered_birth(records, device)
    reason = "The mother brought the clinic card, the hospital letter and her own ID card; " * 4
    record = records.act(AGENT, record.id, "request-correction", data={"child.firstname": "Amelia"},
                         reason=reason.strip())
    dialog = ApproveCorrectionDialog(make_ctx(AGENT, language=language), record,
                                     mosip_lines=["The person's details will be updated in MOSIP."])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= 1366 and dialog.height() <= 768
    assert dialog.approve_button.geometry().right() <= dialog.width()


def test_a_long_correction_reason_wraps_in_the_record_view(make_window, records, device, qtbot):
    """The record pane never scrolls sideways, even for a long reason (issue 15, point 10)."""
    from tests.ui.conftest import REGISTRAR
    from tests.ui.test_four_eyes_and_confirmations import registered_birth

    record = registered_birth(records, device)
    reason = "The mother brought the clinic card, the hospital letter and her own ID card; " * 4
    records.act(AGENT, record.id, "request-correction", data={"child.firstname": "Amelia"}, reason=reason.strip())
    window = make_window(REGISTRAR)
    window.resize(1366, 768)
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id and window.view.detail is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.view.scroll.widget() is not None, timeout=5000)
    assert window.view.scroll.horizontalScrollBar().maximum() == 0

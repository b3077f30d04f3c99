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

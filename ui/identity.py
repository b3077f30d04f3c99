"""Identity capture for one person section: scan an ID QR code, authenticate with e-Signet, or
type by hand (checked against MOSIP once online — which does not authenticate the person)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.config.models import Section
from app.identity.esignet_api import ESignetOutcome, ESignetState
from app.records.provenance import DataSource
from app.vocabulary import VerificationState
from ui.context import AppContext
from ui.errors import code_text
from ui.operations import run_read
from ui.qt_compat import emit
from ui.widgets import Pill

if TYPE_CHECKING:
    from ui.esignet_dialog import ESignetLoginDialog
    from ui.form import DeclarationForm

log = logging.getLogger(__name__)
AVAILABILITY_POLL_MS = 15_000


def sentence(text: str) -> str:
    """``text`` as one sentence: a capital first, a full stop last (never two)."""
    text = text.strip()
    if text and text[-1] not in ".!?…":
        text += "."
    return text[:1].upper() + text[1:]


class ESignetButton(QWidget):
    """"Authenticate with e-Signet" in its four states: ready/loading, authenticated, offline
    (disabled, with the reason), failed (what is typed is kept; try again)."""

    outcome = Signal(object)   # ESignetOutcome, after a login attempt

    def __init__(self, ctx: AppContext, section: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.section = section
        self.state = ESignetState.IDLE
        self.reason: str | None = None
        self.dialog: ESignetLoginDialog | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(self.tr("Authenticate with e-Signet"), self)
        self.button.setObjectName(f"esignet-{section}")
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        self.note = QLabel(self)
        self.note.setProperty("role", "hint")
        self.note.setWordWrap(True)
        layout.addWidget(self.button)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.note, 1)
        self.poll = QTimer(self)
        self.poll.setInterval(AVAILABILITY_POLL_MS)
        self.poll.timeout.connect(self.check_availability)
        if ctx.esignet is None:
            self.set_state(ESignetState.OFFLINE, self.tr("e-Signet is not set up on this device"))
        else:
            self.set_state(ESignetState.IDLE)
            self.check_availability()
            self.poll.start()

    def check_availability(self) -> None:
        if self.ctx.esignet is None or self.state in (ESignetState.LOADING, ESignetState.AUTHENTICATED):
            return
        esignet = self.ctx.esignet
        run_read(self, esignet.availability, self._availability, lambda _exc: self._availability((False, None)))

    def _availability(self, answer: tuple[bool, str | None]) -> None:
        if self.state in (ESignetState.LOADING, ESignetState.AUTHENTICATED):
            return
        ok, why = answer
        if ok:
            if self.state is ESignetState.OFFLINE:
                self.set_state(ESignetState.IDLE)
        else:   # the core's reason ("discovery: ReadError") is for the log, not for people
            log.info("e-Signet unavailable: %s", why)
            self.set_state(ESignetState.OFFLINE, self.tr("e-Signet cannot be reached"))

    def network_changed(self, online: bool) -> None:
        """The sync agent's connectivity probe: offline disables at once; online asks e-Signet again."""
        if self.ctx.esignet is None or self.state in (ESignetState.LOADING, ESignetState.AUTHENTICATED):
            return
        if not online:
            self.set_state(ESignetState.OFFLINE, self.tr("the device is offline"))
        else:
            self.check_availability()

    def set_state(self, state: ESignetState, message: str | None = None) -> None:
        self.state = state
        self.reason = message
        self.cancel_button.setVisible(state is ESignetState.LOADING)
        if state is ESignetState.LOADING:
            self.button.setEnabled(False)
            self.button.setText(self.tr("Waiting for e-Signet…"))
            self.note.setText(self.tr("Login in progress in the e-Signet window."))
        elif state is ESignetState.AUTHENTICATED:
            self.button.setEnabled(False)
            self.button.setText(self.tr("Authenticated with e-Signet"))
            self.note.setText(self.tr("Identity confirmed by e-Signet; details filled from the ID record."))
        elif state is ESignetState.OFFLINE:
            self.button.setEnabled(False)
            self.button.setText(self.tr("Authenticate with e-Signet"))
            self.note.setText(self.tr("Unavailable: %1").replace("%1", message or self.tr("the device is offline")))
        elif state is ESignetState.FAILED:
            self.button.setEnabled(True)
            self.button.setText(self.tr("Try e-Signet again"))
            self.note.setText(self.tr("%1 Everything typed is kept.").replace("%1", sentence(
                message or self.tr("The e-Signet login did not complete."))))
        else:
            self.button.setEnabled(True)
            self.button.setText(self.tr("Authenticate with e-Signet"))
            self.note.setText(self.tr("Preferred: confirms the person's identity now."))
        self.button.setToolTip(self.note.text())

    def start(self, record_id: str) -> None:
        from ui.esignet_dialog import ESignetLoginDialog

        esignet = self.ctx.esignet
        if esignet is None:
            return
        self.set_state(ESignetState.LOADING)
        self.dialog = ESignetLoginDialog(esignet, record_id, self.section, parent=self.window())
        self.dialog.login_finished.connect(self._finished)
        self.dialog.open()
        self.dialog.start()

    def cancel(self) -> None:
        if self.dialog is not None:
            self.dialog.cancel()

    def _finished(self, outcome: ESignetOutcome) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        if outcome.state is ESignetState.AUTHENTICATED:
            self.set_state(ESignetState.AUTHENTICATED)
        elif outcome.state is ESignetState.OFFLINE:
            self.set_state(ESignetState.OFFLINE, code_text(outcome.code, outcome.params, outcome.message or ""))
        else:
            self.set_state(ESignetState.FAILED, code_text(outcome.code, outcome.params, outcome.message or ""))
        emit(self.outcome, outcome)


class IdentityBar(QWidget):
    """Shown at the top of each person section of a declaration form."""

    # field values, section id, person state (or None), the data's source for the form to save
    # with them ("" when the core already recorded it, as an e-Signet login does)
    prefill = Signal(dict, str, object, str)

    def __init__(self, ctx: AppContext, form: DeclarationForm, section: Section,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.form = form
        self.section = section
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        row = QHBoxLayout()
        self.scan_button = QPushButton(self.tr("Scan ID QR…"), self)
        self.scan_button.setObjectName(f"scan-{section.id}")
        self.scan_button.clicked.connect(self.scan)
        row.addWidget(self.scan_button)
        self.esignet = ESignetButton(ctx, section.id, self)
        self.esignet.button.clicked.connect(self.authenticate)
        self.esignet.outcome.connect(self._esignet_outcome)
        row.addWidget(self.esignet, 1)
        self.pill = Pill("", "none", self)
        row.addWidget(self.pill, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(row)
        self.source = QLabel(self)
        self.source.setProperty("role", "hint")
        self.source.setWordWrap(True)
        layout.addWidget(self.source)
        self.dialog: Any = None
        self.set_person({})

    def set_person(self, person: dict[str, Any]) -> None:
        state = person.get("verification", VerificationState.NONE)
        if state == VerificationState.AUTHENTICATED:
            self.esignet.set_state(ESignetState.AUTHENTICATED)
            self.pill.set(self.tr("Authenticated"), "authenticated")
            self.source.setText(self.tr("Authenticated with e-Signet: the person proved who they are."))
        else:
            self.pill.set(self.tr("Not yet checked"), "none")
            self.source.setText(self.tr("Typed by hand or scanned: checked against MOSIP when the device is "
                                        "online. This offline verification does not authenticate the person."))

    def scan(self) -> None:
        from ui.qr_dialog import QrScanDialog

        dialog = QrScanDialog(self.ctx, self.form.event_type, self.section.id, parent=self.window())
        dialog.setModal(True)
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result == QDialog.DialogCode.Accepted and dialog.fields:
                self.apply_scan(dialog.fields, dialog.signed, dialog.issuer)
            dialog.deleteLater()
            self.scan_button.setFocus()

        dialog.finished.connect(finished)
        dialog.open()

    def apply_scan(self, fields: dict[str, str], signed: bool, issuer: str | None) -> None:
        if signed:
            self.pill.set(self.tr("QR signature valid"), "verified")
            self.source.setText(self.tr("Filled from an ID QR code signed by a trusted issuer. It will be "
                                        "checked against MOSIP when online; this does not authenticate the "
                                        "person."))
            self.source.setToolTip(self.tr("Issuer key: %1").replace("%1", issuer or "?"))
        else:
            self.pill.set(self.tr("QR unverified"), "warning")
            self.source.setText(self.tr("Filled from an unsigned QR code: unverified data. It will be checked "
                                        "against MOSIP when online; this does not authenticate the person."))
        source = DataSource.QR_SIGNED if signed else DataSource.QR_UNSIGNED
        emit(self.prefill, fields, self.section.id, None, source.value)

    def authenticate(self) -> None:
        self.form.ensure_record(self.esignet.start)

    def _esignet_outcome(self, outcome: ESignetOutcome) -> None:
        if outcome.state is ESignetState.AUTHENTICATED:
            self.pill.set(self.tr("Authenticated"), "authenticated")
            self.source.setText(self.tr("Authenticated with e-Signet: the person proved who they are."))
            person = {"verification": VerificationState.AUTHENTICATED.value, "psut": outcome.psut}
            emit(self.prefill, dict(outcome.fields), self.section.id, person, "")

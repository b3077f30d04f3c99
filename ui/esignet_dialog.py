"""The e-Signet login window: runs one login (app.identity's `ESignetLogin`) on a worker thread and
shows the person where it stands, with or without a browser on this computer.

The authorization link is always shown, as text to copy and as a QR code, because the system
browser may not open (no browser, no handler: "No browser found on this computer"). A link opened
on another device (a phone) completes the login there, but e-Signet then sends that device's
browser to this computer's loopback address (RFC 8252 §7.3), which the phone cannot reach: the
phone stops on an address that does not open, and pasting that address here hands the answer to
the waiting login exactly as a local browser would. A countdown shows the time left; Cancel stops
the login at any moment (waiting, or while the answer is checked) and nothing is written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import segno
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.identity.esignet_api import ESignetLogin, ESignetOutcome, ESignetState, ESignetStep
from app.identity.esignet_loopback import answer_address, deliver_answer, redirect_uri_of
from ui.operations import run_read
from ui.qt_compat import emit

log = logging.getLogger(__name__)

QR_SCALE = 3                  # pixels per module: a version-20 code (≈ 850 characters) is 315 px
QR_BORDER = 4                 # the quiet zone the QR specification asks for


def system_browser(url: str) -> bool:
    """Open ``url`` in the system browser; False when the platform has none (or no handler)."""
    return bool(QDesktopServices.openUrl(QUrl(url)))


def qr_image(text: str, scale: int = QR_SCALE, border: int = QR_BORDER) -> QImage:
    """``text`` as a black-on-white QR code (lowest error correction that fits: a screen is clean)."""
    code = segno.make(text, error="l", micro=False, boost_error=True)
    modules = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    modules = np.pad(modules, border)
    pixels = np.where(modules > 0, 0, 255).astype(np.uint8)
    pixels = np.ascontiguousarray(np.kron(pixels, np.ones((scale, scale), dtype=np.uint8)))
    h, w = pixels.shape
    return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_Grayscale8).copy()


class _Progress(QObject):
    """Carries the login thread's reports to the UI thread."""

    link = Signal(str)
    step = Signal(str, float)


class ESignetLoginDialog(QDialog):
    """One e-Signet login for ``section`` of ``record_id``. ``login_finished`` carries the
    `ESignetOutcome`; the window closes itself then. ``open_browser`` returns whether a browser
    opened (the system browser by default)."""

    login_finished = Signal(object)

    def __init__(self, login: ESignetLogin, record_id: str, section: str, *,
                 open_browser: Callable[[str], bool] = system_browser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.login = login
        self.record_id = record_id
        self.section = section
        self.open_browser = open_browser
        self.cancel_event = threading.Event()
        self.url: str | None = None
        self.browser_opened: bool | None = None
        self.step: ESignetStep | None = None
        self.outcome: ESignetOutcome | None = None
        self._deadline: float | None = None
        self._total = 0.0
        self.setWindowTitle(self.tr("e-Signet login"))
        self.setObjectName("esignet-dialog")

        layout = QVBoxLayout(self)
        self.headline = QLabel(self)
        self.headline.setObjectName("esignet-headline")
        self.headline.setProperty("role", "section")
        self.headline.setWordWrap(True)
        self.explanation = QLabel(self)
        self.explanation.setWordWrap(True)
        layout.addWidget(self.headline)
        layout.addWidget(self.explanation)

        self.link_box = QFrame(self)
        self.link_box.setProperty("role", "card")
        row = QHBoxLayout(self.link_box)
        self.qr = QLabel(self.link_box)
        self.qr.setObjectName("esignet-qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setAccessibleName(self.tr("QR code of the login link"))
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        link_label = QLabel(self.tr("Login link:"), self.link_box)
        self.link = QLineEdit(self.link_box)
        self.link.setObjectName("esignet-link")
        self.link.setReadOnly(True)
        link_label.setBuddy(self.link)
        self.copy_button = QPushButton(self.tr("Copy link"), self.link_box)
        self.copy_button.clicked.connect(self.copy_link)
        self.copied = QLabel(self.link_box)
        self.copied.setProperty("role", "hint")
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_button)
        copy_row.addWidget(self.copied, 1)
        side.addWidget(link_label)
        side.addWidget(self.link)
        side.addLayout(copy_row)
        side.addSpacing(12)
        self.paste_hint = QLabel(self.tr(
            "Finished on a phone? Its browser then stops on a page that does not open. Copy that page's "
            "address and paste it here:"), self.link_box)
        self.paste_hint.setWordWrap(True)
        self.answer = QLineEdit(self.link_box)
        self.answer.setObjectName("esignet-answer")
        self.answer.setPlaceholderText("http://127.0.0.1:…/callback?…")
        self.paste_hint.setBuddy(self.answer)
        self.use_button = QPushButton(self.tr("Use this address"), self.link_box)
        self.use_button.clicked.connect(self.use_answer)
        self.answer.returnPressed.connect(self.use_answer)
        self.answer_note = QLabel(self.link_box)
        self.answer_note.setProperty("role", "hint")
        self.answer_note.setWordWrap(True)
        answer_row = QHBoxLayout()
        answer_row.addWidget(self.answer, 1)
        answer_row.addWidget(self.use_button)
        side.addWidget(self.paste_hint)
        side.addLayout(answer_row)
        side.addWidget(self.answer_note)
        side.addStretch(1)
        row.addLayout(side, 1)
        layout.addWidget(self.link_box, 1)
        self.link_box.hide()

        self.countdown = QProgressBar(self)
        self.countdown.setObjectName("esignet-countdown")
        self.countdown.setTextVisible(False)
        self.countdown.setRange(0, 0)           # busy until the login says how long it waits
        self.time_left = QLabel(self)
        self.time_left.setProperty("role", "hint")
        bottom = QHBoxLayout()
        bottom.addWidget(self.countdown, 1)
        bottom.addWidget(self.time_left)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("esignet-cancel")
        self.cancel_button.clicked.connect(self.cancel)
        bottom.addWidget(self.cancel_button)
        layout.addLayout(bottom)

        for button in (self.copy_button, self.use_button, self.cancel_button):
            button.setAutoDefault(False)   # Enter in the address field uses the address, nothing else
        self.ticker = QTimer(self)
        self.ticker.setInterval(250)
        self.ticker.timeout.connect(self._tick)
        self._progress = _Progress(self)
        self._progress.link.connect(self._show_link)
        self._progress.step.connect(self._show_step)
        self._show_status(self.tr("Connecting to e-Signet…"), "")
        self.setMinimumWidth(720)
        # a window closed under the login (sign-out, lock) stops it: nothing is written afterwards
        self.destroyed.connect(lambda *_args, event=self.cancel_event: event.set())

    # ------------------------------------------------------------------ the login
    def start(self) -> None:
        login, record_id, section, cancel = self.login, self.record_id, self.section, self.cancel_event
        bridge = self._progress

        def report(signal: Any, *args: Any) -> None:
            try:
                emit(signal, *args)
            except RuntimeError:       # the window is gone: nobody is waiting for this login any more
                cancel.set()

        def work() -> ESignetOutcome:
            return login.login(record_id, section, cancel=cancel,
                               open_url=lambda url: report(bridge.link, url),
                               progress=lambda step, left: report(bridge.step, step.value, left))

        run_read(self, work, self._finished,
                 lambda exc: self._finished(ESignetOutcome(ESignetState.FAILED, message=type(exc).__name__)))

    def cancel(self) -> None:
        """Stop the login wherever it is; the window closes once it has stopped (at once)."""
        if self.outcome is not None or self.cancel_event.is_set():
            return
        self.cancel_event.set()
        self.cancel_button.setEnabled(False)
        self.use_button.setEnabled(False)
        self._show_status(self.tr("Stopping the login…"), self.tr("Nothing is written."))

    def reject(self) -> None:          # Escape and the window's close button cancel the login
        if self.outcome is not None:
            super().reject()
        else:
            self.cancel()

    def _finished(self, outcome: ESignetOutcome) -> None:
        self.outcome = outcome
        self.ticker.stop()
        emit(self.login_finished, outcome)
        self.done(QDialog.DialogCode.Accepted if outcome.state is ESignetState.AUTHENTICATED
                  else QDialog.DialogCode.Rejected)

    # ------------------------------------------------------------------ what the login reports
    def _show_link(self, url: str) -> None:
        if self.cancel_event.is_set() or self.outcome is not None:
            return
        self.url = url
        self.link.setText(url)
        self.link.setCursorPosition(0)
        self.qr.setPixmap(QPixmap.fromImage(qr_image(url)))
        self.link_box.show()
        try:
            self.browser_opened = bool(self.open_browser(url))
        except Exception as exc:  # a platform launcher can fail in many ways: same as none
            log.info("the system browser could not be opened (%s)", type(exc).__name__)
            self.browser_opened = False
        if self.browser_opened:
            self._show_status(self.tr("Complete the login in your browser"),
                              self.tr("The e-Signet page is open in your web browser. This window closes by "
                                      "itself once the login is done."))
        else:
            log.info("no system browser: the login link is shown instead")
            self._show_status(self.tr("No browser found on this computer"),
                              self.tr("Open the link below in a web browser on this computer (Copy link), or "
                                      "scan the code with a phone to complete the login there."))
        self.adjustSize()

    def _show_step(self, step: str, seconds_left: float) -> None:
        if self.cancel_event.is_set() or self.outcome is not None:
            return
        self.step = ESignetStep(step)
        self._deadline = time.monotonic() + seconds_left
        if self.step is ESignetStep.WAITING:
            self._total = seconds_left
            self.countdown.setRange(0, max(1, round(seconds_left)))
        else:
            self.link_box.hide()
            self._show_status(self.tr("Checking e-Signet's answer…"),
                              self.tr("The person completed the login; their data is being checked."))
            self.adjustSize()
        self._tick()
        self.ticker.start()

    def _tick(self) -> None:
        if self._deadline is None:
            return
        left = max(0, round(self._deadline - time.monotonic()))
        if self.countdown.maximum() > 0:
            self.countdown.setValue(min(left, self.countdown.maximum()))
        self.time_left.setText(self.tr("Time left: %1").replace("%1", f"{left // 60}:{left % 60:02d}"))

    def _show_status(self, headline: str, explanation: str) -> None:
        self.headline.setText(headline)
        self.explanation.setText(explanation)
        self.explanation.setVisible(bool(explanation))

    # ------------------------------------------------------------------ the person's actions
    def copy_link(self) -> None:
        if self.url:
            QGuiApplication.clipboard().setText(self.url)
            self.copied.setText(self.tr("Copied."))

    def use_answer(self) -> None:
        """Hand a pasted redirect address to this login's loopback listener."""
        if self.cancel_event.is_set() or self.outcome is not None:
            return
        address = answer_address(self.answer.text(), redirect_uri_of(self.url or ""))
        if address is None:
            self.answer_note.setText(self.tr("This is not the address e-Signet sent back for this login. It "
                                             "starts with %1").replace("%1", redirect_uri_of(self.url or "") or "?"))
            return
        self.use_button.setEnabled(False)
        self.answer_note.setText(self.tr("Passing the answer on…"))

        def delivered(status: int) -> None:
            self.use_button.setEnabled(True)
            if status != 200:
                self.answer_note.setText(self.tr("e-Signet did not complete the login on that device."))

        def failed(_exc: BaseException) -> None:
            self.use_button.setEnabled(True)
            self.answer_note.setText(self.tr("This login is no longer waiting for an answer."))

        run_read(self, lambda: deliver_answer(address), delivered, failed)

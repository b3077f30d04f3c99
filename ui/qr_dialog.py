""""Scan ID QR": live preview with a guide frame, tips, and the decoded identity shown for
confirmation before it fills the person's section. Capture and decoding run on the scan
pipeline's own threads (app.identity.capture); frames and results reach the UI by signals."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.identity.capture import FrameSourceError, ImageSource, ScanHit, ScanPipeline, open_source
from app.identity.mapping import identity_to_fields, qr_policy
from app.identity.qr import QrRejected
from ui.context import AppContext
from ui.errors import error_text
from ui.i18n import pick
from ui.qt_compat import emit
from ui.widgets import Pill

log = logging.getLogger(__name__)


def frame_to_image(frame: np.ndarray) -> QImage:
    """A BGR or grayscale uint8 frame → a QImage that owns its pixels (safe across threads)."""
    frame = np.ascontiguousarray(frame)
    if frame.ndim == 2:
        h, w = frame.shape
        return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_Grayscale8).copy()
    h, w, _ = frame.shape
    return QImage(frame.data, w, h, frame.strides[0], QImage.Format.Format_BGR888).copy()


class Preview(QWidget):
    """The camera picture, scaled to fit, with a square guide frame and a hint when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.frames = 0
        self.found = False
        self.setMinimumSize(360, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.tr("Camera preview"))

    def show_image(self, image: QImage) -> None:
        self.image = image
        self.frames += 1
        self.update()

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#263238"))
        target = QRectF(self.rect())
        if self.image is not None and not self.image.isNull():
            size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF((self.width() - size.width()) / 2, (self.height() - size.height()) / 2,
                            size.width(), size.height())
            painter.drawImage(target, self.image)
        else:
            painter.setPen(QColor("#cfd8dc"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Starting the camera…"))
        side = min(target.width(), target.height()) * 0.7
        guide = QRectF(target.center().x() - side / 2, target.center().y() - side / 2, side, side)
        colour = QColor("#66bb6a") if self.found else QColor("#ffffff")
        pen = QPen(colour, 4)
        painter.setPen(pen)
        corner = side * 0.15
        for x, y, dx, dy in ((guide.left(), guide.top(), 1, 1), (guide.right(), guide.top(), -1, 1),
                             (guide.left(), guide.bottom(), 1, -1), (guide.right(), guide.bottom(), -1, -1)):
            painter.drawLine(int(x), int(y), int(x + dx * corner), int(y))
            painter.drawLine(int(x), int(y), int(x), int(y + dy * corner))
        painter.end()


class _ScanBridge(QObject):
    frame = Signal(QImage)
    result = Signal(object)
    error = Signal(object)
    ended = Signal(str)


class QrScanDialog(QDialog):
    def __init__(self, ctx: AppContext, event: str, section: str, *, source: str | int | Path | None = None,
                 realtime: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.event_type = event
        self.section = section
        self.source_spec = ctx.camera if source is None else source
        self.realtime = realtime
        self.fields: dict[str, str] = {}
        self.signed = False
        self.issuer: str | None = None
        self.hit: ScanHit | None = None
        self.rejections: list[str] = []
        self.pipeline: ScanPipeline | None = None
        self._closed = threading.Event()
        self._frame_waiting = threading.Event()   # at most one preview frame queued at a time
        self._latest: list[np.ndarray | None] = [None]
        section_cfg = ctx.form(event).section(section)
        name = pick(section_cfg.label, section) if section_cfg else section
        self.setWindowTitle(self.tr("Scan ID QR — %1").replace("%1", name))
        self.setMinimumSize(720, 460)

        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.preview = Preview(self)
        left.addWidget(self.preview, 1)
        self.status = QLabel(self.tr("Looking for a QR code…"), self)
        self.status.setWordWrap(True)
        self.status.setObjectName("scan-status")
        left.addWidget(self.status)
        layout.addLayout(left, 3)

        right = QVBoxLayout()
        tips = QLabel(self.tr("<b>Tips</b><ul><li>Hold the ID card flat, 15–25 cm from the camera.</li>"
                              "<li>Fit the QR code inside the frame.</li>"
                              "<li>Avoid glare: tilt the card slightly under bright light.</li>"
                              "<li>Hold still for a moment; the code is read twice to be sure.</li></ul>"), self)
        tips.setWordWrap(True)
        tips.setTextFormat(Qt.TextFormat.RichText)
        right.addWidget(tips)
        self.result_box = QFrame(self)
        self.result_box.setProperty("role", "card")
        box = QVBoxLayout(self.result_box)
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>" + self.tr("Details read from the code") + "</b>", self.result_box))
        self.badge = Pill("", "none", self.result_box)
        header.addWidget(self.badge)
        header.addStretch(1)
        box.addLayout(header)
        self.result_form = QFormLayout()
        box.addLayout(self.result_form)
        self.result_note = QLabel(self.result_box)
        self.result_note.setWordWrap(True)
        self.result_note.setProperty("role", "hint")
        box.addWidget(self.result_note)
        self.result_box.hide()
        right.addWidget(self.result_box)
        right.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.reject)
        self.again_button = QPushButton(self.tr("Scan again"), self)
        self.again_button.clicked.connect(self.restart)
        self.again_button.hide()
        self.use_button = QPushButton(self.tr("Use these details"), self)
        self.use_button.setProperty("primary", True)
        self.use_button.clicked.connect(self.accept)
        self.use_button.hide()
        for b in (self.cancel_button, self.again_button, self.use_button):
            buttons.addWidget(b)
        right.addLayout(buttons)
        layout.addLayout(right, 2)

        self.bridge = _ScanBridge()
        self.bridge.frame.connect(self._on_frame)
        self.bridge.result.connect(self._on_result)
        self.bridge.error.connect(self._on_error)
        self.bridge.ended.connect(self._on_ended)
        try:
            self.policy = qr_policy(ctx.country)
        except (OSError, ValueError) as exc:
            self.policy = None
            self.status.setText(self.tr("The country's QR settings cannot be used: %1").replace("%1", str(exc)))
            return
        self.start()

    # ------------------------------------------------------------------ pipeline
    def start(self) -> None:
        self.fields, self.hit, self.rejections = {}, None, []
        self.preview.found = False
        self.result_box.hide()
        self.use_button.hide()
        self.again_button.hide()
        self.status.setText(self.tr("Looking for a QR code…"))
        try:
            source = open_source(self.source_spec, realtime=self.realtime)
        except (OSError, ValueError) as exc:
            self._show_problem(self.tr("The camera cannot be opened: %1").replace("%1", str(exc)))
            return
        closed, waiting, bridge = self._closed, self._frame_waiting, self.bridge

        latest = self._latest

        def on_frame(frame: np.ndarray) -> None:
            latest[0] = frame      # the newest picture, shown frozen when a code is accepted
            if closed.is_set() or waiting.is_set():
                return          # the UI has not shown the previous frame yet: skip this one
            waiting.set()
            emit(bridge.frame, frame_to_image(frame))

        def guard(signal: Any) -> Any:
            return lambda value: None if closed.is_set() else emit(signal, value)

        reads = self.ctx.country.config.identity.qr.consecutive_reads
        if isinstance(source, ImageSource):
            reads = 1     # a still picture: one read is all there is
        self.pipeline = ScanPipeline(
            source, consecutive_reads=reads,
            policy=self.policy, on_frame=on_frame, on_result=guard(bridge.result),
            on_error=guard(bridge.error), on_end=guard(bridge.ended))
        self.pipeline.start()

    def stop(self) -> None:
        if self.pipeline is not None:
            self.pipeline.stop()

    def restart(self) -> None:
        self.stop()
        if self.pipeline is not None:
            self.pipeline.join(2)
        self.start()

    def _on_frame(self, image: QImage) -> None:
        self._frame_waiting.clear()
        self.preview.show_image(image)

    def _on_result(self, hit: ScanHit) -> None:
        self.hit = hit
        result = hit.result
        if result is None:
            return
        self.preview.found = True
        if self._latest[0] is not None:
            self.preview.show_image(frame_to_image(self._latest[0]))
        self.preview.update()
        self.signed = result.signature == "valid"
        self.issuer = result.issuer_kid
        self.fields = identity_to_fields(self.ctx.country, self.event_type, self.section, result.identity)
        while self.result_form.rowCount():
            self.result_form.removeRow(0)
        form = self.ctx.form(self.event_type)
        for fid, value in self.fields.items():
            form_field = form.field(fid)
            label = self.ctx.field_label(form_field) if form_field else fid
            value_label = QLabel(self.ctx.display_value(self.event_type, fid, value), self.result_box)
            value_label.setObjectName(f"read-{fid}")
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.result_form.addRow(label, value_label)
        if self.signed:
            self.badge.set(self.tr("Signature verified"), "verified")
            self.result_note.setText(self.tr("Signed by a trusted issuer. Offline verification does not "
                                             "authenticate the person."))
            self.result_note.setToolTip(self.tr("Issuer key: %1").replace("%1", self.issuer or "?"))
        else:
            self.badge.set(self.tr("Unverified"), "warning")
            self.result_note.setToolTip("")
            self.result_note.setText(self.tr("This code is not signed: the details are unverified. Check them "
                                             "against the card; they will be checked with MOSIP when online."))
        if not self.fields:
            self.result_note.setText(self.tr("The code holds no details this section can use."))
        self.result_box.show()
        self.status.setText(self.tr("QR code read. Check the details, then use them."))
        self.use_button.show()
        self.use_button.setEnabled(bool(self.fields))
        self.use_button.setDefault(True)
        self.use_button.setFocus()
        self.again_button.show()
        # the buttons and details shown now need more room than the dialog opened with (in French
        # the main button was cut): grow to the layout's minimum
        self.layout().activate()
        self.resize(self.size().expandedTo(self.layout().minimumSize()))

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, QrRejected):
            self.rejections.append(error_text(exc))
            self.status.setText(self.tr("Code refused: %1 Scanning continues.").replace("%1", error_text(exc)))
        elif isinstance(exc, FrameSourceError):
            if self.preview.frames == 0:
                self._show_problem(self.tr("The camera cannot be opened: %1").replace("%1", str(exc)))
            else:
                self._show_problem(self.tr("The camera stopped: %1").replace("%1", str(exc)))
        else:
            log.warning("scan failed: %s", type(exc).__name__)
            self._show_problem(self.tr("Scanning failed: %1").replace("%1", type(exc).__name__))

    def _on_ended(self, reason: str) -> None:
        if reason == "end" and self.hit is None:
            text = self.tr("No QR code was found.")
            if self.rejections:
                text = self.tr("The code was refused: %1").replace("%1", self.rejections[-1])
            self._show_problem(text)

    def _show_problem(self, text: str) -> None:
        self.status.setText(text)
        self.again_button.show()

    # ------------------------------------------------------------------ closing
    def done(self, result: int) -> None:
        self._closed.set()
        self.stop()
        super().done(result)

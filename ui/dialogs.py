"""Corrections: request one (the changed fields and a reason), and the registrar's approval."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.records.validation import check_value
from app.store.models import Record
from ui.context import AppContext
from ui.i18n import field_error_text, pick
from ui.tables import changes_table
from ui.widgets import FieldEditor


class CorrectionDialog(QDialog):
    """Edit the fields to correct; only changed ones are sent, with the reason and who asked."""

    def __init__(self, ctx: AppContext, record: Record, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record = record
        self.setWindowTitle(self.tr("Request a correction · %1").replace("%1", record.tracking_id))
        self.resize(560, 640)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Change the fields that are wrong. Only changed fields are sent for approval."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        grid = QFormLayout(body)
        self.editors: dict[str, FieldEditor] = {}
        form = ctx.form(record.event)
        for section in form.sections:
            shown = [f for f in section.fields if f.visible_if != "false"]
            if not shown:
                continue
            heading = QLabel(pick(section.label, section.id), body)
            heading.setProperty("role", "section")
            grid.addRow(heading)
            for form_field in shown:
                editor = FieldEditor(form_field, body)
                editor.setObjectName(f"correct-{form_field.id}")
                editor.set_value(record.declaration.get(form_field.id))
                editor.input.setAccessibleName(ctx.field_label(form_field))
                grid.addRow(ctx.field_label(form_field), editor)
                self.editors[form_field.id] = editor
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        requester_row = QFormLayout()
        self.requester = QComboBox(self)
        self.requester.setObjectName("requester")
        self.requester.addItem("—", None)
        for section in form.sections:      # the person by name, with the part of the form they are in
            if section.identity:
                name = ctx.person_name(record.event, section.id, record.declaration)
                label = pick(section.label, section.id)
                self.requester.addItem(f"{name} ({label})" if name else label, section.id)
        self.requester.setToolTip(self.tr("The person in the declaration who asked for the correction, if any"))
        requester_row.addRow(self.tr("Who asked for it"), self.requester)
        layout.addLayout(requester_row)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("correction-reason")
        self.reason.setPlaceholderText(self.tr("Reason for the correction (required)"))
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(70)
        layout.addWidget(self.reason)
        self.message = QLabel(self)
        self.message.setProperty("role", "error")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def changes(self) -> dict[str, str]:
        return {fid: e.value() for fid, e in self.editors.items()
                if e.value() != (self.record.declaration.get(fid) or "")}

    def data(self) -> dict[str, Any]:
        return {"changes": self.changes(), "requester_section": self.requester.currentData()}

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def _ok(self) -> None:
        bad = False
        for editor in self.editors.values():
            value = editor.value()
            problem = check_value(editor.form_field, value) if value else None
            editor.set_error(field_error_text(problem.code, problem.message) if problem else None)
            bad = bad or problem is not None
        if bad:
            self.message.setText(self.tr("Fix the fields shown first."))
        elif not self.changes():
            self.message.setText(self.tr("Nothing was changed."))
        elif not self.reason_text():
            self.message.setText(self.tr("Give a reason for the correction."))
            self.reason.setFocus()
        else:
            self.accept()


class ApproveCorrectionDialog(QDialog):
    """The changes and the reason given, then what approving sends to MOSIP (`mosip_lines`, from
    the country's rules evaluated without writing); Enter approves unless that is `dangerous`."""

    def __init__(self, ctx: AppContext, record: Record, parent: QWidget | None = None, *,
                 mosip_lines: list[str] | None = None, dangerous: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("approve-correction")
        self.setWindowTitle(self.tr("Approve correction · %1").replace("%1", record.tracking_id))
        layout = QVBoxLayout(self)
        correction = record.correction or {}
        reason = QLabel(self.tr("Reason given: %1").replace("%1", correction.get("reason") or ""), self)
        reason.setWordWrap(True)             # a long reason wraps instead of widening the dialog off screen
        layout.addWidget(reason)
        layout.addWidget(changes_table(ctx, record.event, record.declaration, correction.get("changes") or {}, self))
        self.mosip = QLabel("\n".join(mosip_lines or []), self)
        self.mosip.setObjectName("mosip-preview")
        self.mosip.setWordWrap(True)
        if dangerous:
            self.mosip.setStyleSheet("color:#b71c1c; font-weight:600")
        self.mosip.setVisible(bool(mosip_lines))
        layout.addWidget(self.mosip)
        note = QLabel(self.tr("Approving applies the changes. To refuse the correction, use Reject."), self)
        note.setWordWrap(True)
        note.setProperty("role", "hint")
        layout.addWidget(note)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.approve_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.approve_button.setText(self.tr("Approve"))
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        (cancel if dangerous else self.approve_button).setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, min(max(self.sizeHint().height(), 240), 640))   # as tall as its content

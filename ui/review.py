"""Supervisor review of a record whose identity verification failed: the fields that did not match
MOSIP are highlighted; the supervisor corrects them and re-queues the checks, or rejects."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.records import DeclarationInvalid, RecordDetail
from app.records.validation import check_value
from app.vocabulary import VerificationState
from ui.context import AppContext
from ui.errors import error_text
from ui.i18n import field_error_text, pick
from ui.qt_compat import emit
from ui.widgets import FieldEditor, verification_pill

# IDA demographic attributes → the normalised identity keys whose fields carry them
ATTRIBUTE_KEYS = {
    "name": ("given_name", "middle_name", "family_name", "full_name"),
    "dob": ("date_of_birth",),
    "gender": ("gender",),
    "phone": ("phone",),
    "email": ("email",),
}


# the persons shown for review: those whose identity was checked or is being checked
REVIEWED_STATES = frozenset({VerificationState.FAILED, VerificationState.PENDING, VerificationState.VERIFIED,
                             VerificationState.AUTHENTICATED})


def mismatched_fields(ctx: AppContext, section: str, failed_attributes: list[str]) -> list[str]:
    """The section's form fields behind IDA's failed attributes (through identity.fields)."""
    mapping = ctx.country.config.identity.fields
    out = []
    for attribute in failed_attributes:
        for key in ATTRIBUTE_KEYS.get(attribute, (attribute,)):
            name = mapping.get(key)  # type: ignore[call-overload]
            if name:
                out.append(f"{section}.{name}")
    return out


class SupervisorReview(QWidget):
    retry_requested = Signal(dict)    # edits: field id -> new value ("" clears)
    reject_requested = Signal()
    closed = Signal()

    def __init__(self, ctx: AppContext, detail: RecordDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail = detail
        record = detail.record
        self.event_type = record.event
        form = ctx.form(record.event)
        self.editors: dict[str, FieldEditor] = {}
        self.mismatched: set[str] = set()

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        subject = ctx.subject_name(record.event, record.declaration)
        title = QLabel(self.tr("Review failed identity verification · %1").replace(
            "%1", f"{subject} · {record.tracking_id}" if subject else record.tracking_id), self)
        title.setProperty("role", "title")
        outer.addWidget(title)
        intro = QLabel(self.tr("MOSIP did not confirm the highlighted details. Compare them with the person's "
                               "documents, correct what was typed wrongly, then re-check. If the declaration "
                               "cannot be trusted, reject it with a reason."), self)
        intro.setWordWrap(True)
        intro.setProperty("role", "hint")
        outer.addWidget(intro)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        layout = QVBoxLayout(body)
        first_mismatch: QWidget | None = None
        for section in form.sections:
            person = record.persons.get(section.id) or {}
            state = person.get("verification", VerificationState.NONE)
            if not section.identity or state not in REVIEWED_STATES:
                continue
            failed = list(person.get("failed_attributes") or [])
            bad = set(mismatched_fields(ctx, section.id, failed)) if state == VerificationState.FAILED else set()
            card = QFrame(body)
            card.setProperty("role", "card")
            card.setObjectName(f"review-{section.id}")
            card_layout = QVBoxLayout(card)
            top = QHBoxLayout()
            label = QLabel(pick(section.label, section.id), card)
            label.setProperty("role", "section")
            top.addWidget(label)
            top.addWidget(verification_pill(state, failed))
            top.addStretch(1)
            card_layout.addLayout(top)
            grid = QFormLayout()
            for form_field in section.fields:
                if form_field.visible_if == "false":
                    continue
                value = record.declaration.get(form_field.id)
                if value is None and form_field.id not in bad and state != VerificationState.FAILED:
                    continue
                editor = FieldEditor(form_field, card)
                editor.setObjectName(f"review-{form_field.id}")
                editor.set_value(value)
                caption = QLabel(ctx.field_label(form_field), card)
                caption.setBuddy(editor.input)
                editor.input.setAccessibleName(ctx.field_label(form_field))
                if form_field.id in bad:
                    editor.set_mismatch(True)
                    caption.setText("⚠ " + caption.text())
                    caption.setStyleSheet("color:#e65100; font-weight:600")
                    editor.input.setToolTip(self.tr("Did not match the MOSIP record"))
                    self.mismatched.add(form_field.id)
                    first_mismatch = first_mismatch or editor.input
                if state in (VerificationState.VERIFIED, VerificationState.AUTHENTICATED):
                    editor.input.setEnabled(False)
                editor.committed.connect(lambda e=editor: self._check(e))
                grid.addRow(caption, editor)
                self.editors[form_field.id] = editor
            card_layout.addLayout(grid)
            layout.addWidget(card)
        layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        self.message = QLabel(self)
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("Back"), self)
        self.back_button.clicked.connect(self.closed)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        self.reject_button = QPushButton(self.tr("Reject…"), self)
        self.reject_button.clicked.connect(self.reject_requested)
        buttons.addWidget(self.reject_button)
        self.retry_button = QPushButton(self.tr("Save and re-check identity"), self)
        self.retry_button.setObjectName("retry")
        self.retry_button.setProperty("primary", True)
        self.retry_button.clicked.connect(self.retry)
        buttons.addWidget(self.retry_button)
        outer.addLayout(buttons)
        self.first_mismatch = first_mismatch

    def focus_first(self) -> None:
        if self.first_mismatch is not None:
            self.first_mismatch.setFocus(Qt.FocusReason.OtherFocusReason)

    def _check(self, editor: FieldEditor) -> bool:
        value = editor.value()
        problem = check_value(editor.form_field, value) if value else None
        editor.set_error(field_error_text(problem.code, problem.message) if problem else None)
        return problem is None

    def edits(self) -> dict[str, str]:
        declaration = self.detail.record.declaration
        out: dict[str, str] = {}
        for fid, editor in self.editors.items():
            if not editor.input.isEnabled():
                continue
            value = editor.value()
            if value != (declaration.get(fid) or ""):
                out[fid] = value
        return out

    def retry(self) -> None:
        if not all(self._check(e) for e in self.editors.values()):
            self.message.setText(self.tr("Fix the highlighted fields first."))
            return
        self.message.clear()
        self.retry_button.setEnabled(False)
        emit(self.retry_requested, {k: v for k, v in self.edits().items() if v})

    def show_failure(self, exc: BaseException) -> None:
        self.retry_button.setEnabled(True)
        if isinstance(exc, DeclarationInvalid):
            for error in exc.errors:
                if error.field in self.editors:
                    self.editors[error.field].set_error(field_error_text(error.code, error.message))
            self.message.setText(self.tr("The declaration is not complete: fix the fields shown."))
        else:
            self.message.setText(error_text(exc))

    def current(self) -> dict[str, Any]:
        return {fid: e.value() for fid, e in self.editors.items()}

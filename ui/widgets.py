"""Small shared widgets: status pills, the reason dialog, field editors built from the form config."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.config.models import FieldType, FormField
from app.vocabulary import VerificationState
from ui.i18n import pick, verification_text
from ui.qt_compat import emit

PILL_COLOURS = {
    "none": ("#eceff1", "#37474f"),
    "pending": ("#fff3cd", "#7a5a00"),
    "verified": ("#d7f5dd", "#1b5e20"),
    "failed": ("#fde2e1", "#b71c1c"),
    "authenticated": ("#d6e8ff", "#0d47a1"),
    "info": ("#e8eaf6", "#283593"),
    "warning": ("#fff3cd", "#7a5a00"),
    "error": ("#fde2e1", "#b71c1c"),
    "ok": ("#d7f5dd", "#1b5e20"),
}

STYLE = """
QWidget { font-size: 10pt; }
QLabel[role="error"] { color: #b71c1c; font-size: 9pt; }
QLabel[role="hint"] { color: #546e7a; font-size: 9pt; }
QLabel[role="title"] { font-size: 14pt; font-weight: 600; }
QLabel[role="section"] { font-size: 11pt; font-weight: 600; color: #263238; }
QLineEdit[invalid="true"], QComboBox[invalid="true"] { border: 1px solid #c62828; background: #fff8f8; }
QLineEdit[mismatch="true"], QComboBox[mismatch="true"] { border: 2px solid #ef6c00; background: #fff4e5; }
QFrame[role="card"] { background: #ffffff; border: 1px solid #dfe3e8; border-radius: 6px; }
QListWidget#queues { background: #f5f7fa; border: none; font-size: 10pt; }
QListWidget#queues::item { padding: 6px 8px; }
QListWidget#queues::item:selected { background: #1565c0; color: white; border-radius: 4px; }
QPushButton[primary="true"] { background: #1565c0; color: white; border: none; padding: 6px 14px;
                              border-radius: 4px; font-weight: 600; }
QPushButton[primary="true"]:disabled { background: #90a4ae; }
QPushButton[primary="true"]:focus { outline: 2px solid #0d47a1; }
"""


def set_prop(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property used by the style sheet and re-polish the widget."""
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class Pill(QLabel):
    """A rounded status label (verification state, outbox state, …)."""

    def __init__(self, text: str = "", kind: str = "none", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.kind = kind
        self.set(text, kind)

    def set(self, text: str, kind: str) -> None:
        if text != self.text():
            self.setText(text)
        if kind == self.kind and self.styleSheet():
            return      # a new style sheet re-polishes the widget: the sync bar calls this per synced item
        self.kind = kind
        bg, fg = PILL_COLOURS.get(kind, PILL_COLOURS["none"])
        self.setStyleSheet(f"QLabel {{ background: {bg}; color: {fg}; border-radius: 9px; "
                           f"padding: 2px 10px; font-weight: 600; font-size: 9pt; }}")
        self.setSizePolicy(self.sizePolicy().horizontalPolicy(), self.sizePolicy().verticalPolicy())


def verification_pill(state: str, failed_attributes: list[str] | None = None) -> Pill:
    text = verification_text(state)
    if state == VerificationState.FAILED and failed_attributes:
        text += " — " + ", ".join(attribute_text(a) for a in failed_attributes)
    return Pill(text, state if state in PILL_COLOURS else "none")


def attribute_text(attribute: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return {
        "name": QCoreApplication.translate("Status", "name"),
        "dob": QCoreApplication.translate("Status", "date of birth"),
        "gender": QCoreApplication.translate("Status", "sex"),
        "phone": QCoreApplication.translate("Status", "phone"),
        "email": QCoreApplication.translate("Status", "email"),
        # IDA failed without naming a detail: the ID number and the details do not belong together
        "identity": QCoreApplication.translate("Status", "ID number or details"),
        "unknown": QCoreApplication.translate("Status", "a detail"),
    }.get(attribute, attribute)


class FieldEditor(QWidget):
    """One form field's editor (line edit or combo box) with a uniform value API."""

    changed = Signal()      # every edit
    committed = Signal()    # the person left the field or picked an option

    def __init__(self, form_field: FormField, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form_field = form_field
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.combo: QComboBox | None = None
        self.line: QLineEdit | None = None
        if form_field.type is FieldType.SELECT:
            combo = QComboBox(self)
            combo.addItem("—", "")
            for option in form_field.options or []:
                combo.addItem(pick(option.label, option.value), option.value)
            combo.currentIndexChanged.connect(self.changed)
            combo.currentIndexChanged.connect(self.committed)
            self.combo = combo
            layout.addWidget(combo)
            self.setFocusProxy(combo)
        else:
            line = QLineEdit(self)
            line.setMaxLength(form_field.max_length)
            if form_field.type is FieldType.DATE:
                line.setPlaceholderText(self.tr("YYYY-MM-DD"))
            elif form_field.type is FieldType.PHONE:
                line.setPlaceholderText("+260 …")
            elif form_field.type is FieldType.EMAIL:
                line.setPlaceholderText("name@example.org")
            elif form_field.type is FieldType.NUMBER:
                line.setValidator(QDoubleValidator(line))
            line.textEdited.connect(self.changed)
            line.editingFinished.connect(self.committed)
            self.line = line
            layout.addWidget(line)
            self.setFocusProxy(line)
        self.error = QLabel(self)
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    @property
    def input(self) -> QWidget:
        return self.combo if self.combo is not None else self.line  # type: ignore[return-value]

    def value(self) -> str:
        if self.combo is not None:
            return str(self.combo.currentData() or "")
        assert self.line is not None
        return self.line.text().strip()

    def set_value(self, value: str | None, *, quiet: bool = True) -> None:
        value = value or ""
        if self.combo is not None:
            self.combo.blockSignals(quiet)
            index = self.combo.findData(value)
            self.combo.setCurrentIndex(index if index >= 0 else 0)
            self.combo.blockSignals(False)
        else:
            assert self.line is not None
            self.line.blockSignals(quiet)
            self.line.setText(value)
            self.line.blockSignals(False)
            if not quiet:
                emit(self.changed)

    def set_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))
        set_prop(self.input, "invalid", bool(text))
        self.input.setAccessibleDescription(text or "")

    def set_mismatch(self, on: bool) -> None:
        set_prop(self.input, "mismatch", on)


class ReasonDialog(QDialog):
    """Asks for a reason (required for reject and remove-from-queue)."""

    def __init__(self, title: str, explanation: str, *, required: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        intro = QLabel(explanation, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(self.tr("Reason"))
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName(self.tr("Reason"))
        layout.addWidget(self.text)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.required = required
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not required)
        self.text.textChanged.connect(
            lambda: ok.setEnabled(not self.required or bool(self.text.toPlainText().strip())))

    def reason(self) -> str:
        return self.text.toPlainText().strip()

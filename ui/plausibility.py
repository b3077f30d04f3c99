"""The country's plausibility checks on screen: each finding's message under the field(s) it names,
red for a check that blocks, amber for a warning, updated as the person types; and the question
that asks the officer to confirm warnings before a declaration is submitted or validated.

The checks themselves are the core's (`app.records.plausibility`), evaluated on the same values
the core will see; the words are the country's, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from app.config.loader import LoadedCountry
from app.records.plausibility import Finding, check_plausibility
from ui.widgets import FieldEditor

NOTE_STYLE = {
    True: "QLabel { color: #b71c1c; font-size: 9pt; }",                          # blocks
    False: "QLabel { color: #7a5a00; background: #fff3cd; font-size: 9pt; padding: 2px 4px; }",  # warns
}


def findings_for(country: LoadedCountry, event: str, values: Mapping[str, str], today: dt.date) -> list[Finding]:
    return check_plausibility(country, event, values, today=today)


class PlausibilityNotes:
    """One note label under each field editor; `show` puts the findings where they belong."""

    def __init__(self, editors: Mapping[str, FieldEditor]) -> None:
        self.labels: dict[str, QLabel] = {}
        self.findings: list[Finding] = []
        for fid, editor in editors.items():
            label = QLabel(editor)
            label.setObjectName(f"plausibility-{fid}")
            label.setWordWrap(True)
            label.hide()
            layout = editor.layout()
            if layout is not None:
                layout.addWidget(label)
            self.labels[fid] = label
        self._editors = editors

    def show(self, findings: Iterable[Finding], shown: set[str], language: str,
             touched: set[str] | None = None) -> None:
        """`touched`: the fields the person has typed in or left; a finding is shown once one of
        its fields was (as a required field is checked when left), all of them when None."""
        self.findings = list(findings)
        per_field: dict[str, list[Finding]] = {}
        for finding in self.findings:
            if touched is not None and not touched.intersection(finding.fields):
                continue
            for fid in finding.fields:
                if fid in shown and fid in self.labels:
                    per_field.setdefault(fid, []).append(finding)
        for fid, label in self.labels.items():
            mine = per_field.get(fid, [])
            text = "\n".join(("✖ " if f.blocks else "⚠ ") + f.text(language) for f in mine)
            if text != label.text():
                label.setText(text)
            if mine:
                label.setStyleSheet(NOTE_STYLE[any(f.blocks for f in mine)])
            label.setVisible(bool(mine))
            editor = self._editors[fid]
            # read by screen readers with the field, after any error of the field itself
            own_error = editor.error.text() if editor.error.isVisible() else ""
            editor.input.setAccessibleDescription(" ".join(filter(None, [own_error, text])))

    def text_for(self, fid: str) -> str:
        label = self.labels.get(fid)
        return label.text() if label is not None and label.isVisibleTo(label.parentWidget()) else ""


def confirm_warnings(parent: QWidget, warnings: list[Finding], language: str, *, what: str) -> bool:
    """Ask the officer to confirm each warning. Enter and Esc go back to check: accepting a warning
    is a deliberate choice (Alt+C), and it is kept in the record's history."""
    translate = QCoreApplication.translate
    lines = [translate("Plausibility", "Please check before you %1:").replace("%1", what)]
    lines += ["• " + w.text(language) for w in warnings]
    lines.append(translate("Plausibility", "Confirm only if the details are right: your confirmation is kept "
                                           "in the record's history."))
    box = QMessageBox(QMessageBox.Icon.Warning, translate("Plausibility", "Unusual details"), "\n\n".join(lines),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirm-warnings")
    accept = box.addButton(translate("Plausibility", "&Confirm, the details are right"),
                           QMessageBox.ButtonRole.AcceptRole)
    back = box.addButton(translate("Plausibility", "&Go back and check"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(back)
    box.setEscapeButton(back)
    box.exec()
    return box.clickedButton() is accept

"""Declaration forms generated from the country configuration (birth, death).

Fields are validated as the person leaves them; visibility conditions and the country's
plausibility checks apply live, their messages under the fields they concern; the draft is saved
in the background (`ui.form_autosave`); "Review" lists every problem (click to jump to the field)
before the declaration is submitted (`ui.form_review`).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.records import FieldError
from app.records.provenance import DataSource, Prefill
from app.records.validation import (
    check_value,
    identity_applies,
    validate_declaration,
    visible_fields,
    with_defaults,
)
from app.store.models import Record
from ui.context import AppContext
from ui.form_autosave import DraftAutosave
from ui.form_review import ReviewAndSubmit
from ui.i18n import declaration_title, field_error_text, pick
from ui.identity import IdentityBar
from ui.plausibility import PlausibilityNotes, findings_for
from ui.widgets import FieldEditor

log = logging.getLogger(__name__)
AUTOSAVE_MS = 1200


class DeclarationForm(DraftAutosave, ReviewAndSubmit, QWidget):
    declared = Signal(object)   # the declared Record
    closed = Signal()
    saved = Signal(object)      # the saved draft Record

    def __init__(self, ctx: AppContext, event: str, record: Record | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.event_type = event
        self.form = ctx.form(event)
        self.record_id: str | None = record.id if record else None
        self.tracking_id: str | None = record.tracking_id if record else None
        self.persons: dict[str, Any] = dict(record.persons) if record else {}
        self.saved_values: dict[str, str] = dict(record.declaration) if record else {}
        self.editors: dict[str, FieldEditor] = {}
        self.rows: dict[str, tuple[QFormLayout, int]] = {}
        self.cards: dict[str, QFrame] = {}
        self.identity_bars: dict[str, IdentityBar] = {}
        self.dirty: set[str] = set()
        self.left: set[str] = set()          # fields the person tabbed out of
        self.reviewed = False                # after a review every plausibility finding is shown
        # QR prefills not saved yet: saved with the next autosave, which records their source
        self.pending_prefills: dict[str, Prefill] = {}
        self._saving = False
        self._save_again = False
        self._submit_after_save = False
        self._after_save: list[Any] = []
        self._prefills_in_flight: list[Prefill] = []
        self.last_error: str | None = None

        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(AUTOSAVE_MS)
        self.debounce.timeout.connect(self.save_now)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        header = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setProperty("role", "title")
        header.addWidget(self.title)
        header.addStretch(1)
        self.save_state = QLabel(self)
        self.save_state.setProperty("role", "hint")
        header.addWidget(self.save_state)
        outer.addLayout(header)

        self.pages = QStackedWidget(self)
        outer.addWidget(self.pages, 1)
        self.pages.addWidget(self._build_form_page())
        self.pages.addWidget(self._build_review_page())

        self.notes = PlausibilityNotes(self.editors)
        self._fill_initial(record)
        self._update_title()
        self.refresh_visibility()
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self._ctrl_return)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save_now)

    def _ctrl_return(self) -> None:
        """Ctrl+Enter: review from the form; submit from the review page."""
        if self.pages.currentIndex() == 1 and self.submit_button.isEnabled():
            self.submit()
        else:
            self.review()

    # ------------------------------------------------------------------ building
    def _build_form_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(page)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self.scroll)
        body_layout = QVBoxLayout(body)
        body_layout.setSpacing(12)
        for section in self.form.sections:
            card = QFrame(body)
            card.setProperty("role", "card")
            card.setObjectName(f"section-{section.id}")
            card_layout = QVBoxLayout(card)
            title = QLabel(pick(section.label, section.id), card)
            title.setProperty("role", "section")
            card_layout.addWidget(title)
            if section.identity:
                bar = IdentityBar(self.ctx, self, section, card)
                bar.prefill.connect(self.apply_prefill)
                card_layout.addWidget(bar)
                self.identity_bars[section.id] = bar
            grid = QFormLayout()
            grid.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            grid.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for form_field in section.fields:
                editor = FieldEditor(form_field, card)
                editor.setObjectName(form_field.id)
                label_text = self.ctx.field_label(form_field) + (" *" if form_field.required else "")
                label = QLabel(label_text, card)
                label.setBuddy(editor.input)
                editor.input.setAccessibleName(self.ctx.field_label(form_field))
                if form_field.help:
                    editor.input.setToolTip(pick(form_field.help))
                grid.addRow(label, editor)
                self.rows[form_field.id] = (grid, grid.rowCount() - 1)
                self.editors[form_field.id] = editor
                editor.changed.connect(lambda fid=form_field.id: self._on_changed(fid))
                editor.committed.connect(lambda fid=form_field.id: self._on_committed(fid))
            card_layout.addLayout(grid)
            body_layout.addWidget(card)
            self.cards[section.id] = card
        body_layout.addStretch(1)
        self.scroll.setWidget(body)
        layout.addWidget(self.scroll, 1)

        buttons = QHBoxLayout()
        hint = QLabel(self.tr("* required · Tab moves between fields · Ctrl+Enter reviews, then submits"), page)
        hint.setProperty("role", "hint")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        self.close_button = QPushButton(self.tr("Close"), page)
        self.close_button.setToolTip(self.tr("The draft is kept"))
        self.close_button.clicked.connect(self.close_form)
        buttons.addWidget(self.close_button)
        self.review_button = QPushButton(self.tr("Review and submit…"), page)
        self.review_button.setProperty("primary", True)
        self.review_button.clicked.connect(self.review)
        buttons.addWidget(self.review_button)
        layout.addLayout(buttons)
        return page

    def _fill_initial(self, record: Record | None) -> None:
        values = dict(record.declaration) if record else with_defaults(self.form, {})
        for fid, editor in self.editors.items():
            editor.set_value(values.get(fid))
        for section_id, bar in self.identity_bars.items():
            bar.set_person(self.persons.get(section_id) or {})

    def _update_title(self) -> None:
        what = declaration_title(self.event_type)
        if self.tracking_id:
            what += " · " + self.tracking_id
        self.title.setText(what)

    # ------------------------------------------------------------------ values and checks
    def values(self) -> dict[str, str]:
        return {fid: v for fid, e in self.editors.items() if (v := e.value())}

    def visible(self) -> set[str]:
        return visible_fields(self.ctx.country, self.event_type, self.values(), self.ctx.today())

    def refresh_visibility(self) -> None:
        shown = self.visible()
        for fid, (grid, row) in self.rows.items():
            grid.setRowVisible(row, fid in shown)
        for section in self.form.sections:
            self.cards[section.id].setVisible(any(f.id in shown for f in section.fields))
        for section_id, bar in self.identity_bars.items():
            bar.setVisible(identity_applies(self.ctx.country, self.event_type, section_id, {}, self.ctx.today(),
                                            visible=shown))
        self.refresh_plausibility(shown)

    def plausibility_values(self, shown: set[str] | None = None) -> dict[str, str]:
        """What the core would check: the shown fields whose values are well-formed, with defaults."""
        shown = self.visible() if shown is None else shown
        values = {fid: v for fid, v in self.values().items()
                  if fid in shown and check_value(self.editors[fid].form_field, v) is None}
        return {k: v for k, v in with_defaults(self.form, values).items() if k in shown}

    def refresh_plausibility(self, shown: set[str] | None = None) -> None:
        shown = self.visible() if shown is None else shown
        findings = findings_for(self.ctx.country, self.event_type, self.plausibility_values(shown), self.ctx.today())
        self.notes.show(findings, shown, self.ctx.language,
                        None if self.reviewed else self.dirty | self.left)

    def problems_title(self, count: int) -> str:
        return self.tr("%n problem(s) to fix before submitting", "", count)   # here: lupdate's plural forms

    def warnings(self) -> list:
        """The plausibility warnings that hold now (they ask for the officer's confirmation)."""
        return [f for f in self.notes.findings if not f.blocks]

    def field_errors(self, complete: bool = True) -> list[FieldError]:
        values = self.values()
        errors: list[FieldError] = []
        shown = self.visible()
        for fid, value in values.items():
            if fid not in shown:
                continue
            problem = check_value(self.editors[fid].form_field, value)
            if problem:
                errors.append(problem)
        if complete:
            typed = {e.field for e in errors}
            _, more = validate_declaration(self.ctx.country, self.event_type, with_defaults(self.form, values),
                                           today=self.ctx.today(), complete=True, language=self.ctx.language)
            errors += [e for e in more if e.field not in typed]
        order = {fid: i for i, fid in enumerate(self.editors)}
        return sorted(errors, key=lambda e: order.get(e.field, 10_000))

    def check_field(self, fid: str) -> str | None:
        editor = self.editors[fid]
        value = editor.value()
        message: str | None = None
        if value:
            problem = check_value(editor.form_field, value)
            if problem is None:
                for error in self.field_errors(complete=True):   # plausibility: in the notes
                    if error.field == fid and error.code not in ("required", "implausible"):
                        problem = error
                        break
            if problem:
                message = field_error_text(problem.code, problem.message)
        elif editor.form_field.required and fid in self.dirty and fid in self.visible():
            message = field_error_text("required", "")
        editor.set_error(message)
        return message

    def _on_changed(self, fid: str) -> None:
        self.dirty.add(fid)
        editor = self.editors[fid]
        if editor.error.isVisible() and editor.line is not None:
            # clear a stale message as soon as the value becomes acceptable
            value = editor.value()
            if value and check_value(editor.form_field, value) is None:
                editor.set_error(None)
        if editor.combo is not None or self._affects_visibility(fid):
            self.refresh_visibility()
        else:
            self.refresh_plausibility()   # live, as the person types
        self.save_state.setText(self.tr("Editing…"))
        self.debounce.start()

    def _affects_visibility(self, fid: str) -> bool:
        return any(fid in (f.visible_if or "") or fid in (s.visible_if or "")
                   for s in self.form.sections for f in s.fields)

    def _on_committed(self, fid: str) -> None:
        self.left.add(fid)
        self.refresh_visibility()
        self.check_field(fid)
        if fid in self.dirty:
            self.save_now()

    # ------------------------------------------------------------------ identity prefill
    def apply_prefill(self, values: dict[str, str], section: str, person: dict[str, Any] | None = None,
                      source: str = "") -> None:
        """Fill a section from a QR code (saved with its `source`) or an e-Signet login (`person`)."""
        if source:
            self.pending_prefills[section] = Prefill(section, DataSource(source), dict(values))
        for fid, value in values.items():
            editor = self.editors.get(fid)
            if editor is not None:
                editor.set_value(value, quiet=True)
                self.dirty.add(fid)
                editor.set_error(None)
        if person is not None:
            self.persons[section] = person
        self.refresh_visibility()
        for fid in values:
            if fid in self.editors:
                self.check_field(fid)
        self.save_now()

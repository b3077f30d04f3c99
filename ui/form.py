"""Declaration forms generated from the country configuration (birth, death).

Fields are validated as the person leaves them; visibility conditions apply live; the draft is
saved in the background (debounced while typing, at once when leaving a field) so a crash loses
at most the field being typed; "Review" lists every problem (click to jump to the field) before
the declaration is submitted.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.records import DeclarationInvalid, FieldError
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
from ui.errors import error_text
from ui.i18n import declaration_title, field_error_text, pick
from ui.identity import IdentityBar
from ui.operations import run_write
from ui.qt_compat import emit, emitter
from ui.widgets import FieldEditor

log = logging.getLogger(__name__)
AUTOSAVE_MS = 1200


class DeclarationForm(QWidget):
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

    def _build_review_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.review_title = QLabel(page)
        self.review_title.setProperty("role", "section")
        layout.addWidget(self.review_title)
        self.problems = QListWidget(page)
        self.problems.setObjectName("problems")
        self.problems.itemActivated.connect(self._jump_to_problem)
        self.problems.itemClicked.connect(self._jump_to_problem)
        layout.addWidget(self.problems, 1)
        self.summary = QTextBrowser(page)
        layout.addWidget(self.summary, 2)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.back_button = QPushButton(self.tr("Back to the form"), page)
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        buttons.addWidget(self.back_button)
        self.submit_button = QPushButton(self.tr("Submit declaration"), page)
        self.submit_button.setProperty("primary", True)
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.submit_button)
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
                for error in self.field_errors(complete=True):
                    if error.field == fid and error.code != "required":
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
        self.save_state.setText(self.tr("Editing…"))
        self.debounce.start()

    def _affects_visibility(self, fid: str) -> bool:
        return any(fid in (f.visible_if or "") or fid in (s.visible_if or "")
                   for s in self.form.sections for f in s.fields)

    def _on_committed(self, fid: str) -> None:
        self.refresh_visibility()
        self.check_field(fid)
        if fid in self.dirty:
            self.save_now()

    # ------------------------------------------------------------------ autosave
    def pending_changes(self) -> dict[str, str]:
        changes: dict[str, str] = {}
        for fid, editor in self.editors.items():
            value = editor.value()
            if not value:
                if self.saved_values.get(fid):
                    changes[fid] = ""
            elif check_value(editor.form_field, value) is None and self.saved_values.get(fid) != value:
                changes[fid] = value
        return changes

    def save_now(self, then: Any = None) -> None:
        """Save what changed since the last save (on the writer thread). `then()` runs after."""
        self.debounce.stop()
        if then is not None:
            self._after_save.append(then)
        if self._saving:
            self._save_again = True
            return
        changes = self.pending_changes()
        prefills = list(self.pending_prefills.values())
        if not changes and not prefills:
            self._run_after_save()
            return
        if self.ctx.actor is None:
            return
        self._saving = True
        self.save_state.setText(self.tr("Saving…"))
        actor, records, event, record_id = self.ctx.actor, self.ctx.records, self.event_type, self.record_id
        self._prefills_in_flight = prefills

        def work() -> Record:
            if record_id is None:
                return records.create_draft(actor, event, {k: v for k, v in changes.items() if v},
                                            prefills=prefills)
            return records.update_draft(actor, record_id, changes, prefills=prefills)

        run_write(self, work, self._saved, self._save_failed)

    def _saved(self, record: Record) -> None:
        self._saving = False
        for prefill in self._prefills_in_flight:
            if self.pending_prefills.get(prefill.section) is prefill:
                del self.pending_prefills[prefill.section]
        self._prefills_in_flight = []
        self.record_id, self.tracking_id = record.id, record.tracking_id
        self.saved_values = dict(record.declaration)
        self.persons = dict(record.persons)
        self.last_error = None
        self._update_title()
        self.save_state.setText(self.tr("Draft saved"))
        emit(self.saved, record)
        self._continue_after_save()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if isinstance(exc, DeclarationInvalid):
            for error in exc.errors:
                if error.field in self.editors:
                    self.editors[error.field].set_error(field_error_text(error.code, error.message))
        self.last_error = error_text(exc)      # the core's codes, in the user's language
        log.warning("draft not saved: %s", type(exc).__name__)
        self.save_state.setText(self.tr("Not saved: %1").replace("%1", self.last_error or ""))
        self._after_save.clear()
        self._submit_after_save = False

    def _continue_after_save(self) -> None:
        if self._save_again:
            self._save_again = False
            self.save_now()
            return
        self._run_after_save()

    def _run_after_save(self) -> None:
        callbacks, self._after_save = self._after_save, []
        for callback in callbacks:
            callback()

    @property
    def busy(self) -> bool:
        return self._saving or self.debounce.isActive()

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

    def ensure_record(self, then: Any) -> None:
        """Make sure a draft exists (e-Signet stores the PSUT against it), then call then(record_id)."""
        if self.record_id and not self._saving and not self.pending_changes() and not self.pending_prefills:
            then(self.record_id)
            return
        if (not self.pending_changes() and not self.pending_prefills and not self._saving
                and self.ctx.actor is not None):
            actor, records, event = self.ctx.actor, self.ctx.records, self.event_type
            self._saving = True
            self._after_save.append(lambda: then(self.record_id))
            run_write(self, lambda: records.create_draft(actor, event, {}), self._saved, self._save_failed)
            return
        self.save_now(then=lambda: then(self.record_id))

    # ------------------------------------------------------------------ review and submit
    def review(self) -> None:
        self.save_now()
        errors = self.field_errors(complete=True)
        for fid, editor in self.editors.items():
            mine = next((e for e in errors if e.field == fid), None)
            editor.set_error(field_error_text(mine.code, mine.message) if mine else None)
        self.problems.clear()
        for error in errors:
            editor = self.editors.get(error.field)
            label = self.ctx.field_label(editor.form_field) if editor else error.field
            section = self.form.section(error.field.split(".", 1)[0])
            where = pick(section.label, section.id) if section else ""
            item = QListWidgetItem(f"⚠  {where} › {label}: {field_error_text(error.code, error.message)}")
            item.setData(Qt.ItemDataRole.UserRole, error.field)
            self.problems.addItem(item)
        if errors:
            self.review_title.setText(self.tr("%n problem(s) to fix before submitting", "", len(errors)))
            self.problems.show()
        else:
            self.review_title.setText(self.tr("Everything is filled in. Check the details and submit."))
            self.problems.hide()
        self.summary.setHtml(self._summary_html())
        self.submit_button.setEnabled(not errors)
        self.pages.setCurrentIndex(1)
        (self.problems if errors else self.submit_button).setFocus()
        if errors:
            self.problems.setCurrentRow(0)

    def _summary_html(self) -> str:
        values = self.values()
        shown = self.visible()
        parts = []
        for section in self.form.sections:
            rows = [(self.ctx.field_label(f), self.ctx.display_value(self.event_type, f.id, values[f.id]))
                    for f in section.fields if f.id in shown and f.id in values]
            if not rows:
                continue
            parts.append(f"<h3>{_esc(pick(section.label, section.id))}</h3><table>")
            parts += [f"<tr><td style='color:#546e7a;padding-right:12px'>{_esc(k)}</td><td>{_esc(v)}</td></tr>"
                      for k, v in rows]
            parts.append("</table>")
        return "".join(parts)

    def _jump_to_problem(self, item: QListWidgetItem) -> None:
        self.focus_field(str(item.data(Qt.ItemDataRole.UserRole)))

    def focus_field(self, fid: str) -> None:
        self.pages.setCurrentIndex(0)
        editor = self.editors.get(fid)
        if editor is None:
            return
        self.scroll.ensureWidgetVisible(editor)
        editor.input.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if self.field_errors(complete=True):
            self.review()
            return
        if self._saving or self.debounce.isActive() or self.pending_changes() or self.pending_prefills:
            self.submit_button.setEnabled(False)
            self.save_now(then=self.submit)
            return
        if self.ctx.actor is None:
            return
        self.submit_button.setEnabled(False)
        self.save_state.setText(self.tr("Submitting…"))
        actor, records, event, record_id = self.ctx.actor, self.ctx.records, self.event_type, self.record_id
        values = self.values()

        def work() -> Record:
            if record_id is None:
                return records.declare(actor, event=event, data=values)
            return records.declare(actor, record_id=record_id)

        run_write(self, work, self._declared, self._declare_failed)

    def _declared(self, record: Record) -> None:
        self.record_id = record.id
        self.save_state.setText(self.tr("Declared"))
        emit(self.declared, record)

    def _declare_failed(self, exc: BaseException) -> None:
        self.submit_button.setEnabled(True)
        if isinstance(exc, DeclarationInvalid):
            self.review()
            for error in exc.errors:
                if not any(self.problems.item(i).data(Qt.ItemDataRole.UserRole) == error.field
                           for i in range(self.problems.count())):
                    item = QListWidgetItem(f"⚠  {error.field}: {field_error_text(error.code, error.message)}")
                    item.setData(Qt.ItemDataRole.UserRole, error.field)
                    self.problems.addItem(item)
            self.problems.show()
            self.submit_button.setEnabled(False)
        else:
            self.review_title.setText(QCoreApplication.translate("DeclarationForm", "Not submitted: %1")
                                      .replace("%1", error_text(exc)))

    def close_form(self) -> None:
        self.save_now(then=emitter(self.closed))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

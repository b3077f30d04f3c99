"""A declaration form's review page and submission: every problem listed (Enter or a click jumps to
the field), the country's plausibility warnings confirmed by the officer, then the declaration."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.records import DeclarationInvalid, PlausibilityUnconfirmed
from app.store.models import Record
from ui.errors import error_text
from ui.i18n import field_error_text, pick
from ui.operations import run_write
from ui.plausibility import confirm_warnings
from ui.qt_compat import emit, emitter


class ReviewAndSubmit:
    """Mixed into `DeclarationForm`: the review page (page 1 of its stack) and the submission."""

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
        self.back_button = QPushButton(QCoreApplication.translate("DeclarationForm", "Back to the form"), page)
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        buttons.addWidget(self.back_button)
        self.submit_button = QPushButton(QCoreApplication.translate("DeclarationForm", "Submit declaration"), page)
        self.submit_button.setProperty("primary", True)
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)
        return page

    def review(self) -> None:
        self.save_now()
        errors = self.field_errors(complete=True)
        self.reviewed = True
        self.refresh_plausibility()
        for fid, editor in self.editors.items():   # plausibility findings are in their notes
            mine = next((e for e in errors if e.field == fid and e.code != "implausible"), None)
            editor.set_error(field_error_text(mine.code, mine.message) if mine else None)
        self.problems.clear()
        for error in errors:
            self._add_problem("✖" if error.code == "implausible" else "⚠",
                              error.field, field_error_text(error.code, error.message))
        warnings = self.warnings()
        for finding in warnings:
            self._add_problem("⚠", finding.fields[0], finding.text(self.ctx.language))
        if errors:
            title = self.problems_title(len(errors))
        elif warnings:
            title = QCoreApplication.translate("DeclarationForm", "Some details are unusual: check them; "
                                               "submitting asks you to confirm them.")
        else:
            title = QCoreApplication.translate("DeclarationForm", "Everything is filled in. Check the details and "
                                               "submit.")
        self.review_title.setText(title)
        self.problems.setVisible(bool(errors or warnings))
        self.summary.setHtml(self._summary_html())
        self.submit_button.setEnabled(not errors)
        self.pages.setCurrentIndex(1)
        (self.problems if errors else self.submit_button).setFocus()
        if errors:
            self.problems.setCurrentRow(0)

    def _add_problem(self, mark: str, fid: str, text: str) -> None:
        editor = self.editors.get(fid)
        label = self.ctx.field_label(editor.form_field) if editor else fid
        section = self.form.section(fid.split(".", 1)[0])
        where = pick(section.label, section.id) if section else ""
        item = QListWidgetItem(f"{mark}  {where} › {label}: {text}")
        item.setData(Qt.ItemDataRole.UserRole, fid)
        self.problems.addItem(item)

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

    def submit(self, confirmed: tuple[str, ...] | None = None) -> None:
        """Declare, once saved. The plausibility warnings that hold are confirmed by the officer
        first (`confirmed`: those already confirmed, when the core asked again)."""
        if self.field_errors(complete=True):
            self.review()
            return
        if self._saving or self.debounce.isActive() or self.pending_changes() or self.pending_prefills:
            self.submit_button.setEnabled(False)
            self.save_now(then=lambda: self.submit(confirmed))
            return
        if self.ctx.actor is None:
            return
        if confirmed is None:
            self.refresh_plausibility()
            warnings = self.warnings()
            if warnings and not confirm_warnings(self, warnings, self.ctx.language,
                                                 what=self.submit_words()):
                self.focus_field(warnings[0].fields[0])
                return
            confirmed = tuple(w.rule for w in warnings)
        self.submit_button.setEnabled(False)
        self.save_state.setText(QCoreApplication.translate("DeclarationForm", "Submitting…"))
        actor, records, event, record_id = self.ctx.actor, self.ctx.records, self.event_type, self.record_id
        values = self.values()

        def work() -> Record:
            if record_id is None:
                return records.declare(actor, event=event, data=values, confirmed=confirmed)
            return records.declare(actor, record_id=record_id, confirmed=confirmed)

        run_write(self, work, self._declared, self._declare_failed)

    @staticmethod
    def submit_words() -> str:
        return QCoreApplication.translate("DeclarationForm", "submit this declaration")

    def _declared(self, record: Record) -> None:
        self.record_id = record.id
        self.save_state.setText(QCoreApplication.translate("DeclarationForm", "Declared"))
        emit(self.declared, record)

    def _declare_failed(self, exc: BaseException) -> None:
        self.submit_button.setEnabled(True)
        if isinstance(exc, PlausibilityUnconfirmed):   # the stored draft differs from what was shown
            if confirm_warnings(self, exc.findings, self.ctx.language,
                                what=self.submit_words()):
                self.submit(tuple(f.rule for f in exc.findings))
            return
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

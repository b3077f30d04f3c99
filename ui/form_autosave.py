"""A declaration form's draft, saved in the background: debounced while typing, at once when a field
is left, one save at a time on the writer thread, so a crash loses at most the field being typed.
QR prefills not saved yet go with the next save, which records their source."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication

from app.records import DeclarationInvalid
from app.records.validation import check_value
from app.store.models import Record
from ui.errors import error_text
from ui.i18n import field_error_text
from ui.operations import run_write
from ui.qt_compat import emit

log = logging.getLogger("ui.form")

class DraftAutosave:
    """Mixed into `DeclarationForm`, whose editors, saved values and signals it uses."""

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
        self.save_state.setText(QCoreApplication.translate("DeclarationForm", "Saving…"))
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
        self.save_state.setText(QCoreApplication.translate("DeclarationForm", "Draft saved"))
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
        self.save_state.setText(QCoreApplication.translate("DeclarationForm", "Not saved: %1")
                                .replace("%1", self.last_error or ""))
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

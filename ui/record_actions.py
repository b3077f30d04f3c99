"""The officer's actions on the record shown: what to ask first (a reason, a correction, a
confirmation naming what goes to MOSIP), then the command as a background write.

What the write changed reaches every screen through the change bus (ui.operations); here only the
outcome is said: `done(action, record)` or `failed(exception)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QWidget

from app.config.models import Operation
from app.records.plausibility import Finding
from app.records.workflow import ActionType, Status
from app.store.models import Record
from ui.context import AppContext
from ui.dialogs import ApproveCorrectionDialog, CorrectionDialog
from ui.i18n import pick
from ui.operations import run_read, run_write
from ui.plausibility import confirm_warnings, findings_for
from ui.qt_compat import emit
from ui.record_view import RecordView
from ui.widgets import ReasonDialog


class RecordActions(QObject):
    done = Signal(object, object)        # ActionType, the Record as the action left it
    failed = Signal(object)              # the exception (worded by ui.errors)
    review_requested = Signal(object)    # RecordDetail: a failed check to review (the supervisor page)

    def __init__(self, ctx: AppContext, view: RecordView, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = view
        self._refocus: QPushButton | None = None     # the action button that had the focus

    def _dialog_parent(self) -> QWidget | None:
        parent = self.parent()      # the window (not kept in an attribute: no reference cycle)
        return parent if isinstance(parent, QWidget) else None

    def run(self, action: str) -> None:
        """The person pressed an action's button on the record shown."""
        detail = self.view.detail
        if detail is None or self.ctx.actor is None:
            return
        record = detail.record
        kind = ActionType(action)
        data: dict[str, Any] | None = None
        reason: str | None = None
        confirmed: tuple[str, ...] = ()
        if kind is ActionType.RETRY and record.status == Status.VERIFICATION_FAILED:
            emit(self.review_requested, detail)
            return
        if kind is ActionType.VALIDATE or (kind is ActionType.REGISTER and record.status == Status.DECLARED):
            # registering a declaration nobody validated: the registrar confirms what a validator would
            warnings = self.plausibility_warnings(record)
            what = self.tr("validate %1") if kind is ActionType.VALIDATE else self.tr("register %1")
            if warnings and not confirm_warnings(self._dialog_parent(), warnings, self.ctx.language,
                                                 what=what.replace("%1", record.tracking_id)):
                return
            confirmed = tuple(w.rule for w in warnings)
        if kind in (ActionType.REGISTER, ActionType.APPROVE_CORRECTION):
            # the rules' MOSIP operations, read off the UI thread
            self._preview_then_confirm(record, kind, confirmed)
            return
        elif kind is ActionType.REJECT:
            reason = self.ask_reason(self.tr("Reject %1").replace("%1", record.tracking_id),
                                     self.reject_explanation())
            if reason is None:
                return
        elif kind is ActionType.REJECT_CORRECTION:
            reason = self.ask_reason(self.tr("Reject the correction of %1").replace("%1", record.tracking_id),
                                     self.tr("Say why the correction is refused. The record stays registered "
                                             "as it was; the reason is kept in its history."))
            if reason is None:
                return
        elif kind is ActionType.REMOVE_FROM_QUEUE:
            reason = self.ask_reason(
                self.tr("Remove %1 from the queue").replace("%1", record.tracking_id),
                self.tr("MOSIP returns no failure for UIN requests. Remove this record from \"Awaiting external "
                        "validation\" only after checking with MOSIP; it becomes Registered without a UIN. "
                        "Give the reason."))
            if reason is None:
                return
        elif kind is ActionType.REQUEST_CORRECTION:
            dialog = CorrectionDialog(self.ctx, record, self._dialog_parent())
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            data, reason = dialog.data(), dialog.reason_text()
        self.act(record.id, kind, data=data, reason=reason, confirmed=confirmed)

    def plausibility_warnings(self, record: Record) -> list[Finding]:
        """The country's plausibility warnings that hold for the record (the validating officer
        confirms them too; the core refuses the validation otherwise)."""
        findings = findings_for(self.ctx.country, record.event, record.declaration, self.ctx.today())
        return [f for f in findings if not f.blocks]

    def _preview_then_confirm(self, record: Record, kind: ActionType, confirmed: tuple[str, ...] = ()) -> None:
        records = self.ctx.records
        self._enable_buttons(False)

        def ask(operations: list[Operation]) -> None:
            confirm = self.confirm_register if kind is ActionType.REGISTER else self.confirm_approve
            if confirm(record, operations):
                self.act(record.id, kind, confirmed=confirmed)
            else:
                self._enable_buttons(True)

        def failed(exc: BaseException) -> None:
            self._enable_buttons(True)
            emit(self.failed, exc)

        run_read(self, lambda: records.preview_operations(record.id, kind), ask, failed)

    def _enable_buttons(self, enabled: bool) -> None:
        buttons = list(self.view.buttons.values())
        if not enabled:
            # a disabled button passes its focus to the next widget down the pane, and the scroll
            # area scrolls to it under the dialog: keep the focus on the pane itself meanwhile. The
            # window's focus child, not hasFocus(): just after another dialog (the warnings) the
            # window is not active yet, and the button gets its focus back only once it is
            focused = self.view.window().focusWidget()
            self._refocus = next((b for b in buttons if b is focused), None)
            if self._refocus is not None:
                self.view.scroll.setFocus(Qt.FocusReason.OtherFocusReason)
        for button in buttons:
            button.setEnabled(enabled and not button.property("blocked"))
        # back to the button, unless the person moved on (the window's focus child, kept while a
        # dialog is active)
        if enabled and self._refocus in buttons and self.view.window().focusWidget() is self.view.scroll:
            self._refocus.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ asking first
    def mosip_lines(self, operations: list[Operation]) -> list[str]:
        """What the country's rules will send to MOSIP, in the officer's words."""
        lines = []
        if Operation.CREATE_UIN in operations:
            lines.append(self.tr("MOSIP will be asked to issue a national ID number (UIN) for this person."))
        if Operation.UPDATE_BIOGRAPHICS in operations:
            lines.append(self.tr("The person's details will be updated in MOSIP."))
        if Operation.MARK_DECEASED in operations:
            lines.append(self.tr("The deceased's national ID will be deactivated in MOSIP: it can no longer "
                                 "be used to prove their identity."))
        return lines

    def confirm_register(self, record: Record, operations: list[Operation]) -> bool:
        """Registering cannot be undone: say what will happen, and whether a national ID will be
        deactivated in MOSIP (`operations`: the country's rules, evaluated without writing)."""
        lines = [self.tr("Register %1? Registration cannot be undone; the record can then only be changed "
                         "by a correction.").replace("%1", record.tracking_id), *self.mosip_lines(operations)]
        return self.confirm(self.tr("Register %1").replace("%1", record.tracking_id), "\n\n".join(lines),
                            self.tr("&Register"), dangerous=Operation.MARK_DECEASED in operations)

    def confirm_approve(self, record: Record, operations: list[Operation]) -> bool:
        """The changes, then what approving sends to MOSIP (as for registering), before approving."""
        lines = self.mosip_lines(operations) or [self.tr("Nothing is sent to MOSIP for this correction.")]
        dialog = ApproveCorrectionDialog(self.ctx, record, self._dialog_parent(), mosip_lines=lines,
                                         dangerous=Operation.MARK_DECEASED in operations)
        return dialog.exec() == QDialog.DialogCode.Accepted

    def confirm(self, title: str, text: str, accept_label: str, *, dangerous: bool = False) -> bool:
        """Yes or no for an irreversible action. Enter presses the default button: the action, or
        Cancel when the action is dangerous; Esc cancels."""
        box = QMessageBox(QMessageBox.Icon.Warning if dangerous else QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, self._dialog_parent())
        box.setObjectName("confirm-action")
        accept = box.addButton(accept_label, QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel if dangerous else accept)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is accept

    def reject_explanation(self) -> str:
        queue = next((q for q in self.ctx.country.config.workqueues if Status.REJECTED.value in q.statuses), None)
        where = self.tr("The declaration goes to “%1”, where the agent can update and declare it again.").replace(
            "%1", pick(queue.label, queue.id)) if queue else ""
        return " ".join(filter(None, [self.tr("Say why the declaration is rejected. The reason is kept in the "
                                              "record's history."), where]))

    def ask_reason(self, title: str, explanation: str) -> str | None:
        dialog = ReasonDialog(title, explanation, parent=self._dialog_parent())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason()

    def reject_from_review(self, record_id: str) -> None:
        reason = self.ask_reason(self.tr("Reject the declaration"), self.reject_explanation())
        if reason:
            self.act(record_id, ActionType.REJECT, reason=reason)

    # ------------------------------------------------------------------ doing it
    def act(self, record_id: str, kind: ActionType, *, data: dict[str, Any] | None = None,
            reason: str | None = None, on_failure: Callable[[BaseException], None] | None = None,
            confirmed: tuple[str, ...] = ()) -> None:
        actor, records = self.ctx.actor, self.ctx.records
        assert actor is not None
        self._enable_buttons(False)

        def failed(exc: BaseException) -> None:
            self._enable_buttons(True)
            if on_failure is not None:
                on_failure(exc)
            emit(self.failed, exc)

        run_write(self, lambda: records.act(actor, record_id, kind, data=data, reason=reason, confirmed=confirmed),
                  lambda record: emit(self.done, kind, record), failed)

"""Deployment mode `opencrvs`: where a record stands in OpenCRVS core, as the agent sees it.

The record view's OpenCRVS card (Submitted → In OpenCRVS → Registered with the registration
number and the child's NID, or Requires updates with the registrar's reason and the fields OpenCRVS
refused), the status words of the record list, and the refused fields shown next to the form's
fields when the agent reopens the declaration to fix it. The states are `app.vocabulary.UpstreamState`
(read from OpenCRVS's answers by the sync agent); nothing here talks to OpenCRVS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.records.upstream import UpstreamFieldError, UpstreamStatus
from app.store.models import Record
from app.vocabulary import DeploymentMode, UpstreamState
from ui.i18n import field_error_text, pick
from ui.widgets import Pill

translate = QCoreApplication.translate

if TYPE_CHECKING:
    from ui.context import AppContext
    from ui.form import DeclarationForm

S = UpstreamState
PILL_KIND = {S.QUEUED: "pending", S.SUBMITTED: "pending", S.INCOMPLETE: "info", S.DECLARED: "info",
             S.VALIDATED: "info", S.REGISTERED: "verified", S.REJECTED: "error", S.REFUSED: "error"}
# the three steps the agent follows; each state is at one of them (Requires updates: back before the first)
STEP = {S.QUEUED: 0, S.SUBMITTED: 1, S.INCOMPLETE: 2, S.DECLARED: 2, S.VALIDATED: 2, S.REGISTERED: 3,
        S.REJECTED: 0, S.REFUSED: 0}
# OpenCRVS's 400 messages (opencrvs-core v2.0.0 packages/commons/src/conditionals/validate.ts
# errorMessages, zodToIntlErrorMap) as our field-error codes (ui.i18n.field_error_text)
OPENCRVS_MESSAGES = {"Required": "required", "Invalid date field": "invalid_date",
                     "Invalid email address": "invalid_email", "Unexpected field": "unknown_field"}


def is_opencrvs(ctx: AppContext) -> bool:
    return ctx.country.config.mode is DeploymentMode.OPENCRVS


def state_text(state: UpstreamState | str) -> str:
    """One state in the agent's words (record view, record list)."""
    return {
        S.QUEUED: translate("Upstream", "Waiting to be sent to OpenCRVS"),
        S.SUBMITTED: translate("Upstream", "Submitted"),
        S.INCOMPLETE: translate("Upstream", "In OpenCRVS (incomplete)"),
        S.DECLARED: translate("Upstream", "In OpenCRVS (declared)"),
        S.VALIDATED: translate("Upstream", "In OpenCRVS (validated)"),
        S.REGISTERED: translate("Upstream", "Registered"),
        S.REJECTED: translate("Upstream", "Requires updates"),
        S.REFUSED: translate("Upstream", "Requires updates"),
    }.get(UpstreamState(state), str(state))


def status_cell(record: Record) -> str | None:
    """The record list's status for a record OpenCRVS follows (None: say the local status)."""
    if not record.upstream_state:
        return None
    return state_text(record.upstream_state)


def upstream_pill(record: Record) -> Pill | None:
    """The record view's header pill in mode `opencrvs` (None: the local status pill)."""
    if not record.upstream_state:
        return None
    state = UpstreamState(record.upstream_state)
    pill = Pill(state_text(state), PILL_KIND[state])
    pill.setObjectName("upstream-pill")
    return pill


def upstream_history(details: dict[str, Any]) -> list[str]:
    """A history entry of OpenCRVS's answers (`ActionType.UPSTREAM_STATUS` audit details)."""
    parts = []
    if details.get("upstream_to") in {s.value for s in UpstreamState}:
        parts.append(translate("Upstream", "OpenCRVS: %1").replace("%1", state_text(details["upstream_to"])))
    if details.get("registration_number"):
        parts.append(translate("Upstream", "registration no. %1").replace("%1", str(details["registration_number"])))
    if details.get("nid_received"):
        parts.append(translate("Upstream", "national ID received"))
    return parts


def next_step_text(status: UpstreamStatus) -> str:
    """What happens next, and who does it."""
    return {
        S.QUEUED: translate("Upstream", "The declaration is sent to OpenCRVS when the device is online and "
                                        "the identity checks are done."),
        S.SUBMITTED: translate("Upstream", "OpenCRVS received the declaration and is checking it."),
        S.INCOMPLETE: translate("Upstream", "A registrar at OpenCRVS completes and reviews the declaration."),
        S.DECLARED: translate("Upstream", "A registrar at OpenCRVS reviews the declaration."),
        S.VALIDATED: translate("Upstream", "Reviewed at OpenCRVS; waiting for a registrar to register it."),
        S.REGISTERED: translate("Upstream", "Registered in OpenCRVS: nothing more to do on this device."),
        S.REJECTED: translate("Upstream", "Update the declaration as the registrar asks, then submit it again."),
        S.REFUSED: translate("Upstream", "OpenCRVS refused some fields: fix them, then submit the declaration again."),
    }[status.state]


def field_error_words(error: UpstreamFieldError) -> str:
    code = OPENCRVS_MESSAGES.get(error.message)
    if code is not None:
        return field_error_text(code, error.message)
    return translate("Upstream", "OpenCRVS refused this value: %1").replace("%1", error.message[:200])


def field_error_lines(ctx: AppContext, event: str, errors: tuple[UpstreamFieldError, ...]) -> list[str]:
    """"Label: what is wrong", one line per refused field (OpenCRVS's own id when none of ours)."""
    lines = []
    for error in errors:
        form = ctx.form(event)
        form_field = form.field(error.field) if error.field else None
        section = form.section(form_field.id.split(".", 1)[0]) if form_field else None
        label = ctx.field_label(form_field) if form_field else error.opencrvs_field
        if section is not None:
            label = f"{pick(section.label, section.id)} › {label}"
        lines.append(f"{label}: {field_error_words(error)}")
    return lines


class UpstreamCard(QFrame):
    """The record view's OpenCRVS card."""

    def __init__(self, ctx: AppContext, record: Record, status: UpstreamStatus,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ui.record_view import local_time

        self.setProperty("role", "card")
        self.setObjectName("upstream")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel("<b>OpenCRVS</b>", self)
        title.setProperty("role", "section")
        top.addWidget(title)
        self.pill = Pill(state_text(status.state), PILL_KIND[status.state], self)
        self.pill.setObjectName("upstream-state")
        top.addWidget(self.pill)
        top.addStretch(1)
        layout.addLayout(top)
        self.steps = QLabel(self._steps(status.state), self)
        self.steps.setObjectName("upstream-steps")
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.steps)

        grid = QFormLayout()
        self.values: dict[str, QLabel] = {}

        def row(key: str, label: str, value: str | None) -> None:
            if not value:
                return
            shown = QLabel(value, self)
            shown.setObjectName(f"upstream-{key}")
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addRow(label, shown)
            self.values[key] = shown

        row("registration-number", translate("Upstream", "Registration no."), status.registration_number)
        row("nid", translate("Upstream", "Child's national ID (NID)"), status.nid)
        row("tracking-id", translate("Upstream", "OpenCRVS tracking ID"), status.tracking_id)
        if status.needs_updates:
            row("reason", translate("Upstream", "Reason"), status.reason or (
                translate("Upstream", "OpenCRVS sent the declaration back without a reason this device may read.")
                if status.state is S.REJECTED else None))
            row("field-errors", translate("Upstream", "Fields to fix"), "\n".join(field_error_lines(ctx, record.event,
                                                                                  status.field_errors)))
        row("checked", translate("Upstream", "Last asked"), local_time(_parse(status.checked_at)))
        layout.addLayout(grid)
        hint = QLabel(next_step_text(status), self)
        hint.setObjectName("upstream-next-step")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        if status.needs_updates:
            self.setStyleSheet("QFrame#upstream { border: 1px solid #e57373; }")

    @staticmethod
    def _steps(state: UpstreamState) -> str:
        """Submitted → In OpenCRVS → Registered, the steps reached in bold."""
        reached = STEP[state]
        names = [translate("Upstream", "Submitted"), translate("Upstream", "In OpenCRVS"),
                 translate("Upstream", "Registered")]
        parts = [f"<b>✓ {name}</b>" if n <= reached else f"<span style='color:#78909c'>{name}</span>"
                 for n, name in enumerate(names, start=1)]
        if state in (S.REJECTED, S.REFUSED):
            parts.append(f"<b style='color:#b71c1c'>⚠ {state_text(state)}</b>")
        return " → ".join(parts)


def upstream_card(ctx: AppContext, record: Record, parent: QWidget) -> UpstreamCard | None:
    status = UpstreamStatus.of(record)
    return UpstreamCard(ctx, record, status, parent) if status is not None else None


def show_refusal(form: DeclarationForm, record: Record | None) -> QLabel | None:
    """A declaration reopened because OpenCRVS wants updates: the reason above the form and each
    refused field's problem under the field (where the agent fixes it)."""
    status = UpstreamStatus.of(record) if record is not None else None
    if status is None or not status.needs_updates:
        return None
    ctx = form.ctx
    for error in status.field_errors:
        editor = form.editors.get(error.field or "")
        if editor is not None:
            editor.set_error(field_error_words(error))
    lines = [translate("Upstream", "OpenCRVS asks for updates before it takes this declaration.")]
    if status.reason:
        lines.append(translate("Upstream", "Reason: %1").replace("%1", status.reason))
    lines += field_error_lines(ctx, form.event_type, tuple(e for e in status.field_errors
                                                           if e.field not in form.editors))
    notice = QLabel("⚠ " + "\n".join(lines), form)
    notice.setObjectName("upstream-refusal")
    notice.setWordWrap(True)
    notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    notice.setStyleSheet("color:#b71c1c; font-weight:600")
    layout = form.layout()
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(1, notice)
    return notice


def submitted_text(ctx: AppContext, record: Record) -> str | None:
    """What the agent is told once a declaration is submitted in mode `opencrvs` (None: standalone)."""
    if not is_opencrvs(ctx):
        return None
    return translate("Upstream", "Submitted. Tracking ID %1. It is sent to OpenCRVS when the device is online "
                                 "and the identity checks are done.").replace("%1", record.tracking_id)


def adapt_form(form: DeclarationForm, record: Record | None) -> None:
    """A declaration form in mode `opencrvs`: submitting sends it to OpenCRVS, and a declaration
    OpenCRVS sent back shows why (`show_refusal`)."""
    if not is_opencrvs(form.ctx):
        return
    form.submit_button.setText(translate("Upstream", "Submit to OpenCRVS"))
    form.submit_button.setToolTip(translate("Upstream", "Declares the record; the device sends it to OpenCRVS "
                                                        "when it is online"))
    show_refusal(form, record)


def _parse(iso: str | None) -> Any:
    import datetime as dt

    if not iso:
        return None
    try:
        return dt.datetime.fromisoformat(iso)
    except ValueError:
        return None

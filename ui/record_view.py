"""One record: the declaration by section with each person's verification, MOSIP ids, what waits
in the outbox (and why it failed), the full audit history, and the actions the role may take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.messages import Notice
from app.records import RecordDetail
from app.records.history import history_entries
from app.records.validation import identity_applies, visible_fields
from app.records.workflow import ActionType, Status
from app.vocabulary import SYSTEM, Role, VerificationState
from ui.context import AppContext
from ui.i18n import (
    action_text,
    data_source_text,
    event_text,
    outbox_kind_text,
    outbox_state_text,
    pick,
    status_text,
    verification_text,
)
from ui.notices import attention_text, notice_text
from ui.qt_compat import emit
from ui.tables import add_row, changes_table, fit, read_only_table
from ui.upstream import is_opencrvs, upstream_card, upstream_history, upstream_pill
from ui.widgets import Pill, attribute_text, verification_pill

STATUS_KIND = {
    Status.DRAFT: "none", Status.DECLARED: "pending", Status.VERIFICATION_FAILED: "failed", Status.VALIDATED: "info",
    Status.AWAITING_EXTERNAL_VALIDATION: "pending", Status.REGISTERED: "verified",
    Status.CORRECTION_REQUESTED: "warning", Status.REJECTED: "error",
}


def abbreviate(token: str | None, head: int = 6, tail: int = 4) -> str:
    if not token:
        return ""
    return token if len(token) <= head + tail + 1 else f"{token[:head]}…{token[-tail:]}"


def local_time(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def short_time(when: dt.datetime | None) -> str:
    """Today: the time; otherwise the date (record lists)."""
    text = local_time(when)
    today = dt.datetime.now().astimezone().strftime("%Y-%m-%d")
    return text[11:] if text.startswith(today) else text[:10]


class RecordView(QWidget):
    action_requested = Signal(str)   # an ActionType value (the main window runs it)
    edit_requested = Signal()        # continue a draft

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail: RecordDetail | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll)
        self.placeholder = QLabel(self.tr("Select a record to see its details."), self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setProperty("role", "hint")
        self.scroll.setWidget(self.placeholder)
        self.buttons: dict[str, QPushButton] = {}

    @property
    def record_id(self) -> str | None:
        return self.detail.record.id if self.detail else None

    def clear(self) -> None:
        self.detail = None
        self.buttons = {}
        self.placeholder = QLabel(self.tr("Select a record to see its details."), self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.placeholder)

    def show_detail(self, detail: RecordDetail) -> None:
        self.detail = detail
        self.buttons = {}
        record = detail.record
        form = self.ctx.form(record.event)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setSpacing(10)

        # header: who, what, where it stands
        header = QHBoxLayout()
        name = self.ctx.subject_name(record.event, record.declaration) or self.tr("(no name yet)")
        title = QLabel(f"{event_text(record.event)} · {name}", body)
        title.setProperty("role", "title")
        title.setObjectName("record-title")
        header.addWidget(title)
        header.addWidget(upstream_pill(record) or Pill(status_text(record.status),
                                                       STATUS_KIND.get(record.status, "none"), body))
        header.addStretch(1)
        layout.addLayout(header)
        ids = [self.tr("Tracking ID %1").replace("%1", record.tracking_id)]
        if record.registration_number:
            ids.append(self.tr("Registration no. %1").replace("%1", record.registration_number))
        sub = QLabel(" · ".join(ids) + " · " + self.tr("updated %1").replace("%1", local_time(record.updated_at)),
                     body)
        sub.setProperty("role", "hint")
        sub.setWordWrap(True)                # ids and the time: long in French
        sub.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(sub)
        if record.requires_attention:
            attention = QLabel("⚠ " + self.tr("Requires attention: %1").replace(
                "%1", attention_text(record.attention_reason)), body)
            attention.setObjectName("attention")
            attention.setWordWrap(True)
            attention.setStyleSheet("color:#b71c1c; font-weight:600")
            layout.addWidget(attention)

        # actions
        actions = QHBoxLayout()
        if record.status == Status.DRAFT and self.ctx.role and self.ctx.role is not Role.ADMIN:
            edit = QPushButton(self.tr("Continue &editing"), body)
            edit.setProperty("primary", True)
            edit.clicked.connect(self.edit_requested)
            actions.addWidget(edit)
            self.buttons["edit"] = edit
        for action in detail.available:
            if action is ActionType.RETRY and record.status != Status.VERIFICATION_FAILED \
                    and not record.requires_attention:
                continue   # retry means: review a failed check, or resend a flagged record's deliveries
            label = self._action_label(action)
            if action is ActionType.RETRY and record.status != Status.VERIFICATION_FAILED:
                label = self.tr("Retry &sending")
            button = QPushButton(label, body)
            button.setObjectName(f"action-{action.value}")
            if action in (ActionType.REGISTER, ActionType.VALIDATE, ActionType.RETRY,
                          ActionType.APPROVE_CORRECTION):
                button.setProperty("primary", True)
            button.clicked.connect(lambda _=False, a=action.value: emit(self.action_requested, a))
            if action is ActionType.VALIDATE and self._checks_pending(record):
                # validating would only be refused until MOSIP has answered: say so instead of offering it
                button.setProperty("primary", False)
                button.setEnabled(False)
                button.setProperty("blocked", True)
                button.setToolTip(self.tr("Identity checks are still waiting to be sent to MOSIP."))
            actions.addWidget(button)
            self.buttons[action.value] = button
        actions.addStretch(1)
        layout.addLayout(actions)
        four_eyes = self._four_eyes_hint(record)
        if four_eyes and ActionType.APPROVE_CORRECTION.value in self.buttons:
            approve = self.buttons[ActionType.APPROVE_CORRECTION.value]
            approve.setEnabled(False)
            approve.setProperty("blocked", True)    # stays disabled when a failed action re-enables the rest
            approve.setToolTip(four_eyes)
            blocked = QLabel(four_eyes, body)
            blocked.setObjectName("four-eyes-hint")
            blocked.setProperty("role", "hint")
            blocked.setWordWrap(True)
            layout.addWidget(blocked)
        checks_pending = any(v.status == VerificationState.PENDING for v in detail.verifications)
        hint = "" if record.upstream_state else self._next_step(record.status, [a.value for a in detail.available],
                                                                checks_pending)
        if hint:
            next_step = QLabel(hint, body)
            next_step.setObjectName("next-step")
            next_step.setProperty("role", "hint")
            next_step.setWordWrap(True)
            layout.addWidget(next_step)

        upstream = upstream_card(self.ctx, record, body)     # mode opencrvs: where it stands there
        if upstream is not None:
            layout.addWidget(upstream)

        # a pending correction: what would change
        if record.correction:
            layout.addWidget(self._correction_card(record.event, record.declaration, record.correction, body))

        # the declaration, section by section, with each person's verification
        shown = visible_fields(self.ctx.country, record.event, record.declaration, self.ctx.today())
        for section in form.sections:
            values = [(f, record.declaration.get(f.id)) for f in section.fields if record.declaration.get(f.id)]
            person = record.persons.get(section.id) or {}
            if not values and not person:
                continue
            card = QFrame(body)
            card.setProperty("role", "card")
            card.setObjectName(f"view-{section.id}")
            card_layout = QVBoxLayout(card)
            top = QHBoxLayout()
            label = QLabel(pick(section.label, section.id), card)
            label.setProperty("role", "section")
            top.addWidget(label)
            state = person.get("verification", VerificationState.NONE)
            checked = state != VerificationState.NONE
            identified = section.identity and (checked or identity_applies(
                self.ctx.country, record.event, section.id, record.declaration, self.ctx.today(), visible=shown))
            if identified:
                pill = verification_pill(state, person.get("failed_attributes"))
                pill.setObjectName(f"pill-{section.id}")
                top.addWidget(pill)
            top.addStretch(1)
            card_layout.addLayout(top)
            grid = QFormLayout()
            for form_field, value in values:
                value_label = QLabel(self.ctx.display_value(record.event, form_field.id, value), card)
                value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value_label.setObjectName(f"value-{form_field.id}")
                grid.addRow(self.ctx.field_label(form_field), value_label)
            if person.get("source") and (identified or not section.identity):   # not for a father marked "No"
                source = QLabel(data_source_text(person["source"], bool(person.get("source_edited"))), card)
                source.setObjectName(f"source-{section.id}")
                grid.addRow(self.tr("Data source"), source)
            shown_ids = {str(v) for _f, v in values} | {str(v) for v in (record.mosip or {}).values() if v}
            if person.get("vid") and str(person["vid"]) not in shown_ids:   # a VID is shown once
                grid.addRow(self.tr("VID"), QLabel(person["vid"], card))
            if person.get("psut"):
                psut = QLabel(abbreviate(person["psut"]), card)
                psut.setToolTip(self.tr("The reference e-Signet gave for this person's login. It is not an ID "
                                        "number and means nothing outside this service."))
                grid.addRow(self.tr("e-Signet login reference"), psut)
            card_layout.addLayout(grid)
            layout.addWidget(card)

        # MOSIP identifiers of the record's subject
        mosip = {k: v for k, v in (record.mosip or {}).items() if v}
        if mosip:
            card = QFrame(body)
            card.setProperty("role", "card")
            grid = QFormLayout(card)
            grid.addRow(QLabel("<b>MOSIP</b>", card))
            names = {"rid": self.tr("Registration ID (RID)"), "vid": self.tr("VID"), "uin": self.tr("UIN")}
            for key in ("rid", "vid", "uin"):
                if key in mosip:
                    value = QLabel(str(mosip[key]), card)
                    value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                    grid.addRow(names[key], value)
            layout.addWidget(card)

        if detail.outbox:
            layout.addWidget(self._heading(self.tr("Sent to MOSIP and OpenCRVS") if is_opencrvs(self.ctx)
                                           else self.tr("Sent to MOSIP"), body))
            layout.addWidget(self._outbox_table(detail, body))

        layout.addWidget(self._heading(self.tr("History"), body))
        layout.addWidget(self._history_table(detail, body))
        layout.addStretch(1)
        self.scroll.setWidget(body)

    def _next_step(self, status: str, available: list[str], checks_pending: bool) -> str:
        """What happens next when this person has nothing to do here."""
        if status == Status.DECLARED and checks_pending:   # with no ID number there is nothing to wait for
            return self.tr("Identity checks run when the device is online; the record then moves on by itself.")
        if status == Status.VERIFICATION_FAILED and ActionType.RETRY not in available:
            return self.tr("A supervisor reviews failed identity checks.")
        if status == Status.VALIDATED and ActionType.REGISTER not in available:
            return self.tr("Ready for a registrar to register.")
        if status == Status.AWAITING_EXTERNAL_VALIDATION:
            return self.tr("Waiting for MOSIP to issue the UIN; the record becomes Registered when it does.")
        if status == Status.CORRECTION_REQUESTED and ActionType.APPROVE_CORRECTION not in available:
            return self.tr("Waiting for a registrar to approve or reject the correction.")
        return ""

    def _four_eyes_hint(self, record: Any) -> str:
        """Why this officer may not approve the pending correction (they requested it), or ""."""
        correction = record.correction or {}
        actor = self.ctx.actor
        if (actor is None or not self.ctx.country.config.corrections.four_eyes
                or correction.get("requested_by") != actor.name):
            return ""
        return self.tr("You requested this correction, so another registrar must approve it "
                       "(four-eyes rule).")

    @staticmethod
    def _checks_pending(record: Any) -> bool:
        return any((person or {}).get("verification") == VerificationState.PENDING
                   for person in (record.persons or {}).values())

    def _action_label(self, action: ActionType) -> str:
        return {
            ActionType.VALIDATE: self.tr("&Validate"),
            ActionType.REGISTER: self.tr("&Register"),
            ActionType.REQUEST_CORRECTION: self.tr("Request &correction…"),
            ActionType.APPROVE_CORRECTION: self.tr("&Approve correction…"),
            ActionType.REJECT_CORRECTION: self.tr("Re&ject correction…"),
            ActionType.REJECT: self.tr("Re&ject…"),
            ActionType.RETRY: self.tr("Re&view failed verification…"),
            ActionType.REMOVE_FROM_QUEUE: self.tr("Re&move from queue…"),
        }.get(action, action.value)

    @staticmethod
    def _heading(text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setProperty("role", "section")
        return label

    def _correction_card(self, event: str, declaration: dict[str, Any], correction: dict[str, Any],
                         parent: QWidget) -> QFrame:
        card = QFrame(parent)
        card.setProperty("role", "card")
        card.setObjectName("correction")
        layout = QVBoxLayout(card)
        heading = QLabel("<b>" + self.tr("Correction requested") + "</b> — "
                         + self.tr("reason: %1").replace("%1", _esc(correction.get("reason") or "")), card)
        heading.setWordWrap(True)           # the reason wraps: the record pane never scrolls sideways
        layout.addWidget(heading)
        layout.addWidget(changes_table(self.ctx, event, declaration, correction.get("changes") or {}, card))
        return card

    def _outbox_table(self, detail: RecordDetail, parent: QWidget) -> QTableWidget:
        table = read_only_table(parent, [self.tr("Operation"), self.tr("State"), self.tr("Attempts"),
                                         self.tr("Last error")])
        table.setObjectName("outbox")
        for item in detail.outbox:
            add_row(table, [outbox_kind_text(item.kind), outbox_state_text(item.state), str(item.attempts),
                             notice_text(item.last_error)])
        return fit(table)

    def _history_table(self, detail: RecordDetail, parent: QWidget) -> QTableWidget:
        table = read_only_table(parent, [self.tr("When"), self.tr("Who"), self.tr("What"), self.tr("Details")])
        table.setObjectName("history")
        payloads: dict[str, list[dict[str, Any]]] = {}
        for action in detail.actions:
            payloads.setdefault(action.type, []).append(action.payload or {})
        record = detail.record
        for event in history_entries(detail.history):
            details = event.details
            text = self._describe(record.event, event.kind, details, payloads)
            actor = self.tr("This device") if event.actor == SYSTEM.name else event.actor
            add_row(table, [local_time(event.at), actor, action_text(event.kind), text])
            # a change of a person's data source: its own row, under the action that caused it
            for section, change in event.source_changes:
                what = self.tr("%1: %2").replace("%1", self._section_label(record.event, str(section))).replace(
                    "%2", data_source_text(str(change.get("source", "")), bool(change.get("edited"))))
                add_row(table, [local_time(event.at), actor, action_text("data-source"), what])
        return fit(table)

    def _describe(self, event: str, kind: str, details: dict[str, Any],
                  payloads: dict[str, list[dict[str, Any]]]) -> str:
        parts = []
        if details.get("from") != details.get("to") and details.get("to") and not details.get("upstream_to"):
            parts.append(f"{status_text(details.get('from') or '')} → {status_text(details['to'])}".strip(" →"))
        if details.get("section"):
            parts.append(self.tr("person: %1").replace("%1", self._section_label(event, details["section"])))
        if details.get("outcome"):
            parts.append(self.tr("outcome: %1").replace("%1", verification_text(str(details["outcome"]))))
        if details.get("failed_attributes"):
            parts.append(self.tr("did not match: %1").replace(
                "%1", ", ".join(attribute_text(str(a)) for a in details["failed_attributes"])))
        if kind == "mosip-delivered" and details.get("operation"):
            parts.append(outbox_kind_text(str(details["operation"])))
        if kind == "delivery-quarantined":
            notice = details.get("notice")
            stored = notice if isinstance(notice, dict) else {}
            parts.append(notice_text(Notice(str(stored.get("code") or "text"), str(details.get("reason") or ""),
                                            stored.get("params") or {})))
        if details.get("requester_section"):
            parts.append(self.tr("asked for by: %1").replace(
                "%1", self._section_label(event, str(details["requester_section"]))))
        if kind == "approve-correction" and payloads.get(kind):
            payload = payloads[kind].pop(0)
            changes = payload.get("changes") or {}
            previous = payload.get("previous") or {}
            for fid, new in changes.items():
                form_field = self.ctx.form(event).field(fid)
                label = self.ctx.field_label(form_field) if form_field else fid
                old = self.ctx.display_value(event, fid, previous.get(fid)) or "∅"
                parts.append(f"{label}: {old} → {self.ctx.display_value(event, fid, new)}")
        elif details.get("fields") and kind in ("request-correction", "retry", "update", "create"):
            by_section: dict[str, list[str]] = {}     # "Sex, Sex" says nothing: name each field's person
            for fid in details["fields"]:
                form_field = self.ctx.form(event).field(fid)
                section = self._section_label(event, str(fid).split(".", 1)[0])
                by_section.setdefault(section, []).append(self.ctx.field_label(form_field) if form_field else fid)
            parts.append(self.tr("fields: %1").replace("%1", ", ".join(
                f"{section} ({', '.join(labels)})" for section, labels in by_section.items())))
        parts += upstream_history(details)      # mode opencrvs: what OpenCRVS did
        if details.get("reason") and kind != "delivery-quarantined":   # a person's own words
            parts.append(self.tr("reason: %1").replace("%1", str(details["reason"])))
        if details.get("verifications_queued"):
            parts.append(self.tr("identity checks queued: %1").replace(
                "%1", ", ".join(self._section_label(event, s) for s in details["verifications_queued"])))
        mosip = details.get("mosip")
        if isinstance(mosip, list) and mosip:
            parts.append(self.tr("MOSIP: %1").replace("%1", ", ".join(
                outbox_kind_text(str(op.get("operation", ""))) for op in mosip if isinstance(op, dict))))
        elif isinstance(mosip, str):
            parts.append(self.tr("no MOSIP operation"))
        return " · ".join(parts)

    def _section_label(self, event: str, section_id: str) -> str:
        section = self.ctx.form(event).section(section_id)
        return pick(section.label, section_id) if section else section_id


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

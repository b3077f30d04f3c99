"""The message above the record list, and the offline banner.

A message describes the current state or goes. One said of a record (an action done, a failure)
stays only while that record is the one shown and its status is the one the message speaks of:
showing another record, or the record moving on (the agent verified it, MOSIP confirmed it),
takes it away. A message of no record goes when the next one replaces it or `clear_unbound` is
called (the failed read it reported succeeded since).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QLabel, QWidget

from app.store.models import Record

COLOURS = {"info": ("#e3f2fd", "#0d47a1"), "ok": ("#e8f5e9", "#1b5e20"), "error": ("#ffebee", "#b71c1c")}


@dataclass(frozen=True)
class Subject:
    record_id: str
    status: str | None     # None: true whatever the status (until another record is shown)


class Banner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.subject: Subject | None = None
        self.hide()

    def say(self, text: str, kind: str = "info", *, record: Record | None = None, record_id: str | None = None,
            any_status: bool = False) -> None:
        """Show `text`; about `record` in its current status (or `record_id`, or `any_status`)."""
        bg, fg = COLOURS.get(kind, COLOURS["info"])
        self.setStyleSheet(f"QLabel {{ background:{bg}; color:{fg}; padding:6px 10px; border-radius:4px; }}")
        self.setText(text)
        self.setProperty("kind", kind)
        if record is not None:
            self.subject = Subject(record.id, None if any_status else record.status)
        elif record_id is not None:
            self.subject = Subject(record_id, None)
        else:
            self.subject = None
        self.show()

    def withdraw(self) -> None:
        self.subject = None
        self.setText("")
        self.setProperty("kind", None)
        self.hide()

    def record_shown(self, record_id: str | None, record: Record | None = None) -> None:
        """The window now shows this record (None: none), as read just now (`record`)."""
        subject = self.subject
        if subject is None or self.isHidden():
            return
        if record_id != subject.record_id:
            self.withdraw()
        elif record is not None and subject.status is not None and record.status != subject.status:
            self.withdraw()     # the record moved on: what the message said is no longer so

    def clear_unbound(self, kind: str | None = None) -> None:
        """Take away a message of no record (of this kind), e.g. a failed read that now worked."""
        if self.subject is None and (kind is None or self.property("kind") == kind):
            self.withdraw()


class OfflineBanner(QLabel):
    """Offline is a state of its own, said in words above the list (not only by the status bar's pill)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offline-banner")
        self.setWordWrap(True)
        self.setStyleSheet("QLabel { background:#fff3cd; color:#7a5a00; padding:6px 10px; "
                           "border-radius:4px; font-weight:600; }")
        self.hide()

    def show_offline(self, offline: bool, reason: str) -> None:
        if offline:
            self.setText("⚠ " + reason + " " + self.tr("“Sync now” is unavailable until then."))
        self.setVisible(offline)

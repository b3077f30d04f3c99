"""The work queues down the window's left side, each with its count, and where a role lands."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.config.models import WorkQueue
from app.records.workflow import Role, Status
from ui.i18n import pick

# Where each role starts: the first queue holding the records that wait for that role.
LANDING_STATUS = {Role.AGENT: Status.DRAFT, Role.SUPERVISOR: Status.VERIFICATION_FAILED,
                  Role.REGISTRAR: Status.VALIDATED}


def landing_queue(queues: list[WorkQueue], role: Role | None) -> int:
    """Index of the queue the role lands on at sign-in (the first queue when none fits)."""
    status = LANDING_STATUS.get(role) if role is not None else None
    return next((i for i, queue in enumerate(queues) if status is not None and status in queue.statuses), 0)


class QueueList(QListWidget):
    def __init__(self, queues: list[WorkQueue], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.work_queues = queues
        self.setObjectName("queues")
        self.setFixedWidth(280)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        for queue in queues:
            item = QListWidgetItem(pick(queue.label, queue.id))
            item.setData(Qt.ItemDataRole.UserRole, queue.id)
            self.addItem(item)

    def queue_id(self, row: int) -> str:
        return str(self.item(row).data(Qt.ItemDataRole.UserRole))

    def show_counts(self, counts: dict[str, int]) -> None:
        for row, queue in enumerate(self.work_queues):
            item = self.item(row)
            count = counts.get(queue.id, 0)
            label = pick(queue.label, queue.id)
            text = f"{label}  ·  {count}" if count else label
            if item.text() != text:
                item.setText(text)
            item.setToolTip(self.tr("%n record(s)", "", count))

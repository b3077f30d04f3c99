"""The record list: search across all queues, one page of a queue, paging, and the selection.

The selected row is always the record the window shows: the window says which record that is
(`follow`), the list selects its row whenever the row is on the page and selects none otherwise
(a record that just left the queue after an action stays shown, without a row). A row the person
moves to is announced (`record_chosen`); rows the list selects itself are not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.store.models import Record
from ui.context import AppContext
from ui.i18n import event_text, status_text
from ui.operations import run_read
from ui.qt_compat import emit
from ui.record_view import short_time
from ui.upstream import status_cell

PAGE_SIZE = 50
SEARCH_DELAY_MS = 250

_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_USER = Qt.ItemDataRole.UserRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value


class RecordListModel(QAbstractTableModel):
    """The cells' texts are made once per page (`set_rows`): the view asks `data()` hundreds of
    times per page shown (painting, several roles per cell), so each call is a list lookup; the
    same texts size the columns (`RecordList._fit_columns`)."""

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[Record] = []
        self.cells: list[tuple[str, ...]] = []
        self.headers = [self.tr("Tracking ID"), self.tr("Event"), self.tr("Name"), self.tr("Status"),
                        self.tr("Updated")]

    def set_rows(self, rows: list[Record]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.cells = [self._cells(record) for record in rows]
        self.endResetModel()

    def row_of(self, record_id: str | None) -> int | None:
        return next((n for n, record in enumerate(self.rows) if record.id == record_id), None)

    def _cells(self, record: Record) -> tuple[str, ...]:
        status = status_cell(record) or status_text(record.status)    # mode opencrvs: its state there
        return (record.tracking_id, event_text(record.event), self.ctx.subject_name(record.event, record.declaration),
                f"⚠ {status}" if record.requires_attention else status, short_time(record.updated_at))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == _DISPLAY:
            return self.cells[index.row()][index.column()] if index.isValid() else None
        if role == _USER:
            return self.rows[index.row()].id if index.isValid() else None
        if role == _TOOLTIP and index.isValid():
            record = self.rows[index.row()]
            return record.attention_reason if record.requires_attention else None
        return None


class RecordList(QWidget):
    record_chosen = Signal(str)        # the person moved to this record's row
    record_activated = Signal(object)  # Enter / double click on a row: the Record
    # a page arrived: whether the followed record is on it; whether the person asked for another
    # page (a queue, a search, paging) rather than the same page refreshed
    page_shown = Signal(bool, bool)
    failed = Signal(object)            # a page could not be read: the exception

    def __init__(self, ctx: AppContext, queue_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.queue_id = queue_id
        self.offset = 0
        self.has_more = False
        self.current_id: str | None = None     # the record the window shows (see `follow`)
        self._request = 0
        self._navigated = False
        self._page_shown: tuple[Any, ...] | None = None   # what the table shows: day, query, rows' versions
        self._selecting = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText(self.tr("Search all queues by name or tracking ID (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self._search_changed)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self.search_return)
        layout.addWidget(self.search)
        self.model = RecordListModel(ctx, self)
        self.table = QTableView(self)
        self.table.setObjectName("records")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)   # fitted per page: _fit_columns
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)    # the name takes what is left
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.activated.connect(lambda index: emit(self.record_activated, self.model.rows[index.row()]))
        layout.addWidget(self.table, 1)
        paging = QHBoxLayout()
        self.empty = QLabel(self)
        self.empty.setProperty("role", "hint")
        paging.addWidget(self.empty)
        paging.addStretch(1)
        self.prev_button = QPushButton(self.tr("‹ Previous"), self)
        self.prev_button.clicked.connect(lambda: self.page(-1))
        self.page_label = QLabel(self)
        self.next_button = QPushButton(self.tr("Next ›"), self)
        self.next_button.clicked.connect(lambda: self.page(1))
        for w in (self.prev_button, self.page_label, self.next_button):
            paging.addWidget(w)
        layout.addLayout(paging)

    # ------------------------------------------------------------------ what to list
    def show_queue(self, queue_id: str) -> None:
        self.queue_id = queue_id
        self.offset = 0
        self.reload(navigated=True)

    def _search_changed(self) -> None:
        self.offset = 0
        self.reload(navigated=True)

    def search_return(self) -> None:
        self.search_timer.stop()
        self._search_changed()
        self.table.setFocus()

    def page(self, step: int) -> None:
        if step > 0 and not self.has_more:
            return
        self.offset = max(0, self.offset + step * PAGE_SIZE)
        self.reload(navigated=True)

    def reload(self, *, navigated: bool = False) -> None:
        """Read the page again (`navigated`: the person asked for another one)."""
        self._navigated = navigated or self._navigated     # until the answer to the newest request
        self._request += 1
        request = self._request
        search, offset = self.search.text(), self.offset
        queue = None if search.strip() else self.queue_id     # a search looks through every record
        records = self.ctx.records

        def work() -> list[Record]:
            return records.list_records(queue, search or None, limit=PAGE_SIZE + 1, offset=offset)

        run_read(self, work, lambda rows: self._show_list(request, rows), lambda exc: emit(self.failed, exc))

    def shows(self, record_ids: frozenset[str]) -> bool:
        return any(record.id in record_ids for record in self.model.rows)

    def _show_list(self, request: int, rows: list[Record]) -> None:
        if request != self._request:
            return   # an older answer: the person already asked for something else
        self.has_more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        self.prev_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(self.has_more)
        shown = (dt.date.today(), self.queue_id, self.search.text(), self.offset,
                 [(r.id, r.version, r.updated_at) for r in rows])
        if shown != self._page_shown:   # the same rows as on screen: a refresh while the agent syncs others
            self._page_shown = shown
            self.model.set_rows(rows)
            self._fit_columns()
            if rows:
                self.page_label.setText(f"{self.offset + 1}–{self.offset + len(rows)}")
                self.empty.setText("")
            else:
                self.page_label.setText("")
                self.empty.setText(self.tr("No records here.") if not self.search.text()
                                   else self.tr("No record matches the search."))
        self._select(self.current_id)
        navigated, self._navigated = self._navigated, False
        emit(self.page_shown, self.model.row_of(self.current_id) is not None, navigated)

    def _fit_columns(self) -> None:
        """Columns as wide as their texts, measured from the page's cell texts: what
        resize-to-contents does, without the view asking `data()` some 2,400 times per page (each
        call from Qt into Python, each waiting for the GIL while the sync agent runs)."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        margin = 2 * (self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 1)
        for column in range(self.model.columnCount()):
            if header.sectionResizeMode(column) != QHeaderView.ResizeMode.Interactive:
                continue
            texts = {cells[column] for cells in self.model.cells}
            width = max((metrics.horizontalAdvance(text) for text in texts), default=0) + margin + 4
            header.resizeSection(column, max(width, header.sectionSizeHint(column)))

    # ------------------------------------------------------------------ selection
    def follow(self, record_id: str | None) -> None:
        """The window shows this record (None: none): select its row, or no row."""
        self.current_id = record_id
        self._select(record_id)

    def _select(self, record_id: str | None) -> None:
        row = self.model.row_of(record_id)
        selection = self.table.selectionModel()
        self._selecting = True
        try:
            if row is None:
                # no current index either: focusing the table would otherwise make the first row
                # current without selecting it, and the view would show a record no row marks
                selection.clear()
            elif selection.currentIndex().row() != row or not selection.isRowSelected(row, QModelIndex()):
                index = self.model.index(row, 0)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                          | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(index)
        finally:
            self._selecting = False

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        record_id = self.model.rows[current.row()].id
        self.current_id = record_id
        selection = self.table.selectionModel()
        if not selection.isRowSelected(current.row(), QModelIndex()):   # made current without a selection
            self._selecting = True
            try:
                selection.select(current, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                 | QItemSelectionModel.SelectionFlag.Rows)
            finally:
                self._selecting = False
        emit(self.record_chosen, record_id)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()].id if rows else None

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

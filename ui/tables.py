"""Read-only tables of the record pane: rows that wrap and show whole, a correction's changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ui.context import AppContext


def changes_table(ctx: AppContext, event: str, declaration: dict[str, Any], changes: dict[str, Any],
                  parent: QWidget) -> QTableWidget:
    table = read_only_table(parent, [QCoreApplication.translate("RecordView", "Field"),
                            QCoreApplication.translate("RecordView", "Now"),
                            QCoreApplication.translate("RecordView", "Corrected to")])
    table.setObjectName("changes")
    for fid, new in changes.items():
        form_field = ctx.form(event).field(fid)
        add_row(table, [ctx.field_label(form_field) if form_field else fid,
                         ctx.display_value(event, fid, declaration.get(fid)),
                         ctx.display_value(event, fid, new)])
    return fit(table)


class FittedTable(QTableWidget):
    """A read-only table that shows all its rows (wrapped text) and lets the page scroll instead."""

    max_height = 480

    def refit(self) -> None:
        self.resizeRowsToContents()
        height = self.horizontalHeader().height() + sum(self.rowHeight(r) for r in range(self.rowCount())) + 4
        self.setFixedHeight(min(height, self.max_height))
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if height > self.max_height
                                        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.refit()


def read_only_table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = FittedTable(0, len(headers), parent)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


def add_row(table: QTableWidget, cells: list[str]) -> None:
    row = table.rowCount()
    table.insertRow(row)
    for column, text in enumerate(cells):
        item = QTableWidgetItem(text)
        item.setToolTip(text)
        table.setItem(row, column, item)


def fit(table: QTableWidget, max_height: int = 480) -> QTableWidget:
    """Wrap the last column, grow rows to their text, and size the table to its rows."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(table.columnCount() - 1):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(table.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
    if isinstance(table, FittedTable):
        table.max_height = max_height
        table.refit()
    return table

"""The main window: work queues with counts, the record list (search, paging, keyboard), the
record view with the role's actions, declaration forms and the supervisor review."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.config.models import Operation, WorkQueue
from app.records import RecordDetail
from app.records.workflow import ActionType, Role, Status
from app.store.models import Record
from app.sync_status import SyncStatus
from ui.context import AppContext
from ui.dialogs import ApproveCorrectionDialog, CorrectionDialog
from ui.errors import error_text
from ui.form import DeclarationForm
from ui.i18n import event_text, new_declaration_text, pick, status_text
from ui.operations import run_read, run_write
from ui.record_view import RecordView, short_time
from ui.review import SupervisorReview
from ui.sync_bar import SyncBridge, SyncStatusWidget, offline_reason
from ui.widgets import ReasonDialog

log = logging.getLogger(__name__)
PAGE_SIZE = 50
SYNC_REFRESH_MS = 300
LAPTOP_SCREEN = QSize(1366, 768)     # the smallest screen the window is designed for
DEFAULT_SIZE = QSize(1280, 800)
GEOMETRY_KEY = "main_window/geometry"


# Where each role starts: the first queue holding the records that wait for that role.
LANDING_STATUS = {Role.AGENT: Status.DRAFT, Role.SUPERVISOR: Status.VERIFICATION_FAILED,
                  Role.REGISTRAR: Status.VALIDATED}


def landing_queue(queues: list[WorkQueue], role: Role | None) -> int:
    """Index of the queue the role lands on at sign-in (the first queue when none fits)."""
    status = LANDING_STATUS.get(role) if role is not None else None
    return next((i for i, queue in enumerate(queues) if status is not None and status in queue.statuses), 0)


def should_maximise(available: QSize) -> bool:
    """A laptop-sized screen (≤ 1366×768 available) gets the whole screen: the default size
    would not fit, and the sync bar and pager would fall off its bottom edge."""
    return available.width() <= LAPTOP_SCREEN.width() or available.height() <= LAPTOP_SCREEN.height()


_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_USER = Qt.ItemDataRole.UserRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value


class RecordListModel(QAbstractTableModel):
    """The cells' texts are made once per page (`set_rows`): the view asks `data()` hundreds of
    times per page shown (painting, several roles per cell), so each call is a list lookup; the
    same texts size the columns (`MainWindow._fit_columns`)."""

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

    def _cells(self, record: Record) -> tuple[str, ...]:
        status = status_text(record.status)
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


class MainWindow(QMainWindow):
    signed_out = Signal()

    def __init__(self, ctx: AppContext, bridge: SyncBridge | None = None, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.settings = settings
        self._own_bridge = bridge is None
        self.bridge = bridge or SyncBridge(ctx.sync_hub, self)
        landing = landing_queue(ctx.country.config.workqueues, ctx.role)
        self.queue_id: str | None = ctx.country.config.workqueues[landing].id
        self.offset = 0
        self.has_more = False
        self.counts: dict[str, int] = {}
        self.form: DeclarationForm | None = None
        self.review: SupervisorReview | None = None
        self._detail_request = 0
        self._list_request = 0
        self._page_shown: tuple[Any, ...] | None = None   # what the table shows: day, query, rows' versions
        self.wants_sign_out = False
        self._online: bool | None = None
        self._sync_changed: set[str] = set()
        self._sync_refresh = QTimer(self)      # at most one refresh per interval while the agent syncs
        self._sync_refresh.setSingleShot(True)
        self._sync_refresh.setInterval(SYNC_REFRESH_MS)
        self._sync_refresh.timeout.connect(self._refresh_after_sync)
        actor = ctx.actor
        self.setWindowTitle(self.tr("crvs-field — %1").replace("%1", ctx.country.name.title()))
        self.resize(DEFAULT_SIZE)

        self._build_toolbar()
        central = QWidget(self)
        root = QHBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.queues = QListWidget(central)
        self.queues.setObjectName("queues")
        self.queues.setFixedWidth(280)
        self.queues.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queues.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.queues.currentItemChanged.connect(self._queue_chosen)
        for queue in ctx.country.config.workqueues:
            item = QListWidgetItem(pick(queue.label, queue.id))
            item.setData(Qt.ItemDataRole.UserRole, queue.id)
            self.queues.addItem(item)
        root.addWidget(self.queues)

        self.stack = QStackedWidget(central)
        root.addWidget(self.stack, 1)
        browse = QWidget(self.stack)
        browse_layout = QVBoxLayout(browse)
        browse_layout.setContentsMargins(8, 8, 8, 4)
        self.offline_banner = QLabel(browse)
        self.offline_banner.setObjectName("offline-banner")
        self.offline_banner.setWordWrap(True)
        self.offline_banner.setStyleSheet("QLabel { background:#fff3cd; color:#7a5a00; padding:6px 10px; "
                                          "border-radius:4px; font-weight:600; }")
        self.offline_banner.hide()
        browse_layout.addWidget(self.offline_banner)
        self.banner = QLabel(browse)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        browse_layout.addWidget(self.banner)
        splitter = QSplitter(Qt.Orientation.Horizontal, browse)
        list_panel = QWidget(splitter)
        list_layout = QVBoxLayout(list_panel)
        list_layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(list_panel)
        self.search.setObjectName("search")
        self.search.setPlaceholderText(self.tr("Search all queues by name or tracking ID (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(250)
        self.search_timer.timeout.connect(self._search_changed)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self._search_return)
        list_layout.addWidget(self.search)
        self.model = RecordListModel(ctx, self)
        self.table = QTableView(list_panel)
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
        self.table.activated.connect(self._row_activated)
        list_layout.addWidget(self.table, 1)
        paging = QHBoxLayout()
        self.empty = QLabel(list_panel)
        self.empty.setProperty("role", "hint")
        paging.addWidget(self.empty)
        paging.addStretch(1)
        self.prev_button = QPushButton(self.tr("‹ Previous"), list_panel)
        self.prev_button.clicked.connect(lambda: self.page(-1))
        self.page_label = QLabel(list_panel)
        self.next_button = QPushButton(self.tr("Next ›"), list_panel)
        self.next_button.clicked.connect(lambda: self.page(1))
        for w in (self.prev_button, self.page_label, self.next_button):
            paging.addWidget(w)
        list_layout.addLayout(paging)
        self.view = RecordView(ctx, splitter)
        self.view.action_requested.connect(self.run_action)
        self.view.edit_requested.connect(self.edit_current)
        splitter.addWidget(list_panel)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([560, 560])
        browse_layout.addWidget(splitter, 1)
        self.stack.addWidget(browse)
        self.setCentralWidget(central)

        self.sync_widget = SyncStatusWidget(self.bridge, ctx.sync_now, self)
        self.statusBar().addPermanentWidget(self.sync_widget)
        self.user_label = user = QLabel(self.tr("Signed in as %1 (%2)").replace("%1", actor.name if actor else "?")
                      .replace("%2", role_text(actor.role) if actor else ""), self)
        self.statusBar().addWidget(user)
        self.bridge.status.connect(self._sync_status)
        self._show_connectivity(self.bridge.latest.online)

        QShortcut(QKeySequence("Ctrl+F"), self, activated=lambda: (self.search.setFocus(), self.search.selectAll()))
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=lambda: self.table.setFocus())
        QShortcut(QKeySequence("Ctrl+PgDown"), self, activated=lambda: self.page(1))
        QShortcut(QKeySequence("Ctrl+PgUp"), self, activated=lambda: self.page(-1))
        for n in range(min(9, self.queues.count())):
            QShortcut(QKeySequence(f"Alt+{n + 1}"), self, activated=lambda n=n: self.queues.setCurrentRow(n))
        self.queues.setCurrentRow(landing)
        self.refresh_counts()

    # ------------------------------------------------------------------ toolbar
    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Actions"), self)
        bar.setMovable(False)
        bar.setObjectName("toolbar")
        self.addToolBar(bar)
        can_declare = self.ctx.role in (Role.AGENT, Role.SUPERVISOR, Role.REGISTRAR)
        self.new_actions: dict[str, QAction] = {}
        shortcuts = {"birth": "Ctrl+N", "death": "Ctrl+Shift+N"}
        for event in self.ctx.country.config.forms:
            text = new_declaration_text(event.value)
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcuts.get(event.value, "")))
            action.setToolTip(f"{text} ({shortcuts.get(event.value, '')})")
            action.setEnabled(can_declare)
            action.triggered.connect(lambda _=False, e=event.value: self.new_declaration(e))
            bar.addAction(action)
            self.new_actions[event.value] = action
        bar.addSeparator()
        refresh = QAction(self.tr("Refresh"), self)
        refresh.triggered.connect(self.refresh)
        bar.addAction(refresh)
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        sign_out = QAction(self.tr("Sign out"), self)
        sign_out.triggered.connect(self.sign_out)
        bar.addAction(sign_out)

    def sign_out(self) -> None:
        self.wants_sign_out = True
        self.close()

    # ------------------------------------------------------------------ geometry
    def available_size(self) -> QSize:
        screen = self.screen()
        return screen.availableGeometry().size() if screen is not None else DEFAULT_SIZE

    def show_fitted(self) -> None:
        """Show the window as the person left it (size, position, maximised); on a laptop-sized
        screen, always maximised."""
        saved = self.settings.value(GEOMETRY_KEY) if self.settings is not None else None
        if saved:
            self.restoreGeometry(saved)      # the saved maximised state comes back with it
        if should_maximise(self.available_size()):
            self.showMaximized()
        else:
            self.show()

    def _save_geometry(self) -> None:
        if self.settings is not None:
            self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
            self.settings.sync()

    # ------------------------------------------------------------------ messages
    def notify(self, text: str, kind: str = "info") -> None:
        colours = {"info": ("#e3f2fd", "#0d47a1"), "ok": ("#e8f5e9", "#1b5e20"), "error": ("#ffebee", "#b71c1c")}
        bg, fg = colours.get(kind, colours["info"])
        self.banner.setStyleSheet(f"QLabel {{ background:{bg}; color:{fg}; padding:6px 10px; border-radius:4px; }}")
        self.banner.setText(text)
        self.banner.setProperty("kind", kind)
        self.banner.show()

    def fail(self, exc: BaseException) -> None:
        self.notify(error_text(exc), "error")

    # ------------------------------------------------------------------ queues and list
    def refresh(self) -> None:
        self.refresh_counts()
        self.load_list()
        if self.view.record_id:
            self.load_detail(self.view.record_id)

    def refresh_counts(self) -> None:
        run_read(self, self.ctx.records.queue_counts, self._show_counts, self.fail)

    def _show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        for row in range(self.queues.count()):
            item = self.queues.item(row)
            qid = item.data(Qt.ItemDataRole.UserRole)
            queue = next(q for q in self.ctx.country.config.workqueues if q.id == qid)
            count = counts.get(qid, 0)
            item.setText(f"{pick(queue.label, qid)}  ·  {count}" if count else pick(queue.label, qid))
            item.setToolTip(self.tr("%n record(s)", "", count))

    def _queue_chosen(self, current: QListWidgetItem | None, _previous: Any) -> None:
        if current is None:
            return
        self.queue_id = current.data(Qt.ItemDataRole.UserRole)
        self.offset = 0
        self.load_list()

    def _search_changed(self) -> None:
        self.offset = 0
        self.load_list()

    def _search_return(self) -> None:
        self.search_timer.stop()
        self._search_changed()
        self.table.setFocus()

    def page(self, step: int) -> None:
        if step > 0 and not self.has_more:
            return
        self.offset = max(0, self.offset + step * PAGE_SIZE)
        self.load_list()

    def load_list(self) -> None:
        self._list_request += 1
        request = self._list_request
        search, offset = self.search.text(), self.offset
        queue = None if search.strip() else self.queue_id     # a search looks through every record
        records = self.ctx.records

        def work() -> list[Record]:
            return records.list_records(queue, search or None, limit=PAGE_SIZE + 1, offset=offset)

        run_read(self, work, lambda rows: self._show_list(request, rows), self.fail)

    def _show_list(self, request: int, rows: list[Record]) -> None:
        if request != self._list_request:
            return   # an older answer: the person already asked for something else
        keep = self.view.record_id
        self.has_more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        self.prev_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(self.has_more)
        shown = (dt.date.today(), self.queue_id, self.search.text(), self.offset,
                 [(r.id, r.version, r.updated_at) for r in rows])
        if shown == self._page_shown:
            return   # the same rows as on screen (a refresh while the agent syncs other records)
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
        for row, record in enumerate(rows):
            if record.id == keep:
                self.table.selectRow(row)
                break

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

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.load_detail(self.model.rows[current.row()].id)

    def _row_activated(self, index: QModelIndex) -> None:
        record = self.model.rows[index.row()]
        if record.status == "draft":
            self.open_form(record.event, record)
        elif self.view.buttons:
            next(iter(self.view.buttons.values())).setFocus()

    def load_detail(self, record_id: str) -> None:
        self._detail_request += 1
        request = self._detail_request
        records, role = self.ctx.records, self.ctx.role
        run_read(self, lambda: records.detail(record_id, role),
                 lambda detail: self._show_detail(request, detail), self.fail)

    def _show_detail(self, request: int, detail: RecordDetail) -> None:
        if request == self._detail_request:
            self.view.show_detail(detail)

    def select_record(self, record_id: str) -> None:
        """Show a record (after an action or from a test): detail now, list selection when loaded."""
        self.load_detail(record_id)
        for row, record in enumerate(self.model.rows):
            if record.id == record_id:
                self.table.selectRow(row)

    # ------------------------------------------------------------------ sync events
    def _sync_status(self, status: SyncStatus) -> None:
        if self.form is not None and self.ctx.sync_hub is not None and status.online != self._online:
            for bar in self.form.identity_bars.values():
                bar.esignet.network_changed(status.online)
        self._online = status.online
        self._show_connectivity(status.online)
        if status.changed_records:
            self._sync_changed.update(status.changed_records)
            if not self._sync_refresh.isActive():
                self._sync_refresh.start()

    def _show_connectivity(self, online: bool) -> None:
        """Offline is a state of its own, said in words above the list (not only by the status bar's pill)."""
        offline = self.ctx.sync_hub is not None and not online
        if offline:
            self.offline_banner.setText("⚠ " + offline_reason() + " " + self.tr("“Sync now” is unavailable "
                                        "until then."))
        self.offline_banner.setVisible(offline)

    def _refresh_after_sync(self) -> None:
        """The agent reports every item it delivers (~100 a second while draining): one refresh for
        all that arrived in the interval, not counts + page + detail per item, which kept the event
        loop busy for 100–700 ms at a time (bench/ui/bench_stall.py)."""
        changed, self._sync_changed = self._sync_changed, set()
        self.refresh_counts()
        self.load_list()
        if self.view.record_id in changed:
            self.load_detail(self.view.record_id)

    # ------------------------------------------------------------------ forms
    def new_declaration(self, event: str) -> None:
        self.open_form(event, None)

    def edit_current(self) -> None:
        detail = self.view.detail
        if detail is not None:
            self.open_form(detail.record.event, detail.record)

    def open_form(self, event: str, record: Record | None) -> None:
        if self.form is not None and (self.form.busy or self.form.pending_changes()) and not self.form.last_error:
            self.form.save_now(then=lambda: self.open_form(event, record))   # keep what was typed first
            return
        self.close_page()
        self.form = DeclarationForm(self.ctx, event, record, self.stack)
        self.form.closed.connect(self._form_closed)
        self.form.declared.connect(self._form_declared)
        self.form.saved.connect(lambda _r: self.refresh_counts())
        self.stack.addWidget(self.form)
        self.stack.setCurrentWidget(self.form)
        if self.ctx.sync_hub is not None and self._online is False:
            for bar in self.form.identity_bars.values():
                bar.esignet.network_changed(False)
        first = next(iter(self.form.editors.values()))
        first.input.setFocus(Qt.FocusReason.OtherFocusReason)

    def close_page(self) -> None:
        for page in (self.form, self.review):
            if page is not None:
                self.stack.removeWidget(page)
                page.deleteLater()
        self.form = None
        self.review = None
        self.stack.setCurrentIndex(0)

    def _form_closed(self) -> None:
        record_id = self.form.record_id if self.form else None
        self.close_page()
        self.refresh()
        if record_id:
            self.select_record(record_id)

    def _form_declared(self, record: Record) -> None:
        self.close_page()
        self.notify(self.tr("Declared. Tracking ID %1. Identity checks run when the device is online.")
                    .replace("%1", record.tracking_id), "ok")
        self.refresh_counts()
        self.load_list()
        self.select_record(record.id)

    # ------------------------------------------------------------------ actions
    def run_action(self, action: str) -> None:
        detail = self.view.detail
        if detail is None or self.ctx.actor is None:
            return
        record = detail.record
        kind = ActionType(action)
        data: dict[str, Any] | None = None
        reason: str | None = None
        if kind is ActionType.RETRY and record.status == "verification_failed":
            self.open_review(detail)
            return
        if kind is ActionType.REGISTER:
            if not self.confirm_register(record):
                return
        elif kind is ActionType.REJECT:
            reason = self.ask_reason(self.tr("Reject %1").replace("%1", record.tracking_id),
                                     self._reject_explanation())
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
            dialog = CorrectionDialog(self.ctx, record, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            data, reason = dialog.data(), dialog.reason_text()
        elif kind is ActionType.APPROVE_CORRECTION:
            if ApproveCorrectionDialog(self.ctx, record, self).exec() != QDialog.DialogCode.Accepted:
                return
        self.act(record.id, kind, data=data, reason=reason)

    def confirm_register(self, record: Record) -> bool:
        """Registering cannot be undone: say what will happen, and whether a national ID will be
        deactivated in MOSIP (the country's rules, evaluated without writing), before doing it."""
        operations = self.ctx.records.preview_operations(record.id, ActionType.REGISTER)
        deactivates = Operation.MARK_DECEASED in operations
        lines = [self.tr("Register %1? Registration cannot be undone; the record can then only be changed "
                         "by a correction.").replace("%1", record.tracking_id)]
        if Operation.CREATE_UIN in operations:
            lines.append(self.tr("MOSIP will be asked to issue a national ID number (UIN) for this person."))
        if Operation.UPDATE_BIOGRAPHICS in operations:
            lines.append(self.tr("The person's details will be updated in MOSIP."))
        if deactivates:
            lines.append(self.tr("The deceased's national ID will be deactivated in MOSIP: it can no longer "
                                 "be used to prove their identity."))
        return self.confirm(self.tr("Register %1").replace("%1", record.tracking_id), "\n\n".join(lines),
                            self.tr("&Register"), dangerous=deactivates)

    def confirm(self, title: str, text: str, accept_label: str, *, dangerous: bool = False) -> bool:
        """Yes or no for an irreversible action. Enter presses the default button: the action, or
        Cancel when the action is dangerous; Esc cancels."""
        box = QMessageBox(QMessageBox.Icon.Warning if dangerous else QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("confirm-action")
        accept = box.addButton(accept_label, QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel if dangerous else accept)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is accept

    def _reject_explanation(self) -> str:
        queue = next((q for q in self.ctx.country.config.workqueues if Status.REJECTED.value in q.statuses), None)
        where = self.tr("The declaration goes to “%1”, where the agent can update and declare it again.").replace(
            "%1", pick(queue.label, queue.id)) if queue else ""
        return " ".join(filter(None, [self.tr("Say why the declaration is rejected. The reason is kept in the "
                                              "record's history."), where]))

    def ask_reason(self, title: str, explanation: str) -> str | None:
        dialog = ReasonDialog(title, explanation, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.reason()

    def act(self, record_id: str, kind: ActionType, *, data: dict[str, Any] | None = None,
            reason: str | None = None, on_failure: Any = None) -> None:
        actor, records = self.ctx.actor, self.ctx.records
        assert actor is not None
        for button in self.view.buttons.values():
            button.setEnabled(False)

        def done(record: Record) -> None:
            self.close_page()
            self.notify(self.tr("%1: done. The record is now “%2”.").replace("%1", _action_name(kind))
                        .replace("%2", status_text(record.status)), "ok")
            self.refresh_counts()
            self.load_list()
            self.load_detail(record.id)

        def failed(exc: BaseException) -> None:
            for button in self.view.buttons.values():
                button.setEnabled(not button.property("blocked"))
            if on_failure is not None:
                on_failure(exc)
            self.fail(exc)

        run_write(self, lambda: records.act(actor, record_id, kind, data=data, reason=reason), done, failed)

    def open_review(self, detail: RecordDetail) -> None:
        self.close_page()
        self.review = SupervisorReview(self.ctx, detail, self.stack)
        self.review.closed.connect(self.close_page)
        record_id = detail.record.id
        self.review.retry_requested.connect(
            lambda edits: self.act(record_id, ActionType.RETRY, data=edits,
                                   on_failure=self.review.show_failure if self.review else None))
        self.review.reject_requested.connect(lambda: self._reject_from_review(record_id))
        self.stack.addWidget(self.review)
        self.stack.setCurrentWidget(self.review)
        self.review.focus_first()

    def _reject_from_review(self, record_id: str) -> None:
        reason = self.ask_reason(self.tr("Reject the declaration"), self._reject_explanation())
        if reason:
            self.act(record_id, ActionType.REJECT, reason=reason)

    def closeEvent(self, event: Any) -> None:
        form = self.form
        if form is not None and (form.busy or form.pending_changes()) and not form.last_error:
            event.ignore()                      # save what was typed, then close (a failed save: close anyway)
            form.save_now(then=self.close)
            return
        self._save_geometry()
        if self._own_bridge:
            self.bridge.close()
        super().closeEvent(event)


def _action_name(kind: ActionType) -> str:
    from ui.i18n import action_text

    return action_text(kind.value)


def role_text(role: Role) -> str:
    from PySide6.QtCore import QCoreApplication

    return {
        Role.AGENT: QCoreApplication.translate("MainWindow", "registration agent"),
        Role.SUPERVISOR: QCoreApplication.translate("MainWindow", "supervisor"),
        Role.REGISTRAR: QCoreApplication.translate("MainWindow", "registrar"),
        Role.ADMIN: QCoreApplication.translate("MainWindow", "administrator"),
    }.get(role, role.value)

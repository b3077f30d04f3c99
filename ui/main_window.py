"""The main window: work queues with counts, the record list, the record view with the role's
actions, declaration forms and the supervisor review, the sync bar.

It stays fresh by itself, as Anki's main window does after a `CollectionOp`: every write runs as
an operation that reports what it changed (ui.operations, app.store.changes), the agent reports
what it changed through its status hub, and `apply_changes` refreshes from both what they touch —
the queues' counts and the sync bar together (one query, so they never disagree), the page when it
lists a changed record or queues moved, the record view when its record changed, the banner when
what it says stopped being so. Nothing refreshes by hand after an action.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.records import RecordDetail
from app.records.workflow import ActionType, Role
from app.store.changes import Changes
from app.store.models import Record
from app.sync_status import SyncStatus
from ui.banner import Banner, OfflineBanner
from ui.context import AppContext
from ui.errors import error_text
from ui.form import DeclarationForm
from ui.i18n import action_text, new_declaration_text, status_text
from ui.operations import change_bus, run_read
from ui.queue_list import QueueList, landing_queue
from ui.record_actions import RecordActions
from ui.record_list import RecordList
from ui.record_view import RecordView
from ui.review import SupervisorReview
from ui.sync_bar import SyncBridge, SyncStatusWidget, offline_reason
from ui.upstream import adapt_form, submitted_text

SYNC_REFRESH_MS = 300
LAPTOP_SCREEN = QSize(1366, 768)     # the smallest screen the window is designed for
DEFAULT_SIZE = QSize(1280, 800)
GEOMETRY_KEY = "main_window/geometry"


def should_maximise(available: QSize) -> bool:
    """A laptop-sized screen (≤ 1366×768 available) gets the whole screen: the default size
    would not fit, and the sync bar and pager would fall off its bottom edge."""
    return available.width() <= LAPTOP_SCREEN.width() or available.height() <= LAPTOP_SCREEN.height()


class MainWindow(QMainWindow):
    signed_out = Signal()

    def __init__(self, ctx: AppContext, bridge: SyncBridge | None = None, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.settings = settings
        self._own_bridge = bridge is None
        self.bridge = bridge or SyncBridge(ctx.sync_hub, self)
        workqueues = ctx.country.config.workqueues_in_mode
        landing = landing_queue(workqueues, ctx.role)
        self.counts: dict[str, int] = {}
        self.form: DeclarationForm | None = None
        self.review: SupervisorReview | None = None
        self._detail_request = 0
        self.wants_sign_out = False
        self.signed_out_by_user = False          # "Sign out" pressed (not the idle lock)
        self._online: bool | None = None
        self._outbox_seen: tuple[int, int] | None = None
        self._agent_changes = Changes()           # what the agent reported since the last refresh
        self._agent_refresh = QTimer(self)        # at most one refresh per interval while the agent syncs
        self._agent_refresh.setSingleShot(True)
        self._agent_refresh.setInterval(SYNC_REFRESH_MS)
        self._agent_refresh.timeout.connect(self._refresh_after_agent)
        self.setWindowTitle(self.tr("crvs-field — %1").replace("%1", ctx.country.name.title()))
        self.resize(DEFAULT_SIZE)

        self.toolbar = self._build_toolbar()
        central = QWidget(self)
        root = QHBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.queues = QueueList(workqueues, central)
        self.queues.currentRowChanged.connect(self._queue_chosen)
        root.addWidget(self.queues)
        self.stack = QStackedWidget(central)
        root.addWidget(self.stack, 1)
        browse = QWidget(self.stack)
        browse_layout = QVBoxLayout(browse)
        browse_layout.setContentsMargins(8, 8, 8, 4)
        self.offline_banner = OfflineBanner(browse)
        browse_layout.addWidget(self.offline_banner)
        self.banner = Banner(browse)
        browse_layout.addWidget(self.banner)
        splitter = QSplitter(Qt.Orientation.Horizontal, browse)
        self.records_panel = RecordList(ctx, workqueues[landing].id, splitter)
        self.records_panel.record_chosen.connect(self._record_chosen)
        self.records_panel.record_activated.connect(self._row_activated)
        self.records_panel.page_shown.connect(self._page_shown)
        self.records_panel.failed.connect(self.fail)
        self.view = RecordView(ctx, splitter)
        self.view.edit_requested.connect(self.edit_current)
        self.actions = RecordActions(ctx, self.view, self)
        self.view.action_requested.connect(self.actions.run)
        self.actions.done.connect(self._action_done)
        self.actions.failed.connect(self._action_failed)
        self.actions.review_requested.connect(self.open_review)
        splitter.addWidget(self.records_panel)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([560, 560])
        browse_layout.addWidget(splitter, 1)
        self.stack.addWidget(browse)
        self.setCentralWidget(central)
        # the list's parts, by the names the rest of the app and its tests know them
        panel = self.records_panel
        self.search, self.table, self.model = panel.search, panel.table, panel.model
        self.prev_button, self.next_button, self.page_label, self.empty = (
            panel.prev_button, panel.next_button, panel.page_label, panel.empty)

        self.sync_widget = SyncStatusWidget(self.bridge, ctx.sync_now, self)
        self.statusBar().addPermanentWidget(self.sync_widget)
        actor = ctx.actor
        self.user_label = QLabel(self.tr("Signed in as %1 (%2)").replace("%1", actor.name if actor else "?")
                                 .replace("%2", role_text(actor.role) if actor else ""), self)
        self.statusBar().addWidget(self.user_label)
        self.bridge.status.connect(self._sync_status)
        change_bus().changed.connect(self._changed_by_write)
        self._listening = True
        self._show_connectivity(self.bridge.latest.online)

        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.records_panel.focus_search)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=lambda: self.table.setFocus())
        QShortcut(QKeySequence("Ctrl+PgDown"), self, activated=lambda: self.page(1))
        QShortcut(QKeySequence("Ctrl+PgUp"), self, activated=lambda: self.page(-1))
        for n in range(min(9, self.queues.count())):
            QShortcut(QKeySequence(f"Alt+{n + 1}"), self, activated=lambda n=n: self.queues.setCurrentRow(n))
        self.queues.setCurrentRow(landing)
        self.refresh_counts()

    # ------------------------------------------------------------------ toolbar
    def _build_toolbar(self) -> QToolBar:
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
        self._tools_anchor = bar.addSeparator()     # tool actions (add_tool_action) go before this
        sign_out = QAction(self.tr("Sign out"), self)
        sign_out.triggered.connect(self.sign_out)
        bar.addAction(sign_out)
        return bar

    def add_tool_action(self, action: QAction) -> None:
        """The place for a tool window's entry (e.g. an administrator's backups): on the toolbar's
        right, before "Sign out"."""
        self.toolbar.insertAction(self._tools_anchor, action)

    def sign_out(self) -> None:
        self.signed_out_by_user = True
        self.lock()

    def lock(self) -> None:
        """Back to sign-in (the idle lock; "Sign out" too)."""
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
    def notify(self, text: str, kind: str = "info", *, record: Record | None = None) -> None:
        self.banner.say(text, kind, record=record)

    def fail(self, exc: BaseException) -> None:
        """A read failed: said until a later one works."""
        self.banner.say(error_text(exc), "error")

    # ------------------------------------------------------------------ freshness
    def _changed_by_write(self, changes: Changes, _initiator: Any) -> None:
        self.apply_changes(changes)

    def apply_changes(self, changes: Changes) -> None:
        """Refresh what `changes` touch (a write's, or the agent's since the last refresh)."""
        if changes.queues or changes.outbox:
            self.refresh_counts()
        if changes.queues or self.records_panel.shows(changes.records) or (
                changes.records and self.search.text().strip()):
            self.records_panel.reload()
        if changes.touches(self.view.record_id):
            self.load_detail(self.view.record_id)

    def refresh(self) -> None:
        """Everything again (F5, Refresh): e.g. after another program wrote to the device."""
        self.refresh_counts()
        self.records_panel.reload()
        if self.view.record_id:
            self.load_detail(self.view.record_id)

    def refresh_counts(self) -> None:
        records = self.ctx.records
        run_read(self, lambda: (records.queue_counts(), records.waiting_records()),
                 lambda counts: self._show_counts(counts), self.fail)

    def _show_counts(self, counts: Any) -> None:
        queue_counts, waiting = counts
        self.counts = queue_counts
        self.queues.show_counts(queue_counts)
        self.sync_widget.show_waiting(waiting)
        self.banner.clear_unbound("error")

    def _sync_status(self, status: SyncStatus) -> None:
        if self.form is not None and self.ctx.sync_hub is not None and status.online != self._online:
            for bar in self.form.identity_bars.values():
                bar.esignet.network_changed(status.online)
        self._online = status.online
        self._show_connectivity(status.online)
        outbox = (status.queued, status.quarantined)
        outbox_moved = self._outbox_seen is not None and outbox != self._outbox_seen
        self._outbox_seen = outbox
        changes = Changes.of_records(status.changed_records, outbox=outbox_moved)
        if outbox_moved:    # the agent sent, queued or set aside items: the Outbox queue may differ
            changes = changes | Changes(queues=True)
        if changes:
            self._agent_changes = self._agent_changes | changes
            if not self._agent_refresh.isActive():
                self._agent_refresh.start()

    def _refresh_after_agent(self) -> None:
        """The agent reports every item it delivers (~100 a second while draining): one refresh for
        all that arrived in the interval, not counts + page + detail per item, which kept the event
        loop busy for 100–700 ms at a time (bench/ui/bench_stall.py)."""
        changes, self._agent_changes = self._agent_changes, Changes()
        self.apply_changes(changes)

    def _show_connectivity(self, online: bool) -> None:
        self.offline_banner.show_offline(self.ctx.sync_hub is not None and not online, offline_reason())

    # ------------------------------------------------------------------ the record shown
    def _queue_chosen(self, row: int) -> None:
        if row >= 0:
            self.records_panel.show_queue(self.queues.queue_id(row))

    @property
    def queue_id(self) -> str | None:
        return self.records_panel.queue_id

    @property
    def offset(self) -> int:
        return self.records_panel.offset

    def page(self, step: int) -> None:
        self.records_panel.page(step)

    def _search_return(self) -> None:
        self.records_panel.search_return()

    def _record_chosen(self, record_id: str) -> None:
        self.banner.record_shown(record_id)
        self.load_detail(record_id)

    def _page_shown(self, shown_on_page: bool, navigated: bool) -> None:
        """Another queue, search or page that does not hold the record shown: show none, so the
        record on the right is always the selected row. A refresh keeps the record shown even when
        it just left the page (the outcome of an action on it), with no row selected."""
        if navigated and not shown_on_page and self.view.record_id is not None:
            self.records_panel.follow(None)
            self._detail_request += 1          # an answer still on its way is not shown
            self.view.clear()
            self.banner.record_shown(None)

    def _row_activated(self, record: Record) -> None:
        if record.status == "draft":
            self.open_form(record.event, record)
        elif self.view.buttons:
            next(iter(self.view.buttons.values())).setFocus()

    def select_record(self, record_id: str, *, load: bool = True) -> None:
        """Show this record, and select its row when it is on the page."""
        self.records_panel.follow(record_id)
        self.banner.record_shown(record_id)
        if load:
            self.load_detail(record_id)

    def load_detail(self, record_id: str) -> None:
        self._detail_request += 1
        request = self._detail_request
        records, role = self.ctx.records, self.ctx.role
        run_read(self, lambda: records.detail(record_id, role),
                 lambda detail: self._show_detail(request, detail), self.fail)

    def _show_detail(self, request: int, detail: RecordDetail) -> None:
        if request != self._detail_request or detail.record.id != self.records_panel.current_id:
            return      # the person moved on to another record meanwhile
        self.view.show_detail(detail)
        self.banner.record_shown(detail.record.id, detail.record)

    # ------------------------------------------------------------------ actions
    def _action_done(self, kind: ActionType, record: Record) -> None:
        self.close_page()
        # the record view is reloaded by the change the write reports, right after this
        self.select_record(record.id, load=self.view.record_id != record.id)
        self.notify(self.tr("%1: done. The record is now “%2”.").replace("%1", action_text(kind.value))
                    .replace("%2", status_text(record.status)), "ok", record=record)

    def _action_failed(self, exc: BaseException) -> None:
        """Said of the record shown until another is shown. The record is read again: a refusal
        often means it moved on elsewhere (another officer, the agent), and the view then shows
        where it stands now and the actions that still apply."""
        detail = self.view.detail
        self.banner.say(error_text(exc), "error", record=detail.record if detail else None, any_status=True)
        if detail is not None:
            self.load_detail(detail.record.id)

    # ------------------------------------------------------------------ forms and review
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
        adapt_form(self.form, record)      # mode opencrvs: "Submit to OpenCRVS", what OpenCRVS refused
        self.form.closed.connect(self._form_closed)
        self.form.declared.connect(self._form_declared)
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
        if record_id:
            self.select_record(record_id)

    def _form_declared(self, record: Record) -> None:
        self.close_page()
        self.select_record(record.id)
        self.notify(submitted_text(self.ctx, record) or self.tr(
            "Declared. Tracking ID %1. Identity checks run when the device is online.").replace(
            "%1", record.tracking_id), "ok", record=record)

    def open_review(self, detail: RecordDetail) -> None:
        self.close_page()
        self.review = SupervisorReview(self.ctx, detail, self.stack)
        self.review.closed.connect(self.close_page)
        record_id = detail.record.id
        self.review.retry_requested.connect(
            lambda edits: self.actions.act(record_id, ActionType.RETRY, data=edits,
                                           on_failure=self.review.show_failure if self.review else None))
        self.review.reject_requested.connect(lambda: self.actions.reject_from_review(record_id))
        self.stack.addWidget(self.review)
        self.stack.setCurrentWidget(self.review)
        self.review.focus_first()

    def closeEvent(self, event: Any) -> None:
        form = self.form
        if form is not None and (form.busy or form.pending_changes()) and not form.last_error:
            event.ignore()                      # save what was typed, then close (a failed save: close anyway)
            form.save_now(then=self.close)
            return
        self._save_geometry()
        if self._listening:
            self._listening = False
            change_bus().changed.disconnect(self._changed_by_write)
        if self._own_bridge:
            self.bridge.close()
        super().closeEvent(event)


def role_text(role: Role) -> str:
    from PySide6.QtCore import QCoreApplication

    return {
        Role.AGENT: QCoreApplication.translate("MainWindow", "registration agent"),
        Role.SUPERVISOR: QCoreApplication.translate("MainWindow", "supervisor"),
        Role.REGISTRAR: QCoreApplication.translate("MainWindow", "registrar"),
        Role.ADMIN: QCoreApplication.translate("MainWindow", "administrator"),
    }.get(role, role.value)

"""Entry point of the desktop app: `crvs-field` (no command) and `crvs-field demo` call `main`."""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app.backup_history import BackupAdmin
from app.config.loader import load_country
from app.device import (
    DB_FILE,
    Device,
    DeviceError,
    default_data_dir,
    recorded_country_dir,
    resources_dir,
)
from app.errors import CrvsError
from app.identity.esignet_api import ESignetLogin, ESignetOutcome, ProgressCallback
from app.messages import Notice
from app.records import Actor
from app.store.models import User
from app.sync_status import SyncStatusHub
from app.vocabulary import Role
from ui import i18n, startup_trace
from ui.backup_dialog import install_backup_action
from ui.context import AppContext
from ui.errors import error_text
from ui.idle import IdleLock
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.notices import notice_text
from ui.operations import wait_idle
from ui.sync_bar import SyncBridge
from ui.widgets import STYLE

log = logging.getLogger(__name__)
ICON = resources_dir() / "icons" / "crvs-field.svg"
startup_trace.mark("ui_imported")


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("crvs-field")
    app.setOrganizationName("crvs-field")
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    if ICON.exists():
        app.setWindowIcon(QIcon(str(ICON)))
    return app


def freeze_startup_objects() -> None:
    """Move everything loaded at start-up (SQLAlchemy, pydantic models, compiled CEL, Qt wrappers)
    out of the garbage collector's reach: a full collection then scans only what came later, so
    it stops freezing the event loop for 100+ ms (measured by bench/ui/bench_stall.py).
    No collection first: at this point one scans ~170,000 objects for ≈ 0.1 s, just before the
    first page is painted, and finds ~200 garbage objects (bench/ui/cold_start.py), which
    stay frozen instead."""
    gc.freeze()


def build_context(device: Device, *, sync_hub: SyncStatusHub | None = None,
                  sync_now: Callable[[], Any] | None = None, esignet: ESignetLogin | None = None,
                  language: str = "en", records: Any = None, camera: str | int | None = None) -> AppContext:
    ctx = AppContext(country=device.country, records=records or device.records, users=device.users,
                     language=language, sync_hub=sync_hub, sync_now=sync_now, esignet=esignet, db=device.db)
    if camera is not None:
        ctx.camera = camera
    return ctx


class DeviceSession:
    """The device as the desktop app opens it. With an agent key provisioned (the sync agent runs
    beside the UI) it opens at once and sign-in checks the PIN; otherwise it is locked and the
    user's PIN opens their key slot (DESIGN §6). Sign-out locks a device the user opened."""

    def __init__(self, data_dir: Path, country_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.country_dir = country_dir
        self.device: Device | None = None
        self.unlocked_by_user = False
        if not (self.data_dir / DB_FILE).exists():
            raise DeviceError(f"no device database in {self.data_dir} (run `crvs-field init --admin NAME`)")
        try:
            self.device = Device.open(self.data_dir, country_dir)
        except DeviceError:
            self.device = None      # locked: a user's PIN opens it
        self.country = self.device.country if self.device else load_country(self._country_dir())

    def _country_dir(self) -> Path:
        return self.country_dir if self.country_dir is not None else recorded_country_dir(self.data_dir)

    def sign_in(self, name: str, pin: str, language: str) -> Actor:
        """On a worker thread: unlock if needed, check the PIN (lockout), remember the language."""
        if self.device is None:  # the key slot checks the PIN (with its own lockout) as it unlocks
            startup_trace.mark("unlock_start")
            self.device = Device.open(self.data_dir, self.country_dir, user=name, pin=pin, country=self.country)
            self.unlocked_by_user = True
            startup_trace.mark("unlock_done")
        try:
            actor = self.device.actor if self.unlocked_by_user and self.device.actor else \
                self.device.users.authenticate(name, pin)
        except Exception:
            self.lock_if_user_opened()
            raise
        with self.device.db.write() as session:
            user = session.get(User, actor.name)
            if user is not None and user.language != language:
                user.language = language
                session.add(user)
        startup_trace.mark("sign_in_done")
        return actor

    def lock_if_user_opened(self) -> None:
        if self.device is not None and self.unlocked_by_user:
            self.device.close()
            self.device = None
            self.unlocked_by_user = False

    def close(self) -> None:
        if self.device is not None:
            self.device.close()
            self.device = None


def esignet_for(esignet: Any, device: Device, actor: Actor, language: str) -> ESignetLogin | None:
    """The e-Signet login for this user: the one given; a factory's (device, actor, language);
    with None, app.identity's own service when the country configures e-Signet; False: none."""
    if esignet is False:
        return None
    if esignet is not None:
        if hasattr(esignet, "login"):
            return esignet
        return esignet(device, actor, language)
    if device.country.config.identity.esignet is None:
        return None

    def build() -> ESignetLogin:
        from app.identity.esignet_login import ESignetLoginService

        return ESignetLoginService(device.country, device.records, actor, db=device.db, language=language)

    return LazyESignetLogin(build)


class LazyESignetLogin:
    """The country's e-Signet login, built on first use — which is on a worker thread (the
    identity bar's availability check): importing it (OIDC, JOSE; ≈ 0.1 s) no longer sits between
    the PIN and the main window (bench/ui/cold_start.py)."""

    def __init__(self, build: Callable[[], ESignetLogin]) -> None:
        self._build = build
        self._service: ESignetLogin | None = None
        self._lock = threading.Lock()

    def service(self) -> ESignetLogin:
        with self._lock:
            if self._service is None:
                self._service = self._build()
            return self._service

    def availability(self) -> tuple[bool, str | None]:
        return self.service().availability()

    def login(self, record_id: str, section: str, *, open_url: Callable[[str], None],
              cancel: threading.Event, progress: ProgressCallback | None = None) -> ESignetOutcome:
        return self.service().login(record_id, section, open_url=open_url, cancel=cancel, progress=progress)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.service(), name)

    def close(self) -> None:
        with self._lock:
            service, self._service = self._service, None
        if service is not None and hasattr(service, "close"):
            service.close()


IDLE_LOCK_SECONDS = 10 * 60


class _PaintTrace(QObject):
    """Start-up trace only: marks `name` once one of `widgets` was painted while `ready()` holds
    (then the event loop is free again, so the frame is complete)."""

    def __init__(self, name: str, owner: QWidget, widgets: list[QWidget],
                 ready: Callable[[], bool] = lambda: True, **info: Callable[[], Any]) -> None:
        super().__init__(owner)
        self.name, self.owner, self.widgets, self.ready, self.info = name, owner, widgets, ready, info
        self.fired = False
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if not self.fired and event.type() == QEvent.Type.Paint and self.ready():
            self.fired = True
            QTimer.singleShot(0, self._mark)
        return False

    def _mark(self) -> None:
        for widget in self.widgets:
            widget.removeEventFilter(self)
        startup_trace.mark(self.name, self.owner, **{k: fn() for k, fn in self.info.items()})


def _trace_first_page(window: MainWindow) -> None:
    """`window_ready`: the first work-queue page and the queue counts are on screen."""
    shown = {"list": False, "counts": False}

    def list_shown() -> None:
        shown["list"] = True

    def counts_shown(*_args: Any) -> None:
        shown["counts"] = bool(window.counts)

    window.model.modelReset.connect(list_shown)
    window.queues.model().dataChanged.connect(counts_shown)
    _PaintTrace("window_ready", window, [window.table.viewport(), window.queues.viewport()],
                lambda: all(shown.values()), rows=lambda: len(window.model.rows),
                queues=lambda: len(window.counts))


def main(data_dir: Path, country_dir: Path | None = None, sync_hub: SyncStatusHub | None = None,
         sync_now: Callable[[], Any] | None = None, esignet: Any = None,
         language: str | None = None, on_unlocked: Callable[[Device], Any] | None = None,
         on_locked: Callable[[], Any] | None = None, idle_lock_seconds: float = IDLE_LOCK_SECONDS,
         backups: Callable[[Device], BackupAdmin | None] | None = None) -> int:
    """Open the device, sign in, run the main window; back to sign-in after "Sign out".

    `sync_hub`/`sync_now`: the sync agent's status hub and its "drain now" (None: no agent).
    `esignet`: an `ESignetLogin`, a factory `(device, actor, language) -> ESignetLogin`, None (the
    country's e-Signet through app.identity.esignet_login when configured) or False (none).
    `on_unlocked(device)` / `on_locked()`: called when a sign-in opens the device and when sign-out
    or the idle lock closes it (the command line starts and stops the sync agent with them).
    Returns the process exit code (0, or 2 when the device cannot be opened).
    With CRVS_FIELD_STARTUP_TRACE=FILE the start-up milestones go to FILE (ui/startup_trace.py)."""
    startup_trace.mark("main_entered")
    app = application()
    startup_trace.mark("qapplication")
    settings = QSettings(str(Path(data_dir) / "ui.ini"), QSettings.Format.IniFormat)
    try:
        session = DeviceSession(Path(data_dir), country_dir)
        startup_trace.mark("device_session", locked=session.device is None)
    except CrvsError as exc:        # the device or the country configuration must be fixed
        i18n.install(language or "en")
        QMessageBox.critical(None, "crvs-field", error_text(exc))
        return 2
    language = language or str(settings.value("language", "")) or session.country.config.languages[0]
    i18n.install(language)
    bridge = SyncBridge(sync_hub)
    code = 0
    try:
        user_name = str(settings.value("last_user", ""))
        while True:
            login = LoginDialog(session.country, session.sign_in, i18n.current_language(), user_name)
            if startup_trace.enabled():
                _PaintTrace("signin_painted", login, [login])
            if login.exec() != QDialog.DialogCode.Accepted or login.actor is None or session.device is None:
                break
            language = login.chosen_language()
            user_name = login.actor.name
            settings.setValue("language", language)
            settings.setValue("last_user", user_name)
            i18n.install(language)
            login_service = esignet_for(esignet, session.device, login.actor, language)
            ctx = build_context(session.device, sync_hub=sync_hub, sync_now=sync_now, esignet=login_service,
                                language=language)
            ctx.actor = login.actor
            if on_unlocked is not None:
                on_unlocked(session.device)
            window = MainWindow(ctx, bridge, settings=settings)
            if session.device.upgrade_pending:      # version-1 key slots: said at every sign-in until done
                window.banner.say(notice_text(Notice("device.upgrade_pending", "an administrator must sign in once")))
            if backups is not None and login.actor.role is Role.ADMIN:
                install_backup_action(window, lambda unlocked=session.device: backups(unlocked))
            idle = IdleLock(window, idle_lock_seconds, window.lock)
            app.installEventFilter(idle)
            window.show_fitted()
            if startup_trace.enabled():
                startup_trace.mark("main_window_shown", window)
                _trace_first_page(window)
            freeze_startup_objects()
            code = app.exec()
            app.removeEventFilter(idle)
            wait_idle()
            window.deleteLater()
            if login_service is not esignet and hasattr(login_service, "close"):
                login_service.close()
            if not window.wants_sign_out:
                break
            if window.signed_out_by_user:   # the next person types their name; after the idle lock,
                user_name = ""              # the one who was working comes back to their PIN
            if on_locked is not None and session.unlocked_by_user:
                on_locked()
            session.lock_if_user_opened()
    finally:
        wait_idle()
        bridge.close()
        session.close()
    return code


if __name__ == "__main__":  # pragma: no cover - `python -m ui.app DATA_DIR`
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else default_data_dir()))

"""Entry point of the desktop app: `crvs-field` (no command) and `crvs-field demo` call `main`."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.device import Device, DeviceError, resources_dir
from app.identity.esignet_api import ESignetLogin
from sync.status import SyncStatusHub
from ui import i18n
from ui.context import AppContext
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.operations import wait_idle
from ui.sync_bar import SyncBridge
from ui.widgets import STYLE

log = logging.getLogger(__name__)
ICON = resources_dir() / "icons" / "crvs-field.svg"


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
    it stops freezing the event loop for 100+ ms (measured by bench/ui/bench_stall.py)."""
    gc.collect()
    gc.freeze()


def build_context(device: Device, *, sync_hub: SyncStatusHub | None = None,
                  sync_now: Callable[[], Any] | None = None, esignet: ESignetLogin | None = None,
                  language: str = "en", records: Any = None, camera: str | int | None = None) -> AppContext:
    ctx = AppContext(country=device.country, records=records or device.records, users=device.users,
                     language=language, sync_hub=sync_hub, sync_now=sync_now, esignet=esignet, db=device.db)
    if camera is not None:
        ctx.camera = camera
    return ctx


def main(data_dir: Path, country_dir: Path | None = None, sync_hub: SyncStatusHub | None = None,
         sync_now: Callable[[], Any] | None = None, esignet: ESignetLogin | None = None,
         language: str | None = None) -> int:
    """Open the device, sign in, run the main window; back to sign-in after "Sign out".
    Returns the process exit code (0, or 2 when the device cannot be opened)."""
    app = application()
    settings = QSettings(str(Path(data_dir) / "ui.ini"), QSettings.Format.IniFormat)
    try:
        device = Device.open(Path(data_dir), country_dir)
    except DeviceError as exc:
        i18n.install(language or "en")
        QMessageBox.critical(None, "crvs-field", str(exc))
        return 2
    languages = device.country.config.languages
    language = language or str(settings.value("language", "")) or languages[0]
    i18n.install(language)
    ctx = build_context(device, sync_hub=sync_hub, sync_now=sync_now, esignet=esignet, language=language)
    bridge = SyncBridge(sync_hub)
    code = 0
    try:
        user_name = str(settings.value("last_user", ""))
        while True:
            ctx.actor = None
            login = LoginDialog(ctx, i18n.current_language(), user_name)
            if login.exec() != QDialog.DialogCode.Accepted:
                break
            settings.setValue("language", ctx.language)
            settings.setValue("last_user", ctx.actor.name if ctx.actor else "")
            user_name = ctx.actor.name if ctx.actor else ""
            i18n.install(ctx.language)
            window = MainWindow(ctx, bridge)
            window.show()
            freeze_startup_objects()
            code = app.exec()
            if not window.wants_sign_out:
                break
    finally:
        wait_idle()
        bridge.close()
        device.close()
    return code


if __name__ == "__main__":  # pragma: no cover - `python -m ui.app DATA_DIR`
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.home() / ".crvs-field"))

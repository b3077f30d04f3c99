"""Fixtures for the desktop UI: a real device directory with an encrypted database, the
Farajaland country, real users, a fixed clock; widgets driven by pytest-qt, offscreen."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.device import Device
from app.records import Actor, RecordService, Role

ROOT = Path(__file__).resolve().parents[2]
COUNTRY = ROOT / "resources" / "countries" / "farajaland"
QR_FIXTURES = ROOT / "tests" / "fixtures" / "qr"
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
PIN = "246810"

ADMIN = Actor("root", Role.ADMIN)
AGENT = Actor("ana", Role.AGENT)
SUPERVISOR = Actor("sam", Role.SUPERVISOR)
REGISTRAR = Actor("rex", Role.REGISTRAR)


@pytest.fixture(scope="session")
def device_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One device with its users, made once (argon2 is slow on purpose) and copied per test."""
    path = tmp_path_factory.mktemp("template") / "device"
    dev = Device.initialise(path, COUNTRY, admin="root", pin=PIN)      # with an agent key file
    for actor in (AGENT, SUPERVISOR, REGISTRAR):
        dev.add_user(ADMIN, actor.name, actor.role, PIN)
    dev.close()
    return path


@pytest.fixture
def device(tmp_path: Path, device_template: Path) -> Iterator[Device]:
    shutil.copytree(device_template, tmp_path / "device")
    dev = Device.open(tmp_path / "device", COUNTRY)
    yield dev
    from ui.operations import wait_idle

    wait_idle()
    dev.close()


@pytest.fixture
def records(device: Device) -> RecordService:
    return RecordService(device.db, device.country, clock=lambda: NOW)


@pytest.fixture
def make_ctx(device: Device, records: RecordService) -> Callable[..., Any]:
    from ui import i18n
    from ui.app import build_context

    def make(actor: Actor | None = AGENT, language: str = "en", **kw: Any) -> Any:
        i18n.install(language)
        ctx = build_context(device, records=records, language=language, **kw)
        ctx.actor = actor
        return ctx

    yield make
    i18n.install("en")


@pytest.fixture
def make_window(qtbot: Any, make_ctx: Callable[..., Any]) -> Callable[..., Any]:
    from ui.app import application
    from ui.main_window import MainWindow

    application()
    windows = []

    def make(actor: Actor = AGENT, **kw: Any) -> Any:
        ctx = make_ctx(actor, **kw)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: bool(window.counts), timeout=10_000)
        windows.append(window)
        return window

    yield make
    from ui.operations import wait_idle

    for window in windows:
        if window.form is not None:
            window.form.debounce.stop()
    wait_idle()


def birth_data(**overrides: str) -> dict[str, str]:
    data = {
        "child.firstname": "Amélie", "child.surname": "Banda", "child.gender": "female",
        "child.dob": "2026-11-01",
        "mother.nid": "1234567890", "mother.firstname": "Zoë", "mother.surname": "Banda",
        "mother.dob": "1990-01-31",
        "father.details_available": "no",
        "informant.relation": "mother",
    }
    data.update(overrides)
    return data


def type_text(widget: Any, text: str) -> None:
    """Type like a keyboard. QTest only knows ASCII keys; accented letters are sent as key events
    carrying their text, as an input method would."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch.isascii():
            QTest.keyClicks(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))

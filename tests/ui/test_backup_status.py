"""The sync bar says when the device was last backed up and where, and warns when no backup
succeeded for the country's `backup.warn_after_hours` — in English and in French."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from app.sync_status import BackupStatus, SyncStatusHub
from ui import i18n
from ui.sync_bar import SyncBridge, SyncStatusWidget

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def english() -> Iterator[None]:
    i18n.install("en")
    yield
    i18n.install("en")


def bar(qtbot, hub: SyncStatusHub) -> SyncStatusWidget:  # type: ignore[no-untyped-def]
    widget = SyncStatusWidget(SyncBridge(hub), None)
    widget.backup.clock = lambda: NOW
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_the_last_backup_shows_beside_the_sync_status_and_warns_when_overdue(  # type: ignore[no-untyped-def]
        qtbot, english) -> None:
    hub = SyncStatusHub()
    widget = bar(qtbot, hub)
    assert widget.backup.isHidden()                 # no scheduled backup: nothing said

    hub.update(backup=BackupStatus(last_success_at=NOW - dt.timedelta(hours=2, minutes=5),
                                   destinations=("USB", "relay"), warn_after_hours=48))
    qtbot.waitUntil(lambda: widget.backup.isVisible())
    assert widget.backup.text() == "Last backup: 2 h ago (USB, relay)"
    assert widget.backup.kind == "none" and widget.backup.toolTip() == ""

    hub.update(backup=BackupStatus(last_success_at=NOW - dt.timedelta(hours=50), destinations=("USB",),
                                   last_attempt_at=NOW - dt.timedelta(minutes=3),
                                   failures=(("USB", "backup.destination_missing"),), warn_after_hours=48))
    qtbot.waitUntil(lambda: widget.backup.kind == "warning")
    assert widget.backup.text() == "⚠ Last backup: 2 days ago (USB)"
    assert "No backup succeeded for more than 48 hours." in widget.backup.toolTip()
    assert "Last attempt to USB failed: the folder is not there (is the USB stick plugged in?)" \
        in widget.backup.toolTip()

    hub.update(backup=BackupStatus(warn_after_hours=48))
    qtbot.waitUntil(lambda: widget.backup.text() == "⚠ No backup yet")
    assert widget.backup.kind == "warning"


def test_the_backup_status_is_translated(qtbot, english) -> None:  # type: ignore[no-untyped-def]
    i18n.install("fr")
    hub = SyncStatusHub()
    hub.update(backup=BackupStatus(last_success_at=NOW - dt.timedelta(minutes=12), destinations=("USB",)))
    widget = bar(qtbot, hub)
    widget.show_status(hub.status)                  # the clock was set after the first snapshot
    assert widget.backup.text() == "Dernière sauvegarde\u00a0: il y a 12 min (USB)"     # French typography
    assert widget.backup.kind == "none"

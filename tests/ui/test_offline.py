"""Offline as a state of its own: a banner in words, "Sync now" disabled with its reason."""

from __future__ import annotations

from typing import Any

from app.sync_status import SyncStatusHub
from tests.ui.conftest import AGENT


def test_offline_banner_and_sync_now_follow_the_agent(make_window: Any, qtbot: Any) -> None:
    hub = SyncStatusHub()
    asked: list[bool] = []
    window = make_window(AGENT, sync_hub=hub, sync_now=lambda: asked.append(True))
    bar, banner = window.sync_widget, window.offline_banner

    hub.update(online=False, queued=3)
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=5000)
    assert "offline" in banner.text() and "“Sync now” is unavailable" in banner.text()
    assert not bar.button.isEnabled()
    assert "offline" in bar.button.toolTip()
    assert bar.online.text() == "● Offline" and bar.online.kind == "warning"

    hub.update(online=True)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=5000)
    assert bar.button.isEnabled()
    bar.button.click()
    qtbot.waitUntil(lambda: asked == [True], timeout=5000)


def test_offline_wording_in_french(make_window: Any, qtbot: Any) -> None:
    hub = SyncStatusHub()
    window = make_window(AGENT, language="fr", sync_hub=hub, sync_now=lambda: None)
    hub.update(online=False, last_error="ReadError")
    qtbot.waitUntil(lambda: window.offline_banner.isVisible(), timeout=5000)
    assert "hors ligne" in window.offline_banner.text()
    assert "hors ligne" in window.sync_widget.button.toolTip()
    assert "ReadError" not in window.sync_widget.alert.text()       # a bare exception name is not shown


def test_no_banner_without_a_sync_agent(make_window: Any) -> None:
    window = make_window(AGENT)
    assert not window.offline_banner.isVisible()

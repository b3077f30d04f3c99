"""The e-Signet login window (ui/esignet_dialog.py) on the real login against the emulator over
loopback: no browser (link, copy, QR code, a phone finishing the login), a browser, Cancel while
waiting and while the token request is in flight, the countdown, and the wording in EN and FR."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from app.identity.decoders import ZxingDecoder
from app.identity.esignet_api import ESignetState, ESignetStep
from app.security.users import UserService

from .conftest import CLIENT, Browser, make_login, public_jwk, snapshot, with_esignet
from .hostile import HostileProvider, Served


@pytest.fixture
def app(qapp: Any) -> Iterator[Any]:
    from ui import i18n
    from ui.app import application

    application()
    i18n.install("en")
    yield qapp
    i18n.install("en")


def open_dialog(qtbot: Any, login: Any, record_id: str, open_browser: Any) -> Any:
    from ui.esignet_dialog import ESignetLoginDialog

    dialog = ESignetLoginDialog(login, record_id, "mother", open_browser=open_browser)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    return dialog


def no_browser(url: str) -> bool:
    return False


def qr_text(dialog: Any) -> list[str]:
    """The QR code on screen, read back by the app's own decoder."""
    from PySide6.QtGui import QImage

    image = dialog.qr.pixmap().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    frame = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    return ZxingDecoder().decode(np.ascontiguousarray(frame[:, :width]))


def listening() -> bool:
    """Whether a loopback listener of a login still runs in this process."""
    return any(thread.name == "esignet-loopback" for thread in threading.enumerate())


def redirect_uri(dialog: Any) -> str:
    from app.identity.esignet_loopback import redirect_uri_of

    found = redirect_uri_of(dialog.url)
    assert found is not None
    return found


def test_without_a_browser_the_link_and_its_qr_code_let_a_phone_finish_the_login(
        app, qtbot, country, records, draft, jane):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    dialog = open_dialog(qtbot, make_login(country, records), draft.id, no_browser)
    qtbot.waitUntil(lambda: dialog.link_box.isVisible(), timeout=10_000)
    assert dialog.headline.text() == "No browser found on this computer"
    assert "scan the code with a phone" in dialog.explanation.text()
    url = dialog.url
    assert url.startswith(country.config.identity.esignet.issuer) and dialog.link.text() == url
    assert qr_text(dialog) == [url]                           # the code on screen is the link itself
    qtbot.waitUntil(lambda: dialog.step is ESignetStep.WAITING, timeout=5000)
    assert dialog.countdown.maximum() == pytest.approx(120, abs=2)
    assert re.fullmatch(r"Time left: (2:00|1:[45]\d)", dialog.time_left.text())

    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == url
    assert dialog.copied.text() == "Copied."

    phone = Browser(jane["uin"], follow=False)             # the phone scans the code and logs in
    phone(qr_text(dialog)[0])
    phone.join()
    assert phone.location is not None and phone.location.startswith(redirect_uri(dialog) + "?")

    before = snapshot(records, draft.id)
    for wrong in ("https://example.org/callback?code=x", redirect_uri(dialog), "not an address"):
        dialog.answer.setText(wrong)                        # only this login's redirect is ever fetched
        dialog.use_button.click()
        assert dialog.answer_note.text().startswith("This is not the address e-Signet sent back")
        assert snapshot(records, draft.id) == before
    QGuiApplication.clipboard().setText("")
    dialog.answer.setText(phone.location)
    qtbot.keyClick(dialog.answer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20_000)
    assert dialog.outcome.state is ESignetState.AUTHENTICATED, dialog.outcome.message
    assert not dialog.isVisible()
    person = records.get(draft.id).persons["mother"]
    assert person["verification"] == "authenticated" and person["psut"] == dialog.outcome.psut
    assert QGuiApplication.clipboard().text() == ""          # Enter used the address and pressed nothing else
    assert not listening()


def test_with_a_browser_the_login_completes_when_the_redirect_arrives(app, qtbot, country, records, draft, jane):
    browser = Browser(jane["uin"])
    seen: list[Any] = []

    def system_browser(url: str) -> bool:
        seen.append((dialog.headline.text(), dialog.link_box.isVisible()))
        browser(url)
        return True

    dialog = open_dialog(qtbot, make_login(country, records), draft.id, system_browser)
    with qtbot.waitSignal(dialog.login_finished, timeout=20_000) as finished:
        pass
    browser.join()
    outcome = finished.args[0]
    assert outcome.state is ESignetState.AUTHENTICATED, outcome.message
    assert seen == [("Connecting to e-Signet…", True)]      # the link is shown before the browser opens
    assert browser.callback is not None and browser.callback.status_code == 200
    assert dialog.link.text() == browser.urls[0]
    assert records.get(draft.id).persons["mother"]["verification"] == "authenticated"


def test_cancel_while_waiting_stops_at_once_and_writes_nothing(app, qtbot, country, records, draft):
    from ui import i18n

    i18n.install("fr")
    before = snapshot(records, draft.id)
    dialog = open_dialog(qtbot, make_login(country, records, language="fr"), draft.id, no_browser)
    qtbot.waitUntil(lambda: dialog.step is ESignetStep.WAITING and dialog.url is not None, timeout=10_000)
    assert dialog.headline.text() == "Aucun navigateur trouvé sur cet ordinateur"
    assert re.fullmatch(r"Temps restant\u00a0: \d:\d\d", dialog.time_left.text())
    assert dialog.copy_button.text() == "Copier le lien" and dialog.cancel_button.text() == "Annuler"
    dialog.cancel_button.click()
    assert dialog.headline.text() == "Arrêt de la connexion…" and not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=5000)
    assert dialog.outcome.state is ESignetState.FAILED and dialog.outcome.code == "esignet.cancelled"
    assert not dialog.isVisible()
    assert snapshot(records, draft.id) == before
    assert not listening()                                   # the loopback listener is gone


def test_a_window_closed_under_the_login_stops_it(app, qtbot, country, records, draft):
    from PySide6.QtWidgets import QWidget

    before = snapshot(records, draft.id)
    window = QWidget()                                        # the main window, signed out meanwhile
    from ui.esignet_dialog import ESignetLoginDialog

    dialog = ESignetLoginDialog(make_login(country, records), draft.id, "mother", open_browser=no_browser,
                                parent=window)
    dialog.show()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.step is ESignetStep.WAITING and listening(), timeout=10_000)
    window.deleteLater()
    qtbot.waitUntil(lambda: not listening(), timeout=5000)   # not the login's 120 s
    assert snapshot(records, draft.id) == before


def test_escape_before_the_link_is_shown_cancels_and_no_browser_opens(app, qtbot, country, records, draft):
    from PySide6.QtCore import Qt

    opened: list[str] = []
    before = snapshot(records, draft.id)
    from ui.esignet_dialog import ESignetLoginDialog

    dialog = ESignetLoginDialog(make_login(country, records), draft.id, "mother",
                                open_browser=lambda url: bool(opened.append(url)) or True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)                 # cancelled before the login even began
    dialog.start()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
    assert dialog.outcome.code == "esignet.cancelled"
    assert opened == [] and not dialog.link_box.isVisible()
    assert snapshot(records, draft.id) == before


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileProvider]:
    from starlette.applications import Starlette

    provider = HostileProvider(CLIENT, public_jwk("esignet-client.pub.jwk.json"))
    served = Served(Starlette(routes=provider.routes()))
    provider.issuer = served.base_url
    yield provider
    served.stop()


@pytest.mark.parametrize("defect", ["token_hang", "jwks_hang"])
def test_cancel_while_the_answer_is_checked_stops_the_request_in_flight(
        app, qtbot, farajaland, records, draft, hostile, defect):
    hostile.reset(defect)                 # the token, or e-Signet's keys, come long after any login gives up
    started = hostile.token_started if defect == "token_hang" else hostile.jwks_started
    country = with_esignet(farajaland, issuer=hostile.issuer, client_id=CLIENT, timeout_seconds=60.0)
    before = snapshot(records, draft.id)
    browser = Browser()
    dialog = open_dialog(qtbot, make_login(country, records), draft.id, lambda url: bool(browser(url)) or True)
    qtbot.waitUntil(lambda: dialog.step is ESignetStep.VERIFYING and started.is_set(), timeout=20_000)
    assert dialog.headline.text() == "Checking e-Signet's answer…" and not dialog.link_box.isVisible()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=5000)   # not the provider's 30 s
    browser.join()
    assert dialog.outcome.state is ESignetState.FAILED and dialog.outcome.code == "esignet.cancelled"
    assert snapshot(records, draft.id) == before
    hostile.reset()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_login_left_unfinished_says_so_once_without_a_double_full_stop(
        app, qtbot, farajaland, emulator, records, draft, language, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from ui import i18n
    from ui.context import AppContext
    from ui.identity import ESignetButton

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)   # this computer has no browser
    i18n.install(language)
    country = with_esignet(farajaland, issuer=emulator.base_url, client_id=CLIENT, timeout_seconds=1.0)
    login = make_login(country, records, language=language)
    ctx = AppContext(country=country, records=records, users=UserService(records.db), language=language,
                     esignet=login)
    button = ESignetButton(ctx, "mother")
    qtbot.addWidget(button)
    qtbot.waitUntil(lambda: button.button.isEnabled(), timeout=10_000)
    button.start(draft.id)
    qtbot.waitUntil(lambda: button.state is ESignetState.FAILED, timeout=10_000)
    note = button.note.text()
    expected = {"en": "The e-Signet login took too long and was stopped; nothing was changed. Everything typed "
                      "is kept.",
                "fr": "La connexion e-Signet a pris trop de temps et a été arrêtée\u00a0; rien n'a été modifié. Tout "
                      "ce qui a été saisi est conservé."}
    assert note == expected[language]
    assert ".." not in note and ". ." not in note
    assert button.dialog is None and button.button.isEnabled()

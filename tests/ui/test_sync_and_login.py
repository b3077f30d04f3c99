"""The sync status bar against a SyncStatusHub published from another thread; sign-in; languages."""

from __future__ import annotations

import datetime as dt
import threading

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.sync_status import SyncStatusHub
from tests.ui.conftest import AGENT, PIN, REGISTRAR, birth_data


def publish(hub: SyncStatusHub, **changes) -> None:
    """As the agent does: from its own thread."""
    thread = threading.Thread(target=hub.update, kwargs=changes)
    thread.start()
    thread.join()


def test_queue_counts_and_status_bar_follow_sync_events(make_window, records, qtbot):
    hub = SyncStatusHub()
    calls = []
    window = make_window(AGENT, sync_hub=hub, sync_now=lambda: calls.append("sync"))
    bar = window.sync_widget
    assert window.counts["pending_validation"] == 0
    assert bar.online.text() == "● Offline" and bar.last.text() == "Not synced yet"

    assert bar.queued.text() == "0 records waiting to send"
    publish(hub, online=True)
    qtbot.waitUntil(lambda: bar.online.text() == "● Online", timeout=5000)

    record = records.declare(AGENT, event="birth", data=birth_data())   # e.g. written by another program
    publish(hub, online=True, running=True, done=1, total=4, queued=3)
    qtbot.waitUntil(lambda: bar.progress.isVisible(), timeout=5000)
    assert bar.progress.value() == 1 and bar.progress.maximum() == 4
    assert not bar.button.isEnabled()                        # no "Sync now" while a drain runs
    # the agent's queue moved: the counts and the bar are read again, together, from the device
    qtbot.waitUntil(lambda: window.counts.get("outbox") == 1, timeout=5000)
    assert bar.queued.text() == "1 record waiting to send"
    assert window.counts["pending_validation"] == 1

    records.flag_attention(record.id, "IDA refused the request: invalid partner")
    publish(hub, running=False, done=4, queued=3, quarantined=1,
            last_success=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), last_error="IDA-MLC-009 on 1 item")
    qtbot.waitUntil(lambda: window.counts.get("requires_attention") == 1, timeout=5000)
    assert not bar.progress.isVisible()
    assert bar.queued.text() == "1 record waiting to send · 1 needs attention"
    assert bar.alert.isVisible() and "IDA-MLC-009" in bar.alert.text()
    assert bar.last.text().startswith("Last sync ")
    assert bar.button.isEnabled()
    bar.button.click()
    qtbot.waitUntil(lambda: calls == ["sync"], timeout=5000)

    # the record view follows the agent's changes to the record it shows
    window.select_record(record.id)
    qtbot.waitUntil(lambda: window.view.record_id == record.id, timeout=5000)
    assert window.view.findChild(type(bar.last), "attention") is not None
    records.act(REGISTRAR, record.id, "reject", reason="duplicate")
    publish(hub, changed_records=(record.id,))
    qtbot.waitUntil(lambda: window.view.detail.record.status == "rejected", timeout=5000)
    qtbot.waitUntil(lambda: window.counts.get("requires_updates") == 1, timeout=5000)


def test_a_locked_device_opens_with_the_users_pin(device_template, tmp_path, qtbot):
    """No agent key on this device: the PIN opens the user's key slot; refusals say why."""
    import shutil

    from app.device import KEY_FILE
    from ui.app import DeviceSession, application
    from ui.login import LoginDialog

    application()
    shutil.copytree(device_template, tmp_path / "locked")
    (tmp_path / "locked" / KEY_FILE).unlink()
    session = DeviceSession(tmp_path / "locked")
    assert session.device is None and session.country.name == "farajaland"
    dialog = LoginDialog(session.country, session.sign_in, "en")
    qtbot.addWidget(dialog)
    dialog.show()
    QTest.keyClicks(dialog.user, "ana")
    QTest.keyClick(dialog.user, Qt.Key.Key_Return)           # Enter moves on to the PIN
    QTest.keyClicks(dialog.pin, "000000")
    QTest.keyClick(dialog.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.text() == "Unknown user or wrong PIN", timeout=20_000)
    assert dialog.actor is None and session.device is None and dialog.pin.text() == ""

    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    assert dialog.sign_in.text() == "Se connecter"
    QTest.keyClicks(dialog.pin, PIN)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        QTest.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.actor.name == "ana" and dialog.chosen_language() == "fr"
    assert session.device is not None and session.unlocked_by_user
    from app.store.models import User

    with session.device.db.read() as db_session:
        assert db_session.get(User, "ana").language == "fr"      # kept for the user
    session.lock_if_user_opened()                               # sign-out locks it again
    assert session.device is None
    from ui import i18n

    i18n.install("en")


def _first_window(data_dir, name, pin, look):
    """Run `main` on `data_dir`: sign in as `name`, and once the main window shows its counts,
    return `look(window)` and close it (the exit code must be 0)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import main
    from ui.login import LoginDialog
    from ui.main_window import MainWindow

    seen = {}

    def drive():
        modal = QApplication.activeModalWidget()
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if isinstance(modal, LoginDialog) and not seen.get("login"):
            seen["login"] = True
            modal.user.setText(name)
            modal.pin.setText(pin)
            modal.sign_in.click()
        elif windows and windows[0].counts and "looked" not in seen:
            seen["looked"] = look(windows[0])
            windows[0].close()
            return
        QTimer.singleShot(20, drive)

    QTimer.singleShot(0, drive)
    assert main(data_dir, sync_hub=SyncStatusHub(), language="en") == 0
    return seen["looked"]


def test_main_signs_in_and_runs_the_window(device_template, tmp_path, qtbot):
    """The entry point the CLI calls: sign-in dialog, main window, exit code."""
    import shutil

    shutil.copytree(device_template, tmp_path / "dev")
    assert _first_window(tmp_path / "dev", "sam", PIN, lambda w: w.user_label.text()) == \
        "Signed in as sam (supervisor)"
    assert (tmp_path / "dev" / "ui.ini").read_text().count("last_user=sam") == 1


def _sign_in_then(tmp_path, device_template, leave):
    """Run `main`: sign in as sam, leave the window with `leave(window)`, and return what the next
    sign-in dialog shows: (user name, the focused field's object name)."""
    import shutil

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import main
    from ui.login import LoginDialog
    from ui.main_window import MainWindow

    shutil.copytree(device_template, tmp_path / "dev")
    seen = {}

    def drive():
        modal = QApplication.activeModalWidget()
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if isinstance(modal, LoginDialog) and not seen.get("login"):
            seen["login"] = True
            modal.user.setText("sam")
            modal.pin.setText(PIN)
            modal.sign_in.click()
        elif isinstance(modal, LoginDialog) and seen.get("left") and modal.isVisible():
            focused = modal.focusWidget()      # the field that has, or will have, the keyboard
            seen["again"] = (modal.user.text(), focused.objectName() if focused else None)
            modal.reject()
            return
        elif windows and windows[0].counts and not seen.get("left"):
            seen["left"] = True
            leave(windows[0])
        QTimer.singleShot(20, drive)

    QTimer.singleShot(0, drive)
    assert main(tmp_path / "dev", sync_hub=SyncStatusHub(), language="en") == 0
    return seen["again"]


def test_after_sign_out_the_next_person_types_their_name(device_template, tmp_path, qtbot):
    assert _sign_in_then(tmp_path, device_template, lambda window: window.sign_out()) == ("", "user")


def test_after_the_idle_lock_the_same_person_types_their_pin(device_template, tmp_path, qtbot):
    assert _sign_in_then(tmp_path, device_template, lambda window: window.lock()) == ("sam", "pin")


def test_the_main_window_in_french(make_window, records, qtbot):
    records.declare(AGENT, event="birth", data=birth_data())
    window = make_window(AGENT, language="fr")
    labels = [window.queues.item(i).text() for i in range(window.queues.count())]
    assert labels[0] == "Brouillons" and labels[1].startswith("En attente de validation")   # from the country
    assert window.search.placeholderText().startswith("Rechercher")                       # from the catalogue
    window.new_declaration("birth")
    assert window.form.review_button.text() == "Vérifier et envoyer…"
    assert window.form.identity_bars["mother"].scan_button.text() == "Scanner le QR de la pièce d'identité…"


def test_a_user_of_a_version_1_device_is_told_an_admin_must_sign_in(tmp_path, qtbot):
    """Key slots from before signed roles: an agent works on, and the window says what is left to do."""
    from tests.security.v1_device import USERS, make_v1_device

    make_v1_device(tmp_path / "dev")
    banner = _first_window(tmp_path / "dev", "ana", USERS["ana"][1],
                           lambda w: w.banner.text() if w.banner.isVisible() else "")
    assert "an administrator must sign in once" in banner

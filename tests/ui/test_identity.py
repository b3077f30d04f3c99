"""Identity capture in a person section: QR scan from a video-file camera, e-Signet's states."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.identity.esignet_api import ESignetOutcome, ESignetState
from tests.ui.conftest import AGENT, QR_FIXTURES


def test_scanning_a_qr_code_from_a_video_camera_prefills_the_section(make_window, make_ctx, records, qtbot):
    window = make_window(AGENT, camera=str(QR_FIXTURES / "opencrvs_after_1s.avi"))
    window.new_declaration("birth")
    form = window.form
    bar = form.identity_bars["mother"]
    form.editors["mother.phone"].set_value("+260 977 123 456", quiet=False)  # typed before: kept
    bar.scan_button.click()
    dialog = bar.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.use_button.isVisible(), timeout=20_000)
    assert dialog.preview.frames >= 1                      # the live preview showed the camera
    # the decoded identity is shown for confirmation, marked unverified (the code is unsigned)
    assert dialog.badge.text() == "Unverified"
    shown = {fid: dialog.findChild(type(dialog.status), f"read-{fid}").text() for fid in dialog.fields}
    assert shown == {"mother.nid": "1234567890", "mother.firstname": "Amélie", "mother.surname": "Niyonsaba",
                     "mother.dob": "2019-03-02", "mother.gender": "Female"}
    assert all(v == "" for k, v in form.values().items() if k.startswith("mother.") and k not in
               ("mother.gender", "mother.phone"))  # nothing filled before the agent confirms
    QTest.keyClick(dialog.use_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bar.dialog is None, timeout=5000)
    assert form.editors["mother.firstname"].value() == "Amélie"
    assert form.editors["mother.surname"].value() == "Niyonsaba"
    assert form.editors["mother.nid"].value() == "1234567890"
    assert form.editors["mother.phone"].value() == "+260 977 123 456"
    assert form.editors["child.firstname"].value() == ""           # other sections untouched
    assert bar.pill.text() == "QR unverified"
    assert "does not authenticate the person" in bar.source.text()
    qtbot.waitUntil(lambda: form.record_id is not None and not form.busy and not form.pending_prefills,
                    timeout=10_000)
    saved = records.get(form.record_id)
    assert saved.declaration["mother.firstname"] == "Amélie" and saved.declaration["mother.dob"] == "2019-03-02"
    # the scan is saved as the mother's data source: unsigned, unverified (the phone was typed first)
    assert saved.persons["mother"]["source"] == "qr_unsigned" and "source_edited" not in saved.persons["mother"]
    assert saved.persons["mother"]["source_fields"] == sorted(dialog.fields)

    # an edit of the scanned data by hand: "edited after" the QR code
    form.editors["mother.surname"].set_value("Niyonsaba-Phiri", quiet=False)
    form.save_now()
    qtbot.waitUntil(lambda: not form.busy and records.get(form.record_id).persons["mother"].get("source_edited")
                    is True, timeout=10_000)
    rows = history_rows(window.ctx, records, form.record_id)
    assert ("Data source", "Mother's details: unsigned QR code (unverified)") in rows
    assert ("Data source", "Mother's details: edited by hand after unsigned QR code (unverified)") in rows
    french = history_rows(make_ctx(AGENT, language="fr"), records, form.record_id)
    assert ("Origine des données",
            "Informations sur la mère\u00a0: modifié à la main après code QR non signé (non vérifié)") in french


def history_rows(ctx: Any, records: Any, record_id: str) -> list[tuple[str, str]]:
    """The record view's history table (what and details columns), in the installed language."""
    from PySide6.QtWidgets import QTableWidget

    from ui.record_view import RecordView

    view = RecordView(ctx)
    view.show_detail(records.detail(record_id))
    table = view.findChild(QTableWidget, "history")
    rows = [(table.item(r, 2).text(), table.item(r, 3).text()) for r in range(table.rowCount())]
    view.deleteLater()
    return rows


def test_a_signed_code_from_the_dialog_is_a_signed_source(make_window, records, qtbot, tmp_path):
    """The Claim 169 sample signed by a key the country trusts (added for this test)."""
    import dataclasses
    import shutil

    from app.config.models import TrustedIssuer

    window = make_window(AGENT, camera=str(QR_FIXTURES / "claim169_ed25519.png"))
    country = window.ctx.country
    folder = tmp_path / "country"          # key files are named inside the country's own folder
    shutil.copytree(country.directory, folder)
    (folder / "issuer.pem").write_bytes((QR_FIXTURES / "issuer_ed25519_test.pem").read_bytes())
    qr = country.config.identity.qr
    issuers = [*qr.trusted_issuers, TrustedIssuer(kid="crvs-test-issuer", alg="EdDSA", public_key_file="issuer.pem")]
    identity = country.config.identity.model_copy(update={"qr": qr.model_copy(update={"trusted_issuers": issuers})})
    window.ctx.country = dataclasses.replace(country, directory=folder,
                                             config=country.config.model_copy(update={"identity": identity}))
    window.new_declaration("birth")
    form = window.form
    bar = form.identity_bars["mother"]
    bar.scan_button.click()
    dialog = bar.dialog
    qtbot.waitUntil(lambda: dialog.use_button.isVisible(), timeout=20_000)
    assert dialog.badge.text() == "Signature verified"
    dialog.use_button.click()
    qtbot.waitUntil(lambda: bar.dialog is None, timeout=5000)
    assert bar.pill.text() == "QR signature valid"
    qtbot.waitUntil(lambda: form.record_id is not None and not form.busy and not form.pending_prefills,
                    timeout=10_000)
    assert records.get(form.record_id).persons["mother"]["source"] == "qr_signed"
    assert ("Data source", "Mother's details: signed QR code") in history_rows(window.ctx, records, form.record_id)


def test_a_refused_code_says_why_and_fills_nothing(make_ctx, qtbot, tmp_path):
    """A signed Claim 169 code whose issuer the country does not trust is refused with the reason."""
    from ui.app import application
    from ui.qr_dialog import QrScanDialog

    application()
    ctx = make_ctx(AGENT)
    dialog = QrScanDialog(ctx, "birth", "mother", source=QR_FIXTURES / "claim169_ed25519.png", realtime=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.again_button.isVisible(), timeout=10_000)
    assert "refused" in dialog.status.text() and "trusted" in dialog.status.text()
    assert dialog.fields == {} and not dialog.use_button.isVisible()


def test_no_code_in_the_picture(make_ctx, qtbot):
    from ui.app import application
    from ui.qr_dialog import QrScanDialog

    application()
    dialog = QrScanDialog(make_ctx(AGENT), "birth", "mother", source=QR_FIXTURES / "no_code.avi", realtime=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.again_button.isVisible(), timeout=10_000)
    assert dialog.status.text() == "No QR code was found."


class FakeESignet:
    """Stands for the browser and the provider: the only fake in these tests."""

    def __init__(self, records: Any) -> None:
        self.records = records
        self.online = False
        self.outcome = ESignetOutcome(ESignetState.FAILED, message="the login timed out")
        self.calls: list[tuple[str, str]] = []
        self.release = threading.Event()

    def availability(self) -> tuple[bool, str | None]:
        return (True, None) if self.online else (False, "discovery: ReadError")

    def login(self, record_id: str, section: str, *, open_url: Any, cancel: threading.Event,
              progress: Any = None) -> ESignetOutcome:
        self.calls.append((record_id, section))
        open_url("about:blank")
        while not (self.release.wait(0.02) or cancel.is_set()):
            pass
        if cancel.is_set():
            return ESignetOutcome(ESignetState.FAILED, message="the login was cancelled")
        if self.outcome.state is ESignetState.AUTHENTICATED:   # as the real login does: PSUT on the record
            self.records.record_authentication(AGENT, record_id, section, psut=self.outcome.psut,
                                               values=self.outcome.fields)
        return self.outcome


def test_esignet_is_disabled_offline_and_a_failed_login_keeps_what_was_typed(
        make_window, records, qtbot, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    esignet = FakeESignet(records)
    window = make_window(AGENT, esignet=esignet)
    window.new_declaration("birth")
    form = window.form
    button = form.identity_bars["informant"].esignet
    qtbot.waitUntil(lambda: button.state is ESignetState.OFFLINE, timeout=5000)
    assert not button.button.isEnabled()
    assert button.note.text() == "Unavailable: e-Signet cannot be reached"   # not the core's "discovery: ReadError"

    typed = {"child.firstname": "Amélie", "child.surname": "Banda", "informant.relation": "other",
             "informant.firstname": "Grace", "informant.surname": "Phiri", "informant.nid": "3456789012"}
    for fid, value in typed.items():
        form.editors[fid].set_value(value, quiet=False)
    form.refresh_visibility()

    esignet.online = True
    button.check_availability()
    qtbot.waitUntil(lambda: button.button.isEnabled(), timeout=5000)
    button.button.click()
    qtbot.waitUntil(lambda: button.state is ESignetState.LOADING, timeout=10_000)
    assert not button.button.isEnabled() and button.cancel_button.isVisible()
    esignet.release.set()
    qtbot.waitUntil(lambda: button.state is ESignetState.FAILED, timeout=10_000)
    assert button.note.text().startswith("The login timed out. ") and "Everything typed is kept" in button.note.text()
    assert button.button.isEnabled()
    assert {fid: form.editors[fid].value() for fid in typed} == typed
    qtbot.waitUntil(lambda: not form.busy, timeout=10_000)
    draft = records.get(esignet.calls[0][0])
    assert {k: draft.declaration.get(k) for k in typed} == typed
    assert draft.persons.get("informant", {}).get("verification") != "authenticated"

    # a second try succeeds: PSUT stored, the person's fields filled from the ID record
    esignet.outcome = ESignetOutcome(ESignetState.AUTHENTICATED, psut="psut-0123456789abcdef",
                                     fields={"informant.firstname": "Grâce", "informant.dob": "1960-02-03"})
    button.button.click()
    qtbot.waitUntil(lambda: button.state is ESignetState.AUTHENTICATED, timeout=10_000)
    assert form.editors["informant.firstname"].value() == "Grâce"
    assert form.editors["informant.dob"].value() == "1960-02-03"
    assert form.editors["child.firstname"].value() == "Amélie"
    assert form.identity_bars["informant"].pill.text() == "Authenticated"
    qtbot.waitUntil(lambda: not form.busy, timeout=10_000)
    record = records.get(form.record_id)
    assert record.persons["informant"] == {"verification": "authenticated", "psut": "psut-0123456789abcdef",
                                           "failed_attributes": [], "source": "esignet",
                                           "source_fields": ["informant.dob", "informant.firstname"]}
    rows = history_rows(window.ctx, records, record.id)
    assert ("Data source", "Informant: typed by hand") in rows
    assert ("Data source", "Informant: e-Signet") in rows
    assert record.declaration["informant.firstname"] == "Grâce"


def test_esignet_follows_the_devices_connectivity_and_can_be_cancelled(make_window, records, qtbot, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from app.sync_status import SyncStatusHub
    from tests.ui.test_sync_and_login import publish

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    esignet = FakeESignet(records)
    esignet.online = True
    hub = SyncStatusHub()
    window = make_window(AGENT, esignet=esignet, sync_hub=hub)
    window.new_declaration("death")
    button = window.form.identity_bars["informant"].esignet
    qtbot.waitUntil(lambda: button.button.isEnabled(), timeout=5000)
    publish(hub, online=True)
    publish(hub, online=False)                  # the agent's probe lost the network
    qtbot.waitUntil(lambda: button.state is ESignetState.OFFLINE, timeout=5000)
    assert not button.button.isEnabled() and "offline" in button.note.text()
    publish(hub, online=True)
    qtbot.waitUntil(lambda: button.button.isEnabled(), timeout=5000)

    window.form.editors["informant.firstname"].set_value("Chikondi", quiet=False)
    button.button.click()
    qtbot.waitUntil(lambda: button.cancel_button.isVisible(), timeout=10_000)
    button.cancel_button.click()
    qtbot.waitUntil(lambda: button.state is ESignetState.FAILED, timeout=10_000)
    assert "cancelled" in button.note.text()
    assert window.form.editors["informant.firstname"].value() == "Chikondi"


def test_a_missing_camera_is_reported(make_ctx, qtbot, tmp_path):
    from ui.app import application
    from ui.qr_dialog import QrScanDialog

    application()
    dialog = QrScanDialog(make_ctx(AGENT), "birth", "mother", source=tmp_path / "no-such-camera.avi",
                          realtime=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.again_button.isVisible(), timeout=10_000)
    assert dialog.status.text().startswith("The camera cannot be opened")

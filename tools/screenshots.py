"""Regenerate docs/screenshots/*.png: `xvfb-run -a python -m tools.screenshots` (or offscreen).

Builds a throw-away device with demo records in several states, then captures in English and
French, each as a 1366×768 laptop shows it (a dialog drawn over its window): the main window, a
birth declaration form, the QR scan dialog (reading the QR fixture video), the supervisor review of
a failed verification, the e-Signet login without a browser, the offline state, and the approval
of a correction with what it sends to MOSIP; then `tools.screenshots_opencrvs`'s record
registered at OpenCRVS."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")

ROOT = Path(__file__).resolve().parent.parent
COUNTRY = ROOT / "resources" / "countries" / "farajaland"
VIDEO = ROOT / "tests" / "fixtures" / "qr" / "opencrvs_after_1s.avi"
OUT = ROOT / "docs" / "screenshots"
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
LAPTOP = (1366, 768)


def _people() -> list[dict[str, str]]:
    base = {"child.gender": "female", "child.dob": "2026-11-01", "father.details_available": "no",
            "informant.relation": "mother"}
    names = [("Amélie", "Banda", "Zoë", "1234567890"), ("Kondwani", "Phiri", "Grace", "2345678901"),
             ("Chisomo", "Mwale", "Thandiwe", "3456789012"), ("Tiyamike", "Zulu", "Ruth", "4567890123"),
             ("Mphatso", "Tembo", "Esther", "5678901234"), ("Luseko", "Nkhoma", "Mercy", "6789012345"),
             ("Tiyamike", "Chirwa", "Alinafe", "7890123456")]
    return [base | {"child.firstname": c, "child.surname": s, "mother.firstname": m, "mother.surname": s,
                    "mother.nid": nid, "mother.dob": "1991-03-14", "child.place_of_birth": "Ilanga"}
            for c, s, m, nid in names]


def populate(records, agent, registrar, language: str = "en") -> dict[str, str]:
    from sqlmodel import select

    from app.delivery import DeliveryOutcomes
    from app.store.models import Verification

    def txn(record_id: str, section: str) -> str:
        with records.db.read() as session:
            return session.exec(select(Verification.transaction_id).where(
                Verification.record_id == record_id, Verification.section == section,
                Verification.status == "pending")).one()

    people = _people()
    delivery = DeliveryOutcomes.of(records)
    ids: dict[str, str] = {}
    ready = records.declare(agent, event="birth", data=people[0] | {"child.middlename": "Grace"})
    delivery.apply_verification_result(txn(ready.id, "mother"), verified=True)
    ids["ready"] = ready.id
    failed = records.declare(agent, event="birth", data=people[1])
    delivery.apply_verification_result(txn(failed.id, "mother"), verified=False, failed_attributes=["name", "dob"])
    ids["failed"] = failed.id
    for data in people[2:4]:
        records.declare(agent, event="birth", data=data)
    awaiting = records.declare(agent, event="birth", data=people[4])
    delivery.apply_verification_result(txn(awaiting.id, "mother"), verified=True)
    records.act(registrar, awaiting.id, "register")
    another = records.declare(agent, event="birth", data=people[5])
    delivery.apply_verification_result(txn(another.id, "mother"), verified=True)
    records.create_draft(agent, "death", {"deceased.firstname": "Yohane", "deceased.surname": "Banda"})
    # registered (MOSIP's credential confirmed the packet), then a correction asked by another registrar
    corrected = records.declare(agent, event="birth", data=people[6] | {"child.dob": "2026-10-12"})
    delivery.apply_verification_result(txn(corrected.id, "mother"), verified=True)
    rid = records.act(registrar, corrected.id, "register").mosip["rid"]
    delivery.confirm_registration(rid, vid="4917305826143857", uin=None)
    records.act(registrar, corrected.id, "request-correction",
                data={"changes": {"child.firstname": "Tiyamika"}, "requester_section": "mother"},
                reason={"en": "The mother's spelling, as on the clinic card.",
                        "fr": "L'orthographe de la mère, comme sur le carnet de la clinique."}[language])
    ids["correction"] = corrected.id
    return ids


class _WaitingLogin:
    """e-Signet as the screenshot shows it: the demo country's real authorization URL (built by the
    protocol client, no network), then a login that waits until it is cancelled."""

    def __init__(self, country, language: str) -> None:
        self.country, self.language = country, language

    def availability(self) -> tuple[bool, None]:
        return True, None

    def login(self, record_id, section, *, open_url, cancel, progress=None):
        from app.identity.esignet_api import ESignetOutcome, ESignetState, ESignetStep
        from app.identity.esignet_login import relying_party
        from app.identity.esignet_loopback import loopback_redirect_uris
        from app.mosip.esignet import ESignetClient, ProviderMetadata

        config = self.country.config.identity.esignet
        issuer = config.issuer.rstrip("/")
        meta = ProviderMetadata(issuer=issuer, authorization_endpoint=f"{issuer}/authorize",
                                token_endpoint=f"{issuer}/v1/esignet/oauth/v2/token",
                                userinfo_endpoint=f"{issuer}/v1/esignet/oidc/userinfo",
                                jwks_uri=f"{issuer}/.well-known/jwks.json", iss_parameter_supported=True,
                                assertion_algs=(), raw={})
        client = ESignetClient(relying_party(self.country, config, None))
        request = client.authorization_request(meta, loopback_redirect_uris(config.redirect_ports)[0],
                                               ui_locales=[self.language])
        if progress is not None:
            progress(ESignetStep.WAITING, config.timeout_seconds - 17)   # a little while into the wait
        open_url(request.url)
        cancel.wait(60)
        return ESignetOutcome(ESignetState.FAILED, message="The login was cancelled; nothing was changed.",
                              code="esignet.cancelled")


def _over(window, dialog):
    """The window with the dialog drawn centred on it, under a title bar with the dialog's title
    (offscreen, a dialog is its own picture, without the window manager's frame)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QPainter

    picture = window.grab()
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 60))
    front = dialog.grab()
    bar = 26
    x, y = (picture.width() - front.width()) // 2, (picture.height() - front.height() + bar) // 2
    painter.fillRect(x - 1, y - bar - 1, front.width() + 2, front.height() + bar + 2, QColor("#607d8b"))
    painter.setPen(QColor("white"))
    painter.drawText(QRect(x + 8, y - bar, front.width() - 16, bar),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, dialog.windowTitle())
    painter.drawPixmap(x, y, front)
    painter.end()
    return picture


def capture(language: str, out: Path) -> list[Path]:
    from PySide6.QtCore import QCoreApplication, QElapsedTimer
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication

    from app.device import Device
    from app.records import Actor, RecordService, Role
    from app.records.workflow import ActionType
    from app.sync_status import SyncStatusHub
    from ui import i18n
    from ui.app import application, build_context
    from ui.dialogs import ApproveCorrectionDialog
    from ui.esignet_dialog import ESignetLoginDialog
    from ui.main_window import MainWindow
    from ui.operations import wait_idle
    from ui.qr_dialog import QrScanDialog

    application()
    work = Path(tempfile.mkdtemp(prefix="crvs-shots-"))
    device = Device.initialise(work / "device", COUNTRY)
    records = RecordService(device.db, device.country, clock=lambda: NOW)
    agent, supervisor, registrar = Actor("ana", Role.AGENT), Actor("sam", Role.SUPERVISOR), Actor("rex", Role.REGISTRAR)
    ids = populate(records, agent, registrar, language)
    hub = SyncStatusHub()
    hub.update(online=True, queued=4, last_success=NOW - dt.timedelta(minutes=7))
    i18n.install(language)

    def settle(condition=lambda: True, ms: int = 8000) -> None:
        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < ms:
            QCoreApplication.processEvents()
            wait_idle(50)
            QCoreApplication.processEvents()
            if condition():
                break
        for _ in range(5):
            QCoreApplication.processEvents()

    def window_for(actor: Actor, sync_hub: SyncStatusHub = hub, esignet: Any = None) -> MainWindow:
        ctx = build_context(device, records=records, sync_hub=sync_hub, sync_now=lambda: None, language=language,
                            camera=str(VIDEO), esignet=esignet)
        ctx.actor = actor
        window = MainWindow(ctx)
        window.resize(*LAPTOP)
        window.show()
        settle(lambda: bool(window.counts))
        return window

    shots = []

    def save(widget, name: str) -> None:
        path = out / f"{name}_{language}.png"
        (widget if isinstance(widget, QPixmap) else widget.grab()).save(str(path))
        shots.append(path)

    # 1. main window: a registrar on "Ready to register", a verified record open
    window = window_for(registrar)
    queue_ids = [q.id for q in device.country.config.workqueues_in_mode]     # the rows on the left
    window.queues.setCurrentRow(queue_ids.index("ready_to_register"))
    settle(lambda: window.model.rowCount() > 0)
    window.select_record(ids["ready"])
    settle(lambda: window.view.record_id == ids["ready"])
    save(window, "main_window")

    # 2. a birth declaration being typed, with a check shown beside a field
    window.new_declaration("birth")
    form = window.form
    for fid, value in {"child.firstname": "Thoko", "child.surname": "Banda", "child.gender": "male",
                       "child.dob": "2026-13-02", "mother.firstname": "Chifundo"}.items():
        form.editors[fid].set_value(value, quiet=False)
    form.dirty.add("child.dob")
    form.check_field("child.dob")
    settle(lambda: not form.busy, 4000)
    save(window, "declaration_form")

    # 3. the QR dialog after reading the fixture video
    dialog = QrScanDialog(window.ctx, "birth", "mother", source=VIDEO, realtime=False, parent=window)
    dialog.show()
    settle(lambda: dialog.use_button.isVisible(), 20_000)
    save(_over(window, dialog), "qr_dialog")
    dialog.done(0)
    form.debounce.stop()
    window.close_page()

    # 3b. the country's plausibility checks under the fields they concern: a 7-year-old mother
    window.new_declaration("birth")
    form = window.form
    for fid, value in {"child.firstname": "Thoko", "child.surname": "Banda", "child.gender": "male",
                       "child.dob": "2026-11-02", "mother.firstname": "Chifundo", "mother.surname": "Banda",
                       "mother.dob": "2019-06-15"}.items():
        form.editors[fid].set_value(value, quiet=False)
    form.dirty.update({"mother.dob", "child.dob"})
    form.refresh_visibility()
    form.focus_field("mother.dob")
    settle(lambda: not form.busy, 4000)
    save(window, "plausibility_check")
    form.debounce.stop()
    window.close_page()
    window.close()

    # 4. supervisor review of a failed verification
    window = window_for(supervisor)
    window.queues.setCurrentRow(queue_ids.index("verification_failed"))
    settle(lambda: window.model.rowCount() > 0)
    window.select_record(ids["failed"])
    settle(lambda: window.view.record_id == ids["failed"])
    window.view.buttons["retry"].click()
    settle()
    save(window, "supervisor_review")
    window.close()

    # 5. e-Signet on a laptop without a browser: the link to copy, its QR code, the countdown
    login = _WaitingLogin(device.country, language)
    window = window_for(agent, esignet=login)        # the form behind it offers e-Signet, as on such a laptop
    window.new_declaration("birth")
    settle(lambda: window.form is not None)
    dialog = ESignetLoginDialog(login, "demo", "mother",
                                open_browser=lambda url: False, parent=window)
    dialog.open()
    dialog.start()
    settle(lambda: dialog.url is not None and dialog.step is not None)
    settle(ms=300)
    save(_over(window, dialog), "esignet_fallback")
    dialog.cancel()
    settle(lambda: dialog.outcome is not None)
    window.form.debounce.stop()
    window.close_page()
    window.close()

    # 6. offline: the banner says so and why "Sync now" is unavailable; work waits in the Outbox
    offline = SyncStatusHub()
    offline.update(online=False, queued=4, last_success=NOW - dt.timedelta(hours=3))
    window = window_for(agent, offline)
    window.queues.setCurrentRow(queue_ids.index("pending_validation"))
    settle(lambda: window.model.rowCount() > 0)
    window.table.selectRow(0)
    settle(lambda: window.view.record_id is not None)
    settle(lambda: window.offline_banner.isVisible() and not window.sync_widget.button.isEnabled())
    save(window, "offline_state")
    window.close()

    # 7. another registrar approves a correction: the changes, and what approving sends to MOSIP
    window = window_for(Actor("rita", Role.REGISTRAR))
    window.queues.setCurrentRow(queue_ids.index("correction_requested"))
    settle(lambda: window.model.rowCount() > 0)
    window.select_record(ids["correction"])
    settle(lambda: window.view.record_id == ids["correction"])
    record = records.get(ids["correction"])
    operations = records.preview_operations(record.id, ActionType.APPROVE_CORRECTION)
    dialog = ApproveCorrectionDialog(window.ctx, record, window,
                                     mosip_lines=window.actions.mosip_lines(operations))
    dialog.show()
    settle(ms=300)
    save(_over(window, dialog), "correction_approval")
    dialog.done(0)
    window.close()

    wait_idle()
    device.close()
    QApplication.processEvents()
    i18n.install("en")
    return shots


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for language in ("en", "fr"):
        for path in capture(language, out):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    from tools import screenshots_opencrvs  # the record view in deployment mode opencrvs

    for path in screenshots_opencrvs.capture(out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

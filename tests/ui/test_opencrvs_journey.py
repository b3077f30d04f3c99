"""Issue 18's journey in deployment mode `opencrvs`, through the desktop app: the agent
authenticates the informant with e-Signet while the office still has a connection, loses it
(MOSIP, e-Signet and OpenCRVS unreachable), scans the mother's ID card, submits; back online the
agent's `run_once` verifies the mother with IDA and notifies OpenCRVS, which holds the declaration
valid by its own rules with each person's MOSIP fields; a registrar there registers it and the
device shows Registered with the registration number and the child's NID. Then the way back: a
registrar sends a declaration back with a reason, the agent sees it, fixes it, submits it again and
OpenCRVS takes it on the same event.

Real parts: the MOSIP + e-Signet emulator and the OpenCRVS emulator on loopback (stopped and
started again on the same ports for "offline"), the encrypted device, the sync agent, the widgets.
The only stand-in is the person at the e-Signet login page (tests.esignet.conftest.Browser)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.device import Device
from app.mosip.settings import load_settings
from app.records import Actor, Role
from app.security.secrets import SecretStore
from app.sync_status import SyncStatusHub
from app.vocabulary import UpstreamState
from mosip_emulator.fixtures import load_identities
from mosip_emulator.server import EmulatorServer
from opencrvs_emulator.server import OpenCrvsServer
from sync.agent import SyncAgent
from tests.esignet.conftest import Browser
from tests.sync.conftest import ADMIN_PIN, LinkedDevice, free_port, link
from tests.ui.test_identity import history_rows

AGENT = Actor("ana", Role.AGENT)
# the integration made through OpenCRVS's API that may also read a record: the registrar's reason
# for sending a declaration back is only on the REJECT action (opencrvs_emulator/README.md)
CLIENT = "crvs-field-device-read"
REASON = "The child's first name is misspelt: the mother says it is written Chimwemwe."


def identity(sex: str, skip: int = 0) -> dict[str, Any]:
    """An active person without a middle name (IDA compares the full name)."""
    found = [i for i in load_identities() if i["gender"]["eng"] == sex and i["status"] == "ACTIVATED"
             and not i["middle_name"]["eng"] and "1970" < i["dob"] < "2000"]
    return found[skip]


def id_card(tmp_path: Path, person: dict[str, Any]) -> Path:
    """The person's ID card as OpenCRVS's ID reader encodes it, as a camera picture."""
    import json

    from tests.qr.helpers import render, write_png

    text = json.dumps({"name": {"firstname": person["given_name"]["eng"], "surname": person["family_name"]["eng"]},
                       "birthDate": person["dob"].replace("/", "-"), "nid": person["uin"], "idType": "NATIONAL_ID",
                       "gender": person["gender"]["eng"].lower()}, ensure_ascii=False)
    path = tmp_path / "id-card.png"
    write_png(path, render(text, scale=4))
    return path


@dataclass
class Office:
    """A field office's device in mode `opencrvs`, and the outside world it talks to."""

    linked: LinkedDevice
    mosip_port: int
    mosip_state: Path
    opencrvs: OpenCrvsServer
    mosip: EmulatorServer | None = None

    def mosip_up(self) -> None:
        self.mosip = EmulatorServer(state_dir=self.mosip_state, port=self.mosip_port, credential_delay=0).start()

    def offline(self) -> None:
        if self.mosip is not None:
            self.mosip.stop(wait=True)
            self.mosip = None
        self.opencrvs.stop()

    def online(self) -> None:
        if self.mosip is None:
            self.mosip_up()
        if not self.opencrvs.base_url or self.opencrvs._server is None:
            self.opencrvs.start()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    mosip_port, opencrvs_port = free_port(), free_port()
    opencrvs = OpenCrvsServer(port=opencrvs_port)       # not listening yet: the office starts offline
    mode = {"CRVS_DEPLOYMENT_MODE": "opencrvs", "CRVS_OPENCRVS_BASE_URL": f"http://127.0.0.1:{opencrvs_port}",
            "CRVS_OPENCRVS_POLL_SECONDS": "5"}
    for name, value in mode.items():
        monkeypatch.setenv(name, value)
    office = Office(None, mosip_port, tmp_path / "mosip", opencrvs)   # type: ignore[arg-type]
    office.mosip_up()
    assert office.mosip is not None
    office.linked = link(office.mosip, tmp_path / "device")
    office.linked.env.update(mode)
    device = Device.open(office.linked.data_dir, user="root", pin=ADMIN_PIN)   # the admin key signs secrets
    try:
        config = device.country.config.opencrvs
        assert config is not None and device.country.config.mode == "opencrvs"
        client = opencrvs.clients()[CLIENT]
        device.secrets.put_many({config.client_id.secret: client["client_id"].encode(),
                                 config.client_secret.secret: client["secret"].encode()}, actor=device.actor)
    finally:
        device.close()
    yield office
    office.offline()


@pytest.fixture
def app_window(office: Office, qtbot: Any) -> Iterator[tuple[Any, Device, SyncAgent]]:
    """The agent's window on the office's device (e-Signet through the country's own login)."""
    from app.identity.esignet_login import ESignetLoginService
    from ui import i18n
    from ui.app import application, build_context
    from ui.main_window import MainWindow
    from ui.operations import wait_idle

    application()
    i18n.install("en")
    device = office.linked.open()
    records = device.records
    esignet = ESignetLoginService(device.country, records, AGENT, db=device.db, language="en")
    hub = SyncStatusHub()
    agent = SyncAgent(records, device.country, load_settings(device.country, SecretStore(device.db)), hub)
    ctx = build_context(device, records=records, esignet=esignet, language="en", sync_hub=hub)
    ctx.actor = AGENT
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.counts), timeout=10_000)
    yield window, device, agent
    if window.form is not None:
        window.form.debounce.stop()
    wait_idle()
    agent.stop()
    esignet.close()
    device.close()


def drain_until(agent: SyncAgent, done: Callable[[], Any], timeout: float = 60) -> Any:
    """`run_once` as `crvs-field sync --once` runs it, again until `done()` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        agent.run_once()
        result = done()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError("the agent did not get there in time")


def upstream(device: Device, record_id: str) -> Any:
    return device.records.upstream_status(record_id)


def show(window: Any, qtbot: Any, record_id: str) -> Any:
    """The record view showing this record as it is now."""
    version = window.ctx.records.get(record_id).version
    window.select_record(record_id)
    window.load_detail(record_id)
    qtbot.waitUntil(lambda: window.view.detail is not None and window.view.record_id == record_id
                    and window.view.detail.record.version == version, timeout=20_000)
    return window.view


def card_text(view: Any, key: str) -> str | None:
    from PySide6.QtWidgets import QLabel

    label = view.findChild(QLabel, f"upstream-{key}")
    return label.text() if label is not None else None


def fill(form: Any, values: dict[str, str]) -> None:
    for fid, value in values.items():
        form.editors[fid].set_value(value, quiet=False)
    form.refresh_visibility()


def submit(form: Any, qtbot: Any) -> str:
    from PySide6.QtCore import QCoreApplication

    form.review()
    problems = [form.problems.item(i).text() for i in range(form.problems.count())]
    assert form.submit_button.isEnabled(), problems
    assert form.submit_button.text() == QCoreApplication.translate("Upstream", "Submit to OpenCRVS")
    with qtbot.waitSignal(form.declared, timeout=20_000) as declared:
        form.submit()
    return declared.args[0].id


def test_declared_offline_with_identities_then_registered_in_opencrvs(
        office: Office, app_window: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtGui import QDesktopServices

    from app.identity.esignet_api import ESignetState

    window, device, agent = app_window
    mother, informant = identity("Female"), identity("Male")
    window.ctx.camera = str(id_card(tmp_path, mother))
    browser = Browser(informant["uin"])
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: browser(url.toString()) or True)

    # the grandfather reports the birth; e-Signet confirms who he is while the office is online
    window.new_declaration("birth")
    form = window.form
    fill(form, {"child.firstname": "Chimwemwe", "child.surname": "Phiri", "child.gender": "male",
                "child.dob": "2026-11-20", "father.details_available": "no", "informant.relation": "grandparent"})
    esignet = form.identity_bars["informant"].esignet
    qtbot.waitUntil(lambda: esignet.button.isEnabled(), timeout=10_000)
    esignet.button.click()
    qtbot.waitUntil(lambda: esignet.state is ESignetState.AUTHENTICATED, timeout=30_000)
    browser.join()
    assert form.editors["informant.firstname"].value() == informant["given_name"]["eng"]

    # the connection drops: the mother's card is scanned and the declaration submitted offline
    office.offline()
    bar = form.identity_bars["mother"]
    bar.scan_button.click()
    dialog = bar.dialog
    qtbot.waitUntil(lambda: dialog.use_button.isVisible(), timeout=20_000)
    dialog.use_button.click()
    qtbot.waitUntil(lambda: bar.dialog is None, timeout=5000)
    assert form.editors["mother.nid"].value() == mother["uin"]
    record_id = submit(form, qtbot)
    report = agent.run_once()
    assert not report.online
    assert upstream(device, record_id).state is UpstreamState.QUEUED
    view = show(window, qtbot, record_id)
    assert card_text(view, "state") == "Waiting to be sent to OpenCRVS"
    assert not {"register", "validate", "request-correction"} & set(view.buttons)
    queues = [q.id for q in window.queues.work_queues]     # the mode's queues: nothing to register here
    assert "sent_to_opencrvs" in queues and "ready_to_register" not in queues
    assert device.records.queue_counts()["sent_to_opencrvs"] == 1

    # back online: IDA verifies the mother, then OpenCRVS is notified
    office.online()
    status = drain_until(agent, lambda: upstream(device, record_id).state not in (
        UpstreamState.QUEUED, UpstreamState.SUBMITTED) and upstream(device, record_id))
    assert status.state is UpstreamState.INCOMPLETE, status
    record = device.records.get(record_id)
    assert record.persons["mother"]["verification"] == "verified"
    assert record.persons["informant"]["verification"] == "authenticated"
    events = office.opencrvs.events()
    assert len(events) == 1 and events[0]["id"] == status.event_id
    declaration = notified_declaration(events[0])
    assert declaration["mother.nid"] == mother["uin"]
    assert declaration["mother.verified"] == "verified"
    assert declaration["mother.id-reader"]["data"]                        # the QR data, as read
    assert declaration["informant.verified"] == "authenticated"
    userinfo = declaration["informant.verify-nid-http-fetch"]["data"]
    assert userinfo["sub"] == record.persons["informant"]["psut"]        # the PSUT, never the UIN
    assert "informant.nid" not in declaration or declaration["informant.nid"] != informant["uin"]
    assert {k: v for k, v in declaration["child.name"].items() if v} == {"firstname": "Chimwemwe", "surname": "Phiri"}
    view = show(window, qtbot, record_id)
    assert card_text(view, "tracking-id") == events[0]["trackingId"]

    # a registrar at OpenCRVS reviews and registers it; the agent's next poll brings the number
    office.opencrvs.validate(status.event_id)
    office.opencrvs.register(status.event_id, nid="7391485263")
    registered = drain_until(agent, lambda: upstream(device, record_id).state is UpstreamState.REGISTERED
                             and upstream(device, record_id))
    held = office.opencrvs.events()[0]
    register = [a for a in held["actions"] if a["type"] == "REGISTER" and a["status"] == "Accepted"]
    assert registered.registration_number == register[-1]["registrationNumber"]
    assert registered.nid == "7391485263"
    view = show(window, qtbot, record_id)
    assert card_text(view, "registration-number") == registered.registration_number
    assert card_text(view, "nid") == "7391485263"
    assert card_text(view, "pill") == "Registered" and device.records.get(record_id).status == "registered"
    counts = device.records.queue_counts()
    assert counts["registered"] == 1 and counts["sent_to_opencrvs"] == 0
    history = history_rows(window.ctx, device.records, record_id)
    assert ("OpenCRVS status", f"OpenCRVS: Registered · registration no. {registered.registration_number} · "
            "national ID received") in history
    assert any("Identity checks done" in details for _, details in history)      # not "Ready to register"
    assert not any("Ready to register" in details for _, details in history)
    counters = office.opencrvs.counters()
    assert counters["totals"]["events_created"] == 1
    assert french_card(window.ctx, device, record_id) == {
        "pill": "Enregistré", "registration-number": registered.registration_number, "nid": "7391485263",
        "next-step": "Enregistré dans OpenCRVS\u00a0: plus rien à faire sur cet appareil."}


def french_card(ctx: Any, device: Device, record_id: str) -> dict[str, str | None]:
    """The OpenCRVS card's texts with the app in French."""
    from ui import i18n
    from ui.record_view import RecordView

    i18n.install("fr")
    try:
        view = RecordView(ctx)
        view.show_detail(device.records.detail(record_id))
        texts = {key: card_text(view, key) for key in ("pill", "registration-number", "nid", "next-step")}
        view.deleteLater()
        return texts
    finally:
        i18n.install("en")


def notified_declaration(event: dict[str, Any]) -> dict[str, Any]:
    """The declaration OpenCRVS holds from the device's NOTIFY (on its Requested action)."""
    notifies = [a for a in event["actions"] if a["type"] == "NOTIFY" and a["status"] == "Requested"]
    assert len(notifies) >= 1
    return notifies[-1]["declaration"]


def test_refused_and_rejected_declarations_go_back_to_the_agent_and_are_submitted_again(
        office: Office, app_window: Any, qtbot: Any) -> None:
    """OpenCRVS refuses a field the device let through (its e-mail rule is zod's, stricter than
    ours): the agent sees the problem under the field, fixes it and submits again. A registrar
    then sends the declaration back with a reason: the agent reads it, fixes the name, submits
    again, and OpenCRVS takes it on the same event."""
    from PySide6.QtWidgets import QLabel

    window, device, agent = app_window
    office.online()
    window.new_declaration("birth")
    fill(window.form, {"child.firstname": "Chimwemve", "child.surname": "Banda", "child.gender": "male",
                       "child.dob": "2026-11-20", "mother.firstname": "Grace", "mother.surname": "Banda",
                       "mother.dob": "1994-05-02", "father.details_available": "no", "informant.relation": "mother",
                       "informant.email": "grace..banda@example.org"})
    record_id = submit(window.form, qtbot)

    refused = drain_until(agent, lambda: upstream(device, record_id).state is UpstreamState.REFUSED
                          and upstream(device, record_id))
    assert [(e.field, e.message) for e in refused.field_errors] == [("informant.email", "Invalid email address")]
    assert device.records.get(record_id).status == "draft"              # reopened for the agent
    assert device.records.queue_counts()["opencrvs_requires_updates"] == 1
    view = show(window, qtbot, record_id)
    assert card_text(view, "field-errors") == "Informant › Email: This is not an email address"
    assert "edit" in view.buttons

    window.edit_current()
    form = window.form
    assert form.editors["informant.email"].error.text() == "This is not an email address"
    assert form.findChild(QLabel, "upstream-refusal") is not None
    fill(form, {"informant.email": "grace.banda@example.org"})
    assert submit(form, qtbot) == record_id
    accepted = drain_until(agent, lambda: upstream(device, record_id).state is UpstreamState.INCOMPLETE
                           and upstream(device, record_id))
    assert accepted.field_errors == ()

    # a registrar sends it back with a reason
    office.opencrvs.reject(accepted.event_id, REASON)
    rejected = drain_until(agent, lambda: upstream(device, record_id).state is UpstreamState.REJECTED
                           and upstream(device, record_id))
    assert rejected.reason == REASON and device.records.get(record_id).status == "draft"
    view = show(window, qtbot, record_id)
    assert card_text(view, "reason") == REASON and card_text(view, "pill") == "Requires updates"

    window.edit_current()
    form = window.form
    assert REASON in form.findChild(QLabel, "upstream-refusal").text()
    fill(form, {"child.firstname": "Chimwemwe"})
    assert submit(form, qtbot) == record_id
    again = drain_until(agent, lambda: upstream(device, record_id).state is UpstreamState.INCOMPLETE
                        and upstream(device, record_id))
    assert again.event_id == accepted.event_id and again.reason is None

    office.opencrvs.register(again.event_id)
    drain_until(agent, lambda: upstream(device, record_id).state is UpstreamState.REGISTERED)
    (event,) = office.opencrvs.events()                                  # one event, each NOTIFY once
    notifies = [a for a in event["actions"] if a["type"] == "NOTIFY" and a["status"] == "Accepted"]
    assert len(notifies) == 2 and notified_declaration(event)["child.name"]["firstname"] == "Chimwemwe"
    assert len({a["transactionId"] for a in event["actions"] if a["type"] == "NOTIFY"}) == 2

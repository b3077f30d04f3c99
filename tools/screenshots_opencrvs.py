"""docs/screenshots/opencrvs_record_{en,fr}.png: the record view in deployment mode `opencrvs`,
a birth registered at OpenCRVS with its registration number and the child's NID.

    python -m tools.screenshots_opencrvs [OUT_DIR]      (offscreen; also run by tools.screenshots)

The record gets there the real way: declared on a throw-away device linked to the MOSIP emulator,
notified by the sync agent to the OpenCRVS emulator on loopback, registered there by the emulator's
registrar, and polled back."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")

ROOT = Path(__file__).resolve().parent.parent
COUNTRY = ROOT / "resources" / "countries" / "farajaland"
OUT = ROOT / "docs" / "screenshots"
CLIENT = "crvs-field-device"
CHILD_NID = "7391485263"


def registered_device(work: Path) -> tuple[Any, str]:
    """A device in mode `opencrvs` holding one birth that OpenCRVS registered."""
    from app.device import Device
    from app.mosip.settings import load_settings
    from app.records import Actor, Role
    from app.security.secrets import SecretStore
    from app.sync_status import SyncStatusHub
    from app.vocabulary import UpstreamState
    from crvs_field.demo import _free_port as free_port
    from crvs_field.emulator_link import emulator_environment, link_device
    from mosip_emulator.server import EmulatorServer
    from opencrvs_emulator.server import OpenCrvsServer
    from sync.agent import SyncAgent

    mosip = EmulatorServer(state_dir=work / "mosip", credential_delay=0).start()
    opencrvs = OpenCrvsServer().start()
    mosip_config = mosip.client_config()
    os.environ.update(emulator_environment(mosip.base_url, mosip_config, callback_port=free_port()))
    os.environ.update({"CRVS_DEPLOYMENT_MODE": "opencrvs", "CRVS_OPENCRVS_BASE_URL": opencrvs.base_url})
    try:
        device = Device.initialise(work / "device", COUNTRY, admin="root", pin="screenshots-1")
        link_device(device.country, device.secrets, mosip.base_url, mosip_config, actor=device.actor)
        config = device.country.config.opencrvs
        assert config is not None and config.client_id.secret and config.client_secret.secret
        client = opencrvs.clients()[CLIENT]
        device.secrets.put_many({config.client_id.secret: client["client_id"].encode(),
                                 config.client_secret.secret: client["secret"].encode()}, actor=device.actor)
        record = device.records.declare(Actor("ana", Role.AGENT), event="birth", data={
            "child.firstname": "Amélie", "child.surname": "Banda", "child.gender": "female",
            "child.dob": "2026-11-01", "child.place_of_birth": "Ibombo District Hospital",
            "mother.firstname": "Zoë", "mother.surname": "Banda", "mother.dob": "1991-03-14",
            "father.details_available": "no", "informant.relation": "mother"})
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                          SyncStatusHub())

        def reach(state: UpstreamState) -> None:
            deadline = time.monotonic() + 60
            while (status := device.records.upstream_status(record.id)) is None or status.state is not state:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the record did not reach {state.value} in OpenCRVS: {status}")
                agent.run_once()
                time.sleep(0.2)

        reach(UpstreamState.INCOMPLETE)
        status = device.records.upstream_status(record.id)
        assert status is not None and status.event_id
        opencrvs.validate(status.event_id)
        opencrvs.register(status.event_id, nid=CHILD_NID)
        reach(UpstreamState.REGISTERED)
        agent.stop()
        return device, record.id
    finally:
        opencrvs.stop()
        mosip.stop()


def capture(out: Path) -> list[Path]:
    from PySide6.QtCore import QCoreApplication, QElapsedTimer

    from app.records import Actor, Role
    from app.sync_status import SyncStatusHub
    from ui import i18n
    from ui.app import application, build_context
    from ui.main_window import MainWindow
    from ui.operations import wait_idle

    application()
    device, record_id = registered_device(Path(tempfile.mkdtemp(prefix="crvs-shots-opencrvs-")))
    hub = SyncStatusHub()
    hub.update(online=True, queued=0)
    shots = []
    for language in ("en", "fr"):
        i18n.install(language)
        ctx = build_context(device, sync_hub=hub, sync_now=lambda: None, language=language)
        ctx.actor = Actor("ana", Role.AGENT)
        window = MainWindow(ctx)
        window.resize(1366, 768)
        window.show()
        queue_ids = [q.id for q in device.country.config.workqueues_in_mode]
        window.queues.setCurrentRow(queue_ids.index("registered"))
        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < 8000 and (window.model.rowCount() == 0 or window.view.record_id != record_id):
            if window.model.rowCount() and window.view.record_id is None:
                window.select_record(record_id)
            QCoreApplication.processEvents()
            wait_idle(50)
        for _ in range(10):
            QCoreApplication.processEvents()
            wait_idle(20)
        path = out / f"opencrvs_record_{language}.png"
        window.grab().save(str(path))
        shots.append(path)
        window.close()
    wait_idle()
    device.close()
    i18n.install("en")
    return shots


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for path in capture(out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

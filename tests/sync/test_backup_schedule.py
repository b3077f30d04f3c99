"""Scheduled backups (issue 19): the agent's job writes an encrypted backup when one is due — by
time or by registrations — to each configured folder, keeps the newest `keep` of this device's
archives, reports a missing folder (a USB stick not plugged in) instead of failing, and keeps the
outcome in the device_setting table and in the agent's published status."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import time
from pathlib import Path

import pytest

from app.backup import SUFFIX
from app.backup_restore import inspect_backup
from app.config.loader import load_country
from app.config.models import BackupConfig, BackupDestination
from app.device import Device
from app.mosip.settings import load_settings
from app.security.secrets import SecretStore
from app.sync_status import SyncStatusHub
from sync.agent import SyncAgent
from sync.backups import RETRY_AFTER, BackupSchedule
from tests.core.conftest import AGENT, COUNTRIES, REGISTRAR, farajaland_birth
from tests.core.test_backup import make_device
from tests.core.test_scenarios import verify_all
from tests.sync.conftest import LinkedDevice

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def device(tmp_path: Path) -> Device:
    dev = make_device(tmp_path / "device", records=2)
    yield dev
    dev.close()


def schedule(device: Device, clock: Clock, **config: object) -> BackupSchedule:
    return BackupSchedule(device.db, device.data_dir, BackupConfig(**config), clock=clock)


def archives(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(SUFFIX))


def test_a_backup_is_due_by_time_and_old_archives_beyond_keep_are_removed(device: Device, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "another-device-20260101T000000Z.crvsbak").write_bytes(b"not ours")   # a shared stick
    clock = Clock()
    backups = schedule(device, clock, every_hours=24, destinations=[BackupDestination(folder=str(usb), label="USB")],
                       keep=3)
    assert backups.due()                        # never backed up
    names = []
    for _day in range(5):
        status = backups.run_if_due()
        assert status is not None and status.failures == ()
        names.append(status.last_success_at)
        assert not backups.due()                # just done
        clock.advance(hours=23)
        assert not backups.due()
        clock.advance(hours=1)
    mine = [n for n in archives(usb) if not n.startswith("another-device")]
    assert len(mine) == 3                       # the newest three of five
    assert mine[-1].endswith(T0.replace(day=5).strftime("%Y%m%dT%H%M%S%fZ") + SUFFIX)
    assert "another-device-20260101T000000Z.crvsbak" in archives(usb)
    manifest = inspect_backup(usb / mine[-1])
    assert manifest.records == 2

    stored = backups.status()                   # read back from the device_setting table
    assert stored.last_success_at == T0.replace(day=5) and stored.destinations == ("USB",)
    assert stored.size_bytes == (usb / mine[-1]).stat().st_size > 0
    assert stored.audit_seq == manifest.audit_head_seq


def test_registrations_make_a_backup_due_before_its_time(device: Device, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    clock = Clock()
    backups = schedule(device, clock, every_hours=24, after_registrations=2,
                       destinations=[BackupDestination(folder=str(usb))])
    assert backups.run().last_success_at == T0
    for n in range(2):
        data = farajaland_birth(**{"child.firstname": f"Mphatso{n}"})
        record = device.records.declare(AGENT, event="birth", data=data)
        verify_all(device.records, record.id)
        clock.advance(minutes=10)
        assert not backups.due()
        device.records.act(REGISTRAR, record.id, "register")
    assert backups.registrations_since(backups.status().audit_seq) == 2
    assert backups.due()
    assert backups.run().failures == ()
    assert not backups.due()


def test_a_missing_folder_is_reported_and_retried_later_not_raised(device: Device, tmp_path: Path) -> None:
    usb, disk = tmp_path / "usb-not-plugged", tmp_path / "disk"
    disk.mkdir()
    clock = Clock()
    backups = schedule(device, clock, destinations=[BackupDestination(folder=str(usb), label="USB"),
                                                    BackupDestination(folder=str(disk), label="disk")])
    status = backups.run()
    assert status.failures == (("USB", "backup.destination_missing"),)
    assert status.destinations == ("disk",) and len(archives(disk)) == 1

    only_usb = schedule(device, clock, destinations=[BackupDestination(folder=str(usb), label="USB")])
    clock.advance(hours=30)
    failed = only_usb.run()
    assert failed.failures == (("USB", "backup.destination_missing"),)
    assert failed.last_success_at == T0 and failed.destinations == ("disk",)    # the last success stays
    assert failed.last_attempt_at == clock.now
    assert not only_usb.due()                   # not again at once …
    clock.advance(seconds=RETRY_AFTER.total_seconds())
    assert only_usb.due()                       # … but once the retry delay passed
    usb.mkdir()                                 # the stick is plugged in
    assert only_usb.run_if_due().failures == ()
    assert len(archives(usb)) == 1
    assert not failed.overdue(clock.now)        # 30 h since the last success: within the 48 h
    clock.advance(hours=20)
    assert failed.overdue(clock.now)            # 50 h without a new one
    assert only_usb.status().overdue(clock.now) is False


def test_backup_folders_use_crvs_variables_like_the_rest_of_the_country_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    country = tmp_path / "country"
    shutil.copytree(COUNTRIES / "farajaland", country)
    with open(country / "country.yaml", "a", encoding="utf-8") as handle:
        handle.write("\nbackup:\n  every_hours: 12\n  destinations:\n    - folder: ${CRVS_BACKUP_USB}/crvs\n"
                     "      label: USB\n  keep: 5\n  warn_after_hours: 36\n")
    monkeypatch.setenv("CRVS_BACKUP_USB", "/media/usb0")
    loaded = load_country(country)
    assert loaded.config.backup.destinations[0].folder == "/media/usb0/crvs"
    assert (loaded.config.backup.every_hours, loaded.config.backup.keep) == (12, 5)
    assert loaded.config.backup.after_registrations == 50          # the default


def test_the_agent_runs_the_backup_job_and_publishes_its_outcome(linked: LinkedDevice, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    device = linked.open()
    try:
        country = dataclasses.replace(device.country, config=device.country.config.model_copy(update={
            "backup": BackupConfig(destinations=[BackupDestination(folder=str(usb), label="USB")],
                                   warn_after_hours=6)}))
        hub = SyncStatusHub()
        agent = SyncAgent(device.records, country, load_settings(device.country, SecretStore(device.db)), hub,
                          websub=False, data_dir=device.data_dir)
        assert agent.backups is not None
        agent.backup_check_seconds = 1
        agent.start()                          # the scheduled job, as in the app
        try:
            wait = time.monotonic() + 30
            while (hub.status.backup is None or hub.status.backup.last_success_at is None) \
                    and time.monotonic() < wait:
                time.sleep(0.1)
        finally:
            agent.stop()
        published = hub.status.backup
        assert published is not None and published.last_success_at is not None
        assert published.destinations == ("USB",) and published.failures == ()
        assert published.warn_after_hours == 6 and not published.overdue(published.last_success_at)
        assert len(archives(usb)) == 1
        assert agent.backup_if_due() is None                      # not due again
        time.sleep(1.1)                                           # archive names count seconds
        forced = agent.backup_if_due(force=True)                  # "back up now"
        assert forced is not None and forced.failures == () and hub.status.backup == forced
        assert len(archives(usb)) == 2
    finally:
        device.close()


def test_without_destinations_the_agent_schedules_no_backup(linked: LinkedDevice) -> None:
    device = linked.open()
    try:
        agent = SyncAgent(device.records, device.country, load_settings(device.country, SecretStore(device.db)),
                          websub=False)
        assert agent.backups is None and agent.backup_if_due() is None
    finally:
        device.close()

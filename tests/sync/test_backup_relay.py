"""Backups to the relay (issue 19): the agent's job uploads the encrypted archive to a real relay over
loopback; the relay holds bytes it cannot read (no plaintext marker, no SQLite header); an unreachable
relay is retried with back-off and then reported; a new machine fetches the newest backup from the
relay and restores it through the CLI."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.backup_history import BackupStage, read_history
from app.backup_relay import RelayBackups
from app.config.models import BackupConfig, BackupDestination
from app.device import Device
from app.mosip.relay import RelayClient, RelaySettings
from sync.backups import UPLOAD_FOLDER, BackupSchedule
from tests.core.conftest import AGENT, farajaland_birth
from tests.core.test_backup import PIN, make_device
from tests.relay.conftest import RelayThread, base_settings

MARKER = "Zyxwvutsrqmarker"


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayThread]:
    thread = RelayThread(base_settings(f"sqlite:///{tmp_path / 'relay.sqlite3'}", backup_dir=str(tmp_path / "blobs"),
                                       backup_quota_bytes=50 * 1024 * 1024)).start()
    yield thread
    thread.stop()


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    dev = make_device(tmp_path / "device", records=2)
    dev.records.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": MARKER}))
    yield dev
    dev.close()


def relay_schedule(device: Device, settings: RelaySettings | None, sleeps: list[float] | None = None,
                   **config: object) -> BackupSchedule:
    return BackupSchedule(device.db, device.data_dir,
                          BackupConfig(destinations=[BackupDestination(relay=True)], **config),
                          relay=settings, sleep=(sleeps.append if sleeps is not None else lambda _s: None))


def blobs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.blob"))


def test_the_agent_uploads_an_archive_the_relay_cannot_read(device: Device, relay: RelayThread,
                                                             tmp_path: Path) -> None:
    token = relay.store.add_device("office-1")
    seen: list[tuple[BackupStage, int, int]] = []
    status = relay_schedule(device, RelaySettings(relay.base_url, token)).run(
        progress=lambda p: seen.append((p.stage, p.done, p.total)))
    assert status.failures == () and status.destinations == ("relay",)
    (blob,) = blobs(tmp_path / "blobs")
    raw = blob.read_bytes()
    assert len(raw) == status.size_bytes
    for needle in (MARKER.encode(), MARKER.encode("utf-16-le"), b"SQLite format 3", b"CREATE TABLE"):
        assert needle not in raw
    # the local copy on its way to the relay is gone
    assert not (device.data_dir / UPLOAD_FOLDER).exists()
    stages = [stage for stage, _, _ in seen]
    assert stages[0] is BackupStage.SNAPSHOT and stages[-1] is BackupStage.UPLOAD
    assert seen[-1][1] == seen[-1][2] == status.size_bytes
    (attempt,) = read_history(device.data_dir)
    assert attempt.ok and attempt.destination == "relay" and attempt.size_bytes == status.size_bytes
    with RelayClient(RelaySettings(relay.base_url, token)) as client:
        (listed,) = RelayBackups(client).list()
    assert listed.name == attempt.name and listed.size == status.size_bytes


def test_an_unreachable_relay_is_retried_with_back_off_then_reported(device: Device, tmp_path: Path) -> None:
    sleeps: list[float] = []
    dead = RelaySettings("http://127.0.0.1:9", "crvsr_token", timeout=2)    # discard port: refused at once
    status = relay_schedule(device, dead, sleeps).run()
    assert status.last_success_at is None
    assert status.failures == (("relay", "relay.unavailable"),)
    assert sleeps == [2.0, 4.0, 8.0]
    assert not (device.data_dir / UPLOAD_FOLDER).exists()
    (attempt,) = read_history(device.data_dir)
    assert not attempt.ok and attempt.reason == "relay.unavailable"


def test_over_the_relays_quota_is_reported_without_retrying(device: Device, tmp_path: Path) -> None:
    small = RelayThread(base_settings(f"sqlite:///{tmp_path / 'small.sqlite3'}", backup_dir=str(tmp_path / "small"),
                                      backup_quota_bytes=4096)).start()
    try:
        sleeps: list[float] = []
        status = relay_schedule(device, RelaySettings(small.base_url, small.store.add_device("o")), sleeps).run()
    finally:
        small.stop()
    assert status.failures == (("relay", "backup.relay_too_large"),) and sleeps == []
    assert blobs(tmp_path / "small") == []


def test_a_repeated_upload_whose_answer_was_lost_counts_as_stored(device: Device, relay: RelayThread,
                                                                  tmp_path: Path) -> None:
    from app.backup import create_backup

    archive = create_backup(device.db, device.data_dir, tmp_path).path
    with RelayClient(RelaySettings(relay.base_url, relay.store.add_device("office-1"))) as client:
        store = RelayBackups(client)
        first = store.upload(archive)
        again = store.upload(archive)          # the relay answers 409; the digest is the same
        assert again == first
        other = tmp_path / "other" / archive.name
        other.parent.mkdir()
        other.write_bytes(b"X" + archive.read_bytes()[1:])
        with pytest.raises(Exception) as refused:
            store.upload(other)
        assert getattr(refused.value, "code", "") == "backup.relay_conflict"
    assert len(blobs(tmp_path / "blobs")) == 1


def test_no_relay_settings_is_a_clear_failure(device: Device) -> None:
    status = relay_schedule(device, None).run()
    assert status.failures == (("relay", "backup.relay_not_configured"),)


def test_a_new_machine_restores_the_newest_backup_from_the_relay(device: Device, relay: RelayThread,
                                                                 tmp_path: Path) -> None:
    token = relay.store.add_device("office-1")
    schedule = relay_schedule(device, RelaySettings(relay.base_url, token))
    schedule.run()
    device.records.declare(AGENT, event="birth", data=farajaland_birth(**{"child.firstname": "Newest"}))
    schedule.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    schedule.run()
    env = {k: v for k, v in os.environ.items() if k not in ("CRVS_FIELD_PIN", "CRVS_FIELD_DB_KEY")}
    env |= {"CRVS_FIELD_PIN": PIN, "CRVS_RELAY_TOKEN": token}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crvs_field", *args], capture_output=True, text=True,
                              env=env, timeout=180)

    listing = cli("restore", "--from-relay", "list", "--relay-url", relay.base_url)
    assert listing.returncode == 0, listing.stderr
    assert len(listing.stdout.strip().splitlines()) == 2
    new_dir = tmp_path / "new-laptop" / "device"
    restored = cli("--user", "root", "restore", "--from-relay", "latest", "--relay-url", relay.base_url,
                   "--data-dir", str(new_dir))
    assert restored.returncode == 0, restored.stderr
    assert "sha256 checked" in restored.stdout and "4 records" in restored.stdout
    assert "audit chain holds" in restored.stdout
    assert [p.name for p in new_dir.parent.iterdir()] == ["device"]     # the fetched archive is gone
    missing = cli("--user", "root", "restore", "--from-relay", "nothing-here", "--relay-url", relay.base_url,
                  "--data-dir", str(tmp_path / "other"))
    assert missing.returncode != 0 and "no backup named" in missing.stderr
    assert "Traceback" not in missing.stderr
    env["CRVS_RELAY_TOKEN"] = "crvsr_wrong"
    refused = cli("restore", "--from-relay", "list", "--relay-url", relay.base_url)
    assert refused.returncode != 0 and "credential" in refused.stderr


def test_a_relay_destination_needs_the_relay_in_the_country_file(tmp_path: Path) -> None:
    import shutil

    from app.config.loader import load_country
    from app.errors import CrvsError
    from tests.core.conftest import COUNTRIES

    country = tmp_path / "country"
    shutil.copytree(COUNTRIES / "farajaland", country)
    with open(country / "country.yaml", "a", encoding="utf-8") as handle:
        handle.write("\nbackup:\n  destinations:\n    - relay: true\n")
    with pytest.raises(CrvsError) as refused:      # farajaland's confirmations are direct
        load_country(country)
    assert "mosip.confirmations.mode: relay" in refused.value.message
    with pytest.raises(ValueError, match="either `folder: PATH` or `relay: true`"):
        BackupDestination(folder="/media/usb", relay=True)

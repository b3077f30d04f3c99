"""The relay's backup store over loopback, on SQLite and PostgreSQL: each device's blobs byte for byte,
names validated, size bounded by the quota, retention, conflicts, and nothing left behind on refusal."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from relay.backups import BLOB_SUFFIX, UPLOAD_PREFIX
from tests.relay.conftest import Device


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def backup_relay(make_relay: Any, backup_dir: Path) -> Any:
    return make_relay(backup_dir=str(backup_dir), backup_keep=3, backup_quota_bytes=10_000)


def device(relay: Any, name: str = "office-1") -> Device:
    return Device(relay.base_url, relay.store.add_device(name))


def put(dev: Device, name: str, data: bytes, **headers: str) -> httpx.Response:
    return dev.http.put(f"/v1/devices/me/backups/{name}", content=data, headers=headers)


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_backup_comes_back_byte_for_byte_and_is_listed(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)
    blob = os.urandom(5000)
    digest = hashlib.sha256(blob).hexdigest()
    answer = put(dev, "dev1-20261206T101010000000Z.crvsbak", blob, **{"X-Content-SHA256": digest})
    assert answer.status_code == 201, answer.text
    assert answer.json()["backup"] | {"created_at": 0} == {"name": "dev1-20261206T101010000000Z.crvsbak",
                                                            "size": 5000, "sha256": digest, "created_at": 0}
    listing = dev.http.get("/v1/devices/me/backups").json()["backups"]
    assert [(b["name"], b["size"], b["sha256"]) for b in listing] == [
        ("dev1-20261206T101010000000Z.crvsbak", 5000, digest)]
    fetched = dev.http.get("/v1/devices/me/backups/dev1-20261206T101010000000Z.crvsbak")
    assert fetched.status_code == 200
    assert fetched.content == blob
    assert fetched.headers["x-content-sha256"] == digest
    # stored under a random key, never under the name the device chose
    (stored,) = files(backup_dir)
    assert stored.name.endswith(BLOB_SUFFIX) and "crvsbak" not in stored.name
    assert stored.read_bytes() == blob


def test_same_name_twice_is_a_conflict_and_the_first_stays(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)
    assert put(dev, "b1", b"first").status_code == 201
    second = put(dev, "b1", b"second")
    assert (second.status_code, second.json()["error"]) == (409, "backup_exists")
    assert dev.http.get("/v1/devices/me/backups/b1").content == b"first"
    assert len(files(backup_dir)) == 1


def test_two_uploads_of_one_name_at_once_store_one(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)
    statuses: list[int] = []
    start = threading.Barrier(4)

    def upload(n: int) -> None:
        start.wait()
        statuses.append(put(dev, "race", bytes([n]) * 3000).status_code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    assert len(files(backup_dir)) == 1
    (entry,) = dev.http.get("/v1/devices/me/backups").json()["backups"]
    assert hashlib.sha256(dev.http.get("/v1/devices/me/backups/race").content).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("name", ["..", ".hidden", "a..b", "x" * 129, "sp ace", "semi;colon", "%2e%2e", "ü"])
def test_names_outside_the_pattern_are_refused(backup_relay: Any, backup_dir: Path, name: str) -> None:
    dev = device(backup_relay)
    answer = put(dev, name, b"data")
    assert answer.status_code in (400, 404)     # 404: the router never matched (an encoded slash, …)
    if answer.status_code == 400:
        assert answer.json()["error"] == "invalid_backup_name"
    assert files(backup_dir) == []


def test_unknown_backup_is_404(backup_relay: Any) -> None:
    answer = device(backup_relay).http.get("/v1/devices/me/backups/nothing-here")
    assert (answer.status_code, answer.json()) == (404, {"error": "backup_not_found"})


def test_a_device_sees_and_fetches_only_its_own_backups(backup_relay: Any) -> None:
    first, second = device(backup_relay, "office-1"), device(backup_relay, "office-2")
    assert put(first, "mine", b"office one's").status_code == 201
    assert second.http.get("/v1/devices/me/backups").json() == {"backups": []}
    assert second.http.get("/v1/devices/me/backups/mine").status_code == 404
    assert put(second, "mine", b"office two's").status_code == 201     # names are per device
    assert first.http.get("/v1/devices/me/backups/mine").content == b"office one's"


def test_without_a_valid_credential_nothing_is_read_or_stored(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)
    assert put(dev, "b", b"data").status_code == 201
    for headers in ({}, {"Authorization": "Bearer crvsr_wrong"}):
        assert httpx.get(backup_relay.base_url + "/v1/devices/me/backups", headers=headers).status_code == 401
        assert httpx.get(backup_relay.base_url + "/v1/devices/me/backups/b", headers=headers).status_code == 401
        assert httpx.put(backup_relay.base_url + "/v1/devices/me/backups/c", content=b"x",
                         headers=headers).status_code == 401
    backup_relay.store.revoke_device("office-1")
    assert dev.http.get("/v1/devices/me/backups/b").status_code == 401
    assert len(files(backup_dir)) == 1


def test_over_the_quota_is_413_declared_or_streamed_and_nothing_is_left(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)
    declared = put(dev, "big", b"x" * 10_001)
    assert (declared.status_code, declared.json()) == (413, {"error": "backup_too_large", "limit": 10_000})

    def chunks() -> Any:      # no Content-Length: the relay counts as it reads
        for _ in range(40):
            yield b"y" * 1000

    try:
        streamed = dev.http.put("/v1/devices/me/backups/big-stream", content=chunks())
        assert streamed.status_code == 413
    except httpx.TransportError:
        pass     # the relay may close the connection while the client is still sending: also a refusal
    assert dev.http.get("/v1/devices/me/backups").json() == {"backups": []}
    deadline = time.monotonic() + 5
    while files(backup_dir) and time.monotonic() < deadline:    # the discard runs as the request ends
        time.sleep(0.05)
    assert files(backup_dir) == []


def test_a_wrong_digest_is_refused_and_nothing_stored(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)
    answer = put(dev, "b", b"payload", **{"X-Content-SHA256": "0" * 64})
    assert (answer.status_code, answer.json()["error"]) == (400, "digest_mismatch")
    assert put(dev, "b", b"payload", **{"X-Content-SHA256": "nothex"}).status_code == 400
    assert dev.http.get("/v1/devices/me/backups").json() == {"backups": []}
    assert files(backup_dir) == []


def test_retention_keeps_the_newest_n_within_the_quota(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)                # keep 3, quota 10,000 bytes
    for n in range(1, 5):
        answer = put(dev, f"b{n}", bytes([n]) * 1000)
        assert answer.status_code == 201
    assert answer.json()["removed"] == 1
    assert [b["name"] for b in dev.http.get("/v1/devices/me/backups").json()["backups"]] == ["b4", "b3", "b2"]
    assert dev.http.get("/v1/devices/me/backups/b1").status_code == 404
    # a 6,000-byte backup: 6,000 + 1,000 + 1,000 fits the quota, and b2 goes by count
    assert put(dev, "b5", b"5" * 6000).json()["removed"] == 1
    # an 9,000-byte backup: only it fits
    assert put(dev, "b6", b"6" * 9000).json()["removed"] == 3
    assert [b["name"] for b in dev.http.get("/v1/devices/me/backups").json()["backups"]] == ["b6"]
    assert len(files(backup_dir)) == 1
    assert dev.http.get("/v1/devices/me/backups/b6").content == b"6" * 9000


def test_orphan_files_are_swept_once_old(backup_relay: Any, backup_dir: Path) -> None:
    dev = device(backup_relay)
    assert put(dev, "kept", b"data").status_code == 201
    folder = next(p for p in backup_dir.iterdir() if p.is_dir())
    orphan, partial = folder / ("0" * 32 + BLOB_SUFFIX), folder / (UPLOAD_PREFIX + "1" * 32)
    orphan.write_bytes(b"from a crash")
    partial.write_bytes(b"half an upload")
    assert backup_relay.relay.backups.sweep() == 0            # too recent: could be an upload in progress
    old = time.time() - 7200
    for path in (orphan, partial):
        os.utime(path, (old, old))
    assert backup_relay.relay.backups.sweep() == 2
    assert len(files(backup_dir)) == 1
    assert dev.http.get("/v1/devices/me/backups/kept").content == b"data"


def test_without_a_backup_directory_the_store_answers_503(make_relay: Any) -> None:
    dev = device(make_relay(backup_dir=""))
    answer = dev.http.get("/v1/devices/me/backups")
    assert (answer.status_code, answer.json()) == (503, {"error": "backups_disabled"})

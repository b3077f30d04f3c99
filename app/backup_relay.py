"""The relay's backup store, from the device's side (relay/README.md "Backups"): upload an archive,
list this device's archives, fetch one to a file.

The archive is what `app.backup.create_backup` wrote: SQLCipher pages under the data key, the slots
and a signed manifest, so the relay holds nothing it can read. Uploads stream from the file with
its SHA-256 in `X-Content-SHA256` (the relay checks it before recording) and are retried with
back-off while the relay is unreachable; a 409 whose stored copy has the same digest is a success
(the earlier attempt was stored, its answer lost). Downloads stream to a file, bounded by the size
the listing announced, and are checked against its digest.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.errors import Refused
from app.mosip.relay import RelayClient, RelayRefused, RelayUnavailable

LIST_ANSWER_BYTES = 1024 * 1024
UPLOAD_CHUNK = 256 * 1024
MIN_RATE_BYTES_PER_SECOND = 64 * 1024    # a transfer may take as long as this rate needs (slow field links)
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 2.0
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
DIGEST = re.compile(r"[0-9a-f]{64}")


class RelayBackupMissing(Refused):
    default_code = "backup.relay_not_found"


@dataclass(frozen=True)
class RelayBackup:
    name: str
    size: int
    sha256: str
    created_at: float


def _entry(raw: Any) -> RelayBackup | None:
    if not isinstance(raw, dict):
        return None
    name, size, digest, created = raw.get("name"), raw.get("size"), raw.get("sha256"), raw.get("created_at")
    if not (isinstance(name, str) and NAME.fullmatch(name) and type(size) is int and size >= 0
            and isinstance(digest, str) and DIGEST.fullmatch(digest) and isinstance(created, int | float)):
        return None
    return RelayBackup(name, size, digest, float(created))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def transfer_deadline(client: RelayClient, size: int) -> float:
    return client.settings.timeout + size / MIN_RATE_BYTES_PER_SECOND


class RelayBackups:
    def __init__(self, client: RelayClient, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.sleep = sleep

    def list(self) -> list[RelayBackup]:
        """This device's archives at the relay, newest first."""
        _, body = self.client._call("GET", "/v1/devices/me/backups", max_bytes=LIST_ANSWER_BYTES)
        raw = body.get("backups")
        entries = [_entry(item) for item in raw] if isinstance(raw, list) else [None]
        if any(entry is None for entry in entries):
            raise RelayUnavailable("the relay's list of backups is not the API's")
        return [entry for entry in entries if entry is not None]

    def upload(self, archive: Path, *, attempts: int = DEFAULT_ATTEMPTS,
               backoff: float = DEFAULT_BACKOFF_SECONDS) -> RelayBackup:
        """Send `archive` under its own name; retried with back-off while the relay is unavailable."""
        archive = Path(archive)
        size, digest = archive.stat().st_size, _sha256(archive)
        for attempt in range(1, attempts + 1):
            try:
                return self._put(archive, size, digest)
            except RelayUnavailable:
                if attempt == attempts:
                    raise
                self.sleep(backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _put(self, archive: Path, size: int, digest: str) -> RelayBackup:
        def chunks() -> Iterator[bytes]:
            with open(archive, "rb") as handle:
                while chunk := handle.read(UPLOAD_CHUNK):
                    yield chunk

        try:
            status, body = self.client._call(
                "PUT", f"/v1/devices/me/backups/{archive.name}", ok=(201, 409, 413), content=chunks(),
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(size),
                         "X-Content-SHA256": digest},
                deadline=transfer_deadline(self.client, size))
        except RelayRefused as exc:
            raise RelayRefused(exc.message, code="backup.relay_refused", params=exc.params) from None
        if status == 413:
            raise RelayRefused("the backup is larger than this device's quota at the relay",
                               code="backup.relay_too_large", params={"limit": str(body.get("limit", ""))[:20]})
        if status == 409:
            stored = next((b for b in self.list() if b.name == archive.name), None)
            if stored is not None and stored.sha256 == digest:
                return stored
            raise RelayRefused("the relay already holds another backup of that name", code="backup.relay_conflict")
        entry = _entry(body.get("backup"))
        if entry is None or entry.sha256 != digest or entry.size != size:
            raise RelayUnavailable("the relay's answer does not describe the backup sent")
        return entry

    def download(self, name: str, target: Path) -> RelayBackup:
        """Fetch the archive `name` into the new file `target`, checked against the listing."""
        entry = next((b for b in self.list() if b.name == name), None)
        if entry is None:
            raise RelayBackupMissing(f"the relay holds no backup named {name[:128]!r} for this device",
                                     params={"name": name[:128]})
        target = Path(target)
        url = self.client.settings.base_url.rstrip("/") + f"/v1/devices/me/backups/{name}"
        ends = time.monotonic() + transfer_deadline(self.client, entry.size)
        digest = hashlib.sha256()
        received = 0
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out, self.client.http.stream(
                    "GET", url, headers={"Authorization": f"Bearer {self.client.settings.token}"},
                    timeout=httpx.Timeout(self.client.settings.timeout)) as response:
                if response.status_code != 200:
                    raise RelayUnavailable(f"the relay answered HTTP {response.status_code}",
                                           params={"status": response.status_code})
                for chunk in response.iter_bytes(UPLOAD_CHUNK):
                    received += len(chunk)
                    if received > entry.size:
                        raise RelayUnavailable("the relay sent more than the backup's size")
                    if time.monotonic() > ends:
                        raise RelayUnavailable("the backup did not arrive in time")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if received != entry.size or digest.hexdigest() != entry.sha256:
                raise RelayUnavailable("the backup from the relay does not match its checksum")
        except httpx.HTTPError as exc:
            target.unlink(missing_ok=True)
            raise RelayUnavailable(f"the relay is unreachable ({type(exc).__name__})",
                                   params={"reason": type(exc).__name__}) from None
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return entry

"""The device backup endpoints (``Authorization: Bearer <token>``, the device's own backups only):

  PUT  /v1/devices/me/backups/{name}   the body is the blob (streamed, bounded by the quota);
       optional ``X-Content-SHA256`` is checked. 201 {"backup", "removed"}; 409 backup_exists;
       413 backup_too_large; 400 invalid_backup_name / digest_mismatch; 507 backup_store_full
  GET  /v1/devices/me/backups          {"backups": [{"name", "size", "sha256", "created_at"}, …]} newest first
  GET  /v1/devices/me/backups/{name}   the blob (``X-Content-SHA256``); 404 backup_not_found

Answers 503 backups_disabled when the relay has no backup directory.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response

from .backups import SHA256_PATTERN, BackupExists, BackupStore, valid_name
from .metrics import Counters

log = logging.getLogger("relay")

WRITE_BATCH = 1024 * 1024     # received bytes are written to disk in batches of this size, off the loop


def _error(status: int, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, **extra}, status_code=status)


class BackupApi:
    def __init__(self, store: BackupStore | None, authorised: Callable[[Request], Awaitable[int | Response]],
                 counters: Counters) -> None:
        self.store = store
        self.authorised = authorised
        self.counters = counters

    async def _device_and_name(self, request: Request, *, named: bool) -> tuple[int, str] | Response:
        device_id = await self.authorised(request)
        if isinstance(device_id, Response):
            return device_id
        if self.store is None:
            return _error(503, "backups_disabled")
        name = request.path_params.get("name", "") if named else ""
        if named and not valid_name(name):
            return _error(400, "invalid_backup_name",
                          detail="1–128 letters, digits, '.', '_' or '-'; not starting with '.', no '..'")
        return device_id, name

    async def listing(self, request: Request) -> Response:
        checked = await self._device_and_name(request, named=False)
        if isinstance(checked, Response):
            return checked
        assert self.store is not None
        return JSONResponse({"backups": await anyio.to_thread.run_sync(self.store.list, checked[0])})

    async def fetch(self, request: Request) -> Response:
        checked = await self._device_and_name(request, named=True)
        if isinstance(checked, Response):
            return checked
        assert self.store is not None
        found = await anyio.to_thread.run_sync(self.store.find, *checked)
        if found is None:
            return _error(404, "backup_not_found")
        path, entry = found
        self.counters.incr("backups", "outcome", "fetched")
        return FileResponse(path, media_type="application/octet-stream",
                            headers={"X-Content-SHA256": entry["sha256"], "Cache-Control": "no-store"})

    async def put(self, request: Request) -> Response:
        checked = await self._device_and_name(request, named=True)
        if isinstance(checked, Response):
            return checked
        store = self.store
        assert store is not None
        device_id, name = checked
        limit = store.quota_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return self._too_large(limit)
        expected = request.headers.get("x-content-sha256")
        if expected is not None and not SHA256_PATTERN.fullmatch(expected):
            return _error(400, "invalid_digest", detail="X-Content-SHA256: 64 lowercase hex digits")
        if await anyio.to_thread.run_sync(store.exists, device_id, name):
            return _error(409, "backup_exists")
        upload = await anyio.to_thread.run_sync(store.open_upload, device_id)
        committed = None
        try:
            pending = bytearray()
            received = 0
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:
                    return self._too_large(limit)
                pending += chunk
                if len(pending) >= WRITE_BATCH:
                    await anyio.to_thread.run_sync(upload.write, bytes(pending))
                    pending.clear()
            if pending:
                await anyio.to_thread.run_sync(upload.write, bytes(pending))
            if expected is not None and upload.sha256 != expected:
                return _error(400, "digest_mismatch", sha256=upload.sha256)
            committed = await anyio.to_thread.run_sync(store.commit, device_id, name, upload)
        except BackupExists:
            return _error(409, "backup_exists")
        except ClientDisconnect:
            return Response(status_code=400)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                log.error("backup store full", extra={"fields": {"device_id": device_id}})
                return _error(507, "backup_store_full")
            raise
        finally:
            if committed is None:
                await anyio.to_thread.run_sync(upload.discard)
        self.counters.incr("backups", "outcome", "stored")
        log.info("backup stored", extra={"fields": {"device_id": device_id, "bytes": committed.entry["size"],
                                                    "removed": committed.removed}})
        return JSONResponse({"backup": committed.entry, "removed": committed.removed}, status_code=201)

    def _too_large(self, limit: int) -> Response:
        self.counters.incr("backups", "outcome", "too_large")
        return _error(413, "backup_too_large", limit=limit)

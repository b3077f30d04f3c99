"""Small shared helpers: counters of effects, MOSIP response envelopes, time formatting."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from typing import Any

from starlette.responses import JSONResponse


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_ms(t: dt.datetime | None = None) -> str:
    t = (t or utcnow()).astimezone(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Counters:
    """``counters.incr("packets_created", rid)``; ``snapshot()`` → ``{"packets_created": {rid: 1}}``.

    Every externally visible effect is counted per RID / transaction id so tests can assert exactly-once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def incr(self, name: str, key: str, by: int = 1) -> int:
        with self._lock:
            self._data[name][key] += by
            return self._data[name][key]

    def get(self, name: str, key: str) -> int:
        with self._lock:
            return self._data.get(name, {}).get(key, 0)

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: dict(values) for name, values in self._data.items()}


def mosip_response(response: Any, *, id: str | None = None, version: str | None = "v1",
                   errors: list[dict[str, str]] | None = None, status_code: int = 200,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The kernel response envelope: ``{id, version, responsetime, metadata, response, errors}``."""
    return JSONResponse(
        {"id": id, "version": version, "responsetime": iso_ms(), "metadata": None, "response": response,
         "errors": errors or None},
        status_code=status_code,
        headers=headers,
    )


def mosip_error(code: str, message: str, *, id: str | None = None, status_code: int = 200,
                version: str | None = "v1") -> JSONResponse:
    return mosip_response(None, id=id, version=version, errors=[{"errorCode": code, "message": message}],
                          status_code=status_code)

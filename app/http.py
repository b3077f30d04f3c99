"""Reading a network answer: streamed, bounded in size, bounded in total time, cancellable.

httpx's timeouts are per operation: a server that sends one byte every few seconds never trips
a read timeout, and `response.content` reads an endless body into memory before any size check.
Every MOSIP answer (packets, IDA, WebSub, data share, and e-Signet's token and userinfo) and every
OpenCRVS answer is read here instead: the body is streamed, refused once it passes `max_bytes` (a declared
Content-Length is checked first), and the whole exchange — connect, headers, body — must finish
within `deadline` seconds. Cancelling the awaiting task (async) or setting `cancel` (sync)
ends it between chunks. Both failures are transient (`Unavailable`, and httpx's transport error
types, which the sync agent already retries).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx

from app.errors import Unavailable

DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_DEADLINE_SECONDS = 30.0
_DROP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class _BoundedAnswerError(Unavailable, httpx.TransportError):
    def __init__(self, message: str, *, code: str | None = None, request: httpx.Request | None = None) -> None:
        super().__init__(message, code=code)
        self._request = request


class AnswerTooLarge(_BoundedAnswerError):
    default_code = "network.answer_too_large"


class AnswerTooSlow(_BoundedAnswerError, httpx.TimeoutException):
    default_code = "network.answer_too_slow"


class AnswerCancelled(_BoundedAnswerError):
    default_code = "network.cancelled"


def deadline_for(http: httpx.AsyncClient | httpx.Client, default: float = DEFAULT_DEADLINE_SECONDS) -> float:
    """The whole-answer deadline: the client's configured read timeout (the country's
    `timeout_seconds`), used once for the exchange instead of per read."""
    timeout = http.timeout
    return float(timeout.read or timeout.connect or default)


def _check_declared(response: httpx.Response, max_bytes: int, what: str) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise AnswerTooLarge(f"{what} is larger than {max_bytes} bytes", request=response.request)


def _complete(response: httpx.Response, body: bytes) -> httpx.Response:
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROP_HEADERS]
    return httpx.Response(response.status_code, headers=headers, content=body, request=response.request,
                          extensions=response.extensions)


async def read_answer(http: httpx.AsyncClient, method: str, url: str | httpx.URL, *, max_bytes: int = DEFAULT_MAX_BYTES,
                      deadline: float | None = None, what: str = "the answer", **kwargs: Any) -> httpx.Response:
    """`http.request(...)` with the answer read whole but bounded; the returned response's
    `.content`, `.json()`, `.cookies` work as usual."""
    seconds = deadline if deadline is not None else deadline_for(http)
    try:
        async with asyncio.timeout(seconds), http.stream(method, url, **kwargs) as response:
            _check_declared(response, max_bytes, what)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():  # decoded: a gzip bomb is bounded too
                size += len(chunk)
                if size > max_bytes:
                    raise AnswerTooLarge(f"{what} is larger than {max_bytes} bytes", request=response.request)
                chunks.append(chunk)
    except TimeoutError:
        raise AnswerTooSlow(f"{what} did not arrive within {seconds:g} s") from None
    return _complete(response, b"".join(chunks))


def read_answer_sync(http: httpx.Client, method: str, url: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                     deadline: float | None = None, cancel: threading.Event | None = None,
                     what: str = "the answer", **kwargs: Any) -> httpx.Response:
    """The blocking twin, for threads (the UI's e-Signet login, the WebSub receiver). The deadline
    and `cancel` are checked between chunks, and each read waits at most the time left."""
    seconds = deadline if deadline is not None else deadline_for(http)
    ends = time.monotonic() + seconds

    def left() -> float:
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise AnswerTooSlow(f"{what} did not arrive within {seconds:g} s")
        if cancel is not None and cancel.is_set():
            raise AnswerCancelled(f"{what}: cancelled")
        return remaining

    kwargs["timeout"] = httpx.Timeout(left())
    with http.stream(method, url, **kwargs) as response:
        _check_declared(response, max_bytes, what)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            left()
            size += len(chunk)
            if size > max_bytes:
                raise AnswerTooLarge(f"{what} is larger than {max_bytes} bytes", request=response.request)
            chunks.append(chunk)
        left()
    return _complete(response, b"".join(chunks))

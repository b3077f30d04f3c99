"""Reading a file a user named: bounded in size, regular files only, a clear error otherwise.

Every path that comes from outside (a `--data` file, a secret to import, a trusted key, a country's
key file) is read through here: `/dev/zero`, a FIFO or a directory is refused before a byte is
read, and a regular file is read up to `limit` bytes plus one, so a file that grows while being
read cannot fill memory either.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

from app.errors import Invalid

MAX_JSON_DEPTH = 64


class UnreadableFile(Invalid):
    default_code = "file.unreadable"


def read_bounded(path: str | os.PathLike[str], limit: int, *, what: str = "the file") -> bytes:
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # NONBLOCK: a FIFO does not hang the open
    except OSError as exc:
        raise UnreadableFile(f"{name}: cannot read {what} ({exc.strerror})", params={"path": name}) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"{name}: {what} must be a regular file", code="file.not_regular",
                                 params={"path": name})
        if info.st_size > limit:
            raise UnreadableFile(f"{name}: {what} is larger than {limit} bytes", code="file.too_large",
                                 params={"path": name, "limit": limit})
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise UnreadableFile(f"{name}: {what} is larger than {limit} bytes", code="file.too_large",
                                 params={"path": name, "limit": limit})
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(f"{name}: cannot read {what} ({exc.strerror})", params={"path": name}) from None
    finally:
        os.close(fd)


def read_text_bounded(path: str | os.PathLike[str], limit: int, *, what: str = "the file") -> str:
    data = read_bounded(path, limit, what=what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{path}: {what} is not UTF-8 text", code="file.not_utf8") from None


def json_nesting_depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings: checked before `json.loads`, which recurses."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise ValueError("a lone surrogate (\\ud800–\\udfff) is not text")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_surrogates(key)
            _no_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _no_surrogates(item)
    return value


def loads_json_bounded(text: str, *, source: str = "JSON", max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON from untrusted text: nesting at most `max_depth`, integers within Python's digit limit,
    no lone surrogates (they cannot be stored or printed as UTF-8), no NaN/Infinity."""
    if json_nesting_depth(text) > max_depth:
        raise UnreadableFile(f"{source}: JSON nested deeper than {max_depth} levels", code="json.too_deep")

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return _no_surrogates(json.loads(text, parse_constant=refuse_constant))
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"{source}:{exc.lineno}: invalid JSON: {exc.msg}", code="json.invalid") from None
    except (ValueError, RecursionError) as exc:  # ValueError: an integer beyond int_max_str_digits
        raise UnreadableFile(f"{source}: invalid JSON: {exc}", code="json.invalid") from None


def read_json_bounded(path: str | os.PathLike[str], limit: int, *, what: str = "the file") -> Any:
    return loads_json_bounded(read_text_bounded(path, limit, what=what), source=str(path))

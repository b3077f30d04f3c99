"""Hard bounds on everything a QR code can make us decode.

A QR code holds at most 4,296 characters, but compression and nesting can turn that into
gigabytes or unbounded recursion. Every layer here is bounded *while* it decodes:

- QR text: at most `MAX_QR_TEXT` characters (QR version 40, alphanumeric mode).
- zlib: streamed with `decompressobj().decompress(data, max_length)`, so at most
  `MAX_INFLATED + 1` bytes of output are ever produced (a bomb is refused after 64 KiB).
- CBOR: a small strict decoder of our own (no semantic tags, no shared references, no cycles):
  depth, item count and every declared length are checked against the bytes actually present
  before anything is allocated.
- JSON: size checked, nesting depth pre-scanned, duplicate keys and NaN/Infinity refused.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from typing import Any, NamedTuple

from app.security.files import json_nesting_depth

from .errors import QrRejected

MAX_QR_TEXT = 4296
MAX_INFLATED = 64 * 1024
MAX_CBOR_DEPTH = 16
MAX_CBOR_ITEMS = 8192
MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise QrRejected("QR content must be text", "unknown_format")
    if len(text) > MAX_QR_TEXT:
        raise QrRejected(f"QR text longer than {MAX_QR_TEXT:,} characters", "too_long")
    return text


# --------------------------------------------------------------------------------------- zlib
def looks_like_zlib(data: bytes) -> bool:
    """RFC 1950 header: deflate (CM=8), window ≤ 32 KiB, header checksum, no preset dictionary."""
    return (len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7
            and ((data[0] << 8) | data[1]) % 31 == 0 and not data[1] & 0x20)


def bounded_inflate(data: bytes, limit: int = MAX_INFLATED) -> bytes:
    """Inflate a complete zlib stream, never producing more than `limit` + 1 bytes."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error:
        raise QrRejected("malformed zlib data", "malformed_zlib") from None
    if len(out) > limit:
        raise QrRejected(f"inflated data exceeds {limit // 1024} KiB", "inflate_limit")
    if not d.eof:
        raise QrRejected("truncated zlib data", "malformed_zlib")
    if d.unused_data:
        raise QrRejected("trailing bytes after the zlib data", "malformed_zlib")
    return out


# --------------------------------------------------------------------------------------- CBOR
class CborTag(NamedTuple):
    """A CBOR tag left uninterpreted (COSE_Sign1 is tag 18, CWT tag 61, …)."""
    tag: int
    value: Any


class _Cbor:
    __slots__ = ("data", "items", "max_depth", "max_items", "pos")

    def __init__(self, data: bytes, max_depth: int, max_items: int) -> None:
        self.data = data
        self.pos = 0
        self.items = 0
        self.max_depth = max_depth
        self.max_items = max_items

    def _truncated(self) -> QrRejected:
        return QrRejected("truncated CBOR", "truncated_cbor")

    def _take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise self._truncated()
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def _argument(self, ai: int) -> int:
        if ai < 24:
            return ai
        if ai == 24:
            return self._take(1)[0]
        if ai == 25:
            return int.from_bytes(self._take(2), "big")
        if ai == 26:
            return int.from_bytes(self._take(4), "big")
        if ai == 27:
            return int.from_bytes(self._take(8), "big")
        raise QrRejected("malformed CBOR: reserved additional information", "malformed_cbor")

    def _count(self) -> None:
        self.items += 1
        if self.items > self.max_items:
            raise QrRejected(f"CBOR has more than {self.max_items} items", "cbor_limit")

    def item(self, depth: int) -> Any:
        if depth > self.max_depth:
            raise QrRejected(f"CBOR nested deeper than {self.max_depth} levels", "cbor_limit")
        if self.pos >= len(self.data):
            raise self._truncated()
        ib = self.data[self.pos]
        self.pos += 1
        major, ai = ib >> 5, ib & 0x1F
        self._count()
        if major == 7:
            return self._simple(ai)
        if ai == 31:
            return self._indefinite(major, depth)
        arg = self._argument(ai)
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            return self._take(arg)
        if major == 3:
            return self._text(self._take(arg))
        remaining = len(self.data) - self.pos
        if major == 4:
            if arg > remaining:
                raise self._truncated()
            return [self.item(depth + 1) for _ in range(arg)]
        if major == 5:
            if arg * 2 > remaining:
                raise self._truncated()
            out: dict[Any, Any] = {}
            for _ in range(arg):
                self._pair(out, depth)
            return out
        # major 6: tag
        return CborTag(arg, self.item(depth + 1))

    def _pair(self, out: dict[Any, Any], depth: int) -> None:
        key = self.item(depth + 1)
        if not isinstance(key, str | int | bytes | float | bool | None):
            raise QrRejected("malformed CBOR: map key is not a scalar", "malformed_cbor")
        if key in out:
            raise QrRejected("malformed CBOR: duplicate map key", "malformed_cbor")
        out[key] = self.item(depth + 1)

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise QrRejected("malformed CBOR: invalid UTF-8 text", "malformed_cbor") from None

    def _at_break(self) -> bool:
        if self.pos >= len(self.data):
            raise self._truncated()
        if self.data[self.pos] == 0xFF:
            self.pos += 1
            return True
        return False

    def _indefinite(self, major: int, depth: int) -> Any:
        if major in (2, 3):
            chunks: list[bytes] = []
            while not self._at_break():
                ib = self._take(1)[0]
                if ib >> 5 != major or ib & 0x1F == 31:
                    raise QrRejected("malformed CBOR: bad chunk in indefinite string", "malformed_cbor")
                self._count()
                chunks.append(self._take(self._argument(ib & 0x1F)))
            raw = b"".join(chunks)
            return raw if major == 2 else self._text(raw)
        if major == 4:
            items: list[Any] = []
            while not self._at_break():
                items.append(self.item(depth + 1))
            return items
        if major == 5:
            out: dict[Any, Any] = {}
            while not self._at_break():
                self._pair(out, depth)
            return out
        raise QrRejected("malformed CBOR: indefinite length on a scalar", "malformed_cbor")

    def _simple(self, ai: int) -> Any:
        if ai == 20:
            return False
        if ai == 21:
            return True
        if ai in (22, 23):
            return None
        if ai == 25:
            value = struct.unpack(">e", self._take(2))[0]
        elif ai == 26:
            value = struct.unpack(">f", self._take(4))[0]
        elif ai == 27:
            value = struct.unpack(">d", self._take(8))[0]
        elif ai == 31:
            raise QrRejected("malformed CBOR: unexpected break", "malformed_cbor")
        else:
            raise QrRejected("malformed CBOR: unsupported simple value", "malformed_cbor")
        if not math.isfinite(value):
            raise QrRejected("malformed CBOR: non-finite float", "malformed_cbor")
        return value


def cbor_loads(data: bytes, *, max_depth: int = MAX_CBOR_DEPTH, max_items: int = MAX_CBOR_ITEMS,
               allow_trailing: bool = False) -> Any:
    """Decode one CBOR data item into plain Python values (dict, list, str, bytes, int, float,
    bool, None, CborTag). Raises QrRejected on malformed, truncated or over-limit input."""
    if len(data) > MAX_INFLATED:
        raise QrRejected(f"CBOR data exceeds {MAX_INFLATED // 1024} KiB", "cbor_limit")
    dec = _Cbor(bytes(data), max_depth, max_items)
    value = dec.item(0)
    if not allow_trailing and dec.pos != len(dec.data):
        raise QrRejected("malformed CBOR: trailing bytes", "malformed_cbor")
    return value


# --------------------------------------------------------------------------------------- JSON
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise QrRejected("malformed JSON: duplicate key", "malformed_json")
        out[key] = value
    return out


def _no_constant(_name: str) -> Any:
    raise QrRejected("malformed JSON: NaN or Infinity", "malformed_json")


def json_loads(text: str, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> Any:
    if len(text) > max_bytes:
        raise QrRejected(f"JSON exceeds {max_bytes // 1024} KiB", "json_limit")
    if json_nesting_depth(text) > max_depth:
        raise QrRejected(f"JSON nested deeper than {max_depth} levels", "json_limit")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except QrRejected:
        raise
    except (ValueError, RecursionError):
        raise QrRejected("malformed JSON", "malformed_json") from None

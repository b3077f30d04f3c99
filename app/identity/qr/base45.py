"""Base45 (RFC 9285), strict: only the 45-character alphabet, no stray length, no overflow."""

from __future__ import annotations

from .errors import QrRejected

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_ALPHABET_SET = frozenset(ALPHABET)


def is_base45_text(text: str) -> bool:
    return bool(text) and all(ch in _ALPHABET_SET for ch in text)


def b45decode(text: str) -> bytes:
    """Decode base45 text; raise QrRejected("malformed base45: …") on any deviation from RFC 9285."""
    n = len(text)
    if n % 3 == 1:
        raise QrRejected("malformed base45: invalid length", "malformed_base45")
    values = _VALUES
    out = bytearray()
    try:
        for i in range(0, n - 2, 3):
            v = values[text[i]] + values[text[i + 1]] * 45 + values[text[i + 2]] * 2025
            if v > 0xFFFF:
                raise QrRejected("malformed base45: value out of range", "malformed_base45")
            out.append(v >> 8)
            out.append(v & 0xFF)
        if n % 3 == 2:
            v = values[text[n - 2]] + values[text[n - 1]] * 45
            if v > 0xFF:
                raise QrRejected("malformed base45: value out of range", "malformed_base45")
            out.append(v)
    except KeyError:
        pos = next(i for i, ch in enumerate(text) if ch not in _ALPHABET_SET)
        raise QrRejected(f"malformed base45: invalid character at position {pos}",
                         "malformed_base45") from None
    return bytes(out)


def b45encode(data: bytes) -> str:
    """Encode bytes as base45 (used to produce codes; decoding never needs it)."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        v = (data[i] << 8) | data[i + 1]
        v, c = divmod(v, 45)
        e, d = divmod(v, 45)
        out.append(ALPHABET[c] + ALPHABET[d] + ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out.append(ALPHABET[c] + ALPHABET[d])
    return "".join(out)

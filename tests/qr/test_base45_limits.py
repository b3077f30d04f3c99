"""base45 (RFC 9285), bounded inflate, bounded CBOR and JSON."""

from __future__ import annotations

import json
import tracemalloc
import zlib

import cbor2
import pytest

from app.identity.qr import QrPolicy, QrRejected, decode_qr_text
from app.identity.qr.base45 import b45decode, b45encode
from app.identity.qr.limits import (
    MAX_INFLATED,
    CborTag,
    bounded_inflate,
    cbor_loads,
    json_loads,
)

from .helpers import base45_encode


@pytest.mark.parametrize(("raw", "text"), [
    (b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0"),
    (b"", ""), (b"\x00", "00"), (b"\xff\xff", "FGW"),
])
def test_base45_rfc9285_vectors(raw: bytes, text: str) -> None:
    assert b45decode(text) == raw
    assert b45encode(raw) == text == base45_encode(raw)


@pytest.mark.parametrize(("text", "why"), [
    ("GGW", "value out of range"),      # 65536 + … > 0xFFFF
    ("ZZ", "value out of range"),       # single byte > 255
    ("BB8A", "invalid length"),         # length ≡ 1 (mod 3)
    ("BB#", "invalid character"),
    ("bb8", "invalid character"),
])
def test_base45_strict(text: str, why: str) -> None:
    with pytest.raises(QrRejected, match="malformed base45") as info:
        b45decode(text)
    assert why in info.value.reason
    assert info.value.code == "malformed_base45"


def _bomb() -> bytes:
    """100 MB of zeros, compressed (~100 KB) — bigger than a QR can carry, which is fine: the
    layer is tested on its own; the QR-sized bomb is tested through decode_qr_text below."""
    c = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    return b"".join(c.compress(chunk) for _ in range(100)) + c.flush()


def test_zlib_bomb_refused_without_allocating_it() -> None:
    bomb = _bomb()
    tracemalloc.start()
    try:
        with pytest.raises(QrRejected, match="inflated data exceeds 64 KiB"):
            bounded_inflate(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 * 1024 * 1024, f"peak {peak} bytes while refusing a 100 MB bomb"


def test_qr_sized_bomb_through_decode() -> None:
    """A base45 QR text (≤ 4,296 chars) that inflates to ~2.5 MB: refused by the cap."""
    payload = zlib.compress(bytes(2_500_000), 9)
    text = base45_encode(payload)
    assert len(text) <= 4296
    tracemalloc.start()
    try:
        with pytest.raises(QrRejected) as info:
            decode_qr_text(text, QrPolicy(accept_unsigned={"pixelpass-json"}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.reason == "inflated data exceeds 64 KiB"
    assert peak < 1 * 1024 * 1024


def test_inflate_exact_limit_and_errors() -> None:
    assert len(bounded_inflate(zlib.compress(bytes(MAX_INFLATED)))) == MAX_INFLATED
    with pytest.raises(QrRejected, match="exceeds"):
        bounded_inflate(zlib.compress(bytes(MAX_INFLATED + 1)))
    good = zlib.compress(b"x" * 100)
    with pytest.raises(QrRejected, match="truncated zlib"):
        bounded_inflate(good[:-5])
    with pytest.raises(QrRejected, match="trailing bytes"):
        bounded_inflate(good + b"junk")
    with pytest.raises(QrRejected, match="malformed zlib"):
        bounded_inflate(b"\x78\x9c\xff\xff\xff")


def test_cbor_values_and_tags() -> None:
    value = {"a": [1, -2, 3.5, True, None, b"\x01"], 7: "é", "nested": {"x": []}}
    assert cbor_loads(cbor2.dumps(value)) == value
    tagged = cbor_loads(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"", b""])))
    assert tagged == CborTag(18, [b"", {}, b"", b""])
    # indefinite-length containers and strings
    assert cbor_loads(bytes.fromhex("9f0102ff")) == [1, 2]
    assert cbor_loads(bytes.fromhex("bf6161 01ff".replace(" ", ""))) == {"a": 1}
    assert cbor_loads(bytes.fromhex("7f62616262 6364ff".replace(" ", ""))) == "abcd"
    assert cbor_loads(bytes.fromhex("f93c00")) == 1.0        # half float


@pytest.mark.parametrize(("data", "reason"), [
    (cbor2.dumps({"name": "x" * 50})[:-10], "truncated CBOR"),
    (bytes.fromhex("5b00000000ffffffff"), "truncated CBOR"),          # 4 GiB byte string declared
    (bytes.fromhex("9b00000000ffffffff"), "truncated CBOR"),          # 4 G items declared
    (bytes.fromhex("bb00000000ffffffff"), "truncated CBOR"),
    (b"\x81" * 40 + b"\x00", "CBOR nested deeper than 16 levels"),
    (bytes.fromhex("a2616101616102"), "duplicate map key"),
    (bytes.fromhex("a1810101"), "map key is not a scalar"),
    (bytes.fromhex("62c328"), "invalid UTF-8"),
    (bytes.fromhex("0102"), "trailing bytes"),
    (bytes.fromhex("1c"), "reserved additional information"),
    (bytes.fromhex("ff"), "unexpected break"),
    (bytes.fromhex("f97e00"), "non-finite float"),
    (bytes.fromhex("e0"), "unsupported simple value"),
    (bytes.fromhex("9f01"), "truncated CBOR"),
])
def test_cbor_rejections(data: bytes, reason: str) -> None:
    with pytest.raises(QrRejected) as info:
        cbor_loads(data)
    assert reason in info.value.reason


def test_cbor_item_budget() -> None:
    data = cbor2.dumps([0] * 10_000)
    with pytest.raises(QrRejected, match="more than 8192 items"):
        cbor_loads(data)


@pytest.mark.parametrize(("text", "reason"), [
    ("[" * 40 + "]" * 40, "JSON nested deeper than 32 levels"),
    ('{"a": 1, "a": 2}', "duplicate key"),
    ('{"a": NaN}', "NaN or Infinity"),
    ('{"a": ', "malformed JSON"),
    ("x" * (65 * 1024), "JSON exceeds 64 KiB"),
])
def test_json_rejections(text: str, reason: str) -> None:
    with pytest.raises(QrRejected) as info:
        json_loads(text)
    assert reason in info.value.reason


def test_json_depth_ignores_brackets_in_strings() -> None:
    text = json.dumps({"a": "[" * 100 + "\\\"{" * 10})
    assert json_loads(text)["a"].startswith("[[[")


def test_qr_text_length_limit() -> None:
    with pytest.raises(QrRejected, match="longer than 4,296 characters"):
        decode_qr_text("A" * 4297, QrPolicy())

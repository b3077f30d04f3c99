"""Property/fuzz tests: hostile input at every layer ends in QrRejected, never another exception."""

from __future__ import annotations

import json
import zlib

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.identity.qr import QrPolicy, QrRejected, QrResult, TrustedKey, decode_qr_text
from app.identity.qr.base45 import ALPHABET, b45decode, b45encode
from app.identity.qr.limits import bounded_inflate, cbor_loads, json_loads
from app.identity.qr.mosip_card import decode_mosip_card
from app.identity.qr.opencrvs import decode_opencrvs
from app.identity.qr.pixelpass import identity_from_object

from .helpers import MOSIP_CARD, OPENCRVS, Signer, amelie, base45_encode, pixelpass_encode


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


SIGNER = Signer("EdDSA", kid="fuzz-issuer")
POLICY = QrPolicy(trusted_keys=[TrustedKey.from_pem(SIGNER.public_pem, kid="fuzz-issuer")],
                  accept_unsigned={"pixelpass-json", "mosip-card-json", "opencrvs-json"},
                  languages=["eng", "fra"])
VALID_C169 = zlib.decompress(b45decode(SIGNER.encode(amelie())))

KEYS = st.sampled_from([
    "name", "firstname", "surname", "middlename", "birthDate", "nid", "idType", "gender", "UIN", "VID",
    "fullName", "firstName", "lastName", "familyName", "middleName", "dateOfBirth", "phone", "email",
    "language", "value", "addressLine1", "city", "address", "formatted", "credentialSubject",
    "verifiableCredential", "credential", "x",
])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
                    st.sampled_from(["eng", "fra", "Female", "M", "1990/01/31", "2001-02-03", "19900131"]))
JSONISH = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=6)), max_leaves=12)
OBJECTS = st.dictionaries(KEYS, JSONISH, max_size=8)


def _only_rejections(call, *args) -> object:
    try:
        return call(*args)
    except QrRejected as exc:
        assert exc.reason and exc.code
        return exc


def _decode(text: str) -> None:
    out = _only_rejections(decode_qr_text, text, POLICY)
    assert isinstance(out, QrResult | QrRejected)


# -------------------------------------------------------------------------------- layers
@fuzz(600)
@given(st.text(max_size=200))
def test_base45_any_text(text: str) -> None:
    out = _only_rejections(b45decode, text)
    if isinstance(out, bytes):
        assert b45encode(out) == text


@fuzz(300)
@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    assert b45decode(b45encode(data)) == data
    assert b45encode(data) == base45_encode(data)


@fuzz(400)
@given(st.binary(max_size=400))
def test_inflate_any_bytes(data: bytes) -> None:
    _only_rejections(bounded_inflate, data)
    _only_rejections(bounded_inflate, b"\x78\x9c" + data)


@fuzz(600)
@given(st.binary(max_size=300))
def test_cbor_any_bytes(data: bytes) -> None:
    _only_rejections(cbor_loads, data)


@fuzz(300)
@given(JSONISH)
def test_cbor_round_trip(value: object) -> None:
    out = _only_rejections(cbor_loads, cbor2.dumps(value))
    if not isinstance(out, QrRejected) and "bignum" not in repr(out) and "tag=" not in repr(out):
        assert out == value   # (integers beyond 64 bits stay as uninterpreted bignum tags)


@fuzz(400)
@given(st.text(max_size=300))
def test_json_any_text(text: str) -> None:
    _only_rejections(json_loads, text)


# -------------------------------------------------------------------------------- format parsers
@fuzz(300)
@given(OBJECTS)
def test_mappers_any_object(obj: dict) -> None:
    for mapper in (decode_mosip_card, decode_opencrvs, identity_from_object):
        _only_rejections(mapper, obj, ["eng", "fra"])


@fuzz(200)
@given(st.dictionaries(st.sampled_from(list(OPENCRVS) + list(MOSIP_CARD)), JSONISH, max_size=8))
def test_json_codes(obj: dict) -> None:
    base = dict(OPENCRVS) if "nid" in obj else dict(MOSIP_CARD)
    base.update(obj)
    _decode(json.dumps(base, ensure_ascii=False))
    _decode(pixelpass_encode({"credentialSubject": base}))


# -------------------------------------------------------------------------------- whole decoder
@fuzz(600)
@given(st.text(max_size=600))
def test_decode_any_text(text: str) -> None:
    _decode(text)


@fuzz(600)
@given(st.text(alphabet=ALPHABET, max_size=600))
def test_decode_any_base45(text: str) -> None:
    _decode(text)


@fuzz(400)
@given(st.binary(max_size=600))
def test_decode_any_zlib_payload(payload: bytes) -> None:
    _decode(base45_encode(zlib.compress(payload)))


@fuzz(600)
@given(st.lists(st.tuples(st.integers(0, len(VALID_C169) - 1), st.integers(0, 255)), min_size=1, max_size=4),
       st.integers(0, len(VALID_C169)))
def test_decode_mutated_claim169(flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(VALID_C169)
    for pos, value in flips:
        data[pos] = value
    for candidate in (bytes(data), VALID_C169[:cut]):
        out = _only_rejections(decode_qr_text, base45_encode(zlib.compress(candidate)), POLICY)
        if isinstance(out, QrResult):
            # a mutation may only survive where it is not covered by the signature … and then
            # the identity is still exactly the signed one
            assert out.signature == "valid"
            assert out.identity.individual_id == "3918237465"


@fuzz(200)
@given(st.recursive(st.one_of(st.integers(), st.binary(max_size=20), st.text(max_size=10)),
                    lambda inner: st.one_of(st.lists(inner, max_size=5),
                                            st.dictionaries(st.integers(-10, 200), inner, max_size=5),
                                            st.builds(cbor2.CBORTag, st.sampled_from([16, 18, 61, 1]),
                                                      inner)),
                    max_leaves=20))
def test_decode_cose_shaped(value: object) -> None:
    _decode(base45_encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, value)))))
    _decode(base45_encode(zlib.compress(cbor2.dumps(value))))


@pytest.mark.parametrize("depth", [17, 200, 5000])
def test_deep_cbor_in_claim169_and_pixelpass(depth: int) -> None:
    nested = b"\x81" * depth + b"\x00"
    with pytest.raises(QrRejected):
        decode_qr_text(base45_encode(zlib.compress(b"\xd2" + nested)), POLICY)
    with pytest.raises(QrRejected):
        decode_qr_text(base45_encode(zlib.compress(b"\xa1\x61a" + nested)), POLICY)

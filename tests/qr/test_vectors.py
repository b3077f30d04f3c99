"""Interoperability: test vectors published with the Claim 169 reference implementation
(github.com/jeremi/claim-169, test-vectors/valid/*.json — the project behind the `claim169`
package), decoded through our own base45 / bounded inflate / COSE pre-checks and key policy.
Their CWTs expire at 1800000000 (2027-01-15), so timestamps are not checked here."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from app.identity.qr import QrPolicy, QrRejected, TrustedKey, decode_qr_text

ED25519_SIGNED = (
    "6BF590B20FFWJWG.FKJ05H7B0XKA8FA9DIWENPEJ/5P$DPQE88EB$CBECP9ERZC04E21DDF3/E96007F3ORAO001KL580 B9%"
    "W5*B9C+9%R8646%86HKESED1/DRTC5UA QE$345$CVQEX.DX88WBK0NG8PB4 O/38TL6XDALLKLPQATHO.3ZPJMUAVQFSB1:+"
    "B*21V FWMC6SU439YU774475LJ2U5T02$VBSIMLQ3:6J.E1-1STM$4"
)
ED25519_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"   # RFC 8032 test key 1

ES256_SIGNED = (
    "6BF390D20FFWJWG.FKX*4F7B0XKA8FA9DIWENPEJ/5P$DPQE88EB$CBECP9ERZC04E21DDF3/E96007F3ORAO001KL480 B9O"
    "W5UM8SNA3W5746CP01Y8VS8MA85UA QE$345$CVQEX.D15839CZG0.SN7CP::K1QOD2S*GG4/0UR7X.E5-U-X2-GUPF7I:5S"
    "BQGZIY8NTXHRSE.YBIW6CZEAQTX%R08HJWP MPFBNN/KK.9$1C.3"
)
ES256_PUBLIC = ("0478e9de939034c9d7fb3c4b988cc897d8bd2bb9397dc6129762d6df431568ea268aa11a62b63867b720f8ca6695a3e9"
                "4eaf5e909aa9b13d86dbbec8b8e287ad78")

DEMOGRAPHICS_FULL = (
    "6BFA$BMVPYUOM43QVJH.AB27/RBNIDSMGU*4WKQYPDP-MBVDN66$EQM0JBF6YRC/S9N%8T2M.52+11A9G+PQELUPWJ0$RK2GW0"
    "PTZJ$6EC/7Z$Q718XV1WGD$DE0%CBBS0I7YEPUMD1F4OPQ3LD:T50KNJ6DKSVG%63EUHK2LJB4BQH 8UMQI5S7-L24WFDVB2N*"
    "OQRRMLF15U7X9L1AGVFU0WCJC0.CCW/DB*C*YKTZM9ULPW5U0ND94X9F/07UK2K*EC%2$I0BH3YUA*4MRQQIHS9WDB813.3B11"
    "%RRAFFM23N263SG91CDMIWFEI40$43AAII9UNAN6 P01E$M7A*VSTCUL1LILRV2 4BSL5HWPWGSEQOGHPZBV2-P6902HFVZTBJ3"
    "7-8YF9Y/8JCA9O3XA0:VES4"
)


def _pem(key: object) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                            serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def vector_policy() -> QrPolicy:
    ed = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(ED25519_PUBLIC))
    p256 = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes.fromhex(ES256_PUBLIC))
    return QrPolicy(trusted_keys=[TrustedKey.from_pem(_pem(ed), kid="vector-ed"),
                                  TrustedKey.from_pem(_pem(p256), kid="vector-p256")],
                    validate_timestamps=False)


@pytest.mark.parametrize(("text", "kid", "full_name", "ident"), [
    (ED25519_SIGNED, "vector-ed", "Signed Test Person", "ID-SIGNED-001"),
    (ES256_SIGNED, "vector-p256", "ECDSA Test Person", "ID-ECDSA-001"),
])
def test_signed_vectors(vector_policy: QrPolicy, text: str, kid: str, full_name: str, ident: str) -> None:
    result = decode_qr_text(text, vector_policy)
    assert (result.format, result.signature, result.issuer_kid) == ("claim169", "valid", kid)
    assert (result.identity.full_name, result.identity.individual_id) == (full_name, ident)


def test_signed_vectors_need_their_key() -> None:
    other = QrPolicy(trusted_keys=[TrustedKey.from_pem(_pem(ed25519.Ed25519PrivateKey.generate().public_key()))],
                     validate_timestamps=False)
    with pytest.raises(QrRejected, match="signature does not verify"):
        decode_qr_text(ED25519_SIGNED, other)
    with pytest.raises(QrRejected, match="issuer key not trusted"):
        decode_qr_text(ES256_SIGNED, other)


def test_full_demographics_vector(vector_policy: QrPolicy) -> None:
    """Algorithm EdDSA in the header but an empty signature: an unsigned code. Refused while
    trusted keys are configured; with none and an explicit opt-in, every field maps."""
    with pytest.raises(QrRejected, match="unsigned Claim 169 not accepted"):
        decode_qr_text(DEMOGRAPHICS_FULL, vector_policy)
    lenient = QrPolicy(accept_unsigned={"claim169"}, languages=["hin", "eng"], validate_timestamps=False)
    result = decode_qr_text(DEMOGRAPHICS_FULL, lenient)
    ident = result.identity
    assert (result.signature, result.issuer_kid) == ("unsigned", None)
    assert ident.full_name == "Jane Marie Smith (Hindi)"        # preferred language: Hindi
    assert ident.names["eng"].model_dump() == {"full_name": "Jane Marie Smith", "given_name": "Jane",
                                               "middle_name": "Marie", "family_name": "Smith"}
    assert (ident.individual_id, ident.date_of_birth, ident.gender) == (
        "ID-67890-FGHIJ", dt.date(1990, 5, 15), "female")
    assert (ident.email, ident.phone) == ("jane.smith@example.com", "+1 555 123 4567")
    assert ident.address == "123 Main St\nApt 4\nNew York, NY 10001"

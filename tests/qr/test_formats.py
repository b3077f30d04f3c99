"""decode_qr_text on every format: round trips, languages, policy, precise rejections."""

from __future__ import annotations

import datetime as dt
import json
import zlib

import cbor2
import claim169
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.identity.qr import QrPolicy, QrRejected, TrustedKey, decode_qr_text
from app.identity.qr.base45 import b45decode

from .helpers import MOSIP_CARD, OPENCRVS, Signer, amelie, base45_encode, pixelpass_encode


def reject(text: str, policy: QrPolicy) -> QrRejected:
    with pytest.raises(QrRejected) as info:
        decode_qr_text(text, policy)
    return info.value


# ------------------------------------------------------------------------------------ Claim 169
@pytest.mark.parametrize("which", ["ed_signer", "p256_signer"])
@pytest.mark.parametrize("with_kid", [True, False])
def test_claim169_signed_round_trip(request: pytest.FixtureRequest, policy: QrPolicy, which: str,
                                    with_kid: bool) -> None:
    signer: Signer = request.getfixturevalue(which)
    result = decode_qr_text(signer.encode(amelie(), with_kid=with_kid), policy)
    assert result.format == "claim169"
    assert result.signature == "valid"
    assert result.issuer_kid == signer.kid
    ident = result.identity
    assert ident.individual_id == "3918237465"
    assert (ident.full_name, ident.given_name, ident.middle_name, ident.family_name) == (
        "Amélie Josée Dupré", "Amélie", "Josée", "Dupré")
    assert ident.date_of_birth == dt.date(1987, 4, 12)
    assert ident.gender == "female"
    assert ident.phone == "+33612345678"
    assert ident.email == "amelie@example.test"
    assert ident.address == "12 rue des Écoles, Lyon"
    assert set(ident.names) == {"fra", "eng"}
    assert ident.names["eng"].full_name == "Amelie Josee Dupre"
    assert ident.as_json()["date_of_birth"] == "1987-04-12"


def test_claim169_uncompressed(ed_signer: Signer, policy: QrPolicy) -> None:
    raw = zlib.decompress(b45decode(ed_signer.encode(amelie())))
    assert decode_qr_text(base45_encode(raw), policy).signature == "valid"


def test_claim169_preferred_language(ed_signer: Signer, policy: QrPolicy) -> None:
    english_first = QrPolicy(trusted_keys=policy.trusted_keys, languages=["eng", "fra"])
    ident = decode_qr_text(ed_signer.encode(amelie()), english_first).identity
    assert ident.full_name == "Amelie Josee Dupre"
    assert ident.given_name is None          # never mixed with the French parts
    assert ident.names["fra"].given_name == "Amélie"


def test_claim169_library_encoder_without_kid(policy: QrPolicy, p256_signer: Signer) -> None:
    text = claim169.encode_with_ecdsa_p256(amelie(), claim169.CwtMetaInput(issuer="x"),
                                           p256_signer.raw_private())
    assert decode_qr_text(text, policy).signature == "valid"


@pytest.mark.parametrize("gender,expected", [(1, "male"), (2, "female"), (3, "other")])
def test_claim169_gender_codes(ed_signer: Signer, policy: QrPolicy, gender: int, expected: str) -> None:
    assert decode_qr_text(ed_signer.encode(amelie(gender=gender)), policy).identity.gender == expected


def test_claim169_untrusted_key(rogue_signer: Signer, policy: QrPolicy) -> None:
    other = Signer("EdDSA", kid="someone-else")
    assert reject(other.encode(amelie()), policy).reason == "issuer key not trusted"
    # same kid as a trusted issuer, different key: the signature cannot verify
    assert reject(rogue_signer.encode(amelie()), policy).reason == "signature does not verify"
    # no kid at all, untrusted key
    err = reject(other.encode(amelie(), with_kid=False), policy)
    assert err.code == "signature_invalid"


def test_claim169_untrusted_when_no_key_configured(ed_signer: Signer) -> None:
    err = reject(ed_signer.encode(amelie()), QrPolicy(accept_unsigned={"claim169"}))
    assert (err.reason, err.code) == ("issuer key not trusted", "untrusted_key")


def test_claim169_algorithm_must_match(ed_signer: Signer) -> None:
    only_p256 = QrPolicy(trusted_keys=[TrustedKey.from_pem(Signer("ES256").public_pem)])
    assert reject(ed_signer.encode(amelie()), only_p256).reason == "issuer key not trusted"


def _tamper_signature(text: str) -> str:
    raw = zlib.decompress(b45decode(text))
    obj = cbor2.loads(raw)
    protected, unprotected, payload, sig = obj.value
    sig = bytes([sig[0] ^ 0x01]) + sig[1:]
    tampered = cbor2.CBORTag(18, [protected, unprotected, payload, sig])
    return base45_encode(zlib.compress(cbor2.dumps(tampered)))


def _tamper_payload(text: str) -> str:
    obj = cbor2.loads(zlib.decompress(b45decode(text)))
    protected, unprotected, payload, sig = obj.value
    cwt = cbor2.loads(payload)
    cwt[169][8] = "19990101"   # change the date of birth
    return base45_encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected,
                                                                      cbor2.dumps(cwt), sig]))))


@pytest.mark.parametrize("which", ["ed_signer", "p256_signer"])
def test_claim169_altered_signature_and_payload(request: pytest.FixtureRequest, policy: QrPolicy,
                                                which: str) -> None:
    signer: Signer = request.getfixturevalue(which)
    text = signer.encode(amelie())
    for altered in (_tamper_signature(text), _tamper_payload(text)):
        err = reject(altered, policy)
        assert (err.reason, err.code) == ("signature does not verify", "signature_invalid")


def test_unsigned_claim169(policy: QrPolicy) -> None:
    text = claim169.encode_unsigned(amelie(), claim169.CwtMetaInput(issuer="x"))
    err = reject(text, policy)
    assert (err.reason, err.code) == ("unsigned Claim 169 not accepted", "unsigned_not_accepted")
    # even when a misconfigured policy lists it: trusted keys exist → never
    both = QrPolicy(trusted_keys=policy.trusted_keys, accept_unsigned={"claim169"})
    assert reject(text, both).reason == "unsigned Claim 169 not accepted"
    assert reject(text, QrPolicy()).reason == "unsigned Claim 169 not accepted"
    # only with no trusted key and an explicit opt-in
    result = decode_qr_text(text, QrPolicy(accept_unsigned={"claim169"}, languages=["fra"]))
    assert result.signature == "unsigned"
    assert result.identity.given_name == "Amélie"


def test_claim169_expired(ed_signer: Signer, policy: QrPolicy) -> None:
    meta = claim169.CwtMetaInput(issuer="x", expires_at=1_000_000)
    err = reject(ed_signer.encode(amelie(), meta), policy)
    assert (err.reason, err.code) == ("credential expired", "expired")
    lenient = QrPolicy(trusted_keys=policy.trusted_keys, validate_timestamps=False)
    assert decode_qr_text(ed_signer.encode(amelie(), meta), lenient).signature == "valid"


def test_claim169_encrypted_is_refused(ed_signer: Signer, policy: QrPolicy) -> None:
    text = claim169.encode_signed_encrypted(amelie(), claim169.CwtMetaInput(issuer="x"),
                                            ed_signer.raw_private(), bytes(32))
    assert reject(text, policy).reason == "encrypted Claim 169 is not supported"


def test_claim169_disabled_format(ed_signer: Signer, policy: QrPolicy) -> None:
    no_c169 = QrPolicy(trusted_keys=policy.trusted_keys, formats={"opencrvs-json"})
    assert reject(ed_signer.encode(amelie()), no_c169).code == "format_disabled"


def test_claim169_bad_date(ed_signer: Signer, policy: QrPolicy) -> None:
    err = reject(ed_signer.encode(amelie(date_of_birth="1987-13-45")), policy)
    assert err.reason == "field 'dateOfBirth' is not a valid date"


def test_cose_structure_rejections(policy: QrPolicy) -> None:
    def b45z(obj: object) -> str:
        return base45_encode(zlib.compress(cbor2.dumps(obj)))
    cases = {
        "malformed COSE: COSE_Sign1 must be an array of 4": cbor2.CBORTag(18, [b"", {}]),
        "malformed COSE: wrong COSE_Sign1 member types": cbor2.CBORTag(18, ["x", {}, b"", b""]),
        "no Claim 169 identity in the code": cbor2.CBORTag(18, [b"", {}, cbor2.dumps({1: "iss"}), b""]),
        "unsupported signature algorithm": cbor2.CBORTag(18, [cbor2.dumps({1: -257}), {},
                                                              cbor2.dumps({169: {1: "x"}}), b"s"]),
        "malformed COSE: not a COSE_Sign1": cbor2.CBORTag(61, cbor2.CBORTag(17, [])),
    }
    for reason, obj in cases.items():
        assert reject(b45z(obj), policy).reason == reason
    truncated = base45_encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"x" * 40, b""]))[:-20]))
    assert reject(truncated, policy).reason == "truncated CBOR"


def test_trusted_key_loading(ed_signer: Signer, p256_signer: Signer) -> None:
    assert TrustedKey.from_pem(ed_signer.public_pem).alg == "EdDSA"
    assert TrustedKey.from_pem(p256_signer.public_pem.decode(), kid="k").alg == "ES256"
    rsa_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError, match="only Ed25519 and P-256"):
        TrustedKey.from_pem(rsa_pem)
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError, match="only Ed25519 and P-256"):
        TrustedKey.from_pem(p384)
    with pytest.raises(ValueError, match="cannot load issuer key"):
        TrustedKey.from_pem(b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValueError, match="declared ES256"):
        TrustedKey(kid=None, alg="ES256", public_key_pem=ed_signer.public_pem)
    hex_kid = TrustedKey.from_pem(ed_signer.public_pem, kid=ed_signer.kid.encode().hex())
    assert hex_kid.matches_kid(ed_signer.kid.encode())


# ------------------------------------------------------------------------------------ PixelPass
def test_pixelpass_vectors_decode() -> None:
    from app.identity.qr.limits import bounded_inflate
    from app.identity.qr.pixelpass import decode_payload

    assert decode_payload(bounded_inflate(b45decode("NCFKVPV0QSIP600GP5L0"))) == "hello"
    assert decode_payload(bounded_inflate(b45decode("NCF3QBXJA5NJRCOC004 QN4"))) == {"temp": 15}
    assert pixelpass_encode("hello") == "NCFKVPV0QSIP600GP5L0"
    assert pixelpass_encode('{"temp":15}') == "NCF3QBXJA5NJRCOC004 QN4"


def test_pixelpass_text_is_not_identity(policy: QrPolicy) -> None:
    assert reject("NCFKVPV0QSIP600GP5L0", policy).reason == "PixelPass content is text, not identity data"
    assert reject("NCF3QBXJA5NJRCOC004 QN4", policy).code == "not_identity"


@pytest.mark.parametrize("wrap", ["vc", "inji", "subject", "json-text"])
def test_pixelpass_mosip_vc(policy: QrPolicy, wrap: str) -> None:
    vc = {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
          "credentialSubject": dict(MOSIP_CARD, id="did:example:123"),
          "proof": {"type": "Ed25519Signature2020", "proofValue": "z..."}}
    data = {"vc": vc, "inji": {"verifiableCredential": {"credential": vc}}, "subject": MOSIP_CARD,
            "json-text": json.dumps(vc, ensure_ascii=False)}[wrap]
    text = pixelpass_encode(data)
    result = decode_qr_text(text, policy)
    assert (result.format, result.signature) == ("pixelpass-json", "unsigned")
    ident = result.identity
    assert ident.individual_id == "7640521983"
    assert ident.full_name == "José Martin"           # policy prefers fra
    assert ident.names["eng"].family_name == "Martín"
    assert ident.date_of_birth == dt.date(1992, 7, 15)
    assert ident.gender == "male"
    assert ident.address == "4 rue du Marché, Kigali"


def test_pixelpass_with_header(policy: QrPolicy) -> None:
    header_policy = QrPolicy(accept_unsigned={"pixelpass-json"}, pixelpass_header="PX:")
    text = pixelpass_encode({"credentialSubject": MOSIP_CARD}, header="PX:")
    assert decode_qr_text(text, header_policy).identity.individual_id == "7640521983"


def test_pixelpass_unsigned_not_accepted() -> None:
    err = reject(pixelpass_encode({"credentialSubject": MOSIP_CARD}),
                 QrPolicy(accept_unsigned={"opencrvs-json"}))
    assert (err.reason, err.code) == ("unsigned PixelPass code not accepted", "unsigned_not_accepted")


def test_pixelpass_truncated_cbor(policy: QrPolicy) -> None:
    payload = cbor2.dumps({"credentialSubject": MOSIP_CARD})[:-30]
    err = reject(base45_encode(zlib.compress(payload, 9)), policy)
    assert (err.reason, err.code) == ("truncated CBOR", "truncated_cbor")


def test_pixelpass_wrong_types(policy: QrPolicy) -> None:
    bad = dict(MOSIP_CARD, dateOfBirth=19920715)
    assert reject(pixelpass_encode({"credentialSubject": bad}), policy).reason == \
        "field 'dateOfBirth' must be a string"
    bad = dict(MOSIP_CARD, fullName=[{"language": "eng", "value": 5}])
    assert reject(pixelpass_encode(bad), policy).reason == "field 'fullName.value' must be a string"
    assert reject(pixelpass_encode([1, 2]), policy).reason == "PixelPass data must be a JSON object"
    assert reject(pixelpass_encode({"credentialSubject": "x"}), policy).reason == \
        "field 'credentialSubject' must be an object"


def test_malformed_base45_and_zlib(policy: QrPolicy) -> None:
    assert reject("NCF3QBXJA5NJRCOC004 QN", policy).reason == "malformed base45: invalid length"
    assert reject("NCF3QBXJA5NJRCOC004 QN4:::", policy).reason == "malformed base45: value out of range"
    assert reject("NCF3QBXJA5NJRCOC004 Q#4", policy).reason.startswith("malformed base45: invalid character")
    assert reject(base45_encode(b"plain bytes"), policy).reason == "base45 data is not zlib-compressed"
    assert reject("https://example.test/some/link?x=1", policy).code == "unknown_format"
    assert reject("   \r\n", policy).reason == "empty QR code"


# ------------------------------------------------------------------------------------ JSON formats
def test_mosip_card_json(policy: QrPolicy) -> None:
    result = decode_qr_text(json.dumps(MOSIP_CARD, ensure_ascii=False), policy)
    assert (result.format, result.signature) == ("mosip-card-json", "unsigned")
    ident = result.identity
    assert (ident.individual_id, ident.given_name, ident.family_name) == ("7640521983", "José", "Martin")
    assert ident.phone == "9876543210" and ident.email == "jose@example.test"
    assert ident.names["eng"].full_name == "José Martín"
    eng = QrPolicy(accept_unsigned={"mosip-card-json"}, languages=["eng"])
    assert decode_qr_text(json.dumps(MOSIP_CARD), eng).identity.address == "4 Market Street, Kigali"


def test_mosip_card_plain_strings(policy: QrPolicy) -> None:
    card = {"UIN": "1", "fullName": "Zoë Müller", "dateOfBirth": "2000/01/02", "gender": "Female"}
    ident = decode_qr_text(json.dumps(card), policy).identity
    assert (ident.full_name, ident.gender) == ("Zoë Müller", "female")
    assert ident.names["und"].full_name == "Zoë Müller"


def test_mosip_card_double_encoded_lists(policy: QrPolicy) -> None:
    card = dict(MOSIP_CARD, fullName=json.dumps(MOSIP_CARD["fullName"]), gender=json.dumps(MOSIP_CARD["gender"]))
    ident = decode_qr_text(json.dumps(card), policy).identity
    assert (ident.full_name, ident.names["eng"].full_name, ident.gender) == ("José Martin", "José Martín", "male")
    bad = dict(MOSIP_CARD, fullName='[{"language": "eng", "value": ')
    assert reject(json.dumps(bad), policy).reason == "field 'fullName' must be a string or a list of {language, value}"


def test_opencrvs_json(policy: QrPolicy) -> None:
    result = decode_qr_text(json.dumps(OPENCRVS, ensure_ascii=False), policy)
    assert (result.format, result.signature) == ("opencrvs-json", "unsigned")
    ident = result.identity
    assert (ident.given_name, ident.family_name) == ("Amélie", "Niyonsaba")
    assert ident.full_name == "Amélie Niyonsaba"
    assert ident.date_of_birth == dt.date(2019, 3, 2)
    assert (ident.individual_id, ident.gender) == ("1234567890", "female")
    flat = {"firstName": "José", "familyName": "Ruiz", "gender": "male", "birthDate": "2000-01-01",
            "nid": "9"}
    assert decode_qr_text(json.dumps(flat), policy).identity.given_name == "José"


@pytest.mark.parametrize(("patch", "reason"), [
    ({"birthDate": 20190302}, "field 'birthDate' must be a string"),
    ({"birthDate": "02/03/2019"}, "field 'birthDate' is not a valid date"),
    ({"nid": 1234567890}, "field 'nid' must be a string"),
    ({"name": "Amélie"}, "field 'name' must be an object"),
    ({"name": {"firstname": ["A"], "surname": "N"}}, "field 'name.firstname' must be a string"),
    ({"gender": True}, "field 'gender' must be a string"),
    ({"idType": {}}, "field 'idType' must be a string"),
])
def test_opencrvs_wrong_types(policy: QrPolicy, patch: dict, reason: str) -> None:
    err = reject(json.dumps(dict(OPENCRVS, **patch)), policy)
    assert (err.reason, err.code) == (reason, "invalid_field")


def test_json_policy(policy: QrPolicy) -> None:
    text = json.dumps(OPENCRVS)
    assert reject(text, QrPolicy(accept_unsigned={"mosip-card-json"})).reason == \
        "unsigned OpenCRVS JSON code not accepted"
    only_c169 = QrPolicy(formats={"claim169"}, accept_unsigned={"opencrvs-json"})
    assert reject(text, only_c169).code == "format_disabled"
    assert reject('{"hello": "world"}', policy).reason == "unrecognised JSON identity format"
    assert reject("[1, 2]", policy).code == "unknown_format"
    assert reject('{"UIN": "1", "UIN": "2"}', policy).reason == "malformed JSON: duplicate key"


def test_policy_extended_with_a_cli_key(ed_signer: Signer) -> None:
    import dataclasses

    base = QrPolicy(accept_unsigned={"opencrvs-json"}, languages=["eng"])
    extended = dataclasses.replace(base, trusted_keys=(*base.trusted_keys,
                                                       TrustedKey.from_pem(ed_signer.public_pem)))
    assert extended.accept_unsigned == base.accept_unsigned and extended.languages == ("eng",)
    assert decode_qr_text(ed_signer.encode(amelie()), extended).issuer_kid == ed_signer.kid


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="unknown QR formats"):
        QrPolicy(accept_unsigned={"pdf417"})
    with pytest.raises(TypeError):
        QrPolicy(trusted_keys=["not a key"])  # type: ignore[list-item]


def test_logs_carry_no_personal_data(caplog: pytest.LogCaptureFixture, ed_signer: Signer,
                                     policy: QrPolicy) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    decode_qr_text(ed_signer.encode(amelie()), policy)
    decode_qr_text(json.dumps(OPENCRVS), policy)
    for bad in (json.dumps(dict(OPENCRVS, birthDate="31/12/2019")), Signer("EdDSA", "x").encode(amelie())):
        with pytest.raises(QrRejected):
            decode_qr_text(bad, policy)
    logged = caplog.text
    assert "QR decoded" in logged and "QR rejected" in logged
    for personal in ("Amélie", "Amelie", "Dupré", "Niyonsaba", "3918237465", "1234567890", "1987",
                     "2019", "+336", "@example"):
        assert personal not in logged

"""MOSIP Claim 169 (base45 → zlib → COSE_Sign1 → CWT {169: identity}) through the `claim169`
package, with the signature checked against the policy's trusted issuer keys.

Before the package sees anything, the caller has already base45-decoded and bounded-inflated the
text (limits.py); here the COSE envelope and the CWT are parsed with the bounded CBOR decoder to
pick the issuer key (by COSE kid and algorithm) and to give precise reasons. The package then
decodes the claim and calls back into us for the signature check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import claim169 as _c169

from ..model import Identity, LocalizedName, normalise_gender
from .errors import QrRejected
from .fields import MAX_FIELD_CHARS, build_identity, normalise_language, parse_dob
from .limits import MAX_INFLATED, CborTag, cbor_loads
from .policy import QrPolicy, TrustedKey

log = logging.getLogger(__name__)

FORMAT = "claim169"
COSE_ALGORITHMS = {-8: "EdDSA", -7: "ES256"}
_TAG_CWT, _TAG_SIGN1, _TAG_ENCRYPT0 = 61, 18, 16


def looks_like_cose(data: bytes) -> bool:
    """COSE_Sign1 (tag 18), COSE_Encrypt0 (tag 16), a CWT tag (61) or an untagged 4-array."""
    return bool(data) and (data[0] in (0xD2, 0xD0, 0x84) or data[:2] == b"\xd8\x3d")


@dataclass(frozen=True)
class CoseInfo:
    alg: str | None
    kid: bytes | None

    @property
    def unsigned(self) -> bool:
        return self.alg is None


def _malformed(what: str) -> QrRejected:
    return QrRejected(f"malformed COSE: {what}", "malformed_cose")


def inspect_cose(inflated: bytes) -> CoseInfo:
    obj = cbor_loads(inflated)
    if isinstance(obj, CborTag) and obj.tag == _TAG_CWT:
        obj = obj.value
    if isinstance(obj, CborTag):
        if obj.tag == _TAG_ENCRYPT0:
            raise QrRejected("encrypted Claim 169 is not supported", "unsupported")
        if obj.tag != _TAG_SIGN1:
            raise _malformed("not a COSE_Sign1")
        obj = obj.value
    if not (isinstance(obj, list) and len(obj) == 4):
        raise _malformed("COSE_Sign1 must be an array of 4")
    protected_raw, unprotected, payload, signature = obj
    if not (isinstance(protected_raw, bytes) and isinstance(unprotected, dict)
            and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise _malformed("wrong COSE_Sign1 member types")
    protected = cbor_loads(protected_raw) if protected_raw else {}
    if not isinstance(protected, dict):
        raise _malformed("protected header must be a map")
    cwt = cbor_loads(payload) if payload else None
    if not isinstance(cwt, dict):
        raise QrRejected("malformed CWT: claims must be a map", "malformed_cose")
    if not isinstance(cwt.get(169), dict):
        raise QrRejected("no Claim 169 identity in the code", "not_identity")
    kid = protected.get(4, unprotected.get(4))
    if isinstance(kid, str):
        kid = kid.encode("utf-8")
    if kid is not None and not isinstance(kid, bytes):
        raise _malformed("kid must be a byte string")
    alg = protected.get(1)
    if not signature:
        # No signature, whatever the header says (the reference test vectors include codes with
        # an algorithm but an empty signature): unsigned, and treated as such by the policy.
        return CoseInfo(None, kid)
    if alg is None:
        raise _malformed("signature without an algorithm")
    if alg not in COSE_ALGORITHMS:
        raise QrRejected("unsupported signature algorithm", "unsupported")
    return CoseInfo(COSE_ALGORITHMS[alg], kid)


def _kid_text(kid: bytes | None) -> str | None:
    if kid is None:
        return None
    try:
        text = kid.decode("utf-8")
    except UnicodeDecodeError:
        return kid.hex()
    return text if text.isprintable() else kid.hex()


def _library_rejection(exc: Exception) -> QrRejected:
    """Map the package's exceptions to reasons; its messages are structural, but we still do not
    echo them (they could quote content)."""
    msg = str(exc).lower()
    if "expired" in msg:
        return QrRejected("credential expired", "expired")
    if "not yet valid" in msg or "nbf" in msg or "not valid yet" in msg:
        return QrRejected("credential not yet valid", "expired")
    if isinstance(exc, _c169.Base45DecodeError):
        return QrRejected("malformed base45", "malformed_base45")
    if isinstance(exc, _c169.DecompressError):
        return QrRejected("malformed zlib data", "malformed_zlib")
    if isinstance(exc, _c169.CoseParseError):
        return QrRejected("malformed COSE structure", "malformed_cose")
    if isinstance(exc, _c169.CwtParseError):
        return QrRejected("malformed Claim 169 data", "invalid_field")
    if isinstance(exc, _c169.Claim169NotFoundError):
        return QrRejected("no Claim 169 identity in the code", "not_identity")
    if isinstance(exc, _c169.DecryptionError):
        return QrRejected("encrypted Claim 169 is not supported", "unsupported")
    return QrRejected("Claim 169 decoding failed", "invalid_field")


def _unexpected(exc: BaseException) -> BaseException:
    """A Rust panic surfaces as pyo3's PanicException, a BaseException: turn it (and any other
    error of the package) into a rejection, but let interpreter exits through."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        return exc
    log.warning("claim169 package failed: %s", type(exc).__name__)
    return QrRejected("Claim 169 decoding failed", "invalid_field")


@dataclass(frozen=True)
class Claim169Decoded:
    identity: Identity
    signature: str          # "valid" | "unsigned"
    issuer_kid: str | None


def decode_claim169(text: str, inflated: bytes, policy: QrPolicy) -> Claim169Decoded:
    info = inspect_cose(inflated)
    options: dict[str, Any] = {
        "skip_biometrics": True,
        "max_decompressed_bytes": MAX_INFLATED,
        "validate_timestamps": policy.validate_timestamps,
        "clock_skew_tolerance_seconds": policy.clock_skew_seconds,
    }
    if info.unsigned:
        if policy.trusted_keys or "claim169" not in policy.accept_unsigned:
            raise QrRejected("unsigned Claim 169 not accepted", "unsigned_not_accepted")
        try:
            result = _c169.decode_unverified(text, **options)
        except _c169.Claim169Exception as exc:
            raise _library_rejection(exc) from None
        except BaseException as exc:
            raise _unexpected(exc) from None
        return Claim169Decoded(_identity(result.claim169, policy), "unsigned", None)

    candidates = [k for k in policy.trusted_keys if k.alg == info.alg and k.matches_kid(info.kid)]
    if not candidates:
        raise QrRejected("issuer key not trusted", "untrusted_key")
    verified: list[TrustedKey] = []

    def verifier(_alg: str, _kid: bytes | None, data: bytes, signature: bytes) -> None:
        for key in candidates:
            if key.verify(data, signature):
                verified.append(key)
                return
        raise ValueError("signature does not verify")

    try:
        result = _c169.decode_with_verifier(text, verifier, **options)
    except _c169.SignatureError:
        if info.kid is None and len(candidates) > 1:
            raise QrRejected("signature does not verify against any trusted issuer key",
                             "signature_invalid") from None
        raise QrRejected("signature does not verify", "signature_invalid") from None
    except _c169.Claim169Exception as exc:
        raise _library_rejection(exc) from None
    except BaseException as exc:
        raise _unexpected(exc) from None
    if not verified or not result.is_verified():
        raise QrRejected("signature does not verify", "signature_invalid")
    kid = verified[0].kid or _kid_text(info.kid)
    return Claim169Decoded(_identity(result.claim169, policy), "valid", kid)


def _clean(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise QrRejected(f"field '{field}' must be a string", "invalid_field")
    if len(value) > MAX_FIELD_CHARS:
        raise QrRejected(f"field '{field}' is too long", "invalid_field")
    return value.strip() or None


def _identity(claim: Any, policy: QrPolicy) -> Identity:
    primary = normalise_language(_clean(claim.language, "language"))
    names = {primary: LocalizedName(
        full_name=_clean(claim.full_name, "fullName"),
        given_name=_clean(claim.first_name, "firstName"),
        middle_name=_clean(claim.middle_name, "middleName"),
        family_name=_clean(claim.last_name, "lastName"),
    )}
    secondary_name = _clean(claim.secondary_full_name, "secondaryFullName")
    if secondary_name:
        secondary = normalise_language(_clean(claim.secondary_language, "secondaryLanguage"))
        if secondary not in names or not any(names[secondary].model_dump().values()):
            names[secondary] = LocalizedName(full_name=secondary_name)
    gender = claim.gender
    if gender is not None and (isinstance(gender, bool) or not isinstance(gender, int)):
        raise QrRejected("field 'gender' must be an integer", "invalid_field")
    return build_identity(
        names, list(policy.languages),
        individual_id=_clean(claim.id, "id"),
        date_of_birth=parse_dob(_clean(claim.date_of_birth, "dateOfBirth"), "dateOfBirth"),
        gender=normalise_gender(gender),
        phone=_clean(claim.phone, "phone"),
        email=_clean(claim.email, "email"),
        address=_clean(claim.address, "address"),
    )

"""decode_qr_text: QR text → verified, normalised identity, or QrRejected with a reason.

Format detection order (first match wins):
1. Length: more than 4,296 characters → rejected before anything else.
2. JSON text (first non-blank character `{`): bounded JSON parse, then
   a. OpenCRVS ID-reader JSON when it has `nid`, `birthDate`, `idType`, a `name` object or a flat
      `familyName` (and no MOSIP marker), else
   b. MOSIP UIN card JSON when it has `UIN`, `VID`, `fullName`, `firstName`, `lastName`,
      `dateOfBirth` or `credentialSubject`, else rejected as unrecognised.
3. Base45 text (after the policy's optional PixelPass header): strict base45, then
   a. a zlib stream (RFC 1950 header) is inflated with the 64 KiB cap; bytes that are already a
      COSE structure are taken as is (uncompressed Claim 169); anything else is rejected;
   b. inflated bytes that start like COSE (tag 18 / 16 / CWT tag 61 / a 4-array) → Claim 169,
      signature verified per policy;
   c. otherwise → PixelPass (CBOR of JSON, else UTF-8 text).
4. Anything else → rejected ("not an identity QR code").

Policy: a signed code whose issuer is not trusted or whose signature fails is rejected; unsigned
Claim 169 is never accepted while trusted keys are configured; unsigned formats only when listed
in `policy.accept_unsigned` (then `signature == "unsigned"`); formats not in `policy.formats`
are rejected. Nothing but QrRejected escapes (any unexpected error becomes one, logged by type).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from ..model import Identity
from . import claim169 as c169
from . import mosip_card, opencrvs, pixelpass
from .base45 import ALPHABET, b45decode
from .errors import QrRejected
from .limits import bounded_inflate, check_text, json_loads, looks_like_zlib
from .policy import QrPolicy

log = logging.getLogger(__name__)

Format = Literal["claim169", "pixelpass-json", "mosip-card-json", "opencrvs-json"]
_FORMAT_NAMES = {
    "claim169": "Claim 169",
    "pixelpass-json": "PixelPass",
    "mosip-card-json": "MOSIP card JSON",
    "opencrvs-json": "OpenCRVS JSON",
}
_B45 = frozenset(ALPHABET)


@dataclass(frozen=True)
class QrResult:
    format: Format
    signature: Literal["valid", "unsigned"]
    identity: Identity
    issuer_kid: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"format": self.format, "signature": self.signature,
                "issuer_kid": self.issuer_kid, "identity": self.identity.as_json()}


def _require_enabled(fmt: str, policy: QrPolicy) -> None:
    if fmt not in policy.formats:
        raise QrRejected(f"{_FORMAT_NAMES[fmt]} codes are not enabled", "format_disabled")


def _unsigned(fmt: Format, identity: Identity, policy: QrPolicy) -> QrResult:
    if fmt not in policy.accept_unsigned:
        raise QrRejected(f"unsigned {_FORMAT_NAMES[fmt]} code not accepted", "unsigned_not_accepted")
    return QrResult(fmt, "unsigned", identity, None)


def _decode_json(text: str, policy: QrPolicy) -> QrResult:
    obj = json_loads(text)
    if not isinstance(obj, dict):
        raise QrRejected("JSON code must be an object", "unknown_format")
    languages = list(policy.languages)
    if opencrvs.looks_like_opencrvs(obj) and not mosip_card.looks_like_mosip(obj):
        _require_enabled(opencrvs.FORMAT, policy)
        return _unsigned(opencrvs.FORMAT, opencrvs.decode_opencrvs(obj, languages), policy)
    if mosip_card.looks_like_mosip(obj):
        _require_enabled(mosip_card.FORMAT, policy)
        return _unsigned(mosip_card.FORMAT, mosip_card.decode_mosip_card(obj, languages), policy)
    raise QrRejected("unrecognised JSON identity format", "unknown_format")


def _decode_base45(text: str, policy: QrPolicy) -> QrResult:
    raw = b45decode(text)
    if looks_like_zlib(raw):
        data = bounded_inflate(raw)
    elif c169.looks_like_cose(raw):
        data = raw
    else:
        raise QrRejected("base45 data is not zlib-compressed", "malformed_zlib")
    if c169.looks_like_cose(data):
        _require_enabled(c169.FORMAT, policy)
        decoded = c169.decode_claim169(text, data, policy)
        return QrResult(c169.FORMAT, decoded.signature, decoded.identity, decoded.issuer_kid)  # type: ignore[arg-type]
    _require_enabled(pixelpass.FORMAT, policy)
    identity = pixelpass.decode_pixelpass(data, list(policy.languages))
    return _unsigned(pixelpass.FORMAT, identity, policy)


def _classify(text: str, policy: QrPolicy) -> QrResult:
    check_text(text)
    body = text.strip("\r\n\t\x00\ufeff")
    if not body.strip():
        raise QrRejected("empty QR code", "empty")
    if body.lstrip().startswith("{"):
        return _decode_json(body, policy)
    header = policy.pixelpass_header
    if header and body.startswith(header):
        body = body[len(header):]
    # Mostly base45: report base45 errors precisely; otherwise it is some other kind of code.
    outside = sum(1 for ch in body if ch not in _B45)
    if outside and outside * 10 > len(body):
        raise QrRejected("not an identity QR code (neither JSON nor base45)", "unknown_format")
    return _decode_base45(body, policy)


def decode_qr_text(text: str, policy: QrPolicy) -> QrResult:
    """Decode the text of one QR code under `policy`. Returns a QrResult or raises QrRejected."""
    try:
        result = _classify(text, policy)
    except QrRejected as exc:
        log.info("QR rejected: %s (%s)", exc.code, exc.reason)
        raise
    except Exception as exc:   # defence in depth: hostile input must never crash the caller
        log.warning("QR decoding failed unexpectedly: %s", type(exc).__name__)
        raise QrRejected("the code could not be decoded", "invalid_field") from None
    log.info("QR decoded: format=%s signature=%s", result.format, result.signature)
    return result

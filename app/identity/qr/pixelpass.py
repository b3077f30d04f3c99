"""PixelPass (mosip/pixelpass, used by Inji): `header + base45(zlib level 9(CBOR(JSON) | text))`.

Decoding (after base45 and the bounded inflate): the inflated bytes are CBOR when the encoder was
given JSON, else UTF-8 text. Like the reference, try CBOR first and fall back to text; text is
then parsed as JSON when it is an object. A MOSIP VC / credentialSubject (or an OpenCRVS object)
inside is mapped to the identity. An LDP proof inside a VC is not verified: results are unsigned."""

from __future__ import annotations

from typing import Any

from ..model import Identity
from .errors import QrRejected
from .limits import CborTag, cbor_loads, json_loads
from .mosip_card import identity_from_subject, looks_like_mosip, unwrap_credential
from .opencrvs import decode_opencrvs, looks_like_opencrvs

FORMAT = "pixelpass-json"


def decode_payload(inflated: bytes) -> Any:
    """PixelPass `decode`: a JSON-like object from CBOR, else the UTF-8 text."""
    try:
        return cbor_loads(inflated)
    except QrRejected as cbor_error:
        try:
            return inflated.decode("utf-8")
        except UnicodeDecodeError:
            raise cbor_error from None


def identity_from_object(obj: Any, languages: list[str]) -> Identity:
    if isinstance(obj, str):
        if not obj.lstrip().startswith("{"):
            raise QrRejected("PixelPass content is text, not identity data", "not_identity")
        obj = json_loads(obj)
    if isinstance(obj, CborTag) or not isinstance(obj, dict):
        raise QrRejected("PixelPass data must be a JSON object", "not_identity")
    subject = unwrap_credential(obj)
    if looks_like_opencrvs(subject) and not looks_like_mosip(subject):
        return decode_opencrvs(subject, languages)
    return identity_from_subject(subject, languages)


def decode_pixelpass(inflated: bytes, languages: list[str]) -> Identity:
    return identity_from_object(decode_payload(inflated), languages)

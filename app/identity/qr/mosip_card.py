"""MOSIP UIN card JSON (print service) and MOSIP credentialSubject objects (also what a PixelPass
VC carries): `UIN`/`VID`, `fullName`/`firstName`/`middleName`/`lastName` as a string or a list of
{language, value}, `dateOfBirth` (yyyy/MM/dd), `gender` (same shapes), `phone`, `email`, and the
address lines (`addressLine1..3`, `city`, `province`, `region`, `zone`, `postalCode`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Identity, LocalizedName
from .errors import QrRejected
from .fields import (
    build_identity,
    gender_of,
    get_localized,
    get_map,
    get_str,
    parse_dob,
    pick_language,
)

FORMAT = "mosip-card-json"

_ID_KEYS = ("UIN", "VID", "individualId", "individual_id")
_NAME_KEYS = {
    "full_name": ("fullName", "name"),
    "given_name": ("firstName", "givenName"),
    "middle_name": ("middleName",),
    "family_name": ("lastName", "familyName", "surname"),
}
_ADDRESS_KEYS = ("addressLine1", "addressLine2", "addressLine3", "city", "zone", "province",
                 "region", "postalCode")
_MARKERS = frozenset({"UIN", "VID", "fullName", "firstName", "lastName", "dateOfBirth",
                      "credentialSubject"})


def looks_like_mosip(obj: Mapping[Any, Any]) -> bool:
    return any(key in obj for key in _MARKERS)


def unwrap_credential(obj: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """Reach the credentialSubject of a VC, an Inji-wrapped VC or a bare subject."""
    for _ in range(3):
        inner = None
        for key in ("verifiableCredential", "credential"):
            if key in obj:
                inner = get_map(obj, key)
                break
        if inner is None:
            break
        obj = inner
    subject = obj.get("credentialSubject")
    if subject is None:
        return obj
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict):
        raise QrRejected("field 'credentialSubject' must be an object", "invalid_field")
    return subject


def identity_from_subject(obj: Mapping[Any, Any], languages: list[str]) -> Identity:
    individual_id = None
    for key in _ID_KEYS:
        individual_id = get_str(obj, key)
        if individual_id:
            break

    per_field: dict[str, dict[str, str]] = {}
    for field, keys in _NAME_KEYS.items():
        for key in keys:
            if key == "name" and isinstance(obj.get(key), dict):
                continue   # an OpenCRVS-style name object is not a MOSIP value
            values = get_localized(obj, key)
            if values:
                per_field[field] = values
                break
    langs: list[str] = []
    for values in per_field.values():
        langs.extend(lang for lang in values if lang not in langs)
    names = {lang: LocalizedName(**{f: v.get(lang) for f, v in per_field.items()}) for lang in langs}

    dob = parse_dob(get_str(obj, "dateOfBirth"), "dateOfBirth")
    genders = get_localized(obj, "gender")
    ordered = [genders[lang] for lang in (*languages, "eng") if lang in genders] + list(genders.values())

    address_parts = []
    for key in _ADDRESS_KEYS:
        part = pick_language(get_localized(obj, key), languages)
        if part:
            address_parts.append(part)
    if address_parts:
        address = ", ".join(address_parts)
    elif isinstance(obj.get("address"), dict):   # OIDC-style structured address
        address = get_str(obj["address"], "formatted", name="address.formatted")
    else:
        address = pick_language(get_localized(obj, "address"), languages)

    phone = get_str(obj, "phone") or get_str(obj, "phoneNumber")
    email = get_str(obj, "email") or get_str(obj, "emailId")
    identity = build_identity(names, languages, individual_id=individual_id, date_of_birth=dob,
                              gender=gender_of(ordered), phone=phone, email=email,
                              address=address or None)
    if not (identity.individual_id or identity.names or identity.date_of_birth):
        raise QrRejected("no identity data in the code", "not_identity")
    return identity


def decode_mosip_card(obj: Any, languages: list[str]) -> Identity:
    if not isinstance(obj, dict):
        raise QrRejected("MOSIP card data must be a JSON object", "invalid_field")
    return identity_from_subject(unwrap_credential(obj), languages)

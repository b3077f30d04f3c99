"""OpenCRVS ID-reader JSON: {"name": {"firstname", "surname"}, "birthDate": "YYYY-MM-DD", "nid",
"idType", "gender"}; also the flat variant of the OpenCRVS v1.9 docs ("firstName", "familyName").
No language is stated: names are kept under "und"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Identity, LocalizedName
from .errors import QrRejected
from .fields import UNDETERMINED, build_identity, gender_of, get_map, get_str, parse_dob

FORMAT = "opencrvs-json"


def looks_like_opencrvs(obj: Mapping[Any, Any]) -> bool:
    return "nid" in obj or "birthDate" in obj or "idType" in obj or isinstance(obj.get("name"), dict) \
        or ("familyName" in obj and "UIN" not in obj)


def decode_opencrvs(obj: Any, languages: list[str]) -> Identity:
    if not isinstance(obj, dict):
        raise QrRejected("OpenCRVS data must be a JSON object", "invalid_field")
    name = get_map(obj, "name")
    if name is not None:
        given = get_str(name, "firstname", name="name.firstname")
        middle = get_str(name, "middlename", name="name.middlename")
        family = get_str(name, "surname", name="name.surname")
    else:
        if "name" in obj:
            raise QrRejected("field 'name' must be an object", "invalid_field")
        given = get_str(obj, "firstName")
        middle = get_str(obj, "middleName")
        family = get_str(obj, "familyName")
    get_str(obj, "idType")   # type-checked; the id type is not part of the identity
    full = " ".join(p for p in (given, middle, family) if p) or None
    names = {UNDETERMINED: LocalizedName(full_name=full, given_name=given, middle_name=middle,
                                         family_name=family)}
    identity = build_identity(
        names, languages,
        individual_id=get_str(obj, "nid"),
        date_of_birth=parse_dob(get_str(obj, "birthDate"), "birthDate"),
        gender=gender_of([get_str(obj, "gender")]),
    )
    if not (identity.individual_id or identity.names or identity.date_of_birth):
        raise QrRejected("no identity data in the code", "not_identity")
    return identity

"""Which claims a relying party asked for, and the KYC claims built from an identity.

Requested claims follow mosip/esignet ``oidc-service-impl/.../ClaimsHelperService.java``
``resolveRequestedClaims``: only the client's registered claims are considered, in registration
order; a registered claim named in ``claims.userinfo`` takes that entry (``{"essential": true}``
→ essential, else voluntary), otherwise one implied by a requested scope
(``mosip.esignet.openid.scope.claims``) is voluntary. Nothing else: no default set when nothing
matches, unknown names are dropped. The ``claims`` parameter is checked against e-Signet's
``claims_request_schema.json`` (``essential`` boolean, ``purpose`` 3–300 characters, ``value`` a
string of 3+, ``values`` a non-empty string array); any violation is ``invalid_claim``.

Locales: ``claims_locales`` (space separated), else ``ui_locales``, else ``en``; each tag is
reduced to its ISO 639-1 language (``fr``, ``fr-FR``, ``fra`` → ``fr``). As MOSIP IDA's
kyc-exchange does, a language-dependent claim (name, given_name, middle_name, family_name,
gender) is returned under its plain name when exactly one of the requested languages is
available for it, and as ``<claim>#<locale>`` for every available language otherwise
(``name#en``, ``name#fr``; no plain ``name`` then).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from . import errors

# claims_supported of the discovery document: esignet-service application-default.properties
# plus given_name, middle_name and family_name, which deployments add (the mock relying party of
# mosip/esignet-mock-services asks for given_name) and which the default list lacks.
CLAIMS_SUPPORTED = (
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "address",
    "gender",
    "birthdate",
    "picture",
    "email",
    "phone_number",
    "individual_id",
    "phone_number_verified",
    "registration_type",
    "updated_at",
)

PROFILE_CLAIMS = (
    "name",
    "address",
    "gender",
    "birthdate",
    "picture",
    "email",
    "phone_number",
    "phone_number_verified",
    "registration_type",
    "updated_at",
)

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": PROFILE_CLAIMS,
    "email": ("email",),
    "phone": ("phone_number", "phone_number_verified"),
    "address": ("address",),
}

# OIDC claim → key of a multi-language value in the identity record.
MULTI_LANGUAGE = {
    "name": "full_name",
    "given_name": "given_name",
    "middle_name": "middle_name",
    "family_name": "family_name",
    "gender": "gender",
}

# ISO 639-1 ↔ ISO 639-3 (MOSIP identity records use 639-3 language codes).
_LANG_3 = {
    "en": "eng",
    "fr": "fra",
    "ar": "ara",
    "es": "spa",
    "pt": "por",
    "sw": "swa",
    "km": "khm",
    "hi": "hin",
    "ta": "tam",
    "kn": "kan",
}
_LANG_2 = {v: k for k, v in _LANG_3.items()} | {"fre": "fr"}

DEFAULT_LOCALE = "en"


def parse_claims_parameter(raw: str | None) -> dict[str, Any]:
    """The decoded ``claims`` request parameter (``{}`` when absent); raises on bad JSON."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise errors.ESignetError(errors.INVALID_CLAIM, "claims is not JSON") from exc
    if not isinstance(value, dict):
        raise errors.ESignetError(errors.INVALID_CLAIM, "claims is not a JSON object")
    for member in ("userinfo", "id_token"):
        part = value.get(member)
        if part is not None and not isinstance(part, dict):
            raise errors.ESignetError(errors.INVALID_CLAIM, f"claims.{member} is not an object")
        for name, spec in (part or {}).items():
            if spec is not None and not _valid_claim_spec(spec):
                raise errors.ESignetError(errors.INVALID_CLAIM, f"claims.{member}.{name}")
    return value


def _valid_claim_spec(spec: Any) -> bool:
    """One member of claims.userinfo / claims.id_token, as claims_request_schema.json allows."""
    if not isinstance(spec, dict):
        return False
    if "essential" in spec and not isinstance(spec["essential"], bool):
        return False
    purpose = spec.get("purpose")
    if purpose is not None and not (isinstance(purpose, str) and 3 <= len(purpose) <= 300):
        return False
    value = spec.get("value")
    if value is not None and not (isinstance(value, str) and len(value) >= 3 and value.strip()):
        return False
    values = spec.get("values")
    return values is None or (
        isinstance(values, list) and len(values) > 0 and all(isinstance(v, str) for v in values)
    )


def requested_claims(
    scopes: Iterable[str], claims_param: Mapping[str, Any], registered: Iterable[str]
) -> dict[str, bool]:
    """Map claim name → essential, in the client's registration order."""
    by_scope = {name for scope in scopes for name in SCOPE_CLAIMS.get(scope, ())}
    userinfo = claims_param.get("userinfo") or {}
    out: dict[str, bool] = {}
    for name in registered:
        if name in userinfo:
            spec = userinfo[name]
            out[name] = bool(isinstance(spec, dict) and spec.get("essential") is True)
        elif name in by_scope:
            out[name] = False
    return out


def parse_locales(claims_locales: str | None, ui_locales: str | None) -> list[str]:
    """ISO 639-1 codes, in request order, without duplicates; never empty."""
    raw = (claims_locales or "").split() or (ui_locales or "").split()
    out: list[str] = []
    for tag in raw:
        lang = tag.replace("_", "-").split("-")[0].lower()
        lang = _LANG_2.get(lang, lang)
        if lang in _LANG_3 and lang not in out:
            out.append(lang)
    return out or [DEFAULT_LOCALE]


def psut(uin: str, client_id: str) -> str:
    """Partner-specific user token as the e-Signet mock computes it (pairwise, stable)."""
    digest = hashlib.sha3_256(f"{uin}{client_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_kyc(
    identity: Mapping[str, Any],
    individual_id: str,
    accepted: Iterable[str],
    locales: list[str],
    subject: str,
) -> dict[str, Any]:
    """The userinfo claims: ``sub`` plus each accepted claim for which the identity has data."""
    kyc: dict[str, Any] = {"sub": subject}
    for name in accepted:
        if name in MULTI_LANGUAGE:
            values = identity.get(MULTI_LANGUAGE[name]) or {}
            if isinstance(values, str):
                kyc[name] = values
                continue
            available = [loc for loc in locales if values.get(_LANG_3[loc])]
            if len(available) == 1:
                kyc[name] = values[_LANG_3[available[0]]]
            else:
                for loc in available:
                    kyc[f"{name}#{loc}"] = values[_LANG_3[loc]]
        elif name == "birthdate":
            if identity.get("dob"):
                kyc[name] = identity["dob"]  # yyyy/MM/dd, passed through as MOSIP keeps it
        elif name == "phone_number":
            if identity.get("phone"):
                kyc[name] = identity["phone"]
        elif name == "email":
            if identity.get("email"):
                kyc[name] = identity["email"]
        elif name == "address":
            address = identity.get("address")
            if isinstance(address, Mapping) and address:
                kyc[name] = {k: v for k, v in address.items() if v}
        elif name == "individual_id":
            kyc[name] = individual_id
        # picture, phone_number_verified, registration_type, updated_at: not held by the fixtures
    return kyc

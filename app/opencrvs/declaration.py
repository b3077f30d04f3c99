"""The device's declaration as OpenCRVS's form fields, by the country's mapping (`opencrvs.events`).

Per identity section, the MOSIP fields Farajaland's forms add (opencrvs/opencrvs-farajaland
src/events/mosip.ts `getMOSIPIntegrationFields`): `<section>.verified` (VERIFICATION_STATUS:
verified / authenticated / failed / pending), `<section>.nid` (the NID, or the PSUT when only
e-Signet identified the person), `<section>.verify-nid-http-fetch` (HTTP: `{data: <e-Signet
userinfo>}`, its `sub` the PSUT) and `<section>.id-reader` (ID_READER: `{data: <QR data>}`). The value
shapes are those the events service checks for a NOTIFY (opencrvs-core v2.0.0
packages/commons/src/events/FieldTypeMapping.ts `mapFieldTypeToZod`; CompositeFieldValue.ts `NameFieldValue`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.config.opencrvs import OpenCrvsEventMapping
from app.vocabulary import VerificationState

# our person state -> OpenCRVS's VERIFICATION_STATUS value (any string passes core; Farajaland's four)
_VERIFIED = {VerificationState.VERIFIED: "verified", VerificationState.AUTHENTICATED: "authenticated",
             VerificationState.FAILED: "failed", VerificationState.PENDING: "pending"}
_QR_SOURCES = {"qr_signed": True, "qr_unsigned": False}
PHOTO_CLAIMS = ("picture",)   # OIDC's photo claim: a data URI that alone can pass OpenCRVS's 100 kB


def userinfo_claims(token: str | None) -> dict[str, Any] | None:
    """The claims of a kept (verified at login) compact-JWS userinfo token."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


@dataclass(frozen=True)
class PersonEvidence:
    """What the record holds about one identity section, for its MOSIP fields."""

    verification: str | None
    nid: str | None
    userinfo: dict[str, Any] | None
    qr_signed: bool | None            # None: the data did not come from a QR code
    qr_fields: dict[str, str]


def person_evidence(declaration: Mapping[str, Any], persons: Mapping[str, Any], section: str, id_field: str,
                    userinfo: dict[str, Any] | None) -> PersonEvidence:
    person = persons.get(section) or {}
    nid = declaration.get(f"{section}.{id_field}") or person.get("psut")
    source = person.get("source")
    qr_signed = _QR_SOURCES.get(source) if isinstance(source, str) else None
    qr_fields = {}
    if qr_signed is not None:
        qr_fields = {f.partition(".")[2]: declaration[f] for f in person.get("source_fields") or []
                     if isinstance(f, str) and declaration.get(f)}
    return PersonEvidence(person.get("verification"), nid if isinstance(nid, str) else None, userinfo,
                          qr_signed, qr_fields)


def build_declaration(declaration: Mapping[str, Any], mapping: OpenCrvsEventMapping,
                      evidence: Mapping[str, PersonEvidence], *, with_photos: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for opencrvs_id, source in mapping.fields.items():
        if source.value is not None:
            out[opencrvs_id] = source.value
        elif source.parts is not None:
            parts = {key: declaration[f] for key, f in source.parts.items() if declaration.get(f)}
            if parts:
                out[opencrvs_id] = parts
        elif source.field is not None:
            value = declaration.get(source.field)
            if value in (None, ""):
                continue
            if source.values is not None:
                value = source.values.get(str(value))
                if value is None:
                    continue
            out[opencrvs_id] = value
    for section, fields in mapping.persons.items():
        person = evidence.get(section)
        if person is None:
            continue
        verified = _VERIFIED.get(VerificationState(person.verification)) \
            if person.verification in VerificationState._value2member_map_ else None
        if fields.verified and verified:
            out[fields.verified] = verified
        if fields.nid and person.nid:
            out[fields.nid] = person.nid
        if fields.userinfo and person.userinfo:
            data = person.userinfo if with_photos else {k: v for k, v in person.userinfo.items()
                                                        if k not in PHOTO_CLAIMS}
            out[fields.userinfo] = {"data": data}
        if fields.qr and person.qr_signed is not None:
            out[fields.qr] = {"data": {"signed": person.qr_signed, **person.qr_fields}}
    return out


def has_photos(evidence: Mapping[str, PersonEvidence]) -> bool:
    return any(p.userinfo and any(k in p.userinfo for k in PHOTO_CLAIMS) for p in evidence.values())


def our_field(mapping: OpenCrvsEventMapping, opencrvs_field: str, id_field: str) -> str | None:
    """Which of our fields an OpenCRVS field id came from (for a refused field), if any."""
    source = mapping.fields.get(opencrvs_field)
    if source is not None:
        fields = source.our_fields()
        return fields[0] if fields else None
    for section, fields_of in mapping.persons.items():
        if opencrvs_field in (fields_of.verified, fields_of.nid, fields_of.userinfo, fields_of.qr):
            return f"{section}.{id_field}"
    return None

"""What an offline identity check sends to IDA, frozen when the declaration is submitted."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.config.loader import LoadedCountry
from app.config.models import Section

_TXN_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class VerificationOutcome:
    """IDA's answer to one queued check, as the device records it."""

    transaction_id: str
    verified: bool
    failed_attributes: tuple[str, ...] = ()
    error_codes: tuple[str, ...] = ()


def new_transaction_id() -> str:
    """IDA's transactionID: exactly 10 alphanumerics."""
    return "".join(secrets.choice(_TXN_ALPHABET) for _ in range(10))


def individual_id_type(country: LoadedCountry, individual_id: str) -> str:
    configured = country.config.mosip.ida.individual_id_type
    if configured != "auto":
        return configured
    return "VID" if len(individual_id) == 16 else "UIN"


def build_verification_payload(country: LoadedCountry, section: Section,
                               values: Mapping[str, Any]) -> dict[str, Any] | None:
    """IDA demographics for one person, or None when there is nothing to check (no ID number or
    no name). Only the attributes the country configured, and only those filled in, are sent."""
    mapping = country.config.identity.fields
    ida = country.config.mosip.ida
    language = country.config.mosip_languages[0]

    def value(key: str) -> str | None:
        name = mapping.get(key)  # type: ignore[call-overload]
        if not name:
            return None
        raw = values.get(f"{section.id}.{name}")
        return str(raw).strip() if raw else None

    individual_id = value("individual_id")
    name = " ".join(p for p in (value("given_name"), value("middle_name"), value("family_name")) if p)
    name = name or (value("full_name") or "")
    if not individual_id or not name:
        return None
    demographics: dict[str, Any] = {}
    if "name" in ida.demographics:
        demographics["name"] = [{"language": language, "value": name}]
    dob = value("date_of_birth")
    if "dob" in ida.demographics and dob:
        demographics["dob"] = dob.replace("-", "/")
    gender = value("gender")
    if "gender" in ida.demographics and gender in ida.gender_values:
        demographics["gender"] = [{"language": language, "value": ida.gender_values[gender]}]  # type: ignore[index]
    if "phone" in ida.demographics and value("phone"):
        demographics["phoneNumber"] = value("phone")
    if "email" in ida.demographics and value("email"):
        demographics["emailId"] = value("email")
    return {"individual_id": individual_id, "individual_id_type": individual_id_type(country, individual_id),
            "demographics": demographics}

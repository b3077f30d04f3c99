"""The normalised identity every capture path produces (QR, e-Signet, manual), DESIGN §9."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Gender = Literal["male", "female", "other"]

_GENDER_WORDS: dict[str, Gender] = {
    "male": "male", "m": "male", "man": "male", "masculin": "male", "homme": "male", "1": "male",
    "female": "female", "f": "female", "woman": "female", "féminin": "female", "feminin": "female",
    "femme": "female", "2": "female",
    "other": "other", "o": "other", "autre": "other", "3": "other", "x": "other",
}


class LocalizedName(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None


class Identity(BaseModel):
    """A person's identity data, whatever it came from. Names are in the preferred language;
    `names` keeps every language found, keyed by MOSIP language code (eng, fra, …)."""

    model_config = ConfigDict(extra="forbid")

    individual_id: str | None = None
    full_name: str | None = None
    given_name: str | None = None
    middle_name: str | None = None
    family_name: str | None = None
    date_of_birth: dt.date | None = None
    gender: Gender | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    names: dict[str, LocalizedName] = Field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """DESIGN §9 identity keys, ISO date; absent values omitted."""
        out: dict[str, Any] = {}
        for key in ("individual_id", "full_name", "given_name", "middle_name", "family_name"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.date_of_birth:
            out["date_of_birth"] = self.date_of_birth.isoformat()
        for key in ("gender", "phone", "email", "address"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.names:
            out["names"] = {lang: n.model_dump(exclude_none=True) for lang, n in self.names.items()}
        return out


def normalise_gender(value: object) -> Gender | None:
    """Map the vocabularies seen in MOSIP, e-Signet, Claim 169 and OpenCRVS onto ours."""
    if value is None or isinstance(value, bool):
        return None
    word = unicodedata.normalize("NFC", str(value)).strip().lower()
    return _GENDER_WORDS.get(word)


_DATE_FORMATS = (
    re.compile(r"^(\d{4})/(\d{2})/(\d{2})$"),
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: object) -> dt.date | None:
    """Accept yyyy/MM/dd (MOSIP), yyyy-MM-dd (ISO) and YYYYMMDD (Claim 169); None when invalid."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()[:10] if "T" in value else value.strip()
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return None
    return None


def split_full_name(full_name: str) -> LocalizedName:
    """Split a full name without losing middle names: first word given, last word family,
    everything between is the middle name (OpenCRVS drops it)."""
    words = full_name.split()
    if not words:
        return LocalizedName()
    if len(words) == 1:
        return LocalizedName(full_name=words[0], given_name=words[0])
    middle = " ".join(words[1:-1]) or None
    return LocalizedName(full_name=" ".join(words), given_name=words[0], middle_name=middle,
                         family_name=words[-1])

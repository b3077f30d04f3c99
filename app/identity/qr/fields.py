"""Strict field access for decoded JSON/CBOR objects, and assembly of the normalised Identity.

Every accessor raises QrRejected("field 'x' must be …") on a wrong type; nothing else escapes.
Reasons name the field, never its value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..model import Identity, LocalizedName, normalise_gender, parse_date
from .errors import QrRejected
from .limits import json_loads

MAX_FIELD_CHARS = 1024
UNDETERMINED = "und"   # ISO 639 code for "language not stated"

# Two-letter codes seen in the wild, mapped to the ISO 639-3 codes MOSIP uses.
_LANG_639_1 = {
    "en": "eng", "fr": "fra", "ar": "ara", "es": "spa", "pt": "por", "sw": "swa", "hi": "hin",
    "ta": "tam", "kn": "kan", "am": "amh", "km": "khm", "de": "deu", "it": "ita", "ru": "rus",
    "zh": "zho", "so": "som", "ha": "hau", "yo": "yor", "ig": "ibo", "rw": "kin", "mg": "mlg",
}


def normalise_language(code: str | None) -> str:
    if not code:
        return UNDETERMINED
    code = code.strip().lower()
    return _LANG_639_1.get(code, code) or UNDETERMINED


def _text(value: str, name: str) -> str | None:
    if len(value) > MAX_FIELD_CHARS:
        raise QrRejected(f"field '{name}' is too long", "invalid_field")
    value = value.strip()
    return value or None


def get_str(obj: Mapping[Any, Any], key: str, *, name: str | None = None) -> str | None:
    """A string field, or None when absent/null/empty; anything else is a rejection."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise QrRejected(f"field '{name or key}' must be a string", "invalid_field")
    return _text(value, name or key)


def get_map(obj: Mapping[Any, Any], key: str) -> Mapping[Any, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise QrRejected(f"field '{key}' must be an object", "invalid_field")
    return value


def get_localized(obj: Mapping[Any, Any], key: str) -> dict[str, str]:
    """A MOSIP multi-language value: a plain string (language not stated → "und") or a list of
    {"language": code, "value": text}. Returns {language: text}."""
    value = obj.get(key)
    if value is None:
        return {}
    if isinstance(value, str) and value.lstrip().startswith("[{"):
        # Some MOSIP credential pipelines serialise the list a second time, as a JSON string.
        try:
            value = json_loads(value)
        except QrRejected:
            raise QrRejected(f"field '{key}' must be a string or a list of {{language, value}}",
                             "invalid_field") from None
    if isinstance(value, str):
        text = _text(value, key)
        return {UNDETERMINED: text} if text else {}
    if not isinstance(value, list):
        raise QrRejected(f"field '{key}' must be a string or a list of {{language, value}}",
                         "invalid_field")
    out: dict[str, str] = {}
    for entry in value:
        if not isinstance(entry, dict):
            raise QrRejected(f"field '{key}' must be a list of {{language, value}}", "invalid_field")
        lang = entry.get("language")
        text = entry.get("value")
        if lang is not None and not isinstance(lang, str):
            raise QrRejected(f"field '{key}.language' must be a string", "invalid_field")
        if text is None:
            continue
        if not isinstance(text, str):
            raise QrRejected(f"field '{key}.value' must be a string", "invalid_field")
        clean = _text(text, key)
        if clean:
            out.setdefault(normalise_language(lang), clean)
    return out


def pick_language(values: Mapping[str, str], languages: Iterable[str]) -> str | None:
    """The value in the first preferred language present, else the first value found."""
    for lang in languages:
        if lang in values:
            return values[lang]
    return next(iter(values.values()), None)


def parse_dob(value: str | None, field: str) -> Any:
    if value is None:
        return None
    date = parse_date(value)
    if date is None:
        raise QrRejected(f"field '{field}' is not a valid date", "invalid_field")
    return date


def gender_of(values: Iterable[object]) -> str | None:
    for value in values:
        gender = normalise_gender(value)
        if gender:
            return gender
    return None


def build_identity(names: Mapping[str, LocalizedName], languages: list[str], **fields: Any) -> Identity:
    """Fill the top-level names from the first preferred language that has a name (all from that
    one language, never mixed), else from the first language found; keep every language."""
    kept = {lang: n for lang, n in names.items()
            if n.full_name or n.given_name or n.middle_name or n.family_name}
    chosen: LocalizedName | None = None
    for lang in languages:
        if lang in kept:
            chosen = kept[lang]
            break
    if chosen is None and kept:
        chosen = next(iter(kept.values()))
    top = chosen.model_dump() if chosen else {}
    return Identity(names=dict(kept), **top, **{k: v for k, v in fields.items() if v is not None})

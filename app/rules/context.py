"""The data an expression sees: a record's declaration and people, turned into a CEL activation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import celpy

from app.config.models import PERSON_ATTRIBUTES, Form
from app.rules.engine import Vocabulary


def vocabulary_for(form: Form) -> Vocabulary:
    sections: dict[str, frozenset[str]] = {}
    for section in form.sections:
        names = {f.name for f in section.fields}
        if section.identity:
            names |= PERSON_ATTRIBUTES
        sections[section.id] = frozenset(names)
    return Vocabulary(sections=sections)


def build_activation(
    form: Form,
    values: Mapping[str, Any],
    *,
    persons: Mapping[str, Mapping[str, Any]] | None = None,
    today: dt.date,
    event: str,
    action: str = "",
    registration_number: str | None = None,
    corrected_fields: Iterable[str] = (),
    correction: Mapping[str, Any] | None = None,
) -> Mapping[str, Any]:
    """Sections become maps of their non-empty fields; identity sections also carry the person's
    MOSIP state. Empty values are left out so that `has(section.field)` means "filled in"."""
    persons = persons or {}
    data: dict[str, Any] = {}
    for section in form.sections:
        entries: dict[str, Any] = {}
        for f in section.fields:
            value = values.get(f.id)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            entries[f.name] = value
        if section.identity:
            person = persons.get(section.id, {})
            entries["verification"] = person.get("verification") or "none"
            for key in ("psut", "vid", "uin", "userinfo_jwt"):
                if person.get(key):
                    entries[key] = person[key]
            entries["failed_attributes"] = list(person.get("failed_attributes") or [])
        data[section.id] = entries
    data["today"] = today.isoformat()
    data["event"] = event
    data["action"] = action
    if registration_number:
        data["registration_number"] = registration_number
    data["corrected_fields"] = list(corrected_fields)
    data["correction"] = dict(correction or {})
    return celpy.json_to_cel(data)

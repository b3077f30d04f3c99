"""The data an expression sees: a record's declaration and people, turned into a CEL activation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import celpy

from app.rules.engine import Vocabulary
from app.vocabulary import PERSON_ATTRIBUTES, PersonAttribute, VerificationState


class FieldShape(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...


class SectionShape(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def identity(self) -> bool: ...
    @property
    def fields(self) -> Sequence[FieldShape]: ...


class FormShape(Protocol):
    """What an activation needs of a form (`app.config.models.Form`); rules know no configuration."""

    @property
    def sections(self) -> Sequence[SectionShape]: ...


def vocabulary_for(form: FormShape) -> Vocabulary:
    sections: dict[str, frozenset[str]] = {}
    for section in form.sections:
        names = {f.name for f in section.fields}
        if section.identity:
            names |= PERSON_ATTRIBUTES
        sections[section.id] = frozenset(names)
    return Vocabulary(sections=sections)


def build_activation(
    form: FormShape,
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
            entries["verification"] = person.get("verification") or VerificationState.NONE.value
            for key in (PersonAttribute.PSUT, PersonAttribute.VID, PersonAttribute.UIN,
                        PersonAttribute.USERINFO_JWT):
                if person.get(key):
                    entries[key.value] = person[key]
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

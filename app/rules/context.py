"""The data an expression sees: a record's declaration and people, turned into a CEL activation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import celpy
from celpy import celtypes

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
    return to_cel(data)


def _string(value: str) -> celtypes.StringType:
    return str.__new__(celtypes.StringType, value)


def _map(value: Mapping[str, Any]) -> celtypes.MapType:
    converted = celtypes.MapType()
    dict.update(converted, {_string(key) if type(key) is str else to_cel(key): to_cel(item)
                            for key, item in value.items()})
    return converted


def _list(value: Sequence[Any]) -> celtypes.ListType:
    return celtypes.ListType([to_cel(item) for item in value])


_CONVERTERS: dict[type, Any] = {str: _string, dict: _map, list: _list, tuple: _list}


def to_cel(value: Any) -> Any:
    """celpy's `json_to_cel` with the same result, for the shapes an activation holds (strings,
    lists, maps) without its chain of `isinstance` per value: two activations are built per
    register action, and this conversion was most of their cost. Anything else goes to celpy."""
    convert = _CONVERTERS.get(type(value))
    return convert(value) if convert is not None else celpy.json_to_cel(value)

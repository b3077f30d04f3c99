"""Where a person's data came from: a signed or unsigned ID QR code, an e-Signet login, or typing.

Kept on the record per person section (`Record.persons[section]`):
- ``source``: a `DataSource`;
- ``source_fields``: the field ids the QR code or e-Signet filled in (absent for typed data);
- ``source_edited``: true once one of those fields was changed by hand afterwards — the data is
  then "edited after <source>", which is weaker evidence than the source alone.

Rules, kept simple on purpose:
- a QR prefill or an e-Signet prefill sets the source (edited: false), whatever came before;
- otherwise, the first time a person's fields get a value by hand the source becomes "typed"; a
  value the form fills in by default (e.g. the mother's sex) is not typing;
- changing a field that a QR code or e-Signet filled in marks the source edited; adding a field the
  source did not provide (e.g. a phone number after a QR scan) does not;
- every change of (source, edited) is written in the audit event of the action that caused it
  (details ``data_sources``), so the history shows it and one action stays one audit event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.config.models import Form, Section


class DataSource(StrEnum):
    QR_SIGNED = "qr_signed"          # a QR code whose signature verified against a trusted issuer
    QR_UNSIGNED = "qr_unsigned"      # an unsigned QR code the country accepts: unverified data
    ESIGNET = "esignet"              # the person logged in with e-Signet; the ID record filled the fields
    TYPED = "typed"                  # typed by hand (or given in a data file)


QR_SOURCES = frozenset({DataSource.QR_SIGNED, DataSource.QR_UNSIGNED})


@dataclass(frozen=True)
class Prefill:
    """Fields of one person section filled from a QR code, saved with a draft."""

    section: str
    source: DataSource
    values: Mapping[str, str]


@dataclass(frozen=True)
class Provenance:
    source: DataSource
    edited: bool = False


def provenance_of(person: Mapping[str, Any]) -> Provenance | None:
    try:
        source = DataSource(person.get("source"))
    except ValueError:
        return None
    return Provenance(source, bool(person.get("source_edited")))


def _typed_fields(section: Section, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Fields whose value changed, leaving out a default the form filled into an empty field."""
    changed = []
    for form_field in section.fields:
        old, new = before.get(form_field.id), after.get(form_field.id)
        if old == new:
            continue
        if not old and form_field.default is not None and new == form_field.default:
            continue
        changed.append(form_field.id)
    return changed


def track_sources(form: Form, persons: Mapping[str, Mapping[str, Any]], before: Mapping[str, Any],
                  after: Mapping[str, Any], prefills: Sequence[Prefill] = ()
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The persons after an action that moved the declaration from `before` to `after`, and the
    changes of source for the audit event (section → {source, edited, previous}); both unchanged
    when no person's source changed."""
    by_section = {p.section: p for p in prefills}
    updated = {k: dict(v) for k, v in persons.items()}
    changes: dict[str, dict[str, Any]] = {}
    for section in form.sections:
        if not section.identity:
            continue
        person = updated.get(section.id, {})
        old = provenance_of(person)
        prefill = by_section.get(section.id)
        if prefill is not None:
            new = Provenance(prefill.source, any(after.get(k) != v for k, v in prefill.values.items()))
            person["source_fields"] = sorted(k for k in prefill.values if after.get(k))
        else:
            typed = _typed_fields(section, before, after)
            if not typed or (old is not None and (old.source is DataSource.TYPED or old.edited)):
                continue
            if old is None:
                new = Provenance(DataSource.TYPED)
            else:
                filled = person.get("source_fields")
                from_source = set(filled) if isinstance(filled, list) else {f.id for f in section.fields}
                if not from_source & set(typed):
                    continue
                new = Provenance(old.source, edited=True)
        person["source"] = new.source.value
        if new.source is DataSource.TYPED:
            person.pop("source_fields", None)
        if new.edited:
            person["source_edited"] = True
        else:
            person.pop("source_edited", None)
        updated[section.id] = person
        if new != old:
            changes[section.id] = {"source": new.source.value, "edited": new.edited,
                                   "previous": old.source.value if old else None}
    return updated, changes


def esignet_provenance(person: Mapping[str, Any], previous: Mapping[str, Any], prefilled: Sequence[str]
                       ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A person's state after an e-Signet login: e-Signet is the source of the fields it filled in;
    a login that filled nothing (the record is no longer a draft) leaves the source as it was."""
    out = dict(person)
    old = provenance_of(previous)
    if not prefilled:
        for key in ("source", "source_fields", "source_edited"):
            if key in previous:
                out[key] = previous[key]
        return out, None
    out.update({"source": DataSource.ESIGNET.value, "source_fields": sorted(prefilled)})
    new = Provenance(DataSource.ESIGNET)
    if new == old:
        return out, None
    return out, {"source": new.source.value, "edited": False, "previous": old.source.value if old else None}

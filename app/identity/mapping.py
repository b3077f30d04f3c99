"""A normalised identity → the fields of one person's section, through the country's mapping.

Only fields the section really has are filled, and only with values the form accepts (a gender
the section's options do not list is left for the agent to choose)."""

from __future__ import annotations

from app.config.loader import LoadedCountry
from app.identity.model import Identity
from app.records.validation import check_value


def identity_to_fields(country: LoadedCountry, event: str, section_id: str,
                       identity: Identity) -> dict[str, str]:
    form = country.config.form(event)
    section = form.section(section_id)
    if section is None:
        raise ValueError(f"no section {section_id!r} in the {event} form")
    values = identity.as_json()
    out: dict[str, str] = {}
    for key, field_name in country.config.identity.fields.items():
        value = values.get(key)
        if value is None or value == "":
            continue
        form_field = form.field(f"{section_id}.{field_name}")
        if form_field is None:
            continue
        text = str(value).strip()
        if check_value(form_field, text) is None:
            out[form_field.id] = text
    if identity.given_name is None and identity.full_name and "given_name" in country.config.identity.fields:
        # a source with only a full name: split it without losing middle names
        from app.identity.model import split_full_name

        parts = split_full_name(identity.full_name)
        for key in ("given_name", "middle_name", "family_name"):
            name = country.config.identity.fields.get(key)  # type: ignore[call-overload]
            part = getattr(parts, key)
            fid = f"{section_id}.{name}" if name else None
            if part and fid and form.field(fid) is not None and fid not in out:
                out[fid] = part
    return out

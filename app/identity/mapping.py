"""A normalised identity → the fields of one person's section, through the country's mapping.

Only fields the section really has are filled, and only with values the form accepts (a gender
the section's options do not list is left for the agent to choose)."""

from __future__ import annotations

from app.config.loader import LoadedCountry
from app.identity.model import Identity, split_full_name
from app.records.validation import check_value


def with_split_names(identity: Identity) -> Identity:
    """A source with only a full name (Claim 169, some cards): split it without losing middle names."""
    if identity.given_name or not identity.full_name:
        return identity
    parts = split_full_name(identity.full_name)
    return identity.model_copy(update={"given_name": parts.given_name, "middle_name": parts.middle_name,
                                       "family_name": parts.family_name})


def identity_to_fields(country: LoadedCountry, event: str, section_id: str,
                       identity: Identity) -> dict[str, str]:
    form = country.config.form(event)
    if form.section(section_id) is None:
        raise ValueError(f"no section {section_id!r} in the {event} form")
    out: dict[str, str] = {}
    for name, text in identity_to_field_names(country, identity).items():
        form_field = form.field(f"{section_id}.{name}")
        if form_field is not None and check_value(form_field, text) is None:
            out[form_field.id] = text
    return out


def identity_to_field_names(country: LoadedCountry, identity: Identity) -> dict[str, str]:
    """The identity under the country's field names, before a section is chosen (e.g. firstname)."""
    values = with_split_names(identity).as_json()
    return {name: str(values[key]).strip() for key, name in country.config.identity.fields.items()
            if values.get(key) not in (None, "")}


def qr_policy(country: LoadedCountry, extra_keys: list[bytes] | tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    """The QR decoding policy of a country: its trusted issuers (plus keys support staff add with
    `qr decode --trusted-key`), the unsigned formats it accepts, its languages."""
    from app.identity.qr import QrPolicy, TrustedKey

    qr = country.config.identity.qr
    keys = [TrustedKey.from_pem(country.resolve(issuer.public_key_file).read_bytes(), kid=issuer.kid)
            for issuer in qr.trusted_issuers]
    keys += [TrustedKey.from_pem(pem) for pem in extra_keys]
    return QrPolicy(trusted_keys=keys, accept_unsigned={f.value for f in qr.accept_unsigned},
                    formats={f.value for f in qr.formats}, languages=country.config.mosip_languages)

"""Checking declaration values against the country's form: types, options, patterns, required
fields, visibility and the country's own validation expressions.

Errors carry a stable `code` (for the UI to translate) and an English message; messages name the
field, never echo the value (it may be a name or an ID number).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from app.config.loader import LoadedCountry
from app.config.models import FieldType, Form, FormField
from app.config.patterns import full_match
from app.errors import Invalid, Refused
from app.records.plausibility import Finding, check_plausibility, unconfirmed_warnings
from app.rules import EvaluationError, build_activation

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,19}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")
MAX_VALUE_LENGTH = 10_000


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str
    rule: str | None = None  # the plausibility check behind it, if any

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" [{self.rule}]" if self.rule else "")


class DeclarationInvalid(Invalid):
    """The declaration breaks the form's rules; ``errors`` names each field with its own code."""

    default_code = "declaration.invalid"

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors),
                         params={"fields": ", ".join(dict.fromkeys(e.field for e in errors))})


class PlausibilityUnconfirmed(Refused):
    """Warnings the officer has not confirmed yet. `findings` carries them for the UI; `errors`
    words them for the command line, one per warning with the id that confirms it."""

    default_code = "declaration.unconfirmed_warnings"

    def __init__(self, findings: list[Finding], language: str) -> None:
        self.findings = findings
        self.errors = [FieldError(f.fields[0], "unconfirmed_warning", f.text(language), rule=f.rule)
                       for f in findings]
        rules = ", ".join(f.rule for f in findings)
        super().__init__(f"confirm these warnings first: {rules}", params={"rules": rules})


def implausible(findings: list[Finding], language: str) -> list[FieldError]:
    """The blocking findings as field errors, on the first field each names."""
    return [FieldError(f.fields[0], "implausible", f.text(language), rule=f.rule) for f in findings if f.blocks]


def refuse_implausible(country: LoadedCountry, event: str, values: Mapping[str, str], *, today: dt.date,
                       language: str | None = None) -> list[Finding]:
    """The findings, after refusing blocking ones (DeclarationInvalid). The core words messages in
    the country's first language; the UI words findings in the reader's."""
    language = language or country.config.languages[0]
    findings = check_plausibility(country, event, values, today=today)
    errors = implausible(findings, language)
    if errors:
        raise DeclarationInvalid(errors)
    return findings


def check_confirmed(country: LoadedCountry, event: str, values: Mapping[str, str], *, today: dt.date,
                    confirmed: Collection[str], language: str | None = None) -> list[str]:
    """Refuse blocking findings (DeclarationInvalid) and unconfirmed warnings
    (PlausibilityUnconfirmed); the ids of the warnings confirmed, for the history."""
    language = language or country.config.languages[0]
    findings = refuse_implausible(country, event, values, today=today, language=language)
    waiting = unconfirmed_warnings(findings, confirmed)
    if waiting:
        raise PlausibilityUnconfirmed(waiting, language)
    return [f.rule for f in findings if not f.blocks]


def _label(form_field: FormField, language: str) -> str:
    if form_field.label:
        return form_field.label.get(language) or next(iter(form_field.label.values()))
    return form_field.id


def normalise_values(form: Form, data: Mapping[str, Any]) -> tuple[dict[str, str], list[FieldError]]:
    """Strip and type-check raw input (e.g. a JSON file). Unknown ids and wrong types are errors;
    empty strings and nulls mean "not filled"."""
    errors: list[FieldError] = []
    values: dict[str, str] = {}
    if not isinstance(data, Mapping):
        return {}, [FieldError("(data)", "not_an_object", "expected an object of field id → value")]
    for key, raw in data.items():
        form_field = form.field(key) if isinstance(key, str) else None
        if form_field is None:
            errors.append(FieldError(str(key)[:80], "unknown_field", "no such field in this form"))
            continue
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            errors.append(FieldError(key, "wrong_type", "must be text"))
            continue
        if isinstance(raw, int | float) and form_field.type is not FieldType.NUMBER:
            errors.append(FieldError(key, "wrong_type", "must be text"))
            continue
        text = str(raw).strip()
        if len(text) > MAX_VALUE_LENGTH:
            errors.append(FieldError(key, "too_long", f"longer than {form_field.max_length} characters"))
            continue
        if text:
            values[key] = text
    return values, errors


def check_value(form_field: FormField, value: str) -> FieldError | None:
    fid = form_field.id
    if len(value) > form_field.max_length:
        return FieldError(fid, "too_long", f"longer than {form_field.max_length} characters")
    kind = form_field.type
    if kind is FieldType.DATE:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return FieldError(fid, "invalid_date", "must be a date as YYYY-MM-DD")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return FieldError(fid, "invalid_date", "must be a date as YYYY-MM-DD")
    elif kind is FieldType.SELECT and value not in form_field.option_values:
        return FieldError(fid, "invalid_option", "is not one of the options: "
                          + ", ".join(form_field.option_values))
    elif kind is FieldType.PHONE and not _PHONE.match(value):
        return FieldError(fid, "invalid_phone", "is not a phone number")
    elif kind is FieldType.EMAIL and not _EMAIL.match(value):
        return FieldError(fid, "invalid_email", "is not an email address")
    elif kind is FieldType.NUMBER:
        try:
            float(value)
        except ValueError:
            return FieldError(fid, "invalid_number", "must be a number")
    if form_field.pattern and not full_match(form_field.pattern, value):  # RE2: linear time
        return FieldError(fid, "invalid_format", "does not have the expected format")
    return None


def visible_fields(country: LoadedCountry, event: str, values: Mapping[str, str], today: dt.date) -> set[str]:
    form = country.config.form(event)
    activation = build_activation(form, values, today=today, event=event)
    visible: set[str] = set()
    for section in form.sections:
        expr = country.visibility.get(f"{event}:{section.id}")
        if expr is not None and not _safe_bool(expr, activation):
            continue
        for form_field in section.fields:
            expr = country.visibility.get(f"{event}:{form_field.id}")
            if expr is None or _safe_bool(expr, activation):
                visible.add(form_field.id)
    return visible


def identity_applies(country: LoadedCountry, event: str, section_id: str, values: Mapping[str, str],
                     today: dt.date, *, visible: set[str] | None = None) -> bool:
    """Whether a person section offers identity tools (QR, e-Signet) for these values: where the
    person's ID number field is shown, e.g. not for a newborn without an ID or a father whose
    details are not given. `visible`: the visible fields, when the caller has them already."""
    form = country.config.form(event)
    section = form.section(section_id)
    if section is None or not section.identity:
        return False
    id_field = f"{section_id}.{country.config.identity.fields['individual_id']}"
    if form.field(id_field) is None:
        return True
    shown = visible if visible is not None else visible_fields(country, event, values, today)
    return id_field in shown


def _safe_bool(expr: Any, activation: Any) -> bool:
    try:
        return expr.evaluate_bool(activation)
    except EvaluationError:
        return False  # a condition on a field not yet filled hides the dependent field


def with_defaults(form: Form, values: Mapping[str, str]) -> dict[str, str]:
    out = dict(values)
    for fid in form.field_ids:
        form_field = form.field(fid)
        if form_field and form_field.default is not None and fid not in out:
            out[fid] = form_field.default
    return out


def validate_declaration(country: LoadedCountry, event: str, values: Mapping[str, str], *,
                         today: dt.date, complete: bool, language: str = "en"
                         ) -> tuple[dict[str, str], list[FieldError]]:
    """Check values; with `complete`, also required fields, the country's validation rules and its
    blocking plausibility checks (warnings are the caller's: `check_confirmed`). Returns the values
    to keep (hidden fields dropped when complete) and the errors."""
    form = country.config.form(event)
    errors: list[FieldError] = []
    for fid, value in values.items():
        form_field = form.field(fid)
        if form_field is None:
            errors.append(FieldError(fid, "unknown_field", "no such field in this form"))
            continue
        problem = check_value(form_field, value)
        if problem:
            errors.append(problem)
    if not complete:
        return dict(values), errors
    visible = visible_fields(country, event, values, today)
    kept = {fid: v for fid, v in values.items() if fid in visible}
    activation = build_activation(form, kept, today=today, event=event)
    for section in form.sections:
        for form_field in section.fields:
            if form_field.id not in visible:
                continue
            if form_field.required and form_field.id not in kept:
                errors.append(FieldError(form_field.id, "required",
                                         f"{_label(form_field, language)} is required"))
                continue
            if form_field.id not in kept or any(e.field == form_field.id for e in errors):
                continue
            for index, expr in enumerate(country.validations.get(f"{event}:{form_field.id}", [])):
                message = form_field.validation[index].message
                try:
                    ok = expr.evaluate_bool(activation)
                except EvaluationError:
                    ok = False
                if not ok:
                    text = message.get(language) or next(iter(message.values()))
                    errors.append(FieldError(form_field.id, "rule", text))
                    break
    errors += implausible(check_plausibility(country, event, kept, today=today), language)
    return kept, errors

"""Rule expressions evaluated as Python closures (`app.rules.translate`) give celpy's answer —
the same value, or the same error — on the countries' own rules and on expressions built to hit
every operator's edge: missing names and members, mixed types, non-booleans, failing helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.config.loader import LoadedCountry
from app.rules import EvaluationError, build_activation, vocabulary_for
from app.rules.engine import _BoundExpression, _TranslatedExpression, to_python

TODAY = dt.date(2026, 11, 30)
EDGES = [
    "child.foundling == 'yes'", "child.foundling != \"yes\"", "!has(child.nid)", "!child.firstname",
    "has(child.nid) && size(child.nid) == 16", "size(child.nid) >= 10 || child.nid == ''",
    "age_in_days(child.dob) <= 365", "age_in_years(child.dob) < 18 ? 'minor' : 'adult'",
    "mother.verification in ['verified', 'authenticated']", "mother.verification in [1, 'verified']",
    "child.firstname < child.surname", "child.dob > 3", "true && child.firstname", "false || child.firstname",
    "child.firstname && true", "child.middlename == 'x'", "has(today.x)",
    "child.firstname == 1", "true == (1 == 1)", "[child.firstname, child.surname]",
    "mosip_date(child.dob) == '2026/11/01'", "!(!has(child.foundling) || child.foundling != 'yes')",
    "registration_number == 'FB2026000001' && action == 'register'",
    "corrected_fields == []", "mother.failed_attributes == []", "size(mother.failed_attributes) == 0",
]
ATTEMPTS = [None, "yes", "no", "", "2026-11-01", "not a date", "1234567890123456", "Zoë"]


def activation(country: LoadedCountry, event: str, values: dict[str, str], persons: dict[str, Any]) -> Any:
    return build_activation(country.config.form(event), values, persons=persons, today=TODAY, event=event,
                            action="register", registration_number="FB2026000001")


def outcome(expression: Any, act: Any) -> tuple[str, Any]:
    try:
        return "ok", to_python(expression.evaluate(act))
    except EvaluationError as exc:
        return "error", str(exc)


_COMPILED: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def check(country: LoadedCountry, event: str, source: str, act: Any) -> None:
    key = (country.config.country, event, source)
    if key not in _COMPILED:
        assert country.environment is not None
        expression = country.environment.compile(source, vocabulary_for(country.config.form(event)))
        _COMPILED[key] = expression, _BoundExpression(source, expression._program, expression._rule_env)
    expression, reference = _COMPILED[key]
    assert outcome(expression, act) == outcome(reference, act), (source, act)


def test_the_countries_rules_are_translated(farajaland: LoadedCountry, tongatapu: LoadedCountry) -> None:
    """All but those with a comprehension (`exists`, …), which stay with celpy."""
    for country in (farajaland, tongatapu):
        for compiled in country.rules.values():
            macro = ".exists(" in compiled.when.source or ".all(" in compiled.when.source
            assert isinstance(compiled.when, _TranslatedExpression) is not macro, compiled.rule.id


@settings(max_examples=120, deadline=None)
@given(foundling=st.sampled_from(ATTEMPTS), nid=st.sampled_from(ATTEMPTS), dob=st.sampled_from(ATTEMPTS),
       first=st.sampled_from(ATTEMPTS), surname=st.sampled_from(ATTEMPTS),
       mother=st.sampled_from(["none", "pending", "verified", "failed", "authenticated"]),
       informant=st.sampled_from(["none", "verified", "authenticated"]),
       deceased_nid=st.sampled_from(ATTEMPTS))
def test_translated_expressions_agree_with_celpy(farajaland: LoadedCountry, tongatapu: LoadedCountry,
                                                  foundling: str | None, nid: str | None, dob: str | None,
                                                  first: str | None, surname: str | None, mother: str,
                                                  informant: str, deceased_nid: str | None) -> None:
    values = {"child.foundling": foundling, "child.nid": nid, "child.dob": dob, "child.firstname": first,
              "child.surname": surname, "deceased.nid": deceased_nid, "deceased.dob": dob,
              "deceased.firstname": first}
    filled = {k: v for k, v in values.items() if v is not None}
    persons = {"mother": {"verification": mother, "failed_attributes": ["name"] if mother == "failed" else []},
               "informant": {"verification": informant}}
    for country in (farajaland, tongatapu):
        for compiled in country.rules.values():
            event = compiled.rule.event
            check(country, event, compiled.when.source, activation(country, event, filled, persons))
    for source in EDGES:
        check(farajaland, "birth", source, activation(farajaland, "birth", filled, persons))


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20)


def _typed(value: Any) -> Any:
    """A value with the CEL type of every part, so that equal-looking values of different types differ."""
    if isinstance(value, dict):
        return (type(value).__name__, sorted((_typed(k), _typed(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (type(value).__name__, [_typed(item) for item in value])
    return (type(value).__name__, repr(value))


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES)
def test_the_activation_converter_gives_what_celpy_gives(document: Any) -> None:
    import celpy

    from app.rules.context import to_cel

    assert _typed(to_cel(document)) == _typed(celpy.json_to_cel(document))

"""Rule expressions: helpers, the direct path for simple mappings, and errors that carry no data."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config.loader import LoadedCountry
from app.rules import EvaluationError, build_activation
from app.rules.engine import _BoundExpression, _FastExpression

TODAY = dt.date(2026, 11, 30)


def activation(country: LoadedCountry, values: dict[str, str], persons=None):  # type: ignore[no-untyped-def]
    return build_activation(country.config.form("birth"), values, persons=persons or {}, today=TODAY,
                            event="birth", registration_number="FB2026000001")


def compile_(country: LoadedCountry, source: str) -> _BoundExpression:
    assert country.environment is not None
    from app.rules import vocabulary_for

    return country.environment.compile(source, vocabulary_for(country.config.form("birth")))


def test_helpers(farajaland: LoadedCountry) -> None:
    act = activation(farajaland, {"child.firstname": "Amélie", "child.middlename": "Grace Wezi",
                                  "child.surname": "Banda", "child.dob": "2025-11-30", "child.gender": "female"})
    assert compile_(farajaland, "full_name(child)").evaluate_text(act) == "Amélie Grace Wezi Banda"
    assert compile_(farajaland, "age_in_days(child.dob)").evaluate(act) == 365
    assert compile_(farajaland, "age_in_years(child.dob)").evaluate(act) == 1
    assert compile_(farajaland, "mosip_date(child.dob)").evaluate_text(act) == "2025/11/30"
    assert compile_(farajaland, "mosip_gender(child.gender)").evaluate_text(act) == "Female"
    assert compile_(farajaland, "days_between(child.dob, today)").evaluate(act) == 365


def test_errors_name_the_problem_not_the_data(farajaland: LoadedCountry) -> None:
    act = activation(farajaland, {"child.firstname": "Wezzie", "child.dob": "not a date"})
    for source in ("age_in_days(child.dob) < 10", "child.surname == 'x'", "age_in_days(child.dob)"):
        with pytest.raises(EvaluationError) as info:
            compile_(farajaland, source).evaluate(act)
        assert "Wezzie" not in str(info.value) and len(str(info.value)) <= 200


SIMPLE = ["child.firstname", "child.nid", "registration_number", "full_name(child)", "full_name(mother)",
          "mosip_date(child.dob)", "mosip_gender(child.gender)", "mother.verification", "age_in_years(child.dob)",
          "has(mother.psut) ? mother.psut : ''", "has(child.surname) ? child.surname : \"\""]
names = st.text(st.characters(codec="utf-8", categories=("L",)), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(first=st.one_of(st.none(), names), surname=st.one_of(st.none(), names),
       dob=st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), TODAY).map(dt.date.isoformat), st.just("x")),
       gender=st.one_of(st.none(), st.sampled_from(["male", "female", "other"])),
       verification=st.sampled_from(["none", "verified", "authenticated"]))
def test_direct_path_agrees_with_celpy(farajaland: LoadedCountry, first, surname, dob, gender,  # type: ignore[no-untyped-def]
                                       verification) -> None:
    values = {k: v for k, v in {"child.firstname": first, "child.surname": surname, "child.dob": dob,
                                "child.gender": gender, "mother.firstname": surname}.items() if v is not None}
    persons = {"mother": {"verification": verification, **({"psut": "p-1"} if first else {})}}
    act = activation(farajaland, values, persons)
    for source in SIMPLE:
        expression = compile_(farajaland, source)
        assert isinstance(expression, _FastExpression), source
        reference = _BoundExpression(source, expression._program, expression._rule_env)
        outcomes = []
        for candidate in (expression, reference):
            try:
                outcomes.append(("ok", candidate.evaluate_text(act)))
            except EvaluationError:
                outcomes.append(("error", None))
        assert outcomes[0] == outcomes[1], (source, values)

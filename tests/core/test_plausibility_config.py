"""`config check` on plausibility checks: every mistake named with file, line and path, as for the
other rules (syntax, unknown fields, the evaluation budget, message parameters, severity)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config.loader import ConfigError, load_country
from tests.core.test_config import country_copy, crvs, edit, line_of

__all__ = ["country_copy"]  # the fixture, shared with test_config

FIRST_CHECK = 'when: "has(mother.dob) && has(child.dob) && years_between(mother.dob, child.dob) < 10"'


def issues(country: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_country(country)
    return [f"{i.line}: {i.path}: {i.message}" for i in info.value.issues]


def test_a_syntax_error_is_reported_with_file_line_and_path(country_copy: Path) -> None:
    edit(country_copy, FIRST_CHECK, 'when: "has(mother.dob) && years_between(mother.dob, child.dob) <"')
    result = crvs("config", "check", str(country_copy))
    assert result.returncode == 2
    line = line_of(country_copy, "years_between(mother.dob, child.dob) <\"")
    assert f"{country_copy / 'country.yaml'}:{line}: forms.birth.plausibility.0.when: does not parse" in result.stderr


def test_unknown_fields_in_the_expression_the_fields_and_the_parameters(country_copy: Path) -> None:
    edit(country_copy, FIRST_CHECK, 'when: "has(mother.birthdate) && years_between(mother.dob, child.dob) < 10"')
    edit(country_copy, "fields: [mother.dob, child.dob]", "fields: [mother.dob, mother.birthday]")
    edit(country_copy, 'params: {age: "years_between(mother.dob, child.dob)"}',
         'params: {age: "years_between(mother.dob, child.born)"}')
    found = issues(country_copy)
    assert f"{line_of(country_copy, 'has(mother.birthdate)')}: forms.birth.plausibility.0.when: " \
           "unknown field 'mother.birthdate'" in found
    assert f"{line_of(country_copy, 'mother.birthday]')}: forms.birth.plausibility.0.fields.1: " \
           "unknown field 'mother.birthday'" in found
    assert f"{line_of(country_copy, 'child.born')}: forms.birth.plausibility.0.params.age: " \
           "unknown field 'child.born'" in found


def test_the_evaluation_budget_holds_for_plausibility_checks(country_copy: Path) -> None:
    nested = ('when: "[1, 2].exists(a, [3, 4].exists(b, a < b)) && has(mother.dob) && '
              'years_between(mother.dob, child.dob) < 10"')
    edit(country_copy, FIRST_CHECK, nested)
    (problem,) = issues(country_copy)
    assert problem == (f"{line_of(country_copy, '[3, 4].exists')}: forms.birth.plausibility.0.when: "
                       "nests a comprehension inside another; its cost grows with the product of the lists")
    edit(country_copy, nested, "when: \"" + "(" * 40 + "true" + ")" * 40 + "\"")
    (problem,) = issues(country_copy)
    assert problem.endswith("forms.birth.plausibility.0.when: nests brackets 40 deep; at most 32")


def test_message_parameters_and_the_first_language_are_checked(country_copy: Path) -> None:
    edit(country_copy, "en: \"The mother would be {age} years old at the birth: check both",
         "en: \"The mother would be {years} years old at the birth ({mother.firstname}): check both")
    edit(country_copy, "          fr: \"Saisissez le prénom du père,", "          de: \"Saisissez le prénom du père,")
    edit(country_copy, "          en: \"Enter the father's first name,",
         "          es: \"Enter the father's first name,")
    found = issues(country_copy)
    assert f"{line_of(country_copy, '{years}')}: forms.birth.plausibility.0.message.en: " \
           "'{years}' is neither one of params nor a field of this form" in found
    assert not any("mother.firstname" in f for f in found)  # a field of the form is a parameter
    assert any(f.endswith("forms.birth.plausibility.3.message: no text in 'en', the country's first language")
               for f in found)


def test_severity_and_duplicate_ids(country_copy: Path) -> None:
    edit(country_copy, "        severity: warn\n", "        severity: maybe\n")
    assert issues(country_copy) == [f"{line_of(country_copy, 'severity: maybe')}: forms.birth.plausibility.2."
                                    "severity: Input should be 'block' or 'warn'"]
    edit(country_copy, "        severity: maybe\n", "        severity: warn\n")
    edit(country_copy, "- id: father-surname-missing", "- id: father-firstname-missing")
    (problem,) = issues(country_copy)
    assert problem.endswith("forms.birth: plausibility ids defined twice: ['father-firstname-missing']")

"""A country's plausibility checks (`forms.<event>.plausibility` in country.yaml) on a declaration.

A check whose `when` is true has a finding. `block` findings refuse declare, validate and register
(and corrections and supervisor edits, which go through the same validation); `warn` findings
are accepted only when the officer confirms each one by its id, and the confirmation is kept in
the record's history. Messages come from the configuration in the reader's language, with
`{name}` filled from the check's `params` or from the declaration's field `name`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.config.forms import MESSAGE_PARAMETER, Severity
from app.config.loader import CompiledPlausibility, LoadedCountry
from app.rules import EvaluationError, build_activation
from app.rules.engine import to_text

__all__ = ["Finding", "Severity", "check_plausibility", "unconfirmed_warnings"]


@dataclass(frozen=True)
class Finding:
    """One check that holds for a declaration: which, how serious, where, and what to say."""

    rule: str
    severity: Severity
    fields: tuple[str, ...]
    message: Mapping[str, str]                                   # language -> template
    values: Mapping[str, str] = field(default_factory=dict)      # {name} -> text

    def text(self, language: str) -> str:
        template = self.message.get(language) or next(iter(self.message.values()))
        return MESSAGE_PARAMETER.sub(lambda match: self.values.get(match[1], "?"), template)

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCK


def check_plausibility(country: LoadedCountry, event: str, values: Mapping[str, str], *,
                       today: dt.date) -> list[Finding]:
    """The checks of `event` that hold for `values` (the visible, kept values of a declaration).
    A check that cannot be evaluated (e.g. a date it needs is missing and not guarded with
    `has()`) does not hold: the form's own required fields say what is missing."""
    checks = country.plausibility.get(event, [])
    if not checks:
        return []
    form = country.config.form(event)
    activation = build_activation(form, values, today=today, event=event)
    findings = []
    for check in checks:
        try:
            holds = check.when.evaluate_bool(activation)
        except EvaluationError:
            continue
        if not holds:
            continue
        findings.append(Finding(check.rule.id, check.rule.severity, tuple(check.rule.fields), check.rule.message,
                                _parameters(check, activation, values)))
    return findings


def _parameters(check: CompiledPlausibility, activation: Mapping[str, Any],
                values: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for language_text in check.rule.message.values():
        for name in MESSAGE_PARAMETER.findall(language_text):
            if name in out:
                continue
            expression = check.params.get(name)
            if expression is None:
                out[name] = values.get(name, "")
                continue
            try:
                out[name] = to_text(expression.evaluate(activation)) or ""
            except EvaluationError:
                out[name] = "?"
    return out


def unconfirmed_warnings(findings: list[Finding], confirmed: Collection[str]) -> list[Finding]:
    return [f for f in findings if not f.blocks and f.rule not in set(confirmed)]

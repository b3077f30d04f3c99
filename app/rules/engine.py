"""CEL expressions of a country configuration: compiled once, checked against the form, evaluated
against a record context (see `app.rules.context`).

Names an expression may use:
- each section of the event's form (`child`, `mother`, …) as a map of its filled fields by name
  (`child.dob`), plus for identity sections `verification`, `psut`, `vid`, `uin`,
  `failed_attributes`, `userinfo_jwt` (the verified e-Signet userinfo JWT of a person who logged
  in, for MOSIP's `introducerInfoToken` / `deceasedInformer`); empty fields are absent, so test
  them with `has(child.nid)`;
- `today` (ISO date), `event`, `action`, `registration_number`, `corrected_fields` (list of field
  ids changed by the correction being approved), `correction` (map: reason, requester_section,
  requester_verification);
- helpers `age_in_days(date)`, `age_in_years(date)` (as of `today`), `days_between(a, b)`,
  `years_between(born, on)` (full years, e.g. the mother's age at the birth:
  `years_between(mother.dob, child.dob)`),
  `full_name(section)` (given, middle and family names joined, using `identity.fields`),
  `mosip_date(date)` (yyyy/MM/dd, as MOSIP ID schemas and IDA expect), `mosip_gender(value)`
  (the form's value in the vocabulary of `mosip.ida.gender_values`, e.g. female → Female).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

import celpy
from celpy import celtypes

from app.rules.checks import (
    HELPER_FUNCTIONS,
    RESERVED_WORDS,
    EvaluationError,
    ExpressionError,
    Vocabulary,
    check_budget,
    check_size,
    check_tree,
)
from app.rules.translate import Closure, Unsupported, translate

# celpy logs each evaluation's whole activation (a declaration's names, dates, IDs) at DEBUG:
# never let it through, whatever level the application or a support session logs at
logging.getLogger("celpy").setLevel(logging.WARNING)

_LITERALS: dict[str, Any] = {"true": celtypes.BoolType(True), "false": celtypes.BoolType(False), "null": None}
__all__ = ["HELPER_FUNCTIONS", "EvaluationError", "Expression", "ExpressionError", "RuleEnvironment", "Vocabulary",
           "to_python", "to_text"]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, celtypes.TimestampType):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10].replace("/", "-"))
        except ValueError:
            pass
    raise EvaluationError("expected a date (YYYY-MM-DD)")


def _age_in_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Expression:
    """One compiled CEL expression."""

    def __init__(self, source: str, program: Any):
        self.source = source
        self._program = program

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        try:
            result = self._program.evaluate(activation)
        except celpy.CELEvalError as exc:
            raise EvaluationError(_describe(exc)) from None
        except EvaluationError:
            raise
        except (TypeError, ValueError, KeyError) as exc:
            raise EvaluationError(str(exc)) from None
        if isinstance(result, celpy.CELEvalError):
            raise EvaluationError(_describe(result))
        return result

    def evaluate_bool(self, activation: Mapping[str, Any]) -> bool:
        result = self.evaluate(activation)
        if not isinstance(result, celtypes.BoolType | bool):
            raise EvaluationError(f"expected true or false, got {type(result).__name__}")
        return bool(result)

    def evaluate_text(self, activation: Mapping[str, Any]) -> str | None:
        """For values sent to MOSIP: strings as they are, lists/maps as JSON, null as None."""
        return to_text(self.evaluate(activation))


def _describe(error: Any) -> str:
    """celpy's messages end with a dump of the whole activation — the record's data: cut it off,
    these messages reach the audit history."""
    args = getattr(error, "args", ())
    text = str(args[0]) if args else str(error)
    return text.split(" (in activation", 1)[0][:200]


def to_text(value: Any) -> str | None:
    import json

    plain = to_python(value)
    if plain is None:
        return None
    if isinstance(plain, str):
        return plain
    if isinstance(plain, bool):
        return "true" if plain else "false"
    return json.dumps(plain, ensure_ascii=False, separators=(",", ":"))


def to_python(value: Any) -> Any:
    if value is None or isinstance(value, celtypes.NullType):
        return None
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.ListType | list | tuple):
        return [to_python(v) for v in value]
    if isinstance(value, celtypes.MapType | dict):
        return {str(k): to_python(v) for k, v in value.items()}
    return str(value)


class RuleEnvironment:
    """Compiles and checks the expressions of one country; helpers are bound to its mapping."""

    def __init__(self, name_fields: Mapping[str, str], gender_values: Mapping[str, str] | None = None):
        # identity key -> field name, e.g. given_name -> firstname
        self._name_fields = [name_fields[k] for k in ("given_name", "middle_name", "family_name")
                             if k in name_fields]
        self._env = celpy.Environment()
        self._functions: dict[str, Callable[..., Any]] = {
            "age_in_days": self._age_in_days,
            "age_in_years": self._age_in_years,
            "days_between": self._days_between,
            "years_between": self._years_between,
            "full_name": self._full_name,
            "mosip_date": self._mosip_date,
            "mosip_gender": self._mosip_gender,
        }
        self._gender_values = dict(gender_values or {})
        # CEL functions cannot see the activation: the evaluating thread's `today` is kept here.
        self._local = threading.local()

    @property
    def _current_today(self) -> dt.date:
        return getattr(self._local, "today", None) or dt.date.today()

    def _age_in_days(self, value: Any) -> celtypes.IntType:
        return celtypes.IntType((self._current_today - _as_date(value)).days)

    def _age_in_years(self, value: Any) -> celtypes.IntType:
        return celtypes.IntType(_age_in_years(_as_date(value), self._current_today))

    @staticmethod
    def _days_between(a: Any, b: Any) -> celtypes.IntType:
        return celtypes.IntType((_as_date(b) - _as_date(a)).days)

    @staticmethod
    def _years_between(born: Any, on: Any) -> celtypes.IntType:
        return celtypes.IntType(_age_in_years(_as_date(born), _as_date(on)))

    @staticmethod
    def _mosip_date(value: Any) -> celtypes.StringType:
        return celtypes.StringType(_as_date(value).strftime("%Y/%m/%d"))

    def _mosip_gender(self, value: Any) -> celtypes.StringType:
        return celtypes.StringType(self._gender_values.get(str(value), str(value)))

    def _full_name(self, section: Any) -> celtypes.StringType:
        if not isinstance(section, Mapping):
            raise EvaluationError("full_name() takes a section, e.g. full_name(child)")
        parts = [str(section[celtypes.StringType(n)]) for n in self._name_fields
                 if celtypes.StringType(n) in section and str(section[celtypes.StringType(n)]).strip()]
        return celtypes.StringType(" ".join(" ".join(parts).split()))

    def compile(self, source: str, vocabulary: Vocabulary) -> Expression:
        check_size(source)
        try:
            tree = self._env.compile(source)
        except celpy.CELParseError as exc:
            first = str(exc).splitlines()[0] if str(exc) else "syntax error"
            raise ExpressionError(f"does not parse: {first}") from None
        except RecursionError:
            raise ExpressionError("is nested too deeply") from None
        problems = list(check_budget(tree)) or list(check_tree(tree, vocabulary))
        if problems:
            raise ExpressionError("; ".join(dict.fromkeys(problems)))
        program = self._env.program(tree, functions=self._functions)
        fast = _simple_access(source, self._functions)
        if fast is not None:
            return _FastExpression(source, program, self, fast)
        translated = translate(tree, self._functions)
        if translated is not None:
            return _TranslatedExpression(source, program, self, translated)
        return _BoundExpression(source, program, self)


class _BoundExpression(Expression):
    def __init__(self, source: str, program: Any, env: RuleEnvironment):
        super().__init__(source, program)
        self._rule_env = env

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        today = activation.get("today") if isinstance(activation, Mapping) else None
        self._rule_env._local.today = _as_date(today) if today is not None else None
        try:
            return super().evaluate(activation)
        finally:
            self._rule_env._local.today = None


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SIMPLE = re.compile(rf"^\s*(?:({_NAME})\(\s*)?({_NAME})(?:\.({_NAME}))?(?(1)\s*\))\s*$")


_HAS_OR_EMPTY = re.compile(rf"^\s*has\(\s*({_NAME})\.({_NAME})\s*\)\s*\?\s*\1\.\2\s*:\s*(?:''|\"\")\s*$")


def _simple_access(source: str, functions: Mapping[str, Callable[..., Any]]
                   ) -> Callable[[Mapping[str, Any]], Any] | None:
    """Most mapping expressions are `name`, `section.field` or `helper(section[.field])`: those
    are read directly instead of walking celpy's tree (a register action evaluates a dozen), with
    the same results and the same errors. Anything else goes to celpy."""
    optional = _HAS_OR_EMPTY.match(source)
    if optional:  # `has(a.b) ? a.b : ''` — an optional value, empty when absent
        section, member = optional.groups()

        def evaluate_optional(activation: Mapping[str, Any]) -> Any:
            if section not in activation:
                raise EvaluationError(f"no such name: '{section}'")
            value = activation[section]
            if not isinstance(value, Mapping):
                raise EvaluationError(f"'{section}' has no members")
            return value[member] if member in value else ""

        return evaluate_optional
    match = _SIMPLE.match(source)
    if not match:
        return None
    function_name, name, attribute = match.groups()
    if function_name is not None and function_name not in functions:
        return None
    if name in _LITERALS or name in RESERVED_WORDS:
        if attribute is not None or function_name is not None:
            return None  # `true.x`, `f(null)`: celpy's own answer
        constant = _LITERALS.get(name)
        if name not in _LITERALS:
            return None
        return lambda activation: constant
    function = functions.get(function_name) if function_name else None

    def evaluate(activation: Mapping[str, Any]) -> Any:
        if name not in activation:
            raise EvaluationError(f"no such name: '{name}'")
        value = activation[name]
        if attribute is not None:
            if not isinstance(value, Mapping):
                raise EvaluationError(f"'{name}' has no members")
            if attribute not in value:
                raise EvaluationError(f"no such member in mapping: '{attribute}'")
            value = value[attribute]
        return function(value) if function is not None else value

    return evaluate


class _FastExpression(_BoundExpression):
    def __init__(self, source: str, program: Any, env: RuleEnvironment,
                 fast: Callable[[Mapping[str, Any]], Any]):
        super().__init__(source, program, env)
        self._fast = fast

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        today = activation.get("today") if isinstance(activation, Mapping) else None
        self._rule_env._local.today = _as_date(today) if today is not None else None
        try:
            return self._fast(activation)
        except (TypeError, ValueError, KeyError) as exc:
            raise EvaluationError(str(exc)) from None
        finally:
            self._rule_env._local.today = None


class _TranslatedExpression(_BoundExpression):
    """Evaluated as Python closures (`app.rules.translate`); by celpy whenever they cannot answer."""

    def __init__(self, source: str, program: Any, env: RuleEnvironment, closures: Closure):
        super().__init__(source, program, env)
        self._closures = closures

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        today = activation.get("today") if isinstance(activation, Mapping) else None
        self._rule_env._local.today = _as_date(today) if today is not None else None
        try:
            try:
                return self._closures(activation)
            except Unsupported:
                return Expression.evaluate(self, activation)
        finally:
            self._rule_env._local.today = None

"""Load a country directory: YAML → pydantic models → cross-checks → compiled expressions.

Every problem is reported as `file:line: dotted.path: message`, all of them at once, so a country
implementer fixes a configuration in one pass. A configuration that loads is one the code can run:
unknown keys, unknown field ids in rules and mappings, expressions that do not compile and ID-schema
names that MOSIP would refuse are load errors, never runtime surprises.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.config.forms import MESSAGE_PARAMETER, Plausibility
from app.config.models import Country, EventType, Form, Rule, SecretRef
from app.config.yaml_source import (
    MAX_CONFIG_BYTES,
    ConfigError,
    ConfigIssue,
    Path_,
    dotted,
    line_for,
    read_yaml,
)
from app.errors import ConfigurationFault, Invalid
from app.rules import Expression, ExpressionError, RuleEnvironment, vocabulary_for
from app.security.files import read_bounded, read_text_bounded

__all__ = ["COUNTRY_FILE", "CompiledRule", "ConfigError", "ConfigIssue", "LoadedCountry", "OutsideCountryFolder",
           "confined", "country_json_schema", "load_country"]

COUNTRY_FILE = "country.yaml"
_RECORD_STATUSES = frozenset({
    "draft", "declared", "verification_failed", "validated", "awaiting_external_validation",
    "registered", "correction_requested", "rejected"})


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    when: Expression
    share: dict[str, Expression]
    meta: dict[str, Expression]
    notification: dict[str, Expression]


@dataclass(frozen=True)
class CompiledPlausibility:
    rule: Plausibility
    when: Expression
    params: dict[str, Expression]


@dataclass
class LoadedCountry:
    """A validated country with its expressions compiled once."""

    config: Country
    directory: Path
    id_schema: dict[str, Any]
    id_schema_text: str
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    visibility: dict[str, Expression] = field(default_factory=dict)  # field/section id -> expr
    validations: dict[str, list[Expression]] = field(default_factory=dict)  # field id -> exprs
    plausibility: dict[str, list[CompiledPlausibility]] = field(default_factory=dict)  # event -> checks
    environment: RuleEnvironment | None = None

    @property
    def name(self) -> str:
        return self.config.country

    def resolve(self, relative: str) -> Path:
        """A file the configuration names, confined to the country folder (symlinks resolved)."""
        return confined(self.directory, relative)

    def compiled_rules(self, event: str, action: str) -> list[CompiledRule]:
        return [self.rules[r.id] for r in self.config.rules_for(event, action)]


class OutsideCountryFolder(ConfigurationFault):
    default_code = "config.file_outside_country"


def confined(directory: Path, relative: str) -> Path:
    """`relative` inside `directory`: no absolute path, and nothing that resolves (`..`, a
    symlink) outside it — a country file names its own files, never the device's."""
    root = directory.resolve()
    if Path(relative).is_absolute() or "\0" in relative:
        raise OutsideCountryFolder(f"{relative}: a file is named relative to the country folder")
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise OutsideCountryFolder(f"{relative}: outside the country folder")
    return target



# -------------------------------------------------------------------------------------- checks


def _pydantic_issues(exc: ValidationError, file: str, lines: Mapping[Path_, int]) -> list[ConfigIssue]:
    issues = []
    for error in exc.errors(include_url=False):
        loc: Path_ = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p)
                           and p not in ("function-after", "function-before"))
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        elif message.startswith("Value error, "):
            message = message[len("Value error, "):]
        issues.append(ConfigIssue(file, line_for(loc, lines), dotted(loc), message))
    return issues


class _Checker:
    def __init__(self, country: Country, directory: Path, file: str, lines: Mapping[Path_, int]):
        self.country = country
        self.directory = directory
        self.file = file
        self.lines = lines
        self.issues: list[ConfigIssue] = []

    def issue(self, path: Path_, message: str, file: str | None = None) -> None:
        line = line_for(path, self.lines)
        self.issues.append(ConfigIssue(file or self.file, line, dotted(path), message))

    def compile(self, env: RuleEnvironment, source: str, form: Form, path: Path_) -> Expression | None:
        try:
            return env.compile(source, vocabulary_for(form))
        except ExpressionError as exc:
            self.issue(path, str(exc))
            return None

    def existing_file(self, relative: str, path: Path_) -> Path | None:
        try:
            target = confined(self.directory, relative)
        except ConfigurationFault as exc:
            self.issue(path, exc.message)
            return None
        if not target.is_file():
            self.issue(path, f"file not found: {relative}")
            return None
        return target


def _walk_secret_refs(value: Any, path: Path_) -> Iterator[tuple[Path_, SecretRef]]:
    if isinstance(value, SecretRef):
        yield path, value
    elif hasattr(value, "__pydantic_fields__"):
        for name in type(value).model_fields:
            yield from _walk_secret_refs(getattr(value, name), (*path, name))


def load_country(directory: str | os.PathLike[str]) -> LoadedCountry:
    """Load and check `<directory>/country.yaml`; raises ConfigError listing every problem."""
    root = Path(directory)
    country_file = root / COUNTRY_FILE if root.is_dir() else root
    root = country_file.parent
    file = str(country_file)
    data, lines = read_yaml(country_file)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, 1, "", "the configuration must be a mapping")])
    try:
        country = Country.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_pydantic_issues(exc, file, lines)) from None

    check = _Checker(country, root, file, lines)
    env = RuleEnvironment(country.identity.fields, country.mosip.ida.gender_values)
    loaded = LoadedCountry(config=country, directory=root.resolve(), id_schema={}, id_schema_text="",
                           environment=env)

    # forms: visibility and validation expressions
    for event, form in country.forms.items():
        for s_index, section in enumerate(form.sections):
            s_path: Path_ = ("forms", event.value, "sections", s_index)
            if section.visible_if:
                expr = check.compile(env, section.visible_if, form, (*s_path, "visible_if"))
                if expr:
                    loaded.visibility[f"{event.value}:{section.id}"] = expr
            for f_index, form_field in enumerate(section.fields):
                f_path = (*s_path, "fields", f_index)
                if form_field.visible_if:
                    expr = check.compile(env, form_field.visible_if, form, (*f_path, "visible_if"))
                    if expr:
                        loaded.visibility[f"{event.value}:{form_field.id}"] = expr
                for v_index, validation in enumerate(form_field.validation):
                    expr = check.compile(env, validation.rule, form, (*f_path, "validation", v_index, "rule"))
                    if expr:
                        loaded.validations.setdefault(f"{event.value}:{form_field.id}", []).append(expr)

    for event, form in country.forms.items():
        checks = [_compile_plausibility(check, env, form, rule, ("forms", event.value, "plausibility", index),
                                        country.languages[0])
                  for index, rule in enumerate(form.plausibility)]
        loaded.plausibility[event.value] = [c for c in checks if c is not None]

    # identity mapping: every mapped name must be a field of some identity section
    identity_sections = {e: [s for s in f.sections if s.identity] for e, f in country.forms.items()}
    for key, name in country.identity.fields.items():
        if not any(name in {f.name for f in s.fields} for ss in identity_sections.values() for s in ss):
            check.issue(("identity", "fields", key), f"no identity section has a field named '{name}'")
    id_field = country.identity.fields["individual_id"]
    for event, sections in identity_sections.items():
        for section in sections:
            if id_field not in {f.name for f in section.fields}:
                index = country.forms[event].sections.index(section)
                check.issue(("forms", event.value, "sections", index, "fields"),
                            f"identity section '{section.id}' has no '{section.id}.{id_field}' field "
                            "(identity.fields.individual_id)")

    # ID schema
    schema_path = check.existing_file(country.mosip.packets.id_schema_file,
                                      ("mosip", "packets", "id_schema_file"))
    schema_fields: set[str] | None = None
    if schema_path:
        try:
            loaded.id_schema_text = read_text_bounded(schema_path, MAX_CONFIG_BYTES, what="the ID schema")
            loaded.id_schema = json.loads(loaded.id_schema_text)
            schema_fields = set(loaded.id_schema["properties"]["identity"]["properties"])
        except (ValueError, KeyError, TypeError, RecursionError, Invalid):
            check.issue(("mosip", "packets", "id_schema_file"),
                        "not a MOSIP ID schema (JSON with properties.identity.properties)",
                        file=str(schema_path))

    # rules
    for r_index, rule in enumerate(country.integration.rules):
        r_path: Path_ = ("integration", "rules", r_index)
        form = country.forms.get(rule.event)
        if form is None:
            check.issue((*r_path, "event"), f"rule '{rule.id}': no form for event '{rule.event.value}'")
            continue
        if form.section(rule.subject) is None:
            check.issue((*r_path, "subject"), f"rule '{rule.id}': no section '{rule.subject}' in the "
                        f"{rule.event.value} form")
        when = check.compile(env, rule.when, form, (*r_path, "when"))
        compiled: dict[str, dict[str, Expression]] = {"share": {}, "meta": {}, "notification": {}}
        for part in ("share", "meta", "notification"):
            for key, source in getattr(rule, part).items():
                expr = check.compile(env, source, form, (*r_path, part, key))
                if expr:
                    compiled[part][key] = expr
        if schema_fields is not None:
            for key in rule.share:
                if key not in schema_fields:
                    check.issue((*r_path, "share", key),
                                f"rule '{rule.id}': '{key}' is not a field of the MOSIP ID schema")
        if when:
            loaded.rules[rule.id] = CompiledRule(rule, when, compiled["share"], compiled["meta"],
                                                 compiled["notification"])

    # QR trusted issuers
    for i_index, issuer in enumerate(country.identity.qr.trusted_issuers):
        path = ("identity", "qr", "trusted_issuers", i_index, "public_key_file")
        key_file = check.existing_file(issuer.public_key_file, path)
        if key_file:
            try:
                problem = _check_public_key(read_bounded(key_file, 64 * 1024, what="a public key file"), issuer.alg)
            except Invalid as exc:
                problem = exc.message
            if problem:
                check.issue(path, problem)

    # secret references given as demo files must exist
    for path, ref in _walk_secret_refs(country, ()):
        if ref.file:
            check.existing_file(ref.file, (*path, "file"))

    for q_index, queue in enumerate(country.workqueues):
        for status in queue.statuses:
            if status not in _RECORD_STATUSES:
                check.issue(("workqueues", q_index, "statuses"), f"unknown record status '{status}'")

    for event in EventType:
        if event not in country.forms:
            check.issue(("forms",), f"no form for event '{event.value}'")

    if check.issues:
        raise ConfigError(check.issues)
    return loaded


def _compile_plausibility(check: _Checker, env: RuleEnvironment, form: Form, rule: Plausibility, path: Path_,
                          default_language: str) -> CompiledPlausibility | None:
    """A plausibility check whose expressions compile, whose fields exist and whose message has
    the country's first language (the fallback) and only parameters it can fill."""
    when = check.compile(env, rule.when, form, (*path, "when"))
    params = {name: check.compile(env, source, form, (*path, "params", name)) for name, source in rule.params.items()}
    for index, field_id in enumerate(rule.fields):
        if form.field(field_id) is None:
            check.issue((*path, "fields", index), f"unknown field '{field_id}'")
    if default_language not in rule.message:
        check.issue((*path, "message"), f"no text in '{default_language}', the country's first language")
    for language, text in rule.message.items():
        for name in MESSAGE_PARAMETER.findall(text):
            if name not in rule.params and form.field(name) is None:
                check.issue((*path, "message", language),
                            f"'{{{name}}}' is neither one of params nor a field of this form")
    if when is None or any(expr is None for expr in params.values()):
        return None
    return CompiledPlausibility(rule, when, {name: expr for name, expr in params.items() if expr is not None})


def _check_public_key(pem: bytes, alg: str) -> str | None:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem)
    except ValueError:
        return "not a PEM public key (SPKI)"
    if alg == "EdDSA" and not isinstance(key, ed25519.Ed25519PublicKey):
        return "alg EdDSA needs an Ed25519 public key"
    if alg == "ES256" and not (isinstance(key, ec.EllipticCurvePublicKey)
                               and key.curve.name == "secp256r1"):
        return "alg ES256 needs a P-256 public key"
    return None


def country_json_schema() -> dict[str, Any]:
    schema = Country.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "crvs-field country configuration"
    return schema

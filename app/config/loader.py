"""Load a country directory: YAML → pydantic models → cross-checks → compiled expressions.

Every problem is reported as `file:line: dotted.path: message`, all of them at once, so a country
implementer fixes a configuration in one pass. A configuration that loads is one the code can run:
unknown keys, unknown field ids in rules and mappings, expressions that do not compile and ID-schema
names that MOSIP would refuse are load errors, never runtime surprises.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from app.config.models import Country, EventType, Form, Rule, SecretRef
from app.errors import ConfigurationFault, Invalid
from app.rules import Expression, ExpressionError, RuleEnvironment, vocabulary_for
from app.security.files import read_bounded, read_text_bounded

COUNTRY_FILE = "country.yaml"
MAX_CONFIG_BYTES = 2 * 1024 * 1024
_ENV_REF = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}")
# A country file is untrusted input: `${VAR}` reads only variables meant for configuration
# (CRVS_*), never one that holds a key, a PIN or a credential — a hostile file could otherwise put
# the database key into a MOSIP URL and send it away.
_ENV_PREFIX = "CRVS_"
_SECRET_ENV = frozenset({"CRVS_FIELD_DB_KEY", "CRVS_FIELD_PIN", "CRVS_FIELD_NEW_PIN"})
_SECRET_WORDS = re.compile(r"(KEY|PIN|SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE)")
# YAML budget: anchors/aliases let a 1 KB file describe billions of nodes ("billion laughs").
MAX_ALIASES = 64
MAX_NODES = 200_000
MAX_DEPTH = 64
_RECORD_STATUSES = frozenset({
    "draft", "declared", "verification_failed", "validated", "awaiting_external_validation",
    "registered", "correction_requested", "rejected"})

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(top)'}: {self.message}"


class ConfigError(ConfigurationFault):
    default_code = "config.invalid"

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues), params={"issues": len(issues)})


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    when: Expression
    share: dict[str, Expression]
    meta: dict[str, Expression]
    notification: dict[str, Expression]


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


# ---------------------------------------------------------------------------------------- YAML


class _UnsafeVariable(KeyError):
    pass


def _interpolate(text: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match[1]
        if not name.startswith(_ENV_PREFIX) or name in _SECRET_ENV or _SECRET_WORDS.search(name[len(_ENV_PREFIX):]):
            raise _UnsafeVariable(name)
        value = os.environ.get(name)
        if value:
            return value
        if match[2] is not None:
            return match[2]
        raise KeyError(match[1])

    return _ENV_REF.sub(sub, text)


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0


class _OverBudget(Exception):
    pass


def _to_plain(node: Any, path: Path_, lines: dict[Path_, int], file: str,
              issues: list[ConfigIssue], budget: _Budget | None = None) -> Any:
    """Plain Python data from ruamel nodes, remembering the line of every path. Shared nodes
    (aliases) are copied here, so the copy is counted against a node budget."""
    budget = budget or _Budget()
    budget.nodes += 1
    if budget.nodes > MAX_NODES or len(path) > MAX_DEPTH:
        raise _OverBudget
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            try:
                line = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                line = lines.get(path)
            if line:
                lines[child] = line
            out[str(key)] = _to_plain(value, child, lines, file, issues, budget)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            try:
                lines[child] = node.lc.item(index)[0] + 1
            except (KeyError, TypeError, AttributeError, IndexError):
                if path in lines:
                    lines[child] = lines[path]
            items.append(_to_plain(value, child, lines, file, issues, budget))
        return items
    if isinstance(node, str):
        try:
            return _interpolate(str(node))
        except _UnsafeVariable as name:
            issues.append(ConfigIssue(file, lines.get(path), _dotted(path),
                                      f"${{{name.args[0]}}}: only variables named CRVS_* that hold no key, "
                                      "PIN or credential can be used in a country file"))
            return str(node)
        except KeyError as missing:
            issues.append(ConfigIssue(file, lines.get(path), _dotted(path),
                                      f"environment variable {missing} is not set and has no default"))
            return str(node)
    return node


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _line_for(path: Path_, lines: Mapping[Path_, int]) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _check_aliases(yaml: YAML, text: str, file: str) -> None:
    """Count aliases and nesting in the event stream, before anything is composed."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

    aliases = depth = 0
    for event in yaml.parse(text):
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise ConfigError([ConfigIssue(file, line, "", f"more than {MAX_ALIASES} YAML aliases")])
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise ConfigError([ConfigIssue(file, line, "", f"YAML nested deeper than {MAX_DEPTH} levels")])
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def read_yaml(path: Path) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML file into plain data and a path → line index; raises ConfigError."""
    file = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError([ConfigIssue(file, None, "", f"cannot read: {exc.strerror}")]) from None
    if size > MAX_CONFIG_BYTES:
        raise ConfigError([ConfigIssue(file, None, "", f"file is larger than {MAX_CONFIG_BYTES} bytes")])
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = read_text_bounded(path, MAX_CONFIG_BYTES, what="the configuration")
    except Invalid as exc:
        raise ConfigError([ConfigIssue(file, None, "", exc.message)]) from None
    try:
        _check_aliases(yaml, text, file)
        document = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError([ConfigIssue(file, line, "", f"invalid YAML: {exc.problem or exc}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([ConfigIssue(file, None, "", "file is not UTF-8 text")]) from None
    except ConfigError:
        raise
    except RecursionError:
        raise ConfigError([ConfigIssue(file, None, "", f"YAML nested deeper than {MAX_DEPTH} levels")]) from None
    except Exception as exc:  # ruamel raises several unrelated types for duplicate keys etc.
        raise ConfigError([ConfigIssue(file, None, "", f"invalid YAML: {str(exc)[:300]}")]) from None
    lines: dict[Path_, int] = {}
    issues: list[ConfigIssue] = []
    try:
        data = _to_plain(document, (), lines, file, issues)
    except (_OverBudget, RecursionError):
        raise ConfigError([ConfigIssue(file, None, "", f"YAML expands to more than {MAX_NODES} nodes or "
                                       f"{MAX_DEPTH} levels (anchors and aliases count every use)")]) from None
    if issues:
        raise ConfigError(issues)
    return data, lines


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
        issues.append(ConfigIssue(file, _line_for(loc, lines), _dotted(loc), message))
    return issues


class _Checker:
    def __init__(self, country: Country, directory: Path, file: str, lines: Mapping[Path_, int]):
        self.country = country
        self.directory = directory
        self.file = file
        self.lines = lines
        self.issues: list[ConfigIssue] = []

    def issue(self, path: Path_, message: str, file: str | None = None) -> None:
        line = _line_for(path, self.lines)
        self.issues.append(ConfigIssue(file or self.file, line, _dotted(path), message))

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

"""Reading a country's YAML as hostile input: bounded size, aliases, nodes and depth, `${CRVS_*}`
variables only, and the line of every path kept, so that each problem is reported as
`file:line: dotted.path: message`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from app.errors import ConfigurationFault, Invalid
from app.security.files import read_text_bounded

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
            issues.append(ConfigIssue(file, lines.get(path), dotted(path),
                                      f"${{{name.args[0]}}}: only variables named CRVS_* that hold no key, "
                                      "PIN or credential can be used in a country file"))
            return str(node)
        except KeyError as missing:
            issues.append(ConfigIssue(file, lines.get(path), dotted(path),
                                      f"environment variable {missing} is not set and has no default"))
            return str(node)
    return node


def dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def line_for(path: Path_, lines: Mapping[Path_, int]) -> int | None:
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


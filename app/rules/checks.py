"""What a country's expression may contain, checked when the configuration loads (`config check`):
its size, its nesting and comprehensions (celpy evaluates recursively and cannot be interrupted,
so what it may be asked to do is bounded up front), and the names, functions and field ids it uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree

CONTEXT_NAMES = frozenset(
    {"today", "event", "action", "registration_number", "corrected_fields", "correction"})
CEL_GLOBAL_FUNCTIONS = frozenset(
    {"has", "size", "int", "uint", "double", "string", "bytes", "bool", "type", "dyn", "matches",
     "timestamp", "duration", "exists", "all", "exists_one", "map", "filter"})
HELPER_FUNCTIONS = frozenset({"age_in_days", "age_in_years", "days_between", "years_between", "full_name",
                              "mosip_date", "mosip_gender"})
_MACROS = frozenset({"exists", "all", "exists_one", "map", "filter"})
# CEL words that are never variable names (cel-spec langdef.md "Syntax": reserved identifiers)
RESERVED_WORDS = frozenset({"in", "as", "break", "const", "continue", "else", "for", "function", "if",
                            "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"})
MAX_SOURCE_CHARS = 4096
MAX_NESTING = 32          # brackets of any kind: 3,000 nested parentheses exhaust Python's stack
MAX_COMPREHENSIONS = 8    # macros (exists, all, map, …) in one expression
MAX_COMPREHENSION_NESTING = 1  # no comprehension inside another: n² (or worse) iterations per record
_FIELD_REF = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")


class ExpressionError(ValueError):
    """An expression that does not compile or names something the form does not have."""


class EvaluationError(RuntimeError):
    """An expression failed on a record's data (e.g. a date field holds no date)."""


@dataclass(frozen=True)
class Vocabulary:
    """What expressions of one event may refer to."""

    sections: Mapping[str, frozenset[str]]  # section id -> names usable after `section.`

    def check_field_id(self, text: str) -> str | None:
        match = _FIELD_REF.match(text)
        if not match or match[1] not in self.sections:
            return None
        if match[2] not in self.sections[match[1]]:
            return f"unknown field '{text}'"
        return None


def check_size(source: str) -> None:
    """Length and bracket nesting, before the parser (which recurses) sees the text."""
    if len(source) > MAX_SOURCE_CHARS:
        raise ExpressionError(f"is longer than {MAX_SOURCE_CHARS} characters")
    depth = deepest = 0
    quote: str | None = None
    escaped = False
    for char in source:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise ExpressionError(f"nests brackets {deepest} deep; at most {MAX_NESTING}")


def _is_macro(node: Tree) -> bool:
    return node.data == "member_dot_arg" and len(node.children) >= 2 and str(node.children[1]) in _MACROS


def check_budget(tree: Tree) -> Iterable[str]:
    """Comprehensions: how many, and none inside another (their cost multiplies)."""
    macros = 0
    deepest = 0
    stack: list[tuple[Tree | Token, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, Tree):
            continue
        if _is_macro(node):
            macros += 1
            depth += 1
            deepest = max(deepest, depth)
        stack.extend((child, depth) for child in node.children)
    if macros > MAX_COMPREHENSIONS:
        yield f"uses {macros} comprehensions (exists, all, map, filter…); at most {MAX_COMPREHENSIONS}"
    if deepest > MAX_COMPREHENSION_NESTING:
        yield "nests a comprehension inside another; its cost grows with the product of the lists"


def _tokens(node: Tree | Token) -> Iterable[Token]:
    if isinstance(node, Token):
        yield node
    else:
        for child in node.children:
            yield from _tokens(child)


def _simple_ident(node: Any) -> str | None:
    """The identifier when `node` is just `member > primary > ident`, else None."""
    while isinstance(node, Tree) and node.data in ("member", "primary") and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Tree) and node.data == "ident":
        return str(node.children[0])
    return None


def check_tree(tree: Tree, vocabulary: Vocabulary) -> Iterable[str]:
    bound: set[str] = set()
    for node in tree.iter_subtrees():
        if node.data == "member_dot_arg" and len(node.children) >= 3:
            method = str(node.children[1])
            if method in _MACROS and isinstance(node.children[2], Tree):
                first_arg = node.children[2].children[0] if node.children[2].children else None
                for token in _tokens(first_arg) if first_arg is not None else ():
                    if token.type == "IDENT":
                        bound.add(str(token))
                        break
    allowed = set(vocabulary.sections) | CONTEXT_NAMES | bound
    for node in tree.iter_subtrees():
        if node.data == "ident_arg":
            name = str(node.children[0])
            if name not in CEL_GLOBAL_FUNCTIONS and name not in HELPER_FUNCTIONS:
                yield f"unknown function '{name}'"
        elif node.data == "ident":
            name = str(node.children[0])
            if name not in allowed:
                yield f"unknown name '{name}'"
        elif node.data == "member_dot":
            base = _simple_ident(node.children[0])
            if base in vocabulary.sections:
                attr = str(node.children[1])
                if attr not in vocabulary.sections[base]:
                    yield f"unknown field '{base}.{attr}'"
        elif node.data == "literal":
            for token in node.children:
                if isinstance(token, Token) and token.type == "STRING_LIT":
                    text = _unquote(str(token))
                    problem = vocabulary.check_field_id(text) if text is not None else None
                    if problem:
                        yield problem


def _unquote(literal: str) -> str | None:
    for quote in ('"""', "'''", '"', "'"):
        if literal.startswith(quote) and literal.endswith(quote) and len(literal) >= 2 * len(quote):
            return literal[len(quote):-len(quote)]
    return None

"""A CEL expression as Python closures, for the part of CEL country rules use: names, `a.b`,
`has(a.b)`, `!`, `&&`, `||`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `in` a list, `? :`, list
literals, `size()` and the rule helpers. celpy walks its parse tree on every evaluation (≈ 0.7 ms
for a register rule's `when`); the closures take a few microseconds.

Errors follow celpy: a missing name or member, operands of different types or a non-boolean where
a boolean belongs is an error *value* (`_ERROR`), which `&&` and `||` absorb exactly as celpy's
`logical_and`/`logical_or` do (both sides are evaluated, as celpy does) and every other operator
passes on. When the whole expression comes to an error, or a helper raises, `Unsupported` is
raised and the caller evaluates the expression with celpy instead, so errors and their messages
stay celpy's. An expression with anything else in it (arithmetic, macros, maps, other functions)
is not translated at all (`translate` returns None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from celpy import celtypes
from lark import Token, Tree

Closure = Callable[[Mapping[str, Any]], Any]


class Unsupported(Exception):
    """This evaluation needs celpy: an error, or a case CEL's type rules decide."""


class _NotTranslatable(Exception):
    pass


class _Error:
    """A CEL error value: celpy would say which (the caller asks it)."""


_ERROR = _Error()


def translate(tree: Tree, functions: Mapping[str, Callable[..., Any]]) -> Closure | None:
    """Closures for the parsed expression `tree` (celpy's grammar), or None when it uses anything
    outside the subset."""
    try:
        closure = _Translator(functions).node(tree)
    except _NotTranslatable:
        return None

    def evaluate(activation: Mapping[str, Any]) -> Any:
        result = closure(activation)
        if result is _ERROR:
            raise Unsupported
        return result

    return evaluate


def _only(tree: Tree) -> Any:
    if len(tree.children) != 1:
        raise _NotTranslatable
    return tree.children[0]


def _is_bool(value: Any) -> bool:
    return isinstance(value, celtypes.BoolType)


def _comparable(left: Any, right: Any) -> bool:
    """Operands CEL compares without a type question: two strings, two ints, two booleans."""
    if isinstance(left, celtypes.BoolType) or isinstance(right, celtypes.BoolType):
        return _is_bool(left) and _is_bool(right)
    return ((isinstance(left, celtypes.StringType) and isinstance(right, celtypes.StringType))
            or (isinstance(left, celtypes.IntType) and isinstance(right, celtypes.IntType)))


_TRUE, _FALSE = celtypes.BoolType(True), celtypes.BoolType(False)
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "relation_lt": lambda a, b: a < b, "relation_le": lambda a, b: a <= b,
    "relation_gt": lambda a, b: a > b, "relation_ge": lambda a, b: a >= b,
}


class _Translator:
    def __init__(self, functions: Mapping[str, Callable[..., Any]]):
        self.functions = functions

    def node(self, tree: Any) -> Closure:
        if not isinstance(tree, Tree):
            raise _NotTranslatable
        method = getattr(self, f"_{tree.data}", None)
        if method is None:
            raise _NotTranslatable
        return method(tree)  # type: ignore[no-any-return]

    def _expr(self, tree: Tree) -> Closure:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        if len(tree.children) != 3:
            raise _NotTranslatable
        condition, yes, no = (self.node(child) for child in tree.children)

        def choose(activation: Mapping[str, Any]) -> Any:
            test = condition(activation)  # celpy too evaluates the chosen branch only
            if not _is_bool(test):
                return _ERROR
            return yes(activation) if test else no(activation)

        return choose

    def _conditionalor(self, tree: Tree) -> Closure:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        left, right = (self.node(child) for child in tree.children)

        def either(activation: Mapping[str, Any]) -> Any:  # celpy.celtypes.logical_or
            x, y = left(activation), right(activation)  # both, as celpy: a helper may raise
            if _is_bool(x):
                return x if x else y
            if _is_bool(y):
                return y if y else x
            return _ERROR

        return either

    def _conditionaland(self, tree: Tree) -> Closure:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        left, right = (self.node(child) for child in tree.children)

        def both(activation: Mapping[str, Any]) -> Any:  # celpy.celtypes.logical_and
            x, y = left(activation), right(activation)  # both, as celpy: a helper may raise
            if _is_bool(x):
                return y if x else x
            if _is_bool(y):
                return x if y else y
            return _ERROR

        return both

    def _relation(self, tree: Tree) -> Closure:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        if len(tree.children) != 2 or not isinstance(tree.children[0], Tree):
            raise _NotTranslatable
        operator = tree.children[0]
        left, right = self.node(_only(operator)), self.node(tree.children[1])
        if operator.data in ("relation_eq", "relation_ne"):
            equal = operator.data == "relation_eq"

            def compare(activation: Mapping[str, Any]) -> Any:
                a, b = left(activation), right(activation)
                if not _comparable(a, b):
                    return _ERROR
                return _TRUE if (a == b) is equal else _FALSE

            return compare
        if operator.data in _ORDER:
            order = _ORDER[operator.data]

            def ordered(activation: Mapping[str, Any]) -> Any:
                a, b = left(activation), right(activation)
                if not _comparable(a, b) or _is_bool(a):
                    return _ERROR
                return _TRUE if order(a, b) else _FALSE

            return ordered
        if operator.data == "relation_in":

            def within(activation: Mapping[str, Any]) -> Any:
                item, container = left(activation), right(activation)
                if not isinstance(container, celtypes.ListType) or not all(
                        _comparable(item, element) for element in container):
                    return _ERROR
                return _TRUE if item in container else _FALSE

            return within
        raise _NotTranslatable

    def _addition(self, tree: Tree) -> Closure:
        return self.node(_only(tree))

    def _multiplication(self, tree: Tree) -> Closure:
        return self.node(_only(tree))

    def _unary(self, tree: Tree) -> Closure:
        if len(tree.children) == 1:
            return self.node(tree.children[0])
        operator, operand = tree.children
        if not isinstance(operator, Tree) or operator.data != "unary_not":
            raise _NotTranslatable
        inner = self.node(operand)

        def negate(activation: Mapping[str, Any]) -> Any:
            value = inner(activation)
            if not _is_bool(value):
                return _ERROR
            return _FALSE if value else _TRUE

        return negate

    def _member(self, tree: Tree) -> Closure:
        return self.node(_only(tree))

    def _primary(self, tree: Tree) -> Closure:
        return self.node(_only(tree))

    def _paren_expr(self, tree: Tree) -> Closure:
        return self.node(_only(tree))

    def _member_dot(self, tree: Tree) -> Closure:
        base, name = tree.children
        read = self.node(base)
        attribute = str(name)

        def member(activation: Mapping[str, Any]) -> Any:
            value = read(activation)
            if not isinstance(value, celtypes.MapType) or attribute not in value:
                return _ERROR
            return value[attribute]

        return member

    def _ident(self, tree: Tree) -> Closure:
        name = str(_only(tree))

        def read(activation: Mapping[str, Any]) -> Any:
            if name not in activation:
                return _ERROR
            return activation[name]

        return read

    def _literal(self, tree: Tree) -> Closure:
        token = _only(tree)
        if not isinstance(token, Token):
            raise _NotTranslatable
        text = str(token)
        value: Any
        if token.type == "INT_LIT" and text.lstrip("-").isdigit():
            value = celtypes.IntType(int(text))
        elif (token.type == "STRING_LIT" and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
              and "\\" not in text):
            value = celtypes.StringType(text[1:-1])
        elif token.type == "BOOL_LIT":
            value = _TRUE if text == "true" else _FALSE
        else:
            raise _NotTranslatable
        return lambda activation: value

    def _list_lit(self, tree: Tree) -> Closure:
        elements = self._arguments(tree.children[0] if tree.children else None)

        def listed(activation: Mapping[str, Any]) -> Any:
            values = [element(activation) for element in elements]
            return _ERROR if any(value is _ERROR for value in values) else celtypes.ListType(values)

        return listed

    def _arguments(self, exprlist: Any) -> list[Closure]:
        if exprlist is None:
            return []
        if not isinstance(exprlist, Tree) or exprlist.data != "exprlist":
            raise _NotTranslatable
        return [self.node(child) for child in exprlist.children]

    def _ident_arg(self, tree: Tree) -> Closure:
        name = str(tree.children[0])
        exprlist = tree.children[1] if len(tree.children) > 1 else None
        if name == "has":
            return self._has(exprlist)
        arguments = self._arguments(exprlist)
        if name == "size" and len(arguments) == 1:
            (argument,) = arguments

            def size(activation: Mapping[str, Any]) -> Any:
                value = argument(activation)
                if not isinstance(value, celtypes.StringType | celtypes.ListType | celtypes.MapType):
                    return _ERROR
                return celtypes.IntType(len(value))

            return size
        function = self.functions.get(name)
        if function is None:
            raise _NotTranslatable

        def call(activation: Mapping[str, Any]) -> Any:  # as celpy's Evaluator.function_eval
            values = [argument(activation) for argument in arguments]
            if any(value is _ERROR for value in values):
                return _ERROR
            try:
                return function(*values)
            except (ValueError, TypeError, AttributeError):
                return _ERROR
            except Exception:  # celpy lets it through: it says what went wrong, in its words
                raise Unsupported from None

        return call

    def _has(self, exprlist: Any) -> Closure:
        """`has(a.b)`: whether the map `a` holds `b` (CEL's presence test)."""
        if not isinstance(exprlist, Tree) or exprlist.data != "exprlist" or len(exprlist.children) != 1:
            raise _NotTranslatable
        target = exprlist.children[0]
        while isinstance(target, Tree) and target.data in ("expr", "conditionalor", "conditionaland", "relation",
                                                          "addition", "multiplication", "unary", "member"):
            target = _only(target)
        if not isinstance(target, Tree) or target.data != "member_dot":
            raise _NotTranslatable
        base, name = target.children
        read, attribute = self.node(base), str(name)

        def present(activation: Mapping[str, Any]) -> Any:
            value = read(activation)
            if not isinstance(value, celtypes.MapType):
                return _ERROR
            return _TRUE if attribute in value else _FALSE

        return present

"""Form `pattern`s compiled with RE2: linear-time matching, so a country's `^(a+)+$` cannot make a
declaration take minutes (Python's `re` backtracks exponentially on it). RE2 refuses what it cannot
run in linear time (back-references, look-arounds), which `config check` reports."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN_CHARS = 1000
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False           # errors are reported by `config check`, not logged by absl
_OPTIONS.max_mem = 8 * 1024 * 1024    # a pattern whose program needs more is refused


class PatternError(ValueError):
    pass


@lru_cache(maxsize=512)
def compile_pattern(source: str) -> Any:
    if len(source) > MAX_PATTERN_CHARS:
        raise PatternError(f"a pattern has at most {MAX_PATTERN_CHARS} characters")
    try:
        return re2.compile(source, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) \
            else str(exc)
        raise PatternError(f"invalid regular expression (RE2 syntax, no back-references or "
                           f"look-arounds): {detail}") from None


def full_match(source: str, value: str) -> bool:
    return compile_pattern(source).fullmatch(value) is not None

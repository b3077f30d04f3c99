"""The PIN policy's floor and its shape. A country may raise the floor (`security:` in its
configuration, `app.config.models.SecurityConfig`), never lower it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MIN_PIN_LENGTH = 6
MIN_DISTINCT_PIN_CHARACTERS = 3


class PinRules(Protocol):
    @property
    def min_pin_length(self) -> int: ...
    @property
    def min_distinct_pin_characters(self) -> int: ...


@dataclass(frozen=True)
class DefaultPinRules:
    min_pin_length: int = MIN_PIN_LENGTH
    min_distinct_pin_characters: int = MIN_DISTINCT_PIN_CHARACTERS

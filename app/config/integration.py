"""Integration rules: which MOSIP operation an action triggers, when, and with which data."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from app.config.base import IDENT, EventType, Strict
from app.vocabulary import ActionType


class RuleAction(StrEnum):
    """The actions whose outcome a country's rules decide, spelled as the action types."""

    REGISTER = ActionType.REGISTER.value
    APPROVE_CORRECTION = ActionType.APPROVE_CORRECTION.value


class Operation(StrEnum):
    CREATE_UIN = "create_uin"
    UPDATE_BIOGRAPHICS = "update_biographics"
    MARK_DECEASED = "mark_deceased"


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str | None = None
    event: EventType
    action: RuleAction
    when: str = Field(description="CEL eligibility expression; see `crvs-field config schema`")
    subject: str = Field(pattern=IDENT, description="the section of the person the operation is about")
    operation: Operation
    process: str = Field(pattern=r"^[A-Z][A-Z_]*$", description="MOSIP process, e.g. CRVS_NEW")
    share: dict[str, str] = Field(
        min_length=1, description="MOSIP ID-schema field -> CEL expression giving its value")
    meta: dict[str, str] = Field(default_factory=dict, description="metaInfo / extra fields (CEL)")
    notification: dict[Literal["name", "phone", "email"], str] = Field(
        default_factory=dict, description="workflow notificationInfo (CEL)")


class Integration(Strict):
    enabled: bool = True
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_rules(self) -> Integration:
        ids = [r.id for r in self.rules]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"rule ids defined twice: {sorted(dupes)}")
        return self


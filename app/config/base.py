"""Building blocks shared by every part of the country configuration: strict models, identifiers,
translated text, secret references, URLs and the event types."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENT = r"^[a-z][a-z0-9_]*$"
FIELD_ID = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventType(StrEnum):
    BIRTH = "birth"
    DEATH = "death"



LocalizedText = dict[str, str]  # language code -> text


class SecretRef(Strict):
    """Where a secret comes from. `secret` names an entry of the encrypted store (production);
    `file` is a path relative to the country directory, allowed for demo keys only."""

    secret: str | None = Field(default=None, pattern=IDENT)
    file: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.secret is None) == (self.file is None):
            raise ValueError("give exactly one of 'secret' or 'file'")
        return self


HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s/]+(/\S*)?$")]

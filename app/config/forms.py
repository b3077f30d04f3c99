"""The declaration forms of a country: sections, fields, their checks and visibility."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from app.config.base import FIELD_ID, IDENT, LocalizedText, Strict
from app.vocabulary import PERSON_ATTRIBUTES


class Validation(Strict):
    rule: str = Field(description="CEL expression over the form values; false means invalid")
    message: LocalizedText


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    SELECT = "select"
    ID = "id"
    PHONE = "phone"
    EMAIL = "email"
    NUMBER = "number"


class Option(Strict):
    value: str
    label: LocalizedText | None = None


class FormField(Strict):
    id: str = Field(pattern=FIELD_ID, description="OpenCRVS-style id: <section>.<name>")
    type: FieldType = FieldType.TEXT
    label: LocalizedText | None = None
    required: bool = False
    options: list[Option] | None = None
    default: str | None = None
    pattern: str | None = Field(default=None, description="regular expression the value must match")
    max_length: int = Field(default=200, ge=1, le=10_000)
    validation: list[Validation] = Field(default_factory=list)
    visible_if: str | None = Field(default=None, description="CEL expression; hidden fields are not sent")
    help: LocalizedText | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _options_from_strings(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"value": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            from app.config.patterns import PatternError, compile_pattern

            try:
                compile_pattern(value)
            except PatternError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _select_has_options(self) -> FormField:
        if self.type is FieldType.SELECT and not self.options:
            raise ValueError("a select field needs options")
        if self.type is not FieldType.SELECT and self.options:
            raise ValueError("only select fields take options")
        if self.default is not None and self.options and self.default not in self.option_values:
            raise ValueError(f"default {self.default!r} is not one of the options")
        if self.name in PERSON_ATTRIBUTES:
            raise ValueError(f"'{self.name}' is reserved for the person's MOSIP state")
        return self

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def option_values(self) -> list[str]:
        return [o.value for o in self.options or []]


class Section(Strict):
    id: str = Field(pattern=IDENT)
    label: LocalizedText | None = None
    identity: bool = Field(default=False, description="a person: offers QR scan, e-Signet, verification")
    visible_if: str | None = None
    fields: list[FormField] = Field(min_length=1)

    @model_validator(mode="after")
    def _fields_belong_here(self) -> Section:
        seen: set[str] = set()
        for f in self.fields:
            if f.section != self.id:
                raise ValueError(f"field {f.id!r} must start with '{self.id}.'")
            if f.id in seen:
                raise ValueError(f"field {f.id!r} is defined twice")
            seen.add(f.id)
        return self


class Form(Strict):
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_sections(self) -> Form:
        ids = [s.id for s in self.sections]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"section ids defined twice: {sorted(dupes)}")
        return self

    def field(self, field_id: str) -> FormField | None:
        for section in self.sections:
            for f in section.fields:
                if f.id == field_id:
                    return f
        return None

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def field_ids(self) -> list[str]:
        return [f.id for s in self.sections for f in s.fields]


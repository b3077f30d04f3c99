"""The declaration forms of a country: sections, fields, their checks and visibility."""

from __future__ import annotations

import re
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


class Severity(StrEnum):
    BLOCK = "block"   # the declaration cannot be declared, validated or registered as it is
    WARN = "warn"     # accepted once the officer confirms it; the confirmation is kept in the history


MESSAGE_PARAMETER = re.compile(r"\{([^{}]*)\}")


class Plausibility(Strict):
    """A check across fields that a form's field types cannot express (e.g. the mother's age at
    the birth). `when` is true when the declaration is implausible; the message is shown next to
    `fields`, with `{name}` replaced by `params[name]` or by the value of the field `name`."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str | None = None
    when: str = Field(description="CEL over the declaration (as `visible_if`); true means implausible")
    severity: Severity
    fields: list[str] = Field(min_length=1, max_length=8,
                              description="field ids the message is shown next to, first one focused")
    message: LocalizedText = Field(min_length=1, description="language -> text; {name} parameters")
    params: dict[str, str] = Field(default_factory=dict, max_length=8,
                                   description="parameter name -> CEL expression giving its value")

    @field_validator("params")
    @classmethod
    def _parameter_names(cls, params: dict[str, str]) -> dict[str, str]:
        for name in params:
            if not re.fullmatch(IDENT, name):
                raise ValueError(f"parameter name {name!r} must be a lower-case identifier")
        return params

    @field_validator("message")
    @classmethod
    def _message_bounded(cls, message: LocalizedText) -> LocalizedText:
        for text in message.values():
            if not text.strip() or len(text) > 500:
                raise ValueError("each message is between 1 and 500 characters")
        return message


class Form(Strict):
    sections: list[Section] = Field(min_length=1)
    plausibility: list[Plausibility] = Field(
        default_factory=list, max_length=100,
        description="checks across fields, evaluated on declare, validate and register (block) and "
                    "shown live in the form")

    @model_validator(mode="after")
    def _unique_sections(self) -> Form:
        ids = [s.id for s in self.sections]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"section ids defined twice: {sorted(dupes)}")
        rule_ids = [p.id for p in self.plausibility]
        dupes = {i for i in rule_ids if rule_ids.count(i) > 1}
        if dupes:
            raise ValueError(f"plausibility ids defined twice: {sorted(dupes)}")
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


"""What every window needs: the services, who is signed in, and the outside world (sync, e-Signet)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.config.loader import LoadedCountry
from app.config.models import Form, FormField
from app.identity.esignet_api import ESignetLogin
from app.records import Actor, RecordService
from app.records.workflow import Role
from app.security.users import UserService
from app.sync_status import SyncStatusHub
from ui.i18n import pick

CAMERA_ENV = "CRVS_FIELD_CAMERA"   # a camera index, or a video/image file (demo, tests)


@dataclass
class AppContext:
    country: LoadedCountry
    records: RecordService
    users: UserService
    actor: Actor | None = None
    language: str = "en"
    sync_hub: SyncStatusHub | None = None
    sync_now: Callable[[], Any] | None = None
    esignet: ESignetLogin | None = None
    camera: str | int = field(default_factory=lambda: os.environ.get(CAMERA_ENV, "0"))
    db: Any = None

    def __post_init__(self) -> None:
        from ui.errors import set_param_words  # the core's errors name sections by id
        from ui.i18n import set_mode

        set_param_words("sections", self.sections_text)
        set_param_words("section", self.sections_text)
        set_mode(self.country.config.mode.value)

    def sections_text(self, ids: str) -> str:
        """Section ids ("mother, father") as the country labels them, in the user's language."""
        labels = {s.id: pick(s.label, s.id) for form in self.country.config.forms.values() for s in form.sections}
        return ", ".join(labels.get(i.strip(), i.strip()) for i in ids.split(","))

    @property
    def role(self) -> Role | None:
        return self.actor.role if self.actor else None

    def today(self) -> dt.date:
        return self.records.clock().date()

    def form(self, event: str) -> Form:
        return self.country.config.form(event)

    def field_label(self, form_field: FormField) -> str:
        return pick(form_field.label, form_field.name)

    def option_label(self, form_field: FormField, value: str) -> str:
        for option in form_field.options or []:
            if option.value == value:
                return pick(option.label, value)
        return value

    def display_value(self, event: str, field_id: str, value: Any) -> str:
        form_field = self.form(event).field(field_id)
        if form_field is None or value is None:
            return "" if value is None else str(value)
        if form_field.options:
            return self.option_label(form_field, str(value))
        return str(value)

    def subject_name(self, event: str, declaration: dict[str, Any]) -> str:
        """The record's main person (the child, the deceased) for lists: given + family name."""
        return self.person_name(event, self.form(event).sections[0].id, declaration)

    def person_name(self, event: str, section: str, declaration: dict[str, Any]) -> str:
        """A person section's given + family name, as declared ("" when not typed yet)."""
        names = self.country.config.identity.fields
        parts = [declaration.get(f"{section}.{names[key]}") for key in ("given_name", "family_name")
                 if key in names]
        return " ".join(p for p in parts if p)

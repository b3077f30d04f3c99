"""Country configuration: the data that makes the same code serve different countries.

Everything country-specific (forms, eligibility rules, MOSIP field mappings, endpoints, keys,
identity mappings, work queues) lives here as validated data; `crvs-field config schema` exports
the JSON Schema of `Country` for editors. Cross-references (field ids used in rules and mappings,
ID-schema names) are checked by `app.config.loader`, which knows the whole document.

`Country` is the whole document; its parts live beside it (`base`, `forms`, `integration`, `mosip`,
`identity`, `office`, `device`) and are re-exported here, the one name callers import from.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from app.config.base import FIELD_ID, IDENT, EventType, HttpUrl, LocalizedText, SecretRef, Strict
from app.config.device import BackupConfig, BackupDestination, SecurityConfig, SyncConfig
from app.config.forms import FieldType, Form, FormField, Option, Plausibility, Section, Severity, Validation
from app.config.identity import ESignetConfig, IdentityConfig, IdentityKey, QrConfig, QrFormat, TrustedIssuer
from app.config.integration import Integration, Operation, Rule, RuleAction
from app.config.mosip import (
    ConfirmationsConfig,
    ConfirmationsMode,
    IdaConfig,
    MosipConfig,
    PacketsConfig,
    WebSubConfig,
)
from app.config.office import CorrectionsConfig, RegistrationConfig, WorkQueue, default_workqueues

__all__ = [
    "FIELD_ID", "IDENT", "BackupConfig", "BackupDestination", "ConfirmationsConfig", "ConfirmationsMode",
    "CorrectionsConfig", "Country", "ESignetConfig", "EventType", "FieldType", "Form", "FormField", "HttpUrl",
    "IdaConfig", "IdentityConfig", "IdentityKey", "Integration", "LocalizedText", "MosipConfig", "Operation",
    "Option", "PacketsConfig", "Plausibility", "QrConfig", "QrFormat", "RegistrationConfig", "Rule", "RuleAction",
    "SecretRef", "Section", "SecurityConfig", "Severity", "Strict", "SyncConfig", "TrustedIssuer", "Validation",
    "WebSubConfig", "WorkQueue", "default_workqueues",
]


class Country(Strict):
    country: str = Field(pattern=IDENT)
    languages: list[str] = Field(min_length=1, description="UI languages; the first is the default")
    mosip_languages: list[str] = Field(min_length=1, description="MOSIP language codes, preferred first")
    forms: dict[EventType, Form]
    workqueues: list[WorkQueue] = Field(default_factory=default_workqueues)
    registration: RegistrationConfig = Field(default_factory=RegistrationConfig)
    corrections: CorrectionsConfig = Field(default_factory=CorrectionsConfig)
    mosip: MosipConfig
    integration: Integration = Field(default_factory=Integration)
    identity: IdentityConfig
    sync: SyncConfig = Field(default_factory=SyncConfig)
    security: SecurityConfig = Field(default_factory=SecurityConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)

    @model_validator(mode="after")
    def _relay_backups_need_the_relay(self) -> Country:
        if any(d.relay for d in self.backup.destinations) \
                and self.mosip.confirmations.mode is not ConfirmationsMode.RELAY:
            raise ValueError("backup destination `relay: true` needs mosip.confirmations.mode: relay (the "
                             "relay's URL and this device's credential)")
        return self

    def form(self, event: EventType | str) -> Form:
        return self.forms[EventType(event)]

    def rules_for(self, event: EventType | str, action: RuleAction | str) -> list[Rule]:
        if not self.integration.enabled:
            return []
        return [r for r in self.integration.rules
                if r.event == EventType(event) and r.action == RuleAction(action)]

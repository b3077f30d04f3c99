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
from app.config.opencrvs import DeploymentConfig, OpenCrvsConfig, mapping_problems
from app.vocabulary import DeploymentMode

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
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    opencrvs: OpenCrvsConfig | None = Field(default=None, description="needed by deployment.mode opencrvs")

    @model_validator(mode="after")
    def _opencrvs_section_fits_the_forms(self) -> Country:
        if self.opencrvs is None:
            if self.deployment.mode is DeploymentMode.OPENCRVS:
                raise ValueError("deployment.mode opencrvs needs an `opencrvs:` section (base URL, system "
                                 "client, office, event mappings)")
            return self
        missing = sorted(set(self.forms) - set(self.opencrvs.events))
        if missing and self.deployment.mode is DeploymentMode.OPENCRVS:
            raise ValueError(f"opencrvs.events has no mapping for {', '.join(missing)}")
        problems = [f"opencrvs.events.{event.value}: {problem}" for event, mapping in self.opencrvs.events.items()
                    if event in self.forms for problem in mapping_problems(mapping, self.forms[event])]
        if problems:
            raise ValueError("; ".join(problems[:10]))
        return self

    @property
    def mode(self) -> DeploymentMode:
        return self.deployment.mode

    @property
    def workqueues_in_mode(self) -> list[WorkQueue]:
        """The work queues this deployment mode shows (`WorkQueue.modes`)."""
        return [queue for queue in self.workqueues if queue.shown_in(self.deployment.mode)]

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
        if not self.integration.enabled or self.deployment.mode is DeploymentMode.OPENCRVS:
            return []   # in opencrvs mode OpenCRVS core runs the UIN lifecycle
        return [r for r in self.integration.rules
                if r.event == EventType(event) and r.action == RuleAction(action)]

"""Country configuration: the data that makes the same code serve different countries.

Everything country-specific (forms, eligibility rules, MOSIP field mappings, endpoints, keys,
identity mappings, work queues) lives here as validated data; `crvs-field config schema` exports
the JSON Schema of `Country` for editors. Cross-references (field ids used in rules and mappings,
ID-schema names) are checked by `app.config.loader`, which knows the whole document.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.security.pins import MIN_DISTINCT_PIN_CHARACTERS, MIN_PIN_LENGTH
from app.vocabulary import PERSON_ATTRIBUTES, ActionType

IDENT = r"^[a-z][a-z0-9_]*$"
FIELD_ID = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventType(StrEnum):
    BIRTH = "birth"
    DEATH = "death"


class RuleAction(StrEnum):
    """The actions whose outcome a country's rules decide, spelled as the action types."""

    REGISTER = ActionType.REGISTER.value
    APPROVE_CORRECTION = ActionType.APPROVE_CORRECTION.value


class Operation(StrEnum):
    CREATE_UIN = "create_uin"
    UPDATE_BIOGRAPHICS = "update_biographics"
    MARK_DECEASED = "mark_deceased"


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


HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s/]+(/\S*)?$")]


class IdaConfig(Strict):
    base_url: HttpUrl
    env: Literal["Staging", "Developer", "Pre-Production", "Production"] = "Staging"
    domain_uri: HttpUrl
    misp_license_key: SecretRef
    partner_api_key: SecretRef
    encryption_certificate: SecretRef
    signing_key: SecretRef = Field(description="partner signing private key (PEM)")
    signing_certificate: SecretRef = Field(description="partner signing certificate (PEM)")
    response_signing_certificate: SecretRef = Field(
        description="IDA's certificate for the response-signature header (PEM)")
    individual_id_type: Literal["UIN", "VID", "auto"] = Field(
        default="auto", description="auto: 16 digits = VID, otherwise UIN")
    demographics: list[Literal["name", "dob", "gender", "phone", "email"]] = Field(
        default_factory=lambda: ["name", "dob", "gender"])
    gender_values: dict[Literal["male", "female", "other"], str] = Field(
        default_factory=lambda: {"male": "Male", "female": "Female", "other": "Other"})
    timeout_seconds: float = Field(default=20, gt=0, le=300)


class PacketsConfig(Strict):
    base_url: HttpUrl
    client_id: str
    secret_key: SecretRef
    app_id: str = "regproc"
    center_id: str = Field(pattern=r"^[0-9]{5}$")
    machine_id: str = Field(pattern=r"^[0-9]{5}$")
    source: str = "OPENCRVS"
    schema_version: str = "0.500"
    id_schema_file: str = Field(description="MOSIP ID schema JSON, relative to the country dir")
    timeout_seconds: float = Field(default=30, gt=0, le=300)


class WebSubConfig(Strict):
    hub_url: HttpUrl
    topic: str
    callback_bind: str = Field(default="127.0.0.1:8765", pattern=r"^[0-9A-Za-z.\-:\[\]]+:[0-9]{1,5}$")
    callback_url: HttpUrl
    secret: SecretRef
    decryption_key: SecretRef = Field(description="partner private key the credential is encrypted to")
    lease_seconds: int = Field(default=86_400, ge=60)
    client_id: str = Field(min_length=1, description=(
        "auth-manager client the device subscribes with (not the packet client): MOSIP's hub lets only "
        "the partner's own client, with role SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL, subscribe"))
    client_secret: SecretRef = Field(description="that client's secret key (e.g. {secret: websub_client_secret})")
    app_id: str = "partner"
    data_share_timeout_seconds: float = Field(default=20, gt=0, le=120)

    @model_validator(mode="after")
    def _client_is_the_topics_partner(self) -> WebSubConfig:
        # mosip/websub hub/modules/security/security.bal: <partner>/<EVENT> needs the partner's own client
        partner, slash, _ = self.topic.partition("/")
        if slash and partner != self.client_id:
            raise ValueError(f"websub.client_id must be the partner id the topic names ({partner!r}): "
                             "MOSIP's hub lets only that partner's own client subscribe")
        return self


class ConfirmationsMode(StrEnum):
    RELAY = "relay"     # the country's relay subscribes to the hub; the device pulls from it
    DIRECT = "direct"   # the device's own WebSub callback (only for a device the hub can reach)


class ConfirmationsConfig(Strict):
    """How MOSIP's CREDENTIAL_ISSUED confirmations reach the device. MOSIP's hub only pushes to a
    callback it can reach (mosip/websub hub/start_hub.bal), which a field device behind NAT is not:
    `relay` is the deployable answer, `direct` the device's own callback (mosip.websub.callback_*)."""

    mode: ConfirmationsMode = ConfirmationsMode.DIRECT
    relay_url: HttpUrl | None = Field(default=None, description="the relay's base URL (https://…)")
    device_credential: SecretRef | None = Field(
        default=None, description="this device's relay token, from `crvs-relay device add` "
                                  "(e.g. {secret: relay_device_token})")
    poll_every_seconds: int = Field(default=60, ge=5, le=86_400,
                                    description="how often the relay is asked while anything awaits confirmation")
    timeout_seconds: float = Field(default=20, gt=0, le=120)

    @model_validator(mode="after")
    def _relay_needs_url_and_credential(self) -> ConfirmationsConfig:
        if self.mode is ConfirmationsMode.RELAY:
            missing = [name for name in ("relay_url", "device_credential") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"mode relay needs {' and '.join(missing)} (the relay's URL and this "
                                 "device's credential from `crvs-relay device add`)")
        return self


class MosipConfig(Strict):
    partner_id: str
    ida: IdaConfig
    packets: PacketsConfig
    websub: WebSubConfig
    confirmations: ConfirmationsConfig = Field(default_factory=ConfirmationsConfig)
    store_uin: bool = Field(default=False, description="keep only the VID unless true")


class ESignetConfig(Strict):
    issuer: HttpUrl
    client_id: str
    client_key: SecretRef = Field(description="private JWK or PEM used for private_key_jwt")
    client_key_id: str | None = None
    encryption_key: SecretRef | None = Field(default=None, description="for JWE userinfo")
    acr_values: list[str] = Field(default_factory=lambda: ["mosip:idp:acr:generated-code"])
    accepted_acr: list[str] | None = Field(
        default=None, description="authentication classes (the id_token's acr) that mark a person "
                                  "authenticated; default: acr_values")
    claims: dict[str, Literal["essential", "voluntary"]] = Field(
        default_factory=lambda: {"name": "essential", "birthdate": "essential"})
    timeout_seconds: float = Field(default=120, gt=0, le=900)
    redirect_ports: list[int] = Field(
        default_factory=lambda: [53141, 53142, 53143], min_length=1, max_length=10,
        description="loopback ports the login listens on, first free one wins; register "
                    "http://127.0.0.1:<port>/callback for each with e-Signet, which matches redirect "
                    "URIs exactly")

    @field_validator("redirect_ports")
    @classmethod
    def _unprivileged_distinct_ports(cls, ports: list[int]) -> list[int]:
        if any(not 1024 < port < 65536 for port in ports):
            raise ValueError("redirect ports must be between 1025 and 65535")
        if len(set(ports)) != len(ports):
            raise ValueError("redirect ports must be distinct")
        return ports


class QrFormat(StrEnum):
    CLAIM169 = "claim169"
    PIXELPASS_JSON = "pixelpass-json"
    MOSIP_CARD_JSON = "mosip-card-json"
    OPENCRVS_JSON = "opencrvs-json"


class TrustedIssuer(Strict):
    kid: str
    alg: Literal["EdDSA", "ES256"]
    public_key_file: str = Field(description="SPKI PEM, relative to the country dir")


class QrConfig(Strict):
    formats: list[QrFormat] = Field(default_factory=lambda: list(QrFormat))
    accept_unsigned: list[QrFormat] = Field(default_factory=list)
    trusted_issuers: list[TrustedIssuer] = Field(default_factory=list)
    consecutive_reads: int = Field(default=2, ge=1, le=10)

    @model_validator(mode="after")
    def _claim169_is_signed(self) -> QrConfig:
        if QrFormat.CLAIM169 in self.accept_unsigned:
            raise ValueError("Claim 169 codes are signed: they cannot be accepted unsigned")
        return self


IdentityKey = Literal[
    "individual_id", "full_name", "given_name", "middle_name", "family_name",
    "date_of_birth", "gender", "phone", "email", "address",
]


class IdentityConfig(Strict):
    esignet: ESignetConfig | None = None
    qr: QrConfig = Field(default_factory=QrConfig)
    fields: dict[IdentityKey, str] = Field(
        description="normalised identity key -> field name within the person's section "
        "(e.g. given_name: firstname fills mother.firstname)")

    @model_validator(mode="after")
    def _names_needed(self) -> IdentityConfig:
        if "individual_id" not in self.fields:
            raise ValueError("identity.fields must map individual_id (the ID number field)")
        return self


class WorkQueue(Strict):
    id: str = Field(pattern=IDENT)
    label: LocalizedText
    statuses: list[str] = Field(default_factory=list)
    requires_attention: bool = False
    outbox: bool = False

    @model_validator(mode="after")
    def _one_selector(self) -> WorkQueue:
        if sum([bool(self.statuses), self.requires_attention, self.outbox]) != 1:
            raise ValueError("a queue selects by exactly one of statuses, requires_attention, outbox")
        return self


def default_workqueues() -> list[WorkQueue]:
    def q(id_: str, en: str, fr: str, **kw: object) -> WorkQueue:
        return WorkQueue(id=id_, label={"en": en, "fr": fr}, **kw)  # type: ignore[arg-type]

    return [
        q("drafts", "Drafts", "Brouillons", statuses=["draft"]),
        q("pending_validation", "Pending validation", "En attente de validation", statuses=["declared"]),
        q("verification_failed", "Verification failed", "Vérification échouée",
          statuses=["verification_failed"]),
        q("ready_to_register", "Ready to register", "Prêt à enregistrer", statuses=["validated"]),
        q("awaiting_external_validation", "Awaiting external validation",
          "En attente de validation externe", statuses=["awaiting_external_validation"]),
        q("registered", "Registered", "Enregistré", statuses=["registered"]),
        q("correction_requested", "Correction requested", "Correction demandée",
          statuses=["correction_requested"]),
        q("requires_updates", "Requires updates", "Mises à jour requises", statuses=["rejected"]),
        q("requires_attention", "Requires attention", "Nécessite une attention", requires_attention=True),
        q("outbox", "Outbox", "Boîte d'envoi", outbox=True),
    ]


class RegistrationConfig(Strict):
    number_prefix: dict[EventType, str] = Field(
        default_factory=lambda: {EventType.BIRTH: "B", EventType.DEATH: "D"})


class CorrectionsConfig(Strict):
    four_eyes: bool = Field(default=True, description="the officer who requested a correction may not "
                            "approve it; another officer must")


class SyncConfig(Strict):
    drain_every_seconds: int = Field(default=60, ge=5)
    probe_every_seconds: int = Field(default=15, ge=2)
    max_concurrency: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=12, ge=1, le=100)
    backoff_base_seconds: float = Field(default=5, gt=0)
    backoff_max_seconds: float = Field(default=3600, gt=0)
    lease_seconds: float = Field(default=120, gt=0, description="how long a sender holds an item before "
                                 "another may take it over (a crashed agent's items come back after this)")


class BackupDestination(Strict):
    folder: str = Field(min_length=1, max_length=4096, description="a folder, e.g. a mounted USB stick "
                        "(${CRVS_*} variables allowed); missing when the stick is not plugged in: reported")
    label: str | None = Field(default=None, max_length=16, description="how the UI names it (default: the "
                              "folder's name)")

    @property
    def name(self) -> str:
        return self.label or (self.folder.rstrip("/\\").rsplit("/", 1)[-1] or self.folder)[:16]


class BackupConfig(Strict):
    """Scheduled encrypted backups by the sync agent (app/backup.py writes each one)."""

    every_hours: float = Field(default=24, gt=0, le=24 * 31)
    after_registrations: int | None = Field(default=50, ge=1, description="also back up after this many "
                                            "registrations since the last backup")
    destinations: list[BackupDestination] = Field(default_factory=list, max_length=4,
                                                  description="none: no scheduled backup")
    keep: int = Field(default=14, ge=1, le=1000, description="newest archives kept per destination")
    warn_after_hours: float = Field(default=48, gt=0, description="the UI warns when no backup succeeded "
                                    "for this long")


class SecurityConfig(Strict):
    min_pin_length: int = Field(default=MIN_PIN_LENGTH, ge=MIN_PIN_LENGTH, le=64,
                                description="shortest PIN accepted; a country may raise it, never lower it")
    min_distinct_pin_characters: int = Field(default=MIN_DISTINCT_PIN_CHARACTERS, ge=2, le=64,
                                             description="a PIN like 111111 or 121212 is refused")


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

    def form(self, event: EventType | str) -> Form:
        return self.forms[EventType(event)]

    def rules_for(self, event: EventType | str, action: RuleAction | str) -> list[Rule]:
        if not self.integration.enabled:
            return []
        return [r for r in self.integration.rules
                if r.event == EventType(event) and r.action == RuleAction(action)]

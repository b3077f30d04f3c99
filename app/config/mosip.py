"""How the device reaches MOSIP: IDA, the packet manager, WebSub and the confirmations relay."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from app.config.base import HttpUrl, SecretRef, Strict


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

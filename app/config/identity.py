"""Identity tools of a country: e-Signet login, ID QR codes and the identity -> field mapping."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from app.config.base import HttpUrl, SecretRef, Strict


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

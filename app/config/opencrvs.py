"""Who registers (`deployment`), and how the device reaches OpenCRVS core when OpenCRVS does
(`opencrvs`): the system client's credentials, the office it declares from, and how the device's
declaration maps to the fields of OpenCRVS's event forms.

OpenCRVS v2 events API as a system client sees it (opencrvs/opencrvs-core v2.0.0,
d244255356082c3b54fd5f7455e9a8b8d7a71d50): packages/events/src/router/event/actions/index.ts
(create, notify), packages/commons/src/events/ActionInput.ts (NotifyActionInput). Identity fields
per person follow Farajaland's `getMOSIPIntegrationFields` (opencrvs/opencrvs-farajaland
src/events/mosip.ts): `<section>.verified`, `<section>.nid`, `<section>.verify-nid-http-fetch`,
`<section>.id-reader`.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from pydantic import Field, model_validator

from app.config.base import FIELD_ID, IDENT, EventType, HttpUrl, SecretRef, Strict
from app.vocabulary import DeploymentMode

# OpenCRVS field ids: `child.name`, `mother.verify-nid-http-fetch`, `causeOfDeathDetails.causeOfDeathA.interval`
OPENCRVS_FIELD_ID = r"^[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)+$"


class FormShape(Protocol):
    def field(self, field_id: str) -> Any: ...
    def section(self, section_id: str) -> Any: ...


OPENCRVS_ID = r"^[A-Za-z0-9][A-Za-z0-9_\-.:]{0,127}$"


class DeploymentConfig(Strict):
    mode: DeploymentMode = Field(default=DeploymentMode.STANDALONE, description=(
        "standalone: the device registers and runs the UIN lifecycle; opencrvs: the device declares and "
        "notifies OpenCRVS core, where registration (and OpenCRVS's own MOSIP integration) happens"))


class FieldSource(Strict):
    """Where one OpenCRVS field's value comes from. Exactly one of: `field` (one of our fields, its
    value passed as is or through `values`), `parts` (an object built from several of our fields,
    e.g. a NAME `{firstname: mother.firstname, surname: mother.surname}`), `value` (a constant)."""

    field: str | None = Field(default=None, pattern=FIELD_ID)
    values: dict[str, str] | None = Field(default=None, description="our option value -> OpenCRVS option value")
    parts: dict[str, str] | None = Field(default=None, description="OpenCRVS object key -> our field id")
    value: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: object) -> object:
        return {"field": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _exactly_one(self) -> FieldSource:
        given = [name for name in ("field", "parts", "value") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'field', 'parts' or 'value'")
        if self.values is not None and self.field is None:
            raise ValueError("'values' maps the options of a 'field'")
        return self

    def our_fields(self) -> list[str]:
        if self.field is not None:
            return [self.field]
        return list((self.parts or {}).values())


class PersonMapping(Strict):
    """One identity section's MOSIP fields in OpenCRVS's form: the verification status, the national
    id (or the PSUT when only e-Signet identified the person), the e-Signet userinfo and the QR data.
    A field left out is not sent (e.g. Farajaland's `deceased` has no e-Signet fields)."""

    verified: str | None = Field(default=None, pattern=OPENCRVS_FIELD_ID, description="VERIFICATION_STATUS field")
    nid: str | None = Field(default=None, pattern=OPENCRVS_FIELD_ID, description="ID field")
    userinfo: str | None = Field(default=None, pattern=OPENCRVS_FIELD_ID,
                                 description="HTTP field holding {data: <e-Signet userinfo>}")
    qr: str | None = Field(default=None, pattern=OPENCRVS_FIELD_ID, description="ID_READER field: {data: <QR data>}")


class OpenCrvsEventMapping(Strict):
    type: str = Field(pattern=OPENCRVS_ID, description="OpenCRVS event type id (EventConfig.id)")
    fields: dict[str, FieldSource] = Field(default_factory=dict, description="OpenCRVS field id -> source")
    persons: dict[str, PersonMapping] = Field(default_factory=dict,
                                              description="our identity section -> its OpenCRVS MOSIP fields")

    @model_validator(mode="after")
    def _opencrvs_ids(self) -> OpenCrvsEventMapping:
        bad = [key for key in self.fields if not re.match(OPENCRVS_FIELD_ID, key)]
        if bad:
            raise ValueError(f"not an OpenCRVS field id: {', '.join(sorted(bad))[:200]}")
        for section in self.persons:
            if not re.match(IDENT, section):
                raise ValueError(f"not a section id: {section[:64]!r}")
        return self


class OpenCrvsConfig(Strict):
    base_url: HttpUrl = Field(description="OpenCRVS gateway, e.g. https://gateway.farajaland.example")
    client_id: SecretRef = Field(description="system client (integration) id")
    client_secret: SecretRef = Field(description="system client secret, shown once by OpenCRVS")
    created_at_location: str = Field(pattern=OPENCRVS_ID, description="the CRVS office id this device declares from")
    events: dict[EventType, OpenCrvsEventMapping]
    timeout_seconds: float = Field(default=20, gt=0, le=120)
    poll_every_seconds: int = Field(default=300, ge=5, le=86_400,
                                    description="how often OpenCRVS's search is asked about submitted records")
    search_batch: int = Field(default=50, ge=1, le=100, description="record ids per search request")


def mapping_problems(mapping: OpenCrvsEventMapping, form: FormShape) -> list[str]:
    """What in an event's mapping names nothing of our form (checked by `config check`)."""
    problems = []
    for opencrvs_id, source in mapping.fields.items():
        for field_id in source.our_fields():
            field = form.field(field_id)
            if field is None:
                problems.append(f"{opencrvs_id}: no field {field_id}")
            elif source.values is not None and field.option_values:
                unknown = sorted(set(field.option_values) - set(source.values))
                if unknown:
                    problems.append(f"{opencrvs_id}: no OpenCRVS value for option(s) {', '.join(unknown)}")
    for section_id in mapping.persons:
        section = form.section(section_id)
        if section is None or not section.identity:
            problems.append(f"persons: {section_id} is not an identity section")
    return problems

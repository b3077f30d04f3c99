"""What the OpenCRVS client needs, from the country configuration and the secrets the caller
resolves (the same `SecretSource` as the MOSIP settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.config.loader import LoadedCountry
from app.config.models import SecretRef
from app.config.opencrvs import OpenCrvsEventMapping
from app.vocabulary import DeploymentMode


class SecretSource(Protocol):
    def resolve(self, country: LoadedCountry, ref: SecretRef) -> bytes: ...


@dataclass(frozen=True)
class OpenCrvsSettings:
    base_url: str                       # the gateway, without a trailing slash
    client_id: str
    client_secret: str
    created_at_location: str
    events: dict[str, OpenCrvsEventMapping]   # our event type -> mapping
    timeout: float = 20.0
    poll_every_seconds: int = 300
    search_batch: int = 50


def load_opencrvs_settings(country: LoadedCountry, secrets: SecretSource) -> OpenCrvsSettings | None:
    """None unless the country runs in deployment mode `opencrvs`."""
    config = country.config
    if config.deployment.mode is not DeploymentMode.OPENCRVS or config.opencrvs is None:
        return None
    crvs = config.opencrvs
    return OpenCrvsSettings(
        base_url=crvs.base_url.rstrip("/"),
        client_id=secrets.resolve(country, crvs.client_id).decode().strip(),
        client_secret=secrets.resolve(country, crvs.client_secret).decode().strip(),
        created_at_location=crvs.created_at_location,
        events={event.value: mapping for event, mapping in crvs.events.items()},
        timeout=crvs.timeout_seconds, poll_every_seconds=crvs.poll_every_seconds, search_batch=crvs.search_batch)

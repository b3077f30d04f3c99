"""Everything the MOSIP clients need, from the country config and secrets the caller resolves.

Pure data: no database, no secret store. The caller (the runtime, the CLI, a test) hands in a
`SecretSource` — the device's `SecretStore` is one — and its errors pass through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import rsa

from app.config.loader import LoadedCountry
from app.config.models import ConfirmationsMode, SecretRef
from app.mosip.ida import IdaCredentials
from app.mosip.packets import PacketCredentials
from app.mosip.relay import RelaySettings
from app.mosip.websub import load_private_key
from app.opencrvs.settings import OpenCrvsSettings, load_opencrvs_settings
from app.vocabulary import DeploymentMode


class SecretSource(Protocol):
    """Whatever reads a secret reference of the country (``{secret: name}`` or ``{file: path}``)."""

    def resolve(self, country: LoadedCountry, ref: SecretRef) -> bytes: ...


@dataclass(frozen=True)
class WebSubSettings:
    hub_url: str
    topic: str
    callback_url: str
    callback_host: str
    callback_port: int
    secret: bytes
    decryption_key: rsa.RSAPrivateKey
    lease_seconds: int
    # the WEBSUB client's own auth-manager credential (not the packet client's)
    auth_base_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    app_id: str = "partner"
    data_share_timeout: float = 20.0


@dataclass(frozen=True)
class MosipSettings:
    ida: IdaCredentials
    # None in deployment mode opencrvs: OpenCRVS's MOSIP integration sends the packets and hears the
    # hub (opencrvs/mosip packages/mosip-api/src/mosip-api.ts; src/websub/subscribe.ts and
    # src/routes/websub-credential-issued.ts); this device only verifies identities with IDA
    packets: PacketCredentials | None
    websub: WebSubSettings | None
    ida_timeout: float
    packets_timeout: float
    relay: RelaySettings | None = None   # confirmations through the relay; None: the direct callback
    opencrvs: OpenCrvsSettings | None = None   # deployment mode opencrvs: declarations go to OpenCRVS core


def load_relay_settings(country: LoadedCountry, secrets: SecretSource) -> RelaySettings | None:
    """The relay and this device's credential when confirmations come through one, else None."""
    confirmations = country.config.mosip.confirmations
    if confirmations.mode is not ConfirmationsMode.RELAY:
        return None
    assert confirmations.relay_url is not None and confirmations.device_credential is not None
    token = secrets.resolve(country, confirmations.device_credential).decode().strip()
    # the device's store knows its admin key (app.security.secrets); other sources send none
    fingerprint = getattr(secrets, "admin_key_fingerprint", None)
    return RelaySettings(base_url=confirmations.relay_url, token=token, timeout=confirmations.timeout_seconds,
                         admin_key=fingerprint() if callable(fingerprint) else "")


def load_settings(country: LoadedCountry, secrets: SecretSource) -> MosipSettings:
    """Raises what ``secrets`` raises for the first secret it lacks (MissingSecret for the store)."""
    mosip = country.config.mosip

    def get(ref: SecretRef) -> bytes:
        return secrets.resolve(country, ref)

    ida = IdaCredentials.from_pem(
        encryption_certificate=get(mosip.ida.encryption_certificate),
        response_signing_certificate=get(mosip.ida.response_signing_certificate),
        signing_key=get(mosip.ida.signing_key), signing_certificate=get(mosip.ida.signing_certificate),
        base_url=mosip.ida.base_url, misp_license_key=get(mosip.ida.misp_license_key).decode().strip(),
        partner_id=mosip.partner_id, partner_api_key=get(mosip.ida.partner_api_key).decode().strip(),
        env=mosip.ida.env, domain_uri=mosip.ida.domain_uri)
    if country.config.deployment.mode is DeploymentMode.OPENCRVS:
        return MosipSettings(ida=ida, packets=None, websub=None, ida_timeout=mosip.ida.timeout_seconds,
                             packets_timeout=mosip.packets.timeout_seconds,
                             relay=load_relay_settings(country, secrets),
                             opencrvs=load_opencrvs_settings(country, secrets))
    packets = PacketCredentials(base_url=mosip.packets.base_url, client_id=mosip.packets.client_id,
                                secret_key=get(mosip.packets.secret_key).decode().strip(),
                                app_id=mosip.packets.app_id)
    host, _, port = mosip.websub.callback_bind.rpartition(":")
    websub = WebSubSettings(hub_url=mosip.websub.hub_url, topic=mosip.websub.topic,
                            callback_url=mosip.websub.callback_url, callback_host=host.strip("[]"),
                            callback_port=int(port), secret=get(mosip.websub.secret).strip(),
                            decryption_key=load_private_key(get(mosip.websub.decryption_key)),
                            lease_seconds=mosip.websub.lease_seconds, auth_base_url=mosip.packets.base_url,
                            client_id=mosip.websub.client_id,
                            client_secret=get(mosip.websub.client_secret).decode().strip(),
                            app_id=mosip.websub.app_id,
                            data_share_timeout=mosip.websub.data_share_timeout_seconds)
    return MosipSettings(ida=ida, packets=packets, websub=websub, ida_timeout=mosip.ida.timeout_seconds,
                         packets_timeout=mosip.packets.timeout_seconds,
                         relay=load_relay_settings(country, secrets),
                         opencrvs=load_opencrvs_settings(country, secrets))

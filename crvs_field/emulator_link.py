"""Pointing a device at a MOSIP emulator (demo and tests): register the country's partner
certificates with it and store the credentials it hands out in the device's encrypted store.

Talks to the emulator's admin API over HTTP only — the emulator is a separate program."""

from __future__ import annotations

import json
import os
import secrets as pysecrets
from typing import Any

import httpx

from app.config.loader import LoadedCountry
from app.identity.esignet_loopback import loopback_redirect_uris
from app.records.service import Actor
from app.security.secrets import SecretStore

DEMO_MISP_LICENSE_KEY = "demo-misp-license-key-not-secret"
DEMO_PARTNER_API_KEY = "demo-partner-api-key-not-secret"


def emulator_environment(base_url: str, client_config: dict[str, Any], *, callback_port: int) -> dict[str, str]:
    """The environment variables that point a country configuration at the emulator."""
    return {
        "CRVS_MOSIP_BASE_URL": base_url,
        "CRVS_WEBSUB_HUB_URL": client_config["websub"]["hub_url"],
        "CRVS_ESIGNET_ISSUER": client_config["esignet"]["issuer"],
        "CRVS_PACKET_CLIENT_ID": client_config["packet_manager"]["client_id"],
        "CRVS_WEBSUB_CALLBACK_BIND": f"127.0.0.1:{callback_port}",
        "CRVS_WEBSUB_CALLBACK_URL": f"http://127.0.0.1:{callback_port}/websub",
    }


def fetch_client_config(base_url: str) -> dict[str, Any]:
    response = httpx.get(f"{base_url.rstrip('/')}/admin/client-config", timeout=10)
    response.raise_for_status()
    return response.json()


def link_device(country: LoadedCountry, store: SecretStore, base_url: str,
                client_config: dict[str, Any] | None = None, *, actor: Actor) -> dict[str, Any]:
    """Register this country's demo partner with the emulator and import what the device needs.
    Returns the partner's WEBSUB client (client_id, secret_key, app_id): a relay subscribes with it."""
    config = client_config or fetch_client_config(base_url)
    mosip = country.config.mosip
    signing_cert = store.resolve(country, mosip.ida.signing_certificate).decode()
    decryption_ref = mosip.websub.decryption_key
    if decryption_ref.file is None:
        raise ValueError("linking to an emulator needs demo key files in the country configuration")
    encryption_cert = country.resolve(decryption_ref.file.replace(".key.pem", ".cert.pem")).read_text()
    response = httpx.post(f"{base_url.rstrip('/')}/admin/partners", timeout=10, json={
        "partner_id": mosip.partner_id, "misp_license_key": DEMO_MISP_LICENSE_KEY,
        "api_key": DEMO_PARTNER_API_KEY, "signing_cert_pem": signing_cert,
        "encryption_cert_pem": encryption_cert})
    response.raise_for_status()
    websub_client = response.json().get("websub_client") or {}   # the partner's own WEBSUB client
    esignet = country.config.identity.esignet
    if esignet is not None and esignet.client_key.file:
        public_path = country.resolve(esignet.client_key.file.replace(".jwk.json", ".pub.jwk.json"))
        body: dict[str, Any] = {"client_id": esignet.client_id, "public_jwks": {"keys": [json.loads(
            public_path.read_text())]}, "redirect_uris": loopback_redirect_uris(esignet.redirect_ports),
            "userinfo_response_type": "JWS"}
        if esignet.encryption_key and esignet.encryption_key.file:
            enc_public = country.resolve(esignet.encryption_key.file.replace(".jwk.json", ".pub.jwk.json"))
            body["userinfo_response_type"] = "JWE"
            body["encryption_jwk"] = json.loads(enc_public.read_text())
        httpx.post(f"{base_url.rstrip('/')}/admin/esignet/clients", json=body, timeout=10).raise_for_status()
    ida = config["ida"]
    values = {
        "misp_license_key": DEMO_MISP_LICENSE_KEY, "partner_api_key": DEMO_PARTNER_API_KEY,
        "ida_encryption_cert": ida["encryption_certificate_pem"],
        "ida_response_signing_cert": ida["response_signing_certificate_pem"],
        "packet_client_secret": config["packet_manager"]["secret_key"],
        "websub_secret": os.environ.get("CRVS_DEMO_WEBSUB_SECRET") or pysecrets.token_urlsafe(24),
        "websub_client_secret": websub_client.get("secret_key", ""),
    }
    for name, value in values.items():
        store.put(name, value.encode(), actor=actor)
    return dict(websub_client)


def relay_environment(relay_url: str) -> dict[str, str]:
    """The environment variables that send a country's confirmations through a relay."""
    return {"CRVS_CONFIRMATIONS_MODE": "relay", "CRVS_RELAY_URL": relay_url}

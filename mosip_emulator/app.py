"""The emulator: state, services and the Starlette application that serves them.

Routes (all on one base URL):

| path | what |
|---|---|
| ``POST /idauthentication/v1/auth/{misp}/{partner}/{apikey}`` (also ``/kyc/...``) | IDA (:mod:`.ida`) |
| ``POST /v1/authmanager/authenticate/clientidsecretkey`` | auth manager |
| ``PUT /commons/v1/packetmanager/createPacket`` | packet manager |
| ``POST /registrationprocessor/v1/workflowmanager/workflowinstance`` | registration processor |
| ``PATCH /idrepository/v1/identity``, ``PATCH /idrepository/v1/vid/{VID}`` | ID repository |
| ``POST /hub`` (also ``/websub/hub``) | WebSub hub (:mod:`.websub`) |
| ``GET /v1/datashare/get/{policy}/{partner}/{key}`` | data share (credential by reference, :mod:`.websub`) |
| ``/.well-known/...``, ``/authorize``, ``/v1/esignet/...`` | e-Signet (:mod:`.esignet`) |
| ``/admin/...`` | inspection, partners (data-share policy), hub restart, faults, e-Signet clients (never faulted) |
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from . import crypto
from .esignet import ESignet
from .faults import FaultInjector, FaultMiddleware, FaultRule
from .fixtures import IdentityStore, load_identities
from .ida import IdaService
from .lifecycle import Lifecycle
from .state import DEFAULT_ESIGNET_CLIENT_ID, Partner, StateDir
from .util import Counters, iso_ms
from .websub import Hub

log = logging.getLogger("mosip_emulator")



@dataclass
class EmulatorConfig:
    credential_delay: float = 2.0          # seconds between workflow start and processing (0: inline)
    ida_time_window: float = 30.0          # ± seconds accepted for requestTime (IDA-MLC-001 outside)
    unknown_uin_code: str = "IDA-MLC-018"  # current IDA (UIN/VID not held); "IDA-MLC-002": older IDA's MLC-002/-004
    token_ttl: float = 3600.0              # auth-manager JWT lifetime
    # WebSub delivery, as mosip/websub's hub (configurations.bal MESSAGE_DELIVERY_*; start_hub.bal): a
    # connection failure is retried after redelivery_initial s, ×2 each time, capped…
    redelivery_initial: float = 3.0
    redelivery_max_interval: float = 20.0   # …at this (the HubClient's maxWaitInterval)…
    redelivery_max_attempts: int = 4        # …attempts in all (1 + MESSAGE_DELIVERY_COUNT); then the consumer stops
    delivery_timeout: float = 10.0         # per delivery / intent-verification HTTP call (MESSAGE_DELIVERY_TIMEOUT)
    default_lease_seconds: int = 864000    # websubhub's default; echoed, never enforced
    death_credential: bool = False         # CRVS_DEATH also publishes CREDENTIAL_ISSUED (subject: id, vcVer)
    hub_requires_token: bool = True        # subscribe needs the partner's own WEBSUB token (SECURITY_ON)
    hub_trailing_slash: bool = True        # deliveries to callback + "/" (MOSIP hub 1.2.0.x; False: 1.3.x)
    hub_backlog_before_subscribe: bool = False  # a new subscriber also gets what was published before it
    data_share_partners: tuple[str, ...] = ()   # partners whose policy shares the credential by data share
    data_share_transactions_allowed: int = 2    # reads a data share allows (-1: unlimited)
    data_share_valid_minutes: float = 30.0


class Emulator:
    """Everything the emulator knows; ``asgi_app()`` serves it.  Not thread-safe: mutate in its loop."""

    def __init__(
        self,
        state_dir: Path,
        *,
        identities: str | Path | list[dict[str, Any]] | None = None,
        config: EmulatorConfig | None = None,
        faults: list[FaultRule | str] | None = None,
        partners: list[Partner] | None = None,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.state = StateDir(Path(state_dir))
        persisted = self.state.path / "identities.json"
        if isinstance(identities, list):
            people = identities
        elif identities is not None:
            people = load_identities(identities)
        elif persisted.exists():
            people = load_identities(persisted)
        else:
            people = load_identities()
        self.identities = IdentityStore(people, persist_path=persisted)
        self.counters = Counters()
        self.ida = IdaService(self)
        self.lifecycle = Lifecycle(self)
        self.hub = Hub(self)
        rules = [f if isinstance(f, FaultRule) else FaultRule.parse(f) for f in faults or []]
        self.faults = FaultInjector(rules)
        for partner in partners or []:
            self.state.register_partner(partner)
        self.base_url = "http://127.0.0.1"
        self.loop: asyncio.AbstractEventLoop | None = None
        # e-Signet shares the identity store: a UIN created by CRVS_NEW can log in at once
        self.esignet = ESignet(self.state.path, self.identities.lookup)
        default = self.state.esignet_clients.get(DEFAULT_ESIGNET_CLIENT_ID)
        if default:
            self.esignet.register_client(
                default["client_id"], default["public_jwks"], default["redirect_uris"],
                default.get("userinfo_response_type", "JWS"), default.get("encryption_jwk"))

    # ------------------------------------------------------------------------------------------ setup
    def set_base_url(self, url: str) -> None:
        self.base_url = url.rstrip("/")
        self.esignet.issuer = self.base_url

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.loop = asyncio.get_running_loop()
        await self.hub.start()
        try:
            yield
        finally:
            await self.hub.stop()
            self.identities.flush()

    def routes(self) -> list[BaseRoute]:
        lc = self.lifecycle
        routes: list[BaseRoute] = [
            Route("/idauthentication/v1/{controller}/{misp}/{partner}/{apikey}", self._ida, methods=["POST"]),
            Route("/v1/authmanager/authenticate/clientidsecretkey", lc.authenticate, methods=["POST"]),
            Route("/commons/v1/packetmanager/createPacket", lc.create_packet, methods=["PUT", "POST"]),
            Route("/registrationprocessor/v1/workflowmanager/workflowinstance", lc.workflow_instance,
                  methods=["POST"]),
            Route("/idrepository/v1/identity", lc.patch_identity, methods=["PATCH"]),
            Route("/idrepository/v1/identity/", lc.patch_identity, methods=["PATCH"]),
            Route("/idrepository/v1/vid/{vid}", lc.patch_vid, methods=["PATCH"]),
            Route("/hub", self.hub.handle, methods=["POST"]),
            Route("/websub/hub", self.hub.handle, methods=["POST"]),
            Route("/v1/datashare/get/{policy}/{partner}/{key}", self.hub.data_share_get, methods=["GET"]),
            Route("/.well-known/public-key.json", self._public_key, methods=["GET"]),
            Route("/.well-known/controller.json", self._controller, methods=["GET"]),
            Route("/.well-known/mosip-context.json", self._mosip_context, methods=["GET"]),
            Route("/admin/health", self._health, methods=["GET"]),
            Route("/admin/state", self._state, methods=["GET"]),
            Route("/admin/identities", self._identities, methods=["GET"]),
            Route("/admin/identities/{individual_id}", self._identity, methods=["GET"]),
            Route("/admin/process-pending", self._process_pending, methods=["POST"]),
            Route("/admin/partners", self._partners, methods=["GET", "POST"]),
            Route("/admin/partners/{partner_id}/policy", self._partner_policy, methods=["POST"]),
            Route("/admin/hub/restart", self._hub_restart, methods=["POST"]),
            Route("/admin/faults", self._faults, methods=["GET", "POST", "DELETE"]),
            Route("/admin/esignet/clients", self._esignet_clients, methods=["GET", "POST"]),
            Route("/admin/client-config", self._client_config, methods=["GET"]),
            Route("/admin/ida-certificate", self._ida_certificate, methods=["GET"]),
        ]
        routes.extend(self.esignet.routes())
        return routes

    def asgi_app(self) -> FaultMiddleware:
        app = Starlette(routes=self.routes(), lifespan=self.lifespan)
        return FaultMiddleware(app, self.faults)

    # ------------------------------------------------------------------------------------------ handlers
    async def _ida(self, request: Request) -> Response:
        if request.path_params["controller"] not in ("auth", "kyc"):
            return JSONResponse({"errors": [{"errorCode": "IDA-MLC-009",
                                             "errorMessage": "Invalid Input Parameter - controller"}]},
                                status_code=404)
        return await self.ida.handle(request)

    async def _health(self, request: Request) -> Response:
        return JSONResponse({"status": "UP", "base_url": self.base_url})

    async def _state(self, request: Request) -> Response:
        return JSONResponse(self.inspect())

    async def _identities(self, request: Request) -> Response:
        return JSONResponse(self.identities.all())

    async def _identity(self, request: Request) -> Response:
        ident = self.identities.lookup(request.path_params["individual_id"])
        return JSONResponse(ident) if ident else JSONResponse({"error": "not found"}, status_code=404)

    async def _process_pending(self, request: Request) -> Response:
        return JSONResponse({"processed": self.lifecycle.process_pending()})

    async def _partners(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({pid: _partner_public(p) for pid, p in self.state.partners.items()})
        try:
            data = await request.json()
            if data.get("generate_keys"):
                partner = self.state.make_partner_with_keys(
                    str(data["partner_id"]), str(data["misp_license_key"]), str(data["api_key"]))
            else:
                partner = Partner.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError, crypto.CryptoError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        self.state.register_partner(partner)
        body = _partner_public(partner, with_files=True)
        body["websub_client"] = self.hub.websub_client(partner.partner_id)
        return JSONResponse(body, status_code=201)

    async def _partner_policy(self, request: Request) -> Response:
        """``{"data_share": true|false}``: the partner's credential policy shares by data share or not."""
        partner_id = request.path_params["partner_id"]
        if partner_id not in self.state.partners:
            return JSONResponse({"error": "unknown partner"}, status_code=404)
        try:
            data_share = (await request.json())["data_share"]
            if not isinstance(data_share, bool):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "data_share must be true or false"}, status_code=400)
        (self.hub.data_share_partners.add if data_share else self.hub.data_share_partners.discard)(partner_id)
        return JSONResponse({"partner_id": partner_id, "data_share": data_share})

    async def _hub_restart(self, request: Request) -> Response:
        """As a hub pod restart: every stopped consumer starts again at its committed offset."""
        return JSONResponse({"restarted": self.hub.restart()})

    async def _faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                data = await request.json()
                specs = data.get("rules") or [data.get("spec") or data] if isinstance(data, dict) else data
                for spec in specs if isinstance(specs, list) else [specs]:
                    self.faults.add(FaultRule.parse(spec))
            except (ValueError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(self.faults.describe())

    async def _esignet_clients(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(self.esignet.inspect().get("clients", {}))
        try:
            data = await request.json()
            self.esignet.register_client(
                str(data["client_id"]), data["public_jwks"], list(data["redirect_uris"]),
                data.get("userinfo_response_type", "JWS"), data.get("encryption_jwk"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        self.counters.incr("esignet_clients_registered", str(data["client_id"]))
        return JSONResponse({"client_id": data["client_id"]}, status_code=201)

    async def _client_config(self, request: Request) -> Response:
        return JSONResponse(self.client_config())

    async def _ida_certificate(self, request: Request) -> Response:
        return PlainTextResponse(self.state.ida_enc.cert_pem, media_type="application/x-pem-file")

    # ------------------------------------------------------------------------------------------ domain
    # ------------------------------------------------------------------------------------------ VCs
    @property
    def public_key_url(self) -> str:
        return f"{self.base_url}/.well-known/public-key.json"

    def make_credential(self, rid: str, identity: dict[str, Any] | None, partner_id: str,
                        extra_subject: dict[str, Any] | None = None) -> dict[str, Any]:
        """The W3C VC (MOSIPVerifiableCredential) carried, encrypted, by CREDENTIAL_ISSUED.

        Shape as OpenCRVS's mosip-api validates it (verify-vc.ts): ``@context`` = [W3C v1,
        ``<issuer>/.well-known/mosip-context.json``, ``{"sec": "https://w3id.org/security#"}``],
        ``type`` = [VerifiableCredential, MOSIPVerifiableCredential], ``credentialSubject.id`` ending in
        ``/<RID>``, ``vcVer: "VC-V1"``; a birth subject carries ``UIN`` and ``VID`` (a death subject, see
        ``death_credential``, only ``id`` and ``vcVer``).  ``proof`` = RsaSignature2018 whose ``jws`` is a
        detached PS256 JWS with an unencoded payload (``b64: false``, RFC 7797) over the JCS form of the
        VC without its proof; ``verificationMethod`` = ``/.well-known/public-key.json`` (``publicKeyPem``).
        """
        now = iso_ms()

        def lang_list(values: dict[str, str]) -> list[dict[str, str]]:
            return [{"language": lang, "value": text} for lang, text in values.items() if text]

        subject: dict[str, Any] = {"id": f"{self.base_url}/credentials/{rid}", "vcVer": "VC-V1"}
        if identity is not None:
            address = identity.get("address") or {}
            subject.update({
                "UIN": identity["uin"],
                "VID": identity["vid"],
                "fullName": lang_list(identity["full_name"]),
                "firstName": lang_list(identity["given_name"]),
                "middleName": lang_list(identity["middle_name"]),
                "lastName": lang_list(identity["family_name"]),
                "dateOfBirth": identity.get("dob", ""),
                "gender": lang_list(identity["gender"]),
                "phone": identity.get("phone", ""),
                "email": identity.get("email", ""),
                "addressLine1": address.get("street_address", ""),
                "city": address.get("locality", ""),
                "region": address.get("region", ""),
                "postalCode": address.get("postal_code", ""),
            })
        subject.update(extra_subject or {})
        vc: dict[str, Any] = {
            "@context": ["https://www.w3.org/2018/credentials/v1",
                         f"{self.base_url}/.well-known/mosip-context.json",
                         {"sec": "https://w3id.org/security#"}],
            "type": ["VerifiableCredential", "MOSIPVerifiableCredential"],
            "id": f"{self.base_url}/credentials/{uuid.uuid4()}",
            "issuer": f"{self.base_url}/.well-known/controller.json",
            "issuanceDate": now,
            "issuedTo": partner_id,
            "credentialSubject": subject,
        }
        vc["proof"] = {
            "type": "RsaSignature2018",
            "created": now,
            "proofPurpose": "assertionMethod",
            "verificationMethod": self.public_key_url,
            "jws": crypto.jws_sign_unencoded_ps256(self.state.credential.key, crypto.jcs(vc),
                                                   kid=self.public_key_url),
        }
        return vc

    async def _public_key(self, request: Request) -> Response:
        return JSONResponse({
            "@context": "https://w3id.org/security/v2",
            "type": "RsaVerificationKey2018",
            "id": self.public_key_url,
            "controller": f"{self.base_url}/.well-known/controller.json",
            "publicKeyPem": crypto.public_key_pem(self.state.credential.cert),
        })

    async def _controller(self, request: Request) -> Response:
        return JSONResponse({
            "@context": "https://w3id.org/security/v2",
            "id": f"{self.base_url}/.well-known/controller.json",
            "assertionMethod": [self.public_key_url],
        })

    async def _mosip_context(self, request: Request) -> Response:
        return JSONResponse({"@context": {
            "@version": 1.1, "@protected": False, "id": "@id", "type": "@type",
            "MOSIPVerifiableCredential": {"@id": f"{self.base_url}/.well-known/mosip-context.json#MOSIPVC"},
            "UIN": "https://schema.org/identifier", "VID": "https://schema.org/identifier",
            "vcVer": "https://schema.org/version", "issuedTo": "https://schema.org/recipient",
        }})

    def client_config(self) -> dict[str, Any]:
        """What a client needs: URLs, partner credentials, certificates, key files (demo keys only)."""
        base = self.base_url
        partner = self.state.default_partner
        files = partner.files
        websub_client = self.hub.websub_client(partner.partner_id)
        esignet_clients = []
        for record in self.state.esignet_clients.values():
            esignet_clients.append({
                "client_id": record["client_id"],
                "redirect_uris": record["redirect_uris"],
                "userinfo_response_type": record.get("userinfo_response_type", "JWS"),
                "private_jwk_path": record.get("files", {}).get("private_jwk"),
                "private_key_pem_path": record.get("files", {}).get("private_key_pem"),
                "userinfo_encryption_private_jwk_path": record.get("files", {}).get(
                    "userinfo_encryption_private_jwk"),
                "kid": record["public_jwks"]["keys"][0].get("kid"),
            })
        return {
            "base_url": base,
            "state_dir": str(self.state.path),
            "ida": {
                "base_url": base,
                "auth_url": f"{base}/idauthentication/v1/auth",
                "kyc_url": f"{base}/idauthentication/v1/kyc",
                "domain_uri": base,
                "env": "Staging",
                "partner_id": partner.partner_id,
                "misp_license_key": partner.misp_license_key,
                "api_key": partner.api_key,
                "encryption_certificate_pem": self.state.ida_enc.cert_pem,
                "encryption_certificate_path": str(self.state.ida_enc.cert_path),
                "encryption_certificate_thumbprint": crypto.b64url_encode(self.state.ida_enc.thumbprint),
                "response_signing_certificate_pem": self.state.ida_sign.cert_pem,
                "partner_signing_certificate_pem": partner.signing_cert_pem,
                "partner_signing_key_path": files.get("signing_key_pem"),
                "partner_signing_p12_path": files.get("signing_p12"),
                "p12_password": files.get("p12_password"),
                "request_time_window_seconds": self.config.ida_time_window,
            },
            "packet_manager": {
                "base_url": base,
                "auth_url": f"{base}/v1/authmanager/authenticate/clientidsecretkey",
                "create_packet_url": f"{base}/commons/v1/packetmanager/createPacket",
                "workflow_url": f"{base}/registrationprocessor/v1/workflowmanager/workflowinstance",
                "idrepo_url": f"{base}/idrepository/v1",
                **{k: v for k, v in next(iter(self.state.packet_clients.values())).items()},
            },
            "websub": {
                "hub_url": f"{base}/hub",
                "topic": f"{partner.partner_id}/CREDENTIAL_ISSUED",
                "client_id": websub_client["client_id"] if websub_client else None,
                "client_secret": websub_client["secret_key"] if websub_client else None,
                "app_id": websub_client["app_id"] if websub_client else None,
                "partner_encryption_certificate_pem": partner.encryption_cert_pem,
                "partner_encryption_key_path": files.get("encryption_key_pem"),
                "partner_encryption_p12_path": files.get("encryption_p12"),
                "credential_signing_certificate_pem": self.state.credential.cert_pem,
            },
            "esignet": {
                "issuer": base,
                "discovery_url": f"{base}/.well-known/openid-configuration",
                "otp": self.esignet.otp,
                "clients": esignet_clients,
            },
            "admin": {"state_url": f"{base}/admin/state", "identities_url": f"{base}/admin/identities",
                      "process_pending_url": f"{base}/admin/process-pending",
                      "faults_url": f"{base}/admin/faults",
                      "partners_url": f"{base}/admin/partners",
                      "esignet_clients_url": f"{base}/admin/esignet/clients"},
        }

    def inspect(self) -> dict[str, Any]:
        people = self.identities.all()
        hub = self.hub.inspect()
        return {
            "base_url": self.base_url,
            "config": asdict(self.config),
            "identities": {
                "count": len(people),
                "activated": sum(1 for p in people if p["status"] == "ACTIVATED"),
                "deactivated": sum(1 for p in people if p["status"] != "ACTIVATED"),
            },
            **self.lifecycle.inspect(),
            "hub": hub,
            "subscriptions": hub["subscriptions"],
            "deliveries": [d for s in hub["subscriptions"] for d in s["pending"]],
            "counters": self.counters.snapshot(),
            "faults": self.faults.describe(),
            "partners": sorted(self.state.partners),
            "esignet": self.esignet.inspect(),
        }


def _partner_public(p: Partner, with_files: bool = False) -> dict[str, Any]:
    data = {"partner_id": p.partner_id, "misp_license_key": p.misp_license_key, "api_key": p.api_key,
            "status": p.status, "signing_cert_pem": p.signing_cert_pem,
            "encryption_cert_pem": p.encryption_cert_pem,
            "credential_type": p.credential_type}
    if with_files:
        data["files"] = p.files
    return data

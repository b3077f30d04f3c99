"""The UIN lifecycle: auth manager, packet manager, registration-processor workflow, ID repository.

- ``POST /v1/authmanager/authenticate/clientidsecretkey`` → ``Set-Cookie: Authorization=<jwt>``.
  The other endpoints want ``Cookie: Authorization=<jwt>`` (or an ``Authorization`` header); without a
  valid token they answer 401 with ``KER-ATH-401``.
- ``PUT /commons/v1/packetmanager/createPacket`` validates ``fields`` against the ``schemaJson`` sent
  (``properties.identity.properties``); an unknown field → ``KER-PUT-020``.  A RID that already has a
  packet is answered HTTP 200 with ``errors: [{"errorCode": "RPR-PKR-005", "message": "The request
  received is a duplicate request to upload a Packet"}]`` (registration-processor's duplicate-packet
  error), and nothing else happens: clients treat RPR-PKR-005 as "already done".
- ``POST /registrationprocessor/v1/workflowmanager/workflowinstance`` queues the packet; after
  ``credential_delay`` seconds (0: before the answer) CRVS_NEW creates an identity and publishes
  CREDENTIAL_ISSUED, CRVS_UPDATE updates the identity named by ``VID``/``UIN``/``nationalIdNumber``,
  CRVS_DEATH deactivates it.  A second workflow for the same RID also answers RPR-PKR-005.
- ``PATCH /idrepository/v1/identity`` and ``PATCH /idrepository/v1/vid/{VID}``: direct ID-repo changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import crypto
from .fixtures import GENDERS, LANGUAGES
from .util import iso_ms, mosip_error, mosip_response

if TYPE_CHECKING:
    from .app import Emulator

log = logging.getLogger("mosip_emulator.lifecycle")

PROCESSES = ("CRVS_NEW", "CRVS_UPDATE", "CRVS_DEATH")
DUPLICATE_CODE = "RPR-PKR-005"
DUPLICATE_MESSAGE = "The request received is a duplicate request to upload a Packet"
PACKET_ID = "mosip.commons.packet"
# packet fields a credential partner's policy shares back in the VC (OpenCRVS reads birthCertificateNumber)
PARTNER_SHARED_FIELDS = ("birthCertificateNumber", "deathCertificateNumber")
WORKFLOW_ID = "mosip.registration.processor.workflow.instance"


def _simple(value: Any) -> dict[str, str]:
    """A MOSIP simpleType value ([{language, value}] as JSON text, or plain text) → {lang: text}."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return dict.fromkeys(LANGUAGES, text)
        else:
            return dict.fromkeys(LANGUAGES, text)
    out: dict[str, str] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("language"):
                lang = str(item["language"])
                lang = {"en": "eng", "fr": "fra"}.get(lang, lang)
                out[lang] = str(item.get("value", ""))
    if out:
        first = next(iter(out.values()))
        for lang in LANGUAGES:
            out.setdefault(lang, out.get("eng", first))
    return out


def _gender(value: Any) -> str | None:
    text = next(iter(_simple(value).values()), "") if value else ""
    t = text.strip().lower()
    if t in ("female", "féminin", "feminin", "f"):
        return "Female"
    if t in ("male", "masculin", "m"):
        return "Male"
    if t:
        return "Other"
    return None


def _dob(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("-", "/")
    return text[:10]


def fields_to_identity(fields: dict[str, Any]) -> dict[str, Any]:
    """Packet ``fields`` (MOSIP ID schema names) → changes in fixture shape (only what is present)."""
    out: dict[str, Any] = {}
    given = _simple(fields.get("firstName") or fields.get("givenName")) if (
        fields.get("firstName") or fields.get("givenName")) else {}
    family = _simple(fields.get("lastName") or fields.get("familyName") or fields.get("surname")) if (
        fields.get("lastName") or fields.get("familyName") or fields.get("surname")) else {}
    middle = _simple(fields.get("middleName")) if fields.get("middleName") else {}
    if not given and not family and fields.get("fullName"):
        full = _simple(fields["fullName"])
        given, middle, family = {}, {}, {}
        for lang, text in full.items():
            parts = text.split()
            given[lang] = parts[0] if parts else ""
            family[lang] = parts[-1] if len(parts) > 1 else ""
            middle[lang] = " ".join(parts[1:-1]) if len(parts) > 2 else ""
    if given:
        out["given_name"] = given
    if family:
        out["family_name"] = family
    if middle or given or family:
        out["middle_name"] = middle or dict.fromkeys(LANGUAGES, "")
    dob = _dob(fields.get("dateOfBirth") or fields.get("dob"))
    if dob:
        out["dob"] = dob
    gender = _gender(fields.get("gender"))
    if gender:
        out["gender"] = dict(GENDERS[gender])
    for src, dst in (("phone", "phone"), ("phoneNumber", "phone"), ("email", "email"), ("emailId", "email")):
        if fields.get(src):
            out[dst] = str(fields[src])
    address: dict[str, str] = {}
    lines = [next(iter(_simple(fields[k]).values()), "")
             for k in ("addressLine1", "addressLine2", "addressLine3") if fields.get(k)]
    if lines:
        address["street_address"] = ", ".join(x for x in lines if x)
    for src, dst in (("city", "locality"), ("zone", "locality"), ("region", "region"), ("province", "region"),
                     ("postalCode", "postal_code"), ("country", "country")):
        if fields.get(src) and dst not in address:
            address[dst] = next(iter(_simple(fields[src]).values()), "")
    if address:
        out["address"] = address
    return out


def target_id(fields: dict[str, Any]) -> str | None:
    for key in ("VID", "vid", "UIN", "uin", "nationalIdNumber", "individualId"):
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class SchemaError(Exception):
    pass


def validate_fields(schema_json: Any, fields: Any) -> None:
    """Check ``fields`` against a MOSIP ID schema (JSON Schema of the identity object)."""
    if not isinstance(schema_json, str) or not schema_json.strip():
        raise SchemaError("schemaJson is missing")
    try:
        schema = json.loads(schema_json)
    except ValueError as exc:
        raise SchemaError(f"schemaJson is not JSON: {exc}") from exc
    def member(obj: Any, key: str) -> Any:
        return obj.get(key) if isinstance(obj, dict) else None

    props = member(member(member(schema, "properties"), "identity"), "properties")
    if not isinstance(props, dict) or not props:
        raise SchemaError("schemaJson has no properties.identity.properties")
    if not isinstance(fields, dict):
        raise SchemaError("fields must be an object")
    definitions = member(schema, "definitions")
    definitions = definitions if isinstance(definitions, dict) else {}
    for name, value in fields.items():
        if name not in props:
            raise SchemaError(f"Unknown field: {name}")
        if value is None:
            continue
        if not isinstance(value, str):
            raise SchemaError(f"Field {name}: value must be a string (lists and objects JSON-encoded)")
        spec = props[name] if isinstance(props[name], dict) else {}
        ftype = spec.get("type")
        ref = spec.get("$ref")
        if isinstance(ref, str) and ref:
            target = definitions.get(ref.rsplit("/", 1)[-1])
            ftype = target.get("type", "object") if isinstance(target, dict) else "object"
        if ftype in ("array", "object"):
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise SchemaError(f"Field {name}: expected JSON-encoded {ftype}") from exc
            if ftype == "array" and not isinstance(parsed, list):
                raise SchemaError(f"Field {name}: expected a JSON array")
            if ftype == "object" and not isinstance(parsed, dict):
                raise SchemaError(f"Field {name}: expected a JSON object")
        elif ftype in ("number", "integer"):
            try:
                float(value)
            except ValueError as exc:
                raise SchemaError(f"Field {name}: expected a number") from exc


class Lifecycle:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.packets: dict[str, dict[str, Any]] = {}
        self.workflows: dict[str, dict[str, Any]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    # ------------------------------------------------------------------------------------------ auth
    async def authenticate(self, request: Request) -> Response:
        try:
            body = await request.json()
            req = body.get("request") or {}
            client_id, secret, app_id = req.get("clientId"), req.get("secretKey"), req.get("appId")
        except (ValueError, AttributeError, TypeError):
            return mosip_error("KER-ATH-001", "Invalid request", status_code=400)
        client = self.emu.state.packet_clients.get(str(client_id))
        if client is None or client["secret_key"] != secret or client.get("app_id") != app_id:
            self.emu.counters.incr("auth_failures", str(client_id))
            return mosip_error("KER-ATH-401", "Authentication Failed")
        now = int(time.time())
        claims = {"sub": client_id, "clientId": client_id, "appId": app_id, "iat": now,
                  "exp": now + int(self.emu.config.token_ttl), "iss": f"{self.emu.base_url}/v1/authmanager",
                  "jti": uuid.uuid4().hex, "roles": "REGISTRATION_PROCESSOR,REGISTRATION_ADMIN"}
        token = crypto.jws_sign(self.emu.state.authmanager.key, json.dumps(claims).encode(),
                                {"alg": "RS256", "typ": "JWT"})
        self.emu.counters.incr("tokens_issued", str(client_id))
        resp = mosip_response({"status": "Success",
                               "message": "Clientid and Token combination had been validated successfully"},
                              id="mosip.io.clientId.pwd", version="v1")
        resp.set_cookie("Authorization", token, max_age=int(self.emu.config.token_ttl), httponly=True,
                        path="/")
        return resp

    def authorised(self, request: Request) -> bool:
        token = request.cookies.get("Authorization")
        if not token:
            header = request.headers.get("authorization", "")
            token = header[7:] if header.lower().startswith("bearer ") else header
        if not token:
            return False
        claims = crypto.jwt_decode_verify(token.strip(), self.emu.state.authmanager.cert.public_key())
        return bool(claims) and float(claims.get("exp", 0)) > time.time()

    @staticmethod
    def _unauthorised() -> JSONResponse:
        return mosip_error("KER-ATH-401", "Authentication Failed", status_code=401, id=None, version=None)

    # ------------------------------------------------------------------------------------------ packets
    async def create_packet(self, request: Request) -> Response:
        if not self.authorised(request):
            return self._unauthorised()
        try:
            body = await request.json()
            req = body["request"]
            if not isinstance(req, dict):
                raise TypeError("request is not an object")
            rid = str(req["id"]).strip()
        except (ValueError, KeyError, TypeError):
            return mosip_error("KER-PUT-020", "Packet Validation exception occured. request.id is missing",
                               id=PACKET_ID)
        if not rid:
            return mosip_error("KER-PUT-020", "Packet Validation exception occured. request.id is missing",
                               id=PACKET_ID)
        process, source = req.get("process"), req.get("source")
        if process not in PROCESSES or not source:
            return mosip_error("KER-PUT-025", "Invalid source or process.", id=PACKET_ID)
        if rid in self.packets:
            self.emu.counters.incr("packets_duplicate", rid)
            return mosip_error(DUPLICATE_CODE, DUPLICATE_MESSAGE, id=PACKET_ID)
        try:
            validate_fields(req.get("schemaJson"), req.get("fields"))
        except SchemaError as exc:
            self.emu.counters.incr("packets_rejected", rid)
            return mosip_error("KER-PUT-020", f"Packet Validation exception occured. {exc}", id=PACKET_ID)
        created = iso_ms()
        self.packets[rid] = {
            "rid": rid, "process": process, "source": source, "refId": req.get("refId"),
            "schemaVersion": req.get("schemaVersion"), "fields": dict(req.get("fields") or {}),
            "metaInfo": req.get("metaInfo"), "offlineMode": req.get("offlineMode"), "created": created,
        }
        self.emu.counters.incr("packets_created", rid)
        infos = [
            {"id": rid, "packetName": f"{rid}_{kind}", "source": source, "process": process,
             "refId": req.get("refId"), "schemaVersion": req.get("schemaVersion"), "signature": None,
             "encryptedHash": None, "providerName": "PacketWriterImpl", "providerVersion": "v1.0",
             "creationDate": created}
            for kind in ("id", "evidence", "optional")
        ]
        return mosip_response(infos, id=PACKET_ID)

    # ------------------------------------------------------------------------------------------ workflow
    async def workflow_instance(self, request: Request) -> Response:
        if not self.authorised(request):
            return self._unauthorised()
        try:
            body = await request.json()
            req = body["request"]
            if not isinstance(req, dict):
                raise TypeError("request is not an object")
            rid = str(req["registrationId"]).strip()
        except (ValueError, KeyError, TypeError):
            return mosip_error("RPR-WIN-001", "Invalid request: registrationId is missing", id=WORKFLOW_ID)
        packet = self.packets.get(rid)
        if packet is None:
            return mosip_error("RPR-WIN-404", f"No packet found for registrationId {rid}", id=WORKFLOW_ID)
        if rid in self.workflows:
            self.emu.counters.incr("workflows_duplicate", rid)
            return mosip_error(DUPLICATE_CODE, DUPLICATE_MESSAGE, id=WORKFLOW_ID)
        process = req.get("process") or packet["process"]
        instance_id = str(uuid.uuid4())
        self.workflows[rid] = {"rid": rid, "process": process, "source": req.get("source"),
                               "workflowInstanceId": instance_id, "status": "QUEUED", "created": iso_ms(),
                               "notificationInfo": req.get("notificationInfo"), "result": None}
        self.emu.counters.incr("workflows_started", rid)
        delay = float(self.emu.config.credential_delay)
        if delay <= 0:
            self.process(rid)
        else:
            loop = asyncio.get_running_loop()
            self._timers[rid] = loop.call_later(delay, self.process, rid)
        return mosip_response({"workflowInstanceId": instance_id}, id=WORKFLOW_ID)

    def process_pending(self) -> list[str]:
        done = []
        for rid, wf in list(self.workflows.items()):
            if wf["status"] == "QUEUED":
                self.process(rid)
                done.append(rid)
        return done

    def process(self, rid: str) -> None:
        """Run the registration processor for one RID, exactly once."""
        timer = self._timers.pop(rid, None)
        if timer is not None:
            timer.cancel()
        wf = self.workflows.get(rid)
        if wf is None or wf["status"] != "QUEUED":
            return
        wf["status"] = "PROCESSING"
        packet = self.packets[rid]
        fields = packet["fields"]
        counters = self.emu.counters
        try:
            if wf["process"] == "CRVS_NEW":
                ident = self.emu.identities.create(fields_to_identity(fields))
                counters.incr("identities_created", rid)
                wf["result"] = {"uin": ident["uin"], "vid": ident["vid"]}
                shared = {k: fields[k] for k in PARTNER_SHARED_FIELDS if isinstance(fields.get(k), str)}
                self.emu.hub.publish_credential(rid, ident, shared)
            elif wf["process"] == "CRVS_UPDATE":
                target = target_id(fields)
                changes = fields_to_identity(fields)
                ident = self.emu.identities.update(target, changes) if target else None
                if ident is None:
                    raise LookupError(f"no identity for {target!r}")
                counters.incr("identities_updated", rid)
                wf["result"] = {"uin": ident["uin"], "updated": sorted(changes)}
            elif wf["process"] == "CRVS_DEATH":
                target = target_id(fields)
                ident = self.emu.identities.deactivate(target) if target else None
                if ident is None:
                    raise LookupError(f"no identity for {target!r}")
                counters.incr("identities_deactivated", rid)
                wf["result"] = {"uin": ident["uin"], "status": ident["status"]}
                if self.emu.config.death_credential:
                    self.emu.hub.publish_credential(rid, None)
            else:
                raise ValueError(f"unknown process {wf['process']}")
            wf["status"] = "PROCESSED"
            counters.incr("workflows_processed", rid)
        except Exception as exc:  # a failed packet stays visible in /admin/state, as in MOSIP
            log.warning("workflow %s failed: %s", rid, exc)
            wf["status"] = "FAILED"
            wf["error"] = str(exc)
            counters.incr("workflows_failed", rid)
        wf["processed"] = iso_ms()

    # ------------------------------------------------------------------------------------------ ID repo
    async def patch_identity(self, request: Request) -> Response:
        if not self.authorised(request):
            return self._unauthorised()
        try:
            body = await request.json()
            req = body["request"]
            identity = req.get("identity") or {}
            uin = str(identity.get("UIN") or req.get("registrationId") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            return mosip_error("IDR-IDC-001", "Missing Input Parameter - request", id="mosip.id.update")
        status = req.get("status")
        as_fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in identity.items()}
        changes = fields_to_identity(as_fields)
        ident = self.emu.identities.update(uin, changes) if changes else self.emu.identities.by_uin(uin)
        if ident is None:
            return mosip_error("IDR-IDC-007", "No Record(s) found", id="mosip.id.update")
        if status:
            ident = self.emu.identities.set_status(uin, str(status))
        self.emu.counters.incr("idrepo_updates", uin)
        return mosip_response({"status": ident["status"] if ident else None}, id="mosip.id.update")

    async def patch_vid(self, request: Request) -> Response:
        if not self.authorised(request):
            return self._unauthorised()
        vid = request.path_params["vid"]
        try:
            body = await request.json()
            vid_status = str(body["request"]["vidStatus"])
        except (ValueError, KeyError, TypeError):
            return mosip_error("IDR-VID-001", "Missing Input Parameter - vidStatus", id="mosip.vid.update")
        ident = self.emu.identities.set_vid_status(vid, vid_status)
        if ident is None:
            return mosip_error("IDR-VID-002", "No Record(s) found", id="mosip.vid.update")
        self.emu.counters.incr("vid_updates", vid)
        return mosip_response({"vidStatus": vid_status}, id="mosip.vid.update")

    def inspect(self) -> dict[str, Any]:
        return {
            "packets": {rid: {k: v for k, v in p.items() if k != "fields"}
                        | {"field_names": sorted(p["fields"])} for rid, p in self.packets.items()},
            "workflows": self.workflows,
        }

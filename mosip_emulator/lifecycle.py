"""The UIN lifecycle: auth manager, packet manager, registration-processor workflow, ID repository.

Strict: each behaviour follows MOSIP's source (the file is named beside it; the table is
``docs/fidelity/packets.md``).

- ``POST /v1/authmanager/authenticate/clientidsecretkey`` → ``Set-Cookie: Authorization=<jwt>``.
  The other endpoints want ``Cookie: Authorization=<jwt>`` (or an ``Authorization`` header); without a
  valid token they answer 401 with ``KER-ATH-401``.
- ``PUT /commons/v1/packetmanager/createPacket`` (mosip/packet-manager ``PacketWriterController``,
  ``facade/PacketWriter.createPacket``, ``impl/PacketWriterImpl``):
  * an unknown (source, process) pair → HTTP 200, ``errors: [KER-PUT-006 "No available provider for
    given source and process"]`` (``getProvider`` runs outside the facade's try; the controller advice
    turns the exception into an error body with HTTP 200);
  * every failure inside the writer — ``audits`` missing or empty (KER-KPM-008 "Registration audits is
    empty", ``addOtherFilesToZip``), ``schemaJson`` unreadable (KER-KPM-002), ``schemaVersion`` not a
    number, no id — is caught by the facade, which returns null: **HTTP 200, ``response: null``, no
    ``errors``**, and nothing is stored. The reason is kept in ``inspect()["writer_failures"]``;
  * ``fields`` outside ``properties.identity.properties`` are dropped silently (only schema fields are
    written to ID.json); ``metaInfo`` is accepted whatever it holds;
  * a RID that already has a packet is **rewritten** (``PacketKeeper.putPacket`` puts the object again):
    no duplicate answer. The answer lists one PacketInfo per sub-packet (``<rid>_id`` …).
- ``POST /registrationprocessor/v1/workflowmanager/workflowinstance`` (mosip/registration
  ``WorkflowInstanceApi``, ``WorkflowInstanceRequestValidator``, ``WorkflowInstanceService``):
  id / version / requesttime checked (RPR-WIN-000 missing, RPR-WIN-001 invalid); a RID whose workflow
  was already started for that process → HTTP 200, ``errors: [RPR-WIS-001 "WorkflowInstance already
  present"]``. The packet is not looked up here: a workflow without a packet is accepted and fails in
  processing. Processing runs after ``credential_delay`` seconds (0: before the answer).
- Processing (``process``), as the registration processor's stages do, in their order: the packet must
  exist (packet reader: KER-PUT-027); ``metaInfo`` must hold ``operationsData``, ``metaData`` and
  ``capturedRegisteredDevices`` (``MetaInfoTagGenerator``: RPR-PCM-014 / -015 / -017; not JSON lists of
  objects: RPR-PCM-008), ``centerId`` and ``machineId`` among their ``{label, value}`` entries
  (``CenterValidator`` / ``MachineValidator``: RPR-CMD-FAILED-002 / -004) and ``officerId``
  (``OperatorValidationProcessor``: RPR-OVM-FAILED-005); the identity fields must have their schema
  types. A failure marks the workflow FAILED with its stage, code and message (in ``inspect()``) and
  nothing else happens — no identity, no CREDENTIAL_ISSUED: a silent stall, as in MOSIP. Then
  CRVS_NEW creates an identity and publishes CREDENTIAL_ISSUED, CRVS_UPDATE updates the identity
  named by ``VID``/``UIN``/``nationalIdNumber``, CRVS_DEATH deactivates it.
- ``PATCH /idrepository/v1/identity`` and ``PATCH /idrepository/v1/vid/{VID}``: direct ID-repo changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
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
# PacketWriterController.getResponseWrapper
PACKET_WRITER_ID = "mosip.registration.packet.writer"
PACKET_ID = PACKET_WRITER_ID
# PacketUtilityErrorCodes.NO_AVAILABLE_PROVIDER (mosip/packet-manager)
NO_PROVIDER = ("KER-PUT-006", "No available provider for given source and process")
# ErrorCode (mosip/packet-manager commons-packet-manager .../constants/ErrorCode.java)
AUDITS_REQUIRED = ("KER-KPM-008", "Registration audits is empty")
JSON_PARSE_ERROR = ("KER-KPM-002", "Failed to parse json : ")
# PacketUtilityErrorCodes.OBJECT_DOESNOT_EXISTS: the packet reader finds no packet for the RID
OBJECT_MISSING = ("KER-PUT-027", "Object doesnot exists.")
# PlatformErrorMessages / StatusUtil (mosip/registration registration-processor-core)
WIS_ALREADY_PRESENT = ("RPR-WIS-001", "WorkflowInstance already present")
WIS_UNKNOWN = ("RPR-WIS-000", "Unknown Exception")
WIN_MISSING = ("RPR-WIN-000", "Missing Request Value - %s")
WIN_INVALID = ("RPR-WIN-001", "Invalid Request Value - %s")
WIN_UNKNOWN = ("RPR-WIN-002", "Unknown Exception")
META_REQUIRED = {  # MetaInfoTagGenerator: a missing entry fails the packet classifier
    "operationsData": ("RPR-PCM-014", "Operations data entry not avaiable in metainfo map"),
    "metaData": ("RPR-PCM-015", "Meta data entry not avaiable in metainfo map"),
    "capturedRegisteredDevices": ("RPR-PCM-017", "Captured registered devices entry not avaiable in metainfo map"),
}
META_PARSING = ("RPR-PCM-008", "JSON parsing of meta info failed")
CENTER_MISSING = ("RPR-CMD-FAILED-002", "Center ID Not Found in Master DB - ")
MACHINE_MISSING = ("RPR-CMD-FAILED-004", "Machine ID Not Found in Master DB - ")
OFFICER_MISSING = ("RPR-OVM-FAILED-005", "Officer ID is NULL")
# PacketWriterImpl.categorySubpacketMapping: a field's category → the sub-packets holding it
SUBPACKETS_OF_CATEGORY = {"pvt": ("id",), "kyc": ("id",), "none": ("id", "evidence", "optional"),
                          "evidence": ("evidence",), "optional": ("optional",)}
SUBPACKET_ORDER = ("id", "evidence", "optional")
# VID statuses (PROTOCOLS §3; mosip.idrepo.vid.allowedstatus in MOSIP's configuration)
VID_STATUSES = ("ACTIVE", "REVOKED", "EXPIRED", "USED", "INVALIDATED", "DEACTIVATED")
# packet fields a credential partner's policy shares back in the VC (OpenCRVS reads birthCertificateNumber)
PARTNER_SHARED_FIELDS = ("birthCertificateNumber", "deathCertificateNumber")
WORKFLOW_ID = "mosip.registration.processor.workflow.instance"  # mosip.regproc.workflow-manager.instance.api-id
WORKFLOW_VERSION = "v1"


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


class WriterFailure(Exception):
    """An exception inside the packet writer: the facade swallows it (HTTP 200, response null)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def _string_map(value: Any, name: str) -> dict[str, str | None]:
    """PacketDto's Map<String, String>: scalars are read as text; a nested object is not a string."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WriterFailure("KER-PUT-020", f"{name} must be an object")
    out: dict[str, str | None] = {}
    for key, item in value.items():
        if item is None or isinstance(item, str):
            out[str(key)] = item
        elif isinstance(item, bool | int | float):
            out[str(key)] = json.dumps(item)
        else:
            raise WriterFailure("KER-PUT-020", f"{name}.{key} must be a string (lists and objects JSON-encoded)")
    return out


def schema_identity_properties(schema_json: Any) -> dict[str, Any]:
    """PacketWriterImpl.loadSchemaFields: properties.identity.properties of the schema, else KER-KPM-002."""
    try:
        schema = json.loads(schema_json) if isinstance(schema_json, str) else None
        props = schema["properties"]["identity"]["properties"]
    except (ValueError, KeyError, TypeError):
        props = None
    if not isinstance(props, dict) or not all(isinstance(spec, dict) for spec in props.values()):
        raise WriterFailure(*JSON_PARSE_ERROR)
    return props


def packet_subpackets(props: dict[str, Any]) -> list[str]:
    """The sub-packets a schema's fields fall into (fieldCategory, "none" when absent)."""
    names: set[str] = set()
    for spec in props.values():
        category = str(spec.get("fieldCategory") or "none").lower()
        names.update(SUBPACKETS_OF_CATEGORY.get(category, ()))
    return [name for name in SUBPACKET_ORDER if name in names]


def label_values(text: str) -> dict[str, str]:
    """A metaInfo entry: a JSON list of {label, value} objects (OSIUtils.addToMap)."""
    items = json.loads(text)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError("not a list of objects")
    return {str(item.get("label")): item.get("value") for item in items if item.get("label") is not None}


def check_meta_info(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The registration processor's checks of metaInfo, in stage order; the first failure or None.

    Packet classifier (MetaInfoTagGenerator, mosip/registration): the three entries must exist and be
    JSON lists. CMD validator (CenterValidator, MachineValidator) and operator validator
    (OperatorValidationProcessor) read centerId, machineId and officerId from operationsData and
    metaData merged (OSIUtils.getMetaMap) and fail the packet when one is missing.
    """
    for entry, (code, message) in META_REQUIRED.items():
        if meta.get(entry) is None:
            return {"stage": "PacketClassifierStage", "code": code, "message": message}
    merged: dict[str, Any] = {}
    try:
        for entry in ("operationsData", "metaData"):
            merged |= label_values(meta[entry])
        devices = json.loads(meta["capturedRegisteredDevices"])
        if not isinstance(devices, list):
            raise ValueError("capturedRegisteredDevices is not a list")
    except (ValueError, TypeError):
        return {"stage": "PacketClassifierStage", "code": META_PARSING[0], "message": META_PARSING[1]}
    for label, (code, message), stage in (("centerId", CENTER_MISSING, "CMDValidatorStage"),
                                          ("machineId", MACHINE_MISSING, "CMDValidatorStage"),
                                          ("officerId", OFFICER_MISSING, "OperatorValidatorStage")):
        if not merged.get(label):
            return {"stage": stage, "code": code, "message": message}
    return None


def _iso_datetime(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class Lifecycle:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self.packets: dict[str, dict[str, Any]] = {}
        self.workflows: dict[str, dict[str, Any]] = {}
        self.writer_failures: dict[str, dict[str, Any]] = {}  # RID → why the packet writer returned null
        self._timers: dict[str, asyncio.TimerHandle] = {}

    # ------------------------------------------------------------------------------------------ auth
    async def authenticate(self, request: Request) -> Response:
        try:
            body = await request.json()
            req = body.get("request") or {}
            client_id, secret, app_id = req.get("clientId"), req.get("secretKey"), req.get("appId")
        except (ValueError, AttributeError, TypeError):
            return mosip_error("KER-ATH-001", "Invalid request", status_code=400)
        # packet clients, and each credential partner's WEBSUB client (client id = partner id)
        client = self.emu.state.packet_clients.get(str(client_id)) or self.emu.hub.websub_client(str(client_id))
        if client is None or client["secret_key"] != secret or client.get("app_id") != app_id:
            self.emu.counters.incr("auth_failures", str(client_id))
            return mosip_error("KER-ATH-401", "Authentication Failed")
        now = int(time.time())
        claims = {"sub": client_id, "clientId": client_id, "appId": app_id, "iat": now,
                  "exp": now + int(self.emu.config.token_ttl), "iss": f"{self.emu.base_url}/v1/authmanager",
                  "jti": uuid.uuid4().hex, "preferred_username": f"service-account-{client_id}",
                  "roles": client.get("roles", "REGISTRATION_PROCESSOR,REGISTRATION_ADMIN")}
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
        except (ValueError, KeyError, TypeError):
            # Spring refuses a body it cannot bind before the controller runs (an emulator convention:
            # a MOSIP-shaped error, so that clients see an errors[] list)
            return mosip_error("KER-PUT-020", "Packet Validation exception occured. request is not readable",
                               id=PACKET_WRITER_ID)
        process, source = req.get("process"), req.get("source")
        # facade/PacketWriter.getProvider runs before the facade's try: its exception reaches the
        # controller advice (PacketServiceControllerAdvice), which answers HTTP 200 with errors[]
        if process not in PROCESSES or not isinstance(source, str) or not source.strip():
            return mosip_error(*NO_PROVIDER, id=None, version=None)
        rid = str(req.get("id") or "").strip()
        try:
            packet = self._write_packet(rid, req)
        except WriterFailure as failure:
            # facade/PacketWriter.createPacket catches every exception, logs it and returns null;
            # PacketWriterController wraps the null: HTTP 200, response null, no errors
            self.writer_failures[rid] = {"code": failure.code, "message": failure.message, "at": iso_ms()}
            self.emu.counters.incr("packets_failed", rid or "<no id>")
            log.info("createPacket for %s failed in the writer: %s", rid or "<no id>", failure.code)
            return mosip_response(None, id=PACKET_WRITER_ID)
        rewritten = rid in self.packets
        self.packets[rid] = packet  # PacketKeeper.putPacket: the object store takes the new copy
        self.writer_failures.pop(rid, None)
        self.emu.counters.incr("packets_created", rid)
        if rewritten:
            self.emu.counters.incr("packets_rewritten", rid)
        infos = [
            {"id": rid, "packetName": f"{rid}_{kind}", "source": source, "process": process,
             "refId": req.get("refId"), "schemaVersion": packet["schemaVersion"], "signature": None,
             "encryptedHash": None, "providerName": "PacketWriterImpl", "providerVersion": "v1.0",
             "creationDate": packet["created"]}
            for kind in packet["subpackets"]
        ]
        return mosip_response(infos, id=PACKET_WRITER_ID)

    @staticmethod
    def _write_packet(rid: str, req: dict[str, Any]) -> dict[str, Any]:
        """What PacketWriterImpl.createPacket checks on its way to the object store; raises WriterFailure."""
        if not rid:
            raise WriterFailure("KER-KPM-009", "Packet creator not initialized")
        fields = _string_map(req.get("fields"), "fields")
        meta_info = _string_map(req.get("metaInfo"), "metaInfo")
        audits = req.get("audits")
        if audits is not None and (not isinstance(audits, list)
                                   or not all(isinstance(a, dict) for a in audits)):
            raise WriterFailure("KER-PUT-020", "audits must be a list of objects")
        props = schema_identity_properties(req.get("schemaJson"))
        try:  # createSubpacket(Double.valueOf(version), …)
            version = float(str(req.get("schemaVersion")))
        except ValueError:
            raise WriterFailure("NumberFormatException", "schemaVersion is not a number") from None
        subpackets = packet_subpackets(props)
        # addOtherFilesToZip, for the default ("id") sub-packet: audits are required
        if "id" in subpackets and not audits:
            raise WriterFailure(*AUDITS_REQUIRED)
        kept = {name: value for name, value in fields.items() if name in props and value is not None}
        return {
            "rid": rid, "process": req.get("process"), "source": req.get("source"), "refId": req.get("refId"),
            "schemaVersion": repr(version), "schemaJson": req.get("schemaJson"), "fields": kept,
            "dropped_fields": sorted(set(fields) - set(kept)), "metaInfo": meta_info,
            "audit_count": len(audits or []), "offlineMode": bool(req.get("offlineMode")),
            "subpackets": subpackets, "created": iso_ms(),
        }

    # ------------------------------------------------------------------------------------------ workflow
    async def workflow_instance(self, request: Request) -> Response:
        if not self.authorised(request):
            return self._unauthorised()
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise TypeError("body is not an object")
        except (ValueError, TypeError):
            # WorkflowInstanceApi.processURL: anything unexpected → RPR-WIN-002
            return self._workflow_error(*WIN_UNKNOWN)
        # WorkflowInstanceRequestValidator: id, then version, then requesttime
        for name, expected in (("id", WORKFLOW_ID), ("version", WORKFLOW_VERSION)):
            value = body.get(name)
            if value is None:
                return self._workflow_error(WIN_MISSING[0], WIN_MISSING[1] % name)
            if not isinstance(value, str) or value.lower() != expected.lower():
                return self._workflow_error(WIN_INVALID[0], WIN_INVALID[1] % name)
        requesttime = body.get("requesttime")
        if requesttime is None:
            return self._workflow_error(WIN_MISSING[0], WIN_MISSING[1] % "requesttime")
        if not _iso_datetime(requesttime):
            return self._workflow_error(WIN_INVALID[0], WIN_INVALID[1] % "requesttime")
        req = body.get("request")
        if not isinstance(req, dict):
            return self._workflow_error(*WIN_UNKNOWN)
        rid = req.get("registrationId")
        process = req.get("process")
        if not isinstance(rid, str) or not rid.strip() or not isinstance(process, str) or not process:
            return self._workflow_error(*WIS_UNKNOWN)
        rid = rid.strip()
        # WorkflowInstanceService.validateWorkflowInstanceAlreadyAvailable: (RID, process) seen before
        existing = self.workflows.get(rid)
        if existing is not None and existing["process"] == process:
            self.emu.counters.incr("workflows_already_present", rid)
            return self._workflow_error(*WIS_ALREADY_PRESENT)
        if existing is not None:  # another process for a RID already used: one workflow per RID here
            return self._workflow_error(*WIS_ALREADY_PRESENT)
        instance_id = str(uuid.uuid4())
        self.workflows[rid] = {"rid": rid, "process": process, "source": req.get("source"),
                               "workflowInstanceId": instance_id, "status": "QUEUED", "created": iso_ms(),
                               "notificationInfo": req.get("notificationInfo"), "result": None, "failure": None}
        self.emu.counters.incr("workflows_started", rid)
        delay = float(self.emu.config.credential_delay)
        if delay <= 0:
            self.process(rid)
        else:
            loop = asyncio.get_running_loop()
            self._timers[rid] = loop.call_later(delay, self.process, rid)
        return mosip_response({"workflowInstanceId": instance_id}, id=WORKFLOW_ID)

    @staticmethod
    def _workflow_error(code: str, message: str) -> JSONResponse:
        # WorkflowInstanceApi.buildResponse + setResponse: always HTTP 200
        return mosip_error(code, message, id=WORKFLOW_ID, version=WORKFLOW_VERSION)

    def process_pending(self) -> list[str]:
        done = []
        for rid, wf in list(self.workflows.items()):
            if wf["status"] == "QUEUED":
                self.process(rid)
                done.append(rid)
        return done

    def _packet_failure(self, wf: dict[str, Any]) -> dict[str, Any] | None:
        """The first stage that fails this packet, as {stage, code, message}; None: it goes through."""
        packet = self.packets.get(wf["rid"])
        if packet is None or packet["process"] != wf["process"]:
            return {"stage": "PacketValidatorStage", "code": OBJECT_MISSING[0], "message": OBJECT_MISSING[1]}
        meta_failure = check_meta_info(packet["metaInfo"])
        if meta_failure is not None:
            return meta_failure
        try:
            validate_fields(packet["schemaJson"], packet["fields"])
        except SchemaError as exc:
            return {"stage": "PacketValidatorStage", "code": None, "message": f"ID object validation: {exc}"}
        return None

    def process(self, rid: str) -> None:
        """Run the registration processor for one RID, exactly once."""
        timer = self._timers.pop(rid, None)
        if timer is not None:
            timer.cancel()
        wf = self.workflows.get(rid)
        if wf is None or wf["status"] != "QUEUED":
            return
        wf["status"] = "PROCESSING"
        counters = self.emu.counters
        failure = self._packet_failure(wf)
        if failure is not None:
            # the stage marks the registration FAILED; MOSIP tells nobody: the client sees a stall
            log.info("workflow %s failed at %s: %s", rid, failure["stage"], failure["code"])
            wf["status"] = "FAILED"
            wf["failure"] = failure
            wf["error"] = f"{failure['code']}: {failure['message']}" if failure["code"] else failure["message"]
            wf["processed"] = iso_ms()
            counters.incr("workflows_failed", rid)
            return
        fields = self.packets[rid]["fields"]
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
            wf["failure"] = {"stage": "UinGeneratorStage", "code": None, "message": str(exc)}
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
        # mosip/id-repository VidRequestValidator.validateStatus (IDR-IDC-001 / -002, IdRepoErrorConstants)
        # and VidServiceImpl.updateVid (an unknown VID: IDR-IDC-007 NO_RECORD_FOUND)
        try:
            body = await request.json()
            vid_status = body["request"]["vidStatus"]
            if vid_status is None:
                raise KeyError("vidStatus")
        except (ValueError, KeyError, TypeError):
            return mosip_error("IDR-IDC-001", "Missing Input Parameter - vidStatus", id="mosip.vid.update")
        if vid_status not in VID_STATUSES:
            return mosip_error("IDR-IDC-002", "Invalid Input Parameter - vidStatus", id="mosip.vid.update")
        ident = self.emu.identities.set_vid_status(vid, vid_status)
        if ident is None:
            return mosip_error("IDR-IDC-007", "No Record(s) found", id="mosip.vid.update")
        self.emu.counters.incr("vid_updates", vid)
        return mosip_response({"vidStatus": vid_status}, id="mosip.vid.update")

    def inspect(self) -> dict[str, Any]:
        return {
            "packets": {rid: {k: v for k, v in p.items() if k not in ("fields", "schemaJson")}
                        | {"field_names": sorted(p["fields"])} for rid, p in self.packets.items()},
            "workflows": self.workflows,
            "writer_failures": self.writer_failures,
        }

"""UIN lifecycle requests (PROTOCOLS §3): auth manager token, createPacket, workflow instance.

Pure protocol over httpx. `submit` is safe to repeat, and its effect happens once, without any
"duplicate" answer — MOSIP's packet path has none:
- createPacket may be sent again: the packet manager rewrites the packet of a RID
  (mosip/packet-manager `PacketKeeper.putPacket`), and the outbox froze the whole packet (fields,
  metaInfo, audits) when it was queued, so a resend writes the same packet again;
- the workflow is started once: a second start for the RID is refused with RPR-WIS-001
  "WorkflowInstance already present" (mosip/registration `WorkflowInstanceService`), which here means
  done — the workflow the lost reply was about exists;
- so the registration processor takes up the RID once, and the same RID is never processed twice.
The workflow is started only after createPacket answered with the packet's information: the packet
writer's failures come back as HTTP 200 with `response: null` and no error (`facade/PacketWriter`
swallows them), and a workflow started for a packet that was not written fails silently in MOSIP.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from app.errors import ConfigurationFault, Unavailable
from app.http import read_answer
from app.mosip.ida import ErrorClass, request_time

AUTH_CODES = frozenset({"KER-ATH-401", "KER-ATH-403", "KER-ATH-001", "KER-ATH-007"})
# KER-PUT-006 "No available provider for given source and process": MOSIP has no packet writer for our
# source/process — its deployment and the country configuration disagree; no packet can pass
CONFIGURATION_CODES = AUTH_CODES | {"KER-PUT-006"}
WORKFLOW_ALREADY_PRESENT = "RPR-WIS-001"  # a workflow exists for this RID and process: done
# "Unknown Exception" of the workflow API / service: the database or a dependency failed — retry
TRANSIENT_CODES = frozenset({"RPR-WIN-002", "RPR-WIS-000"})
NO_PACKET_INFO = "no-packet-info"
MAX_RESPONSE_BYTES = 256 * 1024


@dataclass(frozen=True)
class PacketCredentials:
    base_url: str
    client_id: str
    secret_key: str
    app_id: str


@dataclass(frozen=True)
class PacketOutcome:
    ok: bool
    already_started: bool = False  # the workflow start was answered RPR-WIS-001
    error_class: ErrorClass | None = None
    code: str | None = None
    message: str | None = None


class MosipAnswerError(Unavailable):
    """An answer that cannot be understood (not JSON, too large): transient."""

    default_code = "mosip.bad_answer"


def _envelope(request_id: str, request: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    return {"id": request_id, "version": "v1", "requesttime": request_time(now), "metadata": {},
            "request": dict(request)}


def _errors(response: httpx.Response) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise MosipAnswerError("MOSIP's answer is too large")
    try:
        data = response.json()
    except ValueError:
        raise MosipAnswerError(f"MOSIP answered HTTP {response.status_code} with no JSON") from None
    if not isinstance(data, dict):
        raise MosipAnswerError("MOSIP's answer is not an object")
    errors = []
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            errors.append((str(error.get("errorCode", ""))[:40],
                           str(error.get("message") or error.get("errorMessage") or "")[:300]))
    return data, errors


class AuthenticationFailed(ConfigurationFault):
    error_class = ErrorClass.CONFIGURATION
    default_code = "mosip.authentication_failed"


class PacketClient:
    def __init__(self, credentials: PacketCredentials, http: httpx.AsyncClient, token: str | None = None):
        """`token`: one obtained earlier (the agent keeps it across drains); refreshed on a 401."""
        self.credentials = credentials
        self.http = http
        self._token = token

    @property
    def current_token(self) -> str | None:
        return self._token

    def _url(self, path: str) -> str:
        return self.credentials.base_url.rstrip("/") + path

    async def token(self, refresh: bool = False) -> str:
        if self._token and not refresh:
            return self._token
        body = _envelope("string", {"clientId": self.credentials.client_id,
                                    "secretKey": self.credentials.secret_key,
                                    "appId": self.credentials.app_id}, dt.datetime.now(dt.UTC))
        body["version"] = "string"
        response = await read_answer(self.http, "POST", self._url("/v1/authmanager/authenticate/clientidsecretkey"),
                                     json=body, max_bytes=MAX_RESPONSE_BYTES, what="the auth manager's answer")
        if response.status_code >= 500:
            raise httpx.HTTPStatusError("auth manager unavailable", request=response.request, response=response)
        token = response.cookies.get("Authorization")
        if not token:
            try:
                _, errors = _errors(response)
            except MosipAnswerError:
                raise AuthenticationFailed(f"MOSIP's auth manager answered HTTP {response.status_code} with "
                                           "neither a token nor a MOSIP JSON answer (check the base URL)",
                                           code="mosip.auth_manager_not_json") from None
            code = errors[0][0] if errors else f"HTTP {response.status_code}"
            raise AuthenticationFailed(f"MOSIP refused the client credentials ({code})")
        self._token = token
        return token

    async def _call(self, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
        for attempt in (0, 1):
            token = await self.token(refresh=attempt == 1)
            response = await read_answer(self.http, method, self._url(path), json=body,
                                         headers={"Cookie": f"Authorization={token}"},
                                         max_bytes=MAX_RESPONSE_BYTES, what="MOSIP's answer")
            if response.status_code != 401:
                return response
        raise AuthenticationFailed("MOSIP refused the access token twice")

    @staticmethod
    def _failure(response: httpx.Response, errors: list[tuple[str, str]]) -> PacketOutcome:
        code, message = errors[0] if errors else (f"HTTP {response.status_code}", "")
        if code in CONFIGURATION_CODES:
            error_class = ErrorClass.CONFIGURATION
        elif code in TRANSIENT_CODES:
            error_class = ErrorClass.TRANSIENT
        else:
            error_class = ErrorClass.DATA
        return PacketOutcome(False, error_class=error_class, code=code, message=message)

    @staticmethod
    def _unavailable(response: httpx.Response) -> PacketOutcome | None:
        if response.status_code >= 500 or response.status_code in (408, 429):
            return PacketOutcome(False, error_class=ErrorClass.TRANSIENT, code=f"HTTP {response.status_code}",
                                 message="MOSIP is unavailable")
        return None

    @classmethod
    def _packet_outcome(cls, response: httpx.Response, rid: str) -> PacketOutcome:
        """Written only if the answer lists the packet's `<rid>_id` sub-packet. HTTP 200 with
        `response: null` and no error is the packet writer's exception swallowed by the facade
        (mosip/packet-manager facade/PacketWriter.createPacket): the preconditions it checks on the
        packet's content were checked before sending (`writer_problems`), so what remains is its
        storage and crypto (object store, key manager) failing — transient, retried with back-off
        and quarantined after the worker's maximum attempts."""
        unavailable = cls._unavailable(response)
        if unavailable is not None:
            return unavailable
        data, errors = _errors(response)
        if errors or response.status_code >= 300:
            return cls._failure(response, errors)
        infos = data.get("response")
        written = isinstance(infos, list) and any(
            isinstance(info, dict) and info.get("packetName") == f"{rid}_id" for info in infos)
        if not written:
            return PacketOutcome(False, error_class=ErrorClass.TRANSIENT, code=NO_PACKET_INFO,
                                 message="the packet manager did not write the packet (answer without its "
                                         "packet information)")
        return PacketOutcome(True)

    @classmethod
    def _workflow_outcome(cls, response: httpx.Response) -> PacketOutcome:
        unavailable = cls._unavailable(response)
        if unavailable is not None:
            return unavailable
        data, errors = _errors(response)
        if errors:
            if all(code == WORKFLOW_ALREADY_PRESENT for code, _ in errors):
                return PacketOutcome(True, already_started=True, code=WORKFLOW_ALREADY_PRESENT)
            return cls._failure(response, errors)
        answer = data.get("response")
        if response.status_code >= 300 or not (isinstance(answer, dict) and answer.get("workflowInstanceId")):
            return cls._failure(response, [(f"HTTP {response.status_code}", "no workflow instance in the answer")])
        return PacketOutcome(True)

    async def submit(self, payload: Mapping[str, Any], now: dt.datetime | None = None) -> PacketOutcome:
        """createPacket (repeatable: it rewrites), then start its workflow (once: RPR-WIS-001 = done)."""
        now = now or dt.datetime.now(dt.UTC)
        problems = writer_problems(payload)
        if problems:
            return PacketOutcome(False, error_class=ErrorClass.DATA, code="packet-invalid",
                                 message="; ".join(problems))
        rid = payload["rid"]
        packet = {
            "id": rid, "refId": payload["ref_id"], "offlineMode": False, "process": payload["process"],
            "source": payload["source"], "schemaVersion": payload["schema_version"],
            "schemaJson": payload["id_schema"], "fields": dict(payload["fields"]),
            "metaInfo": {k: json.dumps(v) if not isinstance(v, str) else v
                         for k, v in (payload.get("meta_info") or {}).items()},
            "audits": [dict(audit) for audit in payload["audits"]], "documents": {}, "biometrics": {},
        }
        outcome = self._packet_outcome(await self._call(
            "PUT", "/commons/v1/packetmanager/createPacket", _envelope("mosip.commons.packet", packet, now)), rid)
        if not outcome.ok:
            return outcome
        notification = payload.get("notification") or {}
        workflow = {"registrationId": rid, "process": payload["process"], "source": payload["source"],
                    "additionalInfoReqId": "",
                    "notificationInfo": {k: notification.get(k, "") for k in ("name", "phone", "email")}}
        return self._workflow_outcome(await self._call(
            "POST", "/registrationprocessor/v1/workflowmanager/workflowinstance",
            _envelope("mosip.registration.processor.workflow.instance", workflow, now)))


def writer_problems(payload: Mapping[str, Any]) -> list[str]:
    """What the packet writer would fail on — silently, answering `response: null` — checked on
    our side where it can be named (mosip/packet-manager impl/PacketWriterImpl): audits present
    (KER-KPM-008), an ID schema with properties.identity.properties (KER-KPM-002), a numeric
    schemaVersion; and the metaInfo entries without which the registration processor fails the
    packet later (MetaInfoTagGenerator RPR-PCM-014/015/017)."""
    problems = []
    audits = payload.get("audits")
    if not isinstance(audits, list) or not audits or not all(isinstance(a, Mapping) for a in audits):
        problems.append("no audits (MOSIP's packet writer refuses a packet without them, KER-KPM-008)")
    try:
        schema = json.loads(payload.get("id_schema") or "")
        if not isinstance(schema["properties"]["identity"]["properties"], dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        problems.append("the ID schema has no properties.identity.properties (KER-KPM-002)")
    try:
        float(str(payload.get("schema_version")))
    except ValueError:
        problems.append("schemaVersion is not a number")
    meta = payload.get("meta_info") or {}
    missing = [k for k in ("operationsData", "metaData", "capturedRegisteredDevices") if k not in meta]
    if missing:
        problems.append(f"metaInfo lacks {', '.join(missing)} (the registration processor would fail it)")
    return problems

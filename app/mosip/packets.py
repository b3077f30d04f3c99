"""UIN lifecycle requests (PROTOCOLS §3): auth manager token, createPacket, workflow instance.

Pure protocol over httpx. `submit` is safe to repeat: a RID MOSIP already holds is answered as a
duplicate, which means "already done" — so a retry after a lost reply has its effect exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from app.mosip.ida import ErrorClass, request_time

DUPLICATE_CODES = frozenset({"RPR-PKR-005", "RPR-RGS-025", "KER-PUT-027"})
AUTH_CODES = frozenset({"KER-ATH-401", "KER-ATH-403", "KER-ATH-001", "KER-ATH-007"})
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
    duplicate: bool = False
    error_class: ErrorClass | None = None
    code: str | None = None
    message: str | None = None


class MosipAnswerError(Exception):
    """An answer that cannot be understood (not JSON, too large): transient."""


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


class AuthenticationFailed(Exception):
    error_class = ErrorClass.CONFIGURATION


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
        response = await self.http.post(self._url("/v1/authmanager/authenticate/clientidsecretkey"), json=body)
        if response.status_code >= 500:
            raise httpx.HTTPStatusError("auth manager unavailable", request=response.request, response=response)
        token = response.cookies.get("Authorization")
        if not token:
            _, errors = _errors(response)
            code = errors[0][0] if errors else f"HTTP {response.status_code}"
            raise AuthenticationFailed(f"MOSIP refused the client credentials ({code})")
        self._token = token
        return token

    async def _call(self, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
        for attempt in (0, 1):
            token = await self.token(refresh=attempt == 1)
            response = await self.http.request(method, self._url(path), json=body,
                                               headers={"Cookie": f"Authorization={token}"})
            if response.status_code != 401:
                return response
        raise AuthenticationFailed("MOSIP refused the access token twice")

    @staticmethod
    def _outcome(response: httpx.Response) -> PacketOutcome:
        if response.status_code >= 500 or response.status_code in (408, 429):
            return PacketOutcome(False, error_class=ErrorClass.TRANSIENT, code=f"HTTP {response.status_code}",
                                 message="MOSIP is unavailable")
        _, errors = _errors(response)
        if not errors and response.status_code < 300:
            return PacketOutcome(True)
        if errors and all(code in DUPLICATE_CODES for code, _ in errors):
            return PacketOutcome(True, duplicate=True, code=errors[0][0])
        code, message = errors[0] if errors else (f"HTTP {response.status_code}", "")
        error_class = ErrorClass.CONFIGURATION if code in AUTH_CODES else ErrorClass.DATA
        return PacketOutcome(False, error_class=error_class, code=code, message=message)

    async def submit(self, payload: Mapping[str, Any], now: dt.datetime | None = None) -> PacketOutcome:
        """createPacket, then start its workflow. Each step treats a duplicate answer as done."""
        now = now or dt.datetime.now(dt.UTC)
        rid = payload["rid"]
        fields = dict(payload["fields"])
        packet = {
            "id": rid, "refId": payload["ref_id"], "offlineMode": False, "process": payload["process"],
            "source": payload["source"], "schemaVersion": payload["schema_version"],
            "schemaJson": payload["id_schema"], "fields": fields,
            "metaInfo": {k: json.dumps(v) if not isinstance(v, str) else v
                         for k, v in (payload.get("meta_info") or {}).items()},
            "audits": [], "documents": {}, "biometrics": {},
        }
        outcome = self._outcome(await self._call(
            "PUT", "/commons/v1/packetmanager/createPacket", _envelope("mosip.commons.packet", packet, now)))
        if not outcome.ok:
            return outcome
        notification = payload.get("notification") or {}
        workflow = {"registrationId": rid, "process": payload["process"], "source": payload["source"],
                    "additionalInfoReqId": "",
                    "notificationInfo": {k: notification.get(k, "") for k in ("name", "phone", "email")}}
        return self._outcome(await self._call(
            "POST", "/registrationprocessor/v1/workflowmanager/workflowinstance",
            _envelope("mosip.registration.processor.workflow.instance", workflow, now)))

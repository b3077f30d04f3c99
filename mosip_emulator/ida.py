"""MOSIP ID Authentication (IDA): ``POST /idauthentication/v1/{auth|kyc}/{MISP-LK}/{PartnerId}/{ApiKey}``.

The checks run in the order IDA's servlet filters and validators run them (mosip/id-authentication:
BaseIDAFilter → BaseAuthFilter → IdAuthFilter → PartnerServiceManager → AuthRequestValidator →
AuthFacadeImpl/IdServiceImpl → demographic matchers), and fail with the same error codes and messages
(``authentication/authentication-core/.../constant/IdAuthenticationErrorConstants.java``).  Filter-stage
failures stop at the first error; validator-stage failures are collected, as Spring's ``Errors`` does.
HTTP 200 always; the verdict is in the body.  IDA wraps identity-stage exceptions (IDA-MLC-007 around
IDA-MLC-004 around the cause) but ``IdAuthExceptionHandler.handleIdAppException`` answers with the
innermost one alone, so one error comes back, e.g. IDA-MLC-023 for a deactivated VID.

Identity stage (authentication-common ``service/facade/AuthFacadeImpl.authenticateIndividual``,
``service/transaction/manager/IdAuthSecurityManager.hash``, ``service/impl/IdServiceImpl.getIdentity``),
fed by the ID repository's events (mosip/id-repository ``core/manager/CredentialServiceManager``:
UIN DEACTIVATED → DEACTIVATE_ID for the UIN and all its VIDs, UIN BLOCKED and VID REVOKED → REMOVE_ID,
other VID statuses → DEACTIVATE_ID; IDA's ``IdChangeEventHandlerServiceImpl`` sets an expiry or deletes):
- a well-formed UIN/VID IDA does not hold (never issued, blocked UIN, revoked VID) → IDA-MLC-018
  "UIN not available in database" / "VID not available in database" (``unknown_uin_code="IDA-MLC-002"``
  gives the MLC-002 / MLC-004 of older IDA instead);
- a deactivated UIN → IDA-MLC-022 "UIN is deactivated/blocked"; a VID whose UIN is deactivated, or
  whose own status is expired/used/invalidated/deactivated → IDA-MLC-023 "VID is expired/deactivated".
Matching (``service/builder/AuthStatusInfoBuilder.constructDemoError``, ``service/helper/MatchTypeHelper``):
one IDA-DEA-001 per mismatching attribute, named by IDA's id name (``name``, ``dob``, ``gender``,
``phoneNumber``, ``emailId``) and language; an attribute the identity does not have → IDA-DEA-003
"Demographic data <attr>[ in <lang>] not available in database", which ends the request.

Choices where IDA's behaviour depends on deployment configuration:
- request time window ±30 s (``ida_time_window``), languages ``eng`` and ``fra``;
- name matching is IDA's EXACT strategy: titles and the punctuation ``. , - * ( ) [ ] ` ' / \\ # "``
  normalised to spaces, whitespace collapsed, lower-cased tokens compared as a multiset;
  the name is matched against the full name "Given Middle Family" in the requested language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from . import crypto
from .fixtures import is_valid_uin, is_valid_vid

if TYPE_CHECKING:
    from .app import Emulator

TXN_RE = re.compile(r"^[A-Za-z0-9]{10}$")
VERSION_RE = re.compile(r"^\d\.\d(\.\d)?$")
DOB_RE = re.compile(r"^\d{4}/\d{2}/\d{2}$")
SUPPORTED_LANGUAGES = ("eng", "fra")
TITLES = {
    "eng": ["Mrs", "Mr", "Ms", "Miss", "Dr", "Prof", "Rev"],
    "fra": ["Mme", "Mlle", "M", "Dr", "Pr"],
}
_PUNCT_RE = re.compile(r"[.,\-*()\[\]`'/\\#\"]")
_WS_RE = re.compile(r"\s+")


def err(code: str, message: str, action: str | None = None) -> dict[str, str]:
    e = {"errorCode": code, "errorMessage": message}
    if action:
        e["actionMessage"] = action
    return e


def MISSING(what: str) -> dict[str, str]:
    return err("IDA-MLC-006", f"Missing Input Parameter - {what}")


def INVALID(what: str) -> dict[str, str]:
    return err("IDA-MLC-009", f"Invalid Input Parameter - {what}")


UNABLE_TO_PROCESS = err("IDA-MLC-007", "Request could not be processed. Please try again")
DSIGN_FAILED = err("IDA-MPA-001", "Digital signature verification failed for signature header")
INVALID_ENCRYPTION = err("IDA-MPA-003", "Unable to decrypt Request")
INVALID_LICENSEKEY = err("IDA-MPA-007", "License key does not belong to a registered MISP")
PARTNER_NOT_REGISTERED = err("IDA-MPA-009", "Partner is not registered")
PARTNER_DEACTIVATED = err("IDA-MPA-012", "Partner is deactivated")
HMAC_FAILED = err("IDA-MPA-016", "HMAC Validation failed")
CERT_NOT_MATCHED = err("IDA-MPA-021",
                       "Partner (Auth) Certificate not matching with signature header certificate.")
CERT_NOT_IN_HEADER = err("IDA-MPA-022", "Partner (Auth) Certificate not found in Request signature header.")
# IdAuthValidator.validateIdtypeUinVid: format or checksum of the UIN / VID
INVALID_UIN = err("IDA-MLC-002", "Invalid UIN", "Please retry with the correct UIN")
INVALID_VID = err("IDA-MLC-004", "Invalid VID", "Please retry with correct VID")
# IdServiceImpl.getIdentity, expiry set by a DEACTIVATE_ID event
UIN_DEACTIVATED = err("IDA-MLC-022", "UIN is deactivated/blocked")
VID_DEACTIVATED = err("IDA-MLC-023", "VID is expired/deactivated")
# statuses of the ID repository (mosip/id-repository) and what IDA makes of them
UIN_REMOVED_STATUSES = frozenset({"BLOCKED"})  # REMOVE_ID: IDA deletes its copy
VID_REMOVED_STATUSES = frozenset({"REVOKED"})  # REMOVE_ID


def id_not_available(id_type: str) -> dict[str, str]:
    """IdAuthSecurityManager.hash / IdServiceImpl.getIdentity: no identity held under this id."""
    return err("IDA-MLC-018", f"{id_type} not available in database")


def demo_missing(attribute: str, language: str | None) -> dict[str, str]:
    """MatchTypeHelper.matchType: the identity has no value for a requested attribute (DEMO_MISSING[_LANG])."""
    if language:
        return err("IDA-DEA-003", f"Demographic data {attribute} in {language} not available in database")
    return err("IDA-DEA-003", f"Demographic data {attribute} not available in database")


def demo_mismatch(attribute: str, language: str | None) -> dict[str, str]:
    """AuthStatusInfoBuilder.constructDemoError: DEMOGRAPHIC_DATA_MISMATCH_LANG / DEMO_DATA_MISMATCH."""
    if language:
        return err("IDA-DEA-001", f"Demographic data {attribute} in {language} did not match",
                   f"Please re-enter your {attribute} in {language}")
    return err("IDA-DEA-001", f"Demographic data {attribute} did not match", f"Please re-enter your {attribute}")
CONSENT_MISSING = err("IDA-MLC-012", "Individual's Consent is not available")
NO_AUTH_TYPE = err("IDA-MLC-008", "No authentication type selected")


class _Stop(Exception):
    def __init__(self, error: dict[str, str]) -> None:
        super().__init__(error["errorCode"])
        self.error = error


@dataclass
class AuthOutcome:
    transaction_id: str | None
    errors: list[dict[str, str]] = field(default_factory=list)
    auth_token: str | None = None
    partner_id: str | None = None
    individual_id: str | None = None
    identity: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_ms(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def parse_request_time(value: Any) -> dt.datetime | None:
    """``yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`` (IDA's pattern; 0-6 fraction digits tolerated)."""
    if not isinstance(value, str) or not _TIME_RE.match(value):
        return None
    try:
        return dt.datetime.fromisoformat(value[:-1]).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _title_pattern(titles: list[str]) -> re.Pattern[str]:
    variants = []
    for title in sorted(titles, key=len, reverse=True):
        for v in (title + ".", title):
            variants.extend(sorted({v, v.lower(), v.upper()}, key=len, reverse=True))
    return re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in variants))


_TITLE_RES = {lang: _title_pattern(titles) for lang, titles in TITLES.items()}


def normalise_name(value: str, language: str) -> list[str]:
    """IDA's name normaliser (titles, punctuation, whitespace) followed by the EXACT matcher's split."""
    text = f" {value} "
    title_re = _TITLE_RES.get(language)
    if title_re is not None:
        text = title_re.sub(" ", text)
    text = _PUNCT_RE.sub(" ", text)
    text = _WS_RE.sub(" ", text).strip()
    return [t for t in text.lower().split(" ") if t]


def names_match(requested: str, registered: str, language: str) -> bool:
    req = normalise_name(requested, language)
    reg = normalise_name(registered, language)
    return len(req) == len(reg) and all(t in req for t in reg)


def psut(uin: str, partner_id: str, uin_salt: str, partner_salt: str) -> str:
    """PSUT as IDA computes its authToken: first 36 decimal digits of SHA-256(partnerSalt+partner+uinHash)."""
    uin_hash = hashlib.sha256((uin + uin_salt).encode()).hexdigest().upper()
    h = hashlib.sha256((partner_salt + partner_id + uin_hash).encode()).digest()
    return str(int.from_bytes(h, "big"))[:36]


class IdaService:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator
        self._cert_cache: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------ HTTP
    async def handle(self, request: Request) -> Response:
        controller = request.path_params["controller"]
        body = await request.body()
        outcome = self.authenticate(
            controller=controller,
            misp_lk=request.path_params["misp"],
            partner_id=request.path_params["partner"],
            api_key=request.path_params["apikey"],
            body=body,
            signature=request.headers.get("signature"),
            authorization=request.headers.get("authorization"),
        )
        response_id = "mosip.identity.kyc" if controller == "kyc" else "mosip.identity.auth"
        payload: dict[str, Any] = {
            "id": response_id,
            "version": "1.0",
            "transactionID": outcome.transaction_id,
            "responseTime": iso_ms(now_utc()),
            "response": (
                self._kyc_response(outcome)
                if controller == "kyc"
                else {"authStatus": outcome.ok, "authToken": outcome.auth_token}
            ),
            "errors": outcome.errors,
        }
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        signature = crypto.jws_sign_detached(self.emu.state.ida_sign.key, raw, self.emu.state.ida_sign.cert)
        return Response(raw, media_type="application/json", headers={"response-signature": signature})

    def _kyc_response(self, outcome: AuthOutcome) -> dict[str, Any]:
        """eKYC: the identity, encrypted to the partner's encryption certificate (sessionKey + identity).

        ``identity`` = b64url(AES-256-GCM(ct ‖ tag ‖ IV)) of a flat JSON map (``fullName_eng``,
        ``dateOfBirth``, ``gender_fra``, ``phone``, ``email`` …), ``sessionKey`` = b64url(RSA-OAEP-SHA256
        of the AES key) — what mosip-auth-sdk's ``decrypt_response`` reads.
        """
        response: dict[str, Any] = {"kycStatus": outcome.ok, "authToken": outcome.auth_token,
                                    "identity": None, "sessionKey": None, "thumbprint": None}
        partner = self.emu.state.partners.get(outcome.partner_id or "")
        cert = partner.encryption_cert() if partner else None
        if not outcome.ok or outcome.identity is None or cert is None:
            return response
        ident = outcome.identity
        flat: dict[str, Any] = {"dateOfBirth": ident.get("dob", ""), "phone": ident.get("phone", ""),
                                "email": ident.get("email", "")}
        for src, dst in (("full_name", "fullName"), ("given_name", "firstName"), ("middle_name", "middleName"),
                         ("family_name", "lastName"), ("gender", "gender")):
            for lang, value in (ident.get(src) or {}).items():
                flat[f"{dst}_{lang}"] = value
        for key, value in (ident.get("address") or {}).items():
            flat[key] = value
        key = os.urandom(32)
        plain = json.dumps(flat, ensure_ascii=False).encode("utf-8")
        response["identity"] = crypto.b64url_encode(crypto.ida_symmetric_encrypt(key, plain))
        response["sessionKey"] = crypto.b64url_encode(cert.public_key().encrypt(key, crypto.OAEP))
        response["thumbprint"] = crypto.b64url_encode(crypto.cert_thumbprint(cert))
        return response

    # ------------------------------------------------------------------------------------------ logic
    def authenticate(self, *, controller: str, misp_lk: str, partner_id: str, api_key: str, body: bytes,
                     signature: str | None, authorization: str | None) -> AuthOutcome:
        outcome = AuthOutcome(transaction_id=None, partner_id=partner_id)
        try:
            req = json.loads(body)
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError:
            outcome.errors.append(UNABLE_TO_PROCESS)
            self._count(outcome)
            return outcome
        txn = req.get("transactionID")
        outcome.transaction_id = txn if isinstance(txn, str) else None
        try:
            header_tp = self._filters(controller, req, body, signature, authorization)
            demographics = self._decipher(req, (misp_lk, partner_id, api_key, header_tp))
            errors = self._validate(req, demographics)
            if errors:
                outcome.errors.extend(errors)
            else:
                self._match(req, demographics, outcome)
        except _Stop as stop:
            outcome.errors.append(stop.error)
        self._count(outcome)
        return outcome

    def _count(self, outcome: AuthOutcome) -> None:
        key = outcome.transaction_id or "<none>"
        self.emu.counters.incr("ida_requests", key)
        self.emu.counters.incr("ida_results", "pass" if outcome.ok else "fail")
        for e in outcome.errors:
            self.emu.counters.incr("ida_errors", e["errorCode"])

    # filters (first failure stops) ------------------------------------------------------------------
    def _filters(self, controller: str, req: dict[str, Any], body: bytes, signature: str | None,
                 authorization: str | None) -> bytes:
        """Request id/version, signature header, Authorization → the header certificate's thumbprint."""
        expected_id = "mosip.identity.kyc" if controller == "kyc" else "mosip.identity.auth"
        if not req.get("id"):
            raise _Stop(MISSING("id"))
        if req.get("id") != expected_id:
            raise _Stop(INVALID("id"))
        version = req.get("version")
        if not version:
            raise _Stop(MISSING("version"))
        if not isinstance(version, str) or not VERSION_RE.match(version):
            raise _Stop(INVALID("version"))
        # signature header (BaseAuthFilter.validateSignature)
        if not signature:
            raise _Stop(MISSING("signature header"))
        try:
            jws = crypto.parse_detached_jws(signature)
        except crypto.CryptoError as exc:
            raise _Stop(DSIGN_FAILED) from exc
        found = self._header_cert(jws.header)
        if found is None:
            if "x5c" not in jws.header:
                raise _Stop(CERT_NOT_IN_HEADER)
            raise _Stop(DSIGN_FAILED)
        cert, thumbprint = found
        if not crypto.jws_verify_detached(jws, body, cert):
            raise _Stop(DSIGN_FAILED)
        if not authorization or not authorization.strip():
            raise _Stop(MISSING("Authorization - header"))
        # partner checks run after deciphering in IDA; they compare the header certificate
        return thumbprint

    def _header_cert(self, header: dict[str, Any]) -> tuple[Any, bytes] | None:
        """The x5c certificate and its SHA-256 thumbprint (parsed once per distinct header value)."""
        chain = header.get("x5c")
        key = chain[0] if isinstance(chain, list) and chain and isinstance(chain[0], str) else None
        if key is None:
            return None
        cached = self._cert_cache.get(key)
        if cached is None:
            try:
                cert = crypto.x5c_certificate(header)
            except crypto.CryptoError:
                return None
            if cert is None:
                return None
            if len(self._cert_cache) > 256:
                self._cert_cache.clear()
            cached = self._cert_cache[key] = (cert, crypto.cert_thumbprint(cert))
        return cached

    def _decipher(self, req: dict[str, Any], partner_ref: tuple[str, str, str, bytes]) -> dict[str, Any]:
        state = self.emu.state
        if req.get("request") is None:
            raise _Stop(MISSING("request"))
        if req.get("requestHMAC") is None:
            raise _Stop(MISSING("requestHMAC"))
        if req.get("requestSessionKey") is None:
            raise _Stop(MISSING("requestSessionKey"))
        thumbprint = req.get("thumbprint")
        if thumbprint is not None:
            try:
                tp = crypto.b64_decode_lenient(str(thumbprint))
            except crypto.CryptoError as exc:
                raise _Stop(INVALID_ENCRYPTION) from exc
            if tp != state.ida_enc.thumbprint:
                raise _Stop(INVALID_ENCRYPTION)
        try:
            session_key = crypto.rsa_oaep_decrypt(
                state.ida_enc.key, crypto.b64_decode_lenient(str(req["requestSessionKey"])))
            hmac_plain = crypto.ida_symmetric_decrypt(session_key,
                                                      crypto.b64_decode_lenient(str(req["requestHMAC"])))
            request_plain = crypto.ida_symmetric_decrypt(session_key,
                                                         crypto.b64_decode_lenient(str(req["request"])))
        except crypto.CryptoError as exc:
            raise _Stop(INVALID_ENCRYPTION) from exc
        if hmac_plain.decode("utf-8", "replace") != crypto.sha256_upper_hex(request_plain):
            raise _Stop(HMAC_FAILED)
        try:
            inner = json.loads(request_plain)
            if not isinstance(inner, dict):
                raise ValueError
        except ValueError as exc:
            raise _Stop(UNABLE_TO_PROCESS) from exc
        # partner validation (IdAuthFilter.validateDecipheredRequest → PartnerServiceManager)
        misp_lk, partner_id, api_key, header_tp = partner_ref
        partner = state.partner_by_api_key(partner_id, api_key)
        if partner is None:
            raise _Stop(PARTNER_NOT_REGISTERED)
        if partner.status != "ACTIVE":
            raise _Stop(PARTNER_DEACTIVATED)
        if partner.signing_thumbprint() != header_tp:
            raise _Stop(CERT_NOT_MATCHED)
        if not state.license_key_known(misp_lk):
            raise _Stop(INVALID_LICENSEKEY)
        return inner

    # validator (errors collected) -------------------------------------------------------------------
    def _validate(self, req: dict[str, Any], inner: dict[str, Any]) -> list[dict[str, str]]:
        errors: list[dict[str, str]] = []
        txn = req.get("transactionID")
        if not txn:
            errors.append(MISSING("transactionID"))
        elif not isinstance(txn, str) or not TXN_RE.match(txn):
            errors.append(INVALID("transactionID"))
        request_time = req.get("requestTime")
        if not request_time:
            errors.append(MISSING("requestTime"))
        else:
            parsed = parse_request_time(request_time)
            window = self.emu.config.ida_time_window
            if parsed is None:
                errors.append(INVALID("requestTime"))
            elif abs((now_utc() - parsed).total_seconds()) > window:
                errors.append(err("IDA-MLC-001", f"Request to be received at MOSIP within {window:g} seconds",
                                  f"Please send the request within {window:g} seconds"))
        id_type = req.get("individualIdType")
        individual_id = req.get("individualId")
        if not id_type:
            errors.append(MISSING("individualIdType"))
        elif id_type not in ("UIN", "VID"):
            errors.append(INVALID("individualIdType"))
        elif not individual_id:
            errors.append(MISSING("individualId"))
        elif id_type == "UIN" and not is_valid_uin(str(individual_id)):
            errors.append(INVALID_UIN)
        elif id_type == "VID" and not is_valid_vid(str(individual_id)):
            errors.append(INVALID_VID)
        if req.get("consentObtained") is not True:
            errors.append(CONSENT_MISSING)
        demo = inner.get("demographics")
        if not isinstance(demo, dict) or not _has_demo(demo):
            errors.append(NO_AUTH_TYPE)
        else:
            dob = demo.get("dob")
            if dob and (not isinstance(dob, str) or not DOB_RE.match(dob) or not _real_date(dob)):
                errors.append(INVALID("request/demographics/dob"))
            for attr in ("name", "gender"):
                items = demo.get(attr) or []
                if not isinstance(items, list) or not all(
                        isinstance(i, dict) and isinstance(i.get("value", ""), str) for i in items):
                    errors.append(INVALID(f"request/demographics/{attr}"))
                    continue
                for item in items:
                    lang = item.get("language")
                    if lang not in SUPPORTED_LANGUAGES:
                        errors.append(err("IDA-DEA-002", f"Unsupported Language Code - {lang}",
                                          "Please provide valid Language"))
            for attr in ("phoneNumber", "emailId"):
                if demo.get(attr) and not isinstance(demo[attr], str):
                    errors.append(INVALID(f"request/demographics/{attr}"))
        return errors

    # identity + match -------------------------------------------------------------------------------
    def _match(self, req: dict[str, Any], inner: dict[str, Any], outcome: AuthOutcome) -> None:
        id_type = req["individualIdType"]
        individual_id = str(req["individualId"])
        outcome.individual_id = individual_id
        ident = self._identity(id_type, individual_id)
        demo = inner["demographics"]
        errors: list[dict[str, str]] = []
        # (attribute, language, requested, registered, compare); the first attribute the identity lacks
        # ends the request with IDA-DEA-003 (an exception in MatchTypeHelper), mismatches are collected
        checks: list[tuple[str, str | None, str, str, Callable[[str, str], bool]]] = []
        for item in demo.get("name") or []:
            lang = item.get("language")
            checks.append(("name", lang, str(item.get("value", "")), ident["full_name"].get(lang, ""),
                           lambda a, b, lang=lang: names_match(a, b, lang)))
        if demo.get("dob"):
            checks.append(("dob", None, demo["dob"], ident.get("dob", ""), lambda a, b: a == b))
        for item in demo.get("gender") or []:
            lang = item.get("language")
            checks.append(("gender", lang, str(item.get("value", "")), ident["gender"].get(lang, ""),
                           lambda a, b: a.strip().lower() == b.lower()))
        if demo.get("phoneNumber"):
            checks.append(("phoneNumber", None, str(demo["phoneNumber"]), ident.get("phone", ""),
                           lambda a, b: a.strip() == b))
        if demo.get("emailId"):
            checks.append(("emailId", None, str(demo["emailId"]), ident.get("email", ""),
                           lambda a, b: a.strip().lower() == b.lower()))
        for attribute, lang, requested, registered, same in checks:
            if not registered or not registered.strip():
                raise _Stop(demo_missing(attribute, lang))
            if not same(requested, registered):
                errors.append(demo_mismatch(attribute, lang))
        outcome.errors.extend(errors)
        if not errors:
            outcome.identity = ident
            salts = self.emu.state.salts
            outcome.auth_token = psut(ident["uin"], outcome.partner_id or "", salts["uin_salt"],
                                      salts["partner_salt"])

    def _identity(self, id_type: str, individual_id: str) -> dict[str, Any]:
        """The identity IDA holds for this UIN/VID, or the error IDA answers (module docstring)."""
        legacy = self.emu.config.unknown_uin_code == "IDA-MLC-002"
        ident = self.emu.identities.peek(individual_id, id_type)
        uin_status = ident["status"] if ident is not None else None
        if id_type == "UIN":
            if ident is None or uin_status in UIN_REMOVED_STATUSES:
                raise _Stop(INVALID_UIN if legacy else id_not_available("UIN"))
            if uin_status != "ACTIVATED":
                raise _Stop(UIN_DEACTIVATED)
            return ident
        vid_status = ident.get("vid_status", "ACTIVE") if ident is not None else None
        if ident is None or uin_status in UIN_REMOVED_STATUSES or vid_status in VID_REMOVED_STATUSES:
            raise _Stop(INVALID_VID if legacy else id_not_available("VID"))
        if uin_status != "ACTIVATED" or vid_status != "ACTIVE":
            raise _Stop(VID_DEACTIVATED)
        return ident


def _has_demo(demo: dict[str, Any]) -> bool:
    return bool(demo.get("name") or demo.get("dob") or demo.get("gender") or demo.get("phoneNumber")
                or demo.get("emailId"))


def _real_date(value: str) -> bool:
    try:
        dt.datetime.strptime(value, "%Y/%m/%d")
    except ValueError:
        return False
    return True

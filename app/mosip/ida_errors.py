"""Every error code of MOSIP IDA, and what a queued offline demographic verification does about it.

The codes are those of ``IdAuthenticationErrorConstants`` in mosip/id-authentication,
``authentication/authentication-core/src/main/java/io/mosip/authentication/core/constant/
IdAuthenticationErrorConstants.java`` at commit 2139efd6d0555258bc3277ffb78d70b906ab80fb
(158 constants, 155 distinct codes; tests/fixtures/ida_error_codes.txt lists them and a test keeps
this table equal to that list). Each code is classified by what it means for a *demographic*
request that the device built itself, sent later from its outbox:

- FAILURE: the person's ID or data does not verify (mismatch, unknown/deactivated/revoked ID,
  auth type locked by the person). Recorded as a failed verification on the record.
- DATA: a defect in our request or in the record's data. Quarantined with the code shown. Codes of
  factors the device never sends (OTP, PIN, password, biometrics, key-binding, eKYC tokens, VCI)
  are DATA too: receiving one means our request was not what we think it is.
- CONFIGURATION: partner, licence key, certificate, policy or deployment set-up. Stops the batch
  with one alert; nothing else can succeed until a person fixes it.
- TRANSIENT: a fault on IDA's side (its HSM, its REST calls, "could not be processed"): retried
  with back-off, and quarantined after the configured number of attempts.
- RETRY_NOW: the request time was outside IDA's window: resent once with a new requestTime.

A code that is not in the table is DATA: never a success, never a verdict about a person (a false
"failed" could block a registration), never a batch stop on a guess; the item is quarantined with
the code visible so that a person decides. Where IDA uses one code for unrelated situations,
``_BY_MESSAGE`` tells them apart by the message (only IDA-MLC-022 and IDA-MLC-018 need it).

Where the codes are raised (same repository, authentication/authentication-common unless noted):
IdServiceImpl.getIdentity (MLC-018, -022, -023), IdAuthSecurityManager.hash (MLC-018),
IdAuthValidator (MLC-001, -002, -004, -012, -015), BaseAuthFilter (MLC-006, MPA-001, -016),
IdAuthFilter (MPA-006, -015, -018, -022, -023, -038), PartnerServiceManager (MPA-007 … -039),
AuthStatusInfoBuilder (DEA-001), MatchTypeHelper (DEA-003), BaseAuthRequestValidator and
MatchInputBuilder (DEA-002, MLC-008, -011), AuthTypeLockFilterImpl (MLC-019), the hotlist filters
in authentication-hotlistfilter-impl (MLC-022 "%s is blocked"). IdAuthExceptionHandler answers with
the innermost wrapped error, so a deactivated VID comes back as IDA-MLC-023 alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

SOURCE_REPOSITORY = "mosip/id-authentication"
SOURCE_PATH = ("authentication/authentication-core/src/main/java/io/mosip/authentication/core/constant/"
               "IdAuthenticationErrorConstants.java")
SOURCE_COMMIT = "2139efd6d0555258bc3277ffb78d70b906ab80fb"


class ErrorClass(StrEnum):
    """What the device does about an error."""

    FAILURE = "failure"            # a verification outcome: the person's ID or data did not verify
    TRANSIENT = "transient"        # retry later with back-off
    RETRY_NOW = "retry_now"        # retry with a new requestTime (clock skew)
    DATA = "data"                  # a defect in our request or the record's data: quarantine
    CONFIGURATION = "configuration"  # partner, licence, certificate, policy: stop the batch, one alert


@dataclass(frozen=True)
class CodeMeaning:
    error_class: ErrorClass
    meaning: str


_F, _D, _C, _T, _R = (ErrorClass.FAILURE, ErrorClass.DATA, ErrorClass.CONFIGURATION, ErrorClass.TRANSIENT,
                      ErrorClass.RETRY_NOW)
_NOT_SENT = "; the device never sends this factor, so our request is not what we think"

_TABLE: dict[str, tuple[ErrorClass, str]] = {
    # OTP: never sent by a demographic verification
    "IDA-OTA-001": (_D, "too many OTP requests" + _NOT_SENT),
    "IDA-OTA-002": (_D, "OTP could not be generated or sent" + _NOT_SENT),
    "IDA-OTA-003": (_D, "OTP has expired" + _NOT_SENT),
    "IDA-OTA-004": (_D, "OTP is invalid" + _NOT_SENT),
    "IDA-OTA-005": (_D, "transactionID differs from the OTP request's" + _NOT_SENT),
    "IDA-OTA-006": (_D, "ID locked for OTP generation" + _NOT_SENT),
    "IDA-OTA-007": (_D, "ID locked for OTP validation" + _NOT_SENT),
    "IDA-OTA-008": (_D, "OTP notification channel missing" + _NOT_SENT),
    "IDA-OTA-009": (_D, "OTP channel not configured in the country" + _NOT_SENT),
    "IDA-OTA-010": (_D, "ID type differs from the OTP request's" + _NOT_SENT),
    "IDA-OTA-011": (_D, "partner differs from the OTP request's" + _NOT_SENT),
    "IDA-OTA-012": (_D, "OTP validation without an OTP request" + _NOT_SENT),
    "IDA-OTA-013": (_D, "OTP frozen after repeated failures" + _NOT_SENT),
    # main request checks, identity lookup
    "IDA-MLC-001": (_R, "requestTime outside IDA's window: resend with a new requestTime (device clock?)"),
    "IDA-MLC-002": (_F, "the UIN is not a valid UIN (length or checksum)"),
    "IDA-MLC-003": (_F, "the UIN has been deactivated"),
    "IDA-MLC-004": (_F, "the VID is not a valid VID"),
    "IDA-MLC-005": (_F, "the VID has expired"),
    "IDA-MLC-006": (_D, "a required input parameter is missing"),
    "IDA-MLC-007": (_T, "IDA could not process the request; try again"),
    "IDA-MLC-008": (_D, "no authentication type in the request (no demographics sent)"),
    "IDA-MLC-009": (_D, "an input parameter is invalid"),
    "IDA-MLC-010": (_F, "the VID belongs to a deactivated UIN"),
    "IDA-MLC-011": (_D, "authentication type not supported (by the deployment, or for a child's ID)"),
    "IDA-MLC-012": (_D, "the individual's consent is not in the request"),
    "IDA-MLC-013": (_D, "an auth attribute is missing"),
    "IDA-MLC-014": (_D, "phone or e-mail not registered (an OTP channel)" + _NOT_SENT),
    "IDA-MLC-015": (_C, "this ID type (UIN/VID) is not allowed in the deployment"),
    "IDA-MLC-016": (_D, "transaction ids in the biometrics do not match" + _NOT_SENT),
    "IDA-MLC-017": (_D, "invalid user id"),
    "IDA-MLC-018": (_F, "the UIN/VID is not known to IDA (never issued, blocked UIN or revoked VID)"),
    "IDA-MLC-019": (_F, "the person has locked this authentication type for their ID"),
    "IDA-MLC-020": (_T, "IDA could not encrypt data (IDA-side key service)"),
    "IDA-MLC-021": (_T, "IDA could not fetch a key from its HSM"),
    "IDA-MLC-022": (_F, "the UIN is deactivated or blocked (or the ID is hotlisted)"),
    "IDA-MLC-023": (_F, "the VID is expired, deactivated or used up (its UIN may be deactivated)"),
    "IDA-MLC-024": (_D, "request values differ from the biometrics'" + _NOT_SENT),
    "IDA-MLC-025": (_C, "the partner certificate is not available to IDA"),
    "IDA-MLC-026": (_F, "the UIN has the wrong length"),
    "IDA-MLC-027": (_F, "the UIN fails its checksum"),
    "IDA-MLC-028": (_F, "the VID has the wrong length"),
    "IDA-MLC-029": (_F, "the VID fails its checksum"),
    "IDA-MLC-030": (_D, "biometrics captured too far apart" + _NOT_SENT),
    "IDA-MLC-031": (_D, "biometric digitalId captured too far apart" + _NOT_SENT),
    # demographic matching
    "IDA-DEA-001": (_F, "a demographic attribute did not match (the message names it)"),
    "IDA-DEA-002": (_C, "language code not supported by IDA (the country's MOSIP languages)"),
    "IDA-DEA-003": (_F, "the attribute sent is not in the person's MOSIP record (the message names it)"),
    # biometrics, key-bound tokens, eKYC, PIN: never sent
    "IDA-BIA-001": (_D, "biometric mismatch" + _NOT_SENT),
    "IDA-BIA-002": (_D, "duplicate fingers" + _NOT_SENT),
    "IDA-BIA-003": (_D, "too many fingers" + _NOT_SENT),
    "IDA-BIA-004": (_D, "biometric device not registered" + _NOT_SENT),
    "IDA-BIA-005": (_D, "biometric device provider not registered" + _NOT_SENT),
    "IDA-BIA-006": (_D, "biometric data not in the record" + _NOT_SENT),
    "IDA-BIA-007": (_D, "duplicate irises" + _NOT_SENT),
    "IDA-BIA-008": (_D, "too many irises" + _NOT_SENT),
    "IDA-BIA-009": (_D, "too many face records" + _NOT_SENT),
    "IDA-BIA-010": (_D, "one FMR record with several fingers" + _NOT_SENT),
    "IDA-BIA-011": (_D, "invalid biometric data" + _NOT_SENT),
    "IDA-BIA-012": (_D, "MDS verification failed" + _NOT_SENT),
    "IDA-BIA-014": (_D, "biometric hash validation failed" + _NOT_SENT),
    "IDA-BIA-015": (_D, "biometric signature validation failed" + _NOT_SENT),
    "IDA-BIA-016": (_D, "biometric quality check not performed" + _NOT_SENT),
    "IDA-BIA-017": (_D, "biometric match not performed" + _NOT_SENT),
    "IDA-BIA-018": (_D, "biometric request not processed" + _NOT_SENT),
    "IDA-KBT-001": (_D, "bound key certificate not found" + _NOT_SENT),
    "IDA-KBT-002": (_D, "key-bound token outside its time range" + _NOT_SENT),
    "IDA-KBT-003": (_D, "key-bound token verification failed" + _NOT_SENT),
    "IDA-EKA-001": (_D, "eKYC response could not be encrypted (eKYC is not used)"),
    "IDA-EKA-002": (_D, "invalid print format in an eKYC request (eKYC is not used)"),
    "IDA-SPA-001": (_D, "static PIN did not match" + _NOT_SENT),
    "IDA-SPA-002": (_D, "static PIN could not be stored" + _NOT_SENT),
    # partner, MISP, policy, certificates: this device's set-up
    "IDA-MPA-001": (_C, "the request signature does not verify (partner signing key/certificate)"),
    "IDA-MPA-002": (_C, "invalid certificate in the signature"),
    "IDA-MPA-003": (_C, "IDA cannot decrypt the request (wrong or rotated IDA encryption certificate)"),
    "IDA-MPA-004": (_C, "the IDA public key used has expired"),
    "IDA-MPA-005": (_C, "OTP requests not allowed by the partner policy"),
    "IDA-MPA-006": (_C, "this authentication type is not allowed by the partner policy"),
    "IDA-MPA-007": (_C, "the licence key does not belong to a registered MISP"),
    "IDA-MPA-008": (_C, "the MISP licence key has expired"),
    "IDA-MPA-009": (_C, "the partner (or its API key) is not registered"),
    "IDA-MPA-010": (_C, "MISP and partner are not mapped"),
    "IDA-MPA-012": (_C, "the partner (or its API key) is deactivated"),
    "IDA-MPA-013": (_C, "the partner is not authorised for eKYC"),
    "IDA-MPA-014": (_C, "the partner has no policy"),
    "IDA-MPA-015": (_C, "the policy makes another authentication type mandatory"),
    "IDA-MPA-016": (_C, "requestHMAC does not match the request (client crypto)"),
    "IDA-MPA-017": (_C, "the MISP licence key is blocked"),
    "IDA-MPA-018": (_C, "the policy does not belong to the partner"),
    "IDA-MPA-019": (_C, "the partner policy is not active (or outside its dates)"),
    "IDA-MPA-020": (_C, "the partner certificate is not in IDA's database"),
    "IDA-MPA-021": (_C, "the signature certificate is not the registered partner certificate"),
    "IDA-MPA-022": (_C, "no partner certificate in the signature header"),
    "IDA-MPA-023": (_C, "no MISP partner policy"),
    "IDA-MPA-024": (_C, "OIDC client not available"),
    "IDA-MPA-025": (_C, "the partner is not authorised for KYC-auth"),
    "IDA-MPA-026": (_C, "the partner is not authorised for KYC-exchange"),
    "IDA-MPA-027": (_C, "OIDC client deactivated"),
    "IDA-MPA-028": (_C, "OIDC client not registered"),
    "IDA-MPA-029": (_C, "authentication type not allowed by the client's AMR configuration"),
    "IDA-MPA-030": (_C, "authentication type not allowed by the MISP policy"),
    "IDA-MPA-031": (_C, "KYC exchange not allowed by the policy"),
    "IDA-MPA-032": (_C, "key binding not allowed by the policy"),
    "IDA-MPA-033": (_C, "the partner is not authorised for key binding"),
    "IDA-MPA-034": (_D, "no bound key for the ID" + _NOT_SENT),
    "IDA-MPA-035": (_D, "key-bound token check failed" + _NOT_SENT),
    "IDA-MPA-036": (_C, "the partner is not authorised for VCI exchange"),
    "IDA-MPA-037": (_C, "VCI exchange not allowed by the policy"),
    "IDA-MPA-038": (_C, "path parameters missing in the URL (licence key, partner id, API key)"),
    "IDA-MPA-039": (_C, "the partner API key has expired or is not yet valid"),
    # IDA-internal validation, notification and REST plumbing
    "IDA-IDV-001": (_D, "input data validation failed"),
    "IDA-IDV-002": (_T, "IDA's e-mail notification data is invalid (IDA side)"),
    "IDA-IDV-003": (_T, "IDA's mail service failed"),
    "IDA-RST-001": (_T, "IDA-internal REST call: empty URI"),
    "IDA-RST-002": (_T, "IDA-internal REST call: bad HTTP method"),
    "IDA-RST-003": (_T, "IDA-internal REST call: no return type"),
    "IDA-RST-004": (_T, "IDA-internal REST call: bad service name"),
    "IDA-RST-005": (_T, "IDA-internal REST call: bad timeout"),
    "IDA-RST-006": (_T, "IDA-internal REST call answered 4xx"),
    "IDA-RST-007": (_T, "IDA-internal REST call answered 5xx"),
    "IDA-RST-008": (_T, "IDA-internal REST call timed out"),
    "IDA-RST-009": (_T, "IDA could not download a data or configuration file"),
    "IDA-DPM-001": (_D, "biometric device not registered" + _NOT_SENT),
    "IDA-DPM-002": (_D, "MDS not registered" + _NOT_SENT),
    "IDA-DPM-004": (_D, "device type and biometric type differ" + _NOT_SENT),
    # partner management data as IDA holds it
    "PMS_PMP_016": (_C, "the partner is not active"),
    "PMS_PMP_017": (_C, "the partner is not mapped to any policy"),
    "PMS_PMP_020": (_C, "the MISP licence key does not exist"),
    "PMS_PMP_021": (_C, "the MISP licence key has expired"),
    "PMS_PMP_024": (_C, "the partner is not registered"),
    "PMS_PMP_025": (_C, "the MISP licence key is blocked"),
    "PMS_PMP_026": (_C, "policy data missing in IDA's partner event"),
    "PMS_PMP_027": (_C, "partner data missing in IDA's partner event"),
    "PMS_PMP_028": (_C, "OIDC client data missing in IDA's partner event"),
    "PMS_PMP_029": (_C, "OIDC client id already exists"),
    "PMS_PMP_030": (_C, "OIDC client's partner mapping may not change"),
    # KYC exchange tokens, identity key binding, token auth, VCI, password: never used
    "IDA-KYE-001": (_D, "KYC token not found (KYC exchange is not used)"),
    "IDA-KYE-002": (_D, "KYC token expired (KYC exchange is not used)"),
    "IDA-KYE-003": (_D, "KYC token already used (KYC exchange is not used)"),
    "IDA-KYE-004": (_D, "KYC token of another OIDC client (KYC exchange is not used)"),
    "IDA-KYE-005": (_D, "KYC auth and exchange transaction ids differ (KYC exchange is not used)"),
    "IDA-KYE-006": (_C, "partner policy not found"),
    "IDA-KYE-007": (_D, "KYC token of another UIN/VID (KYC exchange is not used)"),
    "IDA-IKB-001": (_D, "key binding not allowed for this ID (key binding is not used)"),
    "IDA-IKB-002": (_D, "public key object could not be created (key binding is not used)"),
    "IDA-IKB-003": (_D, "public key bound to another ID (key binding is not used)"),
    "IDA-IKB-004": (_D, "identity name not found (key binding is not used)"),
    "IDA-IKB-005": (_D, "certificate object could not be created (key binding is not used)"),
    "IDA-TOA-001": (_D, "ID type differs from the token request's (token auth is not used)"),
    "IDA-VCI-001": (_D, "JWK key type not supported (VCI is not used)"),
    "IDA-VCI-002": (_D, "public key object could not be created (VCI is not used)"),
    "IDA-VCI-003": (_D, "key mapped to another ID (VCI is not used)"),
    "IDA-VCI-004": (_D, "VCI not supported (VCI is not used)"),
    "IDA-VCI-005": (_D, "LDP VC generation failed (VCI is not used)"),
    "IDA-PSD-001": (_D, "password did not match" + _NOT_SENT),
    "IDA-PSD-002": (_D, "no password stored for the ID" + _NOT_SENT),
}

IDA_ERROR_CODES: Mapping[str, CodeMeaning] = MappingProxyType(
    {code: CodeMeaning(error_class, meaning) for code, (error_class, meaning) in _TABLE.items()})

# One code, several situations: the message tells them apart (first match wins).
_BY_MESSAGE: tuple[tuple[str, re.Pattern[str], CodeMeaning], ...] = (
    # PartnerIdHotlistFilterImpl / Device(Provider)HotlistFilterImpl: "%s is blocked" for a partner or device
    ("IDA-MLC-022", re.compile(r"^\s*partnerId is blocked", re.IGNORECASE),
     CodeMeaning(_C, "this partner is hotlisted (blocked) in IDA")),
    ("IDA-MLC-022", re.compile(r"\bdevice", re.IGNORECASE),
     CodeMeaning(_D, "a biometric device is hotlisted" + _NOT_SENT)),
    # IdAuthSecurityManager.doGetHashForIdAndSaltKey: IDA's own salt table lacks an entry
    ("IDA-MLC-018", re.compile(r"\bsalt\b", re.IGNORECASE),
     CodeMeaning(_T, "IDA lacks the hash salt for this ID (IDA-side set-up)")),
)

UNKNOWN = CodeMeaning(_D, "not an IDA error code this device knows: quarantined for a person to look at")


def explain(code: str, message: str = "") -> CodeMeaning:
    """The class and meaning of one error of IDA's answer; an unknown code is DATA (see above)."""
    for known, pattern, meaning in _BY_MESSAGE:
        if code == known and pattern.search(message):
            return meaning
    return IDA_ERROR_CODES.get(code, UNKNOWN)


def classify(code: str, message: str = "") -> ErrorClass:
    return explain(code, message).error_class

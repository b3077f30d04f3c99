"""What e-Signet answers, checked once its signature holds: the token answer, the id_token's claims
(OIDC Core §3.1.3.7) and ``acr``, and the userinfo's claims. Pure functions: no network, no keys."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, MissingClaimError

from app.mosip.esignet.errors import ESignetProviderError, ESignetVerificationError, safe_text
from app.mosip.esignet.transport import Answer

_ID_TOKEN_CLAIM_MESSAGES = {
    "iss": "the id_token was issued by another provider (iss)",
    "aud": "the id_token was issued to another client (aud)",
    "nonce": "the id_token does not belong to this login (nonce mismatch)",
    "sub": "the id_token has no valid subject",
    "iat": "the id_token's issue time is not valid",
    "nbf": "the id_token is not valid yet",
    "exp": "the id_token's expiry is not valid",
}
_COMPACT_JWT = re.compile(r"[A-Za-z0-9_\-.]+")


def same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def read_token_answer(answer: Answer) -> dict[str, Any]:
    """The token endpoint's answer → its fields, or the refusal it carries."""
    try:
        token = json.loads(answer.body)
    except ValueError:
        token = None
    if isinstance(token, dict) and token.get("error"):
        error = safe_text(token.get("error"), 60)
        description = safe_text(token.get("error_description"))
        detail = f"{error}: {description}" if description and description != error else error
        raise ESignetProviderError(f"e-Signet refused the token request ({detail}); nothing was changed.",
                                   error=error, code="esignet.token_refused")
    if answer.status_code != 200 or not isinstance(token, dict):
        raise ESignetProviderError(f"e-Signet's token endpoint failed (HTTP {answer.status_code}); "
                                   "nothing was changed.", code="esignet.token_failed",
                                   params={"status": answer.status_code})
    token = dict(token)
    if str(token.get("token_type", "")).lower() != "bearer":
        raise ESignetVerificationError("e-Signet's token answer is not a bearer token")
    for name in ("access_token", "id_token"):
        if not isinstance(token.get(name), str) or not token[name]:
            raise ESignetVerificationError(f"e-Signet's token answer has no {name}",
                                           code="esignet.token_incomplete", params={"name": name})
    return token


def check_id_token_claims(header: Mapping[str, Any], claims: Mapping[str, Any], *, issuer: str, client_id: str,
                          nonce: str, access_token: str | None, now: int, leeway: int) -> None:
    """iss, aud (and azp), sub, exp, iat, nonce and at_hash of a verified id_token."""
    registry = jwt.JWTClaimsRegistry(
        now=now, leeway=leeway,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(dict(claims))
    except ExpiredTokenError:
        raise ESignetVerificationError("the id_token has expired") from None
    except MissingClaimError as exc:
        raise ESignetVerificationError(f"the id_token lacks required claims ({safe_text(exc.claim, 60)})"
                                       ) from None
    except InvalidClaimError as exc:
        raise ESignetVerificationError(_ID_TOKEN_CLAIM_MESSAGES.get(exc.claim, "the id_token has an invalid claim")
                                       ) from None
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
        raise ESignetVerificationError("the id_token was issued to several clients without naming us (azp)")
    at_hash = claims.get("at_hash")
    if at_hash is not None and access_token is not None:
        expected = create_half_hash(access_token, header["alg"])
        if expected is None or not secrets.compare_digest(str(at_hash).encode(), expected):
            raise ESignetVerificationError("the id_token does not match the access token (at_hash)")


def check_acr(id_claims: Mapping[str, Any], accepted: Sequence[str]) -> str:
    """The id_token's ``acr`` must name an accepted authentication class, or the person is not
    authenticated. e-Signet joins with spaces every ACR the login's factors satisfy
    (mosip/esignet oidc-service-impl TokenServiceImpl.buildIDToken, AuthenticationContextClassRefUtil
    .getACRs) and, when none of the requested ``acr_values`` is registered for the client, falls
    back to the registered ones (AuthorizationServiceImpl.resolveACRClaim) — so what was asked
    for is not necessarily what was done."""
    acr = id_claims.get("acr")
    values = acr.split() if isinstance(acr, str) else []
    if not accepted:
        return " ".join(values)
    if not values:
        raise ESignetVerificationError("e-Signet did not say how the person was authenticated (no acr); "
                                       "the person is not marked authenticated", code="esignet.acr_missing")
    if not any(value in accepted for value in values):
        raise ESignetVerificationError(
            "the person was authenticated by a method this country does not accept "
            f"({safe_text(' '.join(values), 120)}); the person is not marked authenticated",
            code="esignet.acr_insufficient", params={"acr": safe_text(" ".join(values), 120)})
    return " ".join(values)


def userinfo_text(answer: Answer) -> str:
    """The userinfo answer's body, which must be a compact JWT (JWS, or JWE to decrypt)."""
    if answer.status_code != 200:
        raise ESignetProviderError(f"e-Signet refused to send the person's data (HTTP {answer.status_code});"
                                   " nothing was changed.", code="esignet.userinfo_refused",
                                   params={"status": answer.status_code})
    content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    text = answer.body.decode("ascii", errors="replace").strip()
    if content_type != "application/jwt" and not _COMPACT_JWT.fullmatch(text or "!"):
        raise ESignetVerificationError("e-Signet sent the person's data unsigned; it was not used",
                                       code="esignet.userinfo_unsigned")
    return text


def check_userinfo_claims(claims: Mapping[str, Any], *, subject: str, issuer: str, client_id: str,
                          now: float, leeway: int) -> None:
    """sub must be the id_token's; iss, aud and exp, when present, must fit. An ``iss`` must be
    e-Signet's: the identity system stamps it with e-Signet's issuer id (mosip/esignet-mock-services
    mock-identity-system AuthenticationServiceImpl.kycExchange)."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not secrets.compare_digest(sub.encode(), subject.encode()):
        raise ESignetVerificationError("the person's data is about someone else (sub differs from the id_token)",
                                       code="esignet.userinfo_subject_mismatch")
    iss = claims.get("iss")
    if iss is not None and not (isinstance(iss, str) and same_issuer(iss, issuer)):
        raise ESignetVerificationError("the person's data was issued by another provider (iss)",
                                       code="esignet.userinfo_issuer_mismatch")
    aud = claims.get("aud")
    if aud is not None:
        auds = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if client_id not in auds:
            raise ESignetVerificationError("the person's data was issued to another client (aud)",
                                           code="esignet.userinfo_audience_mismatch")
    exp = claims.get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool) and exp <= now - leeway:
        raise ESignetVerificationError("the person's data has expired", code="esignet.userinfo_expired")

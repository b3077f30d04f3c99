"""The failures of an e-Signet login: one class per family, each on one of the four bases of
`app.errors`, with a stable code. Messages are for people and carry no token and no personal data."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import ClassVar

from app.errors import ConfigurationFault, CrvsError, Invalid, Refused, Unavailable


class ESignetError(CrvsError):
    """A login that did not succeed; each subclass is one of the four bases of `app.errors`.

    ``code`` is stable (``esignet.acr_insufficient`` …) and ``reason`` names the family for the
    logs (``timeout``, ``verification_failed`` …); the message is for people and never carries a
    token, a claim value or provider text that was not reduced by `safe_text`."""

    reason: ClassVar[str] = "error"


class ESignetUnavailable(ESignetError, Unavailable):
    """e-Signet cannot be reached (no network, DNS, refused, discovery broken): work offline."""

    reason = "offline"
    default_code = "esignet.unavailable"


class ESignetTimeout(ESignetError, Unavailable):
    reason = "timeout"
    default_code = "esignet.timeout"


class ESignetCancelled(ESignetError, Refused):
    """The agent cancelled, or the person cancelled the login or refused consent (access_denied)."""

    reason = "cancelled"
    default_code = "esignet.cancelled"


class ESignetProviderError(ESignetError, Refused):
    """e-Signet answered with an OAuth error (redirect or token endpoint)."""

    reason = "provider_error"
    default_code = "esignet.provider_refused"

    def __init__(self, message: str, *, error: str | None = None, code: str | None = None,
                 params: Mapping[str, str | int] | None = None):
        merged = dict(params or {})
        if error:
            merged.setdefault("error", error)
        super().__init__(message, code=code, params=merged)
        self.error = error


class ESignetVerificationError(ESignetError, Invalid):
    """An answer failed a security check (signature, issuer, audience, nonce, state, acr …)."""

    reason = "verification_failed"
    default_code = "esignet.verification_failed"


class ESignetConfigurationError(ESignetError, ConfigurationFault):
    reason = "configuration"
    default_code = "esignet.configuration"


_SAFE = re.compile(r"[^A-Za-z0-9 _.:,;'()/-]")


def safe_text(value: object, limit: int = 120) -> str:
    """Provider-supplied error text, reduced to a short printable string (never trusted as-is)."""
    return _SAFE.sub("", str(value or ""))[:limit].strip()


def cancelled() -> ESignetCancelled:
    return ESignetCancelled("The login was cancelled; nothing was changed.")


def time_left(deadline: float, cap: float | None = None) -> float:
    """Seconds until ``deadline`` (``time.monotonic()``), at most ``cap``; ESignetTimeout once past."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise ESignetTimeout("The e-Signet login took too long and was stopped; nothing was changed.",
                             code="esignet.login_timeout")
    return left if cap is None else min(cap, left)

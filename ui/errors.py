"""Expected failures worded for people: the core raises `app.errors` bases with a stable code and
parameters; here each known code becomes a sentence in the user's language. An unknown code, or a
generic one whose English message carries the detail, falls back to that message.

    error_text(exc)                    # any exception → text for a banner or a dialog
    code_text(code, params, fallback)  # the same from a code (e.g. an ESignetOutcome's)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.errors import CrvsError
from app.identity.qr.errors import QrRejected
from app.records.validation import DeclarationInvalid
from ui.i18n import action_text, field_error_text, status_text

log = logging.getLogger(__name__)
translate = QCoreApplication.translate


# code → template, in the "Errors" context of the catalogue; ``{name}`` is replaced by that parameter
TEMPLATES: dict[str, str] = {
    "record.not_found": QT_TRANSLATE_NOOP("Errors", "This record does not exist on this device."),
    "workflow.permission_denied": QT_TRANSLATE_NOOP("Errors",
        "“{action}” needs the role {roles}; you are {role}."),
    "workflow.wrong_status": QT_TRANSLATE_NOOP("Errors",
        "“{action}” is not possible for a record in status “{status}”."),
    "record.four_eyes": QT_TRANSLATE_NOOP("Errors",
        "You requested this correction, so another registrar must approve it (four-eyes rule)."),
    "login.refused": QT_TRANSLATE_NOOP("Errors", "Unknown user or wrong PIN"),
    "keyslot.refused": QT_TRANSLATE_NOOP("Errors", "Unknown user or wrong PIN"),
    "keyslot.locked": QT_TRANSLATE_NOOP("Errors", "Too many wrong PINs: try again in {seconds} s"),
    "user.weak_pin": QT_TRANSLATE_NOOP("Errors",
        "This PIN is too weak: use at least {min_length} characters, not all alike."),
    "user.admin_only": QT_TRANSLATE_NOOP("Errors", "Only an administrator can do this."),
    "secret.missing": QT_TRANSLATE_NOOP("Errors",
        "The device lacks the secret “{name}”: ask an administrator to import it."),
    "mosip.authentication_failed": QT_TRANSLATE_NOOP("Errors",
        "MOSIP refused this device's credentials: ask an administrator."),
    "mosip.bad_answer": QT_TRANSLATE_NOOP("Errors",
        "MOSIP's answer could not be read; it will be tried again later."),
    "ida.bad_answer": QT_TRANSLATE_NOOP("Errors",
        "MOSIP's answer could not be read; it will be tried again later."),
    "qr.no_code": QT_TRANSLATE_NOOP("Errors", "No QR code was found in the picture."),
    "esignet.unavailable": QT_TRANSLATE_NOOP("Errors",
        "e-Signet cannot be reached. Enter the details by hand or scan the ID card; nothing was "
        "changed."),
    "esignet.connection_lost": QT_TRANSLATE_NOOP("Errors",
        "The connection to e-Signet was lost. Enter the details by hand or scan the ID card; nothing "
        "was changed."),
    "esignet.cancelled": QT_TRANSLATE_NOOP("Errors", "The login was cancelled; nothing was changed."),
    "esignet.login_timeout": QT_TRANSLATE_NOOP("Errors",
        "The e-Signet login took too long and was stopped; nothing was changed."),
    "esignet.timeout": QT_TRANSLATE_NOOP("Errors", "e-Signet did not answer in time; nothing was changed."),
    "esignet.token_timeout": QT_TRANSLATE_NOOP("Errors", "e-Signet did not answer in time; nothing was changed."),
    "esignet.userinfo_timeout": QT_TRANSLATE_NOOP("Errors",
        "e-Signet did not send the person's data in time; nothing was changed."),
    "esignet.answer_too_large": QT_TRANSLATE_NOOP("Errors",
        "e-Signet sent an answer that is too large; nothing was changed."),
    "esignet.acr_missing": QT_TRANSLATE_NOOP("Errors",
        "e-Signet did not say how the person was authenticated, so the person is not marked "
        "authenticated; nothing was changed."),
    "esignet.acr_insufficient": QT_TRANSLATE_NOOP("Errors",
        "The person was authenticated by a method this country does not accept ({acr}), so the person"
        " is not marked authenticated; nothing was changed."),
    "esignet.userinfo_not_encrypted": QT_TRANSLATE_NOOP("Errors",
        "e-Signet sent the person's data unencrypted although this device requires encryption; "
        "nothing was changed."),
    "esignet.userinfo_issuer_mismatch": QT_TRANSLATE_NOOP("Errors",
        "The person's data was issued by another provider; nothing was changed."),
    "esignet.loopback_unavailable": QT_TRANSLATE_NOOP("Errors",
        "This computer cannot receive e-Signet's answer: its ports are in use. Nothing was changed."),
    "esignet.browser_unavailable": QT_TRANSLATE_NOOP("Errors",
        "The browser could not be opened; nothing was changed."),
    "esignet.data_does_not_fit": QT_TRANSLATE_NOOP("Errors",
        "e-Signet's data does not fit the form ({fields}); nothing was changed."),
    "esignet.authenticated": QT_TRANSLATE_NOOP("Errors", "Authenticated with e-Signet; {count} fields filled in."),
    "esignet.authenticated_not_draft": QT_TRANSLATE_NOOP("Errors",
        "Authenticated with e-Signet; the record is no longer a draft, so its {count} fields from "
        "e-Signet were not written into it."),
}

# parameters that are themselves codes, worded before they are put in the sentence
_PARAM_WORDS: dict[str, Callable[[str], str]] = {"status": status_text, "action": action_text}


def code_text(code: str | None, params: Mapping[str, str | int] | None, fallback: str) -> str:
    """The sentence for ``code`` with ``params`` filled in, or ``fallback`` for an unknown code."""
    template = TEMPLATES.get(code or "")
    if template is None:
        return fallback
    text = translate("Errors", template)
    for name, value in (params or {}).items():
        word = _PARAM_WORDS.get(name, str)(str(value))
        text = text.replace("{" + name + "}", word)
    if "{" in text:            # a parameter the core did not give: its own words are better
        return fallback
    return text


def error_text(exc: BaseException) -> str:
    """Any exception in the user's language. Expected failures (`app.errors`) by their code; a
    declaration by each field's problem; anything else is a bug: logged by type, shown by type."""
    if isinstance(exc, DeclarationInvalid):
        return "; ".join(f"{error.field}: {field_error_text(error.code, error.message)}" for error in exc.errors)
    if isinstance(exc, QrRejected):
        return code_text(f"qr.{exc.code}", exc.params, exc.reason)
    if isinstance(exc, CrvsError):
        return code_text(exc.code, exc.params, exc.message)
    log.error("operation failed: %s", type(exc).__name__)
    return translate("Errors", "Something went wrong (%1). Nothing was changed.").replace("%1", type(exc).__name__)

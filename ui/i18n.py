"""Languages: Qt Linguist catalogues for the app's own strings, the country's labels from its
configuration (`{en: …, fr: …}`), and translations of the core's stable error codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.device import resources_dir

TRANSLATIONS_DIR = resources_dir() / "translations"
CATALOGUE = "crvs_field"
LANGUAGES = {"en": "English", "fr": "Français"}

_installed: list[QTranslator] = []
_current = "en"


def current_language() -> str:
    return _current


def install(language: str) -> str:
    """Load the catalogue for `language` (and Qt's own, for standard buttons); English needs none."""
    global _current
    app = QCoreApplication.instance()
    for translator in _installed:
        if app is not None:
            app.removeTranslator(translator)
    _installed.clear()
    _current = language if language in LANGUAGES else "en"
    QLocale.setDefault(QLocale(_current))
    if app is None:
        return _current
    ours = QTranslator()   # English too: it carries the plural forms ("1 item", "3 items")
    if ours.load(str(TRANSLATIONS_DIR / f"{CATALOGUE}_{_current}.qm")):
        app.installTranslator(ours)
        _installed.append(ours)
    if _current == "en":
        return _current
    qt = QTranslator()
    if qt.load(f"qtbase_{_current}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return _current


def pick(text: Mapping[str, str] | None, fallback: str = "", language: str | None = None) -> str:
    """A country-provided label in the user's language, else its first language."""
    if not text:
        return fallback
    lang = language or _current
    return text.get(lang) or next(iter(text.values()), fallback)


def qm_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"{CATALOGUE}_{language}.qm"


def tr(text: str) -> str:
    return QCoreApplication.translate("Messages", text)


def field_error_text(code: str, message: str) -> str:
    """A FieldError for people: the core's codes are stable; rule messages come translated from
    the country configuration; anything else falls back to the core's English message."""
    known = {
        "required": QCoreApplication.translate("Messages", "This field is required"),
        "invalid_date": QCoreApplication.translate("Messages", "Enter a date as YYYY-MM-DD"),
        "invalid_option": QCoreApplication.translate("Messages", "Choose one of the options"),
        "invalid_phone": QCoreApplication.translate("Messages", "This is not a phone number"),
        "invalid_email": QCoreApplication.translate("Messages", "This is not an email address"),
        "invalid_number": QCoreApplication.translate("Messages", "Enter a number"),
        "invalid_format": QCoreApplication.translate("Messages", "This does not have the expected format"),
        "too_long": QCoreApplication.translate("Messages", "This is too long"),
        "unknown_field": QCoreApplication.translate("Messages", "This field is not part of the form"),
        "wrong_type": QCoreApplication.translate("Messages", "This must be text"),
    }
    return known.get(code, message)


_MODE_STATUS: dict[str, Callable[[], str]] = {}   # the deployment mode's words for some statuses (`set_mode`)


def set_mode(mode: str) -> None:
    """In mode `opencrvs` nothing is registered on the device: a record whose identity checks are
    done waits for OpenCRVS, not for a registrar here."""
    _MODE_STATUS.clear()
    if mode == "opencrvs":
        _MODE_STATUS["validated"] = lambda: QCoreApplication.translate("Status", "Identity checks done")


def status_text(status: str) -> str:
    if status in _MODE_STATUS:
        return _MODE_STATUS[status]()
    names = {
        "draft": QCoreApplication.translate("Status", "Draft"),
        "declared": QCoreApplication.translate("Status", "Pending validation"),
        "verification_failed": QCoreApplication.translate("Status", "Verification failed"),
        "validated": QCoreApplication.translate("Status", "Ready to register"),
        "awaiting_external_validation": QCoreApplication.translate("Status", "Awaiting external validation"),
        "registered": QCoreApplication.translate("Status", "Registered"),
        "correction_requested": QCoreApplication.translate("Status", "Correction requested"),
        "rejected": QCoreApplication.translate("Status", "Rejected"),
    }
    return names.get(status, status)


def event_text(event: str) -> str:
    return {"birth": QCoreApplication.translate("Status", "Birth"),
            "death": QCoreApplication.translate("Status", "Death")}.get(event, event)


def declaration_title(event: str) -> str:
    return {"birth": QCoreApplication.translate("Status", "Birth declaration"),
            "death": QCoreApplication.translate("Status", "Death declaration")}.get(event, event)


def new_declaration_text(event: str) -> str:
    return {"birth": QCoreApplication.translate("Status", "New birth declaration"),
            "death": QCoreApplication.translate("Status", "New death declaration")}.get(event, event)


def verification_text(state: str) -> str:
    return {
        "none": QCoreApplication.translate("Status", "Not checked"),
        "pending": QCoreApplication.translate("Status", "Pending validation"),
        "verified": QCoreApplication.translate("Status", "ID verified"),
        "failed": QCoreApplication.translate("Status", "Verification failed"),
        "authenticated": QCoreApplication.translate("Status", "Authenticated (e-Signet)"),
    }.get(state, state)


def data_source_text(source: str, edited: bool = False) -> str:
    """Where a person's data came from (app.records.provenance.DataSource), for people."""
    names = {
        "qr_signed": QCoreApplication.translate("Status", "signed QR code"),
        "qr_unsigned": QCoreApplication.translate("Status", "unsigned QR code (unverified)"),
        "esignet": QCoreApplication.translate("Status", "e-Signet"),
        "typed": QCoreApplication.translate("Status", "typed by hand"),
    }
    text = names.get(source, source)
    if edited:
        return QCoreApplication.translate("Status", "edited by hand after %1").replace("%1", text)
    return text


def action_text(action: str) -> str:
    return {
        "create": QCoreApplication.translate("Status", "Draft created"),
        "update": QCoreApplication.translate("Status", "Draft saved"),
        "declare": QCoreApplication.translate("Status", "Declared"),
        "validate": QCoreApplication.translate("Status", "Validate"),
        "register": QCoreApplication.translate("Status", "Register"),
        "request-correction": QCoreApplication.translate("Status", "Request correction"),
        "approve-correction": QCoreApplication.translate("Status", "Approve correction"),
        "reject": QCoreApplication.translate("Status", "Reject"),
        "reject-correction": QCoreApplication.translate("Status", "Reject correction"),
        "retry": QCoreApplication.translate("Status", "Review and re-check"),
        "remove-from-queue": QCoreApplication.translate("Status", "Remove from queue"),
        "verification-result": QCoreApplication.translate("Status", "Identity check result"),
        "verification-result-late": QCoreApplication.translate("Status", "Late identity check result"),
        "confirm-registration": QCoreApplication.translate("Status", "MOSIP confirmed the UIN"),
        "confirm-registration-late": QCoreApplication.translate("Status", "Late MOSIP confirmation"),
        "authenticate": QCoreApplication.translate("Status", "Authenticated with e-Signet"),
        "flag-attention": QCoreApplication.translate("Status", "Flagged for attention"),
        "data-source": QCoreApplication.translate("Status", "Data source"),
        "mosip-delivered": QCoreApplication.translate("Status", "Sent to MOSIP"),
        "delivery-quarantined": QCoreApplication.translate("Status", "Set aside: needs attention"),
        "upstream-status": QCoreApplication.translate("Status", "OpenCRVS status"),
    }.get(action, action)


def outbox_state_text(state: str) -> str:
    return {
        "pending": QCoreApplication.translate("Status", "Waiting to send"),
        "in_flight": QCoreApplication.translate("Status", "Sending"),
        "done": QCoreApplication.translate("Status", "Sent"),
        "failed": QCoreApplication.translate("Status", "Failed"),
        "quarantined": QCoreApplication.translate("Status", "Needs attention"),
        "cancelled": QCoreApplication.translate("Status", "Cancelled"),
    }.get(state, state)


def outbox_kind_text(kind: str) -> str:
    return {
        "verify": QCoreApplication.translate("Status", "Identity check with MOSIP"),
        "create_uin": QCoreApplication.translate("Status", "UIN creation"),
        "update_biographics": QCoreApplication.translate("Status", "Biographic update"),
        "mark_deceased": QCoreApplication.translate("Status", "Mark deceased"),
        "opencrvs_notify": QCoreApplication.translate("Status", "Declaration sent to OpenCRVS"),
    }.get(kind, kind)

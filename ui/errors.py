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
from ui.i18n import action_text, current_language, field_error_text, status_text

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
    # records and workflow
    "workflow.not_allowed": QT_TRANSLATE_NOOP("Errors", "This is not possible for this record now."),
    "workflow.not_in_this_mode": QT_TRANSLATE_NOOP("Errors",
        "“{action}” is not done on this device: it works with another system ({mode})."),
    "record.unknown_event": QT_TRANSLATE_NOOP("Errors", "This country does not declare “{event}”."),
    "record.unknown_action": QT_TRANSLATE_NOOP("Errors", "“{action}” is not an action on a record."),
    "record.unknown_queue": QT_TRANSLATE_NOOP("Errors", "There is no queue “{queue}”."),
    "record.reason_required": QT_TRANSLATE_NOOP("Errors", "“{action}” needs a reason."),
    "record.device_action": QT_TRANSLATE_NOOP("Errors", "“{action}” is done by the device, not by a person."),
    "record.verification_failed": QT_TRANSLATE_NOOP("Errors",
        "“{action}” is not possible yet: the identity check failed for {sections}. A supervisor must "
        "review it first."),
    "record.verification_pending": QT_TRANSLATE_NOOP("Errors",
        "“{action}” is not possible yet: the identity check of {sections} is still waiting. It runs when "
        "the device is online."),
    "record.correction_changes_nothing": QT_TRANSLATE_NOOP("Errors", "The correction changes nothing."),
    "record.nothing_to_retry": QT_TRANSLATE_NOOP("Errors",
        "There is nothing to re-check: no identity check failed and nothing is stuck."),
    "record.not_a_person_section": QT_TRANSLATE_NOOP("Errors", "“{section}” is not a person on this form."),
    "record.prefill_not_from_qr": QT_TRANSLATE_NOOP("Errors", "Only a QR code can fill in a person's details."),
    "record.prefill_outside_section": QT_TRANSLATE_NOOP("Errors",
        "The details read belong to another person than {section}."),
    "record.declare_needs_event": QT_TRANSLATE_NOOP("Errors", "Say which event is declared."),
    "declaration.invalid": QT_TRANSLATE_NOOP("Errors", "The declaration is not complete: fix the fields shown."),
    "refused": QT_TRANSLATE_NOOP("Errors", "This is not allowed now; nothing was changed."),
    "invalid": QT_TRANSLATE_NOOP("Errors", "The input is not valid; nothing was changed."),
    "unavailable": QT_TRANSLATE_NOOP("Errors", "A service cannot be reached now; try again later."),
    "configuration": QT_TRANSLATE_NOOP("Errors", "The device's configuration must be fixed: ask an administrator."),
    # sync, MOSIP and the relay
    "sync.batch_stopped": QT_TRANSLATE_NOOP("Errors",
        "Sending stopped: the device's MOSIP settings must be fixed. Ask an administrator."),
    "sync.ida_credentials_refused": QT_TRANSLATE_NOOP("Errors",
        "The identity service refused this device's credentials ({codes}): ask an administrator."),
    "sync.mosip_credentials_refused": QT_TRANSLATE_NOOP("Errors",
        "MOSIP refused this device's credentials ({code}): ask an administrator."),
    "mosip.auth_manager_not_json": QT_TRANSLATE_NOOP("Errors",
        "MOSIP's sign-in service gave an unexpected answer: ask an administrator to check its address."),
    "websub.subscription_refused": QT_TRANSLATE_NOOP("Errors",
        "MOSIP refused to send this device its confirmations: ask an administrator."),
    "network.answer_too_large": QT_TRANSLATE_NOOP("Errors", "The answer was too large and was not read."),
    "network.answer_too_slow": QT_TRANSLATE_NOOP("Errors", "The answer took too long and was stopped."),
    "network.cancelled": QT_TRANSLATE_NOOP("Errors", "The request was cancelled."),
    "packet-invalid": QT_TRANSLATE_NOOP("Errors", "The data to send to MOSIP is incomplete; it was not sent."),
    "relay.unavailable": QT_TRANSLATE_NOOP("Errors", "The confirmations relay cannot be reached now."),
    "opencrvs.busy": QT_TRANSLATE_NOOP("Errors", "OpenCRVS cannot take it now; it is tried again later."),
    "opencrvs.unauthorized": QT_TRANSLATE_NOOP("Errors",
        "OpenCRVS refused this device's access: ask an administrator."),
    "opencrvs.token_refused": QT_TRANSLATE_NOOP("Errors",
        "OpenCRVS's sign-in service gave an answer that cannot be used: ask an administrator."),
    "opencrvs.field_errors": QT_TRANSLATE_NOOP("Errors", "OpenCRVS refused {fields} field(s): correct them."),
    "opencrvs.conflict": QT_TRANSLATE_NOOP("Errors", "OpenCRVS cannot do this now: the record is busy there."),
    "opencrvs.refused": QT_TRANSLATE_NOOP("Errors", "OpenCRVS refused the request (HTTP {status})."),
    "opencrvs.body_too_large": QT_TRANSLATE_NOOP("Errors", "The declaration is too large for OpenCRVS."),
    "sync.opencrvs_not_configured": QT_TRANSLATE_NOOP("Errors",
        "This device is not set up to send to OpenCRVS: ask an administrator."),
    "sync.packets_not_configured": QT_TRANSLATE_NOOP("Errors",
        "This device sends declarations to OpenCRVS, not to MOSIP: ask an administrator about this item."),
    "sync.websub_not_used": QT_TRANSLATE_NOOP("Errors",
        "This device does not receive MOSIP's confirmations itself; OpenCRVS does."),
    "sync.opencrvs_configuration": QT_TRANSLATE_NOOP("Errors",
        "The OpenCRVS settings of this device must be fixed: ask an administrator."),
    "relay.credential_refused": QT_TRANSLATE_NOOP("Errors",
        "The confirmations relay does not know this device (its access was revoked?): ask an administrator."),
    "relay.refused": QT_TRANSLATE_NOOP("Errors", "The confirmations relay refused the request: ask an administrator."),
    "relay.admin_key_mismatch": QT_TRANSLATE_NOOP("Errors",
        "The confirmations relay knows this device by another administrator key: the device's sign-in file "
        "may have been replaced. Nothing was sent; ask an administrator."),
    # e-Signet
    "esignet.configuration": QT_TRANSLATE_NOOP("Errors",
        "e-Signet is not set up correctly on this device: ask an administrator. Nothing was changed."),
    "esignet.provider_refused": QT_TRANSLATE_NOOP("Errors", "e-Signet refused the login; nothing was changed."),
    "esignet.verification_failed": QT_TRANSLATE_NOOP("Errors",
        "e-Signet's answer failed a security check and was not used; nothing was changed."),
    "esignet.token_refused": QT_TRANSLATE_NOOP("Errors", "e-Signet refused the login; nothing was changed."),
    "esignet.token_failed": QT_TRANSLATE_NOOP("Errors",
        "e-Signet failed to complete the login (HTTP {status}); nothing was changed."),
    "esignet.token_incomplete": QT_TRANSLATE_NOOP("Errors",
        "e-Signet's answer was incomplete and was not used; nothing was changed."),
    "esignet.userinfo_refused": QT_TRANSLATE_NOOP("Errors",
        "e-Signet refused to send the person's data (HTTP {status}); nothing was changed."),
    "esignet.userinfo_unsigned": QT_TRANSLATE_NOOP("Errors",
        "e-Signet sent the person's data unsigned, so it was not used; nothing was changed."),
    "esignet.userinfo_subject_mismatch": QT_TRANSLATE_NOOP("Errors",
        "e-Signet sent data about another person, so it was not used; nothing was changed."),
    "esignet.userinfo_expired": QT_TRANSLATE_NOOP("Errors",
        "The person's data from e-Signet had expired and was not used; nothing was changed."),
    "esignet.userinfo_audience_mismatch": QT_TRANSLATE_NOOP("Errors",
        "e-Signet's data was meant for another service, so it was not used; nothing was changed."),
    "secret.unavailable": QT_TRANSLATE_NOOP("Errors",
        "A secret this device needs cannot be read: ask an administrator."),
    # QR codes
    "qr.decoder_unavailable": QT_TRANSLATE_NOOP("Errors", "QR codes cannot be read on this computer."),
    "qr.invalid": QT_TRANSLATE_NOOP("Errors", "The QR code could not be used."),
    "qr.too_long": QT_TRANSLATE_NOOP("Errors", "The QR code holds too much data."),
    "qr.empty": QT_TRANSLATE_NOOP("Errors", "The QR code is empty."),
    "qr.unknown_format": QT_TRANSLATE_NOOP("Errors", "This is not an ID card's QR code."),
    "qr.format_disabled": QT_TRANSLATE_NOOP("Errors", "This kind of QR code is not accepted in this country."),
    "qr.malformed_base45": QT_TRANSLATE_NOOP("Errors", "The QR code is damaged."),
    "qr.malformed_zlib": QT_TRANSLATE_NOOP("Errors", "The QR code is damaged."),
    "qr.inflate_limit": QT_TRANSLATE_NOOP("Errors", "The QR code holds too much data."),
    "qr.malformed_cbor": QT_TRANSLATE_NOOP("Errors", "The QR code is damaged."),
    "qr.truncated_cbor": QT_TRANSLATE_NOOP("Errors", "The QR code is incomplete."),
    "qr.cbor_limit": QT_TRANSLATE_NOOP("Errors", "The QR code holds too much data."),
    "qr.malformed_json": QT_TRANSLATE_NOOP("Errors", "The QR code is damaged."),
    "qr.json_limit": QT_TRANSLATE_NOOP("Errors", "The QR code holds too much data."),
    "qr.malformed_cose": QT_TRANSLATE_NOOP("Errors", "The QR code's signature block is damaged."),
    "qr.unsupported": QT_TRANSLATE_NOOP("Errors", "This kind of QR code cannot be read (encrypted or unknown)."),
    "qr.unsigned_not_accepted": QT_TRANSLATE_NOOP("Errors",
        "The QR code is not signed, and this country requires a signature."),
    "qr.untrusted_key": QT_TRANSLATE_NOOP("Errors",
        "The QR code was signed by an issuer that is not trusted in this country."),
    "qr.signature_invalid": QT_TRANSLATE_NOOP("Errors",
        "The QR code's signature is not valid: the data may have been altered."),
    "qr.expired": QT_TRANSLATE_NOOP("Errors", "The QR code has expired or is not valid yet."),
    "qr.invalid_field": QT_TRANSLATE_NOOP("Errors", "The QR code holds a value that cannot be read."),
    "qr.not_identity": QT_TRANSLATE_NOOP("Errors", "The QR code holds no identity details."),
    # files given to the device
    "file.unreadable": QT_TRANSLATE_NOOP("Errors", "The file cannot be read."),
    "file.not_regular": QT_TRANSLATE_NOOP("Errors", "This is not a file."),
    "file.too_large": QT_TRANSLATE_NOOP("Errors", "The file is too large (at most {limit} bytes)."),
    "file.not_utf8": QT_TRANSLATE_NOOP("Errors", "The file is not text (UTF-8)."),
    "json.invalid": QT_TRANSLATE_NOOP("Errors", "The file is not valid JSON."),
    "json.too_deep": QT_TRANSLATE_NOOP("Errors", "The file is nested too deeply."),
    # device, users, key slots, secrets (administration)
    "device.unusable": QT_TRANSLATE_NOOP("Errors", "This device's data cannot be opened: ask an administrator."),
    "device.data_dir_not_a_directory": QT_TRANSLATE_NOOP("Errors", "The device's data folder is not a folder."),
    "device.agent_key_exists": QT_TRANSLATE_NOOP("Errors", "An agent key file already exists there: remove it first."),
    "device.agent_key_folder": QT_TRANSLATE_NOOP("Errors", "The agent key's folder does not exist."),
    "device.agent_key_write": QT_TRANSLATE_NOOP("Errors", "The agent key could not be written."),
    "device.setting_invalid": QT_TRANSLATE_NOOP("Errors", "This device setting is not valid."),
    "device.setting_forged": QT_TRANSLATE_NOOP("Errors",
        "The device's settings were altered outside the application: ask an administrator."),
    "device.admin_key_needed": QT_TRANSLATE_NOOP("Errors",
        "Only an administrator, signed in with their PIN, can do this."),
    "user.invalid": QT_TRANSLATE_NOOP("Errors", "This user cannot be added or changed."),
    "user.admin_key_needed": QT_TRANSLATE_NOOP("Errors",
        "Only an administrator, signed in with their PIN, can do this."),
    "keyslot.damaged": QT_TRANSLATE_NOOP("Errors", "The device's sign-in file is damaged: ask an administrator."),
    "keyslot.grant_forged": QT_TRANSLATE_NOOP("Errors",
        "This user's role was altered outside the application; sign-in is refused. Ask an administrator."),
    "keyslot.role_mismatch": QT_TRANSLATE_NOOP("Errors",
        "This user's role was altered outside the application; sign-in is refused. Ask an administrator."),
    "keyslot.rekey_waits": QT_TRANSLATE_NOOP("Errors",
        "Some users must sign in once before this can be done: {users}."),
    "secret.invalid": QT_TRANSLATE_NOOP("Errors", "This secret cannot be stored."),
    "secret.unsigned": QT_TRANSLATE_NOOP("Errors",
        "A secret was altered outside the application and is not used: ask an administrator."),
    "secret.bad_name": QT_TRANSLATE_NOOP("Errors", "This secret's name is not valid."),
    "secret.too_large": QT_TRANSLATE_NOOP("Errors", "This secret is too large."),
    "secret.admin_key_needed": QT_TRANSLATE_NOOP("Errors",
        "Only an administrator, signed in with their PIN, can do this."),
    "config.invalid": QT_TRANSLATE_NOOP("Errors", "The country configuration has errors: ask an administrator."),
    "config.file_outside_country": QT_TRANSLATE_NOOP("Errors",
        "The country configuration names a file outside its folder: ask an administrator."),
    # backups
    "backup.invalid": QT_TRANSLATE_NOOP("Errors", "This backup is damaged or altered; nothing was restored."),
    "backup.foreign_device": QT_TRANSLATE_NOOP("Errors", "This backup belongs to another device."),
    "backup.schema_too_new": QT_TRANSLATE_NOOP("Errors",
        "This backup was made by a newer version of the application: update it first."),
    "backup.failed": QT_TRANSLATE_NOOP("Errors", "The backup could not be written."),
    "backup.exists": QT_TRANSLATE_NOOP("Errors", "The backup destination is full of backups: clear some space."),
    "backup.damaged": QT_TRANSLATE_NOOP("Errors", "This backup is damaged or incomplete; nothing was restored."),
    "backup.slots_damaged": QT_TRANSLATE_NOOP("Errors", "The sign-in data in this backup is damaged."),
    "backup.destination_missing": QT_TRANSLATE_NOOP("Errors",
        "The backup destination cannot be found (is the USB stick plugged in?)."),
    "backup.destination_unwritable": QT_TRANSLATE_NOOP("Errors", "The backup destination cannot be written to."),
    "backup.no_key_slots": QT_TRANSLATE_NOOP("Errors",
        "This device has no administrator, so a backup of it could never be restored."),
    "backup.slots_changed": QT_TRANSLATE_NOOP("Errors", "Users changed during the backup: try again."),
    "backup.write_failed": QT_TRANSLATE_NOOP("Errors", "The backup could not be written to its destination."),
    "backup.unreadable": QT_TRANSLATE_NOOP("Errors", "The backup file cannot be read."),
    "backup.not_a_backup": QT_TRANSLATE_NOOP("Errors", "This file is not a backup of this application."),
    "backup.format_unknown": QT_TRANSLATE_NOOP("Errors",
        "This backup was made by another version of the application and cannot be read."),
    "backup.target_in_use": QT_TRANSLATE_NOOP("Errors",
        "That folder already holds a device: restore into a new, empty folder."),
    "backup.target_not_empty": QT_TRANSLATE_NOOP("Errors", "Restore into a new, empty folder."),
    "backup.admin_only": QT_TRANSLATE_NOOP("Errors", "Restoring a backup needs an administrator's PIN."),
    "backup.audit_broken": QT_TRANSLATE_NOOP("Errors",
        "The history in this backup was altered (event {seq}); nothing was restored."),
    "backup.relay_not_found": QT_TRANSLATE_NOOP("Errors", "The relay holds no such backup."),
    "backup.relay_too_large": QT_TRANSLATE_NOOP("Errors",
        "The backup is larger than this device may keep at the relay."),
    "backup.relay_conflict": QT_TRANSLATE_NOOP("Errors", "The relay already holds another backup of that name."),
    "backup.relay_refused": QT_TRANSLATE_NOOP("Errors", "The relay refused the backup: ask an administrator."),
    "backup.relay_not_configured": QT_TRANSLATE_NOOP("Errors",
        "Backups to the relay need the relay to be set up on this device: ask an administrator."),
    "declaration.unconfirmed_warnings": QT_TRANSLATE_NOOP("Errors",
        "Some details look unlikely: check them and confirm each warning shown, or correct them."),
}

# codes that name only a family of failures: the core's English message says more, so an English
# reader gets it; in other languages the family's sentence is what can be said
GENERIC_CODES = frozenset({
    "refused", "invalid", "unavailable", "configuration", "workflow.not_allowed", "declaration.invalid",
    "device.unusable", "user.invalid", "secret.invalid", "file.unreadable", "config.invalid", "backup.invalid",
    "backup.failed", "esignet.configuration", "esignet.provider_refused", "esignet.verification_failed",
    "relay.refused", "network.answer_too_large", "network.answer_too_slow", "network.cancelled",
    "device.setting_invalid", "keyslot.damaged", "secret.unavailable", "qr.invalid", "sync.batch_stopped",
    "relay.unavailable", "backup.foreign_device", "backup.schema_too_new", "opencrvs.busy", "opencrvs.conflict",
    "opencrvs.refused",
})


def role_text(role: str) -> str:
    return {
        "agent": QCoreApplication.translate("MainWindow", "registration agent"),
        "supervisor": QCoreApplication.translate("MainWindow", "supervisor"),
        "registrar": QCoreApplication.translate("MainWindow", "registrar"),
        "admin": QCoreApplication.translate("MainWindow", "administrator"),
    }.get(role, role)


def _roles_text(roles: str) -> str:
    return translate("Errors", " or ").join(role_text(r.strip()) for r in roles.split(","))


# parameters that are themselves codes, worded before they are put in the sentence; the app
# adds the words that depend on the country (`set_param_words`: section ids → their labels)
_PARAM_WORDS: dict[str, Callable[[str], str]] = {"status": status_text, "action": action_text, "role": role_text,
                                                 "roles": _roles_text}


def set_param_words(name: str, words: Callable[[str], str]) -> None:
    _PARAM_WORDS[name] = words


def code_text(code: str | None, params: Mapping[str, str | int] | None, fallback: str) -> str:
    """The sentence for ``code`` with ``params`` filled in, or ``fallback`` for an unknown code."""
    template = TEMPLATES.get(code or "")
    if template is None or (code in GENERIC_CODES and current_language() == "en" and fallback):
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

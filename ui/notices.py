"""Notices (`app.messages`) worded for people: the agent's alerts, why a delivery waits or was set
aside. Stored notices are read back from their column; a plain sentence of an older row is shown
as it is, since its words are all there is.

    notice_text(status.alert)            # an alert for the sync bar
    notice_text(item.last_error)         # a stored notice (JSON) or an older plain reason
    attention_text(record.attention_reason)
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.messages import Notice
from ui.errors import code_text
from ui.i18n import outbox_kind_text

translate = QCoreApplication.translate

# code → template, in the "Notices" context; ``{name}`` is replaced by that parameter
NOTICE_TEMPLATES: dict[str, str] = {
    "delivery.timed_out": QT_TRANSLATE_NOOP("Notices", "MOSIP did not answer in time"),
    "delivery.cannot_connect": QT_TRANSLATE_NOOP("Notices", "MOSIP could not be reached"),
    "delivery.connection_closed": QT_TRANSLATE_NOOP("Notices", "the connection closed before MOSIP answered"),
    "delivery.network_error": QT_TRANSLATE_NOOP("Notices", "network error"),
    "delivery.http_status": QT_TRANSLATE_NOOP("Notices", "MOSIP answered with an error (HTTP {status})"),
    "delivery.ida_busy": QT_TRANSLATE_NOOP("Notices", "the identity service is busy ({codes})"),
    "delivery.mosip_busy": QT_TRANSLATE_NOOP("Notices", "MOSIP could not take it now ({code})"),
    "delivery.bad_answer": QT_TRANSLATE_NOOP("Notices", "MOSIP's answer could not be read"),
    "delivery.gave_up": QT_TRANSLATE_NOOP("Notices", "gave up after {attempts} attempts: {cause}"),
    "delivery.gave_up.once": QT_TRANSLATE_NOOP("Notices", "gave up after one attempt: {cause}"),
    "delivery.ida_rejected": QT_TRANSLATE_NOOP("Notices",
        "the identity service refused the request ({codes}): check the person's details"),
    "delivery.packet_rejected": QT_TRANSLATE_NOOP("Notices", "MOSIP refused the data sent ({code})"),
    "delivery.unknown_kind": QT_TRANSLATE_NOOP("Notices",
        "this device does not know how to send this item ({kind})"),
    # OpenCRVS (deployment mode opencrvs)
    "delivery.opencrvs_busy": QT_TRANSLATE_NOOP("Notices", "OpenCRVS could not take it now"),
    "delivery.opencrvs_requested": QT_TRANSLATE_NOOP("Notices", "OpenCRVS has not decided yet"),
    "delivery.opencrvs_waits_for_checks": QT_TRANSLATE_NOOP("Notices", "waiting for the identity checks"),
    "delivery.opencrvs_assigned": QT_TRANSLATE_NOOP("Notices", "a registrar is working on this record in OpenCRVS"),
    "delivery.opencrvs_refused": QT_TRANSLATE_NOOP("Notices",
        "OpenCRVS refused the declaration (HTTP {status}): ask an administrator"),
    "upstream.rejected": QT_TRANSLATE_NOOP("Notices", "a registrar in OpenCRVS sent it back for updates"),
    "upstream.refused": QT_TRANSLATE_NOOP("Notices", "OpenCRVS refused {fields} field(s): correct them"),
    "upstream.notify_rejected": QT_TRANSLATE_NOOP("Notices",
        "OpenCRVS's country configuration refused the declaration"),
    "sync.ida_credentials_refused": QT_TRANSLATE_NOOP("Notices",
        "The identity service refused this device's credentials ({codes}): ask an administrator."),
    "sync.mosip_credentials_refused": QT_TRANSLATE_NOOP("Notices",
        "MOSIP refused this device's credentials ({code}): ask an administrator."),
    "sync.subscription_refused": QT_TRANSLATE_NOOP("Notices",
        "MOSIP refused to send this device its confirmations (“{reason}”): ask an administrator to "
        "check the confirmation client."),
    "sync.audit_head_mismatch": QT_TRANSLATE_NOOP("Notices",
        "This device's history no longer matches what the relay acknowledged: ask an administrator to "
        "check it (audit verify)."),
    "sync.failed": QT_TRANSLATE_NOOP("Notices",
        "The last sync attempt failed; it is tried again automatically."),
    "device.upgrade_pending": QT_TRANSLATE_NOOP("Notices",
        "This device's sign-in keys date from an earlier version: an administrator must sign in once to "
        "finish the upgrade. Until then everyone works as before."),
}


def _fill(template: str, params: dict[str, Any]) -> str:
    text = translate("Notices", template)
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def _words(notice: Notice) -> str:
    params: dict[str, Any] = dict(notice.params)
    if notice.code == "delivery.gave_up":
        cause = Notice(str(params.get("cause", "")), "", notice.params)
        params["cause"] = _words(cause) if cause.code in NOTICE_TEMPLATES else notice.text.split(": ", 1)[-1]
    once = notice.code == "delivery.gave_up" and str(params.get("attempts")) == "1"
    template = NOTICE_TEMPLATES.get("delivery.gave_up.once" if once else notice.code)
    if template is None:     # an app.errors code, or a plain sentence of an older row
        return code_text(notice.code, notice.params, notice.text) if notice.code != "text" else notice.text
    text = _fill(template, params)
    return notice.text if "{" in text else text


def notice_text(value: Any) -> str:
    """A notice, a stored one, or an older plain reason, in the user's language ("" for none)."""
    notice = Notice.read(value)
    if notice is None:
        return ""
    if notice.code == "text" and notice.text.isidentifier():   # a bare exception name of an older agent
        return _fill(NOTICE_TEMPLATES["sync.failed"], {})
    return _words(notice)


def attention_text(value: Any) -> str:
    """Why a record needs a person: the operation concerned, then the reason."""
    notice = Notice.read(value)
    if notice is None:
        return ""
    operation = notice.params.get("operation")
    if notice.code == "text" or not operation:
        return _words(notice)
    return translate("Notices", "%1: %2").replace("%1", outbox_kind_text(str(operation))).replace(
        "%2", _words(notice))

"""Conditions a person must know of that are not exceptions — an agent alert, why a delivery waits
or was set aside — as a stable code with parameters, like `app.errors`: the core says *what*, the
edge (`ui.errors` for the desktop, the English `text` for the CLI and logs) chooses the words.

Notices that are stored (an outbox item's last error, a record's attention reason, the audit
details of a quarantine) are kept as `stored()` JSON in their text column; `Notice.read` also
accepts the plain English sentences that rows written before codes hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.errors import CrvsError

_MAX_TEXT = 300
_MAX_PARAM = 120

# every code a Notice is built with: the edge words each one (tests/ui/test_french_walk.py)
NOTICE_CODES = frozenset({
    # why a delivery waits (retried later) — a `cause` parameter of `delivery.gave_up`
    "delivery.timed_out", "delivery.cannot_connect", "delivery.connection_closed",
    "delivery.network_error", "delivery.http_status", "delivery.ida_busy", "delivery.mosip_busy",
    "delivery.bad_answer",
    # why a delivery was set aside (quarantined): a person must look
    "delivery.gave_up", "delivery.ida_rejected", "delivery.packet_rejected", "delivery.unknown_kind",
    # OpenCRVS (deployment mode opencrvs): why a NOTIFY waits, or was set aside
    "delivery.opencrvs_busy", "delivery.opencrvs_requested", "delivery.opencrvs_waits_for_checks",
    "delivery.opencrvs_assigned", "delivery.opencrvs_refused",
    # why OpenCRVS sent a record back to the agent (its attention reason)
    "upstream.rejected", "upstream.refused", "upstream.notify_rejected",
    # agent alerts: an administrator must act
    "sync.ida_credentials_refused", "sync.mosip_credentials_refused", "sync.subscription_refused",
    "sync.audit_head_mismatch", "sync.failed",
    # a reason stored before codes existed: its English text is all there is
    "text",
})


@dataclass(frozen=True)
class Notice:
    """`code` (one of `NOTICE_CODES`, or an `app.errors` code) and `params` (identifiers, counts,
    MOSIP codes — never personal data); `text` is the English sentence for logs and the CLI."""

    code: str
    text: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def of(cls, error: CrvsError) -> Notice:
        return cls(error.code, error.message, error.params)

    def with_params(self, **params: str | int) -> Notice:
        return Notice(self.code, self.text, {**self.params, **params})

    def bounded(self) -> Notice:
        """Short enough to store: params are identifiers, the text one line."""
        params = {str(k)[:40]: v if isinstance(v, int) else str(v)[:_MAX_PARAM] for k, v in self.params.items()}
        return Notice(self.code[:60], self.text[:_MAX_TEXT], params)

    def as_details(self) -> dict[str, Any]:
        """For audit details (JSON), beside an English ``reason``."""
        bounded = self.bounded()
        return {"code": bounded.code, "params": dict(bounded.params)}

    def stored(self) -> str:
        """The form kept in a text column."""
        bounded = self.bounded()
        return json.dumps({"code": bounded.code, "params": dict(bounded.params), "text": bounded.text},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def read(cls, value: Any) -> Notice | None:
        """A stored notice back; a plain sentence (an older row) becomes code ``text``."""
        if value is None or value == "":
            return None
        if isinstance(value, Notice):
            return value
        text = str(value)
        if text.startswith('{"code":'):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("code"), str):
                params = data.get("params") if isinstance(data.get("params"), dict) else {}
                return cls(data["code"], str(data.get("text") or ""),
                           {str(k): v if isinstance(v, int) else str(v) for k, v in params.items()})
        return cls("text", text)


def english(value: Any) -> str:
    """A stored notice (or an older plain reason) as its English sentence; "" for none."""
    notice = Notice.read(value)
    return notice.text if notice else ""

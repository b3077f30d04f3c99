"""The e-Signet login as the UI and the CLI see it (implemented in app/identity/esignet_login.py).

A login runs on a worker thread (it waits for the person in the system browser); the caller gets
an `ESignetOutcome` and never loses what was typed: on failure nothing is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class ESignetStep(StrEnum):
    """Where a login in progress stands, for the person waiting in front of the screen."""

    WAITING = "waiting"          # the authorization link is out: waiting for the browser's redirect
    VERIFYING = "verifying"      # the redirect arrived: token and userinfo requests, checks


# (step, seconds left before the login gives up); called on the login's thread
ProgressCallback = Callable[[ESignetStep, float], None]


class ESignetState(StrEnum):
    IDLE = "idle"
    LOADING = "loading"
    AUTHENTICATED = "authenticated"
    OFFLINE = "offline"          # no network or e-Signet unreachable: the action is disabled
    FAILED = "failed"            # timeout, cancelled, provider error, invalid token …


@dataclass(frozen=True)
class ESignetOutcome:
    state: ESignetState
    fields: dict[str, str] = field(default_factory=dict)   # form field id -> value (prefill)
    psut: str | None = None
    message: str | None = None   # for people: what happened, no personal data
    code: str | None = None      # stable code of the message (see app/errors.py) for the UI's wording
    params: dict[str, str | int] = field(default_factory=dict)   # fill the worded message; no personal data


class ESignetLogin(Protocol):
    def availability(self) -> tuple[bool, str | None]:
        """(True, None) when e-Signet answers; else (False, why) — cheap, safe to poll."""

    def login(self, record_id: str, section: str, *, open_url: Callable[[str], None],
              cancel: threading.Event, progress: ProgressCallback | None = None) -> ESignetOutcome:
        """Blocking: hand the authorize URL to ``open_url`` (a browser, or the person), wait for
        the redirect, verify, map, store the PSUT on the record (status `authenticated`); report
        each `ESignetStep` to ``progress``. ``cancel`` stops it at any point with nothing written.
        Never raises for expected failures."""

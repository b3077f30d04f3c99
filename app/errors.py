"""Expected failures as codes with parameters: the core says *what* went wrong, the edge (CLI, UI)
chooses the words in the user's language.

Four bases, one per way a caller must react; every expected failure of `app/` and `sync/` is one
of them, so the CLI's error boundary and the UI catch the bases, never a list of types:

- `Refused`: not allowed now (role, record state, lockout, wrong PIN). Nothing changed.
- `Invalid`: the input is wrong (a declaration, a file, an argument). Nothing changed; fix it.
- `Unavailable`: a service or resource cannot be reached now; the same call may work later.
- `ConfigurationFault`: the device or the country configuration must be fixed by an admin.

`code` is a stable dotted identifier (``record.not_found``); `params` fill the translated text;
`str(error)` is an English sentence for logs and for callers that have no catalogue yet. Params
hold identifiers and field names, never personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import ClassVar


class ErrorCategory(StrEnum):
    REFUSED = "refused"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"
    CONFIGURATION = "configuration"


class CrvsError(Exception):
    """Base of every expected failure. Subclass one of the four bases below, not this."""

    category: ClassVar[ErrorCategory]
    default_code: ClassVar[str] = "error"

    def __init__(self, message: str, *, code: str | None = None,
                 params: Mapping[str, str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.params: dict[str, str | int] = dict(params or {})


class Refused(CrvsError):
    category = ErrorCategory.REFUSED
    default_code = "refused"


class Invalid(CrvsError):
    category = ErrorCategory.INVALID
    default_code = "invalid"


class Unavailable(CrvsError):
    category = ErrorCategory.UNAVAILABLE
    default_code = "unavailable"


class ConfigurationFault(CrvsError):
    category = ErrorCategory.CONFIGURATION
    default_code = "configuration"


class WorkflowError(Refused):
    """An action that is not allowed now; the message says why, for the person who tried."""

    default_code = "workflow.not_allowed"


class PermissionDenied(WorkflowError):
    """The actor's role may not do this (records, secrets, users, device settings)."""

    default_code = "workflow.permission_denied"

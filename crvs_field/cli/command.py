"""How a CLI command is declared and how its failures reach the person at the terminal.

`@command(needs_device=..., needs_user=..., roles=...)` states once what a command needs: the
decorator opens the device (unlocked by the user's PIN when they have a key slot, else by the
agent key), signs the actor in, checks the role and always closes. The command function names the
parameters it wants (`device`, `actor`, `runtime`) and receives them; keyword arguments given to
the decorated command (inputs read before the device opens) are passed through.

`report_failure` is the one error boundary: the core's four error bases map to exit codes
(DESIGN §9: 1 refused, 2 bad input or configuration, 5 unavailable), with one line each.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from app.errors import CrvsError, ErrorCategory

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NO_CODE, EXIT_REJECTED, EXIT_UNAVAILABLE = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130
MAX_DATA_FILE = 1024 * 1024

EXIT_BY_CATEGORY = {
    ErrorCategory.REFUSED: EXIT_REFUSED,
    ErrorCategory.INVALID: EXIT_USAGE,
    ErrorCategory.CONFIGURATION: EXIT_USAGE,
    ErrorCategory.UNAVAILABLE: EXIT_UNAVAILABLE,
}
PREFIX_BY_CATEGORY = {
    ErrorCategory.REFUSED: "refused",
    ErrorCategory.INVALID: "error",
    ErrorCategory.CONFIGURATION: "error",
    ErrorCategory.UNAVAILABLE: "unavailable",
}


class CliError(Exception):
    """A failure found by the command line itself, with the exit status it ends with."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------------ inputs


def _stdin_lines() -> Callable[[], str | None]:
    lines: list[str] | None = None

    def next_line() -> str | None:
        nonlocal lines
        if lines is None:
            lines = [] if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read().splitlines()
        return lines.pop(0).strip() if lines else None

    return next_line


_read_stdin_line = _stdin_lines()


def secret_input(env: str, prompt: str) -> str:
    """A PIN: from `env`, else typed at a terminal, else the next line of standard input."""
    value = os.environ.get(env)
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    line = _read_stdin_line()
    if not line:
        raise CliError(f"no PIN given: set {env} or pass it on standard input")
    return line


def read_data_file(path: str) -> Any:
    """A JSON data file: bounded in size and nesting, a regular file, UTF-8, an object. Nothing is
    written if it is bad (`app.security.files` raises Invalid, which the boundary reports)."""
    from app.security.files import read_json_bounded

    data = read_json_bounded(path, MAX_DATA_FILE, what="the data file")
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected a JSON object of form field ids to values")
    return data


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high], refused with argparse's usage error otherwise."""

    def parse(text: str) -> int:
        if len(text) > 12:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}")
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected an integer from {low} to {high}")
        return value

    return parse


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def data_dir(args: argparse.Namespace) -> Path:
    from app.device import default_data_dir

    return Path(args.data_dir) if args.data_dir else default_data_dir()


def country_dir(args: argparse.Namespace) -> Path | None:
    return Path(args.country) if args.country else None


def user_and_pin(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The user named on the command line (or CRVS_FIELD_USER) and their PIN, asked for once."""
    name = args.user or os.environ.get("CRVS_FIELD_USER")
    if not name:
        return None, None
    if getattr(args, "_pin", None) is None:
        args._pin = secret_input("CRVS_FIELD_PIN", f"PIN for {name}: ")
    return name, args._pin


# ------------------------------------------------------------------------------------ @command

Command = Callable[..., int]


def command(*, needs_device: bool = False, needs_user: bool = False, roles: Collection[Any] = (),
            action: str = "this command") -> Callable[[Callable[..., int]], Command]:
    """Declare what a command needs; see the module docstring. `roles`: role values the actor must
    hold one of (`action` names the command in the refusal)."""
    needs_device = needs_device or needs_user or bool(roles)

    def decorate(function: Callable[..., int]) -> Command:
        wanted = set(inspect.signature(function).parameters)

        @functools.wraps(function)
        def run(args: argparse.Namespace, **inputs: Any) -> int:
            if not needs_device:
                return function(args, **inputs)
            from crvs_field.runtime import Runtime

            with Runtime(data_dir(args), country_dir(args)) as runtime:
                name, pin = user_and_pin(args)
                device = runtime.open(name, pin)
                if device.upgrade_pending:
                    print("note: this device's key slots are from before signed roles; an administrator must "
                          "sign in once to finish the upgrade (docs/SECURITY.md)", file=sys.stderr)
                given: dict[str, Any] = {"runtime": runtime, "device": device}
                if needs_user or roles:
                    actor = runtime.sign_in(name, pin)
                    if roles and actor.role not in roles:
                        needed = " or ".join(str(getattr(r, "value", r)) for r in roles)
                        raise CliError(f"{action} needs the role {needed}", EXIT_REFUSED)
                    given["actor"] = actor
                return function(args, **inputs, **{k: v for k, v in given.items() if k in wanted})

        return run

    return decorate


# ------------------------------------------------------------------------------------ failures


def _legacy_category(exc: BaseException) -> ErrorCategory | None:
    """Failure types of the core that do not derive from `app.errors` yet, by the way a caller
    must react to them; a type that gains one of the four bases is matched by it instead."""
    from app.config.loader import ConfigError
    from app.device import DeviceError
    from app.records import DeclarationInvalid, WorkflowError
    from app.security.secrets import MissingSecret
    from app.security.users import AuthenticationError, UserError

    for types, category in (((AuthenticationError, WorkflowError), ErrorCategory.REFUSED),
                            ((DeclarationInvalid, DeviceError, UserError), ErrorCategory.INVALID),
                            ((ConfigError, MissingSecret), ErrorCategory.CONFIGURATION)):
        if isinstance(exc, types):
            return category
    return None


def failure_lines(exc: BaseException, category: ErrorCategory) -> list[str]:
    """What stderr shows: each configuration issue as `file:line: path: message`, each invalid
    field on a line of its own, anything else as one line."""
    issues = getattr(exc, "issues", None)
    if isinstance(issues, list) and issues:
        return [str(issue) for issue in issues]
    prefix = PREFIX_BY_CATEGORY[category]
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list) and errors:
        return [f"{prefix}: {error}" for error in errors]
    text = exc.message if isinstance(exc, CrvsError) else str(exc)
    return [f"{prefix}: {' '.join(text.split())}"]


def report_failure(exc: BaseException) -> int | None:
    """The exit status for an expected failure, after telling why on stderr; None for a bug."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, CliError):
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    category = exc.category if isinstance(exc, CrvsError) else _legacy_category(exc)
    if category is None:
        return None
    for line in failure_lines(exc, category):
        print(line, file=sys.stderr)
    return EXIT_BY_CATEGORY[category]

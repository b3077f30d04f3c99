"""`crvs-field qr decode PATH [--trusted-key PEM]…` (DESIGN §9): exit 0 + one JSON object,
3 when no code is found, 4 when the code is rejected (reason on stderr). `decode_identity` is
shared with `records prefill`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_NO_CODE, EXIT_REJECTED = 0, 2, 3, 4


class QrCommandError(Exception):
    """Why a QR file gave no identity; `code` is the command's exit status."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def decode_identity(country: Any, path: str, trusted_key_paths: list[str], backend: str = "zxing") -> Any:
    """The country's QR policy (plus extra trusted keys) applied to the code in an image or video
    file; raises QrCommandError with the message and exit status otherwise."""
    from app.errors import Invalid
    from app.identity.capture import decode_file
    from app.identity.mapping import qr_policy
    from app.identity.qr import NoCodeFound, QrRejected
    from app.security.files import read_bounded

    extra = []
    for pem_path in trusted_key_paths:
        try:
            extra.append(read_bounded(pem_path, 64 * 1024, what="the trusted key"))
        except Invalid as exc:
            raise QrCommandError(f"error: {exc.message}", EXIT_USAGE) from None
    try:
        policy = qr_policy(country, extra)
    except ValueError as exc:
        raise QrCommandError(f"error: trusted key: {exc}", EXIT_USAGE) from None
    if not Path(path).is_file():
        raise QrCommandError(f"error: {path}: no such file", EXIT_USAGE)
    try:
        return decode_file(path, policy, consecutive_reads=1, backend=backend)
    except NoCodeFound as exc:
        raise QrCommandError(f"no QR code found: {exc}", EXIT_NO_CODE) from None
    except QrRejected as exc:
        raise QrCommandError(f"rejected: {exc}", EXIT_REJECTED) from None
    except OSError as exc:
        raise QrCommandError(f"error: {path}: {exc}", EXIT_USAGE) from None


def decode_command(args: argparse.Namespace) -> int:
    from app.config.loader import load_country
    from app.device import default_country_dir
    from app.identity.mapping import identity_to_field_names

    country = load_country(Path(args.country) if args.country else default_country_dir())
    try:
        result = decode_identity(country, args.path, args.trusted_key, args.backend)
    except QrCommandError as exc:
        print(str(exc), file=sys.stderr)
        return exc.code
    print(json.dumps({"format": result.format, "signature": result.signature,
                      "identity": result.identity.as_json(),
                      "fields": identity_to_field_names(country, result.identity)},
                     ensure_ascii=False, indent=2, sort_keys=True))
    return EXIT_OK

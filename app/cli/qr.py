"""`crvs-field qr decode PATH [--trusted-key PEM]…` (DESIGN §9): exit 0 + one JSON object,
3 when no code is found, 4 when the code is rejected (reason on stderr)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_NO_CODE, EXIT_REJECTED = 0, 2, 3, 4


def decode_command(args: argparse.Namespace) -> int:
    from app.config.loader import load_country
    from app.device import default_country_dir
    from app.identity.capture import decode_file
    from app.identity.mapping import identity_to_field_names, qr_policy
    from app.identity.qr import NoCodeFound, QrRejected

    country = load_country(Path(args.country) if args.country else default_country_dir())
    extra = []
    for pem_path in args.trusted_key:
        try:
            extra.append(Path(pem_path).read_bytes())
        except OSError as exc:
            print(f"error: {pem_path}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
    try:
        policy = qr_policy(country, extra)
    except ValueError as exc:
        print(f"error: trusted key: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not Path(args.path).is_file():
        print(f"error: {args.path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = decode_file(args.path, policy, consecutive_reads=1, backend=args.backend)
    except NoCodeFound as exc:
        print(f"no QR code found: {exc}", file=sys.stderr)
        return EXIT_NO_CODE
    except QrRejected as exc:
        print(f"rejected: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except OSError as exc:
        print(f"error: {args.path}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps({"format": result.format, "signature": result.signature,
                      "identity": result.identity.as_json(),
                      "fields": identity_to_field_names(country, result.identity)},
                     ensure_ascii=False, indent=2, sort_keys=True))
    return EXIT_OK

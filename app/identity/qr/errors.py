"""Exceptions of QR decoding. Reasons are human-readable and never contain personal data."""

from __future__ import annotations

from app.errors import Invalid


class QrRejected(Invalid):
    """A QR code was read but refused: malformed, over a limit, unsigned where a signature is
    required, signed by an untrusted key, or with a signature that does not verify.

    `reason` is a short sentence for people (shown in the UI, printed on stderr by the CLI);
    `code` is a stable machine-readable category (see `REJECTION_CODES`)."""

    def __init__(self, reason: str, code: str = "invalid") -> None:
        super().__init__(reason, code=code)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class NoCodeFound(Invalid):
    """No QR code could be read from the image or video (CLI exit 3)."""

    default_code = "qr.no_code"


REJECTION_CODES = frozenset({
    "too_long",            # QR text over 4,296 characters
    "empty",               # nothing in the code
    "unknown_format",      # neither JSON nor base45 / not a known identity layout
    "format_disabled",     # format not enabled by the policy
    "malformed_base45",
    "malformed_zlib",      # bad header, corrupt or truncated deflate stream, trailing bytes
    "inflate_limit",       # inflated data over 64 KiB
    "malformed_cbor",
    "truncated_cbor",
    "cbor_limit",          # nesting depth / item count over the bound
    "malformed_json",
    "json_limit",
    "malformed_cose",
    "unsupported",         # encrypted Claim 169, unknown algorithm, brotli, …
    "unsigned_not_accepted",
    "untrusted_key",
    "signature_invalid",
    "expired",             # CWT exp / nbf outside the validity window
    "invalid_field",       # wrong JSON/CBOR type or unparsable value
    "not_identity",        # decodes, but carries no identity
})

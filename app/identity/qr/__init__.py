"""Identity QR codes (PROTOCOLS §4): Claim 169, PixelPass, MOSIP card JSON, OpenCRVS JSON."""

from .decode import QrResult, decode_qr_text
from .errors import NoCodeFound, QrRejected
from .limits import MAX_INFLATED, MAX_QR_TEXT
from .policy import FORMATS, UNSIGNED_FORMATS, QrPolicy, TrustedKey

__all__ = [
    "FORMATS",
    "MAX_INFLATED",
    "MAX_QR_TEXT",
    "UNSIGNED_FORMATS",
    "NoCodeFound",
    "QrPolicy",
    "QrRejected",
    "QrResult",
    "TrustedKey",
    "decode_qr_text",
]

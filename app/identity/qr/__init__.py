"""Identity QR codes (PROTOCOLS §4): Claim 169, PixelPass, MOSIP card JSON, OpenCRVS JSON.

    policy = QrPolicy(trusted_keys=[TrustedKey.from_pem(pem, kid="issuer-1")],
                      accept_unsigned={"opencrvs-json"}, languages=["eng", "fra"])
    result = decode_qr_text(text, policy)     # QrResult or raises QrRejected(reason, code)
    result.format, result.signature, result.identity, result.issuer_kid

From images, video files and cameras: app.identity.capture (decode_file, ScanPipeline);
decoder backends: app.identity.decoders (zxing-cpp, pyzbar). Detection order and policy rules:
app.identity.qr.decode. Bounds: app.identity.qr.limits.
"""

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

"""What the country trusts: issuer public keys, which unsigned formats it accepts, languages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_public_key

Algorithm = Literal["EdDSA", "ES256"]

FORMATS = frozenset({"claim169", "pixelpass-json", "mosip-card-json", "opencrvs-json"})
UNSIGNED_FORMATS = frozenset({"pixelpass-json", "mosip-card-json", "opencrvs-json"})


def _load_public_key(pem: bytes) -> Any:
    if b"-----BEGIN CERTIFICATE-----" in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    return load_pem_public_key(pem)


def _algorithm_of(key: Any) -> Algorithm:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError("unsupported issuer key: only Ed25519 and P-256 (ES256) public keys are accepted")


@dataclass(frozen=True)
class TrustedKey:
    """An issuer public key (SPKI PEM, or an X.509 certificate PEM) trusted for Claim 169.
    `kid` is matched against the COSE key id of a code (as UTF-8 text or as hex); a key
    without kid is tried for any code of its algorithm."""

    kid: str | None
    alg: Algorithm
    public_key_pem: bytes
    _key: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pem = self.public_key_pem.encode() if isinstance(self.public_key_pem, str) else self.public_key_pem
        object.__setattr__(self, "public_key_pem", pem)
        try:
            key = _load_public_key(pem)
        except ValueError as exc:
            raise ValueError(f"cannot load issuer key: {exc}") from None
        alg = _algorithm_of(key)
        if alg != self.alg:
            raise ValueError(f"issuer key is {alg}, declared {self.alg}")
        object.__setattr__(self, "_key", key)

    @classmethod
    def from_pem(cls, pem: bytes | str, kid: str | None = None) -> TrustedKey:
        """Load an Ed25519 or P-256 public key (SPKI PEM or certificate); the algorithm is
        inferred. Raises ValueError with a clear message for anything else."""
        raw = pem.encode() if isinstance(pem, str) else pem
        try:
            key = _load_public_key(raw)
        except ValueError as exc:
            raise ValueError(f"cannot load issuer key: {exc}") from None
        return cls(kid=kid, alg=_algorithm_of(key), public_key_pem=raw)

    def matches_kid(self, kid: bytes | None) -> bool:
        if self.kid is None or kid is None:
            return True
        return kid == self.kid.encode("utf-8") or kid.hex() == self.kid.lower()

    def verify(self, data: bytes, signature: bytes) -> bool:
        """COSE signature check: Ed25519, or ES256 with the raw r‖s signature of RFC 9053."""
        try:
            if self.alg == "EdDSA":
                self._key.verify(signature, data)
            else:
                if len(signature) != 64:
                    return False
                der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                           int.from_bytes(signature[32:], "big"))
                self._key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, init=False)
class QrPolicy:
    """Decoding policy from the country configuration.

    - `trusted_keys`: issuer keys for Claim 169. A signed code is accepted only when one of them
      verifies it. When any key is configured, unsigned Claim 169 is never accepted.
    - `accept_unsigned`: unsigned formats allowed (any of "pixelpass-json", "mosip-card-json",
      "opencrvs-json"; "claim169" only counts when no trusted key is configured). Results
      from them carry signature="unsigned" and the UI says the data is unverified.
    - `formats`: formats enabled at all.
    - `languages`: MOSIP language codes in preference order, for the top-level name fields.
    - `pixelpass_header`: optional prefix of PixelPass codes (PixelPass default: none).
    - `validate_timestamps` / `clock_skew_seconds`: CWT exp/nbf checks for Claim 169.
    """

    trusted_keys: tuple[TrustedKey, ...] = ()
    accept_unsigned: frozenset[str] = frozenset()
    formats: frozenset[str] = FORMATS
    languages: tuple[str, ...] = ("eng",)
    pixelpass_header: str = ""
    validate_timestamps: bool = True
    clock_skew_seconds: int = 300

    def __init__(self, trusted_keys: Iterable[TrustedKey] = (), accept_unsigned: Iterable[str] = (),
                 formats: Iterable[str] = FORMATS, languages: Iterable[str] = ("eng",),
                 pixelpass_header: str = "", validate_timestamps: bool = True,
                 clock_skew_seconds: int = 300) -> None:
        keys = tuple(trusted_keys)
        for key in keys:
            if not isinstance(key, TrustedKey):
                raise TypeError("trusted_keys must hold TrustedKey objects")
        fmts = frozenset(formats)
        unknown = (fmts | frozenset(accept_unsigned)) - FORMATS
        if unknown:
            raise ValueError(f"unknown QR formats: {sorted(unknown)}")
        object.__setattr__(self, "trusted_keys", keys)
        object.__setattr__(self, "accept_unsigned", frozenset(accept_unsigned))
        object.__setattr__(self, "formats", fmts)
        object.__setattr__(self, "languages", tuple(languages))
        object.__setattr__(self, "pixelpass_header", pixelpass_header)
        object.__setattr__(self, "validate_timestamps", validate_timestamps)
        object.__setattr__(self, "clock_skew_seconds", clock_skew_seconds)

from __future__ import annotations

import pytest

from app.identity.decoders import DecoderUnavailable, get_decoder
from app.identity.qr import QrPolicy, TrustedKey

from .helpers import Signer


@pytest.fixture(scope="session")
def ed_signer() -> Signer:
    return Signer("EdDSA", kid="issuer-ed-2026")


@pytest.fixture(scope="session")
def p256_signer() -> Signer:
    return Signer("ES256", kid="issuer-p256-2026")


@pytest.fixture(scope="session")
def rogue_signer() -> Signer:
    return Signer("EdDSA", kid="issuer-ed-2026")   # same kid, different key


@pytest.fixture(scope="session")
def policy(ed_signer: Signer, p256_signer: Signer) -> QrPolicy:
    return QrPolicy(
        trusted_keys=[TrustedKey.from_pem(ed_signer.public_pem, kid=ed_signer.kid),
                      TrustedKey.from_pem(p256_signer.public_pem, kid=p256_signer.kid)],
        accept_unsigned=frozenset({"pixelpass-json", "mosip-card-json", "opencrvs-json"}),
        languages=["fra", "eng"],
    )


def _backend(name: str):
    try:
        return get_decoder(name)
    except DecoderUnavailable as exc:
        pytest.skip(f"{name} backend unavailable on this machine: {exc}")


@pytest.fixture(params=["zxing", "pyzbar"])
def backend(request: pytest.FixtureRequest) -> str:
    _backend(request.param)
    return request.param


@pytest.fixture
def decoder(backend: str):
    return get_decoder(backend)

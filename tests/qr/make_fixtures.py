"""Regenerate tests/fixtures/qr/ (small sample codes for CLI and UI tests):

    python -m tests.qr.make_fixtures

The Claim 169 sample is signed with a *test-only* Ed25519 key derived from a fixed seed below;
its public key is written beside the images (issuer_ed25519_test.pem, kid "crvs-test-issuer")."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import claim169
import numpy as np
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .helpers import MOSIP_CARD, OPENCRVS, amelie, pixelpass_encode, render, write_png, write_video

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qr"
TEST_SEED = hashlib.sha256(b"crvs-field test issuer, never a real key").digest()
TEST_KID = "crvs-test-issuer"


def issuer_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(TEST_SEED)


def claim169_text() -> str:
    key = issuer_key()
    meta = claim169.CwtMetaInput(issuer="https://id.example.test")
    return claim169.encode_with_signer(amelie(), meta, lambda _a, _k, d: key.sign(d), "EdDSA",
                                       key_id=TEST_KID.encode())


def sample_texts() -> dict[str, str]:
    return {
        "claim169_ed25519": claim169_text(),
        "pixelpass_vc": pixelpass_encode({"credentialSubject": MOSIP_CARD}),
        "mosip_card": json.dumps(MOSIP_CARD, ensure_ascii=False),
        "opencrvs": json.dumps(OPENCRVS, ensure_ascii=False),
    }


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    pem = issuer_key().public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    (FIXTURES / "issuer_ed25519_test.pem").write_bytes(pem)
    texts = sample_texts()
    for name, text in texts.items():
        write_png(FIXTURES / f"{name}.png", render(text, scale=3))
    # 2 s MJPG video at 5 fps, 320×240: blank for 1 s, then the OpenCRVS code.
    code = render(texts["opencrvs"], scale=3)
    blank = np.full((240, 320), 200, np.uint8)
    shown = blank.copy()
    h, w = code.shape
    shown[(240 - h) // 2:(240 - h) // 2 + h, (320 - w) // 2:(320 - w) // 2 + w] = code
    write_video(FIXTURES / "opencrvs_after_1s.avi", [blank] * 5 + [shown] * 5, fps=5)
    write_video(FIXTURES / "no_code.avi", [blank] * 3, fps=5)


if __name__ == "__main__":
    main()

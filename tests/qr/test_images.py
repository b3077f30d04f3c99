"""Rendered codes (segno) → distorted with OpenCV → image files → decode_file, both backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.identity.capture import decode_file
from app.identity.qr import QrPolicy

from .helpers import (
    MOSIP_CARD,
    OPENCRVS,
    Signer,
    amelie,
    blur,
    invert,
    low_contrast,
    on_canvas,
    perspective,
    pixelpass_encode,
    render,
    rotate,
    write_png,
)

DISTORTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "plain": lambda img: img,
    "rotated-30": lambda img: rotate(img, 30),
    "rotated-90": lambda img: rotate(img, 90),
    "blurred": lambda img: blur(img, 5),
    "perspective": lambda img: perspective(img, 0.08),
    "low-contrast": low_contrast,
    "inverted": invert,
}

EXPECTED_ID = {"claim169": "3918237465", "pixelpass-json": "7640521983",
               "mosip-card-json": "7640521983", "opencrvs-json": "1234567890"}


@pytest.fixture(scope="module")
def texts(ed_signer: Signer) -> dict[str, str]:
    return {
        "claim169": ed_signer.encode(amelie()),
        "pixelpass-json": pixelpass_encode({"credentialSubject": MOSIP_CARD}),
        "mosip-card-json": json.dumps(MOSIP_CARD, ensure_ascii=False),
        "opencrvs-json": json.dumps(OPENCRVS, ensure_ascii=False),
    }


@pytest.mark.parametrize("distortion", list(DISTORTIONS))
@pytest.mark.parametrize("fmt", list(EXPECTED_ID))
def test_decode_image_file(tmp_path: Path, texts: dict[str, str], policy: QrPolicy, backend: str,
                           fmt: str, distortion: str) -> None:
    frame = on_canvas(DISTORTIONS[distortion](render(texts[fmt], scale=4)), 1280, 720)
    path = tmp_path / f"{fmt}-{distortion}.png"
    write_png(path, frame)
    result = decode_file(path, policy, backend=backend)
    assert result.format == fmt
    assert result.identity.individual_id == EXPECTED_ID[fmt]
    assert result.signature == ("valid" if fmt == "claim169" else "unsigned")
    if fmt == "claim169":
        assert result.identity.given_name == "Amélie"
    if fmt == "opencrvs-json":
        assert result.identity.given_name == "Amélie"   # Latin-1 byte mode, no ECI
    if fmt in ("mosip-card-json", "pixelpass-json"):
        assert result.identity.names["eng"].full_name == "José Martín"


def test_utf8_with_eci_and_jpeg(tmp_path: Path, policy: QrPolicy, backend: str) -> None:
    import io

    import cv2
    import segno

    text = json.dumps(dict(OPENCRVS, name={"firstname": "Zoë-Łucja", "surname": "Ñúñez"}), ensure_ascii=False)
    buf = io.BytesIO()
    segno.make_qr(text, encoding="utf-8", eci=True).save(buf, kind="png", scale=5, border=4)
    img = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    path = tmp_path / "utf8.jpg"
    ok, data = cv2.imencode(".jpg", on_canvas(img, 800, 600), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    path.write_bytes(data.tobytes())
    ident = decode_file(path, policy, backend=backend).identity
    assert (ident.given_name, ident.family_name) == ("Zoë-Łucja", "Ñúñez")

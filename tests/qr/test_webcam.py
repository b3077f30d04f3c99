"""Whole 1280×720 frames with the webcam distortions bench/qr measures (tilt, rotation, defocus,
motion blur, uneven and flat light, grain + MJPG, all at once): the app's zxing pipeline reads
both the small OpenCRVS code and the dense Claim 169 code (v25+, with a photo) in each."""

from __future__ import annotations

import json
from pathlib import Path

import claim169
import numpy as np
import pytest

from app.identity.capture import decode_file
from app.identity.decoders import FLAT_RANGE, ZxingDecoder, as_gray, stretch_flat
from app.identity.qr import QrPolicy

from .helpers import (
    OPENCRVS,
    WEBCAM_DISTORTIONS,
    Signer,
    amelie,
    flat_light,
    on_canvas,
    qr_version,
    render,
    write_png,
)

SMALL = json.dumps(OPENCRVS, ensure_ascii=False)


@pytest.fixture(scope="module")
def dense(ed_signer: Signer) -> str:
    photo = np.random.default_rng(7).integers(0, 256, 1000, dtype=np.uint8).tobytes()   # like a JPEG
    text = ed_signer.encode(amelie(photo=photo, photo_format=claim169.PhotoFormat.JPEG))
    assert qr_version(text) >= 25
    return text


@pytest.fixture(scope="module")
def zxing() -> ZxingDecoder:
    return ZxingDecoder()


@pytest.mark.parametrize("distortion", list(WEBCAM_DISTORTIONS))
@pytest.mark.parametrize("code", ["small", "dense"])
def test_zxing_reads_distorted_frames(zxing: ZxingDecoder, dense: str, code: str, distortion: str) -> None:
    text = SMALL if code == "small" else dense
    frame = WEBCAM_DISTORTIONS[distortion](on_canvas(render(text, scale=4), seed=3))
    assert frame.shape == (720, 1280, 3)
    assert zxing.decode(frame) == [text]


def test_flat_light_frame_is_stretched_then_read(zxing: ZxingDecoder) -> None:
    """The whole frame within 20 grey levels: zxing-cpp's local-average binarizer sees only blank
    blocks (< 24 levels), and the global-histogram pass misses it too; ZBar and OpenCV read it.
    Stretching the band to 0..255 first makes zxing read it."""
    frame = flat_light(on_canvas(render(SMALL, scale=4), seed=3), 118, 138)
    gray = as_gray(frame)
    assert int(gray.max()) - int(gray.min()) <= 20
    unstretched = ZxingDecoder()
    unstretched_gray = gray.copy()
    assert unstretched._zx.read_barcode(unstretched_gray, **unstretched._first) is None
    assert unstretched._zx.read_barcode(unstretched_gray, **unstretched._second) is None
    stretched = stretch_flat(gray)
    assert int(stretched.max()) - int(stretched.min()) >= 200
    assert zxing.decode(frame) == [SMALL]


def test_stretch_leaves_normal_frames_alone() -> None:
    frame = as_gray(on_canvas(render(SMALL, scale=4), seed=3))
    assert stretch_flat(frame) is frame                           # a code: full range
    blank = as_gray(on_canvas(np.full((8, 8), 185, np.uint8), seed=5))
    assert stretch_flat(blank) is blank                           # a camera view without a card
    uniform = np.full((720, 1280), 128, np.uint8)
    assert stretch_flat(uniform).max() <= 255                     # nothing to read, no crash
    assert FLAT_RANGE > 24


def test_flat_light_image_file(tmp_path: Path, policy: QrPolicy) -> None:
    path = tmp_path / "flat.png"
    write_png(path, flat_light(on_canvas(render(SMALL, scale=4), seed=3)))
    result = decode_file(path, policy)
    assert result.identity.individual_id == "1234567890"
    assert result.identity.given_name == "Amélie"

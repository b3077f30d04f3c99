"""QR decoder backends over numpy frames (BGR or grayscale, uint8).

- `zxing` (zxing-cpp, primary): self-contained wheels, fast, reads rotated, blurred, low-contrast
  and inverted codes (try_rotate / try_downscale / try_invert), restricted to QR symbologies; a
  frame whose grey levels all sit in a narrow band is stretched first (`stretch_flat`).
- `pyzbar` (ZBar, second): needs the libzbar shared library; when it is missing the backend is
  reported unavailable (`DecoderUnavailable`), never a crash at import.

A backend returns the texts of all QR codes in the frame. Byte-mode content that is not text is
decoded as UTF-8 when valid, else mapped 1:1 (latin-1) so the QR layer can reject it cleanly.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from typing import Any, Protocol

import numpy as np

from app.errors import ConfigurationFault

log = logging.getLogger(__name__)

BACKENDS = ("zxing", "pyzbar")


class DecoderUnavailable(ConfigurationFault, RuntimeError):
    """The backend cannot run on this machine (library missing); `reason` says why."""

    default_code = "qr.decoder_unavailable"


class QrDecoder(Protocol):
    name: str

    def decode(self, frame: np.ndarray) -> list[str]: ...


def _bytes_to_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def as_gray(frame: np.ndarray) -> np.ndarray:
    """A contiguous 2-D uint8 view/copy of a BGR, BGRA or grayscale frame."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise TypeError("frame must be a numpy uint8 array")
    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    if frame.ndim == 3 and frame.shape[2] in (1, 3, 4):
        import cv2

        if frame.shape[2] == 1:
            return np.ascontiguousarray(frame[:, :, 0])
        code = cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return cv2.cvtColor(frame, code)
    raise TypeError("frame must be HxW, HxWx3 (BGR) or HxWx4 (BGRA)")


FLAT_RANGE = 64         # grey levels between the 0.5th and 99.5th percentile below which a frame is flat


def stretch_flat(gray: np.ndarray) -> np.ndarray:
    """`gray` itself, or — when the whole frame sits within FLAT_RANGE grey levels (dim, flat
    light; a washed-out picture) — a linear stretch of that band to 0..255.

    zxing-cpp's local-average binarizer treats every 8×8 block whose levels span less than 24 as
    blank, so a code drawn in ≈ 20 levels is never seen by either pass (ZBar and OpenCV read it).
    The percentiles come from every 4th pixel of every 4th row (≈ 0.1 ms on a 720p frame); a
    normal frame, with a code or not, is returned untouched."""
    sample = gray[::4, ::4]
    cumulative = np.bincount(sample.ravel(), minlength=256).cumsum()
    total = int(cumulative[-1])
    lo = int(np.searchsorted(cumulative, total * 0.005))
    hi = int(np.searchsorted(cumulative, total * 0.995))
    if hi - lo >= FLAT_RANGE:
        return gray
    import cv2

    gain = 255.0 / max(hi - lo, 8)   # at most ×32: below 8 levels there is nothing to read
    return cv2.convertScaleAbs(gray, alpha=gain, beta=-lo * gain)


class ZxingDecoder:
    """zxing-cpp backend, two passes: a global-histogram binarizer first (≈1 ms on a 720p frame,
    enough for a well-lit code, even rotated, tilted or inverted), then, only when that finds
    nothing, the local-average binarizer (≈3 ms when it finds a code, ≈6 ms when there is none;
    reads blurred, unevenly lit and low-contrast codes). Both passes search rotated, downscaled
    and inverted codes. A flat frame (all of it within FLAT_RANGE grey levels) is contrast-
    stretched before the passes (`stretch_flat`).

    By default a pass stops at the first code found (an ID card carries one; scanning on for
    more roughly doubles the time). `multi=True` returns every code of the frame from the first
    pass (decode_file uses it: latency does not matter there). `fast=True` keeps only the first
    pass."""

    name = "zxing"

    def __init__(self, *, fast: bool = False, multi: bool = False) -> None:
        try:
            import zxingcpp
        except ImportError as exc:   # pragma: no cover - a dependency of the app
            raise DecoderUnavailable(f"zxing-cpp is not installed ({exc})") from None
        self._zx = zxingcpp
        common: dict[str, Any] = {
            "formats": zxingcpp.barcode_formats_from_str("QRCode,MicroQRCode"),
            "try_rotate": True, "try_downscale": True, "try_invert": True,
            "text_mode": zxingcpp.TextMode.Plain,
        }
        self._first = dict(common, binarizer=zxingcpp.Binarizer.GlobalHistogram)
        self._second = None if fast else dict(common, binarizer=zxingcpp.Binarizer.LocalAverage)
        self._multi = multi

    def decode(self, frame: np.ndarray) -> list[str]:
        gray = stretch_flat(as_gray(frame))
        if self._multi:
            barcodes = self._zx.read_barcodes(gray, **self._first)
            if barcodes:
                return [self._text(b) for b in barcodes]
        else:
            first = self._zx.read_barcode(gray, **self._first)
            if first is not None:
                return [self._text(first)]
        if self._second is not None:
            barcode = self._zx.read_barcode(gray, **self._second)
            if barcode is not None:
                return [self._text(barcode)]
        return []

    def _text(self, barcode: Any) -> str:
        if barcode.content_type == self._zx.ContentType.Binary:
            return _bytes_to_text(bytes(barcode.bytes))
        return str(barcode.text)


class PyzbarDecoder:
    """ZBar backend, driven through pyzbar's ctypes bindings to libzbar.

    pyzbar's own `decode()` lets ZBar transcode byte-mode QR content to UTF-8 by guessing its
    charset, and ZBar guesses Shift-JIS for Latin-1 text (so "Amélie" comes back garbled). We
    scan with ZBar ≥ 0.23's binary option (raw bytes, as encoded) and decode the bytes
    ourselves like the zxing backend does. ZBar does not look for inverted codes, so a frame
    without a result is retried inverted (`try_invert`)."""

    name = "pyzbar"
    _CFG_ENABLE = 0
    _CFG_BINARY = 4          # zbar_config_e in ZBar ≥ 0.23 (pyzbar's enum predates it)
    _SYM_NONE, _SYM_QRCODE = 0, 64
    _Y800 = 0x30303859       # fourcc "Y800": 8-bit grayscale

    def __init__(self, *, try_invert: bool = True) -> None:
        try:
            from pyzbar import wrapper
        except (ImportError, OSError) as exc:
            raise DecoderUnavailable(f"pyzbar is unavailable: {exc}") from None
        self._w = wrapper
        self._try_invert = try_invert
        self._lock = threading.Lock()
        major, minor = ctypes.c_uint(), ctypes.c_uint()
        wrapper.zbar_version(ctypes.byref(major), ctypes.byref(minor))
        self._binary = (major.value, minor.value) >= (0, 23)
        self._scanner = wrapper.zbar_image_scanner_create()
        wrapper.zbar_image_scanner_set_config(self._scanner, self._SYM_NONE, self._CFG_ENABLE, 0)
        wrapper.zbar_image_scanner_set_config(self._scanner, self._SYM_QRCODE, self._CFG_ENABLE, 1)
        if self._binary:
            self._binary = wrapper.zbar_image_scanner_set_config(
                self._scanner, self._SYM_QRCODE, self._CFG_BINARY, 1) == 0

    def __del__(self) -> None:
        scanner = getattr(self, "_scanner", None)
        if scanner:
            self._w.zbar_image_scanner_destroy(scanner)
            self._scanner = None

    def _scan(self, gray: np.ndarray) -> list[bytes]:
        w = self._w
        height, width = gray.shape
        data = gray.tobytes()
        found: list[bytes] = []
        with self._lock:
            image = w.zbar_image_create()
            try:
                w.zbar_image_set_format(image, self._Y800)
                w.zbar_image_set_size(image, width, height)
                w.zbar_image_set_data(image, ctypes.cast(data, ctypes.c_void_p), len(data), None)
                if w.zbar_scan_image(self._scanner, image) > 0:
                    symbol = w.zbar_image_first_symbol(image)
                    while symbol:
                        found.append(ctypes.string_at(w.zbar_symbol_get_data(symbol),
                                                      w.zbar_symbol_get_data_length(symbol)))
                        symbol = w.zbar_symbol_next(symbol)
            finally:
                w.zbar_image_destroy(image)
        return found

    def decode(self, frame: np.ndarray) -> list[str]:
        gray = as_gray(frame)
        found = self._scan(gray)
        if not found and self._try_invert:
            found = self._scan(255 - gray)
        return [_bytes_to_text(raw) for raw in found]


def get_decoder(name: str = "zxing", *, multi: bool = False) -> QrDecoder:
    """`zxing`, `pyzbar`, or `auto` (zxing, else pyzbar). `multi`: return every code of a frame
    (pyzbar always does). Raises DecoderUnavailable or ValueError."""
    if name == "zxing":
        return ZxingDecoder(multi=multi)
    if name == "pyzbar":
        return PyzbarDecoder()
    if name == "auto":
        try:
            return ZxingDecoder(multi=multi)
        except DecoderUnavailable:
            return PyzbarDecoder()
    raise ValueError(f"unknown QR decoder backend {name!r} (expected one of {', '.join(BACKENDS)}, auto)")


def available_backends() -> dict[str, str | None]:
    """{backend: None when usable, else the reason it is not}."""
    out: dict[str, str | None] = {}
    for name in BACKENDS:
        try:
            get_decoder(name)
            out[name] = None
        except DecoderUnavailable as exc:
            out[name] = str(exc)
    return out

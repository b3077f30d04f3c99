"""Test-side encoders and image tools, written from the specs independently of app/identity."""

from __future__ import annotations

import io
import zlib
from typing import Any

import cbor2
import claim169
import cv2
import numpy as np
import segno
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

# ----------------------------------------------------------------------------- base45 / PixelPass
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def base45_encode(data: bytes) -> str:
    """RFC 9285 §4: every 2 bytes n = a*256 + b → c + 45d + 2025e, emitted c d e; a last single
    byte → c + 45d."""
    chars = []
    pairs, odd = divmod(len(data), 2)
    for k in range(pairs):
        n = data[2 * k] * 256 + data[2 * k + 1]
        digits = [n % 45, (n // 45) % 45, n // 2025]
        chars.extend(_B45[d] for d in digits)
    if odd:
        n = data[-1]
        chars.extend(_B45[d] for d in (n % 45, n // 45))
    return "".join(chars)


def pixelpass_encode(data: Any, header: str = "") -> str:
    """mosip/pixelpass generateQRData: JSON (object/array given as Python data, or a JSON string)
    → CBOR; other text stays text; then zlib level 9 and base45, header prepended."""
    import json

    if isinstance(data, str):
        try:
            parsed = json.loads(data)
        except ValueError:
            payload = data.encode("utf-8")
        else:
            payload = cbor2.dumps(parsed) if isinstance(parsed, dict | list) else data.encode("utf-8")
    else:
        payload = cbor2.dumps(data)
    return header + base45_encode(zlib.compress(payload, 9))


# ----------------------------------------------------------------------------- keys and Claim 169
class Signer:
    """A test issuer key: Ed25519 or P-256, with its public PEM."""

    def __init__(self, alg: str, kid: str | None = None) -> None:
        self.alg = alg
        self.kid = kid
        if alg == "EdDSA":
            self.key = ed25519.Ed25519PrivateKey.generate()
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data: bytes) -> bytes:
        if self.alg == "EdDSA":
            return self.key.sign(data)
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def encode(self, claim: claim169.Claim169Input, meta: claim169.CwtMetaInput | None = None,
               with_kid: bool = True) -> str:
        meta = meta or claim169.CwtMetaInput(issuer="https://id.example.test")
        kid = self.kid.encode() if (self.kid and with_kid) else None
        return claim169.encode_with_signer(claim, meta, lambda _a, _k, d: self.sign(d), self.alg,
                                           key_id=kid)

    def raw_private(self) -> bytes:
        if self.alg == "EdDSA":
            return self.key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
        return self.key.private_numbers().private_value.to_bytes(32, "big")


def amelie(**extra: Any) -> claim169.Claim169Input:
    fields: dict[str, Any] = {
        "id": "3918237465", "language": "fra", "full_name": "Amélie Josée Dupré",
        "first_name": "Amélie", "middle_name": "Josée", "last_name": "Dupré",
        "date_of_birth": "19870412", "gender": 2, "phone": "+33612345678",
        "email": "amelie@example.test", "address": "12 rue des Écoles, Lyon",
        "secondary_full_name": "Amelie Josee Dupre", "secondary_language": "eng",
    }
    fields.update(extra)
    return claim169.Claim169Input(**fields)


# ----------------------------------------------------------------------------- sample JSON codes
MOSIP_CARD = {
    "UIN": "7640521983",
    "fullName": [{"language": "eng", "value": "José Martín"}, {"language": "fra", "value": "José Martin"}],
    "firstName": [{"language": "eng", "value": "José"}, {"language": "fra", "value": "José"}],
    "lastName": [{"language": "eng", "value": "Martín"}, {"language": "fra", "value": "Martin"}],
    "dateOfBirth": "1992/07/15",
    "gender": [{"language": "eng", "value": "Male"}, {"language": "fra", "value": "Masculin"}],
    "phone": "9876543210",
    "email": "jose@example.test",
    "addressLine1": [{"language": "eng", "value": "4 Market Street"},
                     {"language": "fra", "value": "4 rue du Marché"}],
    "city": [{"language": "eng", "value": "Kigali"}, {"language": "fra", "value": "Kigali"}],
}

OPENCRVS = {"name": {"firstname": "Amélie", "surname": "Niyonsaba"}, "birthDate": "2019-03-02",
            "nid": "1234567890", "idType": "NATIONAL_ID", "gender": "female"}


# ----------------------------------------------------------------------------- images
def render(text: str, scale: int = 4, border: int = 4, error: str = "m") -> np.ndarray:
    """A grayscale image of the QR code (black modules on white)."""
    qr = segno.make_qr(text, error=error)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=border)
    return cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)


def qr_version(text: str, error: str = "m") -> int:
    return segno.make_qr(text, error=error).version


def on_canvas(code: np.ndarray, width: int = 1280, height: int = 720, seed: int = 1,
              at: tuple[int, int] | None = None) -> np.ndarray:
    """A BGR frame with mild noise and a gradient, the code pasted at `at` (default: centred)."""
    rng = np.random.default_rng(seed)
    grad = np.linspace(150, 210, width, dtype=np.float32)[None, :].repeat(height, 0)
    frame = np.clip(grad + rng.normal(0, 6, (height, width)), 0, 255).astype(np.uint8)
    h, w = code.shape[:2]
    y, x = at if at else ((height - h) // 2, (width - w) // 2)
    frame[y:y + h, x:x + w] = code
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, m, (nw, nh), borderValue=255)


def blur(img: np.ndarray, k: int = 5) -> np.ndarray:
    return cv2.GaussianBlur(img, (k, k), 0)


def perspective(img: np.ndarray, amount: float = 0.12) -> np.ndarray:
    h, w = img.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    d = amount * w
    dst = np.float32([[d, d * 0.5], [w - d * 0.3, 0], [w, h], [d * 0.2, h - d]])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(img, m, (w, h), borderValue=255)


def low_contrast(img: np.ndarray, lo: int = 110, hi: int = 165) -> np.ndarray:
    return (lo + (img.astype(np.float32) / 255.0) * (hi - lo)).astype(np.uint8)


def invert(img: np.ndarray) -> np.ndarray:
    return 255 - img


def write_png(path: Any, img: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", img)
    assert ok
    path.write_bytes(data.tobytes())


def write_video(path: Any, frames: list[np.ndarray], fps: float = 10.0, fourcc: str = "MJPG") -> None:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write this video format here"
    for frame in frames:
        writer.write(frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


# ----------------------------------------------------------------------------- webcam distortions
# Whole-frame distortions of a 1280×720 BGR frame (the code already pasted, e.g. by on_canvas),
# deterministic (fixed seeds), each a realistic webcam defect at a level a person holding an ID
# card up to a laptop camera produces. Used by tests/qr/test_webcam.py and bench/qr.
def tilt_frame(frame: np.ndarray, degrees: float = 40.0) -> np.ndarray:
    """The card plane turned `degrees` about the vertical axis through the frame centre, seen by
    a pinhole camera with a focal length of one frame width (keystone: one side nearer)."""
    h, w = frame.shape[:2]
    f, cx, cy, a = float(w), w / 2, h / 2, np.deg2rad(degrees)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = []
    for x, y in src:
        x3, z3 = (x - cx) * np.cos(a), (x - cx) * np.sin(a) + f
        dst.append([cx + f * x3 / z3, cy + f * (y - cy) / z3])
    m = cv2.getPerspectiveTransform(src, np.float32(dst))
    return cv2.warpPerspective(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def rotate_frame(frame: np.ndarray, degrees: float = 20.0) -> np.ndarray:
    """The card turned in the image plane about the frame centre (same frame size)."""
    h, w = frame.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def defocus(frame: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Slightly out of focus (Gaussian, sigma in pixels)."""
    return cv2.GaussianBlur(frame, (0, 0), sigma)


def motion_blur(frame: np.ndarray, length: int = 7) -> np.ndarray:
    """A hand moving sideways during the exposure (horizontal box kernel, `length` pixels)."""
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    return cv2.filter2D(frame, -1, kernel)


def uneven_light(frame: np.ndarray, contrast: float = 0.45, floor: float = 0.35) -> np.ndarray:
    """Contrast cut to `contrast` and light falling off from the top right (a desk lamp / window
    to one side): brightness from 1.0 down to `floor` across the frame."""
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.sqrt((xx - 0.8 * w) ** 2 + (yy - 0.2 * h) ** 2) / (1.1 * w)
    light = floor + (1 - floor) * np.clip(1 - dist, 0, 1)
    out = (60 + frame.astype(np.float32) * contrast) * light[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def flat_light(frame: np.ndarray, lo: int = 118, hi: int = 138) -> np.ndarray:
    """Dim, flat light: the whole frame squeezed into `lo`..`hi` grey levels, as a webcam at the
    end of its exposure range delivers it once its ISP has smoothed the sensor noise away."""
    out = lo + frame.astype(np.float32) * ((hi - lo) / 255.0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def sensor_noise(frame: np.ndarray, sigma: float = 16.0, jpeg_quality: int = 60, seed: int = 11) -> np.ndarray:
    """Grain of a small sensor in poor light (Gaussian, same on all channels), then the MJPG
    compression a USB webcam applies at 720p."""
    noisy = frame.astype(np.float32) + np.random.default_rng(seed).normal(0, sigma, frame.shape[:2])[..., None]
    return jpeg(np.clip(noisy, 0, 255).astype(np.uint8), jpeg_quality)


def jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def combined(frame: np.ndarray) -> np.ndarray:
    """Milder doses of several at once: tilted 25°, turned 12°, lamp to one side, a little out of
    focus, grain and MJPG."""
    return sensor_noise(defocus(uneven_light(rotate_frame(tilt_frame(frame, 25), 12), 0.6, 0.5), 1.0),
                        sigma=8, jpeg_quality=75)


WEBCAM_DISTORTIONS: dict[str, Any] = {
    "tilt-40": tilt_frame,
    "rotate-20": rotate_frame,
    "defocus": defocus,
    "motion-blur": motion_blur,
    "uneven-light": uneven_light,
    "flat-light": flat_light,
    "noise-mjpg": sensor_noise,
    "combined": combined,
}

"""Where frames come from: a webcam, a video file or a still image, each bounded as outside input
(allowed formats only, dimensions read from the header before decoding, a pixel ceiling)."""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".pgm", ".ppm"})
# OpenCV hands any other file to FFmpeg, which also opens TIFF, EXR and a hundred other formats:
# only these containers are offered to it (and their frame size is checked when opened)
VIDEO_SUFFIXES = frozenset({".avi", ".mp4", ".m4v", ".mov", ".mkv", ".webm"})
MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000       # a 12–40 Mpx phone photo fits; a decompression bomb does not
# OpenCV's own ceiling (read when cv2 first decodes), in case any path reaches it unchecked
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))


class FrameSourceError(OSError):
    """A source could not be opened or stopped delivering frames."""


# ------------------------------------------------------------------------------ frame sources
class FrameSource(ABC):
    """Same interface for a camera, a video file and an image: open(), read() → frame or None
    at the end, close(). Frames are numpy uint8 arrays, BGR or grayscale."""

    is_live: bool = False
    fps: float | None = None

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def read(self) -> np.ndarray | None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _opened_within_bounds(cap: Any, what: str) -> float | None:
    """The frame rate of an opened capture whose frames are within MAX_IMAGE_PIXELS; released and
    refused otherwise (a camera or file announcing huge frames would fill memory)."""
    import cv2

    width, height = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
    if width * height > MAX_IMAGE_PIXELS:
        cap.release()
        raise FrameSourceError(f"video frames larger than {MAX_IMAGE_PIXELS // 1_000_000} Mpx: {what}")
    return float(cap.get(cv2.CAP_PROP_FPS)) or None


class CameraSource(FrameSource):
    """A webcam by index (OpenCV VideoCapture). Asks for `width`×`height` (default 1280×720)."""

    is_live = True

    def __init__(self, index: int = 0, width: int | None = 1280, height: int | None = 720,
                 max_failures: int = 30) -> None:
        self.index = index
        self.width, self.height = width, height
        self.max_failures = max_failures
        self._cap: Any = None
        self._failures = 0

    def open(self) -> None:
        import cv2

        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise FrameSourceError(f"camera {self.index} cannot be opened")
        if self.width and self.height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        self.fps = _opened_within_bounds(cap, f"camera {self.index}")
        self._cap = cap

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            raise FrameSourceError("camera is not open")
        while True:
            ok, frame = self._cap.read()
            if ok and frame is not None:
                self._failures = 0
                return frame
            self._failures += 1
            if self._failures >= self.max_failures:
                raise FrameSourceError(f"camera {self.index} stopped delivering frames")
            time.sleep(0.01)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource(FrameSource):
    """A video file (MJPG .avi, mp4, … whatever OpenCV's FFmpeg can read). With `realtime`,
    frames are paced at the file's frame rate (for a preview) and the source counts as live: it
    stands in for a camera (`camera = clip.avi`), so the pipeline shows every frame on time and
    decodes the newest one, as with a webcam, instead of holding the preview until the decoder
    took the previous frame. Otherwise frames come as fast as read and every one is decoded."""

    def __init__(self, path: str | Path, realtime: bool = False) -> None:
        self.path = Path(path)
        self.realtime = realtime
        self.is_live = realtime
        self._cap: Any = None
        self._next_at = 0.0

    def open(self) -> None:
        import cv2

        if not self.path.is_file():
            raise FrameSourceError(f"no such video file: {self.path}")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise FrameSourceError(f"cannot read video file: {self.path.name}")
        self.fps = _opened_within_bounds(cap, self.path.name)
        self._cap = cap
        self._next_at = time.monotonic()

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            raise FrameSourceError("video file is not open")
        ok, frame = self._cap.read()
        if not ok:
            return None
        if self.realtime and self.fps:
            self._next_at += 1.0 / self.fps
            delay = self._next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageSource(FrameSource):
    """A still image (file path or array), delivered `repeat` times."""

    def __init__(self, image: str | Path | np.ndarray, repeat: int = 1) -> None:
        self.image = image
        self.repeat = repeat
        self._frame: np.ndarray | None = None
        self._left = 0

    def open(self) -> None:
        if isinstance(self.image, np.ndarray):
            self._frame = self.image
        else:
            self._frame = read_image(Path(self.image))
        self._left = self.repeat

    def read(self) -> np.ndarray | None:
        if self._left <= 0 or self._frame is None:
            return None
        self._left -= 1
        return self._frame


def read_image(path: Path) -> np.ndarray:
    import cv2

    from app.errors import Invalid
    from app.security.files import read_bounded

    if not path.is_file():
        raise FrameSourceError(f"no such image file: {path}")
    try:
        raw = read_bounded(path, MAX_IMAGE_BYTES, what="the image")
    except Invalid as exc:
        raise FrameSourceError(exc.message) from None
    size = image_dimensions(raw)
    if size is None:
        raise FrameSourceError(f"unsupported image format (PNG, JPEG, WebP, BMP, PGM or PPM): {path.name}")
    if size[0] <= 0 or size[1] <= 0 or size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise FrameSourceError(f"image larger than {MAX_IMAGE_PIXELS // 1_000_000} Mpx (or without a size): "
                               f"{path.name}")
    frame = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if frame is None:
        raise FrameSourceError(f"cannot read image file: {path.name}")
    return frame


_OVER = (1 << 16, 1 << 16)  # an unreadable header counts as over the limit


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header of an allowed format — PNG, JPEG, WebP, BMP, PGM/PPM —
    read before decoding, so that a small file declaring a huge image (a decompression bomb, e.g.
    an RLE-compressed BMP) is refused without allocating it. None for any other format: only
    these reach OpenCV, whose other decoders (TIFF, EXR, HDR, …) are never offered a file."""
    if data[:2] == b"BM":
        if len(data) < 26:
            return _OVER
        header = int.from_bytes(data[14:18], "little")
        if header == 12:  # BITMAPCOREHEADER
            return int.from_bytes(data[18:20], "little"), int.from_bytes(data[20:22], "little")
        return (abs(int.from_bytes(data[18:22], "little", signed=True)),
                abs(int.from_bytes(data[22:26], "little", signed=True)))
    if data[:2] in (b"P5", b"P6"):
        tokens: list[int] = []
        for line in data[2:512].split(b"\n"):
            for token in line.split(b"#", 1)[0].split():
                if not token.isdigit():
                    return _OVER
                tokens.append(int(token))
            if len(tokens) >= 2:
                return tokens[0], tokens[1]
        return _OVER
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        pos = 2
        while pos + 9 <= len(data):
            if data[pos] != 0xFF:
                return _OVER          # corrupt: treat as over the limit
            marker = data[pos + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                pos += 1 if marker == 0xFF else 2
                continue
            length = int.from_bytes(data[pos + 2:pos + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return int.from_bytes(data[pos + 7:pos + 9], "big"), int.from_bytes(data[pos + 5:pos + 7], "big")
            pos += 2 + length
        return (1 << 16, 1 << 16)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8 ":
            return (int.from_bytes(data[26:28], "little") & 0x3FFF,
                    int.from_bytes(data[28:30], "little") & 0x3FFF)
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X":
            return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
        return (1 << 16, 1 << 16)
    return None


def open_source(spec: str | int | Path, *, realtime: bool = False) -> FrameSource:
    """A camera index (int or digits), an image file (by suffix) or a video file."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec))
    path = Path(spec)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return VideoFileSource(path, realtime=realtime)
    raise FrameSourceError(f"unsupported image format: {path.name} (images: "
                           f"{', '.join(sorted(IMAGE_SUFFIXES))}; videos: {', '.join(sorted(VIDEO_SUFFIXES))})")

"""Frame sources (webcam, video file, still image) and the threaded scan pipeline. No Qt here:
the UI adapts the callbacks to signals.

ScanPipeline runs two threads:
- capture: reads frames from the source, hands each to `on_frame` (preview) and drops it into a
  one-slot "latest frame" box; it never waits for the decoder (live sources), so the preview
  keeps the camera's frame rate;
- decode: takes the newest frame from the box (older ones were overwritten: stale frames are
  skipped), decodes it, and accepts a text only after it was read in `consecutive_reads`
  consecutive decoded frames (a decoded frame without it resets the count, as ODK Collect does).
  With a policy, the accepted text is decoded and verified here too, off the UI thread.

For files read as fast as possible (not live) the box is lossless by default: the capture thread
waits until the decoder took the previous frame, so every frame is decoded and results are
deterministic. A file paced in real time stands in for a camera and is live.
`decode_file` is the synchronous path the CLI uses for images and video files.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .decoders import QrDecoder, get_decoder
from .qr.decode import QrResult, decode_qr_text
from .qr.errors import NoCodeFound, QrRejected
from .qr.policy import QrPolicy

log = logging.getLogger(__name__)

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
        width, height = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        if width * height > MAX_IMAGE_PIXELS:
            cap.release()
            raise FrameSourceError(f"video frames larger than {MAX_IMAGE_PIXELS // 1_000_000} Mpx: {self.path.name}")
        self.fps = cap.get(cv2.CAP_PROP_FPS) or None
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
        width, height = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
        if width * height > MAX_IMAGE_PIXELS:
            cap.release()
            raise FrameSourceError(f"video frames larger than {MAX_IMAGE_PIXELS // 1_000_000} Mpx: {self.path.name}")
        self.fps = cap.get(cv2.CAP_PROP_FPS) or None
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


# ------------------------------------------------------------------------------ consensus
class ConsecutiveReads:
    """Accept a text once it was read in `n` consecutive decoded frames. A frame without it
    restarts the count. The same text is not accepted again until it has left the view."""

    def __init__(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError("consecutive_reads must be at least 1")
        self.n = n
        self._candidate: str | None = None
        self._streak = 0
        self._emitted: str | None = None

    def feed(self, texts: list[str]) -> str | None:
        if self._emitted is not None and self._emitted not in texts:
            self._emitted = None
        if self._candidate in texts:
            self._streak += 1
        else:
            fresh = [t for t in texts if t != self._emitted]
            self._candidate = fresh[0] if fresh else None
            self._streak = 1 if fresh else 0
        if self._candidate is not None and self._streak >= self.n and self._candidate != self._emitted:
            self._emitted = self._candidate
            self._candidate, self._streak = None, 0
            return self._emitted
        return None


# ------------------------------------------------------------------------------ pipeline
class LatestFrameSlot:
    """One-slot handoff. `put` overwrites the waiting frame (returns True if it dropped one),
    or with `wait=True` blocks until the slot is free. `take` returns the newest frame, or
    None once closed and empty."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: tuple[int, np.ndarray] | None = None
        self._closed = False

    def put(self, index: int, frame: np.ndarray, wait: bool = False) -> bool:
        with self._cond:
            while wait and self._frame is not None and not self._closed:
                self._cond.wait(0.1)
            if self._closed:
                return False
            dropped = self._frame is not None
            self._frame = (index, frame)
            self._cond.notify_all()
            return dropped

    def take(self, timeout: float | None = None) -> tuple[int, np.ndarray] | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._frame is None and not self._closed:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining if remaining is not None else 0.1)
            item, self._frame = self._frame, None
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed


@dataclass(frozen=True)
class ScanHit:
    """An accepted read: the raw text, and the decoded result when the pipeline has a policy."""
    text: str
    frame_index: int
    result: QrResult | None = None


@dataclass
class ScanStats:
    frames_captured: int = 0
    frames_decoded: int = 0
    frames_skipped: int = 0
    decode_seconds: float = 0.0


class ScanPipeline:
    """Capture + decode threads around a FrameSource and a QrDecoder.

    Callbacks run on the pipeline's threads (the UI must marshal them to its own thread):
    - on_frame(frame): every captured frame (capture thread) — keep it cheap;
    - on_result(ScanHit): an accepted read (decode thread); with a policy, `hit.result` is the
      verified QrResult;
    - on_error(exc): a QrRejected for an accepted read that the policy refused (scanning goes
      on; the same code is not reported twice in a row), or a FrameSourceError / other
      exception that ends the pipeline;
    - on_end(reason): once, when both threads are done: "result" (stopped after a result),
      "end" (source exhausted), "stopped" (stop() called) or "error".
    """

    def __init__(self, source: FrameSource, decoder: QrDecoder | None = None, *,
                 consecutive_reads: int = 2,
                 on_frame: Callable[[np.ndarray], None] | None = None,
                 on_result: Callable[[ScanHit], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 on_end: Callable[[str], None] | None = None,
                 policy: QrPolicy | None = None,
                 stop_on_result: bool = True,
                 lossless: bool | None = None) -> None:
        self.source = source
        self.decoder = decoder or get_decoder("zxing")
        self.consensus = ConsecutiveReads(consecutive_reads)
        self.on_frame, self.on_result, self.on_error, self.on_end = on_frame, on_result, on_error, on_end
        self.policy = policy
        self.stop_on_result = stop_on_result
        self.lossless = (not source.is_live) if lossless is None else lossless
        self.stats = ScanStats()
        self._slot = LatestFrameSlot()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._end_reason = "end"
        self._threads: list[threading.Thread] = []
        self._last_rejected: str | None = None

    # -- control
    def start(self) -> ScanPipeline:
        if self._threads:
            raise RuntimeError("pipeline already started")
        self._threads = [
            threading.Thread(target=self._capture_loop, name="qr-capture", daemon=True),
            threading.Thread(target=self._decode_loop, name="qr-decode", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        if not self._stop.is_set():
            if self._end_reason == "end":
                self._end_reason = "stopped"
            self._stop.set()
        self._slot.close()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for both threads; True when the pipeline has finished. Safe to call from a
        callback (the calling pipeline thread is not waited for)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            if thread is threading.current_thread():
                continue
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(remaining)
        return self._done.is_set() or not any(t.is_alive() for t in self._threads)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def __enter__(self) -> ScanPipeline:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.join(5)

    # -- threads
    def _report(self, exc: BaseException) -> None:
        if self.on_error is not None:
            try:
                self.on_error(exc)
            except Exception:
                log.exception("on_error callback failed")

    def _capture_loop(self) -> None:
        try:
            self.source.open()
        except Exception as exc:
            self._end_reason = "error"
            self._report(exc if isinstance(exc, FrameSourceError) else FrameSourceError(str(exc)))
            self._slot.close()
            return
        try:
            index = 0
            while not self._stop.is_set():
                frame = self.source.read()
                if frame is None:
                    break
                self.stats.frames_captured += 1
                if self.on_frame is not None:
                    try:
                        self.on_frame(frame)
                    except Exception:
                        log.exception("on_frame callback failed")
                if self._slot.put(index, frame, wait=self.lossless):
                    self.stats.frames_skipped += 1
                index += 1
        except Exception as exc:
            if not self._stop.is_set():
                self._end_reason = "error"
                self._report(exc)
        finally:
            self.source.close()
            self._slot.close()

    def _decode_loop(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._slot.take()
                if item is None:
                    break
                index, frame = item
                started = time.perf_counter()
                texts = self.decoder.decode(frame)
                self.stats.decode_seconds += time.perf_counter() - started
                self.stats.frames_decoded += 1
                accepted = self.consensus.feed(texts)
                if accepted is not None and self._accept(accepted, index):
                    self._end_reason = "result"
                    self.stop()
        except Exception as exc:
            self._end_reason = "error"
            self._report(exc)
            self.stop()
        finally:
            self._slot.close()
            self._finish()

    def _accept(self, text: str, index: int) -> bool:
        result = None
        if self.policy is not None:
            try:
                result = decode_qr_text(text, self.policy)
            except QrRejected as exc:
                if text != self._last_rejected:
                    self._last_rejected = text
                    self._report(exc)
                return False
        if self.on_result is not None:
            try:
                self.on_result(ScanHit(text, index, result))
            except Exception:
                log.exception("on_result callback failed")
        return self.stop_on_result

    def _finish(self) -> None:
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join()
        self._done.set()
        log.info("QR scan ended: %s (captured=%d decoded=%d skipped=%d)", self._end_reason,
                 self.stats.frames_captured, self.stats.frames_decoded, self.stats.frames_skipped)
        if self.on_end is not None:
            try:
                self.on_end(self._end_reason)
            except Exception:
                log.exception("on_end callback failed")


# ------------------------------------------------------------------------------ files
def decode_file(path: str | Path, policy: QrPolicy, consecutive_reads: int = 1,
                backend: str = "zxing", max_frames: int | None = 18_000) -> QrResult:
    """Decode the identity QR code in an image or a video file.

    Every frame of a video is decoded in order; the first text read in `consecutive_reads`
    consecutive frames decides (for a still image the count is 1). All codes of that frame are
    tried; the first accepted wins. At most `max_frames` frames are read (default: 10 minutes
    at 30 fps). Raises NoCodeFound (CLI exit 3), QrRejected (exit 4), FrameSourceError for an
    unreadable file, DecoderUnavailable for a missing backend."""
    decoder = get_decoder(backend, multi=True)
    source = open_source(Path(path))
    consensus = ConsecutiveReads(1 if isinstance(source, ImageSource) else consecutive_reads)
    frames = 0
    with source:
        while (max_frames is None or frames < max_frames) and (frame := source.read()) is not None:
            frames += 1
            texts = decoder.decode(frame)
            accepted = consensus.feed(texts)
            if accepted is None:
                continue
            candidates = [accepted] + [t for t in texts if t != accepted]
            rejection: QrRejected | None = None
            for text in candidates:
                try:
                    return decode_qr_text(text, policy)
                except QrRejected as exc:
                    rejection = rejection or exc
            assert rejection is not None
            raise rejection
    raise NoCodeFound(f"no QR code found in {Path(path).name}")

"""The threaded scan pipeline over a frame source (`app.identity.frame_sources`: webcam, video
file, still image). No Qt here: the UI adapts the callbacks to signals.

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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decoders import QrDecoder, get_decoder
from .frame_sources import (
    IMAGE_SUFFIXES,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    VIDEO_SUFFIXES,
    CameraSource,
    FrameSource,
    FrameSourceError,
    ImageSource,
    VideoFileSource,
    image_dimensions,
    open_source,
    read_image,
)
from .qr.decode import QrResult, decode_qr_text
from .qr.errors import NoCodeFound, QrRejected
from .qr.policy import QrPolicy

log = logging.getLogger(__name__)

__all__ = ["IMAGE_SUFFIXES", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "VIDEO_SUFFIXES", "CameraSource",
           "ConsecutiveReads", "FrameSource", "FrameSourceError", "ImageSource", "LatestFrameSlot", "ScanHit",
           "ScanPipeline", "ScanStats", "VideoFileSource", "decode_file", "image_dimensions", "open_source",
           "read_image"]


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

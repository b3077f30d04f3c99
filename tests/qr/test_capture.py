"""Frame sources, the threaded scan pipeline, decode_file on videos, backend availability."""

from __future__ import annotations

import builtins
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.identity import decoders
from app.identity.capture import (
    CameraSource,
    ConsecutiveReads,
    FrameSource,
    FrameSourceError,
    ImageSource,
    LatestFrameSlot,
    ScanHit,
    ScanPipeline,
    VideoFileSource,
    decode_file,
    open_source,
)
from app.identity.decoders import DecoderUnavailable, get_decoder
from app.identity.qr import NoCodeFound, QrPolicy, QrRejected, TrustedKey

from .helpers import OPENCRVS, Signer, amelie, on_canvas, render, write_png, write_video

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qr"


def _video_with_code_after_1s(path: Path, text: str, fps: int = 10, seconds: int = 3) -> None:
    code = render(text, scale=4)
    blank = on_canvas(np.full((4, 4), 190, np.uint8), 640, 480)
    shown = on_canvas(code, 640, 480)
    write_video(path, [blank] * fps + [shown] * (fps * (seconds - 1)), fps=fps)


@pytest.fixture(scope="module")
def opencrvs_text() -> str:
    return json.dumps(OPENCRVS, ensure_ascii=False)


# ------------------------------------------------------------------------------ consensus / slot
def test_consecutive_reads() -> None:
    c = ConsecutiveReads(3)
    assert [c.feed(x) for x in (["a"], ["a"], [], ["a"], ["a"], ["a"])] == [None] * 5 + ["a"]
    assert c.feed(["a"]) is None          # not again while still in view
    assert c.feed([]) is None
    assert [c.feed(["a"]) for _ in range(3)] == [None, None, "a"]
    c = ConsecutiveReads(2)
    assert [c.feed(x) for x in (["a"], ["b"], ["b"])] == [None, None, "b"]
    assert ConsecutiveReads(1).feed(["x", "y"]) == "x"
    with pytest.raises(ValueError):
        ConsecutiveReads(0)


def test_latest_frame_slot_overwrites() -> None:
    slot = LatestFrameSlot()
    a, b = np.zeros(1, np.uint8), np.ones(1, np.uint8)
    assert slot.put(0, a) is False
    assert slot.put(1, b) is True          # a was never taken: dropped
    index, frame = slot.take()
    assert index == 1 and frame is b
    assert slot.take(timeout=0.01) is None
    slot.close()
    assert slot.take() is None


# ------------------------------------------------------------------------------ decode_file
def test_video_code_after_one_second(tmp_path: Path, policy: QrPolicy, opencrvs_text: str,
                                     backend: str) -> None:
    path = tmp_path / "scan.avi"
    _video_with_code_after_1s(path, opencrvs_text)
    result = decode_file(path, policy, consecutive_reads=3, backend=backend)
    assert result.format == "opencrvs-json"
    assert result.identity.given_name == "Amélie"
    with pytest.raises(NoCodeFound):   # the code only appears at frame 10
        decode_file(path, policy, consecutive_reads=1, backend=backend, max_frames=10)


def test_committed_fixtures(policy: QrPolicy) -> None:
    key = TrustedKey.from_pem((FIXTURES / "issuer_ed25519_test.pem").read_bytes(), kid="crvs-test-issuer")
    with_key = QrPolicy(trusted_keys=[key], accept_unsigned=policy.accept_unsigned)
    c169 = decode_file(FIXTURES / "claim169_ed25519.png", with_key)
    assert (c169.signature, c169.issuer_kid, c169.identity.individual_id) == ("valid", "crvs-test-issuer",
                                                                              "3918237465")
    with pytest.raises(QrRejected, match="issuer key not trusted"):
        decode_file(FIXTURES / "claim169_ed25519.png", policy)
    assert decode_file(FIXTURES / "pixelpass_vc.png", policy).format == "pixelpass-json"
    assert decode_file(FIXTURES / "mosip_card.png", policy).format == "mosip-card-json"
    assert decode_file(FIXTURES / "opencrvs.png", policy).identity.individual_id == "1234567890"
    video = decode_file(FIXTURES / "opencrvs_after_1s.avi", policy, consecutive_reads=2)
    assert video.format == "opencrvs-json"
    with pytest.raises(NoCodeFound):
        decode_file(FIXTURES / "no_code.avi", policy)


def test_no_code_and_bad_files(tmp_path: Path, policy: QrPolicy) -> None:
    blank = tmp_path / "blank.png"
    write_png(blank, np.full((200, 300), 255, np.uint8))
    with pytest.raises(NoCodeFound):
        decode_file(blank, policy)
    with pytest.raises(FrameSourceError):
        decode_file(tmp_path / "missing.png", policy)
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    with pytest.raises(FrameSourceError):
        decode_file(junk, policy)
    junk_video = tmp_path / "junk.avi"
    junk_video.write_bytes(b"RIFF" + bytes(100))
    with pytest.raises((FrameSourceError, NoCodeFound)):
        decode_file(junk_video, policy)


def test_image_bombs_refused_before_decoding(tmp_path: Path, policy: QrPolicy) -> None:
    import struct
    import zlib as _zlib

    import cv2

    from app.identity.capture import image_dimensions

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", _zlib.crc32(kind + body))

    # a valid-looking PNG header declaring 60000×60000 pixels (10.8 GB as BGR)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)) \
        + chunk(b"IDAT", _zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png)
    with pytest.raises(FrameSourceError, match="larger than 40 Mpx"):
        decode_file(bomb, policy)
    for ext in (".jpg", ".webp", ".png"):
        ok, data = cv2.imencode(ext, np.zeros((30, 50, 3), np.uint8))
        assert ok and image_dimensions(data.tobytes()) == (50, 30), ext
    gif = tmp_path / "x.png"
    gif.write_bytes(b"GIF89a" + bytes(20))
    with pytest.raises(FrameSourceError, match="unsupported image format"):
        decode_file(gif, policy)


def test_rejected_code_in_file(tmp_path: Path, policy: QrPolicy) -> None:
    text = Signer("EdDSA", kid="stranger").encode(amelie())
    path = tmp_path / "stranger.png"
    write_png(path, render(text))
    with pytest.raises(QrRejected, match="issuer key not trusted"):
        decode_file(path, policy)


def test_two_codes_in_one_image(tmp_path: Path, policy: QrPolicy, opencrvs_text: str) -> None:
    stranger = Signer("EdDSA", kid="stranger").encode(amelie())
    frame = on_canvas(render(stranger), 1280, 720, at=(100, 80))
    code = render(opencrvs_text)
    frame[100:100 + code.shape[0], 800:800 + code.shape[1]] = code[:, :, None]
    assert sorted(get_decoder("zxing", multi=True).decode(frame)) == sorted([stranger, opencrvs_text])
    assert len(get_decoder("zxing").decode(frame)) == 1          # the default stops at the first
    path = tmp_path / "two.png"
    write_png(path, frame)
    assert decode_file(path, policy).format == "opencrvs-json"   # the rejected one does not hide it


def test_open_source_kinds(tmp_path: Path) -> None:
    assert isinstance(open_source(0), CameraSource)
    assert isinstance(open_source("1"), CameraSource)
    assert isinstance(open_source(tmp_path / "a.PNG"), ImageSource)
    assert isinstance(open_source(tmp_path / "a.mp4"), VideoFileSource)


def test_missing_camera() -> None:
    with pytest.raises(FrameSourceError):
        CameraSource(987).open()


def test_mp4_if_supported(tmp_path: Path, policy: QrPolicy, opencrvs_text: str) -> None:
    path = tmp_path / "scan.mp4"
    try:
        _video_with_code_after_1s(path, opencrvs_text, fps=10, seconds=2)
    except AssertionError:
        pytest.skip("this OpenCV build cannot write mp4")
    assert decode_file(path, policy, consecutive_reads=2).identity.individual_id == "1234567890"


# ------------------------------------------------------------------------------ pipeline
class Recorder:
    def __init__(self) -> None:
        self.frames = 0
        self.results: list[ScanHit] = []
        self.errors: list[BaseException] = []
        self.ends: list[str] = []
        self.threads: set[str] = set()
        self.done = threading.Event()

    def on_frame(self, _frame: np.ndarray) -> None:
        self.frames += 1

    def on_result(self, hit: ScanHit) -> None:
        self.threads.add(threading.current_thread().name)
        self.results.append(hit)

    def on_error(self, exc: BaseException) -> None:
        self.errors.append(exc)

    def on_end(self, reason: str) -> None:
        self.ends.append(reason)
        self.done.set()

    def callbacks(self) -> dict:
        return {"on_frame": self.on_frame, "on_result": self.on_result, "on_error": self.on_error,
                "on_end": self.on_end}


def test_pipeline_on_video_file(tmp_path: Path, policy: QrPolicy, opencrvs_text: str) -> None:
    path = tmp_path / "scan.avi"
    _video_with_code_after_1s(path, opencrvs_text)
    rec = Recorder()
    pipe = ScanPipeline(VideoFileSource(path), get_decoder("zxing"), consecutive_reads=3, policy=policy,
                        **rec.callbacks()).start()
    assert pipe.join(30)
    assert rec.ends == ["result"] and not rec.errors
    [hit] = rec.results
    assert hit.frame_index == 12                  # code from frame 10, third consecutive read
    assert hit.result is not None and hit.result.identity.family_name == "Niyonsaba"
    assert rec.threads == {"qr-decode"}
    assert pipe.stats.frames_skipped == 0         # files are lossless: every frame decoded
    assert pipe.stats.frames_decoded == 13
    assert not pipe.running


def test_pipeline_without_policy_reports_text(tmp_path: Path, opencrvs_text: str) -> None:
    rec = Recorder()
    frame = on_canvas(render(opencrvs_text), 640, 480)
    pipe = ScanPipeline(ImageSource(frame, repeat=2), consecutive_reads=2, **rec.callbacks()).start()
    assert pipe.join(30)
    assert [h.text for h in rec.results] == [opencrvs_text] and rec.results[0].result is None


class FakeLiveSource(FrameSource):
    """A 'camera' that delivers frames as fast as asked, until `limit` (None: forever)."""

    is_live = True

    def __init__(self, frame: np.ndarray, limit: int | None = None) -> None:
        self.frame, self.limit, self.count = frame, limit, 0
        self.opened = self.closed = False

    def open(self) -> None:
        self.opened = True

    def read(self) -> np.ndarray | None:
        if self.limit is not None and self.count >= self.limit:
            return None
        self.count += 1
        time.sleep(0.0005)
        return self.frame

    def close(self) -> None:
        self.closed = True


class SlowDecoder:
    name = "slow"

    def __init__(self, texts: list[str], delay: float = 0.02) -> None:
        self.texts, self.delay, self.calls = texts, delay, 0

    def decode(self, frame: np.ndarray) -> list[str]:
        self.calls += 1
        time.sleep(self.delay)
        return list(self.texts)


def test_preview_never_waits_for_the_decoder() -> None:
    rec = Recorder()
    source = FakeLiveSource(np.zeros((8, 8), np.uint8), limit=300)
    pipe = ScanPipeline(source, SlowDecoder([]), consecutive_reads=1, **rec.callbacks()).start()
    assert pipe.join(30)
    assert rec.frames == 300 and pipe.stats.frames_captured == 300
    assert pipe.stats.frames_skipped > 0                       # stale frames dropped …
    assert pipe.stats.frames_decoded < 300                     # … not queued for the decoder
    assert pipe.stats.frames_decoded + pipe.stats.frames_skipped == 300
    assert rec.ends == ["end"] and source.closed


def test_stop_and_join_cleanly() -> None:
    rec = Recorder()
    source = FakeLiveSource(np.zeros((8, 8), np.uint8))
    with ScanPipeline(source, SlowDecoder([], 0.005), **rec.callbacks()) as pipe:
        while pipe.stats.frames_decoded < 3:
            time.sleep(0.005)
    assert rec.done.wait(5)
    assert rec.ends == ["stopped"] and not pipe.running and source.closed


def test_rejections_reported_once_and_scanning_goes_on(policy: QrPolicy) -> None:
    text = Signer("EdDSA", kid="stranger").encode(amelie())
    rec = Recorder()
    source = FakeLiveSource(np.zeros((8, 8), np.uint8), limit=60)
    pipe = ScanPipeline(source, SlowDecoder([text], 0.001), consecutive_reads=2, policy=policy,
                        **rec.callbacks()).start()
    assert pipe.join(30)
    assert len(rec.errors) == 1 and isinstance(rec.errors[0], QrRejected)
    assert rec.errors[0].reason == "issuer key not trusted"
    assert rec.results == [] and rec.ends == ["end"]


def test_source_failure_reported() -> None:
    class Broken(FrameSource):
        def open(self) -> None:
            raise FrameSourceError("camera 0 cannot be opened")

        def read(self) -> np.ndarray | None:
            return None

    rec = Recorder()
    pipe = ScanPipeline(Broken(), SlowDecoder([]), **rec.callbacks()).start()
    assert pipe.join(10)
    assert rec.ends == ["error"] and isinstance(rec.errors[0], FrameSourceError)


def test_decoder_crash_reported() -> None:
    class Crashing:
        name = "crash"

        def decode(self, frame: np.ndarray) -> list[str]:
            raise RuntimeError("boom")

    rec = Recorder()
    pipe = ScanPipeline(FakeLiveSource(np.zeros((8, 8), np.uint8)), Crashing(), **rec.callbacks()).start()
    assert pipe.join(10)
    assert rec.ends == ["error"] and isinstance(rec.errors[0], RuntimeError)


# ------------------------------------------------------------------------------ backends
def test_pyzbar_unavailable_is_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_zbar(name: str, *args, **kwargs):
        if name.startswith("pyzbar"):
            raise ImportError("Unable to find zbar shared library")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_zbar)
    with pytest.raises(DecoderUnavailable, match="zbar"):
        get_decoder("pyzbar")
    status = decoders.available_backends()
    assert status["zxing"] is None and "zbar" in (status["pyzbar"] or "")
    assert get_decoder("auto").name == "zxing"
    with pytest.raises(ValueError, match="unknown QR decoder backend"):
        get_decoder("opencv")


def test_frames_of_any_layout(decoder, opencrvs_text: str) -> None:
    gray = render(opencrvs_text)
    bgr = on_canvas(gray, 400, 400)
    bgra = np.dstack([bgr, np.full(bgr.shape[:2], 255, np.uint8)])
    for frame in (gray, bgr, bgra, gray[:, :, None]):
        assert decoder.decode(frame) == [opencrvs_text]
    with pytest.raises(TypeError):
        decoder.decode(gray.astype(np.float32))


def test_realtime_video_is_live_like_a_camera(tmp_path: Path) -> None:
    """A video file paced at its frame rate stands in for a camera: a decoder slower than the
    frame rate makes it drop stale frames, never hold the preview back."""
    path = tmp_path / "clip.avi"
    frame = on_canvas(np.full((4, 4), 190, np.uint8), 320, 240)
    write_video(path, [frame] * 20, fps=50)
    rec = Recorder()
    source = VideoFileSource(path, realtime=True)
    assert source.is_live and not VideoFileSource(path).is_live
    pipe = ScanPipeline(source, SlowDecoder([], delay=0.06), **rec.callbacks()).start()
    assert pipe.join(30)
    assert not pipe.lossless
    assert rec.frames == 20 and pipe.stats.frames_captured == 20
    assert pipe.stats.frames_skipped > 0 and pipe.stats.frames_decoded < 20
    assert pipe.stats.frames_decoded + pipe.stats.frames_skipped == 20


def test_a_camera_announcing_huge_frames_is_refused_cleanly(monkeypatch) -> None:
    """No webcam here: a capture object stands in for one that announces 8000×6000 frames. The
    camera is refused with the bound in words (it was an AttributeError) and released."""
    import cv2

    from app.identity.frame_sources import CameraSource

    released = []

    class HugeCamera:
        def __init__(self, index):
            self.index = index

        def isOpened(self):
            return True

        def set(self, prop, value):
            return True

        def get(self, prop):
            return {cv2.CAP_PROP_FRAME_WIDTH: 8000.0, cv2.CAP_PROP_FRAME_HEIGHT: 6000.0}.get(prop, 30.0)

        def release(self):
            released.append(self.index)

    monkeypatch.setattr(cv2, "VideoCapture", HugeCamera)
    with pytest.raises(FrameSourceError, match="larger than 40 Mpx: camera 0"):
        CameraSource(0).open()
    assert released == [0]

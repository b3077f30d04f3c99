"""QR decode latency on 1280×720 camera-like frames, zxing-cpp vs pyzbar (DESIGN §7).

    python -m bench.qr.bench_decode [--runs 200] [--out bench/results/qr_decode.json]

Cases: a small code (OpenCRVS JSON, QR v8) and a dense code (Claim 169 with a photo-sized
payload, QR v25+), each centred on a noisy 1280×720 BGR frame, plus a frame with no code (the cost
paid on every camera frame before a card is shown). The decoders get the BGR frame, so the gray
conversion is included. Also: full decode_qr_text of the dense Claim 169 (base45, inflate, CBOR,
Ed25519 verify, mapping), and the scan pipeline fed at 30 fps (preview rate and decode rate).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BUDGETS_MS = {"small": 3.0, "dense": 6.0}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def _summary(samples: list[float]) -> dict[str, Any]:
    return {"median_ms": statistics.median(samples), "p95_ms": _percentile(samples, 95),
            "mean_ms": statistics.fmean(samples), "min_ms": min(samples), "runs": len(samples)}


def _time(fn: Callable[[], Any], runs: int, warmup: int = 5) -> dict[str, Any]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return _summary(samples)


def _frames() -> dict[str, tuple[np.ndarray, str, int]]:
    import claim169

    from tests.qr.helpers import OPENCRVS, Signer, amelie, on_canvas, qr_version, render

    small = json.dumps(OPENCRVS, ensure_ascii=False)
    signer = Signer("EdDSA", kid="bench-issuer")
    rng = np.random.default_rng(7)
    photo = rng.integers(0, 256, 1000, dtype=np.uint8).tobytes()   # incompressible, like a JPEG
    dense = signer.encode(amelie(photo=photo, photo_format=claim169.PhotoFormat.JPEG))
    blank = np.full((8, 8), 185, np.uint8)
    return {
        "small": (on_canvas(render(small, scale=4), seed=3), small, qr_version(small)),
        "dense": (on_canvas(render(dense, scale=4), seed=4), dense, qr_version(dense)),
        "no-code": (on_canvas(blank, seed=5), "", 0),
    }, signer


class _OpenCvDecoder:
    """cv2.QRCodeDetector, for comparison only."""

    name = "opencv"

    def __init__(self) -> None:
        import cv2

        self._detector = cv2.QRCodeDetector()

    def decode(self, frame: np.ndarray) -> list[str]:
        text, _points, _ = self._detector.detectAndDecode(frame)
        return [text] if text else []


def _pipeline_rate(decoder: Any, frame: np.ndarray, seconds: float = 4.0,
                   fps: float = 30.0) -> dict[str, float]:
    from app.identity.capture import FrameSource, ScanPipeline

    class Paced(FrameSource):
        is_live = True

        def __init__(self) -> None:
            self.n = int(seconds * fps)
            self.i = 0
            self.next = 0.0

        def open(self) -> None:
            self.next = time.monotonic()

        def read(self) -> np.ndarray | None:
            if self.i >= self.n:
                return None
            self.i += 1
            self.next += 1 / fps
            delay = self.next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            return frame

    stamps: list[float] = []
    done = threading.Event()
    pipe = ScanPipeline(Paced(), decoder, consecutive_reads=10**9,   # never stop on a result
                        on_frame=lambda _f: stamps.append(time.perf_counter()),
                        on_end=lambda _r: done.set())
    t0 = time.perf_counter()
    pipe.start()
    pipe.join(seconds * 3)
    elapsed = time.perf_counter() - t0
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]
    return {"preview_fps": len(stamps) / elapsed, "decoded_fps": pipe.stats.frames_decoded / elapsed,
            "frames_skipped": pipe.stats.frames_skipped, "max_preview_gap_ms": max(gaps) if gaps else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("bench/results/qr_decode.json"))
    args = parser.parse_args(argv)

    from app.identity.decoders import DecoderUnavailable, PyzbarDecoder, ZxingDecoder
    from app.identity.qr import QrPolicy, TrustedKey, decode_qr_text

    frames, signer = _frames()
    backends: dict[str, Any] = {"zxing": ZxingDecoder(), "zxing-multi": ZxingDecoder(multi=True)}
    unavailable: dict[str, str] = {}
    try:
        backends["pyzbar"] = PyzbarDecoder()
    except DecoderUnavailable as exc:
        unavailable["pyzbar"] = str(exc)
    opencv = _OpenCvDecoder()    # the DESIGN §7 anchor, not an app backend; slow: fewer runs

    results: dict[str, Any] = {"cases": {}, "unavailable": unavailable,
                               "load_average_before": os.getloadavg()}
    for case, (frame, text, version) in frames.items():
        row: dict[str, Any] = {"qr_version": version, "text_chars": len(text), "frame": "1280x720 BGR"}
        # Backends interleaved run by run, so that load from other processes hits them alike.
        samples: dict[str, list[float]] = {name: [] for name in backends}
        for decoder in backends.values():
            for _ in range(3):
                decoder.decode(frame)
        for _ in range(args.runs):
            for name, decoder in backends.items():
                t0 = time.perf_counter()
                decoder.decode(frame)
                samples[name].append((time.perf_counter() - t0) * 1000)
        for name, decoder in backends.items():
            got = decoder.decode(frame)
            stats = _summary(samples[name])
            stats["reads_correctly"] = (got == [text]) if text else (got == [])
            row[name] = stats
        got = opencv.decode(frame)
        row["opencv"] = _time(lambda f=frame: opencv.decode(f), min(args.runs, 20), warmup=1)
        row["opencv"]["reads_correctly"] = (got == [text]) if text else (got == [])
        if case in BUDGETS_MS:
            row["budget_ms"] = BUDGETS_MS[case]
            row["zxing_within_budget"] = row["zxing"]["median_ms"] <= BUDGETS_MS[case]
            if "pyzbar" in row:
                row["pyzbar_over_zxing"] = row["pyzbar"]["median_ms"] / row["zxing"]["median_ms"]
        results["cases"][case] = row

    policy = QrPolicy(trusted_keys=[TrustedKey.from_pem(signer.public_pem, kid=signer.kid)])
    dense_text = frames["dense"][1]
    results["decode_qr_text_dense_claim169"] = _time(lambda: decode_qr_text(dense_text, policy), args.runs)
    results["pipeline_30fps"] = {
        name: _pipeline_rate(backends[name], frames["small"][0]) for name in ("zxing", "pyzbar")
        if name in backends}
    import cv2
    import zxingcpp

    results["load_average_after"] = os.getloadavg()
    results["machine"] = {
        "python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
        "zxing_cpp": getattr(zxingcpp, "__version__", "?"), "opencv": cv2.__version__,
    }

    # ---- table
    names = [*backends, "opencv"]
    print(f"{'case':<9} {'QR':>4}  " + "  ".join(f"{n + ' med/p95 ms':>28}" for n in names)
          + f"  {'budget':>7}  {'pyzbar/zxing':>12}")
    for case, row in results["cases"].items():
        cells = []
        for n in names:
            s = row[n]
            flag = "" if s["reads_correctly"] else " (!)"
            cells.append(f"{s['median_ms']:>13.2f} / {s['p95_ms']:>6.2f}{flag:>4}")
        budget = f"{row['budget_ms']:.0f} ms" if "budget_ms" in row else "-"
        ratio = f"{row['pyzbar_over_zxing']:.1f}×" if "pyzbar_over_zxing" in row else "-"
        print(f"{case:<9} {('v' + str(row['qr_version'])) if row['qr_version'] else '-':>4}  "
              + "  ".join(f"{c:>28}" for c in cells) + f"  {budget:>7}  {ratio:>12}")
    d = results["decode_qr_text_dense_claim169"]
    print(f"decode_qr_text (dense Claim 169, Ed25519 verify): median {d['median_ms']:.2f} ms, "
          f"p95 {d['p95_ms']:.2f} ms")
    for name, p in results["pipeline_30fps"].items():
        print(f"pipeline {name} @30 fps source: preview {p['preview_fps']:.1f} fps, decoded "
              f"{p['decoded_fps']:.1f} fps, skipped {p['frames_skipped']}, max preview gap "
              f"{p['max_preview_gap_ms']:.1f} ms")
    print("load average (1/5/15 min) before {:.2f}/{:.2f}/{:.2f}, after {:.2f}/{:.2f}/{:.2f} on {} CPUs"
          .format(*results["load_average_before"], *results["load_average_after"], os.cpu_count()))
    for name, reason in unavailable.items():
        print(f"{name}: unavailable ({reason})")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

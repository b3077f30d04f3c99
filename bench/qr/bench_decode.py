"""QR decode latency and success on 1280×720 webcam-like frames, and the camera pipeline's frame
rate (DESIGN §7).

    python -m bench.qr.bench_decode [--quick] [--rounds N] [--out bench/results/qr_decode.json]

Frames: a small code (OpenCRVS JSON, QR v8) and a dense code (Claim 169 with a 1,000-byte photo,
QR v30), each clean and with eight webcam distortions generated deterministically
(tests/qr/helpers.py: tilt 40°, rotation 20°, defocus σ 1.5, 7 px motion blur, uneven light,
flat light within 20 grey levels, grain σ 16 + MJPG q60, and milder doses of several at once),
plus a frame without a code (the cost paid on every camera frame before a card is shown).

Decoders, on the same BGR frames, interleaved run by run (each round visits every frame and
every decoder in turn, so load from other processes hits them alike):
- zxing  — the app's ZxingDecoder as ScanPipeline calls it (gray conversion included); three
  calls per round (it is the budgeted one and cheap, so its p95 rests on more samples);
- pyzbar — the app's PyzbarDecoder (ZBar, binary mode, gray conversion, inverted retry);
- raw pyzbar — `pyzbar.pyzbar.decode(frame)` as a naive caller writes it: the DESIGN's anchor;
- opencv — `cv2.QRCodeDetector().detectAndDecode(frame)`, every few rounds only (it is slow).
Each call is checked: a read counts only when the decoder returned exactly the expected text
(for the frame without a code: when it reported nothing). A fast failure is not a success.

Camera pipeline: a 1280×720 MJPG .avi at 30 fps (a webcam's usual rate) (a card with the dense code comes into view
part-way, moving a little from frame to frame, fresh grain on every frame) opened with the app's
`open_source` (VideoFileSource) and run through ScanPipeline (capture + decode threads; a policy
trusting the test issuer's key, so the Claim 169 signature is verified): unpaced (how fast
capture + MJPG decoding + QR decoding can go; every frame decoded) and paced at the file's 30 fps
(realtime, as the scan dialog opens a file used as a camera: a live source, the decoder takes
the newest frame): preview fps, longest gap between preview frames, decoded fps, time from the
card's first frame to the confirmed read. Also: full decode_qr_text of the dense Claim 169 (base45,
inflate, CBOR, Ed25519 verify, mapping).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench._common import machine, percentile, print_table, write_result
from bench._figures import figure

AREA = "QR"
BUDGETS_MS = {"small": 3.0, "dense": 6.0}
BUDGET_TEXT = {"small": "≤ 3 ms median (DESIGN §7: small code, 1280×720 frame)",
               "dense": "≤ 6 ms (DESIGN §7: dense code, v25+)"}
FPS_BUDGET, GAP_BUDGET_MS = 25.0, 50.0
SOURCE_FPS = 30  # a webcam's usual rate; a 25 fps file would make the budget the source's ceiling
DECODERS = ("zxing", "pyzbar", "raw-pyzbar", "opencv")
LABELS = {"zxing": "our pipeline, zxing-cpp", "pyzbar": "our pipeline, pyzbar (ZBar)",
          "raw-pyzbar": "raw pyzbar.decode", "opencv": "OpenCV QRCodeDetector"}
CODE_LABEL = {"small": "small code (v{v})", "dense": "dense code (v{v})", "none": "frame without a code"}
DISTORTION_TEXT = {
    "clean": "clean", "tilt-40": "tilted 40°", "rotate-20": "rotated 20°", "defocus": "defocus σ 1.5",
    "motion-blur": "7 px motion blur", "uneven-light": "uneven light, contrast 45 %",
    "flat-light": "flat light (20 grey levels)", "noise-mjpg": "grain σ 16 + MJPG q60",
    "combined": "tilt 25° + rotation 12° + lamp + defocus + grain + MJPG",
}


@dataclass
class Case:
    key: str                 # "small.clean", "dense.flat-light", "none"
    code: str                # small | dense | none
    distortion: str
    frame: np.ndarray
    text: str                # expected text ("" for no code)
    version: int
    samples: dict[str, list[float]] = field(default_factory=dict)   # decoder → seconds
    reads: dict[str, list[bool]] = field(default_factory=dict)      # decoder → correct per call
    found: dict[str, list[bool]] = field(default_factory=dict)      # decoder → returned a QR at all


# ------------------------------------------------------------------------------ inputs
def _texts() -> tuple[str, str, Any]:
    import claim169

    from tests.qr.helpers import OPENCRVS, Signer, amelie

    small = json.dumps(OPENCRVS, ensure_ascii=False)
    signer = Signer("EdDSA", kid="bench-issuer")
    photo = np.random.default_rng(7).integers(0, 256, 1000, dtype=np.uint8).tobytes()  # incompressible, like a JPEG
    dense = signer.encode(amelie(photo=photo, photo_format=claim169.PhotoFormat.JPEG))
    return small, dense, signer


def _cases(small: str, dense: str) -> list[Case]:
    from tests.qr.helpers import WEBCAM_DISTORTIONS, on_canvas, qr_version, render

    cases = []
    for code, text in (("small", small), ("dense", dense)):
        base = on_canvas(render(text, scale=4), seed=3)
        version = qr_version(text)
        cases.append(Case(f"{code}.clean", code, "clean", base, text, version))
        for name, distort in WEBCAM_DISTORTIONS.items():
            cases.append(Case(f"{code}.{name}", code, name, distort(base), text, version))
    cases.append(Case("none", "none", "clean", on_canvas(np.full((8, 8), 185, np.uint8), seed=5), "", 0))
    return cases


# ------------------------------------------------------------------------------ decoders
def _decoders() -> tuple[dict[str, Callable[[np.ndarray], tuple[list[str], bool]]], dict[str, str]]:
    """decoder name → call(frame) → (texts, returned any QR symbol at all)."""
    import cv2

    from app.identity.decoders import DecoderUnavailable, PyzbarDecoder, ZxingDecoder

    calls: dict[str, Callable[[np.ndarray], tuple[list[str], bool]]] = {}
    unavailable: dict[str, str] = {}
    zxing = ZxingDecoder()

    def run_zxing(frame: np.ndarray) -> tuple[list[str], bool]:
        texts = zxing.decode(frame)
        return texts, bool(texts)
    calls["zxing"] = run_zxing
    try:
        ours = PyzbarDecoder()

        def run_pyzbar(frame: np.ndarray) -> tuple[list[str], bool]:
            texts = ours.decode(frame)
            return texts, bool(texts)
        calls["pyzbar"] = run_pyzbar
        from pyzbar import pyzbar

        def run_raw(frame: np.ndarray) -> tuple[list[str], bool]:
            symbols = [s for s in pyzbar.decode(frame) if s.type == "QRCODE"]
            # ZBar hands back its guess at the charset transcoded to UTF-8: Latin-1 text in byte
            # mode comes back mangled (it guesses Shift-JIS): found, but not read correctly.
            return [s.data.decode("utf-8", "replace") for s in symbols], bool(symbols)
        calls["raw-pyzbar"] = run_raw
    except DecoderUnavailable as exc:
        unavailable["pyzbar"] = unavailable["raw-pyzbar"] = str(exc)
    detector = cv2.QRCodeDetector()

    def run_opencv(frame: np.ndarray) -> tuple[list[str], bool]:
        text, _points, _ = detector.detectAndDecode(frame)
        return ([text] if text else []), bool(text)
    calls["opencv"] = run_opencv
    return calls, unavailable


def _measure(cases: list[Case], calls: dict[str, Callable], rounds: int, zxing_per_round: int,
             opencv_every: int, opencv_rounds: int) -> None:
    for case in cases:
        for name in calls:
            case.samples[name], case.reads[name], case.found[name] = [], [], []
    # Warm-up: one call of each fast decoder on a frame with a code and one without.
    for case in (cases[0], cases[-1]):
        for name, call in calls.items():
            if name != "opencv":
                call(case.frame)
    opencv_done = 0
    for r in range(rounds):
        with_opencv = "opencv" in calls and r % opencv_every == 0 and opencv_done < opencv_rounds
        opencv_done += with_opencv
        for case in cases:
            order = [n for n in calls if n not in ("zxing", "opencv")]
            plan = ["zxing"] * zxing_per_round + order + (["opencv"] if with_opencv else [])
            # Interleave zxing between the others rather than back to back.
            sequence = [n for pair in itertools.zip_longest(plan[:zxing_per_round], plan[zxing_per_round:])
                        for n in pair if n is not None]
            for name in sequence:
                t0 = time.perf_counter()
                texts, found = calls[name](case.frame)
                case.samples[name].append(time.perf_counter() - t0)
                case.reads[name].append(texts == [case.text] if case.text else not texts)
                case.found[name].append(found)


def _stats(case: Case, name: str) -> dict[str, Any] | None:
    samples = case.samples.get(name)
    if not samples:
        return None
    ms = [s * 1000 for s in samples]
    reads = case.reads[name]
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(percentile(ms, 95), 3),
            "min_ms": round(min(ms), 3), "runs": len(ms),
            "success_pct": round(100 * sum(reads) / len(reads), 1),
            "found_pct": round(100 * sum(case.found[name]) / len(reads), 1)}


# ------------------------------------------------------------------------------ camera pipeline
def _write_video(path: Path, dense: str, seconds: float, card_at: float, fps: int = SOURCE_FPS) -> int:
    """A 1280×720 MJPG .avi: an empty desk view, then from `card_at` seconds the card (the dense
    code) held up, wobbling a few pixels; a fresh grain field on every frame (cycled from four)."""
    import cv2

    from tests.qr.helpers import render

    width, height = 1280, 720
    code = render(dense, scale=4)
    rng = np.random.default_rng(21)
    desk = np.linspace(140, 200, width, dtype=np.float32)[None, :].repeat(height, 0)
    grains = [np.clip(desk + rng.normal(0, 5, (height, width)), 0, 255).astype(np.uint8) for _ in range(4)]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write MJPG .avi here")
    first_card = round(card_at * fps)
    h, w = code.shape
    for i in range(round(seconds * fps)):
        frame = grains[i % 4].copy()
        if i >= first_card:
            dx, dy = round(6 * np.sin(i / 4)), round(4 * np.cos(i / 5))
            y, x = (height - h) // 2 + dy, (width - w) // 2 + dx + 120
            frame[y:y + h, x:x + w] = code
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return first_card


def _run_pipeline(path: Path, decoder: Any, policy: Any, *, realtime: bool, first_card: int) -> dict[str, Any]:
    from app.identity.capture import ScanPipeline, open_source

    source = open_source(path, realtime=realtime)
    stamps: list[float] = []
    hits: list[tuple[float, int]] = []
    errors: list[str] = []
    done = threading.Event()
    pipe = ScanPipeline(source, decoder, consecutive_reads=2, policy=policy, stop_on_result=False,
                        on_frame=lambda _f: stamps.append(time.perf_counter()),
                        on_result=lambda hit: hits.append((time.perf_counter(), hit.frame_index)),
                        on_error=lambda exc: errors.append(type(exc).__name__),
                        on_end=lambda _r: done.set())
    t0 = time.perf_counter()
    pipe.start()
    pipe.join(120)
    elapsed = (stamps[-1] if stamps else time.perf_counter()) - t0
    gaps = [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]
    out: dict[str, Any] = {
        "source": f"VideoFileSource realtime (paced at the file's {SOURCE_FPS} fps; live: the newest frame is decoded)"
                  if realtime else
                  "VideoFileSource as fast as read (lossless: every frame decoded)",
        "backend": decoder.name, "lossless": pipe.lossless,
        "frames": pipe.stats.frames_captured, "frames_decoded": pipe.stats.frames_decoded,
        "frames_skipped": pipe.stats.frames_skipped, "seconds": round(elapsed, 3),
        "preview_fps": round((len(stamps) - 1) / (stamps[-1] - stamps[0]), 2) if len(stamps) > 1 else None,
        "decoded_fps": round(pipe.stats.frames_decoded / elapsed, 2) if elapsed > 0 else None,
        "decode_ms_mean": round(pipe.stats.decode_seconds / max(pipe.stats.frames_decoded, 1) * 1000, 3),
        "max_preview_gap_ms": round(max(gaps), 2) if gaps else None,
        "max_preview_gap_after_frame": gaps.index(max(gaps)) if gaps else None,
        "preview_gaps_over_50ms": sum(g > GAP_BUDGET_MS for g in gaps),
        "p99_preview_gap_ms": round(percentile(gaps, 99), 2) if gaps else None,
        "errors": errors,
        "confirmed_reads": len(hits),
    }
    if hits and len(stamps) > first_card:
        at, index = hits[0]
        out["confirmed_at_frame"] = index
        out["card_first_frame"] = first_card
        out["time_to_confirmed_read_ms"] = round((at - stamps[first_card]) * 1000, 1)
    return out


# ------------------------------------------------------------------------------ figures and table
def _what(case: Case, name: str) -> str:
    code = CODE_LABEL[case.code].format(v=case.version)
    return f"{code}, {DISTORTION_TEXT[case.distortion]}: {LABELS[name]}"


def _figures(cases: list[Case], rows: dict[str, dict[str, Any]], pipeline: dict[str, Any],
             decode_text: dict[str, Any]) -> list[dict[str, Any]]:
    figs: list[dict[str, Any]] = []
    for case in cases:
        stats = rows[case.key]
        anchor = stats.get("raw-pyzbar")
        for name in ("zxing", "pyzbar", "opencv"):
            s = stats.get(name)
            if s is None:
                continue
            kw: dict[str, Any] = {"extra": {"p95_ms": s["p95_ms"], "runs": s["runs"],
                                            "success_pct": s["success_pct"], "qr_version": case.version}}
            if name in ("zxing", "pyzbar") and anchor:
                kw.update(anchor=anchor["median_ms"], anchor_name="raw pyzbar")
                kw["extra"]["anchor_success_pct"] = anchor["success_pct"]
                if anchor["success_pct"] < 100:
                    kw["note"] = ("anchor did not read the code correctly: " + (
                        "found it, but returned the Latin-1 text mangled by ZBar's charset guess "
                        "(\"Amélie\" → \"Am幨ie\")" if anchor["found_pct"] == 100
                        else f"{anchor['success_pct']:.0f} % of calls correct"))
            if name == "zxing" and case.code in BUDGETS_MS:
                kw.update(budget=BUDGETS_MS[case.code], budget_text=BUDGET_TEXT[case.code])
            if case.code == "none":
                kw["note"] = ("paid on every camera frame until a card is shown"
                              + ("" if s["success_pct"] == 100 else f"; reported a code in "
                                 f"{100 - s['success_pct']:.0f} % of calls (false read)"))
            elif s["success_pct"] < 100:
                failed = (f"did not read the code ({s['success_pct']:.0f} % of {s['runs']} calls correct): "
                          "a fast failure is not a success")
                kw["note"] = failed if "note" not in kw else f"{failed}; {kw['note']}"
            figs.append(figure(f"qr.{case.key}.{name}.median_ms", AREA, _what(case, name),
                               s["median_ms"], "ms", **kw))
        z = stats.get("zxing")
        if z is not None and case.key in ("small.clean", "dense.clean"):   # others: p95 in extra
            figs.append(figure(f"qr.{case.key}.zxing.p95_ms", AREA, _what(case, "zxing") + " (p95)",
                               z["p95_ms"], "ms", extra={"runs": z["runs"]}))
    # Success rates: per code, over the clean frame and every distortion.
    for code in ("small", "dense"):
        mine = [c for c in cases if c.code == code]
        version = mine[0].version
        for name in DECODERS:
            reads = [ok for c in mine for ok in c.reads.get(name, [])]
            if not reads:
                continue
            per_case = {c.distortion: rows[c.key][name]["success_pct"] for c in mine if name in rows[c.key]}
            failed = [d for d, pct in per_case.items() if pct < 100]
            figs.append(figure(
                f"qr.{code}.{name}.success_pct", AREA,
                f"{CODE_LABEL[code].format(v=version)}: read correctly, clean + {len(mine) - 1} distortions, "
                f"{LABELS[name]}", round(100 * sum(reads) / len(reads), 1), "%", better="higher",
                note=("missed: " + ", ".join(failed)) if failed else None, extra={"per_case": per_case}))
    none = next(c for c in cases if c.code == "none")
    for name in DECODERS:
        if none.reads.get(name):
            figs.append(figure(f"qr.none.{name}.no_false_read_pct", AREA,
                               f"frame without a code: nothing reported, {LABELS[name]}",
                               round(100 * sum(none.reads[name]) / len(none.reads[name]), 1), "%",
                               better="higher"))
    # Camera pipeline.
    unpaced, paced = pipeline.get("unpaced"), pipeline.get("paced")
    if unpaced:
        figs.append(figure("qr.pipeline.unpaced.fps", AREA,
                           "camera pipeline on a 720p MJPG file, unpaced: frames captured + decoded per second "
                           "(zxing)", unpaced["decoded_fps"], "fps", better="higher",
                           extra={k: unpaced[k] for k in ("frames", "decode_ms_mean", "seconds")}))
    if paced:
        note = None if paced.get("time_to_confirmed_read_ms") is not None else "no confirmed read"
        figs.append(figure("qr.pipeline.paced.preview_fps", AREA,
                           f"camera preview with decoding, 720p MJPG file paced at {SOURCE_FPS} fps (zxing)",
                           paced["preview_fps"], "fps", better="higher", budget=FPS_BUDGET,
                           budget_text="≥ 25 fps (DESIGN §7)", note=note))
        figs.append(figure("qr.pipeline.paced.max_preview_gap_ms", AREA,
                           f"longest gap between preview frames, paced at {SOURCE_FPS} fps (capture thread; "
                           "the UI's own stalls are bench/ui's)", paced["max_preview_gap_ms"], "ms",
                           budget=GAP_BUDGET_MS, budget_text="no UI stall > 50 ms (DESIGN §7)",
                           extra={k: paced[k] for k in ("p99_preview_gap_ms", "max_preview_gap_after_frame",
                                                        "preview_gaps_over_50ms", "frames")}))
        figs.append(figure("qr.pipeline.paced.decoded_fps", AREA,
                           f"frames decoded per second, paced at {SOURCE_FPS} fps (zxing)", paced["decoded_fps"],
                           "fps", better="higher", extra={"frames_skipped": paced["frames_skipped"]}))
        if paced.get("time_to_confirmed_read_ms") is not None:
            figs.append(figure("qr.pipeline.paced.time_to_read_ms", AREA,
                               "card in view → confirmed read (2 consecutive reads + signature check), "
                               f"paced at {SOURCE_FPS} fps", paced["time_to_confirmed_read_ms"], "ms"))
    pz = pipeline.get("paced_pyzbar")
    if pz:
        figs.append(figure("qr.pipeline.paced_pyzbar.preview_fps", AREA,
                           f"camera preview with decoding, paced at {SOURCE_FPS} fps, pyzbar backend (comparison)",
                           pz["preview_fps"], "fps", better="higher",
                           extra={"decoded_fps": pz["decoded_fps"], "max_preview_gap_ms": pz["max_preview_gap_ms"]}))
    figs.append(figure("qr.decode_qr_text.dense.median_ms", AREA,
                       "decode_qr_text of the dense Claim 169 (base45, inflate, CBOR, Ed25519 verify, mapping)",
                       decode_text["median_ms"], "ms", extra={"p95_ms": decode_text["p95_ms"]}))
    return figs


def _cell(s: dict[str, Any] | None) -> str:
    if s is None:
        return "-"
    if s["success_pct"] == 100:
        mark = "ok"
    elif s["success_pct"] == 0:
        mark = "wrong text" if s["found_pct"] == 100 else "FAIL"
    else:
        mark = f"{s['success_pct']:.0f}%"
    return f"{s['median_ms']:.2f}/{s['p95_ms']:.2f} {mark}"


def _print(cases: list[Case], rows: dict[str, dict[str, Any]], pipeline: dict[str, Any],
           decode_text: dict[str, Any], info: dict[str, Any]) -> None:
    table = []
    for case in cases:
        stats = rows[case.key]
        budget = f"{BUDGETS_MS[case.code]:.0f}" if case.code in BUDGETS_MS else "-"
        table.append((case.key, f"v{case.version}" if case.version else "-", budget,
                      *(_cell(stats.get(n)) for n in DECODERS)))
    print("median/p95 ms per 1280×720 BGR frame; ok = read correctly in every call, FAIL = never, "
          "wrong text = found the code but returned other text")
    print_table(table, ("case", "QR", "budget", *(f"{n} (runs {rows[cases[0].key].get(n, {}).get('runs', 0)})"
                                                  for n in DECODERS)))
    print(f"\ndecode_qr_text, dense Claim 169: median {decode_text['median_ms']:.2f} ms, "
          f"p95 {decode_text['p95_ms']:.2f} ms")
    for key, p in pipeline.items():
        if not isinstance(p, dict) or "preview_fps" not in p:
            continue
        ttr = p.get("time_to_confirmed_read_ms")
        print(f"pipeline {key:<19} {p['backend']:<6}: preview {p['preview_fps']} fps, decoded {p['decoded_fps']} fps "
              f"(mean decode {p['decode_ms_mean']} ms, skipped {p['frames_skipped']}), max preview gap "
              f"{p['max_preview_gap_ms']} ms" + (f", card → confirmed read {ttr} ms" if ttr is not None else ""))
    m = info["machine"]
    print("load average (1/5/15 min) at start {:.2f}/{:.2f}/{:.2f}, at end {:.2f}/{:.2f}/{:.2f}, {} CPUs"
          .format(*m["loadavg_at_start"], *os.getloadavg(), m["cpu_count"]))


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and shorter videos (≤ 40 s)")
    parser.add_argument("--rounds", type=int, help="rounds over all frames and decoders (default 40, quick 6)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/qr_decode.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    info: dict[str, Any] = {"machine": machine()}

    import cv2

    from app.identity.decoders import ZxingDecoder, get_decoder
    from app.identity.qr import QrPolicy, TrustedKey, decode_qr_text

    rounds = args.rounds or (6 if args.quick else 40)
    zxing_per_round = 2 if args.quick else 3
    opencv_rounds = 1 if args.quick else 5
    opencv_every = max(1, rounds // opencv_rounds)
    small, dense, signer = _texts()
    cases = _cases(small, dense)
    calls, unavailable = _decoders()
    _measure(cases, calls, rounds, zxing_per_round, opencv_every, opencv_rounds)
    rows = {c.key: {n: s for n in calls if (s := _stats(c, n)) is not None} for c in cases}

    policy = QrPolicy(trusted_keys=[TrustedKey.from_pem(signer.public_pem, kid=signer.kid)])
    decode_qr_text(dense, policy)
    samples = []
    for _ in range(50 if args.quick else 300):
        t0 = time.perf_counter()
        decode_qr_text(dense, policy)
        samples.append(time.perf_counter() - t0)
    decode_text = {"median_ms": round(statistics.median(samples) * 1000, 3),
                   "p95_ms": round(percentile([s * 1000 for s in samples], 95), 3), "runs": len(samples)}

    pipeline: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="qr-bench-") as tmp:
        video = Path(tmp) / "card.avi"
        seconds, card_at = (4.0, 1.5) if args.quick else (8.0, 2.0)
        first_card = _write_video(video, dense, seconds, card_at)
        pipeline["video"] = {"size": "1280x720", "codec": "MJPG", "fps": SOURCE_FPS, "seconds": seconds,
                             "card_from_s": card_at, "code": f"dense Claim 169 v{cases[-2].version}",
                             "bytes": video.stat().st_size}
        pipeline["unpaced"] = _run_pipeline(video, ZxingDecoder(), policy, realtime=False, first_card=first_card)
        pipeline["paced"] = _run_pipeline(video, ZxingDecoder(), policy, realtime=True, first_card=first_card)
        if not args.quick and "pyzbar" in calls:
            pipeline["paced_pyzbar"] = _run_pipeline(video, get_decoder("pyzbar"), policy, realtime=True,
                                                           first_card=first_card)

    figs = _figures(cases, rows, pipeline, decode_text)
    result = {
        **info,
        "parameters": {"quick": args.quick, "rounds": rounds, "zxing_calls_per_round": zxing_per_round,
                       "opencv_rounds": min(opencv_rounds, len(range(0, rounds, opencv_every))),
                       "frame": "1280x720 BGR", "module_px": 4,
                       "raw_pyzbar_call": "pyzbar.pyzbar.decode(frame) (all symbologies, BGR: first channel)"},
        "versions": {"zxing-cpp": importlib.metadata.version("zxing-cpp"), "opencv": cv2.__version__,
                     **({"pyzbar": importlib.metadata.version("pyzbar")} if "pyzbar" in calls else {})},
        "unavailable": unavailable,
        "figures": figs,
        "cases": {c.key: {"qr_version": c.version, "distortion": DISTORTION_TEXT[c.distortion], **rows[c.key]}
                  for c in cases},
        "decode_qr_text_dense_claim169": decode_text,
        "pipeline": pipeline,
    }
    _print(cases, rows, pipeline, decode_text, info)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    path = write_result("qr_decode", result, args.out)
    print(f"wall {result['wall_s']} s; written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

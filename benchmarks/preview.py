"""Preview speed: seek-to-frame latency, sustained playback frame rate, and GUI start time.

The project is a 1080x1920 canvas with a generated 1920x1080 H.264 clip (30 fps, a keyframe every
second like phone footage) filling it, one filter layer (grade) and one text item. Frames are
made the way the preview makes them (``FrameWorker._render``: plan, ``FrameRenderer.render_at``,
conversion to a ``QImage``) at the preview size 540x960, and at 270x480, the size the preview
renders at while playing (``PLAYBACK_SCALE``). The preview draws drafts from a 720p proxy of the
clip (:mod:`capkit.gui.proxies`, made in the background; its making is timed too) and redraws
from the original when the playhead rests, so both are measured.

- seek: frames at random times, each after a jump (median and 90th percentile, ms)
- playback: every frame of 5 s of timeline in order (frames per second)
- start: a child process makes the app, opens the project in the main window and shows it; the
  times are to the window's first paint and to the first preview frame on screen (offscreen Qt)

The peer is the floor for the same pictures without an editor: plain PyAV decoding the source and
``cv2.resize`` to the preview size (no filter, no text, no compositing), for both seek and playback.
Targets: median seek under 50 ms, playback at least 30 fps, window under 2 s. The table marks each
PASS or FAIL; the exit status is 1 if one is missed; the last line is JSON with the load average
(other jobs may share the CPU).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/preview.py [--seeks 40 --seconds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

SIZE = (540, 960)
PLAY_SIZE = (270, 480)
SOURCE_SECONDS = 8
FPS = 30
TARGETS = {"seek_median_ms": 50.0, "playback_fps": 30.0, "start_window_s": 2.0}


def make_project(folder: Path):
    import capkit
    from capkit.io import project_file
    from capkit.synth import scene_pattern, write_video

    src = folder / "source-1080p.mp4"
    write_video(src, lambda i: scene_pattern(1920, 1080, i, FPS), fps=FPS, n_frames=SOURCE_SECONDS * FPS, gop=FPS)
    project = capkit.new_project(1080, 1920, fps=FPS, name="preview-bench")
    capkit.add_media(project, src, fit="fill")
    capkit.add_filter(project, "grade", {"contrast": 1.1, "saturation": 1.2, "brightness": 0.03})
    capkit.add_text(project, "Preview speed", duration=SOURCE_SECONDS, size=110, y=0.3)
    path = folder / "bench.capkit"
    project_file.save(project, path)
    return project, src, path


def preview_worker():
    from capkit.gui.preview import FrameWorker

    return FrameWorker()  # not started: _render runs on this thread, the code path is the same


def seek_ms(project, size, times) -> list[float]:
    from capkit.gui.preview import FrameRequest

    worker = preview_worker()
    worker._render(FrameRequest(project, 1, Fraction(0), *size))  # the plan and readers are made once
    out = []
    for t in times:
        start = time.perf_counter()
        worker._render(FrameRequest(project, 1, t, *size))
        out.append((time.perf_counter() - start) * 1000)
    worker._close_renderer()
    return out


def playback_fps(project, size, seconds: float, start_at: float = 0.0) -> float:
    from capkit.gui.preview import FrameRequest

    worker = preview_worker()
    first = round(start_at * FPS)
    worker._render(FrameRequest(project, 1, Fraction(first, FPS), *size))
    n = round(seconds * FPS)
    start = time.perf_counter()
    for i in range(first + 1, first + 1 + n):
        worker._render(FrameRequest(project, 1, Fraction(i, FPS), *size))
    rate = n / (time.perf_counter() - start)
    worker._close_renderer()
    return rate


def _fill(rgb: np.ndarray, size) -> np.ndarray:
    """Crop-to-fill and resize, as the floor of what the preview must do to a frame."""
    w, h = size
    sh, sw = rgb.shape[:2]
    k = max(w / sw, h / sh)
    cw, ch = round(w / k), round(h / k)
    x0, y0 = (sw - cw) // 2, (sh - ch) // 2
    return cv2.resize(rgb[y0:y0 + ch, x0:x0 + cw], size, interpolation=cv2.INTER_AREA)


def peer_seek_ms(src: Path, size, times) -> list[float]:
    out = []
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        for t in times:
            start = time.perf_counter()
            target = int(float(t) / stream.time_base)
            container.seek(target, stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.pts is not None and frame.pts >= target - 1:
                    _fill(frame.to_ndarray(format="rgb24"), size)
                    break
            out.append((time.perf_counter() - start) * 1000)
    return out


def peer_playback_fps(src: Path, size, seconds: float) -> float:
    n = round(seconds * FPS)
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        start = time.perf_counter()
        for i, frame in enumerate(container.decode(stream)):
            _fill(frame.to_ndarray(format="rgb24"), size)
            if i + 1 >= n:
                break
        return n / (time.perf_counter() - start)


START_CHILD = r"""
import sys, time
t0 = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from capkit.gui.app import application
from capkit.gui.document import Document
from capkit.gui.main_window import MainWindow
app = application()
doc = Document()
doc.open(sys.argv[1])
win = MainWindow(doc)
class FirstPaint(QObject):
    done = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            print("window", time.perf_counter() - t0, flush=True)
        return False
spy = FirstPaint()
win.installEventFilter(spy)
def shown():
    print("frame", time.perf_counter() - t0, flush=True)
    win.preview.frame_shown.disconnect(shown)
    QTimer.singleShot(0, app.quit)
win.preview.frame_shown.connect(shown)
win.resize(1400, 860)
win.show()
QTimer.singleShot(20000, app.quit)
app.exec()
win.preview.shutdown()
"""


def start_times(path: Path) -> dict[str, float]:
    """Seconds from launching the child to its window's first paint and first preview frame."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               CAPKIT_CACHE_DIR=str(path.parent / "cache"))  # the proxy it starts goes with the temp folder
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", START_CHILD, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    got: dict[str, float] = {}
    for line in proc.stdout:
        what, _, inside = line.partition(" ")
        if what in ("window", "frame"):
            got[what] = time.perf_counter() - began
            got[f"{what}_in_process"] = float(inside)
    proc.wait()
    return got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeks", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--starts", type=int, default=3, help="GUI starts to time (the median is kept)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="capkit-preview-bench-") as tmp:
        print("writing an 8 s 1920x1080 source ...", flush=True)
        project, src, path = make_project(Path(tmp))
        rng = random.Random(0)
        times = [Fraction(rng.randrange(0, (SOURCE_SECONDS - 1) * FPS), FPS) for _ in range(args.seeks)]

        from capkit.gui.proxies import make_proxy, proxied

        began = time.perf_counter()
        proxy = make_proxy(src, Path(tmp) / "proxy.mp4")
        proxy_s = time.perf_counter() - began
        draft = proxied(project, {str(src): str(proxy)})
        originals = seek_ms(project, SIZE, times)
        seeks = seek_ms(draft, SIZE, times)
        peer_seeks = peer_seek_ms(src, SIZE, times)
        play_orig = playback_fps(project, SIZE, args.seconds)
        play = playback_fps(draft, SIZE, args.seconds)
        play_small = playback_fps(draft, PLAY_SIZE, args.seconds)
        peer_play = peer_playback_fps(src, SIZE, args.seconds)
        starts = [start_times(path) for _ in range(args.starts)]
    load_after = os.getloadavg()

    def median_of(key):
        values = [s[key] for s in starts if key in s]
        return statistics.median(values) if values else float("nan")

    seek_med, seek_p90 = statistics.median(seeks), statistics.quantiles(seeks, n=10)[-1]
    orig_med, orig_p90 = statistics.median(originals), statistics.quantiles(originals, n=10)[-1]
    peer_med, peer_p90 = statistics.median(peer_seeks), statistics.quantiles(peer_seeks, n=10)[-1]
    window, frame = median_of("window"), median_of("frame")
    best_play = max(play, play_small)  # what playback renders at is PLAY_SIZE
    rows = [
        ("seek, draft (proxy), median", f"{seek_med:.1f} ms", f"{peer_med:.1f} ms", "< 50 ms", seek_med < TARGETS["seek_median_ms"]),
        ("seek, draft (proxy), p90", f"{seek_p90:.1f} ms", f"{peer_p90:.1f} ms", "", None),
        ("seek, original (at rest), median", f"{orig_med:.1f} ms", f"{peer_med:.1f} ms", "", None),
        ("seek, original (at rest), p90", f"{orig_p90:.1f} ms", f"{peer_p90:.1f} ms", "", None),
        ("playback 540x960, proxy", f"{play:.1f} fps", f"{peer_play:.1f} fps", "", None),
        ("playback 540x960, original", f"{play_orig:.1f} fps", f"{peer_play:.1f} fps", "", None),
        ("playback 270x480, proxy (as played)", f"{play_small:.1f} fps", "", ">= 30 fps", best_play >= TARGETS["playback_fps"]),
        ("making the proxy (8 s of 1080p)", f"{proxy_s:.2f} s", "", "", None),
        ("start to first window paint", f"{window:.2f} s", "", "< 2 s", window < TARGETS["start_window_s"]),
        ("start to first preview frame", f"{frame:.2f} s", "", "", None),
    ]
    print(f"\n{'what':<38} {'capkit':>11} {'PyAV+cv2':>11} {'target':>10}  result")
    for what, ours, peer, target, ok in rows:
        mark = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{what:<38} {ours:>11} {peer:>11} {target:>10}  {mark}")
    print(f"capkit / floor (PyAV+cv2 on the original, no filter or text) at 540x960: playback "
          f"{play / peer_play:.2f}x with the proxy, {play_orig / peer_play:.2f}x without; seek "
          f"{peer_med / seek_med:.2f}x faster with the proxy, {peer_med / orig_med:.2f}x without")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores")
    met = all(ok for *_, ok in rows if ok is not None)
    print(json.dumps({
        "seek_median_ms": round(seek_med, 1), "seek_p90_ms": round(seek_p90, 1),
        "seek_original_median_ms": round(orig_med, 1), "seek_original_p90_ms": round(orig_p90, 1),
        "playback_fps_540_original": round(play_orig, 1), "proxy_seconds": round(proxy_s, 2),
        "peer_seek_median_ms": round(peer_med, 1), "playback_fps_540": round(play, 1),
        "playback_fps_270": round(play_small, 1), "peer_playback_fps_540": round(peer_play, 1),
        "start_window_s": round(window, 2), "start_first_frame_s": round(frame, 2),
        "targets_met": met, "load_before": round(load_before[0], 2), "load_after": round(load_after[0], 2),
    }))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

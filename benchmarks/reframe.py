"""Auto-reframe analysis speed against plain decoding of the same file, in the same process.

The input is generated: a 16:9 H.264 clip at 30 fps of a drawn face moving left and right over a
textured backdrop (the tests' footage, ``tests/reframe/reframe_support.py``), and the same length of
a bright disc moving over a plain background (no face: the motion fallback). For each, the table
gives the analysis speed as source frames covered per second of wall time and as analysed
pictures per second, beside a plain PyAV loop that decodes every frame of the same file (frame
threads, no conversion): the floor for anything that reads the whole file. The analysis decodes
every frame too, but converts, scales and examines only the sampled ones (8 a second, 320 px wide).

    .venv/bin/python benchmarks/reframe.py [--width 1280 --seconds 20 --runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reframe"))
import reframe_support as footage

from capkit.reframe import analyse

OUT = Path(__file__).resolve().parent / "out"


def plain_decode(path: Path) -> int:
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        for _ in container.decode(stream):
            frames += 1
    return frames


def median_time(work, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=8.0, help="analysed pictures per second")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    height = args.width * 9 // 16 // 2 * 2
    inputs = {
        "face": OUT / f"reframe-face-{args.width}-{args.seconds}s.mp4",
        "no face": OUT / f"reframe-object-{args.width}-{args.seconds}s.mp4",
    }
    for kind, path in inputs.items():
        if not path.exists():
            print(f"writing {path.name} ...")
            if kind == "face":
                footage.write_face_video(path, args.seconds, args.width)
            else:
                footage.write_object_video(path, args.seconds, args.width)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'input':<10} {'size':>10} {'decode fps':>11} {'source fps':>11} {'analysed fps':>13} "
          f"{'ratio':>6} {'detector':>9}  subject")
    figures = {}
    for kind, path in inputs.items():
        decode_s, frames = median_time(lambda p=path: plain_decode(p), args.runs)
        analyse_s, result = median_time(lambda p=path: analyse(p, "9:16", rate=args.rate), args.runs)
        decode_fps = frames / decode_s
        source_fps = result.source_frames / analyse_s
        analysed_fps = result.analysed_frames / analyse_s
        size = f"{result.source_size[0]}x{result.source_size[1]}"
        found = ", ".join(f"{k} {n}" for k, n in sorted(result.stats.items()))
        print(f"{kind:<10} {size:>10} {decode_fps:11.0f} {source_fps:11.0f} {analysed_fps:13.1f} "
              f"{source_fps / decode_fps:6.2f} {result.detector:>9}  {found}")
        key = kind.replace(" ", "_")
        figures.update({f"{key}_decode_fps": round(decode_fps, 1), f"{key}_source_fps": round(source_fps, 1),
                        f"{key}_analysed_fps": round(analysed_fps, 1),
                        f"{key}_ratio": round(source_fps / decode_fps, 3)})
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    figures.update({"detector": result.detector, "rate": args.rate, "width": args.width, "height": height,
                    "load": round(os.getloadavg()[0], 2)})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

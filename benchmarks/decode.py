"""Sequential decode speed of VideoReader against a plain PyAV loop, in the same process.

Both sides decode every frame of a generated 720p H.264 clip with frame threading and convert it
to RGB. The plain loop calls ``frame.to_ndarray`` as most PyAV code does, which builds a new
swscale context per frame; VideoReader keeps one, which is why it can come out ahead despite its
bookkeeping (timestamps, lookahead, caching). A random-access figure (frame_at in shuffled order)
is printed for scale.

    .venv/bin/python benchmarks/decode.py [--width 1280 --height 720 --seconds 10]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

from capkit.media import VideoReader
from capkit.synth import scene_pattern, write_video

FPS = Fraction(30)


def plain_pyav(path: Path) -> int:
    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        for frame in container.decode(stream):
            frame.to_ndarray(format="rgb24")
            frames += 1
    return frames


def reader_sequential(path: Path, n: int) -> int:
    with VideoReader(path) as reader:
        for i in range(n):
            reader.frame_at(i / FPS)
    return n


def reader_shuffled(path: Path, n: int, count: int) -> int:
    order = random.Random(0).sample(range(n), count)
    with VideoReader(path) as reader:
        for i in order:
            reader.frame_at(i / FPS)
    return count


def timed(label: str, work) -> float:
    start = time.perf_counter()
    frames = work()
    rate = frames / (time.perf_counter() - start)
    print(f"{label:<28} {rate:8.1f} frames/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    n = int(args.seconds * FPS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.mp4"
        print(f"writing {n} frames of {args.width}x{args.height} ...")
        write_video(path, lambda i: scene_pattern(args.width, args.height, i, FPS), n_frames=n,
                    gop=60)
        plain = timed("plain PyAV loop", lambda: plain_pyav(path))
        ours = timed("VideoReader sequential", lambda: reader_sequential(path, n))
        timed("VideoReader shuffled (30)", lambda: reader_shuffled(path, n, 30))
        print(f"ratio VideoReader / plain PyAV: {ours / plain:.2f}")


if __name__ == "__main__":
    main()

"""Generated video files: licence-clean, deterministic media for tests and demos.

This module owns how capkit makes pictures and video files from nothing: :func:`write_video`
encodes RGB frames (with optional sound, rotation metadata and explicit timestamps) in-process
with PyAV, and the pattern makers give frames worth encoding:

- :func:`bitmap_frames` turns rows of colour letters into frames (MoviePy's ``BitmapClip`` idea),
  so a test can state exact pixels; :func:`write_bitmap_video` stores them losslessly.
- :func:`frame_index_pattern` / :func:`read_frame_index` write a frame's number as big black and
  white blocks that survive lossy H.264, scaling and chroma subsampling, so a test can tell which
  frame a reader returned.
- :func:`scene_pattern` is a good-looking moving picture for
  demos.

Everything here depends on the inputs only (fixed encoder threads, seeded noise), so the same
call writes the same file on every machine with the same PyAV build.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import av
import cv2
import numpy as np

# Letter -> RGB for bitmap frames. K is black (as in CMYK) so that O can be orange.
COLORS: dict[str, tuple[int, int, int]] = {
    "R": (255, 0, 0),
    "G": (0, 255, 0),
    "B": (0, 0, 255),
    "W": (255, 255, 255),
    "K": (0, 0, 0),
    "Y": (255, 255, 0),
    "C": (0, 255, 255),
    "M": (255, 0, 255),
    "O": (255, 128, 0),
    "A": (128, 128, 128),
}

_X264 = ("libx264", "libx264rgb")

# x264's output depends on its thread count; fixing it makes files identical across machines.
_X264_THREADS = 4

# Explicit timestamps are stored in the finest tick that represents them all exactly, unless that
# tick would be absurdly fine; then they are rounded to the 90 kHz clock MPEG uses.
_MAX_TICKS_PER_SECOND = 1_000_000
_FALLBACK_TICKS_PER_SECOND = 90_000

_AUDIO_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}

# frame_index_pattern: a 4 x 4 grid of cells, one bit each, most significant bit first.
_INDEX_GRID = 4
_INDEX_BITS = _INDEX_GRID * _INDEX_GRID

FrameSource = Iterable[np.ndarray] | Callable[[int], np.ndarray]


def write_video(
    path: str | Path,
    frames: FrameSource,
    *,
    fps: Fraction | int = Fraction(30),
    n_frames: int | None = None,
    codec: str = "libx264",
    crf: int = 18,
    pix_fmt: str = "yuv420p",
    audio: np.ndarray | None = None,
    sample_rate: int = 48000,
    rotation: int = 0,
    pts: Sequence[Fraction] | None = None,
    gop: int | None = None,
    preset: str = "veryfast",
) -> Path:
    """Encode RGB frames (H, W, 3) uint8 to ``path``; the container follows the suffix.

    ``frames`` is an iterable of arrays, or a function of the frame index (then ``n_frames`` or
    ``pts`` says how many). ``audio`` is float32 (channels, n) at ``sample_rate``, muxed as AAC
    (Opus for .webm). ``rotation`` (0/90/180/270, clockwise) is written as display-matrix
    metadata, the way phones store portrait clips: the stored pictures are not turned.
    ``pts`` gives each frame's time in seconds for variable-frame-rate files; otherwise frame i
    is at i / fps. ``gop`` is the keyframe interval in frames (encoder default otherwise).
    """
    path = Path(path)
    fps = Fraction(fps)
    if rotation not in (0, 90, 180, 270):
        raise ValueError(f"rotation must be 0, 90, 180 or 270, got {rotation}")
    count = n_frames if n_frames is not None else (len(pts) if pts is not None else None)
    if pts is not None and count is not None and count > len(pts):
        raise ValueError(f"{count} frames need {count} timestamps, got {len(pts)}")
    source = _frame_iter(frames, count)
    try:
        first = next(source)
    except StopIteration:
        raise ValueError("write_video needs at least one frame") from None
    height, width = first.shape[:2]
    if pix_fmt in ("yuv420p", "yuvj420p", "nv12") and (width % 2 or height % 2):
        raise ValueError(f"{pix_fmt} needs an even frame size, got {width}x{height}")

    time_base = _time_base(fps, pts)
    try:
        with av.open(str(path), mode="w") as container:
            options = _codec_options(codec, crf, preset)
            stream = container.add_stream(codec, rate=fps, options=options)
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            stream.time_base = time_base
            stream.codec_context.time_base = time_base
            if codec in _X264:
                stream.codec_context.thread_count = _X264_THREADS
            if gop is not None:
                stream.codec_context.gop_size = gop
            if rotation:
                # PyAV takes the counter-clockwise angle FFmpeg's display matrix stores.
                stream.set_display_rotation(-rotation)
            sound = _AudioMuxer(container, path, audio, sample_rate) if audio is not None else None

            last_tick = None
            for index, pixels in enumerate(_chain(first, source)):
                seconds = pts[index] if pts is not None else index / fps
                tick = round(Fraction(seconds) / time_base)
                if last_tick is not None and tick <= last_tick:
                    raise ValueError(f"frame {index} at {seconds} s is not after the frame before")
                last_tick = tick
                rgb = _rgb(pixels, width, height, index)
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = tick
                frame.time_base = time_base
                container.mux(stream.encode(frame))
                if sound is not None:
                    sound.write_until(tick * time_base + 1 / fps)
            container.mux(stream.encode(None))
            if sound is not None:
                sound.finish()
    except BaseException:
        path.unlink(missing_ok=True)  # a bad frame mid-way must not leave a half-written file
        raise
    return path


def bitmap_frames(rows_per_frame: list[list[str]], scale: int = 16) -> list[np.ndarray]:
    """Frames from rows of colour letters (see :data:`COLORS`), each letter a scale x scale block.

    ``[["RG", "BW"]]`` is one 2 x 2-block frame: red and green on top, blue and white below.
    """
    frames = []
    for number, rows in enumerate(rows_per_frame):
        if not rows or len({len(row) for row in rows}) != 1 or not rows[0]:
            raise ValueError(f"bitmap frame {number}: rows must be non-empty and equally long")
        try:
            small = np.array([[COLORS[letter] for letter in row] for row in rows], dtype=np.uint8)
        except KeyError as err:
            known = "".join(COLORS)
            raise ValueError(f"bitmap frame {number}: unknown colour {err}; use {known}") from None
        frames.append(np.ascontiguousarray(small.repeat(scale, axis=0).repeat(scale, axis=1)))
    return frames


def write_bitmap_video(
    path: str | Path,
    rows_per_frame: list[list[str]],
    *,
    fps: Fraction | int = Fraction(30),
    scale: int = 16,
    **kw: object,
) -> Path:
    """A bitmap video stored losslessly (RGB H.264, crf 0), so decoded pixels equal the letters."""
    options: dict[str, object] = {"codec": "libx264rgb", "crf": 0, "pix_fmt": "rgb24"}
    options.update(kw)
    return write_video(path, bitmap_frames(rows_per_frame, scale), fps=fps, **options)


def frame_index_pattern(width: int, height: int, n: int) -> np.ndarray:
    """Frame ``n`` (0 <= n < 65536) as a 4 x 4 grid of black/white cells holding its bits.

    Each cell is a quarter of the frame each way, so the number survives H.264 at ordinary
    quality and scaling down to a few pixels per cell.
    """
    if not 0 <= n < 1 << _INDEX_BITS:
        raise ValueError(f"frame index must be in [0, {1 << _INDEX_BITS}), got {n}")
    bits = [(n >> (_INDEX_BITS - 1 - i)) & 1 for i in range(_INDEX_BITS)]
    cells = np.array(bits, dtype=np.uint8).reshape(_INDEX_GRID, _INDEX_GRID) * 255
    grey = cv2.resize(cells, (width, height), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))


def read_frame_index(frame: np.ndarray) -> int:
    """The number :func:`frame_index_pattern` wrote into ``frame`` (RGB, RGBA or grey)."""
    pixels = np.asarray(frame, dtype=np.float32)
    grey = pixels[..., :3].mean(axis=-1) if pixels.ndim == 3 else pixels
    height, width = grey.shape
    value = 0
    for row in range(_INDEX_GRID):
        for col in range(_INDEX_GRID):
            # The middle half of each cell: its edges blur into the neighbours after encoding.
            y0, y1 = _cell_core(row, height)
            x0, x1 = _cell_core(col, width)
            bit = grey[y0:y1, x0:x1].mean() > 127.5
            value = (value << 1) | int(bit)
    return value


def scene_pattern(width: int, height: int, n: int, fps: Fraction | int = 30) -> np.ndarray:
    """Frame ``n`` of a moving demo picture: sky, sun, hills, a bouncing ball, a frame counter."""
    t = float(Fraction(n) / Fraction(fps))
    frame = _landscape(width, height).copy()
    unit = min(width, height)

    sun_x = int(width * (0.15 + 0.7 * ((t / 12) % 1)))
    sun_y = int(height * 0.28)
    cv2.circle(frame, (sun_x, sun_y), max(2, unit // 9), (255, 214, 102), -1, cv2.LINE_AA)
    cv2.circle(frame, (sun_x, sun_y), max(3, unit // 7), (255, 196, 90), max(1, unit // 120),
               cv2.LINE_AA)

    period = 1.6
    phase = (t % period) / period
    ball_x = int(width * (0.1 + 0.8 * abs(((t / 5) % 2) - 1)))
    ball_y = int(height * (0.78 - 0.4 * (1 - (2 * phase - 1) ** 2)))
    radius = max(2, unit // 18)
    cv2.circle(frame, (ball_x, ball_y), radius, (235, 64, 52), -1, cv2.LINE_AA)
    cv2.circle(frame, (ball_x - radius // 3, ball_y - radius // 3), max(1, radius // 4),
               (255, 190, 180), -1, cv2.LINE_AA)

    angle = (t * 90) % 360
    box = cv2.boxPoints(((width * 0.8, height * 0.62), (unit / 7, unit / 7), angle))
    cv2.fillPoly(frame, [np.round(box).astype(np.int32)], (250, 250, 245), cv2.LINE_AA)

    _draw_counter(frame, n, fps)
    return frame


def _frame_iter(frames: FrameSource, count: int | None) -> Iterator[np.ndarray]:
    if callable(frames):
        if count is None:
            raise ValueError("a frame function needs n_frames (or pts) to say how many frames")
        return (frames(i) for i in range(count))
    iterator = iter(frames)
    return islice(iterator, count) if count is not None else iterator


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


def _rgb(pixels: np.ndarray, width: int, height: int, index: int) -> np.ndarray:
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.shape != (height, width, 3):
        raise ValueError(
            f"frame {index}: expected uint8 RGB of shape {(height, width, 3)}, "
            f"got {pixels.dtype} {pixels.shape}"
        )
    return np.ascontiguousarray(pixels)


def _time_base(fps: Fraction, pts: Sequence[Fraction] | None) -> Fraction:
    if pts is None:
        return 1 / fps
    ticks = 1
    for seconds in pts:
        denominator = Fraction(seconds).denominator
        ticks = ticks * denominator // np.gcd(ticks, denominator)
        if ticks > _MAX_TICKS_PER_SECOND:
            return Fraction(1, _FALLBACK_TICKS_PER_SECOND)
    return Fraction(1, int(ticks))


def _codec_options(codec: str, crf: int, preset: str) -> dict[str, str]:
    if codec in _X264:
        # cpu-independent: x264's default picks CPU-specific algorithms, and on AVX-512 machines
        # (PyAV 18 wheels) its output even varies from run to run in one process.
        return {"crf": str(crf), "preset": preset, "x264-params": "cpu-independent=1"}
    if codec.startswith("libvpx"):
        return {"crf": str(crf), "b": "0", "deadline": "realtime", "cpu-used": "8"}
    return {}


class _AudioMuxer:
    """Feeds the sound track in step with the pictures so the muxer can interleave them."""

    def __init__(
        self, container: av.container.OutputContainer, path: Path, audio: np.ndarray, rate: int
    ) -> None:
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim == 1:
            samples = samples[None, :]
        channels = samples.shape[0]
        if channels not in _AUDIO_LAYOUTS:
            raise ValueError(f"audio must have 1, 2, 6 or 8 channels, got shape {samples.shape}")
        codec = "libopus" if path.suffix.lower() == ".webm" else "aac"
        self._layout = _AUDIO_LAYOUTS[channels]
        self._stream = container.add_stream(codec, rate=rate if codec == "aac" else 48000,
                                            layout=self._layout)
        self._container = container
        self._samples = np.clip(samples, -1.0, 1.0)
        self._rate = rate
        self._done = 0

    def write_until(self, seconds: Fraction) -> None:
        end = min(self._samples.shape[1], int(seconds * self._rate))
        if end <= self._done:
            return
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(self._samples[:, self._done : end]),
            format="fltp",
            layout=self._layout,
        )
        frame.sample_rate = self._rate
        frame.pts = self._done
        frame.time_base = Fraction(1, self._rate)
        self._container.mux(self._stream.encode(frame))
        self._done = end

    def finish(self) -> None:
        self.write_until(Fraction(self._samples.shape[1] + 1, self._rate))
        self._container.mux(self._stream.encode(None))


def _cell_core(index: int, size: int) -> tuple[int, int]:
    lo = size * index / _INDEX_GRID
    hi = size * (index + 1) / _INDEX_GRID
    quarter = (hi - lo) / 4
    y0, y1 = int(lo + quarter), int(np.ceil(hi - quarter))
    return y0, max(y1, y0 + 1)


@functools.lru_cache(maxsize=8)
def _landscape(width: int, height: int) -> np.ndarray:
    """The still part of the demo picture (sky gradient and hills), drawn once per size."""
    top = np.array([38, 84, 168], dtype=np.float32)
    horizon = np.array([250, 178, 120], dtype=np.float32)
    mix = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None] ** 1.6
    column = top * (1 - mix) + horizon * mix
    picture = np.repeat(column[:, None, :], width, axis=1).round().astype(np.uint8)
    x = np.linspace(0.0, 2 * np.pi, width, dtype=np.float32)
    ridge = height * (0.74 + 0.05 * np.sin(1.3 * x + 0.4) + 0.03 * np.sin(3.1 * x + 1.7))
    picture[np.arange(height, dtype=np.float32)[:, None] >= ridge[None, :]] = (46, 104, 74)
    picture.flags.writeable = False
    return picture


def _draw_counter(frame: np.ndarray, n: int, fps: Fraction | int) -> None:
    height, width = frame.shape[:2]
    text = str(n)
    font = cv2.FONT_HERSHEY_DUPLEX
    scale = height / 110
    thickness = max(1, int(height / 60))
    (text_w, text_h), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = ((width - text_w) // 2, (height + text_h) // 2)
    cv2.putText(frame, text, origin, font, scale, (20, 24, 40), thickness + max(2, thickness),
                cv2.LINE_AA)
    cv2.putText(frame, text, origin, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)

    stamp = f"{float(Fraction(n) / Fraction(fps)):.2f} s"
    small = height / 400
    cv2.putText(frame, stamp, (max(2, width // 40), max(12, height // 14)), font, small,
                (255, 255, 255), max(1, thickness // 3), cv2.LINE_AA)

"""Real media for the media-layer tests, generated once per test session with capkit.synth.

Files are made on first use (``media.get(name)``) so a single test run only pays for what it
touches; everything is small (64 x 48 pictures, a few seconds of sound) to keep the suite fast.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from PIL import Image

from capkit.synth import (
    clicks,
    frame_index_pattern,
    tone,
    write_audio,
    write_bitmap_video,
    write_video,
)

FPS = Fraction(30)
N_FRAMES = 90
WIDTH, HEIGHT = 64, 48

# A bitmap frame whose four corners differ, so any rotation or mirror shows in the pixels.
CORNER_ROWS = ["RKKKW", "KKKKK", "KKKKK", "BKKKG"]
CORNER_FRAMES = [CORNER_ROWS, ["YKKKW", "KKKKK", "KKKKK", "BKKKG"]]

# Frame times for the variable-frame-rate file: a 30 fps run, a 10 fps stretch, a 60 fps burst.
VFR_PTS = (
    [Fraction(k, 30) for k in range(10)]
    + [Fraction(10, 30) + Fraction(k, 10) for k in range(1, 6)]
    + [Fraction(10, 30) + Fraction(5, 10) + Fraction(k, 60) for k in range(1, 16)]
)

# Where the files that start late put their first frame.
LATE_START = Fraction(1)

CLICK_FRAMES = (15, 45, 70)


def _index_frames(i: int) -> np.ndarray:
    return frame_index_pattern(WIDTH, HEIGHT, i)


def _index_video(path: Path) -> Path:
    return write_video(path, _index_frames, fps=FPS, n_frames=N_FRAMES, gop=12)


def _with_sound(channels: int) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        sound = tone(440, N_FRAMES / FPS, channels=1, amplitude=0.4)
        return write_video(
            path, _index_frames, fps=FPS, n_frames=N_FRAMES, gop=12,
            audio=np.repeat(sound, channels, axis=0),
        )

    return make


def _clicks_video(path: Path) -> Path:
    times = [float(Fraction(k) / FPS) for k in CLICK_FRAMES]
    sound = clicks(times, float(N_FRAMES / FPS))
    return write_video(path, _index_frames, fps=FPS, n_frames=N_FRAMES, gop=12, audio=sound)


def _vfr(path: Path) -> Path:
    return write_video(path, _index_frames, fps=FPS, pts=VFR_PTS, gop=12)


def _late(path: Path) -> Path:
    pts = [LATE_START + Fraction(k) / FPS for k in range(N_FRAMES)]
    return write_video(path, _index_frames, fps=FPS, pts=pts, gop=12)


def _rotated(rotation: int) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        return write_bitmap_video(path, CORNER_FRAMES, scale=16, rotation=rotation)

    return make


def _bitmap(path: Path) -> Path:
    return write_bitmap_video(path, CORNER_FRAMES, scale=16)


def _audio(freq: float, seconds: float, rate: int, channels: int) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        samples = tone(freq, seconds, sample_rate=rate, channels=channels, amplitude=0.5)
        return write_audio(path, samples, sample_rate=rate)

    return make


def _surround(path: Path) -> Path:
    # Every channel carries sound, so any sensible downmix is loud.
    samples = np.concatenate(
        [tone(220 * (k + 1), 2, channels=1, amplitude=0.3) for k in range(6)], axis=0
    )
    return write_audio(path, samples)


def _photo(orientation: int, fmt: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        pixels = np.zeros((40, 60, 3), dtype=np.uint8)  # landscape, as the sensor stores it
        pixels[:20, :30] = (255, 0, 0)  # red top-left quarter marks "up-left" before rotation
        image = Image.fromarray(pixels)
        kwargs: dict[str, object] = {"quality": 95} if fmt == "JPEG" else {}
        if orientation != 1:
            exif = Image.Exif()
            exif[0x0112] = orientation
            kwargs["exif"] = exif
        image.save(path, format=fmt, **kwargs)
        return path

    return make


def _rgba_png(path: Path) -> Path:
    pixels = np.zeros((30, 50, 4), dtype=np.uint8)
    pixels[..., 1] = 200
    pixels[..., 3] = np.linspace(0, 255, 50, dtype=np.uint8)[None, :]
    Image.fromarray(pixels).save(path)
    return path


def _webp(path: Path) -> Path:
    pixels = np.full((24, 32, 3), (10, 120, 240), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format="WEBP", lossless=True)
    return path


def _text(path: Path) -> Path:
    path.write_text("this is a shopping list, not a video\n" * 40)
    return path


def _truncated(path: Path) -> Path:
    whole = _index_video(path.with_name("whole_for_truncation.mp4"))
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


RECIPES: dict[str, Callable[[Path], Path]] = {
    "index.mp4": _index_video,
    "index.mkv": _index_video,
    "index.ts": _index_video,
    "index_long_gop.mp4": lambda p: write_video(p, _index_frames, fps=FPS, n_frames=N_FRAMES),
    "stereo.mp4": _with_sound(2),
    "stereo.mkv": _with_sound(2),
    "stereo.ts": _with_sound(2),
    "mono.mp4": _with_sound(1),
    "surround.mp4": _with_sound(6),
    "clicks.mp4": _clicks_video,
    "clicks.mkv": _clicks_video,
    "clicks.ts": _clicks_video,
    "vfr.mp4": _vfr,
    "vfr.mkv": _vfr,
    "late.mp4": _late,
    "bitmap.mp4": _bitmap,
    "rot90.mp4": _rotated(90),
    "rot180.mp4": _rotated(180),
    "rot270.mp4": _rotated(270),
    "tone44k_mono.wav": _audio(1000, 3, 44100, 1),
    "tone44k.m4a": _audio(1000, 3, 44100, 2),
    "tone48k.m4a": _audio(440, 3, 48000, 2),
    "tone.mp3": _audio(440, 3, 44100, 2),
    "tone.ogg": _audio(440, 2, 48000, 2),
    "mono.wav": _audio(440, 2, 48000, 1),
    "surround.m4a": _surround,
    "photo.png": _photo(1, "PNG"),
    "photo.jpg": _photo(1, "JPEG"),
    "photo_rot90.jpg": _photo(6, "JPEG"),
    "photo_rot180.jpg": _photo(3, "JPEG"),
    "photo_rot270.jpg": _photo(8, "JPEG"),
    "alpha.png": _rgba_png,
    "picture.webp": _webp,
    "notes.mp4": _text,
    "notes.png": _text,
    "truncated.mp4": _truncated,
    "empty.mp4": _empty,
}


class MediaSet:
    """Generated files by name, each made on first request and reused for the session.

    The constants the files were made with ride along, so tests need not import this module.
    """

    FPS = FPS
    N_FRAMES = N_FRAMES
    WIDTH = WIDTH
    HEIGHT = HEIGHT
    CORNER_FRAMES = CORNER_FRAMES
    VFR_PTS = VFR_PTS
    LATE_START = LATE_START
    CLICK_FRAMES = CLICK_FRAMES

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: dict[str, Path] = {}

    def get(self, name: str) -> Path:
        if name not in self._made:
            self._made[name] = RECIPES[name](self.root / name)
        return self._made[name]


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaSet:
    return MediaSet(tmp_path_factory.mktemp("media"))

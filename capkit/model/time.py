"""Exact time for the timeline.

Every position and duration in a project is a ``Fraction`` of a second. Fractions never drift: a
cut made at frame 17 of a 30000/1001 fps project is still on frame 17 after a save/load round trip
or after the frame rate is changed and changed back. Conversion to frames happens only at the
edges (rendering, display), with the rules below.
"""

from __future__ import annotations

import math
from fractions import Fraction

Time = Fraction

# Rates that people type as decimals but mean as NTSC rationals.
_NTSC = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}


def to_time(value: int | float | str | Fraction) -> Fraction:
    """Turn a user-facing number into exact time.

    Strings may be ``"3/2"``, ``"1.5"`` or ``"90"``; floats are rounded to the nearest microsecond
    so that ``0.1`` means one tenth, not the binary float closest to it.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a time cannot be a boolean")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a time must be a finite number, not {value}")
        return Fraction(value).limit_denominator(1_000_000)
    if isinstance(value, str):
        return Fraction(value.strip())
    raise TypeError(f"cannot use {type(value).__name__} as a time")


def parse_rate(value: int | float | str | Fraction) -> Fraction:
    """A frame rate as an exact rational; ``29.97`` means 30000/1001."""
    if isinstance(value, str) and value.strip() in _NTSC:
        return _NTSC[value.strip()]
    if isinstance(value, float):
        key = f"{value:.3f}".rstrip("0").rstrip(".")
        if key in _NTSC:
            return _NTSC[key]
    rate = to_time(value)
    if rate <= 0:
        raise ValueError(f"a frame rate must be positive, not {value}")
    return rate


def frame_time(n: int, fps: Fraction) -> Fraction:
    """The time at which frame ``n`` starts."""
    return Fraction(n) / fps


def frame_at(t: Fraction, fps: Fraction) -> int:
    """The frame that is on screen at time ``t`` (frame n covers [n/fps, (n+1)/fps))."""
    return math.floor(t * fps)


def frame_count(duration: Fraction, fps: Fraction) -> int:
    """How many frames start inside ``[0, duration)``."""
    return math.ceil(duration * fps)


def frames_between(start: Fraction, end: Fraction, fps: Fraction) -> range:
    """The frames whose start time lies in ``[start, end)``."""
    return range(math.ceil(start * fps), math.ceil(end * fps))


def snap_to_frame(t: Fraction, fps: Fraction) -> Fraction:
    """The start of the frame nearest to ``t`` (ties go to the later frame)."""
    return Fraction(math.floor(t * fps + Fraction(1, 2))) / fps


def samples_before(t: Fraction, sample_rate: int) -> int:
    """The index of the audio sample that starts at or just before ``t``."""
    return math.floor(t * sample_rate)


def samples_in_frame(n: int, sample_rate: int, fps: Fraction) -> int:
    """Audio samples that belong to video frame ``n``: running totals stay exact at any rate,
    so sound lasts exactly as long as the picture (1601 or 1602 samples a frame at 29.97 fps)."""
    num, den = sample_rate * fps.denominator, fps.numerator
    return (n + 1) * num // den - n * num // den


def format_seconds(t: Fraction) -> str:
    """A short human form, e.g. ``1:02.500``."""
    total_ms = round(t * 1000)
    sign = "-" if total_ms < 0 else ""
    total_ms = abs(total_ms)
    minutes, ms = divmod(total_ms, 60_000)
    return f"{sign}{minutes}:{ms // 1000:02d}.{ms % 1000:03d}"


def format_timecode(t: Fraction, fps: Fraction) -> str:
    """``HH:MM:SS:FF`` non-drop-frame timecode (frames counted at the nominal integer rate)."""
    nominal = math.ceil(fps)
    seconds, ff = divmod(frame_at(t, fps), nominal)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{ff:02d}"

"""Keyframes: a property's value at chosen times, eased in between.

A keyframe's time is relative to the start of its item, so moving an item carries its animation
along. Values are plain floats (position, scale, rotation, opacity, volume in dB).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from fractions import Fraction

EASINGS = ("linear", "hold", "ease_in", "ease_out", "ease_in_out")

# The properties a keyframe may animate, by item family.
KEYFRAMABLE = ("x", "y", "scale", "rotation", "opacity", "volume_db")


@dataclass
class Keyframe:
    SCHEMA = "Keyframe"
    VERSION = 1
    time: Fraction = field(metadata={"min": Fraction(0), "doc": "seconds from the item's start"})
    value: float = field(metadata={"min": -1e9, "max": 1e9})
    easing: str = field(default="linear", metadata={"choices": EASINGS, "doc": "curve towards the next keyframe"})


def ease(easing: str, u: float) -> float:
    """Map progress ``u`` in [0, 1] through an easing curve."""
    if easing == "linear":
        return u
    if easing == "hold":
        return 0.0
    if easing == "ease_in":
        return u * u * u
    if easing == "ease_out":
        return 1 - (1 - u) ** 3
    if easing == "ease_in_out":
        return 0.5 - 0.5 * math.cos(math.pi * u)
    raise ValueError(f"unknown easing {easing!r}; use one of {', '.join(EASINGS)}")


def evaluate(keyframes: list[Keyframe], t: Fraction, default: float) -> float:
    """The value at item-relative time ``t``; before the first / after the last keyframe it holds."""
    if not keyframes:
        return default
    times = [k.time for k in keyframes]
    i = bisect.bisect_right(times, t)
    if i == 0:
        return keyframes[0].value
    if i == len(keyframes):
        return keyframes[-1].value
    a, b = keyframes[i - 1], keyframes[i]
    u = float((t - a.time) / (b.time - a.time))
    return a.value + (b.value - a.value) * ease(a.easing, u)


def set_keyframe(keyframes: list[Keyframe], key: Keyframe) -> list[Keyframe]:
    """A new sorted list with ``key`` added, replacing one at the same time."""
    kept = [k for k in keyframes if k.time != key.time]
    kept.append(key)
    kept.sort(key=lambda k: k.time)
    return kept

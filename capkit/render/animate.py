"""How an item looks at one moment: keyframed transform, entrance/exit animations.

Pure functions of (item, time); the compositor draws what these return. Times are timeline
seconds; keyframe times are relative to the item's start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from capkit.model.caption_items import CaptionItem
from capkit.model.items import Item, TextItem
from capkit.model.keyframes import evaluate


@dataclass(frozen=True)
class Look:
    """The evaluated placement of a visual item, in canvas units."""

    x: float  # centre, fraction of canvas width
    y: float
    scale: float
    rotation: float  # degrees clockwise
    opacity: float
    visible_chars: int | None = None  # typewriter text


def _progress(t: Fraction, start: Fraction, duration: Fraction) -> float:
    if duration <= 0:
        return 1.0
    return min(1.0, max(0.0, float((t - start) / duration)))


def _ease_out_back(u: float) -> float:
    """Overshoots a little and settles: the 'pop' that short-video text uses."""
    c1 = 1.70158
    c3 = c1 + 1
    return 1 + c3 * (u - 1) ** 3 + c1 * (u - 1) ** 2


def _ease_out(u: float) -> float:
    return 1 - (1 - u) ** 3


_SLIDES = {"slide_up": (0.0, 0.08), "slide_down": (0.0, -0.08), "slide_left": (0.15, 0.0), "slide_right": (-0.15, 0.0)}


def look_at(item: Item, t: Fraction) -> Look:
    tr = item.transform
    local = t - item.start
    kf = item.keyframes
    x = evaluate(kf.get("x", []), local, tr.x)
    y = evaluate(kf.get("y", []), local, tr.y)
    scale = evaluate(kf.get("scale", []), local, tr.scale)
    rotation = evaluate(kf.get("rotation", []), local, tr.rotation)
    opacity = evaluate(kf.get("opacity", []), local, tr.opacity)
    visible = None
    if isinstance(item, (TextItem, CaptionItem)):
        for anim, u in _text_animations(item, t):
            if anim.kind == "fade":
                opacity *= u
            elif anim.kind == "pop":
                scale *= max(0.0, _ease_out_back(u))
                opacity *= min(1.0, u * 3)
            elif anim.kind in _SLIDES:
                dx, dy = _SLIDES[anim.kind]
                e = 1 - _ease_out(u)
                x += dx * e
                y += dy * e
                opacity *= u
            elif anim.kind == "typewriter":
                n = math.floor(len(item.text) * u + 1e-9)
                visible = n if visible is None else min(visible, n)
    return Look(x, y, scale, rotation, max(0.0, min(1.0, opacity)), visible)


def _text_animations(item: TextItem | CaptionItem, t: Fraction):
    if isinstance(item, CaptionItem):  # a caption style has an entrance only
        if item.style.animation_in is not None and item.style.animation_in.kind != "typewriter":
            d = min(item.style.animation_in.duration, item.duration)
            yield item.style.animation_in, _progress(t, item.start, d)
        return
    if item.animation_in is not None:
        d = min(item.animation_in.duration, item.duration)
        yield item.animation_in, _progress(t, item.start, d)
    if item.animation_out is not None:
        d = min(item.animation_out.duration, item.duration)
        yield item.animation_out, 1.0 - _progress(t, item.end - d, d)

"""Chroma key: a colour made see-through (on a clip) or replaced (on a filter layer), with spill
suppression so the key colour's cast on hair and edges goes too.

Keying is done on chroma (the Cr/Cb plane of YCrCb), so shadows on a green screen key like the
lit parts. Spill suppression limits the key's dominant channel (green for green, blue for blue)
to the larger of the other two.
"""

from __future__ import annotations

import numpy as np

from capkit.fx.ops.common import LEVELS, smoothstep
from capkit.fx.params import Param, color_rgb
from capkit.fx.registry import FilterSpec, register


def key_chroma(rgb: tuple[int, int, int]) -> tuple[float, float]:
    """(Cr, Cb) of a colour as OpenCV's 8-bit YCrCb conversion gives it."""
    r, g, b = rgb
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return (r - y) * 0.713 + 128, (b - y) * 0.564 + 128


def _prepare_chroma_key(p, size, k):
    rgb = color_rgb(p["color"])
    kcr, kcb = key_chroma(rgb)
    cr_plane = k.fill(size, 1, round(float(np.clip(kcr, 0, 255))))
    cb_plane = k.fill(size, 1, round(float(np.clip(kcb, 0, 255))))
    # Chroma distance (|dCr| + |dCb|, 0..255) -> opacity: 0 within `similarity`, rising to 1
    # over `smoothness`.
    near = p["similarity"] * 200.0
    far = near + max(1.0, p["smoothness"] * 120.0)
    opacity = smoothstep(near, far, LEVELS * 255.0)
    alpha_table = np.clip(np.rint(opacity * 255), 0, 255).astype(np.uint8)
    spill = p["spill"]
    dominant = int(np.argmax(rgb))
    fill = k.fill(size, 3, color_rgb(p["fill"]))

    def chroma_key(image, frame):
        _, cr, cb = k.split(k.convert(image, "rgb2ycrcb"))
        distance = k.add(k.absdiff(cr, cr_plane), k.absdiff(cb, cb_plane))
        out = image
        if spill > 0:
            planes = k.split(image)
            others = [planes[c] for c in range(3) if c != dominant]
            limited = k.minimum(planes[dominant], k.maximum(others[0], others[1]))
            planes[dominant] = k.add_weighted(limited, spill, planes[dominant], 1.0 - spill)
            out = k.merge(planes)
        if frame.alpha_allowed:
            alpha = k.lut(distance, alpha_table)
            frame.alpha = alpha if frame.alpha is None else k.multiply(frame.alpha, alpha)
            return out
        return k.blend(fill, out, k.lut(distance, alpha_table))

    return chroma_key


register(FilterSpec(
    id="chroma_key", name="Chroma key",
    params=(
        Param("color", "#00FF00", kind="color", widget="color", animatable=False, doc="the screen colour to remove"),
        Param("similarity", 0.25, 0.0, 1.0, doc="how far from the key colour still counts as the screen"),
        Param("smoothness", 0.1, 0.0, 1.0, doc="width of the soft edge between keyed and kept"),
        Param("spill", 0.5, 0.0, 1.0, doc="how much of the key colour's cast to remove from what is kept"),
        Param("fill", "#000000", kind="color", widget="color", animatable=False,
              doc="what replaces the key on a filter layer (a clip becomes see-through instead)"),
    ),
    prepare=_prepare_chroma_key,
    doc="Removes a green (or any) screen: see-through on a clip, replaced by a colour on a layer.",
    category="key",
))

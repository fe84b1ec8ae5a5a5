"""The first built-in filters: a colour grade and a vignette (the filter core grows from here).

Both do their heavy work once in ``prepare``: the grade is one 3x4 colour matrix (contrast,
saturation and brightness are all linear, so one ``cv2.transform`` pass does them together) and
the vignette is a mask computed for the frame size and applied with one multiply.
"""

from __future__ import annotations

import cv2
import numpy as np

from capkit.fx.params import Param
from capkit.fx.registry import FilterSpec, register

# Rec. 709 luma weights: saturation turns around the perceived brightness of each pixel.
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def _prepare_grade(p: dict, size: tuple[int, int]):
    c, s, b, e = p["contrast"], p["saturation"], p["brightness"], p["exposure"]
    if c == 1 and s == 1 and b == 0 and e == 0:
        return None
    gain = 2.0 ** e
    sat = s * np.eye(3) + (1 - s) * np.tile(_LUMA, (3, 1))
    matrix = c * gain * sat
    offset = (0.5 - 0.5 * c + b) * 255.0
    m = np.hstack([matrix, np.full((3, 1), offset)]).astype(np.float32)

    def grade(frame):
        return cv2.transform(frame, m, dst=frame)

    return grade


register(FilterSpec(
    id="grade",
    name="Colour grade",
    params=(
        Param("exposure", 0.0, -4.0, 4.0, unit="stops", doc="doubles the light per stop"),
        Param("contrast", 1.0, 0.0, 3.0, doc="around mid grey; 1 leaves it"),
        Param("saturation", 1.0, 0.0, 3.0, doc="0 is black and white; 1 leaves it"),
        Param("brightness", 0.0, -1.0, 1.0, doc="added, as a fraction of full white"),
    ),
    prepare=_prepare_grade,
    doc="Exposure, contrast, saturation and brightness in one pass.",
))


def vignette_mask(width: int, height: int, strength: float, radius: float, softness: float) -> np.ndarray:
    """Per-pixel gain in [0, 1]: 1 in the middle, darker towards the corners."""
    ys = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / (height / 2)
    xs = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / (width / 2)
    d = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2) / np.sqrt(2.0)  # 0 centre .. 1 corner
    t = np.clip((d - radius) / max(softness, 1e-3), 0.0, 1.0)
    t = t * t * (3 - 2 * t)  # smoothstep: no visible ring
    return 1.0 - strength * t


def _prepare_vignette(p: dict, size: tuple[int, int]):
    if p["strength"] == 0:
        return None
    w, h = size
    mask = vignette_mask(w, h, p["strength"], p["radius"], p["softness"])
    mask3 = np.ascontiguousarray(np.repeat((mask * 255.0 + 0.5).astype(np.uint8)[:, :, None], 3, axis=2))

    def vignette(frame):
        return cv2.multiply(frame, mask3, dst=frame, scale=1.0 / 255.0)

    return vignette


register(FilterSpec(
    id="vignette",
    name="Vignette",
    params=(
        Param("strength", 0.35, 0.0, 1.0, doc="how dark the corners get"),
        Param("radius", 0.55, 0.0, 1.0, doc="where darkening starts (0 centre, 1 corner)"),
        Param("softness", 0.5, 0.01, 1.0, doc="how gradual the fall-off is"),
    ),
    prepare=_prepare_vignette,
    doc="Darkens the edges to pull the eye to the middle.",
))

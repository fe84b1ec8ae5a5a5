"""Tone operations: highlights/shadows, curves, duotone and 3D LUTs.

Highlights/shadows is a gain looked up from each pixel's luma; curves are monotone splines baked
into one 1D table per channel; duotone maps luma onto a two-colour gradient; a 3D LUT is baked
for 8-bit input once per file (:mod:`capkit.fx.lut3d`).
"""

from __future__ import annotations

import os

import numpy as np

from capkit.fx import lut3d
from capkit.fx.ops.common import LEVELS, LUMA, to_u8
from capkit.fx.params import Param, color_rgb
from capkit.fx.registry import FilterSpec, register

_GRAY = np.asarray([LUMA], np.float32)  # 1x3: colour -> luma plane
GAIN_ONE = 128  # the gain plane stores gain * 128, so gains up to 2 fit in uint8


def tone_gain(shadows: float, highlights: float) -> np.ndarray:
    """Gain per luma level: shadows lift or deepen the darks (most at a quarter), highlights
    the brights (most at three quarters); black and white stay where they are."""
    y = LEVELS
    bump_dark = y * (1 - y) ** 3 * (256 / 27)  # peak 1 at y = 1/4
    bump_light = y ** 3 * (1 - y) * (256 / 27)  # peak 1 at y = 3/4
    target = np.clip(y + 0.25 * (shadows * bump_dark + highlights * bump_light), 0.0, 1.0)
    gain = np.divide(target, y, out=np.ones_like(y), where=y > 0)
    return np.clip(np.rint(gain * GAIN_ONE), 0, 255).astype(np.uint8)


def _prepare_highlights_shadows(p, size, k):
    if p["highlights"] == 0 and p["shadows"] == 0:
        return None
    table = tone_gain(p["shadows"], p["highlights"])

    def highlights_shadows(image, frame):
        gain = k.convert(k.lut(k.color_matrix(image, _GRAY), table), "gray2rgb")
        return k.multiply(image, gain, scale=1.0 / GAIN_ONE)

    return highlights_shadows


register(FilterSpec(
    id="highlights_shadows", name="Highlights and shadows",
    params=(
        Param("highlights", 0.0, -1.0, 1.0, doc="- recovers bright areas, + brightens them"),
        Param("shadows", 0.0, -1.0, 1.0, doc="+ opens up dark areas, - deepens them"),
    ),
    prepare=_prepare_highlights_shadows,
    doc="Brightens or darkens only the dark or only the bright parts, keeping colours.",
))


def monotone_curve(points) -> np.ndarray:
    """The 256-entry table of a monotone cubic (Fritsch-Carlson) through ``points`` in 0..1:
    no overshoot between points, flat beyond the first and last."""
    pts = np.asarray(points, np.float64)
    x, y = pts[:, 0], pts[:, 1]
    if len(x) == 2:
        return to_u8(np.interp(LEVELS, x, y))
    h = np.diff(x)
    delta = np.diff(y) / h
    m = np.empty_like(y)
    m[0], m[-1] = delta[0], delta[-1]
    m[1:-1] = np.where(delta[:-1] * delta[1:] > 0, (delta[:-1] + delta[1:]) / 2, 0.0)
    for i, d in enumerate(delta):  # Fritsch-Carlson: flatten where the data is, limit overshoot
        if d == 0:
            m[i] = m[i + 1] = 0.0
        else:
            a, b = m[i] / d, m[i + 1] / d
            s = a * a + b * b
            if s > 9:
                t = 3 / np.sqrt(s)
                m[i], m[i + 1] = t * a * d, t * b * d
    xs = np.clip(LEVELS, x[0], x[-1])
    i = np.clip(np.searchsorted(x, xs, side="right") - 1, 0, len(x) - 2)
    t = (xs - x[i]) / h[i]
    t2, t3 = t * t, t * t * t
    out = ((2 * t3 - 3 * t2 + 1) * y[i] + (t3 - 2 * t2 + t) * h[i] * m[i]
           + (-2 * t3 + 3 * t2) * y[i + 1] + (t3 - t2) * h[i] * m[i + 1])
    return to_u8(out)


IDENTITY_CURVE = ((0.0, 0.0), (1.0, 1.0))


def _prepare_curves(p, size, k):
    master = monotone_curve(p["master"])
    table = np.stack([monotone_curve(p[c])[master] for c in ("red", "green", "blue")], axis=1)
    if np.array_equal(table, np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)):
        return None
    return lambda image, frame: k.lut(image, table)


def _curve(name, doc):
    return Param(name, [list(p) for p in IDENTITY_CURVE], kind="points", widget="curve", animatable=False, doc=doc)


register(FilterSpec(
    id="curves", name="Curves",
    params=(
        _curve("master", "control points [[x, y], ...] in 0..1 for all channels (applied first)"),
        _curve("red", "control points for red"),
        _curve("green", "control points for green"),
        _curve("blue", "control points for blue"),
    ),
    prepare=_prepare_curves,
    doc="Tone curves through control points (monotone spline), for all channels and each one.",
))


def _prepare_duotone(p, size, k):
    dark = np.asarray(color_rgb(p["shadows"]), np.float64) / 255.0
    light = np.asarray(color_rgb(p["highlights"]), np.float64) / 255.0
    table = np.stack([to_u8(dark[c] + (light[c] - dark[c]) * LEVELS) for c in range(3)], axis=1)

    def duotone(image, frame):
        return k.lut(k.convert(k.color_matrix(image, _GRAY), "gray2rgb"), table)

    return duotone


register(FilterSpec(
    id="duotone", name="Duotone",
    params=(
        Param("shadows", "#1B2A6B", kind="color", widget="color", doc="colour of black"),
        Param("highlights", "#FFD08A", kind="color", widget="color", doc="colour of white"),
    ),
    prepare=_prepare_duotone,
    doc="Brightness mapped onto a gradient between two colours.",
    category="look",
))


def _prepare_lut(p, size, k):
    baked = lut3d.load(os.path.expanduser(p["path"]), p["interpolation"])
    return lambda image, frame: k.lut3d(image, baked)


register(FilterSpec(
    id="lut3d", name="3D LUT",
    params=(
        Param("path", "look.cube", kind="path", widget="file", animatable=False,
              doc=".cube file, 17 to 65 points per side"),
        Param("interpolation", "tetrahedral", kind="choice", widget="dropdown", animatable=False,
              choices=lut3d.INTERPOLATIONS, doc="tetrahedral (smoother, as grading tools) or trilinear"),
    ),
    prepare=_prepare_lut,
    doc="A colour look from a .cube 3D LUT file; use the intensity to mix it in.",
    category="look",
))

"""Operations on neighbourhoods: blur (gaussian, box), sharpen, glow, skin smoothing.

Wide effects work on a reduced copy of the frame: a Gaussian of sigma 40 costs the same as one
of sigma 2 at a twentieth of the pixels and looks the same once scaled back, which keeps every
one of them within a frame's budget at 1080x1920.
"""

from __future__ import annotations

import math

import numpy as np

from capkit.fx.ops.common import LEVELS, px, smoothstep, to_u8
from capkit.fx.params import Param
from capkit.fx.registry import FilterSpec, register

# Past this sigma (pixels) a blur runs on a copy shrunk so its own sigma stays about this size.
_DIRECT_SIGMA = 2.0


def wide_gaussian(k, image, size: tuple[int, int], sigma: float):
    """A Gaussian blur of ``sigma`` pixels; wide ones on a copy shrunk by a whole factor (padded
    to a multiple of it: OpenCV's area shrink is several times faster at whole factors), then
    scaled back."""
    if sigma <= _DIRECT_SIGMA:
        return k.gaussian_blur(image, sigma)
    w, h = size
    f = math.ceil(sigma / _DIRECT_SIGMA)
    sw, sh = math.ceil(w / f), math.ceil(h / f)
    pad_x, pad_y = sw * f - w, sh * f - h
    if pad_x or pad_y:
        image = k.pad_edges(image, pad_x, pad_y)
    small = k.resize(image, (sw, sh), "area")
    # The area shrink already averages over one small pixel (a box of variance 1/12).
    inner = math.sqrt(max((sigma / f) ** 2 - 1 / 12, 0.25))
    big = k.resize(k.gaussian_blur(small, inner), (sw * f, sh * f), "linear")
    return big if not (pad_x or pad_y) else k.crop(big, 0, 0, w, h)


def _prepare_blur(p, size, k):
    r = px(p["radius"], size)
    if r < 0.5:
        return None
    if p["kind"] == "box":
        ksize = 2 * round(r) + 1
        return lambda image, frame: k.box_blur(image, ksize)
    return lambda image, frame: wide_gaussian(k, image, size, r / 2.0)


register(FilterSpec(
    id="blur", name="Blur",
    params=(
        Param("radius", 8.0, 0.0, 100.0, unit="px@1080", doc="how far it spreads (pixels of a 1080p frame)"),
        Param("kind", "gaussian", kind="choice", widget="dropdown", choices=("gaussian", "box"),
              animatable=False, doc="gaussian (soft) or box (even)"),
    ),
    prepare=_prepare_blur,
    doc="Softens the whole picture.",
    category="detail",
))


def _prepare_sharpen(p, size, k):
    a = p["amount"]
    if a == 0:
        return None
    sigma = max(0.3, px(p["radius"], size))

    def sharpen(image, frame):
        # Unsharp mask: the picture plus `a` times its difference from a blurred copy.
        return k.add_weighted(image, 1.0 + a, k.gaussian_blur(image, sigma), -a)

    return sharpen


register(FilterSpec(
    id="sharpen", name="Sharpen",
    params=(
        Param("amount", 0.5, 0.0, 3.0, doc="strength of the unsharp mask"),
        Param("radius", 1.0, 0.3, 5.0, unit="px@1080", doc="size of the detail it brings out"),
    ),
    prepare=_prepare_sharpen,
    doc="Crisper edges and detail (unsharp mask).",
    category="detail",
))


def _prepare_glow(p, size, k):
    strength = p["strength"]
    if strength == 0:
        return None
    t = p["threshold"]
    w, h = size
    sw, sh = math.ceil(w / 4), math.ceil(h / 4)
    pad_x, pad_y = sw * 4 - w, sh * 4 - h
    sigma = max(0.5, px(p["radius"], size) / 4.0)
    # Only what is brighter than the threshold glows, rescaled so the brightest glows fully.
    bright = np.clip(np.rint((LEVELS - t) / max(1 - t, 1e-3) * 255.0), 0, 255).astype(np.uint8)

    def glow(image, frame):
        # The halo is worked out at a quarter size: it is all low frequencies.
        padded = k.pad_edges(image, pad_x, pad_y) if pad_x or pad_y else image
        halo = wide_gaussian(k, k.lut(k.resize(padded, (sw, sh), "area"), bright), (sw, sh), sigma)
        halo = k.resize(halo, (sw * 4, sh * 4), "linear")
        if pad_x or pad_y:
            halo = k.crop(halo, 0, 0, w, h)
        return k.add_weighted(image, 1.0, halo, strength)

    return glow


register(FilterSpec(
    id="glow", name="Glow",
    params=(
        Param("threshold", 0.7, 0.0, 1.0, doc="how bright a part must be to glow"),
        Param("radius", 30.0, 2.0, 200.0, unit="px@1080", doc="how far the glow spreads"),
        Param("strength", 0.6, 0.0, 2.0, doc="how much light the glow adds"),
    ),
    prepare=_prepare_glow,
    doc="Bright parts bloom with a soft halo.",
    category="stylize",
))

# Skin tones sit in a compact box of the Cr/Cb plane whatever the complexion (the classic
# YCrCb skin rule: Cr 133..173, Cb 77..127); soft edges avoid a visible boundary.
_CR_SKIN = to_u8(smoothstep(123, 138, LEVELS * 255) * (1 - smoothstep(168, 183, LEVELS * 255)))
_CB_SKIN = to_u8(smoothstep(67, 82, LEVELS * 255) * (1 - smoothstep(122, 137, LEVELS * 255)))


def _prepare_skin_smooth(p, size, k):
    a = p["amount"]
    if a == 0:
        return None
    w, h = size
    qw, qh = math.ceil(w / 4), math.ceil(h / 4)
    hw, hh = 2 * qw, 2 * qh
    pad_x, pad_y = 4 * qw - w, 4 * qh - h
    diameter = max(3, 2 * round(px(4.0, size) / 4 / 2) + 1)
    # Where the smoothed picture differs a lot from the original there is an edge or a feature
    # (eyes, lips, hair): keep the original there.
    keep = to_u8(a * (1 - smoothstep(6 / 255, p["detail"] * 40 / 255 + 8 / 255, LEVELS)))
    gray = np.asarray([[1 / 3, 1 / 3, 1 / 3]], np.float32)

    def full(small):
        big = k.resize(small, (4 * qw, 4 * qh), "linear")
        return k.crop(big, 0, 0, w, h) if pad_x or pad_y else big

    def skin_smooth(image, frame):
        # The smoothing runs at a quarter size and the masks at half size: skin texture is a few
        # pixels across, and only the final mix needs every pixel.
        half = k.resize(k.pad_edges(image, pad_x, pad_y) if pad_x or pad_y else image, (hw, hh), "area")
        quarter = k.bilateral(k.resize(half, (qw, qh), "area"), diameter, 40.0, max(0.5, px(1.5, size)))
        smooth = k.resize(quarter, (hw, hh), "linear")
        weight = k.lut(k.color_matrix(k.absdiff(half, smooth), gray), keep)
        if p["skin_only"]:
            _, cr, cb = k.split(k.convert(half, "rgb2ycrcb"))
            weight = k.multiply(weight, k.multiply(k.lut(cr, _CR_SKIN), k.lut(cb, _CB_SKIN)))
        return k.blend(image, full(smooth), full(weight))

    return skin_smooth


register(FilterSpec(
    id="skin_smooth", name="Skin smoothing",
    params=(
        Param("amount", 0.6, 0.0, 1.0, doc="how smooth the skin gets"),
        Param("detail", 0.5, 0.0, 1.0, doc="how strong an edge must be to be kept sharp"),
        Param("skin_only", True, kind="bool", widget="checkbox", animatable=False,
              doc="only smooth skin-coloured areas"),
    ),
    prepare=_prepare_skin_smooth,
    doc="Edge-preserving smoothing (bilateral) that keeps eyes, lips and outlines sharp.",
    category="detail",
))

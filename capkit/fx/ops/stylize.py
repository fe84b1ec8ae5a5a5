"""Stylising operations: vignette, film grain, pixelate, RGB split / glitch.

Grain and glitch change from frame to frame but are seeded by the frame index (and the filter's
own seed), so the same frame always renders the same way, in preview, export and on every backend.
"""

from __future__ import annotations

import math

import numpy as np

from capkit.fx.ops.common import px
from capkit.fx.params import Param
from capkit.fx.registry import FilterSpec, register


def vignette_mask(width: int, height: int, strength: float, radius: float, softness: float) -> np.ndarray:
    """Per-pixel gain in [0, 1]: 1 in the middle, darker towards the corners."""
    ys = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / (height / 2)
    xs = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / (width / 2)
    d = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2) / np.sqrt(2.0)  # 0 centre .. 1 corner
    t = np.clip((d - radius) / max(softness, 1e-3), 0.0, 1.0)
    t = t * t * (3 - 2 * t)  # smoothstep: no visible ring
    return 1.0 - strength * t


def _prepare_vignette(p, size, k):
    if p["strength"] == 0:
        return None
    w, h = size
    mask = (vignette_mask(w, h, p["strength"], p["radius"], p["softness"]) * 255.0 + 0.5).astype(np.uint8)
    mask3 = k.constant(np.repeat(mask[:, :, None], 3, axis=2))
    return lambda image, frame: k.multiply(image, mask3)


register(FilterSpec(
    id="vignette", name="Vignette",
    params=(
        Param("strength", 0.35, 0.0, 1.0, doc="how dark the corners get"),
        Param("radius", 0.55, 0.0, 1.0, doc="where darkening starts (0 centre, 1 corner)"),
        Param("softness", 0.5, 0.01, 1.0, doc="how gradual the fall-off is"),
    ),
    prepare=_prepare_vignette,
    doc="Darkens the edges to pull the eye to the middle.",
    category="stylize",
))


def _prepare_grain(p, size, k):
    amount = p["amount"]
    if amount == 0:
        return None
    w, h = size
    cell = max(1.0, px(p["size"], size))
    small = (max(1, round(w / cell)), max(1, round(h / cell)))
    channels = 3 if p["color"] else 1
    seed = int(p["seed"])

    def grain(image, frame):
        noise = k.noise(small, channels, (seed, frame.index))
        if small != (w, h):
            noise = k.resize(noise, (w, h), "linear")
        if channels == 1:
            noise = k.convert(noise, "gray2rgb")
        # noise is centred on 128: add (noise - 128) * amount
        return k.add_weighted(image, 1.0, noise, amount, -128.0 * amount)

    return grain


register(FilterSpec(
    id="grain", name="Film grain",
    params=(
        Param("amount", 0.3, 0.0, 1.0, doc="strength (1: a standard deviation of 32 levels)"),
        Param("size", 1.5, 1.0, 4.0, unit="px@1080", doc="size of a grain"),
        Param("color", False, kind="bool", widget="checkbox", animatable=False, doc="coloured rather than grey grain"),
        Param("seed", 0, 0, 999999, kind="int", animatable=False, doc="another seed gives another grain"),
    ),
    prepare=_prepare_grain,
    doc="Film-like noise that changes every frame and is the same every time that frame is drawn.",
    category="stylize",
))


def _prepare_pixelate(p, size, k):
    w, h = size
    block = max(1, round(px(p["size"], size)))
    if block < 2:
        return None
    cols, rows = math.ceil(w / block), math.ceil(h / block)
    pad_x, pad_y = cols * block - w, rows * block - h

    def pixelate(image, frame):
        # Padded to whole blocks, each block is averaged exactly (area at a whole factor), then
        # scaled up by that factor so blocks are exact squares.
        if pad_x or pad_y:
            image = k.pad_edges(image, pad_x, pad_y)
        big = k.resize(k.resize(image, (cols, rows), "area"), (cols * block, rows * block), "nearest")
        return big if not (pad_x or pad_y) else k.crop(big, 0, 0, w, h)

    return pixelate


register(FilterSpec(
    id="pixelate", name="Pixelate",
    params=(Param("size", 24.0, 2.0, 200.0, unit="px@1080", doc="size of a block"),),
    prepare=_prepare_pixelate,
    doc="Big square blocks of flat colour.",
    category="stylize",
))


def glitch_offsets(height: int, width: int, amount: float, seed: int, index: int) -> np.ndarray:
    """Horizontal shift per row for frame ``index``: a few bands pushed sideways."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index & 0xFFFFFFFF, 7])))
    offsets = np.zeros(height, np.float32)
    for _ in range(int(rng.integers(2, 7))):
        top = int(rng.integers(0, height))
        band = int(rng.integers(max(1, height // 60), max(2, height // 12)))
        offsets[top:top + band] = round(float(rng.uniform(-1, 1)) * amount * width * 0.08)
    return offsets


def _prepare_rgb_split(p, size, k):
    w, h = size
    shift = px(p["amount"], size)
    angle = math.radians(p["angle"])
    # Whole pixels: a split is a hard-edged look, and whole-pixel moves are copies, not resampling.
    dx, dy = round(shift * math.cos(angle)), round(shift * math.sin(angle))
    glitch = p["glitch"]
    if dx == 0 and dy == 0 and glitch == 0:
        return None
    seed = int(p["seed"])

    def rgb_split(image, frame):
        out = image
        if dx or dy:
            r, g, b = k.split(image)
            out = k.merge([k.translate(r, dx, dy, size), g, k.translate(b, -dx, -dy, size)])
        if glitch > 0:
            out = k.shift_rows(out, glitch_offsets(h, w, glitch, seed, frame.index), w)
        return out

    return rgb_split


register(FilterSpec(
    id="rgb_split", name="RGB split / glitch",
    params=(
        Param("amount", 8.0, 0.0, 100.0, unit="px@1080", doc="how far red and blue part from green"),
        Param("angle", 0.0, -180.0, 180.0, unit="°", doc="direction red moves (blue moves the other way)"),
        Param("glitch", 0.0, 0.0, 1.0, doc="bands of rows jerked sideways, new every frame"),
        Param("seed", 0, 0, 999999, kind="int", animatable=False, doc="another seed gives other bands"),
    ),
    prepare=_prepare_rgb_split,
    doc="Colour channels pulled apart, optionally with digital glitch bands.",
    category="stylize",
))

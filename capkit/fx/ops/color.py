"""Colour operations that are a 1D table or a colour matrix per setting: grade, exposure,
brightness, contrast, saturation, vibrance, temperature/tint, hue shift, black & white, sepia.

Tables and matrices are computed once per setting; a frame then costs one ``lut`` or
``color_matrix`` pass (vibrance, which depends on each pixel's own saturation, costs a few).
"""

from __future__ import annotations

import math

import numpy as np

from capkit.fx.ops.common import (
    LEVELS,
    LUMA,
    affine,
    linear_to_srgb,
    saturation_matrix,
    srgb_to_linear,
    to_u8,
)
from capkit.fx.params import Param
from capkit.fx.registry import FilterSpec, register


def _lut_step(k, table):
    return lambda image, frame: k.lut(image, table)


def _matrix_step(k, m):
    return lambda image, frame: k.color_matrix(image, m)


def _prepare_grade(p, size, k):
    c, s, b, e = p["contrast"], p["saturation"], p["brightness"], p["exposure"]
    if c == 1 and s == 1 and b == 0 and e == 0:
        return None
    # All four are linear on the encoded values, so they fold into one 3x4 matrix.
    matrix = c * (2.0 ** e) * saturation_matrix(s)
    return _matrix_step(k, affine(matrix, (0.5 - 0.5 * c + b) * 255.0))


register(FilterSpec(
    id="grade", name="Colour grade",
    params=(
        Param("exposure", 0.0, -4.0, 4.0, unit="stops", doc="gain of 2 per stop on the encoded values"),
        Param("contrast", 1.0, 0.0, 3.0, doc="around mid grey; 1 leaves it"),
        Param("saturation", 1.0, 0.0, 3.0, doc="0 is black and white; 1 leaves it"),
        Param("brightness", 0.0, -1.0, 1.0, doc="added, as a fraction of full white"),
    ),
    prepare=_prepare_grade,
    doc="Exposure, contrast, saturation and brightness in one matrix pass (the quick all-rounder).",
))


def _prepare_exposure(p, size, k):
    if p["stops"] == 0:
        return None
    # In linear light, as a camera would: +1 stop doubles the light, then re-encoded as sRGB.
    return _lut_step(k, to_u8(linear_to_srgb(srgb_to_linear(LEVELS) * 2.0 ** p["stops"])))


register(FilterSpec(
    id="exposure", name="Exposure",
    params=(Param("stops", 0.0, -4.0, 4.0, unit="stops", doc="+1 doubles the light (in linear light)"),),
    prepare=_prepare_exposure,
    doc="Brighter or darker as if the camera had let in more or less light.",
))


def _prepare_brightness(p, size, k):
    if p["amount"] == 0:
        return None
    return _lut_step(k, to_u8(LEVELS + p["amount"]))


register(FilterSpec(
    id="brightness", name="Brightness",
    params=(Param("amount", 0.0, -1.0, 1.0, doc="added to every channel, as a fraction of full white"),),
    prepare=_prepare_brightness,
    doc="Lifts or lowers every level by the same amount.",
))


def _prepare_contrast(p, size, k):
    if p["amount"] == 1:
        return None
    return _lut_step(k, to_u8((LEVELS - p["pivot"]) * p["amount"] + p["pivot"]))


register(FilterSpec(
    id="contrast", name="Contrast",
    params=(
        Param("amount", 1.0, 0.0, 3.0, doc="1 leaves it; 0 is flat grey at the pivot"),
        Param("pivot", 0.5, 0.0, 1.0, doc="the level that stays put"),
    ),
    prepare=_prepare_contrast,
    doc="Spreads levels away from (or towards) the pivot.",
))


def _prepare_saturation(p, size, k):
    if p["amount"] == 1:
        return None
    return _matrix_step(k, affine(saturation_matrix(p["amount"])))


register(FilterSpec(
    id="saturation", name="Saturation",
    params=(Param("amount", 1.0, 0.0, 3.0, doc="0 is black and white (Rec. 709 luma); 1 leaves it"),),
    prepare=_prepare_saturation,
    doc="More or less colour, keeping each pixel's brightness.",
))


def _prepare_vibrance(p, size, k):
    a = p["amount"]
    if a == 0:
        return None
    target = affine(saturation_matrix(2.0 if a > 0 else 0.0))
    # The weight falls with the pixel's own saturation (max - min of its channels), so dull
    # colours move most and already vivid ones (and skin) barely change.
    weight = to_u8(abs(a) * (1.0 - LEVELS) ** 2)

    def vibrance(image, frame):
        r, g, b = k.split(image)
        spread = k.subtract(k.maximum(k.maximum(r, g), b), k.minimum(k.minimum(r, g), b))
        return k.blend(image, k.color_matrix(image, target), k.lut(spread, weight))

    return vibrance


register(FilterSpec(
    id="vibrance", name="Vibrance",
    params=(Param("amount", 0.0, -1.0, 1.0, doc="saturation that favours the least saturated colours"),),
    prepare=_prepare_vibrance,
    doc="Boosts muted colours more than vivid ones.",
))


def _prepare_temperature(p, size, k):
    t, tint = p["temperature"], p["tint"]
    if t == 0 and tint == 0:
        return None
    # White balance is a gain per channel in linear light: warm raises red and lowers blue,
    # tint trades green against magenta.
    gains = np.array([1 + 0.5 * t, 1 - 0.5 * tint, 1 - 0.5 * t])
    lin = srgb_to_linear(LEVELS)
    table = np.stack([to_u8(linear_to_srgb(lin * g)) for g in gains], axis=1)
    return _lut_step(k, table)


register(FilterSpec(
    id="temperature", name="Temperature and tint",
    params=(
        Param("temperature", 0.0, -1.0, 1.0, doc="+ warmer (orange), - cooler (blue)"),
        Param("tint", 0.0, -1.0, 1.0, doc="+ magenta, - green"),
    ),
    prepare=_prepare_temperature,
    doc="White balance: warmer or cooler, greener or more magenta.",
))


def hue_matrix(degrees: float) -> np.ndarray:
    """Rotation about the grey axis (1, 1, 1): 120 degrees turns red into green exactly."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    u = np.ones(3) / math.sqrt(3.0)
    cross = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]])
    return c * np.eye(3) + s * cross + (1 - c) * np.outer(u, u)


def _prepare_hue(p, size, k):
    if p["degrees"] % 360 == 0:
        return None
    return _matrix_step(k, affine(hue_matrix(p["degrees"])))


register(FilterSpec(
    id="hue_shift", name="Hue shift",
    params=(Param("degrees", 0.0, -180.0, 180.0, unit="°", doc="turn of the colour wheel (red 120° -> green)"),),
    prepare=_prepare_hue,
    doc="Turns every colour round the colour wheel.",
))


def _prepare_black_white(p, size, k):
    w = np.array([p["red"], p["green"], p["blue"]])
    return _matrix_step(k, affine(np.tile(w, (3, 1))))


register(FilterSpec(
    id="black_white", name="Black & white",
    params=(
        Param("red", float(LUMA[0]), -2.0, 3.0, doc="how much red brightens the grey"),
        Param("green", float(LUMA[1]), -2.0, 3.0, doc="how much green brightens the grey"),
        Param("blue", float(LUMA[2]), -2.0, 3.0, doc="how much blue brightens the grey"),
    ),
    prepare=_prepare_black_white,
    doc="Grey from a mix of the channels (the defaults are Rec. 709 luma), like a colour filter on B&W film.",
))

# The classic sepia-tone matrix (rows: R, G, B out).
SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])


def _prepare_sepia(p, size, k):
    a = p["amount"]
    if a == 0:
        return None
    return _matrix_step(k, affine((1 - a) * np.eye(3) + a * SEPIA))


register(FilterSpec(
    id="sepia", name="Sepia",
    params=(Param("amount", 1.0, 0.0, 1.0, doc="0 leaves the colour; 1 is full sepia"),),
    prepare=_prepare_sepia,
    doc="Warm brown monochrome, like an old print.",
    category="look",
))

"""Pixel operations of compositing: place, scale, rotate and blend layers onto the output frame.

Frames are RGB ``uint8`` arrays; layers may carry straight (non-premultiplied) alpha. Work is done
only over the area a layer covers, and opaque layers are copied rather than blended.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def blend_into(dst: np.ndarray, src: np.ndarray, x: int, y: int, opacity: float = 1.0) -> None:
    """Draw ``src`` (RGB or RGBA) with its top-left at (x, y) onto ``dst`` in place, clipped to ``dst``."""
    if opacity <= 0:
        return
    H, W = dst.shape[:2]
    h, w = src.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x0 >= x1 or y0 >= y1:
        return
    patch = src[y0 - y : y1 - y, x0 - x : x1 - x]
    roi = dst[y0:y1, x0:x1]
    if patch.shape[2] == 3:
        if opacity >= 1:
            roi[:] = patch
        else:
            cv2.addWeighted(patch, opacity, roi, 1 - opacity, 0, dst=roi)
        return
    # out = src * a + dst * (1 - a), as OpenCV calls over the covered area only (several times
    # faster than the same sum in numpy, which allocates a temporary per operation)
    alpha = patch[:, :, 3]
    if opacity < 1:
        alpha = cv2.convertScaleAbs(alpha, alpha=opacity)
    a3 = cv2.merge([alpha, alpha, alpha])
    rgb = cv2.cvtColor(patch, cv2.COLOR_RGBA2RGB)
    cv2.multiply(rgb, a3, dst=rgb, scale=1 / 255)
    cv2.multiply(roi, cv2.bitwise_not(a3), dst=roi, scale=1 / 255)
    cv2.add(roi, rgb, dst=roi)


def fill_rect(dst: np.ndarray, rect: tuple[int, int, int, int], rgba: tuple[int, int, int, int], opacity: float = 1.0) -> None:
    """Fill (x0, y0, x1, y1) with a colour, blending by its alpha and ``opacity``."""
    H, W = dst.shape[:2]
    x0, y0, x1, y1 = max(rect[0], 0), max(rect[1], 0), min(rect[2], W), min(rect[3], H)
    if x0 >= x1 or y0 >= y1:
        return
    a = rgba[3] / 255.0 * opacity
    roi = dst[y0:y1, x0:x1]
    if a >= 1:
        roi[:] = rgba[:3]
    elif a > 0:
        solid = np.empty_like(roi)
        solid[:] = rgba[:3]
        cv2.addWeighted(solid, a, roi, 1 - a, 0, dst=roi)


def place_scaled(dst: np.ndarray, src: np.ndarray, rect: tuple[float, float, float, float], opacity: float = 1.0) -> None:
    """Scale ``src`` to fill the float rectangle (x, y, w, h) and draw it; only the visible part is resized."""
    H, W = dst.shape[:2]
    x, y, w, h = rect
    if w <= 0 or h <= 0:
        return
    X0, Y0 = round(x), round(y)
    X1, Y1 = round(x + w), round(y + h)
    vx0, vy0, vx1, vy1 = max(X0, 0), max(Y0, 0), min(X1, W), min(Y1, H)
    if vx0 >= vx1 or vy0 >= vy1:
        return
    sh, sw = src.shape[:2]
    kx, ky = sw / (X1 - X0), sh / (Y1 - Y0)
    # Only the part of the source that lands on screen is resized (a fill-crop touches a fraction).
    ix0, ix1 = round((vx0 - X0) * kx), round((vx1 - X0) * kx)
    iy0, iy1 = round((vy0 - Y0) * ky), round((vy1 - Y0) * ky)
    ix0, iy0 = min(max(ix0, 0), sw - 1), min(max(iy0, 0), sh - 1)
    ix1, iy1 = max(min(ix1, sw), ix0 + 1), max(min(iy1, sh), iy0 + 1)
    crop = src[iy0:iy1, ix0:ix1]
    out_w, out_h = vx1 - vx0, vy1 - vy0
    if crop.shape[1] == out_w and crop.shape[0] == out_h:
        sub = crop
    else:
        shrink = crop.shape[1] > out_w and crop.shape[0] > out_h
        sub = cv2.resize(crop, (out_w, out_h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    blend_into(dst, sub, vx0, vy0, opacity)


def place_rotated(
    dst: np.ndarray, src: np.ndarray, center: tuple[float, float], size: tuple[float, float],
    degrees: float, opacity: float = 1.0,
) -> None:
    """Draw ``src`` scaled to ``size``, rotated clockwise by ``degrees`` about ``center`` (output pixels)."""
    sh, sw = src.shape[:2]
    w, h = size
    if w <= 0 or h <= 0:
        return
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)
    bw = abs(w * cos) + abs(h * sin)
    bh = abs(w * sin) + abs(h * cos)
    H, W = dst.shape[:2]
    bx0, by0 = math.floor(center[0] - bw / 2), math.floor(center[1] - bh / 2)
    bx1, by1 = math.ceil(center[0] + bw / 2), math.ceil(center[1] + bh / 2)
    vx0, vy0, vx1, vy1 = max(bx0, 0), max(by0, 0), min(bx1, W), min(by1, H)
    if vx0 >= vx1 or vy0 >= vy1:
        return
    rgba = src if src.shape[2] == 4 else np.dstack([src, np.full((sh, sw), 255, np.uint8)])
    sx, sy = w / sw, h / sh
    # source -> output: scale, move the centre to the origin, rotate (clockwise on screen), move to place
    a, b = cos * sx, -sin * sy
    c, d = sin * sx, cos * sy
    tx = center[0] - (a * sw / 2 + b * sh / 2) - vx0
    ty = center[1] - (c * sw / 2 + d * sh / 2) - vy0
    m = np.array([[a, b, tx], [c, d, ty]], dtype=np.float64)
    patch = cv2.warpAffine(rgba, m, (vx1 - vx0, vy1 - vy0), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    blend_into(dst, patch, vx0, vy0, opacity)


def scale_image(src: np.ndarray, factor: float) -> np.ndarray:
    if abs(factor - 1) < 1e-3:
        return src
    h, w = src.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(src, size, interpolation=interp)

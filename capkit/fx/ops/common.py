"""Small helpers the operations share: colour maths on tables and size-relative pixel units."""

from __future__ import annotations

import numpy as np

# Rec. 709 luma weights: what "brightness of a pixel" means for saturation, B&W and tone ops.
LUMA = np.array([0.2126, 0.7152, 0.0722])
LEVELS = np.arange(256, dtype=np.float64) / 255.0


def px(value: float, size: tuple[int, int]) -> float:
    """``value`` given in pixels of a 1080-pixel short side, at this frame's size, so an effect
    looks the same in a small preview and a full-size export."""
    return value * min(size) / 1080.0


def to_u8(values: np.ndarray) -> np.ndarray:
    """0..1 floats as a uint8 table, rounded."""
    return np.clip(np.rint(np.asarray(values) * 255.0), 0, 255).astype(np.uint8)


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def saturation_matrix(s: float) -> np.ndarray:
    """3x3: scales each pixel's distance from its own luma grey by ``s``."""
    return s * np.eye(3) + (1 - s) * np.tile(LUMA, (3, 1))


def affine(matrix: np.ndarray, offset=0.0) -> np.ndarray:
    """A 3x3 matrix and an offset (0..255 units) as the 3x4 float32 ``color_matrix`` takes."""
    m = np.asarray(matrix, np.float64)
    return np.hstack([m, np.broadcast_to(np.asarray(offset, np.float64), (m.shape[0],))[:, None]]).astype(np.float32)


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / max(edge1 - edge0, 1e-6), 0.0, 1.0)
    return t * t * (3 - 2 * t)

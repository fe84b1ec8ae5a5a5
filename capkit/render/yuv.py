"""RGB to the encoder's YUV 4:2:0 (BT.709, limited range), done with OpenCV in about a millisecond.

swscale takes several milliseconds per 1080x1920 frame for the same conversion; one 3x4 matrix
pass plus an area-averaged chroma downscale is faster and exact to the BT.709 definition. The
output stream is tagged BT.709 so players convert back with the same matrix.
"""

from __future__ import annotations

import cv2
import numpy as np

_KR, _KB = 0.2126, 0.0722
_KG = 1 - _KR - _KB
_Y = np.array([_KR, _KG, _KB]) * 219 / 255
_CB = np.array([-_KR, -_KG, 1 - _KB]) / (2 * (1 - _KB)) * 224 / 255
_CR = np.array([1 - _KR, -_KG, -_KB]) / (2 * (1 - _KR)) * 224 / 255
_MATRIX = np.array([[*_Y, 16.0], [*_CB, 128.0], [*_CR, 128.0]], dtype=np.float32)


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """An (h*3/2, w) uint8 array laid out as PyAV's ``yuv420p`` expects (Y plane, then U, then V)."""
    h, w = rgb.shape[:2]
    y, u, v = cv2.split(cv2.transform(rgb, _MATRIX))
    half = (w // 2, h // 2)
    q = (h // 2) * (w // 2)
    out = np.empty((h * 3 // 2, w), np.uint8)
    out[:h] = y
    flat = out[h:].reshape(-1)
    flat[:q] = cv2.resize(u, half, interpolation=cv2.INTER_AREA).reshape(-1)
    flat[q:] = cv2.resize(v, half, interpolation=cv2.INTER_AREA).reshape(-1)
    return out

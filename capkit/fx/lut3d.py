"""3D LUTs baked for 8-bit frames: interpolate once per LUT, then one lookup per pixel.

Frames are 8-bit RGB, so a LUT only ever sees 256³ distinct inputs. :func:`bake` evaluates the
LUT's interpolation (tetrahedral or trilinear) at every one of them into a packed 64 MB table,
after which applying it is a single gather per pixel: the per-frame cost no longer depends on the
interpolation or the LUT size, and the output is exactly the interpolated LUT rounded to 8 bits.
Baking takes about a second; baked tables are kept (a few, least recently used first out) keyed
by file, modification time and interpolation.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

from capkit.fx.cube import CubeLut, read_cube

INTERPOLATIONS = ("tetrahedral", "trilinear")
_KEEP = 4


@dataclass(frozen=True, eq=False)
class BakedLut:
    """``packed[r | g << 8 | b << 16] = R | G << 8 | B << 16`` for every 8-bit input."""

    packed: np.ndarray  # uint32, 2**24 entries
    interpolation: str
    size: int

    def apply(self, image: np.ndarray) -> np.ndarray:
        """The looked-up RGB frame (host arrays)."""
        h, w = image.shape[:2]
        # RGBA bytes read as little-endian uint32 are r | g << 8 | b << 16 | a << 24: the index
        # once alpha is masked off, with no per-channel shifting in Python.
        rgba = cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)
        idx = rgba.view(np.uint32).reshape(h, w)
        np.bitwise_and(idx, 0xFFFFFF, out=idx)
        # Every index is below 2**24 by construction, so skip take's bounds check ("clip").
        out = np.take(self.packed, idx, mode="clip")
        return cv2.cvtColor(out.view(np.uint8).reshape(h, w, 4), cv2.COLOR_RGBA2RGB)


def _axis(size: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """For the 256 input levels: the lattice cell index and the fraction within it."""
    x = (np.arange(256, dtype=np.float64) / 255.0 - lo) / (hi - lo)
    x = np.clip(x, 0.0, 1.0) * (size - 1)
    i = np.minimum(x.astype(np.int64), size - 2)
    return i, (x - i).astype(np.float32)


def _pack(rgb: np.ndarray) -> np.ndarray:
    q = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint32)
    return q[..., 0] | (q[..., 1] << 8) | (q[..., 2] << 16)


def bake(lut: CubeLut, interpolation: str = "tetrahedral") -> BakedLut:
    """Evaluate ``lut`` at all 256³ inputs."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(interpolation)
    n, t = lut.size, lut.table
    (ir, fr), (ig, fg), (ib, fb) = (_axis(n, lut.domain_min[c], lut.domain_max[c]) for c in range(3))
    packed = np.empty((256, 256, 256), np.uint32)  # [b, g, r]: r is the fastest index
    if interpolation == "trilinear":
        # Trilinear is separable: interpolate along r, then g, then one b plane at a time.
        along_r = t[ir] * (1 - fr)[:, None, None, None] + t[ir + 1] * fr[:, None, None, None]  # [r, G, B]
        along_g = (along_r[:, ig] * (1 - fg)[None, :, None, None]
                   + along_r[:, ig + 1] * fg[None, :, None, None])  # [r, g, B]
        along_g = np.ascontiguousarray(along_g.transpose(2, 1, 0, 3))  # [B, g, r]
        for b in range(256):
            plane = along_g[ib[b]] * (1 - fb[b]) + along_g[ib[b] + 1] * fb[b]
            packed[b] = _pack(plane)
    else:
        fr2, fg2 = fr[None, :, None], fg[:, None, None]  # broadcast over a [g, r] plane
        for cell in np.unique(ib):
            # The 8 corners of every (g, r) point's cell, for the b planes inside this b cell.
            corners = {
                (a, c, d): t[(ir + a)[None, :], (ig + c)[:, None], cell + d]
                for a in (0, 1) for c in (0, 1) for d in (0, 1)
            }
            for b in np.nonzero(ib == cell)[0]:
                f3 = fb[b]
                # Tetrahedral weights without branches: a corner's weight is how far the smallest
                # fraction of its "1" axes exceeds the largest fraction of its "0" axes.
                hi_rg, lo_rg = np.maximum(fr2, fg2), np.minimum(fr2, fg2)
                plane = corners[0, 0, 0] * (1 - np.maximum(hi_rg, f3))
                plane += corners[1, 1, 1] * np.minimum(lo_rg, f3)
                plane += corners[1, 0, 0] * np.maximum(fr2 - np.maximum(fg2, f3), 0)
                plane += corners[0, 1, 0] * np.maximum(fg2 - np.maximum(fr2, f3), 0)
                plane += corners[0, 0, 1] * np.maximum(f3 - hi_rg, 0)
                plane += corners[1, 1, 0] * np.maximum(lo_rg - f3, 0)
                plane += corners[1, 0, 1] * np.maximum(np.minimum(fr2, f3) - fg2, 0)
                plane += corners[0, 1, 1] * np.maximum(np.minimum(fg2, f3) - fr2, 0)
                packed[b] = _pack(plane)
    return BakedLut(packed.reshape(-1), interpolation, n)


_cache: OrderedDict[tuple, BakedLut] = OrderedDict()
_lock = threading.Lock()


def load(path: str, interpolation: str = "tetrahedral") -> BakedLut:
    """The baked LUT of a ``.cube`` file (read and baked once while it stays unchanged)."""
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size, interpolation)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    baked = bake(read_cube(path), interpolation)
    with _lock:
        _cache[key] = baked
        while len(_cache) > _KEEP:
            _cache.popitem(last=False)
    return baked

"""Host-side helpers every backend shares so their pictures agree: seeded noise.

Noise is made on the host from a counter-based seed (numpy's PCG64 seeded with the filter's seed
and the frame index) so the CPU, OpenCL and CUDA backends add the very same grain; a device only
receives it.
"""

from __future__ import annotations

import math

import numpy as np

NOISE_STD = 32.0  # levels: the grain op scales it by its amount


def _inverse_normal(p: float) -> float:
    """Φ⁻¹(p) by Newton's method on math.erf (only 256 values are ever needed)."""
    x = 0.0
    for _ in range(60):
        cdf = 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
        pdf = math.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi)
        step = (cdf - p) / max(pdf, 1e-12)
        x -= step
        if abs(step) < 1e-10:
            break
    return x


# Uniform bytes through this table come out Gaussian-shaped: one cv2.LUT pass instead of a
# Box-Muller transform per pixel.
GAUSSIAN_TABLE = np.array(
    [min(255.0, max(0.0, round(128.0 + NOISE_STD * _inverse_normal((i + 0.5) / 256.0)))) for i in range(256)],
    dtype=np.uint8,
)


def uniform_bytes(size: tuple[int, int], channels: int, seed: tuple[int, ...]) -> np.ndarray:
    """(h, w[, channels]) uint8 of uniform noise, a pure function of ``seed``."""
    w, h = size
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(s) & 0xFFFFFFFF for s in seed])))
    raw = np.frombuffer(rng.bytes(w * h * channels), np.uint8)
    return raw.reshape((h, w, channels) if channels > 1 else (h, w))

"""From a jittery subject position to a calm camera path, and from that path to few keyframes.

Positions are the horizontal centre of the crop as a fraction of the source width, sampled at a
steady rate. The camera should sit still while the subject fidgets, glide when it walks, never
jump, and never show past the edge of the picture. The steps, in order:

1. a median over a few samples removes single-sample detection errors;
2. a dead zone: the camera moves only when the subject leaves a band around it;
3. a centred (zero-phase) Gaussian low-pass: the analysis is offline, so the camera can start
   moving a moment before the subject does instead of lagging behind it;
4. the crop is kept inside the picture, then a speed limit is enforced sample to sample and a
   second, shorter low-pass rounds the corners the limit leaves (a low-pass never raises the
   largest step, so the limit still holds); the result has bounded speed and acceleration;
5. Ramer-Douglas-Peucker keeps only the samples needed to stay within a tolerance; a straight
   line between kept samples is never steeper than the steepest step it replaces.
"""

from __future__ import annotations

import numpy as np


def median_filter(values: np.ndarray, size: int) -> np.ndarray:
    if size <= 1 or len(values) < 3:
        return values.copy()
    half = size // 2
    padded = np.pad(values, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.median(windows, axis=1)


def dead_zone(values: np.ndarray, band: float) -> np.ndarray:
    """A camera that follows ``values`` only once they stray more than ``band`` from it."""
    out = np.empty_like(values)
    camera = values[0]
    for i, v in enumerate(values):
        if v > camera + band:
            camera = v - band
        elif v < camera - band:
            camera = v + band
        out[i] = camera
    return out


def gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    """Zero-phase Gaussian low-pass, ``sigma`` in samples; the ends are held, not mirrored."""
    if sigma <= 0 or len(values) < 2:
        return values.copy()
    radius = max(1, round(3 * sigma))
    x = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, radius, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def limit_speed(values: np.ndarray, max_step: float) -> np.ndarray:
    """No step between neighbours above ``max_step``; applied forwards, then backwards, and the
    two averaged, so the limit does not push the whole path late (or early)."""
    def one_way(v: np.ndarray) -> np.ndarray:
        out = v.copy()
        for i in range(1, len(out)):
            out[i] = out[i - 1] + np.clip(out[i] - out[i - 1], -max_step, max_step)
        return out

    return 0.5 * (one_way(values) + one_way(values[::-1])[::-1])


def smooth_path(raw: np.ndarray, rate: float, *, lo: float, hi: float, dead_band: float,
                max_speed: float, smoothing: float = 0.5) -> np.ndarray:
    """The camera path for subject positions ``raw`` sampled ``rate`` times a second.

    ``lo``/``hi`` bound the crop centre (the crop stays inside the picture), ``dead_band`` is the
    dead zone's half-width, ``max_speed`` the top speed (fractions of the source width per
    second), ``smoothing`` the low-pass's sigma in seconds.
    """
    raw = np.asarray(raw, dtype=float)
    if raw.size == 0:
        return raw
    steady = median_filter(raw, max(3, round(rate * 0.5) | 1))
    held = dead_zone(np.clip(steady, lo, hi), dead_band)
    path = np.clip(gaussian(held, smoothing * rate), lo, hi)
    step = max_speed / rate
    path = limit_speed(path, step)
    # The mean of the two limited passes, the low-pass and the clip never make a step larger.
    return np.clip(gaussian(path, 0.5 * smoothing * rate), lo, hi)


def simplify(times: np.ndarray, values: np.ndarray, tolerance: float) -> list[int]:
    """Indices of the points Ramer-Douglas-Peucker keeps: every dropped point lies within
    ``tolerance`` of the straight line between the kept points around it."""
    n = len(values)
    if n <= 2:
        return list(range(n))
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        t, v = times[a + 1:b], values[a + 1:b]
        line = values[a] + (values[b] - values[a]) * (t - times[a]) / (times[b] - times[a])
        error = np.abs(v - line)
        worst = int(np.argmax(error))
        if error[worst] > tolerance:
            mid = a + 1 + worst
            keep[mid] = True
            stack += [(a, mid), (mid, b)]
    return [int(i) for i in np.flatnonzero(keep)]

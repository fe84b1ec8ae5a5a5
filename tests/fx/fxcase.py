"""Helpers for the filter-core tests: test frames, strong settings per filter, running a filter,
and skipping cleanly where a backend is missing. (A module of its own rather than conftest.py:
every test folder has a conftest, and only one of them can be imported as ``conftest``.)"""

import os

import cv2
import numpy as np
import pytest

from capkit.fx.backend import detect
from capkit.fx.chain import FilterChain
from capkit.model.items import FilterRef

# Each filter with settings that make it do real work on a small test frame.
STRONG = {
    "grade": {"exposure": 0.5, "contrast": 1.3, "saturation": 1.4, "brightness": 0.05},
    "exposure": {"stops": 0.7},
    "brightness": {"amount": 0.15},
    "contrast": {"amount": 1.6},
    "saturation": {"amount": 1.8},
    "vibrance": {"amount": 0.8},
    "temperature": {"temperature": 0.6, "tint": -0.3},
    "hue_shift": {"degrees": 75.0},
    "highlights_shadows": {"highlights": -0.7, "shadows": 0.8},
    "curves": {"master": [[0, 0.05], [0.3, 0.22], [0.7, 0.8], [1, 0.97]], "red": [[0, 0], [0.5, 0.6], [1, 1]]},
    "lut3d": {"interpolation": "tetrahedral"},
    "black_white": {"red": 0.5, "green": 0.4, "blue": 0.1},
    "sepia": {"amount": 0.9},
    "duotone": {"shadows": "#202060", "highlights": "#FFE0A0"},
    "blur": {"radius": 60.0},
    "sharpen": {"amount": 1.5, "radius": 5.0},
    "vignette": {"strength": 0.7, "radius": 0.3},
    "grain": {"amount": 0.5, "size": 4.0, "color": True, "seed": 3},
    "glow": {"threshold": 0.5, "radius": 120.0, "strength": 0.8},
    "chroma_key": {"color": "#00FF00", "similarity": 0.3, "smoothness": 0.2, "spill": 0.8},
    "skin_smooth": {"amount": 1.0, "detail": 0.5, "skin_only": False},
    "pixelate": {"size": 80.0},
    "rgb_split": {"amount": 40.0, "angle": 30.0, "glitch": 0.6, "seed": 5},
}


def sample_frame(w: int = 96, h: int = 160, seed: int = 0) -> np.ndarray:
    """A frame with smooth gradients, saturated patches, a green area, skin tone and fine noise:
    something every filter has work to do on."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    img[: h // 6, : w // 3] = (0, 255, 0)
    img[: h // 6, w // 3: 2 * w // 3] = (224, 172, 140)  # a skin tone
    img[h // 6: h // 4, :] = np.linspace(0, 255, w, dtype=np.uint8)[None, :, None]
    noise = rng.integers(-6, 7, img.shape)
    return np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)


def flat(color, w: int = 16, h: int = 16) -> np.ndarray:
    out = np.empty((h, w, 3), np.uint8)
    out[:] = color
    return out


def settings(filter_id: str, lut_path: str) -> dict:
    params = dict(STRONG[filter_id])
    if filter_id == "lut3d":
        params["path"] = lut_path
    return params


def run(filter_id: str, image: np.ndarray, params: dict | None = None, backend="cpu", index: int = 0,
        intensity: float = 1.0, alpha=None, alpha_allowed: bool = True):
    chain = FilterChain([FilterRef(filter_id, params or {}, intensity)], (image.shape[1], image.shape[0]), backend)
    return chain.apply_alpha(image, alpha, index, alpha_allowed=alpha_allowed)


def opencl_or_skip() -> None:
    info = detect()["opencl"]
    if not info.available:
        if os.environ.get("CI"):  # CI installs PoCL (scripts/bootstrap test): parity must run there
            pytest.fail(f"OpenCL should be available in CI through PoCL: {info.reason}")
        pytest.skip(f"OpenCL is not available here: {info.reason}")


def cuda_or_skip() -> None:
    info = detect()["cuda"]
    if not info.available:
        pytest.skip(f"no CUDA backend here: {info.reason}")

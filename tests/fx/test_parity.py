"""Every filter gives the CPU picture on every other backend, within a stated tolerance.

Tolerance (also in docs/filters.md): every pixel within 3 levels of the CPU result and the mean
difference at most 0.5 levels, for colour and for alpha. In practice table and matrix operations
match exactly on OpenCL; the neighbourhood ones (glow, skin smoothing) differ where OpenCV's
OpenCL kernels round differently, by a level here and there.
"""

import numpy as np
import pytest
from fxcase import STRONG, cuda_or_skip, opencl_or_skip, run, sample_frame, settings

from capkit.fx import filters
from capkit.fx.kernels.cuda import ArrayKernels

MAX_DIFF, MEAN_DIFF = 3, 0.5
ALL = sorted(filters())


def assert_close(a, b, what):
    assert a.shape == b.shape and a.dtype == b.dtype, what
    diff = np.abs(a.astype(int) - b.astype(int))
    assert diff.max() <= MAX_DIFF and diff.mean() <= MEAN_DIFF, \
        f"{what}: max difference {diff.max()}, mean {diff.mean():.3f}"


def compare(filter_id, backend, lut_file, alpha_allowed=True):
    image = sample_frame()
    params = settings(filter_id, lut_file)
    want_rgb, want_alpha = run(filter_id, image, params, "cpu", index=5, alpha_allowed=alpha_allowed)
    assert np.abs(want_rgb.astype(int) - image).mean() > 0.5 or want_alpha is not None, \
        f"{filter_id}: the test settings should change the picture"
    got_rgb, got_alpha = run(filter_id, image, params, backend, index=5, alpha_allowed=alpha_allowed)
    assert_close(got_rgb, want_rgb, f"{filter_id} colour")
    assert (got_alpha is None) == (want_alpha is None)
    if want_alpha is not None:
        assert_close(got_alpha, want_alpha, f"{filter_id} alpha")


def test_every_filter_has_parity_settings():
    assert sorted(STRONG) == ALL


@pytest.mark.parametrize("filter_id", ALL)
def test_opencl_matches_cpu(filter_id, lut_file):
    opencl_or_skip()
    compare(filter_id, "opencl", lut_file)


def test_opencl_matches_cpu_for_a_key_on_a_layer(lut_file):
    opencl_or_skip()
    compare("chroma_key", "opencl", lut_file, alpha_allowed=False)


@pytest.mark.parametrize("filter_id", ALL)
def test_cuda_matches_cpu(filter_id, lut_file):
    cuda_or_skip()
    compare(filter_id, "cuda", lut_file)


@pytest.mark.parametrize("filter_id", ALL)
def test_cuda_kernels_code_matches_cpu_with_numpy_standing_in_for_cupy(filter_id, lut_file):
    """The CUDA backend's array code, run on the host: its maths agrees with OpenCV's even where
    no GPU is present to run it for real."""
    compare(filter_id, ArrayKernels(np, "numpy"), lut_file)


def test_a_chain_stays_on_the_device_and_matches_cpu(lut_file):
    opencl_or_skip()
    import cv2

    from capkit.fx.chain import FilterChain
    from capkit.fx.registry import Frame
    from capkit.model.items import FilterRef

    refs = [FilterRef(f, settings(f, lut_file), 0.8) for f in ("lut3d", "vibrance", "sharpen", "vignette", "grain")]
    image = sample_frame()
    cpu = FilterChain(refs, (96, 160), "cpu").apply(image, 9)
    chain = FilterChain(refs, (96, 160), "opencl")
    device = chain.run(chain.k.upload(image), Frame(index=9))
    assert isinstance(device, cv2.UMat)  # never left the device between filters
    assert_close(chain.k.download(device), cpu, "5-filter chain")

"""Setup for the filter-core tests (helpers are in fxcase.py).

OpenCV picks its OpenCL device when OpenCL is first used, so the CPU device (PoCL in CI) is
requested here, before any test touches OpenCL. A developer with a GPU can override it.
"""

import os

os.environ.setdefault("OPENCV_OPENCL_DEVICE", ":CPU:")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from capkit.fx.cube import identity_table, write_cube  # noqa: E402


@pytest.fixture(scope="session")
def lut_file(tmp_path_factory):
    """A 33-point .cube LUT that does something non-trivial (a warm, contrasty look)."""
    t = identity_table(33)
    look = np.clip(0.5 + (t - 0.5) * 1.2, 0, 1) ** np.array([0.9, 1.0, 1.15])
    path = tmp_path_factory.mktemp("luts") / "look.cube"
    write_cube(path, look, "test look")
    return str(path)

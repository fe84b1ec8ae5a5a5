"""The image primitives filters are written against, one implementation per backend.

- :mod:`base`: the contract (:class:`~capkit.fx.kernels.base.Kernels`) and its conventions;
- :mod:`cpu`: OpenCV on numpy arrays (and the OpenCV code the OpenCL backend shares);
- :mod:`opencl`: the same calls on ``cv2.UMat``;
- :mod:`cuda`: CuPy arrays on a CUDA device;
- :mod:`host`: seeded noise, made on the host so every backend adds the same grain.
"""

from capkit.fx.kernels.base import Image, Kernels

__all__ = ["Image", "Kernels"]

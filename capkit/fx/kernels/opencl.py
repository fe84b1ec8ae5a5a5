"""The OpenCL backend: the CPU backend's OpenCV calls on ``cv2.UMat`` (OpenCV's transparent API).

A frame is uploaded once at the start of a chain and downloaded once at the end; in between every
primitive runs OpenCL kernels of OpenCV's where it has them. Which device is used is OpenCV's
choice, steered by ``OPENCV_OPENCL_DEVICE`` (e.g. ``:GPU:`` or ``:CPU:``).
"""

from __future__ import annotations

import cv2
import numpy as np

from capkit.fx.kernels.cpu import CvKernels


class OpenclKernels(CvKernels):
    name = "opencl"

    def __init__(self, device: str = "") -> None:
        self.device = device

    def upload(self, array):
        return cv2.UMat(np.ascontiguousarray(array))

    def download(self, image):
        return image.get() if isinstance(image, cv2.UMat) else np.asarray(image)

    def crop(self, image, x, y, w, h):
        return cv2.UMat(image, (y, y + h), (x, x + w))

    def lut3d(self, image, lut):
        """OpenCV has no 3D lookup, so this one primitive downloads the frame, looks it up on the
        host (see :class:`capkit.fx.lut3d.BakedLut`) and uploads the result."""
        return self.upload(lut.apply(self.download(image)))

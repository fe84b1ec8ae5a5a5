"""The CPU backend, and the OpenCV implementation of the primitives it shares with OpenCL.

OpenCV's transparent API runs the same call on an ``ndarray`` (CPU) or a ``cv2.UMat`` (OpenCL), so
:class:`CvKernels` is written once and the two backends differ only in how a frame reaches the
device and in the primitives OpenCV has no device path for (see :mod:`capkit.fx.kernels.opencl`).
"""

from __future__ import annotations

import cv2
import numpy as np

from capkit.fx.kernels.base import Kernels
from capkit.fx.kernels.host import GAUSSIAN_TABLE, uniform_bytes

_CONVERSIONS = {
    "rgb2gray": cv2.COLOR_RGB2GRAY,
    "gray2rgb": cv2.COLOR_GRAY2RGB,
    "rgb2ycrcb": cv2.COLOR_RGB2YCrCb,
    "ycrcb2rgb": cv2.COLOR_YCrCb2RGB,
}
_INVERT = np.arange(255, -1, -1, dtype=np.uint8)
_INTERPOLATION = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA}


def _table(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table)
    if table.ndim == 2:  # 256 x channels -> the (256, 1, channels) layout cv2.LUT expects
        return np.ascontiguousarray(table.reshape(256, 1, table.shape[1]))
    return np.ascontiguousarray(table)


class CvKernels(Kernels):
    """Every primitive as OpenCV calls that accept ndarray and UMat alike."""

    def crop(self, image, x, y, w, h):
        return image[y:y + h, x:x + w]

    def color_matrix(self, image, matrix):
        return cv2.transform(image, np.asarray(matrix, np.float32))

    def lut(self, image, table):
        return cv2.LUT(image, _table(table))

    def convert(self, image, code):
        return cv2.cvtColor(image, _CONVERSIONS[code])

    def split(self, image):
        # extractChannel per plane is several times faster than cv2.split on large frames
        return [cv2.extractChannel(image, c) for c in range(3)]

    def merge(self, planes):
        return cv2.merge(list(planes))

    def add_weighted(self, a, wa, b, wb, offset=0.0):
        return cv2.addWeighted(a, float(wa), b, float(wb), float(offset))

    def add(self, a, b):
        return cv2.add(a, b)

    def subtract(self, a, b):
        return cv2.subtract(a, b)

    def absdiff(self, a, b):
        return cv2.absdiff(a, b)

    def maximum(self, a, b):
        return cv2.max(a, b)

    def minimum(self, a, b):
        return cv2.min(a, b)

    def multiply(self, a, b, scale=1.0 / 255.0):
        return cv2.multiply(a, b, scale=float(scale))

    def blend(self, a, b, mask):
        # Two 8-bit multiplies and an add run several times faster than cv2.blendLinear's float
        # weights; each product rounds, so the result is within a level of the exact mix.
        inverse = cv2.cvtColor(cv2.LUT(mask, _INVERT), cv2.COLOR_GRAY2RGB)
        mask = cv2.cvtColor(mask, cv2.COLOR_GRAY2RGB)
        return cv2.add(cv2.multiply(a, inverse, scale=1.0 / 255.0), cv2.multiply(b, mask, scale=1.0 / 255.0))

    def gaussian_blur(self, image, sigma):
        return cv2.GaussianBlur(image, (0, 0), float(sigma), borderType=cv2.BORDER_REPLICATE)

    def box_blur(self, image, ksize):
        k = max(1, int(ksize))
        return cv2.blur(image, (k, k))

    def bilateral(self, image, diameter, sigma_color, sigma_space):
        return cv2.bilateralFilter(image, int(diameter), float(sigma_color), float(sigma_space))

    def resize(self, image, size, interpolation="linear"):
        return cv2.resize(image, (int(size[0]), int(size[1])), interpolation=_INTERPOLATION[interpolation])

    def pad_edges(self, image, right, bottom):
        return cv2.copyMakeBorder(image, 0, int(bottom), 0, int(right), cv2.BORDER_REPLICATE)

    def translate(self, image, dx, dy, size):
        dx, dy = int(dx), int(dy)
        if dx == 0 and dy == 0:
            return image
        # Grow by the shift on the side it comes from, then cut the frame back out.
        padded = cv2.copyMakeBorder(image, max(dy, 0), max(-dy, 0), max(dx, 0), max(-dx, 0), cv2.BORDER_REPLICATE)
        return self.crop(padded, max(-dx, 0), max(-dy, 0), int(size[0]), int(size[1]))

    def warp_affine(self, image, matrix, size):
        return cv2.warpAffine(image, np.asarray(matrix, np.float32), (int(size[0]), int(size[1])),
                              flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def shift_rows(self, image, offsets, width):
        offsets = np.asarray(offsets, np.float32).reshape(-1, 1)
        h, w = offsets.shape[0], int(width)
        xs = self.constant(np.arange(w, dtype=np.float32)[None, :])
        # map_x[y, x] = x - offset[y]; built from one row and one column so it can stay on the device
        map_x = cv2.subtract(cv2.repeat(xs, h, 1), cv2.repeat(self.constant(offsets), 1, w))
        map_y = cv2.repeat(self.constant(np.arange(h, dtype=np.float32)[:, None]), 1, w)
        return cv2.remap(image, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)

    def noise(self, size, channels, seed):
        return cv2.LUT(self.upload(uniform_bytes(size, channels, seed)), GAUSSIAN_TABLE)

    def fill(self, size, channels, value):
        w, h = size
        shape = (h, w, channels) if channels > 1 else (h, w)
        return self.upload(np.full(shape, value, np.uint8))


class CpuKernels(CvKernels):
    """numpy arrays in host memory; OpenCV's own threads do the work."""

    name = "cpu"

    def __init__(self, device: str = "") -> None:
        self.device = device

    def upload(self, array):
        return np.ascontiguousarray(array)

    def download(self, image):
        return image

    def lut3d(self, image, lut):
        return lut.apply(image)

    def shift_rows(self, image, offsets, width):
        # On the host a band of rows moved by the same amount is two slice copies; the remap in
        # CvKernels (used on the device) gives the same picture.
        offsets = np.rint(np.asarray(offsets, np.float64)).astype(np.int64)
        out = image.copy()
        w = int(width)
        changes = np.flatnonzero(np.diff(offsets)) + 1
        for y0, y1 in zip(np.r_[0, changes], np.r_[changes, len(offsets)]):
            s = int(np.clip(offsets[y0], -w, w))
            if s > 0:
                out[y0:y1, s:] = image[y0:y1, :w - s]
                out[y0:y1, :s] = image[y0:y1, :1]
            elif s < 0:
                out[y0:y1, :w + s] = image[y0:y1, -s:]
                out[y0:y1, w + s:] = image[y0:y1, w - 1:w]
        return out

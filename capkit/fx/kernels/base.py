"""The kernel contract: the few image primitives every filter operation is written against.

An operation never touches pixels except through a :class:`Kernels` object, so the same operation
code runs on every backend and its frames stay on that backend's device from the first filter of
a chain to the last. An *image* is whatever the backend keeps on its device (an ``ndarray`` on the
CPU, a ``cv2.UMat`` under OpenCL, a CuPy array under CUDA); operations treat it as opaque.

Conventions shared by every backend:

- colour images are RGB ``uint8`` with 3 channels; a *plane* is one ``uint8`` channel;
- a *mask* is a plane read as 0..255 -> 0..1 (255 picks the second image in ``blend``): 8 bits
  of weight are plenty for a mix and keep every mask operation an 8-bit one;
- arithmetic on ``uint8`` saturates (rounds to nearest, clips to 0..255) as OpenCV does;
- primitives never change their arguments: they return a new image.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Image = Any  # ndarray | cv2.UMat | cupy.ndarray, depending on the backend

INTERPOLATIONS = ("nearest", "linear", "area")


class Kernels:
    """The primitives. Subclasses implement every method for one backend."""

    name = "abstract"
    device = ""

    # --- moving data -------------------------------------------------------------------------

    def upload(self, array: np.ndarray) -> Image:
        """A host array as a device image (no copy where the host is the device)."""
        raise NotImplementedError

    def download(self, image: Image) -> np.ndarray:
        """A device image as a host array."""
        raise NotImplementedError

    def constant(self, array: np.ndarray) -> Image:
        """Data an operation prepares once (a mask, a table) placed where frames live."""
        return self.upload(np.ascontiguousarray(array))

    def crop(self, image: Image, x: int, y: int, w: int, h: int) -> Image:
        """The rectangle (x, y, w, h) of ``image`` as its own image."""
        raise NotImplementedError

    # --- colour --------------------------------------------------------------------------------

    def color_matrix(self, image: Image, matrix: np.ndarray) -> Image:
        """Each pixel times a (k x 3) or (k x 4, last column an offset in 0..255 units) matrix:
        k output channels (3 for colour, 1 for a plane)."""
        raise NotImplementedError

    def lut(self, image: Image, table: np.ndarray) -> Image:
        """A 1D lookup: ``table`` has 256 entries (one table for every channel) or 256 x channels;
        its dtype is the result's."""
        raise NotImplementedError

    def lut3d(self, image: Image, lut) -> Image:
        """A 3D colour lookup through a :class:`capkit.fx.lut3d.BakedLut` (one entry per 8-bit RGB)."""
        raise NotImplementedError

    def convert(self, image: Image, code: str) -> Image:
        """A colour-space conversion named like OpenCV's: ``rgb2gray``, ``gray2rgb``,
        ``rgb2ycrcb``, ``ycrcb2rgb`` (OpenCV's 8-bit ranges and BT.601 weights)."""
        raise NotImplementedError

    def split(self, image: Image) -> list[Image]:
        raise NotImplementedError

    def merge(self, planes: list[Image]) -> Image:
        raise NotImplementedError

    # --- arithmetic ---------------------------------------------------------------------------

    def add_weighted(self, a: Image, wa: float, b: Image, wb: float, offset: float = 0.0) -> Image:
        """``a * wa + b * wb + offset``."""
        raise NotImplementedError

    def add(self, a: Image, b: Image) -> Image:
        raise NotImplementedError

    def subtract(self, a: Image, b: Image) -> Image:
        raise NotImplementedError

    def absdiff(self, a: Image, b: Image) -> Image:
        raise NotImplementedError

    def maximum(self, a: Image, b: Image) -> Image:
        raise NotImplementedError

    def minimum(self, a: Image, b: Image) -> Image:
        raise NotImplementedError

    def multiply(self, a: Image, b: Image, scale: float = 1.0 / 255.0) -> Image:
        """``a * b * scale`` per channel (a mask of 0..255 darkens with the default scale)."""
        raise NotImplementedError

    def blend(self, a: Image, b: Image, mask: Image) -> Image:
        """Colour images ``a`` where ``mask`` is 0, ``b`` where it is 255, linear between (within a level)."""
        raise NotImplementedError

    # --- neighbourhoods -----------------------------------------------------------------------

    def gaussian_blur(self, image: Image, sigma: float) -> Image:
        """A Gaussian blur of ``sigma`` pixels, edges replicated (OpenCV's kernel size rule)."""
        raise NotImplementedError

    def box_blur(self, image: Image, ksize: int) -> Image:
        """The mean over a ``ksize`` x ``ksize`` box, edges reflected."""
        raise NotImplementedError

    def bilateral(self, image: Image, diameter: int, sigma_color: float, sigma_space: float) -> Image:
        """An edge-preserving bilateral filter."""
        raise NotImplementedError

    # --- geometry -----------------------------------------------------------------------------

    def resize(self, image: Image, size: tuple[int, int], interpolation: str = "linear") -> Image:
        """``image`` at ``size`` (w, h) with ``nearest``, ``linear`` or ``area`` interpolation."""
        raise NotImplementedError

    def pad_edges(self, image: Image, right: int, bottom: int) -> Image:
        """``image`` grown by ``right`` columns and ``bottom`` rows copied from its edges."""
        raise NotImplementedError

    def translate(self, image: Image, dx: int, dy: int, size: tuple[int, int]) -> Image:
        """``image`` of ``size`` (w, h) moved by whole pixels (right and down for positive values),
        edges replicated."""
        raise NotImplementedError

    def warp_affine(self, image: Image, matrix: np.ndarray, size: tuple[int, int]) -> Image:
        """``image`` moved by a 2x3 affine map from source to destination pixel coordinates
        (OpenCV's default direction), linear interpolation, edges replicated."""
        raise NotImplementedError

    def shift_rows(self, image: Image, offsets: np.ndarray, width: int) -> Image:
        """Row ``y`` of an image ``width`` wide moved right by ``offsets[y]`` whole pixels, edges
        replicated."""
        raise NotImplementedError

    # --- sources ------------------------------------------------------------------------------

    def noise(self, size: tuple[int, int], channels: int, seed: tuple[int, ...]) -> Image:
        """Gaussian-shaped noise centred on 128 (std 32 levels), the same for the same seed on
        every backend."""
        raise NotImplementedError

    def fill(self, size: tuple[int, int], channels: int, value) -> Image:
        """A constant image (``value`` per channel, or one number)."""
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name} ({self.device})" if self.device else self.name

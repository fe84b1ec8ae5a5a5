"""The CUDA backend: every primitive as CuPy array code, so frames stay in GPU memory.

The code is written against an array module ``xp`` (``cupy`` on a CUDA device). It follows
OpenCV's definitions (rounding to nearest and saturating on ``uint8``, the same border rules,
BT.601 conversions, half-pixel resampling) so its pictures match the CPU backend's within the
parity tolerance; the test suite runs it with numpy standing in for CuPy where no GPU is present.
Seeded noise and baked 3D LUT tables are made on the host and uploaded (see :mod:`host`).
"""

from __future__ import annotations

import weakref

import numpy as np

from capkit.fx.kernels.base import Kernels
from capkit.fx.kernels.host import GAUSSIAN_TABLE, uniform_bytes

# OpenCV's BT.601 weights for RGB -> gray / YCrCb on 8-bit data, in its fixed-point form.
_SHIFT = 14
_Y = (4899, 9617, 1868)  # 0.299, 0.587, 0.114
_CR, _CB = 11682, 9241  # 0.713, 0.564


class ArrayKernels(Kernels):
    """The primitives on ``xp`` arrays (CuPy; numpy works too, slowly, for testing)."""

    name = "cuda"

    def __init__(self, xp, device: str = "") -> None:
        self.xp = xp
        self.device = device
        self._tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    # --- helpers ---------------------------------------------------------------------------

    def _u8(self, values):
        xp = self.xp
        return xp.clip(xp.rint(values), 0, 255).astype(xp.uint8)

    def _f(self, image):
        return image.astype(self.xp.float32)

    def _pad(self, image, ry: int, rx: int, mode: str):
        pad = [(ry, ry), (rx, rx)] + [(0, 0)] * (image.ndim - 2)
        return self.xp.pad(image, pad, mode=mode)

    # --- moving data -----------------------------------------------------------------------

    def upload(self, array):
        return self.xp.asarray(np.ascontiguousarray(array))

    def download(self, image):
        get = getattr(image, "get", None)
        return np.ascontiguousarray(get() if get is not None else image)

    def crop(self, image, x, y, w, h):
        return image[y:y + h, x:x + w]

    # --- colour ----------------------------------------------------------------------------

    def color_matrix(self, image, matrix):
        xp = self.xp
        m = np.asarray(matrix, np.float32)
        out = self._f(image) @ xp.asarray(m[:, :3].T)
        if m.shape[1] == 4:
            out += xp.asarray(m[:, 3])
        out = self._u8(out)
        return out[..., 0] if m.shape[0] == 1 else out

    def lut(self, image, table):
        xp = self.xp
        t = xp.asarray(np.asarray(table))
        if t.ndim == 1:
            return t[image]
        return t[image, xp.arange(t.shape[1])]

    def lut3d(self, image, lut):
        xp = self.xp
        table = self._tables.get(lut)
        if table is None:  # 64 MB: uploaded once per baked LUT, dropped with it
            table = self._tables[lut] = xp.asarray(lut.packed)
        idx = image[..., 0].astype(xp.uint32) | (image[..., 1].astype(xp.uint32) << 8) | (
            image[..., 2].astype(xp.uint32) << 16)
        packed = table[idx]
        return xp.stack([(packed >> s).astype(xp.uint8) for s in (0, 8, 16)], axis=-1)

    def convert(self, image, code):
        # OpenCV's 8-bit conversions are fixed point (14 fractional bits); doing the same integer
        # arithmetic gives identical planes rather than ones that differ by a rounding.
        xp = self.xp
        if code == "gray2rgb":
            return xp.stack([image] * 3, axis=-1)
        i = image.astype(xp.int32)
        half = 1 << (_SHIFT - 1)
        if code == "ycrcb2rgb":
            y, cr, cb = i[..., 0], i[..., 1] - 128, i[..., 2] - 128
            r = y + ((cr * 22987 + half) >> _SHIFT)
            g = y + ((cr * -11698 + cb * -5636 + half) >> _SHIFT)
            b = y + ((cb * 29049 + half) >> _SHIFT)
            return xp.clip(xp.stack([r, g, b], axis=-1), 0, 255).astype(xp.uint8)
        r, g, b = i[..., 0], i[..., 1], i[..., 2]
        y = (r * _Y[0] + g * _Y[1] + b * _Y[2] + half) >> _SHIFT
        if code == "rgb2gray":
            return y.astype(xp.uint8)
        if code == "rgb2ycrcb":
            delta = 128 << _SHIFT
            cr = ((r - y) * _CR + delta + half) >> _SHIFT
            cb = ((b - y) * _CB + delta + half) >> _SHIFT
            return xp.clip(xp.stack([y, cr, cb], axis=-1), 0, 255).astype(xp.uint8)
        raise KeyError(code)

    def split(self, image):
        return [self.xp.ascontiguousarray(image[..., c]) for c in range(image.shape[2])]

    def merge(self, planes):
        return self.xp.stack(list(planes), axis=-1)

    # --- arithmetic ------------------------------------------------------------------------

    def _same(self, a, values):
        return self._u8(values) if a.dtype == self.xp.uint8 else values.astype(a.dtype)

    def add_weighted(self, a, wa, b, wb, offset=0.0):
        return self._same(a, self._f(a) * wa + self._f(b) * wb + offset)

    def add(self, a, b):
        return self._same(a, self._f(a) + self._f(b))

    def subtract(self, a, b):
        return self._same(a, self._f(a) - self._f(b))

    def absdiff(self, a, b):
        return self._same(a, self.xp.abs(self._f(a) - self._f(b)))

    def maximum(self, a, b):
        return self.xp.maximum(a, b)

    def minimum(self, a, b):
        return self.xp.minimum(a, b)

    def multiply(self, a, b, scale=1.0 / 255.0):
        return self._same(a, self._f(a) * self._f(b) * scale)

    def blend(self, a, b, mask):
        # Rounded per product as the CPU backend does, so the two agree exactly.
        m = self._f(mask)[..., None]
        xp = self.xp
        return self._u8(xp.rint(self._f(a) * (255 - m) / 255) + xp.rint(self._f(b) * m / 255))

    # --- neighbourhoods --------------------------------------------------------------------

    def _convolve_axis(self, f, kernel: np.ndarray, axis: int, mode: str):
        r = len(kernel) // 2
        pad = [(0, 0)] * f.ndim
        pad[axis] = (r, r)
        padded = self.xp.pad(f, pad, mode=mode)
        n = f.shape[axis]
        out = self.xp.zeros_like(f)
        for i, k in enumerate(kernel):
            out += float(k) * self.xp.take(padded, self.xp.arange(i, i + n), axis=axis)
        return out

    def gaussian_blur(self, image, sigma):
        ksize = round(sigma * (3 if image.dtype == self.xp.uint8 else 4) * 2 + 1) | 1
        r = ksize // 2
        x = np.arange(-r, r + 1, dtype=np.float64)
        kernel = np.exp(-x * x / (2 * sigma * sigma))
        kernel /= kernel.sum()
        f = self._convolve_axis(self._f(image), kernel, 0, "edge")
        return self._same(image, self._convolve_axis(f, kernel, 1, "edge"))

    def box_blur(self, image, ksize):
        k = max(1, int(ksize))
        kernel = np.full(k, 1.0 / k)
        if k % 2 == 0:  # OpenCV anchors an even box one pixel left of centre
            kernel = np.append(kernel, 0.0)
        f = self._convolve_axis(self._f(image), kernel, 0, "reflect")
        return self._same(image, self._convolve_axis(f, kernel, 1, "reflect"))

    def bilateral(self, image, diameter, sigma_color, sigma_space):
        xp = self.xp
        r = int(diameter) // 2
        f = self._f(image)
        padded = self._pad(f, r, r, "reflect")
        h, w = image.shape[:2]
        num = xp.zeros_like(f)
        den = xp.zeros(f.shape[:2], xp.float32)
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                if dx * dx + dy * dy > r * r:
                    continue
                nb = padded[r + dy:r + dy + h, r + dx:r + dx + w]
                dist = xp.abs(nb - f).sum(axis=-1) if f.ndim == 3 else xp.abs(nb - f)
                wgt = xp.exp(-(dx * dx + dy * dy) / (2 * sigma_space ** 2) - dist * dist / (2 * sigma_color ** 2))
                den += wgt
                num += nb * (wgt[..., None] if f.ndim == 3 else wgt)
        return self._same(image, num / (den[..., None] if f.ndim == 3 else den))

    # --- geometry --------------------------------------------------------------------------

    def _sample(self, image, sx, sy, linear: bool):
        """Values of ``image`` at float source coordinates (edges replicated)."""
        xp = self.xp
        h, w = image.shape[:2]
        if not linear:
            xi = xp.clip(xp.floor(sx + 0.5).astype(xp.int64), 0, w - 1)
            yi = xp.clip(xp.floor(sy + 0.5).astype(xp.int64), 0, h - 1)
            return image[yi, xi]
        x0, y0 = xp.floor(sx), xp.floor(sy)
        fx, fy = sx - x0, sy - y0
        if image.ndim == 3:
            fx, fy = fx[..., None], fy[..., None]
        x0i, y0i = x0.astype(xp.int64), y0.astype(xp.int64)
        xa, xb = xp.clip(x0i, 0, w - 1), xp.clip(x0i + 1, 0, w - 1)
        ya, yb = xp.clip(y0i, 0, h - 1), xp.clip(y0i + 1, 0, h - 1)
        f = self._f(image)
        top = f[ya, xa] * (1 - fx) + f[ya, xb] * fx
        bottom = f[yb, xa] * (1 - fx) + f[yb, xb] * fx
        return self._same(image, top * (1 - fy) + bottom * fy)

    def _area_matrix(self, n_in: int, n_out: int):
        """(n_out, n_in) weights of OpenCV's INTER_AREA: the overlap of each output cell."""
        s = n_in / n_out
        edges = np.arange(n_out + 1) * s
        lo, hi = edges[:-1, None], edges[1:, None]
        i = np.arange(n_in)[None, :]
        overlap = np.clip(np.minimum(hi, i + 1) - np.maximum(lo, i), 0, None) / s
        return self.xp.asarray(overlap.astype(np.float32))

    def resize(self, image, size, interpolation="linear"):
        xp = self.xp
        w, h = int(size[0]), int(size[1])
        ih, iw = image.shape[:2]
        if interpolation == "area" and w <= iw and h <= ih:
            wy, wx = self._area_matrix(ih, h), self._area_matrix(iw, w)
            f = xp.tensordot(wy, self._f(image), axes=(1, 0))
            f = xp.moveaxis(xp.tensordot(wx, f, axes=(1, 1)), 0, 1)
            return self._same(image, f)
        xs = xp.arange(w, dtype=xp.float32)
        ys = xp.arange(h, dtype=xp.float32)
        if interpolation == "nearest":
            sx = xp.minimum(xp.floor(xs * (iw / w)), iw - 1)
            sy = xp.minimum(xp.floor(ys * (ih / h)), ih - 1)
            return image[sy.astype(xp.int64)[:, None], sx.astype(xp.int64)[None, :]]
        sx = xp.maximum((xs + 0.5) * (iw / w) - 0.5, 0)
        sy = xp.maximum((ys + 0.5) * (ih / h) - 0.5, 0)
        gx, gy = xp.meshgrid(sx, sy)
        return self._sample(image, gx, gy, linear=True)

    def pad_edges(self, image, right, bottom):
        pad = [(0, int(bottom)), (0, int(right))] + [(0, 0)] * (image.ndim - 2)
        return self.xp.pad(image, pad, mode="edge")

    def translate(self, image, dx, dy, size):
        dx, dy = int(dx), int(dy)
        w, h = int(size[0]), int(size[1])
        ys = self.xp.clip(self.xp.arange(h) - dy, 0, h - 1)
        xs = self.xp.clip(self.xp.arange(w) - dx, 0, w - 1)
        return image[ys[:, None], xs[None, :]]

    def warp_affine(self, image, matrix, size):
        xp = self.xp
        m = np.vstack([np.asarray(matrix, np.float64), [0, 0, 1]])
        inv = np.linalg.inv(m)
        w, h = int(size[0]), int(size[1])
        gx, gy = xp.meshgrid(xp.arange(w, dtype=xp.float32), xp.arange(h, dtype=xp.float32))
        sx = inv[0, 0] * gx + inv[0, 1] * gy + inv[0, 2]
        sy = inv[1, 0] * gx + inv[1, 1] * gy + inv[1, 2]
        return self._sample(image, sx.astype(xp.float32), sy.astype(xp.float32), linear=True)

    def shift_rows(self, image, offsets, width):
        xp = self.xp
        off = xp.asarray(np.asarray(offsets, np.float32).reshape(-1, 1))
        xs = xp.arange(int(width), dtype=xp.float32)[None, :]
        sx = xp.clip(xp.rint(xs - off), 0, int(width) - 1).astype(xp.int64)
        ys = xp.arange(image.shape[0])[:, None]
        return image[ys, sx]

    # --- sources ---------------------------------------------------------------------------

    def noise(self, size, channels, seed):
        return self.lut(self.upload(uniform_bytes(size, channels, seed)), GAUSSIAN_TABLE)

    def fill(self, size, channels, value):
        w, h = size
        shape = (h, w, channels) if channels > 1 else (h, w)
        return self.xp.full(shape, value, dtype=self.xp.uint8)


def cupy_kernels(device: str = ""):
    """The CUDA backend on the current CuPy device."""
    import cupy

    return ArrayKernels(cupy, device)


__all__ = ["ArrayKernels", "cupy_kernels"]

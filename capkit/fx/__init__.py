"""The filter core: filters as pure functions of (frame, parameters, frame context) with
parameter schemas, run by one op code path on the CPU, OpenCL or CUDA.

- :mod:`~capkit.fx.params`: parameter schemas (type, range, default, animatable, widget, unit);
- :mod:`~capkit.fx.registry`: filters by id (:func:`filters`, :func:`get`, :class:`FilterSpec`);
- :mod:`~capkit.fx.kernels`: the image primitives each backend implements;
- :mod:`~capkit.fx.backend`: which backends work here and which one is used (``CAPKIT_DEVICE``);
- :mod:`~capkit.fx.chain`: :class:`FilterChain`, a stack of filters run on frames;
- :mod:`~capkit.fx.ops`: the built-in operations; :mod:`~capkit.fx.cube` and
  :mod:`~capkit.fx.lut3d`: ``.cube`` files and baked 3D LUTs.
"""

from capkit.fx.chain import FilterChain
from capkit.fx.registry import FilterSpec, Frame, filters, get

__all__ = ["FilterChain", "FilterSpec", "Frame", "filters", "get"]

"""Running a stack of filters on frames: upload once, every filter on the device, download once.

:class:`FilterChain` is what the renderer calls for a clip's filters and for a filter layer. It
resolves and checks every filter up front, prepares each one for the frame size on the chosen
backend, and then changes frames: each filter's result is mixed with its input by the
reference's ``intensity``. Prepared steps are keyed by parameter values, so a chain given
per-frame (animated) values prepares each distinct setting once and reuses it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from capkit.fx.backend import kernels as backend_kernels
from capkit.fx.kernels.base import Kernels
from capkit.fx.registry import Frame, Step, get
from capkit.model.items import FilterRef

_MAX_PREPARED = 64  # distinct animated settings kept per chain before starting afresh


def _key(values: dict) -> str:
    return json.dumps(values, sort_keys=True, default=str)


class FilterChain:
    """Filters ``refs`` in order on frames of ``size`` (w, h) on ``backend`` (a name, a
    :class:`Kernels`, or None for the automatic choice)."""

    def __init__(self, refs: Sequence[FilterRef], size: tuple[int, int],
                 backend: str | Kernels | None = None) -> None:
        self.k: Kernels = backend if isinstance(backend, Kernels) else backend_kernels(backend)
        self.size = (max(1, int(size[0])), max(1, int(size[1])))
        self.refs = list(refs)
        self._specs = [get(r.filter_id) for r in self.refs]
        self._values = [spec.resolve(r.params) for spec, r in zip(self._specs, self.refs)]
        self._prepared: dict[tuple[int, str], Step | None] = {}
        self._steps = [self._step(i, v) for i, v in enumerate(self._values)]

    @property
    def backend(self) -> str:
        return self.k.name

    @property
    def is_identity(self) -> bool:
        """True when these filters, at their own values, leave every frame as it is."""
        return all(step is None for step in self._steps)

    def _step(self, i: int, values: dict) -> Step | None:
        if self.refs[i].intensity <= 0:
            return None
        key = (i, _key(values))
        if key not in self._prepared:
            if len(self._prepared) >= _MAX_PREPARED:
                self._prepared = {k: v for k, v in self._prepared.items() if _key(self._values[k[0]]) == k[1]}
            self._prepared[key] = self._specs[i].prepare(values, self.size, self.k)
        return self._prepared[key]

    def _steps_for(self, values: Sequence[dict | None] | None) -> list[Step | None]:
        if values is None:
            return self._steps
        steps = []
        for i, given in enumerate(values):
            if given is None:
                steps.append(self._steps[i])
            else:
                steps.append(self._step(i, self._specs[i].resolve({**self.refs[i].params, **given})))
        return steps

    def run(self, image, frame: Frame, values: Sequence[dict | None] | None = None):
        """The device image after every filter (``frame.alpha`` updated if a filter keys)."""
        k = self.k
        for ref, step in zip(self.refs, self._steps_for(values)):
            if step is None:
                continue
            alpha_before = frame.alpha
            out = step(image, frame)
            mix = float(ref.intensity)
            if mix < 1.0:
                out = k.add_weighted(out, mix, image, 1.0 - mix)
                if frame.alpha is not alpha_before:
                    before = alpha_before if alpha_before is not None else k.fill(self.size, 1, 255)
                    frame.alpha = k.add_weighted(frame.alpha, mix, before, 1.0 - mix)
            image = out
        return image

    def apply(self, rgb: np.ndarray, index: int = 0, values: Sequence[dict | None] | None = None) -> np.ndarray:
        """An RGB frame filtered. ``rgb`` itself is never changed (it may be returned as it is
        when no filter changes anything)."""
        return self.apply_alpha(rgb, None, index, values)[0]

    def apply_alpha(self, rgb: np.ndarray, alpha: np.ndarray | None, index: int = 0,
                    values: Sequence[dict | None] | None = None,
                    alpha_allowed: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """An RGB frame and its alpha plane (or None) filtered; a keying filter may add alpha
        when ``alpha_allowed``, and otherwise fills what it keys out."""
        k = self.k
        frame = Frame(index=index, alpha=k.upload(alpha) if alpha is not None else None,
                      alpha_allowed=alpha_allowed)
        before = frame.alpha
        out = k.download(self.run(k.upload(rgb), frame, values))
        if frame.alpha is before:
            return out, alpha
        return out, k.download(frame.alpha)

"""The built-in filters by id, and how a filter reference becomes a function on frames.

A filter is declared once (``FilterSpec``: id, name, parameter schema, ``prepare``). ``prepare``
does the per-render work up front (lookup tables, masks for the frame size) and returns a function
that changes one RGB frame; frames are never touched when the parameters leave them unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from capkit.errors import RenderError
from capkit.fx.params import Param
from capkit.model.items import FilterRef

# np.ndarray -> np.ndarray (RGB uint8, C-contiguous). A filter may change its argument in place
# (and return it): the engine always hands it a frame it owns.
FrameFn = Callable[["object"], "object"]


@dataclass(frozen=True)
class FilterSpec:
    id: str
    name: str
    params: tuple[Param, ...]
    prepare: Callable[[dict, tuple[int, int]], FrameFn | None]  # None: the filter would change nothing
    doc: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def resolve(self, given: dict) -> dict:
        """Defaults filled in; raises RenderError naming a bad or unknown parameter."""
        names = {p.name for p in self.params}
        for key in given:
            if key not in names:
                raise RenderError(f"filter {self.id!r} has no parameter {key!r}; it has {', '.join(sorted(names))}")
        values = {p.name: given.get(p.name, p.default) for p in self.params}
        for p in self.params:
            problem = p.check(values[p.name])
            if problem:
                raise RenderError(f"filter {self.id!r}: {problem}")
        return values


_REGISTRY: dict[str, FilterSpec] = {}


def register(spec: FilterSpec) -> FilterSpec:
    _REGISTRY[spec.id] = spec
    return spec


def _load_builtins() -> None:
    if not _REGISTRY:
        from capkit.fx import builtin  # noqa: F401  (registers on import)


def filters() -> dict[str, FilterSpec]:
    _load_builtins()
    return dict(_REGISTRY)


def get(filter_id: str) -> FilterSpec:
    _load_builtins()
    try:
        return _REGISTRY[filter_id]
    except KeyError:
        raise RenderError(
            f"unknown filter {filter_id!r}; available: {', '.join(sorted(_REGISTRY))}"
        ) from None


def check_filter(ref: FilterRef) -> None:
    get(ref.filter_id).resolve(ref.params)


def prepare(ref: FilterRef, size: tuple[int, int]) -> FrameFn | None:
    """A function applying ``ref`` (with its intensity) to frames of ``size`` (w, h), or None if a no-op."""
    spec = get(ref.filter_id)
    fn = spec.prepare(spec.resolve(ref.params), size)
    if fn is None or ref.intensity <= 0:
        return None
    if ref.intensity >= 1:
        return fn
    import cv2

    k = float(ref.intensity)

    def mixed(frame):
        return cv2.addWeighted(fn(frame.copy()), k, frame, 1 - k, 0, dst=frame)

    return mixed

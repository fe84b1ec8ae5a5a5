"""The filters by id: how one is declared, looked up and checked.

A filter is declared once as a :class:`FilterSpec`: id, name, parameter schema and ``prepare``.
``prepare(values, size, k)`` gets the resolved parameter values, the frame size (w, h) and the
backend's :class:`~capkit.fx.kernels.base.Kernels`; it does the per-setting work up front (tables,
matrices, masks) and returns a *step* ``step(image, frame) -> image`` that uses only ``k``'s
primitives, or None when these values leave frames unchanged. Steps never change their input and
keep no state between frames, so one prepared step serves any frame in any order. What a step
learns about the frame being drawn (its index, its alpha) comes in a :class:`Frame`; the one
thing a step may set there is the alpha, when it keys part of the frame out.

Running filters on frames is :class:`capkit.fx.chain.FilterChain`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from capkit.errors import RenderError
from capkit.fx.params import Param
from capkit.model.items import FilterRef


@dataclass
class Frame:
    """What a step knows about the frame it is changing."""

    index: int = 0  # the frame number on the timeline: seeds grain and glitches
    alpha: object = None  # the frame's alpha plane on the device, or None for opaque
    alpha_allowed: bool = False  # True for a clip (it may become see-through), False for a layer


Step = Callable[[object, Frame], object]


@dataclass(frozen=True)
class FilterSpec:
    id: str
    name: str
    params: tuple[Param, ...]
    prepare: Callable[[dict, tuple[int, int], object], Step | None]
    doc: str = ""
    category: str = "color"  # color | detail | stylize | key | look

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
_RESOLVERS: list[Callable[[str], FilterSpec | None]] = []


def register(spec: FilterSpec) -> FilterSpec:
    _REGISTRY[spec.id] = spec
    return spec


def add_resolver(resolve: Callable[[str], FilterSpec | None]) -> None:
    """Let ``get`` find filters that are not registered one by one (e.g. ``pack/filter`` ids of
    installed packs): ``resolve(id)`` returns a spec or None. The registry does not know packs."""
    if resolve not in _RESOLVERS:
        _RESOLVERS.append(resolve)


def _load_builtins() -> None:
    if "grade" not in _REGISTRY:
        from capkit.fx import ops  # noqa: F401  (registers on import)


def filters() -> dict[str, FilterSpec]:
    """Every registered filter by id (resolvers' filters are listed by whoever owns them)."""
    _load_builtins()
    return dict(_REGISTRY)


def get(filter_id: str) -> FilterSpec:
    _load_builtins()
    spec = _REGISTRY.get(filter_id)
    for resolve in _RESOLVERS if spec is None else ():
        spec = resolve(filter_id)
        if spec is not None:
            break
    if spec is None:
        raise RenderError(f"unknown filter {filter_id!r}; available: {', '.join(sorted(_REGISTRY))}")
    return spec


def check_filter(ref: FilterRef) -> None:
    get(ref.filter_id).resolve(ref.params)


def prepare(ref: FilterRef, size: tuple[int, int]):
    """A function applying ``ref`` (with its intensity) to RGB ndarray frames of ``size`` on the
    CPU, or None if it changes nothing. Kept for callers outside the renderer; the renderer uses
    :class:`~capkit.fx.chain.FilterChain`."""
    from capkit.fx.chain import FilterChain

    chain = FilterChain([ref], size, "cpu")
    if chain.is_identity:
        return None
    return lambda frame, index=0: chain.apply(frame, index)

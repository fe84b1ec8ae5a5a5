"""Render plans: an immutable snapshot of a project, compiled for fast per-frame questions.

The plan answers "what is visible at output frame n, and where" without touching pixels. It is
built from a deep copy of the project, so the GUI may go on editing while an export runs from a
plan. Output size may differ from the canvas (preview at half size, export at another resolution):
the canvas is scaled uniformly to fit the output and centred, like every editor letterboxes.
"""

from __future__ import annotations

import bisect
import copy
import math
from dataclasses import dataclass
from fractions import Fraction

from capkit.errors import RenderError
from capkit.fx import registry as fx_registry
from capkit.model.items import FilterItem, Item, SourcedClip
from capkit.model.project import Project
from capkit.model.time import frame_count
from capkit.model.timing import Span, track_spans


def _pack_filter(filter_id: str):
    """Filters of installed packs (``pack_id/filter_id``) for the registry; the render engine
    sits above both, so this is where the two meet."""
    if "/" not in filter_id:
        return None
    from capkit.packs import resolve

    return resolve(filter_id)


fx_registry.add_resolver(_pack_filter)


def check_filter(ref) -> None:
    """A filter reference's id and parameters are usable (built-in or from an installed pack),
    and its animated parameters exist, may be animated and keep within range at every keyframe."""
    fx_registry.check_filter(ref)
    spec = fx_registry.get(ref.filter_id)
    names = {p.name: p for p in spec.params}
    for name, keys in ref.keyframes.items():
        param = names.get(name)
        if param is None:
            raise RenderError(f"filter {ref.filter_id!r} has no parameter {name!r} to animate")
        if not param.animatable or param.kind != "float":
            raise RenderError(f"filter {ref.filter_id!r}: {name} cannot be animated (only number sliders can)")
        for key in keys:
            problem = param.check(key.value)
            if problem:
                raise RenderError(f"filter {ref.filter_id!r}: keyframe at {float(key.time):g}s: {problem}")


@dataclass(frozen=True)
class PlanLayer:
    """One visible track of the project: its spans in time order."""

    track_id: str
    kind: str
    spans: tuple[Span, ...]
    starts: tuple[Fraction, ...]

    def active(self, t: Fraction) -> list[Span]:
        """Spans on screen at ``t`` (two during a transition, else at most one), outgoing first."""
        i = bisect.bisect_right(self.starts, t)
        return [s for s in self.spans[max(0, i - 2) : i] if s.start <= t < s.end]


@dataclass(frozen=True)
class RenderPlan:
    project: Project
    width: int
    height: int
    fps: Fraction
    start: Fraction
    end: Fraction
    scale: float  # output pixels per canvas pixel
    offset: tuple[int, int]  # where the scaled canvas's top-left lands in the output
    layers: tuple[PlanLayer, ...]

    @property
    def frame_count(self) -> int:
        return frame_count(self.end - self.start, self.fps)

    @property
    def duration(self) -> Fraction:
        return self.end - self.start

    def time_of(self, n: int) -> Fraction:
        """Timeline time of output frame ``n``."""
        return self.start + Fraction(n) / self.fps

    @property
    def canvas_size(self) -> tuple[int, int]:
        """The canvas as drawn in the output, in output pixels."""
        s = self.project.settings
        return round(s.width * self.scale), round(s.height * self.scale)


def compile_plan(
    project: Project,
    *,
    width: int | None = None,
    height: int | None = None,
    fps: Fraction | None = None,
    start: Fraction | float | int = 0,
    end: Fraction | float | int | None = None,
) -> RenderPlan:
    """Snapshot ``project`` into a plan for the given output size, rate and time range."""
    snap = copy.deepcopy(project)
    s = snap.settings
    if width is None and height is None:
        width, height = s.width, s.height
    elif width is None:
        width = _even(height * s.width / s.height)
    elif height is None:
        height = _even(width * s.height / s.width)
    if width < 16 or height < 16 or width > 8192 or height > 8192:
        raise RenderError(f"output size {width}x{height} is out of range: use 16 to 8192 pixels per side")
    fps = Fraction(fps) if fps is not None else s.fps
    if fps <= 0 or fps > 240:
        raise RenderError(f"frame rate {float(fps):g} is out of range: use 1 to 240")
    start = start if isinstance(start, Fraction) else Fraction(start).limit_denominator(1_000_000)
    if snap.duration == 0:
        raise RenderError("the project is empty: add a clip, an image or some text before rendering")
    end_t = snap.duration if end is None else (end if isinstance(end, Fraction) else Fraction(end).limit_denominator(1_000_000))
    end_t = min(end_t, snap.duration)  # past the last item there is nothing to show
    if start < 0:
        raise RenderError("the start time cannot be negative")
    if end_t <= start:
        raise RenderError(
            f"nothing to render between {float(start):g}s and {float(end_t):g}s "
            f"(the project is {float(snap.duration):g}s long)"
        )
    scale = min(width / s.width, height / s.height)
    cw, ch = round(s.width * scale), round(s.height * scale)
    offset = ((width - cw) // 2, (height - ch) // 2)
    layers = []
    for track in snap.tracks:
        if track.kind == "audio" or track.hidden:
            continue
        spans = tuple(track_spans(track))
        for span in spans:
            _check_item(span.item)
        layers.append(PlanLayer(track.id, track.kind, spans, tuple(sp.start for sp in spans)))
    return RenderPlan(snap, width, height, fps, start, end_t, scale, offset, tuple(layers))


def _even(x: float) -> int:
    return max(2, int(math.floor(x / 2 + 0.5)) * 2)


def _check_item(item: Item) -> None:
    if isinstance(item, SourcedClip) and not item.source.path:
        raise RenderError(f"clip {item.name or item.id!r} has no media file")
    for ref in getattr(item, "filters", []):
        check_filter(ref)
    if isinstance(item, FilterItem):
        check_filter(item.filter)

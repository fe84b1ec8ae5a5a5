"""A camera path as keyframes: the clip fills the canvas and its ``x`` keyframes pan it.

The clip is set to ``fit="fill"`` so it covers a canvas of the target aspect; its horizontal
position ``x`` (fraction of the canvas width) is then keyframed so that the path's crop centre
sits in the middle of the canvas. The keyframes are ordinary ones, relative to the clip's start,
linear between points, so the editor shows them and they can be moved or deleted like any other;
the whole change is one undoable :class:`~capkit.model.edits.Group`.
"""

from __future__ import annotations

from fractions import Fraction

from capkit.errors import EditError
from capkit.model.edits import Edit, Group, RemoveKeyframe, SetKeyframe, SetProperty
from capkit.model.items import VideoClip
from capkit.model.keyframes import Keyframe
from capkit.model.project import Project
from capkit.reframe.analysis import ReframePath


def placement_width(project: Project, clip: VideoClip, source_size: tuple[int, int]) -> float:
    """The clip's width on a filled canvas, in canvas widths (as the renderer places it)."""
    s = project.settings
    crop = clip.transform.crop
    src_w = source_size[0] * (1 - crop.left - crop.right)
    src_h = source_size[1] * (1 - crop.top - crop.bottom)
    k = max(s.width / src_w, s.height / src_h)
    return src_w * k * clip.transform.scale / s.width


def x_for_centre(project: Project, clip: VideoClip, source_size: tuple[int, int], centre: float) -> float:
    """The clip's ``x`` that puts source position ``centre`` (fraction of the source width) in the
    middle of the canvas, moved as little as needed to keep the canvas covered."""
    crop = clip.transform.crop
    u = (centre - crop.left) / max(1e-9, 1 - crop.left - crop.right)
    w = placement_width(project, clip, source_size)
    if w <= 1:
        return 0.5
    half = 0.5 / w
    u = min(max(u, half), 1 - half)
    return 0.5 + w * (0.5 - u)


def centre_for_x(project: Project, clip: VideoClip, source_size: tuple[int, int], x: float) -> float:
    """The source position (fraction of the source width) in the middle of the canvas at ``x``."""
    crop = clip.transform.crop
    w = placement_width(project, clip, source_size)
    u = 0.5 - (x - 0.5) / w
    return crop.left + u * (1 - crop.left - crop.right)


def reframe_edit(project: Project, item_id: str, path: ReframePath, *, tolerance: float = 0.002) -> Edit:
    """The edit that applies ``path`` to the video clip ``item_id``: ``fit="fill"`` and ``x``
    keyframes (existing ``x`` keyframes are replaced). ``tolerance`` (fraction of the source width)
    is how far the keyframes' straight lines may stray from the path; fewer keyframes when larger."""
    try:
        _, clip = project.find(item_id)
    except KeyError:
        raise EditError(f"Auto-reframe: no item with id {item_id!r} in the project") from None
    if not isinstance(clip, VideoClip):
        raise EditError(f"Auto-reframe: {clip.name or item_id} is a {type(clip).SCHEMA}, not a video clip")
    fps = project.settings.fps
    keys: dict[Fraction, float] = {}
    for t, centre in path.points(tolerance):
        local = (Fraction(t).limit_denominator(1_000_000) - clip.source_in) / clip.speed
        keys[_on_frame(local, fps, clip.duration)] = x_for_centre(project, clip, path.source_size, centre)
    for edge in (Fraction(0), _on_frame(clip.duration, fps, clip.duration)):
        if edge not in keys:  # the path starts or ends outside the clip: pin the clip's own ends
            t = float(clip.source_in + edge * clip.speed)
            keys[edge] = x_for_centre(project, clip, path.source_size, path.centre_at(t))
    inside = sorted(keys)
    values = [keys[k] for k in inside]
    if max(values) - min(values) < 1e-6:
        inside, values = inside[:1], values[:1]  # a still camera needs one keyframe
    edits: list[Edit] = [SetProperty(item_id, "transform.fit", "fill")]
    edits += [RemoveKeyframe(item_id, "x", k.time) for k in clip.keyframes.get("x", [])]
    edits += [SetKeyframe(item_id, "x", Keyframe(k, round(v, 6), "linear")) for k, v in zip(inside, values)]
    return Group(edits, label="Auto-reframe")


def apply_reframe(project: Project, item_id: str, path: ReframePath, *, tolerance: float = 0.002,
                  history=None) -> Edit:
    """Apply ``path`` to clip ``item_id`` (through ``history`` when given, so it undoes as one
    step) and return the edit."""
    edit = reframe_edit(project, item_id, path, tolerance=tolerance)
    if history is not None:
        history.do(edit)
    else:
        edit.apply(project)
    return edit


def _on_frame(t: Fraction, fps: Fraction, duration: Fraction) -> Fraction:
    """``t`` rounded to the project's frame grid and kept inside the clip."""
    frame = Fraction(round(t * fps)) / fps
    return min(max(frame, Fraction(0)), duration)

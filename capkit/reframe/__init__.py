"""Auto-reframe: turn landscape footage into a vertical (or square, or 4:5) video that follows
the subject, as editable keyframes.

    from capkit.reframe import analyse, apply_reframe
    path = analyse("clip.mp4", aspect="9:16")          # faces, else motion, else saliency
    edit = apply_reframe(project, clip.id, path)        # fit="fill" + x keyframes, one undo step

- :mod:`~capkit.reframe.analysis` samples the video small and sparse and finds the subject;
- :mod:`~capkit.reframe.haar` detects faces with OpenCV's frontal-face cascade;
- :mod:`~capkit.reframe.path` smooths the positions into a calm, speed-limited camera path;
- :mod:`~capkit.reframe.apply` writes the path as keyframes on a video clip.
"""

from __future__ import annotations

from capkit.reframe.analysis import ReframePath, analyse, crop_width, parse_aspect
from capkit.reframe.apply import apply_reframe, centre_for_x, reframe_edit, x_for_centre

__all__ = [
    "ReframePath",
    "analyse",
    "apply_reframe",
    "canvas_for",
    "centre_for_x",
    "crop_width",
    "parse_aspect",
    "reframe_clip",
    "reframe_edit",
    "x_for_centre",
]


def canvas_for(aspect, width: int = 1080) -> tuple[int, int]:
    """The canvas size of ``aspect`` at ``width`` pixels wide (even sizes): 9:16 is 1080x1920."""
    w, h = parse_aspect(aspect)
    return width // 2 * 2, round(width * h / w / 2) * 2


def reframe_clip(project, item, *, history=None, progress=None, cancel=None, tolerance: float = 0.002,
                 **options):
    """Analyse the part of its media that ``item`` (a VideoClip or its id) plays, for the project's
    canvas shape, and apply the path. Returns ``(edit, path)``; ``options`` go to :func:`analyse`."""
    from capkit.errors import EditError
    from capkit.model.items import VideoClip

    clip = project.find(item)[1] if isinstance(item, str) else item
    if not isinstance(clip, VideoClip):
        raise EditError(f"Auto-reframe: {getattr(clip, 'name', '') or clip!r} is not a video clip")
    s = project.settings
    path = analyse(clip.source.path, (s.width, s.height), start=float(clip.source_in),
                   end=float(clip.source_out), progress=progress, cancel=cancel, **options)
    return apply_reframe(project, clip.id, path, tolerance=tolerance, history=history), path

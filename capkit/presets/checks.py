"""Checks before export: what would go wrong on the platform a preset is for.

Each finding is a :class:`Finding` with a short code, one readable line and, where it has one, the
timeline time it is about. Nothing is fixed silently: the CLI prints the list (``capkit check``,
``capkit render --preset``) and can fail on it; the GUI shows it in the export dialog.

- ``too-long`` / ``too-short``: the project's length against the preset's limits.
- ``aspect``: a canvas of another shape than the preset's frame (it would be letterboxed), or a
  landscape canvas where the platform wants square or taller.
- ``ui-zone``: a text or caption item whose drawn pixels reach into the part of the frame the app's
  buttons and labels cover (checked at the item's start, middle and end, with its animation).
- ``missing-media``: media files that are not where the project says.
- ``fps`` / ``sample-rate``: a project rate the export will convert.
- ``loud`` / ``quiet``: the mix's true peak above the preset's ceiling, or its loudness far under
  the target (only reported when the export will not normalise it).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from capkit.model.caption_items import CaptionItem
from capkit.model.items import TextItem
from capkit.model.project import Project
from capkit.presets import Preset


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    time: Fraction | None = None

    def __str__(self) -> str:
        return self.message


def _fmt(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:04.1f}" if m else f"{s:.1f} s"


def check(project: Project, preset: Preset, *, loudness: bool = False, normalise: bool = True) -> list[Finding]:
    """Everything about ``project`` that does not fit ``preset`` (empty: ready to upload).

    ``loudness`` also measures the mix (a pass over all the project's sound); ``normalise`` says
    whether the export will normalise loudness (then only a mix that cannot reach the target
    is reported)."""
    found: list[Finding] = []
    duration = float(project.duration)
    if preset.max_seconds is not None and duration > preset.max_seconds:
        found.append(Finding("too-long", f"the project is {_fmt(duration)} long; {preset.title} allows at most "
                                         f"{_fmt(preset.max_seconds)}: cut {_fmt(duration - preset.max_seconds)}"))
    if duration < preset.min_seconds:
        found.append(Finding("too-short", f"the project is {_fmt(duration)} long; {preset.title} needs at least "
                                          f"{_fmt(preset.min_seconds)}"))
    s = project.settings
    canvas = Fraction(s.width, s.height)
    if preset.aspect_rule == "square-or-taller" and s.width > s.height:
        found.append(Finding("aspect", f"the canvas is landscape ({s.width}x{s.height}); {preset.title} must be "
                                       "square or taller: use a 9:16 canvas or reframe the clips"))
    elif preset.aspect_rule == "exact" and canvas != preset.aspect:
        found.append(Finding("aspect", f"the canvas is {s.width}x{s.height} but {preset.title} is "
                                       f"{preset.width}x{preset.height}: the picture will get bars"))
    if s.fps != preset.fps:
        found.append(Finding("fps", f"the project runs at {float(s.fps):g} fps; the export converts it to "
                                    f"{preset.fps} fps (frames are repeated or dropped)"))
    if s.sample_rate != preset.audio.sample_rate:
        found.append(Finding("sample-rate", f"the project's sound is {s.sample_rate} Hz; {preset.title} wants "
                                            f"{preset.audio.sample_rate} Hz"))
    from capkit.io.project_file import missing_media

    for path in missing_media(project):
        found.append(Finding("missing-media", f"missing media: {path} (relink it or the export fails)"))
    found += _ui_zones(project, preset)
    if loudness:
        found += _sound(project, preset, normalise)
    return found


def _zones(preset: Preset) -> list[tuple[str, tuple[int, int, int, int]]]:
    z, w, h = preset.safe_zone, preset.width, preset.height
    out = []
    if z.top:
        out.append((f"the top {z.top} px (status and tabs)", (0, 0, w, z.top)))
    if z.bottom:
        out.append((f"the bottom {z.bottom} px (caption, names and music)", (0, h - z.bottom, w, h)))
    if z.left:
        out.append((f"the left {z.left} px", (0, 0, z.left, h)))
    if z.right:
        out.append((f"the right {z.right} px (the buttons)", (w - z.right, 0, w, h)))
    return out


def _ink(frame_with, frame_without):
    import numpy as np

    diff = np.abs(frame_with.astype(np.int16) - frame_without.astype(np.int16)).max(axis=2) > 24
    ys, xs = np.nonzero(diff)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _ui_zones(project: Project, preset: Preset) -> list[Finding]:
    """Render each text/caption item alone over a flat frame at the preset's size and see where
    its pixels land (so fonts, wrapping, stroke, animation and the canvas-to-frame fit all count)."""
    import copy

    from capkit.model.project import Track
    from capkit.render.frames import FrameRenderer
    from capkit.render.plan import compile_plan

    zones = _zones(preset)
    if not zones:
        return []
    found: list[Finding] = []
    for track in project.tracks:
        if track.hidden or track.kind not in ("text", "caption"):
            continue
        for item in track.items:
            if not isinstance(item, (TextItem, CaptionItem)):
                continue
            solo = copy.deepcopy(project)
            solo.tracks = [Track(kind=track.kind, items=[copy.deepcopy(item)])]
            solo.settings.background = "#808080"  # mid grey: both light text and dark outlines show
            times = sorted({item.start + item.duration * k for k in (Fraction(1, 10), Fraction(1, 2), Fraction(9, 10))})
            hits: dict[str, None] = {}
            with FrameRenderer(compile_plan(solo, width=preset.width, height=preset.height, end=item.end)) as r:
                blank = r.blank()
                for t in times:
                    box = _ink(r.render_at(t), blank)
                    if box is None:
                        continue
                    for label, (x0, y0, x1, y1) in zones:
                        if box[0] < x1 and x0 < box[2] and box[1] < y1 and y0 < box[3]:
                            hits[label] = None
            if hits:
                what = "caption" if isinstance(item, CaptionItem) else "text"
                text = " ".join(item.text.split())
                text = text if len(text) <= 30 else text[:29] + "…"
                found.append(Finding("ui-zone", f"{what} {text!r} at {_fmt(float(item.start))} reaches into "
                                                f"{' and '.join(hits)} where {preset.title} draws its interface; "
                                                "move it towards the middle", item.start))
    return found


def _sound(project: Project, preset: Preset, normalise: bool) -> list[Finding]:
    from capkit.render.audio_mix import AudioMixer
    from capkit.render.loudness import LoudnessMeter

    if project.duration <= 0:
        return []
    with AudioMixer(project, limiter=False) as mixer:
        meter = LoudnessMeter(mixer.sample_rate, mixer.channels)
        block = mixer.sample_rate
        left = mixer.total_samples
        while left > 0:
            n = min(block, left)
            meter.add(mixer.read(n))
            left -= n
    result = meter.result()
    target, ceiling = preset.loudness.integrated_lufs, preset.loudness.true_peak_dbtp
    found = []
    if result.integrated_lufs is None or result.integrated_lufs == float("-inf"):
        return [Finding("quiet", "the project is silent")]
    if normalise:
        return found
    if result.true_peak_dbtp > ceiling:
        found.append(Finding("loud", f"the mix peaks at {result.true_peak_dbtp:+.1f} dBTP, over {preset.title}'s "
                                     f"{ceiling:+.1f} dBTP: it may distort after upload"))
    if result.integrated_lufs < target - 3:
        found.append(Finding("quiet", f"the mix is {result.integrated_lufs:.1f} LUFS, quieter than {preset.title}'s "
                                      f"{target:.0f} LUFS: it will sound weak next to other videos"))
    return found


__all__ = ["Finding", "check"]

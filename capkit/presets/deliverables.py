"""One project, several deliverables: a copy of the project made for another frame shape.

Exporting a 9:16 edit for YouTube 16:9 by scaling it would give a narrow picture between black
bars. :func:`adapt` instead makes a copy whose canvas is the preset's frame and re-places what is
on it, the way an editor would by hand:

- **video clips** fill the new canvas. A clip whose source has the new canvas's shape is centred
  (its old pan keyframes dropped); any other is auto-reframed for the new shape
  (:mod:`capkit.reframe`: faces, else motion, else saliency, as ``x`` keyframes). Images and colour
  clips fill and centre.
- **captions** take their style's place for the new shape: on a landscape canvas low and centred,
  on a portrait or square one where the style puts them; sizes follow the canvas's shorter side.
- **text** keeps its place as a fraction of the canvas, its sizes scaled by the shorter side.

The original project is never changed. What was done is returned as readable lines for the CLI.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from fractions import Fraction

from capkit.model.caption_items import CaptionItem, scale_text_style
from capkit.model.items import ColorClip, ImageClip, TextItem, VideoClip
from capkit.model.project import Project
from capkit.presets import Preset


@dataclass
class Adapted:
    project: Project
    notes: list[str] = field(default_factory=list)


def needs_adapting(project: Project, preset: Preset) -> bool:
    s = project.settings
    return Fraction(s.width, s.height) != preset.aspect


def adapt(project: Project, preset: Preset, *, reframe: bool = True, progress=None, cancel=None) -> Adapted:
    """A copy of ``project`` laid out for ``preset``'s frame (see the module docstring)."""
    from capkit.media.probe import probe

    out = copy.deepcopy(project)
    old_w, old_h = out.settings.width, out.settings.height
    new_w, new_h = preset.width, preset.height
    out.settings.width, out.settings.height = new_w, new_h
    k = min(new_w, new_h) / min(old_w, old_h)
    landscape = new_w > new_h
    notes: list[str] = []
    for track in out.tracks:
        track.locked = False  # the copy is ours to change
    reframed = centred = captions = 0
    for item in list(out.items()):
        if isinstance(item, VideoClip) and item.transform.fit != "stretch":
            info = probe(item.source.path).video
            src = Fraction(info.display_width, info.display_height) if info else None
            item.keyframes.pop("x", None)
            item.transform.x = 0.5
            item.transform.fit = "fill"
            if src == Fraction(new_w, new_h) or not reframe:
                centred += 1
            else:
                from capkit.reframe import reframe_clip

                reframe_clip(out, item, progress=progress, cancel=cancel)
                reframed += 1
        elif isinstance(item, (ImageClip, ColorClip)) and item.transform.fit != "stretch":
            item.transform.fit = "fill"
        elif isinstance(item, CaptionItem):
            style = item.style
            scale_text_style(style.text, k)
            if style.active is not None and style.active.box is not None:
                style.active.box.padding *= k
                style.active.box.radius *= k
            if landscape:
                item.transform.x, item.transform.y, style.text.max_width = 0.5, 0.85, 0.8
            else:
                item.transform.x, item.transform.y = style.x, style.y
            captions += 1
        elif isinstance(item, TextItem):
            scale_text_style(item.style, k)
    shape = f"{new_w}x{new_h}"
    if reframed:
        notes.append(f"{reframed} clip(s) reframed for {shape}")
    if centred:
        notes.append(f"{centred} clip(s) centred (already {shape} in shape)" if reframe else
                     f"{centred} clip(s) centred")
    if captions:
        notes.append(f"{captions} caption(s) placed for {'landscape' if landscape else 'portrait'}")
    return Adapted(out, notes)


__all__ = ["Adapted", "adapt", "needs_adapting"]

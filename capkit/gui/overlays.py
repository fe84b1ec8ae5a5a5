"""What the preview draws over the frame: platform safe zones and the selected item's handles.

Pure geometry, no widgets: rectangles are ``(x, y, w, h)`` in canvas pixels (the project's
``settings.width`` x ``settings.height``), and the preview maps them to the screen. The safe zones
are the export presets' ``safe_zone`` numbers (``resources/presets/*.json``, from
``PLATFORMS.md``), scaled from the preset's frame to the canvas. An item's box is worked out the way
:class:`capkit.render.frames.FrameRenderer` places it (fit, scale, animation, the text raster's
size and anchor), so the box hugs what is drawn.

A drag turns into edits here too: :func:`drag_edit` gives the one undo step a move or a corner
drag makes (``SetProperty`` of ``transform.x``/``transform.y`` or ``transform.scale``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

from capkit.model.caption_items import CaptionItem
from capkit.model.edits import Edit, Group, SetProperty
from capkit.model.items import (
    AudioClip,
    ColorClip,
    FilterItem,
    Item,
    TextItem,
)
from capkit.model.project import Project

SAFE_ZONE_PRESETS = ("tiktok", "reels", "shorts")
HANDLE = 10  # screen pixels: how near a corner counts as grabbing it
MIN_SCALE, MAX_SCALE = 0.01, 100.0

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Zone:
    label: str
    rect: Rect  # canvas pixels


@functools.cache
def _preset(name: str):
    from capkit.presets import load_preset

    return load_preset(name)


def safe_zones(preset_name: str, canvas: tuple[int, int]) -> list[Zone]:
    """The areas a platform's interface covers, as bands on a canvas of size ``canvas``."""
    p = _preset(preset_name)
    z = p.safe_zone
    cw, ch = canvas
    kx, ky = cw / p.width, ch / p.height
    out = []
    if z.top:
        out.append(Zone(f"{p.title}: status and tabs", (0, 0, cw, z.top * ky)))
    if z.bottom:
        out.append(Zone(f"{p.title}: caption, name, music", (0, ch - z.bottom * ky, cw, z.bottom * ky)))
    if z.left:
        out.append(Zone(f"{p.title}: left edge", (0, 0, z.left * kx, ch)))
    if z.right:
        out.append(Zone(f"{p.title}: buttons", (cw - z.right * kx, 0, z.right * kx, ch)))
    return out


def safe_zone_title(preset_name: str) -> str:
    return _preset(preset_name).title


@functools.lru_cache(maxsize=256)
def _media_size(path: str) -> tuple[int, int]:
    from capkit.media.probe import probe

    info = probe(path)
    video = info.video
    return video.display_width, video.display_height


def movable(item: Item) -> bool:
    """Items the preview can move and scale: what is drawn in the frame with a transform."""
    return not isinstance(item, (AudioClip, FilterItem)) and hasattr(item, "transform")


def item_bounds(project: Project, item: Item, t: Fraction, scale: float = 1.0) -> Rect | None:
    """The item's box in canvas pixels at timeline time ``t`` (None: nothing drawn then).

    ``scale`` is the preview's output pixels per canvas pixel: text is rasterised at it, so the
    box comes from the same cached raster the preview frame used."""
    from capkit.render.animate import look_at

    if not movable(item) or not item.start <= t < item.end:
        return None
    cw, ch = project.settings.width, project.settings.height
    look = look_at(item, t)
    cx, cy = look.x * cw, look.y * ch
    if isinstance(item, (TextItem, CaptionItem)):
        base = max(0.01, item.transform.scale)
        if isinstance(item, TextItem):
            from capkit.render.text import render_text

            if not item.text.strip():
                return None
            raster = render_text(item.text, item.style, canvas_width=cw, scale=scale * base)
        else:
            from capkit.render.captions import render_caption

            raster = render_caption(item, t - item.start, canvas_width=cw, scale=scale * base)
            if raster is None:
                return None
        h, w = raster.rgba.shape[:2]
        ax, ay = raster.anchor
        k = (look.scale / base) / scale
        return (cx - ax * k, cy - ay * k, w * k, h * k)
    if isinstance(item, ColorClip):
        src_w, src_h = cw, ch
    elif getattr(item, "source", None) is not None:
        try:
            src_w, src_h = _media_size(item.source.path)
        except Exception:  # media missing or unreadable: the preview says so; no box to draw
            return None
        crop = item.transform.crop
        src_w = max(1, round(src_w * (1 - crop.left - crop.right)))
        src_h = max(1, round(src_h * (1 - crop.top - crop.bottom)))
    else:
        return None
    fit = item.transform.fit
    if fit == "stretch":
        kx, ky = cw / src_w, ch / src_h
    else:
        kx = ky = min(cw / src_w, ch / src_h) if fit == "fit" else max(cw / src_w, ch / src_h)
    w, h = src_w * kx * look.scale, src_h * ky * look.scale
    return (cx - w / 2, cy - h / 2, w, h)


def hit(rect: Rect, point: tuple[float, float], tolerance: float) -> str | None:
    """``"scale"`` near a corner, ``"move"`` inside, None elsewhere (all in the same units)."""
    x, y, w, h = rect
    px, py = point
    for cx, cy in ((x, y), (x + w, y), (x, y + h), (x + w, y + h)):
        if abs(px - cx) <= tolerance and abs(py - cy) <= tolerance:
            return "scale"
    if x <= px <= x + w and y <= py <= y + h:
        return "move"
    return None


def corners(rect: Rect) -> list[tuple[float, float]]:
    x, y, w, h = rect
    return [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]


@dataclass
class Drag:
    """A gesture on the preview, in canvas pixels: what was grabbed and where the pointer is."""

    item_id: str
    mode: str  # "move" or "scale"
    rect: Rect  # the box when grabbed
    start: tuple[float, float]
    now: tuple[float, float]
    x: float  # the transform when grabbed
    y: float
    scale: float

    def factor(self) -> float:
        """How much a corner drag scales: distance from the box centre now over when grabbed."""
        x, y, w, h = self.rect
        cx, cy = x + w / 2, y + h / 2
        d0 = math.hypot(self.start[0] - cx, self.start[1] - cy)
        d1 = math.hypot(self.now[0] - cx, self.now[1] - cy)
        if d0 < 1e-6:
            return 1.0
        return max(MIN_SCALE / max(self.scale, 1e-9), min(MAX_SCALE / max(self.scale, 1e-9), d1 / d0))

    def moved_rect(self) -> Rect:
        """The box as the gesture would leave it (drawn while dragging)."""
        x, y, w, h = self.rect
        if self.mode == "move":
            return (x + self.now[0] - self.start[0], y + self.now[1] - self.start[1], w, h)
        k = self.factor()
        cx, cy = x + w / 2, y + h / 2
        return (cx - w * k / 2, cy - h * k / 2, w * k, h * k)


def drag_edit(drag: Drag, canvas: tuple[int, int]) -> Edit | None:
    """The one undo step the gesture makes (None if it did not change anything)."""
    if drag.mode == "move":
        dx, dy = drag.now[0] - drag.start[0], drag.now[1] - drag.start[1]
        if abs(dx) < 0.5 and abs(dy) < 0.5:
            return None
        x = round(drag.x + dx / canvas[0], 4)
        y = round(drag.y + dy / canvas[1], 4)
        return Group([SetProperty(drag.item_id, "transform.x", x), SetProperty(drag.item_id, "transform.y", y)],
                     label="Move in preview")
    k = drag.factor()
    if abs(k - 1) < 1e-3:
        return None
    scale = round(min(MAX_SCALE, max(MIN_SCALE, drag.scale * k)), 4)
    return Group([SetProperty(drag.item_id, "transform.scale", scale)], label="Scale in preview")

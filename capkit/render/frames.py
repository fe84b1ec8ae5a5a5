"""Frames from a plan: the one function that draws what the viewer sees at frame n.

Preview, export, the CLI and batch workers all call :class:`FrameRenderer`, so a preview frame is the
exported frame. Tracks are drawn bottom to top with alpha "over"; filter tracks change everything
drawn below them; a transition draws its two clips according to its kind and progress.
"""

from __future__ import annotations

import math
from fractions import Fraction

import cv2
import numpy as np

from capkit.fx.chain import FilterChain
from capkit.model.color import rgba
from capkit.model.caption_items import CaptionItem
from capkit.model.items import ColorClip, FilterItem, Item, SourcedClip, TextItem
from capkit.model.keyframes import evaluate
from capkit.model.timing import Span
from capkit.render.animate import Look, look_at
from capkit.render.compositor import blend_into, fill_rect, place_rotated, place_scaled, scale_image
from capkit.render.plan import RenderPlan
from capkit.render.sources import SourcePool


class FrameRenderer:
    def __init__(self, plan: RenderPlan, pool: SourcePool | None = None) -> None:
        self.plan = plan
        self.pool = pool or SourcePool()
        self._fx_cache: dict[tuple, FilterChain | None] = {}
        s = plan.project.settings
        cw, ch = plan.canvas_size
        self._canvas_rect = (plan.offset[0], plan.offset[1], plan.offset[0] + cw, plan.offset[1] + ch)
        self._background = rgba(s.background)
        self._blank = np.zeros((plan.height, plan.width, 3), np.uint8)
        fill_rect(self._blank, self._canvas_rect, self._background)

    # --- public ---------------------------------------------------------------------------

    def render(self, n: int) -> np.ndarray:
        """Output frame ``n`` (counted from the plan's start) as an RGB array."""
        return self.render_at(self.plan.time_of(n))

    def render_at(self, t: Fraction) -> np.ndarray:
        frame = self._blank.copy()
        live: set[str] = set()
        for layer in self.plan.layers:
            spans = layer.active(t)
            for span in spans:
                live.add(span.item.id)
            if not spans:
                continue
            if layer.kind == "filter":
                for span in spans:
                    self._apply_filter_item(frame, span.item, t)
            elif len(spans) == 2:
                self._draw_transition(frame, spans[0], spans[1], t)
            else:
                self._draw_span(frame, spans[0], t)
        self.pool.release(live)
        return frame

    def blank(self) -> np.ndarray:
        """A frame with nothing on it: the background inside the canvas, black bars outside."""
        return self._blank.copy()

    def close(self) -> None:
        self.pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- drawing --------------------------------------------------------------------------

    def _draw_span(self, frame: np.ndarray, span: Span, t: Fraction, opacity: float = 1.0,
                   shift: tuple[float, float] = (0.0, 0.0)) -> None:
        item = span.item
        look = look_at(item, t)
        if isinstance(item, TextItem):
            self._draw_text(frame, item, look, opacity, shift)
        elif isinstance(item, CaptionItem):
            self._draw_caption(frame, item, t, look, opacity, shift)
        else:
            self._draw_visual(frame, item, t, look, opacity, shift)

    def _draw_transition(self, frame: np.ndarray, out_span: Span, in_span: Span, t: Fraction) -> None:
        trans, p, _ = in_span.transition_progress(t)
        if trans is None:  # two items overlapping without a transition cannot happen on one track
            self._draw_span(frame, in_span, t)
            return
        cw, ch = self.plan.canvas_size
        if trans.kind == "crossfade":
            self._draw_span(frame, out_span, t)
            self._draw_span(frame, in_span, t, opacity=p)
        elif trans.kind == "dip_to_black":
            self._draw_span(frame, out_span if p < 0.5 else in_span, t)
            darkness = 1 - abs(1 - 2 * p)
            fill_rect(frame, self._canvas_rect, (0, 0, 0, 255), darkness)
        elif trans.kind == "slide":
            dx, dy = {"left": (-cw, 0), "right": (cw, 0), "up": (0, -ch), "down": (0, ch)}[trans.direction]
            self._draw_span(frame, out_span, t, shift=(dx * p, dy * p))
            self._draw_span(frame, in_span, t, shift=(-dx * (1 - p), -dy * (1 - p)))
        else:  # wipe: the incoming clip is revealed by an edge moving in `direction`
            self._draw_span(frame, out_span, t)
            incoming = frame.copy()
            self._draw_span(incoming, in_span, t)
            x0, y0, x1, y1 = self._canvas_rect
            if trans.direction == "left":
                cut = round(x1 - (x1 - x0) * p)
                frame[:, cut:x1] = incoming[:, cut:x1]
            elif trans.direction == "right":
                cut = round(x0 + (x1 - x0) * p)
                frame[:, x0:cut] = incoming[:, x0:cut]
            elif trans.direction == "up":
                cut = round(y1 - (y1 - y0) * p)
                frame[cut:y1] = incoming[cut:y1]
            else:
                cut = round(y0 + (y1 - y0) * p)
                frame[y0:cut] = incoming[y0:cut]

    def _draw_visual(self, frame: np.ndarray, item: Item, t: Fraction, look: Look, opacity: float,
                     shift: tuple[float, float]) -> None:
        if isinstance(item, ColorClip):
            cw, ch = self.plan.canvas_size
            pixels = None
            src_w, src_h = cw, ch
            color = rgba(item.color)
        else:
            if isinstance(item, SourcedClip):
                pixels = self.pool.video_frame(item, item.source_time(t))
            else:
                pixels = self.pool.image(item)
            pixels = _crop(pixels, item.transform.crop)
            src_h, src_w = pixels.shape[:2]
        x, y, w, h = self._placement(item, look, src_w, src_h, shift)
        alpha = opacity * look.opacity
        if pixels is None:
            if look.rotation % 360 == 0:
                fill_rect(frame, (round(x), round(y), round(x + w), round(y + h)), color, alpha)
                return
            pixels = np.empty((max(1, round(h)), max(1, round(w)), 4), np.uint8)
            pixels[:] = color
        filters = getattr(item, "filters", None)
        if filters:
            pixels = self._filtered(pixels, filters, (round(w), round(h)), item, t)
        if look.rotation % 360 == 0:
            place_scaled(frame, pixels, (x, y, w, h), alpha)
        else:
            place_rotated(frame, pixels, (x + w / 2, y + h / 2), (w, h), look.rotation, alpha)

    def _placement(self, item: Item, look: Look, src_w: int, src_h: int,
                   shift: tuple[float, float]) -> tuple[float, float, float, float]:
        """The item's rectangle (x, y, w, h) in output pixels before rotation."""
        cw, ch = self.plan.canvas_size
        fit = item.transform.fit
        if fit == "stretch":
            kx, ky = cw / src_w, ch / src_h
        else:
            k = min(cw / src_w, ch / src_h) if fit == "fit" else max(cw / src_w, ch / src_h)
            kx = ky = k
        w, h = src_w * kx * look.scale, src_h * ky * look.scale
        cx = self.plan.offset[0] + look.x * cw + shift[0]
        cy = self.plan.offset[1] + look.y * ch + shift[1]
        return cx - w / 2, cy - h / 2, w, h

    def _filtered(self, pixels: np.ndarray, filters, size: tuple[int, int], item: Item, t: Fraction) -> np.ndarray:
        """Per-clip filters run on the clip at its on-screen size (cheaper when it is shown smaller,
        and size-dependent effects such as a vignette fit what is seen). A clip blown up far past
        the frame is filtered at its own size instead. A keying filter may give the clip alpha."""
        w, h = max(1, size[0]), max(1, size[1])
        has_alpha = pixels.shape[2] == 4
        rgb = np.ascontiguousarray(pixels[:, :, :3]) if has_alpha else pixels
        alpha = pixels[:, :, 3] if has_alpha else None
        on_screen_ok = w * h <= 4 * self.plan.width * self.plan.height
        resized = (rgb.shape[1], rgb.shape[0]) != (w, h) and on_screen_ok
        if resized:
            shrink = w < rgb.shape[1]
            rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
            if alpha is not None:
                alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
        chain = self._prepared(filters, (rgb.shape[1], rgb.shape[0]), item.id)
        if chain is None:
            return pixels if not resized else (np.dstack([rgb, alpha]) if alpha is not None else rgb)
        # Filters return new frames, so source frames shared with the reader's cache stay intact.
        rgb, alpha = chain.apply_alpha(rgb, alpha, self._frame_index(t), _animated(filters, t - item.start))
        return np.dstack([rgb, alpha]) if alpha is not None else rgb

    def _prepared(self, refs, size: tuple[int, int], owner: str) -> FilterChain | None:
        """The filter chain for ``refs`` at ``size`` (None when it changes nothing), made once."""
        key = (owner, tuple((r.filter_id, repr(sorted(r.params.items())), r.intensity) for r in refs), size)
        if key not in self._fx_cache:
            chain = FilterChain(refs, size)
            still = chain.is_identity and not any(r.keyframes for r in refs)
            self._fx_cache[key] = None if still else chain
        return self._fx_cache[key]

    def _frame_index(self, t: Fraction) -> int:
        """The frame number at ``t`` at the project's own rate: what seeds grain and glitches, so a
        frame looks the same in a preview and in an export at another rate."""
        return math.floor(t * self.plan.project.settings.fps)

    def _apply_filter_item(self, frame: np.ndarray, item: FilterItem, t: Fraction) -> None:
        x0, y0, x1, y1 = self._canvas_rect
        chain = self._prepared([item.filter], (x1 - x0, y1 - y0), item.id)
        if chain is None:
            return
        whole = (x1 - x0, y1 - y0) == (frame.shape[1], frame.shape[0])
        region = frame if whole else frame[y0:y1, x0:x1]
        # A filter layer has no alpha of its own: a key there replaces the colour it removes.
        out, _ = chain.apply_alpha(region if whole else np.ascontiguousarray(region), None,
                                   self._frame_index(t), _animated([item.filter], t - item.start),
                                   alpha_allowed=False)
        region[:] = out

    def _draw_text(self, frame: np.ndarray, item: TextItem, look: Look, opacity: float,
                   shift: tuple[float, float]) -> None:
        from capkit.render.text import render_text

        if not item.text.strip() or look.opacity <= 0 or look.scale <= 0:
            return
        base = max(0.01, item.transform.scale)
        raster = render_text(
            item.text, item.style, canvas_width=self.plan.project.settings.width,
            scale=self.plan.scale * base, visible_chars=look.visible_chars,
        )
        self._draw_raster(frame, raster, look, look.scale / base, opacity, shift)

    def _draw_caption(self, frame: np.ndarray, item: CaptionItem, t: Fraction, look: Look, opacity: float,
                      shift: tuple[float, float]) -> None:
        from capkit.render.captions import render_caption

        if look.opacity <= 0 or look.scale <= 0:
            return
        base = max(0.01, item.transform.scale)
        raster = render_caption(item, t - item.start, canvas_width=self.plan.project.settings.width,
                                scale=self.plan.scale * base)
        if raster is not None:
            self._draw_raster(frame, raster, look, look.scale / base, opacity, shift)

    def _draw_raster(self, frame: np.ndarray, raster, look: Look, factor: float, opacity: float,
                     shift: tuple[float, float]) -> None:
        """Put a text or caption raster's anchor on the item's position, scaled by ``factor``
        (an animation on top of the size it was rasterised at) and rotated about the anchor."""
        image, (ax, ay) = raster.rgba, raster.anchor
        cw, ch = self.plan.canvas_size
        cx = self.plan.offset[0] + look.x * cw + shift[0]
        cy = self.plan.offset[1] + look.y * ch + shift[1]
        alpha = opacity * look.opacity
        if look.rotation % 360 == 0:
            if abs(factor - 1) >= 1e-3:
                image = scale_image(image, factor)
                ax, ay = ax * factor, ay * factor
            blend_into(frame, image, round(cx - ax), round(cy - ay), alpha)
        else:
            h, w = image.shape[:2]
            # rotate about the anchor: the image centre sits at anchor-relative offset from (cx, cy)
            ox, oy = (w / 2 - ax) * factor, (h / 2 - ay) * factor
            rad = math.radians(look.rotation)
            rx = ox * math.cos(rad) - oy * math.sin(rad)
            ry = ox * math.sin(rad) + oy * math.cos(rad)
            place_rotated(frame, image, (cx + rx, cy + ry), (w * factor, h * factor), look.rotation, alpha)


def _animated(refs, local: Fraction) -> list[dict | None] | None:
    """Per-filter parameter values at item-relative time ``local`` (None: nothing is animated)."""
    if not any(r.keyframes for r in refs):
        return None
    return [{**r.params, **{name: evaluate(keys, local, 0.0) for name, keys in r.keyframes.items()}}
            if r.keyframes else None for r in refs]


def _crop(pixels: np.ndarray, crop) -> np.ndarray:
    if crop.is_empty():
        return pixels
    h, w = pixels.shape[:2]
    x0, x1 = round(w * crop.left), w - round(w * crop.right)
    y0, y1 = round(h * crop.top), h - round(h * crop.bottom)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return pixels[:1, :1]
    return pixels[y0:y1, x0:x1]


__all__ = ["FrameRenderer"]

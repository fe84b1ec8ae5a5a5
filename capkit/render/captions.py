"""Caption rasters: a caption item at one moment, with the spoken word highlighted.

Each word is rasterised on its own by the text renderer (:func:`capkit.render.text.render_text`,
so fonts, fallback, shaping, stroke and shadow are the same as for text items) and the words are
put side by side here:

1. *Lines* come from the words' ``break_after`` flags, then each line is wrapped greedily at the
   style's ``max_width`` of the canvas, using word widths at canvas size (so preview and export break
   alike). A line whose first strong character is right-to-left is laid out right to left.
2. *States*: at item-relative time ``t`` a word is *upcoming* (not started: ``upcoming_color``),
   *spoken* (started and over: the text colour, or the active colour in karaoke mode) or *active*
   (being spoken: the active colour, the active box drawn behind it, and a size pop that eases
   from 1 to ``active.scale`` over :data:`POP_SECONDS` with a slight overshoot).
3. *Drawing*: the style's ``box`` is one rounded box behind the whole caption; then the words, the
   active one last so its box and pop lie over its neighbours; then a bilingual second line
   (``translation``) below, smaller by ``translation_scale``.

The result is a :class:`~capkit.render.text.TextRaster` whose anchor is the centre of the caption
block, placed on the item's position like a text item. Rasters are cached by everything that
changes their pixels, so a caption costs one composition per change of the spoken word.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from capkit.model.caption_items import CaptionItem, CaptionStyle
from capkit.model.color import rgba as parse_rgba
from capkit.model.items import TextStyle
from capkit.render.text import TextRaster, _rounded_rect, _strong, line_count, render_text, text_width

POP_SECONDS = Fraction(3, 25)  # 120 ms: the active word's pop
_CACHE_SIZE = 256


@dataclass(frozen=True)
class WordState:
    """How one word is drawn: its colour, whether it carries the active box, and its size factor."""

    color: str
    boxed: bool = False
    size: float = 1.0


def _ease_out_back(u: float) -> float:
    c1 = 1.70158
    return 1 + (c1 + 1) * (u - 1) ** 3 + c1 * (u - 1) ** 2


def states(item: CaptionItem, t: Fraction) -> tuple[list[int], list[WordState]]:
    """Which words are shown at item-relative time ``t`` and how each is drawn."""
    style = item.style
    words = item.words
    active = item.word_at(t)
    spoken = item.spoken_before(t)
    if style.show == "active":
        shown = [active] if active is not None else [max(0, spoken - 1)] if words else []
    else:
        shown = list(range(len(words)))
    base = style.text.color
    upcoming = style.upcoming_color or base
    aw = style.active
    out: list[WordState] = []
    for i in shown:
        if aw is not None and i == active:
            size = 1.0
            if aw.scale != 1.0:
                u = min(1.0, max(0.0, float((t - words[i].start) / POP_SECONDS)))
                size = round(1.0 + (aw.scale - 1.0) * _ease_out_back(u), 2)
            out.append(WordState(aw.color or base, aw.box is not None, size))
        elif i < spoken:
            karaoke = aw is not None and aw.mode == "karaoke" and aw.color
            out.append(WordState(aw.color if karaoke else base))
        else:
            out.append(WordState(upcoming))
    return shown, out


def _lines(texts: list[str], breaks: list[bool], widths: list[float], space: float, limit: float) -> list[list[int]]:
    lines: list[list[int]] = [[]]
    used = 0.0
    for i, w in enumerate(widths):
        if lines[-1] and used + space + w > limit:
            lines.append([])
            used = 0.0
        used += (space if lines[-1] else 0.0) + w
        lines[-1].append(i)
        if breaks[i] and i < len(widths) - 1:
            lines.append([])
            used = 0.0
    return [line for line in lines if line]


class _Canvas:
    """Premultiplied float RGBA that straight-alpha rasters are laid over."""

    def __init__(self, x0: int, y0: int, x1: int, y1: int) -> None:
        self.x0, self.y0 = x0, y0
        self.premul = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
        self.alpha = np.zeros((y1 - y0, x1 - x0), np.float32)

    def over(self, rgba: np.ndarray, left: int, top: int) -> None:
        h, w = rgba.shape[:2]
        x, y = left - self.x0, top - self.y0
        a = rgba[:, :, 3].astype(np.float32) * np.float32(1 / 255)
        keep = 1.0 - a
        region = (slice(y, y + h), slice(x, x + w))
        self.alpha[region] = self.alpha[region] * keep + a
        self.premul[region] = self.premul[region] * keep[:, :, None] + rgba[:, :, :3].astype(np.float32) * a[:, :, None]

    def fill(self, cover: np.ndarray, colour: tuple[int, int, int, int]) -> None:
        a = cover * np.float32(colour[3] / 255)
        keep = 1.0 - a
        self.alpha[...] = self.alpha * keep + a
        self.premul[...] = self.premul * keep[:, :, None] + np.float32(colour[:3]) * a[:, :, None]

    def raster(self, anchor: tuple[float, float]) -> TextRaster:
        straight = self.premul / np.maximum(self.alpha, np.float32(1e-6))[:, :, None]
        out = np.empty(self.alpha.shape + (4,), np.uint8)
        out[:, :, :3] = np.minimum(straight + 0.5, 255.0)
        out[:, :, 3] = np.minimum(self.alpha * 255.0 + 0.5, 255.0)
        out.flags.writeable = False
        return TextRaster(out, (anchor[0] - self.x0, anchor[1] - self.y0))


def _word_style(style: CaptionStyle, state: WordState) -> TextStyle:
    if state.boxed and style.active is not None:  # a word on its box needs no outline or shadow
        return dataclasses.replace(style.text, color=state.color, box=style.active.box, stroke=None, shadow=None,
                                   max_width=10.0)
    return dataclasses.replace(style.text, color=state.color, box=None, max_width=10.0)


def _compose(texts: tuple[str, ...], breaks: tuple[bool, ...], word_states: tuple[WordState, ...],
             translation: str, style: CaptionStyle, canvas_width: int, scale: float) -> TextRaster | None:
    text_style = dataclasses.replace(style.text, box=None)
    limit = style.text.max_width * canvas_width
    # the spoken word takes the room it is drawn at; a style with an active box spaces all words
    # by the box's padding more, so the box never covers a neighbour
    widths = [text_width(t, text_style) * state.size for t, state in zip(texts, word_states)]
    space = text_width(" ", text_style)
    if style.active is not None and style.active.box is not None:
        space += style.active.box.padding
    lines = _lines(list(texts), list(breaks), widths, space, limit)
    pitch = style.text.size * style.text.line_spacing
    line_w = [sum(widths[i] for i in line) + space * (len(line) - 1) for line in lines]
    words_h = pitch * len(lines)
    t_style = dataclasses.replace(text_style, size=style.text.size * style.translation_scale)
    has_translation = bool(translation.strip())
    t_lines = line_count(translation, t_style, canvas_width) if has_translation else 0
    t_w = (text_width(translation, t_style) if t_lines == 1 else limit) if has_translation else 0.0
    block_w = max(line_w + [t_w])  # the caption block: x in [0, block_w], y in [0, block_h]

    layers: list[tuple[np.ndarray, int, int, bool]] = []  # pixels, left, top, drawn last
    for n, line in enumerate(lines):
        x = {"left": 0.0, "right": block_w - line_w[n]}.get(style.text.align, (block_w - line_w[n]) / 2)
        rtl = _strong(" ".join(texts[i] for i in line)) == "R"
        for i in (reversed(line) if rtl else line):
            state = word_states[i]
            raster = render_text(texts[i], _word_style(style, state), canvas_width=canvas_width,
                                 scale=scale * state.size)
            ax, ay = raster.anchor
            cx, cy = (x + widths[i] / 2) * scale, (n + 0.5) * pitch * scale
            layers.append((raster.rgba, round(cx - ax), round(cy - ay), state.boxed or state.size != 1))
            x += widths[i] + space
    block_h = words_h
    if has_translation:
        t_raster = render_text(translation, t_style, canvas_width=canvas_width, scale=scale)
        t_h = t_style.size * t_style.line_spacing * t_lines
        gap = pitch * 0.15
        ax, ay = t_raster.anchor
        cx, cy = block_w / 2 * scale, (words_h + gap + t_h / 2) * scale
        layers.append((t_raster.rgba, round(cx - ax), round(cy - ay), False))
        block_h = words_h + gap + t_h
    if not layers:
        return None
    rects = [(x, y, x + im.shape[1], y + im.shape[0]) for im, x, y, _ in layers]
    box = None
    if style.text.box is not None:
        pad = (style.text.box.padding + (style.text.stroke.width if style.text.stroke else 0.0)) * scale
        box = (-pad, -pad, block_w * scale + pad, block_h * scale + pad)
        rects.append(box)
    canvas = _Canvas(math.floor(min(r[0] for r in rects)), math.floor(min(r[1] for r in rects)),
                     math.ceil(max(r[2] for r in rects)), math.ceil(max(r[3] for r in rects)))
    if box is not None:
        shifted = (box[0] - canvas.x0, box[1] - canvas.y0, box[2] - canvas.x0, box[3] - canvas.y0)
        cover = _rounded_rect(canvas.alpha.shape, shifted, style.text.box.radius * scale).astype(np.float32)
        canvas.fill(cover, parse_rgba(style.text.box.color))
    for im, x, y, _last in sorted(layers, key=lambda layer: layer[3]):  # the active word last
        canvas.over(im, x, y)
    return canvas.raster((block_w * scale / 2, block_h * scale / 2))


_cache: OrderedDict[tuple, TextRaster | None] = OrderedDict()
_lock = threading.Lock()


def render_caption(item: CaptionItem, t: Fraction, *, canvas_width: int, scale: float = 1.0) -> TextRaster | None:
    """The caption at item-relative time ``t`` (None when nothing is to be drawn).

    Sizes in the style are canvas pixels; ``scale`` is output pixels per canvas pixel.
    """
    shown, word_states = states(item, t)
    upper = item.style.uppercase
    texts = tuple((item.words[i].text.upper() if upper else item.words[i].text) for i in shown)
    breaks = tuple(item.words[i].break_after for i in shown)
    translation = item.translation.upper() if upper else item.translation
    if not any(s.strip() for s in texts) and not translation.strip():
        return None
    key = (texts, breaks, tuple(word_states), translation, repr(item.style), canvas_width, float(scale))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    raster = _compose(texts, breaks, tuple(word_states), translation, item.style, canvas_width, float(scale))
    with _lock:
        _cache[key] = raster
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return raster


def clear_cache() -> None:
    with _lock:
        _cache.clear()


__all__ = ["POP_SECONDS", "WordState", "clear_cache", "render_caption", "states"]

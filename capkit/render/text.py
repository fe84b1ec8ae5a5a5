"""Text rasterisation: a text item's string and style become a cropped RGBA image.

Layout happens in three steps, each cached:

1. *Line breaks* are found at the canvas size (so a half-size preview breaks lines exactly where the
   export does): explicit newlines, then greedy word wrap at ``style.max_width`` of the canvas
   width. Breaks fall after spaces and between CJK characters (never before closing punctuation);
   a word is cut only when it alone is wider than the line, and then between grapheme clusters.
2. *Placement* at the output scale: each line is cut into runs of one font (see
   :mod:`capkit.render.fonts`), each run is shaped by raqm (HarfBuzz + FriBiDi) and runs are put in
   visual order with a run-level version of the Unicode bidi algorithm. Lines are aligned inside
   the block; line pitch is ``size * line_spacing``.
3. *Drawing*: glyph coverage and stroke coverage masks come from Pillow/FreeType; shadow (shifted,
   blurred coverage), box (anti-aliased rounded rectangle) and text are composited here with
   straight-alpha "over". A translucent fill does not show the stroke through it.

The image is cropped to what can be drawn (stroke, shadow and box included) for the *full* text,
so a typewriter frame (``visible_chars``) has the same size and anchor as the finished text.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from capkit.errors import RenderError
from capkit.model.color import rgba as parse_rgba
from capkit.model.items import TextStyle
from capkit.render import fonts
from capkit.render.fonts import FontFace

RGBA = tuple[int, int, int, int]

FAUX_BOLD = 0.025
"""Synthetic bold, for a bold style drawn with a face that has no bold: added outline per side, in ems."""

CACHE_BYTES = 192 * 1024 * 1024
"""How much raster memory the render cache may hold before it drops the least recently used."""


@dataclass(frozen=True)
class TextRaster:
    """A rendered text block.

    ``rgba`` is straight (not premultiplied) RGBA, shape ``(h, w, 4)``, read-only because it is
    shared through the cache. ``anchor`` is the centre of the text block (and of its box) in this
    image's pixels; the compositor puts it on the item's position.
    """

    rgba: np.ndarray
    anchor: tuple[float, float]

    @property
    def width(self) -> int:
        return self.rgba.shape[1]

    @property
    def height(self) -> int:
        return self.rgba.shape[0]


@dataclass(frozen=True)
class _Spec:
    """A hashable snapshot of a :class:`TextStyle` with colours parsed."""

    font: str
    bold: bool
    italic: bool
    size: float
    color: RGBA
    stroke_width: float
    stroke_color: RGBA
    shadow: tuple[float, float, float, RGBA] | None  # offset x, offset y, blur, colour
    box: tuple[float, float, RGBA] | None  # padding, radius, colour
    align: str
    line_spacing: float
    max_width: float


def _colour(value: str, what: str) -> RGBA:
    try:
        return parse_rgba(value)
    except (ValueError, AttributeError) as err:
        raise RenderError(f"text style {what}: {err}") from err


def _spec(style: TextStyle) -> _Spec:
    stroke = style.stroke if style.stroke is not None and style.stroke.width > 0 else None
    shadow = style.shadow
    box = style.box
    return _Spec(
        font=style.font, bold=bool(style.bold), italic=bool(style.italic), size=float(style.size),
        color=_colour(style.color, "colour"),
        stroke_width=float(stroke.width) if stroke else 0.0,
        stroke_color=_colour(stroke.color, "stroke colour") if stroke else (0, 0, 0, 0),
        shadow=(float(shadow.offset_x), float(shadow.offset_y), float(shadow.blur),
                _colour(shadow.color, "shadow colour")) if shadow is not None else None,
        box=(float(box.padding), float(box.radius), _colour(box.color, "box colour")) if box is not None else None,
        align=style.align if style.align in ("left", "center", "right") else "center",
        line_spacing=float(style.line_spacing), max_width=float(style.max_width),
    )


# --- line breaking (at canvas size) -------------------------------------------------------------

_NO_LINE_START = set("!),.:;?]}¢°·’”‰›℃、。〉》」』】〕〗〙〛゛゜ゝゞ・ヽヾ！％），．：；？］｝～…‥ー"
                     "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NO_LINE_END = set("([{£¥‘“‹〈《「『【〔〖〘〚（［｛￡￥")


@dataclass(frozen=True)
class _Line:
    start: int  # text[start:end] is drawn; trailing spaces are left out
    end: int
    rtl: bool  # the paragraph's base direction


@dataclass(frozen=True)
class _Breaks:
    primary: FontFace
    faces: tuple[FontFace, ...]  # one per character of the text
    lines: tuple[_Line, ...]


def _direction(rtl: bool) -> str | None:
    return ("rtl" if rtl else "ltr") if fonts.HAVE_RAQM else None


def _strong(text: str) -> str | None:
    """'L' or 'R' for the first strongly directional character, None if there is none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return None


def _segments(faces: tuple[FontFace, ...], start: int, end: int):
    """Maximal ``(face, s, e)`` pieces of ``[start, end)`` drawn with one face."""
    s = start
    for i in range(start + 1, end + 1):
        if i == end or faces[i] != faces[s]:
            yield faces[s], s, i
            s = i


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _break_allowed(text: str, i: int) -> bool:
    """May a line start at ``text[i]``?"""
    before, char = text[i - 1], text[i]
    if char.isspace() or fonts.is_mark(char) or fonts.is_ignorable(char):
        return False
    if before.isspace():
        return True
    if fonts.is_ignorable(before):
        return False
    return (_is_wide(before) or _is_wide(char)) and char not in _NO_LINE_START and before not in _NO_LINE_END


def _cluster_start(text: str, i: int) -> bool:
    """Is ``i`` the start of a grapheme cluster (good enough to cut an over-long word)?"""
    char, before = text[i], text[i - 1]
    if fonts.is_mark(char) or fonts.is_ignorable(char) or before == "\u200d":
        return False
    return unicodedata.combining(before) != 9  # a virama joins the next consonant into a conjunct


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


@dataclass(frozen=True)
class _FontChoice:
    font: str
    bold: bool
    italic: bool


@lru_cache(maxsize=512)
def _breaks(text: str, font: str, bold: bool, italic: bool, size: float, limit: float) -> _Breaks:
    """Fonts per character and line breaks for ``text`` at font ``size``, lines at most ``limit`` wide."""
    chain = fonts.fallback_chain(_FontChoice(font, bold, italic), text)
    faces: list[FontFace] = []
    paragraphs = text.split("\n")
    for paragraph in paragraphs:
        faces += fonts.assign_faces(paragraph, chain) if paragraph else []
        faces.append(chain[0])  # the newline
    faces_t = tuple(faces[: len(text)])
    widths: dict[tuple[int, int], float] = {}

    def width(a: int, b: int, rtl: bool) -> float:
        if (a, b) not in widths:
            widths[a, b] = sum(fonts.load_font(face, size).getlength(text[s:e], direction=_direction(rtl))
                               for face, s, e in _segments(faces_t, a, b))
        return widths[a, b]

    lines: list[_Line] = []
    p0 = 0
    for paragraph in paragraphs:
        p1 = p0 + len(paragraph)
        rtl = _strong(paragraph) == "R"
        breaks = [i for i in range(p0 + 1, p1) if _break_allowed(text, i)]
        start = p0
        while True:
            if width(start, _rstrip(text, start, p1), rtl) <= limit:
                lines.append(_Line(start, _rstrip(text, start, p1), rtl))
                break
            candidates = [b for b in breaks if b > start]
            fit = None
            for b in candidates:
                if width(start, _rstrip(text, start, b), rtl) > limit:
                    break
                fit = b
            if fit is None:  # the first word alone is too wide: cut it between clusters
                word_end = _rstrip(text, start, candidates[0] if candidates else p1)
                cuts = [c for c in range(start + 1, word_end) if _cluster_start(text, c)]
                fit = next((c for c in reversed(cuts) if width(start, c, rtl) <= limit), None)
                if fit is None:
                    fit = cuts[0] if cuts else (candidates[0] if candidates else p1)
            lines.append(_Line(start, _rstrip(text, start, fit), rtl))
            start = fit
            if start >= p1:
                break
        p0 = p1 + 1
    return _Breaks(chain[0], faces_t, tuple(lines))


# --- placement (at output scale) ----------------------------------------------------------------


def _visual_order(classes: list[str | None], rtl: bool) -> list[int]:
    """Run indices in left-to-right drawing order (rules W/N/L2 of UAX #9, applied to whole runs)."""
    resolved = []
    for i, cls in enumerate(classes):
        if cls is None:
            before = next((c for c in reversed(classes[:i]) if c), None)
            after = next((c for c in classes[i + 1 :] if c), None)
            cls = before if before and before == after else ("R" if rtl else "L")
        resolved.append(cls)
    levels = [(1 if c == "R" else 0) if not rtl else (1 if c == "R" else 2) for c in resolved]
    order = list(range(len(classes)))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


@dataclass(frozen=True)
class _Run:
    face: FontFace
    start: int
    end: int
    x: float  # left edge of the run's advance box, raster pixels
    baseline: float
    width: float
    rtl: bool  # the run's own direction (a partly shown RTL run grows from its right edge)
    direction: str | None  # passed to raqm: the paragraph's base direction
    embolden: float  # pixels added around each glyph: a synthetic bold for faces without one


@dataclass(frozen=True)
class _Placement:
    runs: tuple[_Run, ...]
    size_px: float
    stroke_px: float
    width: int
    height: int
    anchor: tuple[float, float]
    box: tuple[float, float, float, float] | None  # x0, y0, x1, y1 in raster pixels


def _shadow_rect(ink: tuple[float, ...], spec: _Spec, scale: float) -> list[tuple[float, ...]]:
    """Where the shadow of ink inside ``ink`` can reach (a gaussian is spent by 3 sigma)."""
    if spec.shadow is None:
        return []
    dx, dy, blur, _ = spec.shadow
    reach = 3 * blur * scale / 2 + 1
    return [(ink[0] + dx * scale - reach, ink[1] + dy * scale - reach,
             ink[2] + dx * scale + reach, ink[3] + dy * scale + reach)]


def _place(text: str, spec: _Spec, canvas_width: int, scale: float) -> _Placement:
    breaks = _breaks(text, spec.font, spec.bold, spec.italic, spec.size, spec.max_width * canvas_width)
    size = max(spec.size * scale, 1.0)
    stroke = spec.stroke_width * scale
    ascent, descent = fonts.load_font(breaks.primary, size).getmetrics()
    pitch = size * spec.line_spacing
    named_file = fonts.looks_like_path(spec.font)

    def embolden(face: FontFace) -> float:
        if not spec.bold or fonts.face_weight(face) >= 600 or (named_file and face == breaks.primary):
            return 0.0
        return size * FAUX_BOLD

    laid: list[tuple[float, list[tuple[FontFace, int, int, float, str | None]], bool]] = []
    for line in breaks.lines:
        pieces = []
        for face, s, e in _segments(breaks.faces, line.start, line.end):
            w = fonts.load_font(face, size).getlength(text[s:e], direction=_direction(line.rtl))
            pieces.append((face, s, e, w, _strong(text[s:e])))
        order = _visual_order([p[4] for p in pieces], line.rtl)
        laid.append((sum(p[3] for p in pieces), [pieces[i] for i in order], line.rtl))

    block_w = max((w for w, _, _ in laid), default=0.0)
    block_h = pitch * len(laid)
    runs: list[_Run] = []
    ink = [math.inf, math.inf, -math.inf, -math.inf]
    for number, (line_w, pieces, rtl) in enumerate(laid):
        x = {"left": 0.0, "center": (block_w - line_w) / 2, "right": block_w - line_w}[spec.align]
        baseline = number * pitch + (pitch - ascent - descent) / 2 + ascent
        for face, s, e, w, strong in pieces:
            direction = _direction(rtl)
            run = _Run(face, s, e, x, baseline, w, strong == "R", direction, embolden(face))
            runs.append(run)
            if text[s:e].strip():
                left, top, right, bottom = fonts.load_font(face, size).getbbox(
                    text[s:e], anchor="ls", direction=direction, stroke_width=stroke + run.embolden)
                ink = [min(ink[0], x + left), min(ink[1], baseline + top),
                       max(ink[2], x + right), max(ink[3], baseline + bottom)]
            x += w

    if not ink[0] < ink[2]:  # nothing but spaces: no box around nothing either
        return _Placement((), size, stroke, 1, 1, (0.5, 0.5), None)
    rects = [tuple(ink), *_shadow_rect(tuple(ink), spec, scale)]
    box = None
    if spec.box is not None:
        pad = spec.box[0] * scale + stroke
        box = (-pad, -pad, block_w + pad, block_h + pad)
        rects.append(box)
    # Pillow's text boxes include the pen origin and round outwards: a canvas that surely holds
    # everything, cropped to the real ink once it is drawn (see _frame).
    x0 = math.floor(min(r[0] for r in rects)) - 2
    y0 = math.floor(min(r[1] for r in rects)) - 2
    x1 = math.ceil(max(r[2] for r in rects)) + 2
    y1 = math.ceil(max(r[3] for r in rects)) + 2
    shifted = tuple(dataclasses.replace(r, x=r.x - x0, baseline=r.baseline - y0) for r in runs)
    return _Placement(
        shifted, size, stroke, max(x1 - x0, 1), max(y1 - y0, 1), (block_w / 2 - x0, block_h / 2 - y0),
        (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0) if box else None,
    )


# --- drawing -----------------------------------------------------------------------------------


def _masks(text: str, placement: _Placement, visible: int, origin: tuple[int, int],
           size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Glyph coverage and glyph-plus-stroke coverage (uint8) of the first ``visible`` characters,
    drawn into a ``size`` image whose top-left is ``origin`` of the placement's canvas."""
    fill = Image.new("L", size)
    draw_fill = ImageDraw.Draw(fill)
    stroke = Image.new("L", size) if placement.stroke_px > 0 else None
    draw_stroke = ImageDraw.Draw(stroke) if stroke is not None else None
    for run in placement.runs:
        end = min(run.end, visible)
        if end <= run.start or not text[run.start : end].strip():
            continue
        font = fonts.load_font(run.face, placement.size_px)
        part = text[run.start : end]
        x = run.x - origin[0]
        if end < run.end and run.rtl:
            x += run.width - font.getlength(part, direction=run.direction)
        xy = (x, run.baseline - origin[1])
        draw_fill.text(xy, part, fill=255, font=font, anchor="ls", direction=run.direction,
                       stroke_width=run.embolden, stroke_fill=255)
        if draw_stroke is not None:
            draw_stroke.text(xy, part, fill=255, font=font, anchor="ls", direction=run.direction,
                             stroke_width=placement.stroke_px + run.embolden, stroke_fill=255)
    glyphs = np.asarray(fill)
    if stroke is None:
        return glyphs, glyphs
    return glyphs, np.maximum(np.asarray(stroke), glyphs)


@dataclass(frozen=True)
class _Frame:
    """The placement of the full text and the crop that fits its ink, shadow and box."""

    placement: _Placement
    origin: tuple[int, int]  # the crop's top-left on the placement's canvas
    size: tuple[int, int]  # the crop's (width, height)
    glyphs: np.ndarray  # the full text's coverage masks inside the crop (uint8)
    shape: np.ndarray

    @property
    def anchor(self) -> tuple[float, float]:
        return (self.placement.anchor[0] - self.origin[0], self.placement.anchor[1] - self.origin[1])

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        box = self.placement.box
        ox, oy = self.origin
        return (box[0] - ox, box[1] - oy, box[2] - ox, box[3] - oy) if box else None


@lru_cache(maxsize=64)
def _frame(text: str, spec: _Spec, canvas_width: int, scale: float) -> _Frame:
    placement = _place(text, spec, canvas_width, scale)
    canvas = (placement.width, placement.height)
    glyphs, shape_ = _masks(text, placement, len(text), (0, 0), canvas)
    rows, cols = np.flatnonzero(shape_.any(axis=1)), np.flatnonzero(shape_.any(axis=0))
    if not len(rows):
        empty = np.zeros((1, 1), np.uint8)
        return _Frame(dataclasses.replace(placement, anchor=(0.5, 0.5), box=None), (0, 0), (1, 1), empty, empty)
    ink = (float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1))
    rects = [ink, *_shadow_rect(ink, spec, scale)]
    if placement.box is not None:
        rects.append(placement.box)
    x0 = max(math.floor(min(r[0] for r in rects)), 0)
    y0 = max(math.floor(min(r[1] for r in rects)), 0)
    x1 = min(math.ceil(max(r[2] for r in rects)), canvas[0])
    y1 = min(math.ceil(max(r[3] for r in rects)), canvas[1])
    crop = (slice(y0, y1), slice(x0, x1))
    return _Frame(placement, (x0, y0), (x1 - x0, y1 - y0), glyphs[crop], shape_[crop])


def _rounded_rect(shape: tuple[int, int], rect: tuple[float, float, float, float], radius: float) -> np.ndarray:
    """Anti-aliased coverage of a rounded rectangle (from its signed distance)."""
    x0, y0, x1, y1 = rect
    radius = max(0.0, min(radius, (x1 - x0) / 2, (y1 - y0) / 2))
    ys = np.arange(shape[0], dtype=np.float32)[:, None] + 0.5
    xs = np.arange(shape[1], dtype=np.float32)[None, :] + 0.5
    qx = np.abs(xs - (x0 + x1) / 2) - ((x1 - x0) / 2 - radius)
    qy = np.abs(ys - (y0 + y1) / 2) - ((y1 - y0) / 2 - radius)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    inside = np.minimum(np.maximum(qx, qy), 0)
    return np.clip(0.5 - (outside + inside - radius), 0.0, 1.0)


def _composite(glyphs8: np.ndarray, shape8: np.ndarray, spec: _Spec, frame: _Frame, scale: float) -> np.ndarray:
    """Box, shadow and text, bottom to top, as straight-alpha RGBA uint8.

    Works on premultiplied colour planes (one contiguous plane per channel keeps numpy fast).
    """
    h, w = glyphs8.shape
    glyphs = glyphs8.astype(np.float32) * np.float32(1 / 255)
    shape_ = glyphs if shape8 is glyphs8 else shape8.astype(np.float32) * np.float32(1 / 255)
    premul = np.zeros((3, h, w), np.float32)
    alpha = np.zeros((h, w), np.float32)

    def over(colour, a: np.ndarray) -> None:
        keep = 1.0 - a
        alpha[...] = alpha * keep + a
        for c in range(3):
            premul[c] *= keep
            premul[c] += colour[c] * a

    if spec.box is not None and frame.box is not None:
        _pad, radius, colour = spec.box
        cover = _rounded_rect((h, w), frame.box, radius * scale)
        over(colour, cover * np.float32(colour[3] / 255.0))
    if spec.shadow is not None and shape_.any():
        dx, dy, blur, colour = spec.shadow
        moved = cv2.warpAffine(shape_, np.float32([[1, 0, dx * scale], [0, 1, dy * scale]]), (w, h),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        sigma = blur * scale / 2
        if sigma > 0.1:
            moved = cv2.GaussianBlur(moved, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_CONSTANT)
        over(colour, moved * np.float32(colour[3] / 255.0))
    fill = spec.color
    if frame.placement.stroke_px > 0:
        # Inside the glyph the fill colour, on the outline the stroke colour, mixed at the edge.
        edge = spec.stroke_color
        share = glyphs / np.maximum(shape_, np.float32(1e-6))
        colours = [edge[c] + (fill[c] - edge[c]) * share for c in range(3)]
        over(colours, shape_ * (edge[3] + (fill[3] - edge[3]) * share) * np.float32(1 / 255.0))
    else:
        over(fill, glyphs * np.float32(fill[3] / 255.0))
    inverse = 1.0 / np.maximum(alpha, np.float32(1e-6))
    planes = [np.minimum(premul[c] * inverse + 0.5, 255.0).astype(np.uint8) for c in range(3)]
    planes.append((alpha * 255.0 + 0.5).astype(np.uint8))
    return cv2.merge(planes)


# --- caching and the entry point ------------------------------------------------------------------

_pillow_lock = threading.RLock()  # FreeType faces are shared through the font cache: one user at a time


class _RasterCache:
    """Least-recently-used rasters, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, TextRaster] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> TextRaster | None:
        with self._lock:
            raster = self._items.get(key)
            if raster is not None:
                self._items.move_to_end(key)
            return raster

    def put(self, key: tuple, raster: TextRaster) -> TextRaster:
        with self._lock:
            if key in self._items:
                return self._items[key]
            self._items[key] = raster
            self._bytes += raster.rgba.nbytes
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.rgba.nbytes
            return raster

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


_cache = _RasterCache(CACHE_BYTES)


@lru_cache(maxsize=4096)
def _advance(text: str, font: str, bold: bool, italic: bool, size: float) -> float:
    faces = _breaks(text, font, bold, italic, size, math.inf).faces
    direction = _direction(_strong(text) == "R")
    return sum(fonts.load_font(face, size).getlength(text[s:e], direction=direction)
               for face, s, e in _segments(faces, 0, len(text)))


def text_width(text: str, style: TextStyle) -> float:
    """The advance width of one line of ``text`` in ``style``, in canvas pixels (what the
    caption renderer uses to put words side by side)."""
    if not text:
        return 0.0
    with _pillow_lock:
        return _advance(text, style.font, bool(style.bold), bool(style.italic), float(style.size))


def line_count(text: str, style: TextStyle, canvas_width: int) -> int:
    """How many lines ``text`` takes in ``style`` on a canvas ``canvas_width`` pixels wide."""
    with _pillow_lock:
        return len(_breaks(text, style.font, bool(style.bold), bool(style.italic), float(style.size),
                           float(style.max_width) * canvas_width).lines)


def clear_cache() -> None:
    """Forget every cached raster and layout (fonts stay loaded)."""
    _cache.clear()
    _frame.cache_clear()
    _breaks.cache_clear()
    _advance.cache_clear()


def render_text(text: str, style: TextStyle, *, canvas_width: int, scale: float = 1.0,
                visible_chars: int | None = None) -> TextRaster:
    """Rasterise ``text`` in ``style``.

    Sizes in the style are canvas pixels; ``scale`` is output pixels per canvas pixel (0.5 for a
    half-size preview). ``visible_chars`` draws only the first N characters (code points, newlines
    included) of the full text's layout, for the typewriter animation. Results are cached: the same
    arguments return the same (read-only) object.
    """
    if not isinstance(canvas_width, int) or canvas_width <= 0:
        raise RenderError(f"canvas width must be a positive number of pixels, not {canvas_width!r}")
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise RenderError(f"render scale must be a positive number, not {scale!r}")
    spec = _spec(style)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if visible_chars is not None:
        visible_chars = None if visible_chars >= len(text) else max(0, int(visible_chars))
    key = (text, spec, canvas_width, float(scale), visible_chars)
    cached = _cache.get(key)
    if cached is not None:
        return cached

    with _pillow_lock:
        frame = _frame(text, spec, canvas_width, float(scale))
        if visible_chars is None or not frame.placement.runs:
            glyphs, shape_ = frame.glyphs, frame.shape
        else:
            glyphs, shape_ = _masks(text, frame.placement, visible_chars, frame.origin, frame.size)
    pixels = _composite(glyphs, shape_, spec, frame, float(scale))
    pixels.flags.writeable = False
    return _cache.put(key, TextRaster(pixels, frame.anchor))

"""How one timeline item is drawn: a rounded box coloured by what it is, with its name.

Video and image clips show a strip of thumbnails of their source at the clip's source times,
sound clips (and the foot of video clips with sound) a waveform of the source range they play,
both looked up in the view's :class:`~capkit.gui.timeline.media_cache.MediaCache` (painting never
decodes). A clip whose media file is missing is hatched red and says so.

Unknown item kinds (a future caption item, say) are drawn in a neutral grey with their schema
name, so a newer project still shows every item it holds.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from capkit.gui.timeline.media_cache import (
    PEAKS_PER_SECOND,
    MediaCache,
    column_peaks,
    grid_time,
    time_step,
)
from capkit.model.items import Item, MediaRef

# Fill colours by item schema; the first match wins, then the grey fallback.
COLORS = {
    "VideoClip": "#3b6fb6",
    "ImageClip": "#2f8f9d",
    "ColorClip": "#5a6b8c",
    "TextItem": "#8c5bc4",
    "AudioClip": "#3e9a5c",
    "FilterItem": "#c27c35",
    "CaptionItem": "#b8456e",
}
FALLBACK = "#6f747c"
SELECTED = QColor("#ffd54a")
MISSING = QColor("#d8433a")
LABEL_BAND = QColor(10, 11, 14, 150)
DEFAULT_ASPECT = 16 / 9
FLOOR_DB = 48.0  # the waveform's quietest visible level below full scale


def item_color(item: Item) -> QColor:
    return QColor(COLORS.get(getattr(type(item), "SCHEMA", ""), FALLBACK))


def item_label(item: Item) -> str:
    text = getattr(item, "text", None)
    if isinstance(text, str) and text:
        return text.replace("\n", " ")
    if item.name:
        return item.name
    color = getattr(item, "color", None)
    if isinstance(color, str):
        return f"Colour {color}"
    return getattr(type(item), "SCHEMA", "Item")


class ClipItem(QGraphicsRectItem):
    """The box for one project item. Geometry is set by the view; the box draws itself."""

    def __init__(self, item: Item, track_id: str, rect: QRectF, *, locked: bool = False, missing: bool = False,
                 media: MediaCache | None = None, pixels_per_second: float = 60.0, pixel_ratio: float = 1.0) -> None:
        super().__init__(rect)
        self.item_id = item.id
        self.track_id = track_id
        self.label = item_label(item)
        swatch = getattr(item, "color", None)
        # A colour clip shows its colour, dimmed so the white label stays readable.
        self.color = QColor(swatch[:7]).darker(135) if isinstance(swatch, str) and swatch.startswith("#") else item_color(item)
        self.locked = locked
        self.selected = False
        self.missing = missing
        self.media = media
        self.pixels_per_second = pixels_per_second
        self.pixel_ratio = pixel_ratio
        source = getattr(item, "source", None)
        self.source = source.path if isinstance(source, MediaRef) and source.path else None
        self.source_duration = source.duration if isinstance(source, MediaRef) else None
        schema = getattr(type(item), "SCHEMA", "")
        self.pictures = schema in ("VideoClip", "ImageClip")  # a thumbnail strip
        self.still = schema == "ImageClip"
        self.sound = schema in ("VideoClip", "AudioClip")  # a waveform (video: along its foot)
        self.source_in = getattr(item, "source_in", Fraction(0))
        self.speed = getattr(item, "speed", Fraction(1))
        if missing:
            self.setToolTip(f"Missing media: {self.source}")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.setZValue(1)

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    # --- what is drawn where (also used by tests) -----------------------------------------------

    def thumb_height(self) -> int:
        """Thumbnail height in device pixels (sharp on high-density screens)."""
        return max(8, round((self.rect().height() - 5) * self.pixel_ratio))

    def thumb_slots(self, left: float | None = None, right: float | None = None) -> list[tuple[float, Fraction]]:
        """(scene x, source time) of each thumbnail from scene x ``left`` to ``right`` (default:
        the whole clip): one every thumbnail width, at the source time of its left edge."""
        if not self.pictures or self.source is None or self.media is None:
            return []
        r = self.rect()
        height = self.thumb_height()
        width = max(8, self.media.thumb_width(self.source, height, round(height * DEFAULT_ASPECT))) / self.pixel_ratio
        left = r.left() if left is None else max(left, r.left())
        right = r.right() if right is None else min(right, r.right())
        if right <= left:
            return []
        pps = self.pixels_per_second
        step = time_step(width / pps * float(self.speed))
        first = max(0, math.floor((left - r.left()) / width))
        last = math.ceil((right - r.left()) / width)
        slots = []
        for k in range(first, last):
            if self.still:
                t = Fraction(0)
            else:
                tl = Fraction(k * width / pps).limit_denominator(100_000)
                t = grid_time(self.source_in + tl * self.speed, step)
                if self.source_duration is not None and t >= self.source_duration:
                    t = grid_time(max(Fraction(0), self.source_duration - step), step)
            slots.append((r.left() + k * width, t))
        return slots

    def waveform(self, left: float | None = None, right: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """(scene x of each pixel column, its loudest level 0..1) for the clip's source range from
        scene x ``left`` to ``right``; None while the source's peaks are not made (or it has no sound)."""
        if not self.sound or self.source is None or self.media is None or self.missing:
            return None
        peaks = self.media.peaks(self.source)
        if peaks is None:
            return None
        r = self.rect()
        left = r.left() if left is None else max(left, r.left())
        right = r.right() if right is None else min(right, r.right())
        xs = np.arange(math.floor(left), math.ceil(right), dtype=np.float64)
        if len(xs) == 0:
            return xs, np.zeros(0, np.float32)
        pps, speed = self.pixels_per_second, float(self.speed)
        starts = float(self.source_in) + (xs - r.left()) / pps * speed
        levels = column_peaks(peaks, starts, starts + speed / pps, PEAKS_PER_SECOND)
        return xs, levels

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        r = self.rect().adjusted(0.5, 2.5, -0.5, -2.5)
        fill = QColor(self.color)
        if self.locked:
            fill = fill.darker(160)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QBrush(fill))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(r, 4, 4)
        exposed = option.exposedRect if option is not None else self.rect()
        painter.save()
        outline = QPainterPath()
        outline.addRoundedRect(r, 4, 4)
        painter.setClipPath(outline, Qt.ClipOperation.IntersectClip)
        if self.missing:
            painter.fillRect(r, MISSING.darker(220))
            painter.fillRect(r, QBrush(MISSING, Qt.BrushStyle.BDiagPattern))
        else:
            if self.pictures:
                self._paint_thumbnails(painter, r, exposed)
            if self.sound:
                # sound alone: under the name; under pictures: a band along the foot
                band = r.adjusted(0, 15, 0, -2) if not self.pictures else QRectF(r.left(), r.bottom() - 13, r.width(), 13)
                self._paint_waveform(painter, band, exposed, backdrop=self.pictures)
        painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        border = SELECTED if self.selected else (MISSING if self.missing else fill.lighter(140))
        painter.setPen(QPen(border, 2 if self.selected or self.missing else 1))
        painter.drawRoundedRect(r, 4, 4)
        if self.selected and r.width() > 12:
            painter.fillRect(QRectF(r.left(), r.top(), 4, r.height()), SELECTED)
            painter.fillRect(QRectF(r.right() - 4, r.top(), 4, r.height()), SELECTED)
        if r.width() > 24:
            font = QFont(painter.font())
            font.setPointSizeF(8.5)
            painter.setFont(font)
            text_rect = r.adjusted(7, 3, -6, -3)
            label = f"Missing: {self.label}" if self.missing else self.label
            text = painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(text_rect.width()))
            if self.pictures and not self.missing:  # readable over the pictures
                w = painter.fontMetrics().horizontalAdvance(text) + 8
                painter.fillRect(QRectF(text_rect.left() - 4, text_rect.top() - 1, w, painter.fontMetrics().height() + 2),
                                 LABEL_BAND)
            painter.setPen(QColor("#ffd0cc") if self.missing else QColor("#f2f2f2"))
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)

    def _paint_thumbnails(self, painter: QPainter, r: QRectF, exposed: QRectF) -> None:
        height = self.thumb_height()
        for x, t in self.thumb_slots(exposed.left() - 1, exposed.right() + 1):
            image = self.media.thumbnail(self.source, t, height)
            if image is not None:
                ratio = self.pixel_ratio
                painter.drawImage(QRectF(x, r.top(), image.width() / ratio, image.height() / ratio), image)

    def _paint_waveform(self, painter: QPainter, band: QRectF, exposed: QRectF, *, backdrop: bool) -> None:
        shape = self.waveform(exposed.left() - 1, exposed.right() + 1)
        if shape is None or len(shape[0]) == 0:
            return
        xs, levels = shape
        if backdrop:
            painter.fillRect(band, QColor(10, 11, 14, 140))
        db = 20 * np.log10(np.maximum(levels, 1e-6))
        heights = np.clip((db + FLOOR_DB) / FLOOR_DB, 0.0, 1.0) * (band.height() / 2 - 1)
        mid = band.center().y()
        painter.setPen(QPen(QColor("#b9f0c9") if not backdrop else QColor("#9fd8ff"), 1))
        painter.drawLines([QLineF(x + 0.5, mid - h, x + 0.5, mid + h) for x, h in zip(xs.tolist(), heights.tolist()) if h > 0])

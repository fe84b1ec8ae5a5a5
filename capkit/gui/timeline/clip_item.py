"""How one timeline item is drawn: a rounded box coloured by what it is, with its name.

Unknown item kinds (a future caption item, say) are drawn in a neutral grey with their schema
name, so a newer project still shows every item it holds.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from capkit.model.items import Item

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

    def __init__(self, item: Item, track_id: str, rect: QRectF, *, locked: bool = False) -> None:
        super().__init__(rect)
        self.item_id = item.id
        self.track_id = track_id
        self.label = item_label(item)
        swatch = getattr(item, "color", None)
        # A colour clip shows its colour, dimmed so the white label stays readable.
        self.color = QColor(swatch[:7]).darker(135) if isinstance(swatch, str) and swatch.startswith("#") else item_color(item)
        self.locked = locked
        self.selected = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.setZValue(1)

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        r = self.rect().adjusted(0.5, 2.5, -0.5, -2.5)
        fill = QColor(self.color)
        if self.locked:
            fill = fill.darker(160)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QBrush(fill))
        pen = QPen(SELECTED if self.selected else fill.lighter(140), 2 if self.selected else 1)
        painter.setPen(pen)
        painter.drawRoundedRect(r, 4, 4)
        if self.selected and r.width() > 12:
            painter.fillRect(QRectF(r.left(), r.top(), 4, r.height()), SELECTED)
            painter.fillRect(QRectF(r.right() - 4, r.top(), 4, r.height()), SELECTED)
        if r.width() > 24:
            painter.setPen(QColor("#f2f2f2"))
            font = QFont(painter.font())
            font.setPointSizeF(8.5)
            painter.setFont(font)
            text_rect = r.adjusted(7, 3, -6, -3)
            text = painter.fontMetrics().elidedText(self.label, Qt.TextElideMode.ElideRight, int(text_rect.width()))
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)

"""Toolbar icons drawn from font glyphs in the theme's text colour, so they read on dark panels
without shipping image files."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

GLYPHS = {
    "import": "⇩", "undo": "↶", "redo": "↷", "split": "✂", "delete": "✕", "ripple_delete": "⇤",
    "play": "▶", "zoom_in": "＋", "zoom_out": "－",
}
SIZE = 32


def glyph_icon(glyph: str, color: str = "#dfe2e8") -> QIcon:
    icon = QIcon()
    for state, shade in ((QIcon.Mode.Normal, color), (QIcon.Mode.Disabled, "#5d616a")):
        pixmap = QPixmap(SIZE, SIZE)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        font = QFont()
        font.setPixelSize(int(SIZE * 0.8))
        painter.setFont(font)
        painter.setPen(QColor(shade))
        painter.drawText(QRectF(0, 0, SIZE, SIZE), Qt.AlignmentFlag.AlignCenter, glyph)
        painter.end()
        icon.addPixmap(pixmap, state)
    return icon


def action_icon(name: str) -> QIcon | None:
    glyph = GLYPHS.get(name)
    return glyph_icon(glyph) if glyph else None

"""The text presets panel: ready-made looks for titles, subtitles, captions and lower thirds.

Double-clicking a preset (or *Add text*), or dragging it onto the timeline, puts a text item with that look at the playhead, on the
lowest text track with room, as one undo step, and selects it so the inspector shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capkit import api
from capkit.errors import CapkitError
from capkit.gui.document import Document
from capkit.gui.panels.drag import DragList
from capkit.gui.panels.replay import retarget, scratch_edit
from capkit.model.items import Shadow, Stroke, TextBox
from capkit.model.time import frame_at, frame_time


@dataclass(frozen=True)
class TextPreset:
    name: str
    text: str
    y: float
    style: dict = field(default_factory=dict)  # TextStyle fields
    animation_in: str | None = None
    animation_out: str | None = None
    duration: float = 3.0
    x: float = 0.5


PRESETS: tuple[TextPreset, ...] = (
    TextPreset("Title", "Your title", 0.3, {"size": 120, "stroke": Stroke("#000000", 6),
                                            "shadow": Shadow()}, "pop", "fade"),
    TextPreset("Subtitle", "A line to explain it", 0.42, {"size": 64, "bold": False,
                                                          "shadow": Shadow("#000000A0", 2, 3, 4)}, "fade", "fade"),
    TextPreset("Caption", "What they say", 0.72, {"size": 70, "color": "#FFE14D",
                                                  "stroke": Stroke("#000000", 8)}, "pop"),
    TextPreset("Lower third", "Name Surname", 0.82, {"size": 56, "align": "left", "max_width": 0.8,
                                                     "box": TextBox("#1B1D22D0", 22, 10)}, "slide_right", "fade",
               duration=4.0, x=0.45),
    TextPreset("Label", "NEW", 0.12, {"size": 48, "color": "#101114", "box": TextBox("#FFC000", 14, 8)}, "pop"),
)

ICON = QSize(112, 56)


def _icon(preset: TextPreset) -> QIcon:
    """A small drawing of the look: its colours on a dark card."""
    style = preset.style
    pixmap = QPixmap(ICON)
    pixmap.fill(QColor("#3a4a66"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = style.get("box")
    if box is not None:
        painter.setBrush(QColor(box.color[:7]))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(12, 16, ICON.width() - 24, ICON.height() - 32, 5, 5)
    font = QFont()
    font.setPixelSize(max(12, int(style.get("size", 72) / 5)))
    font.setBold(style.get("bold", True))
    painter.setFont(font)
    painter.setPen(QColor(style.get("color", "#FFFFFF")))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, preset.name if len(preset.name) < 9 else "Aa")
    painter.end()
    return QIcon(pixmap)


def preset_edit(project, preset: TextPreset, start):
    """The edit that adds ``preset`` at ``start`` and the new item (see :mod:`capkit.gui.panels.replay`)."""
    def add(p):
        api.add_text(p, preset.text, start=start, duration=preset.duration, x=preset.x, y=preset.y,
                     animation_in=preset.animation_in, animation_out=preset.animation_out, **preset.style)

    edit, items = scratch_edit(project, add, f"Add {preset.name.lower()}")
    return edit, items[0]


class TextPresetsPanel(QWidget):
    message = Signal(str)

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("text-presets")
        self.document = document
        self.list = DragList(lambda row: {"kind": "text", "index": self.list.row(row)}, self)
        self.list.setObjectName("text-preset-list")
        self.list.setIconSize(ICON)
        for preset in PRESETS:
            row = QListWidgetItem(_icon(preset), preset.name)
            row.setToolTip(f"{preset.name}: double-click to add it at the playhead, or drag it onto the timeline")
            self.list.addItem(row)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda row: self.add(self.list.row(row)))
        button = QPushButton("Add text at playhead", self)
        button.setObjectName("add-text")
        button.clicked.connect(lambda: self.add(self.list.currentRow()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addWidget(button)

    def add(self, index: int, start=None, track_id: str | None = None) -> bool:
        """Add preset ``index`` at ``start`` (default: the playhead), on ``track_id`` when that text
        track has room there, as one undo step."""
        doc = self.document
        preset = PRESETS[max(index, 0)]
        start = frame_time(frame_at(doc.playhead if start is None else start, doc.fps), doc.fps)
        try:
            edit, item = preset_edit(doc.project, preset, start)
            edit = retarget(doc.project, edit, item, track_id)
        except CapkitError as err:
            doc.failed.emit(str(err))
            return False
        if not doc.try_apply(edit):
            return False
        doc.select([item.id])
        self.message.emit(f"Added {preset.name.lower()} at {float(start):.2f} s")
        return True

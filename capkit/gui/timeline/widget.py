"""The timeline panel: track headers beside the view, and zoom."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from capkit.gui.document import Document
from capkit.gui.timeline.headers import TrackHeaders
from capkit.gui.timeline.view import TimelineView

ZOOM_STEP = 1.25


class TimelineWidget(QWidget):
    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.headers = TrackHeaders(document, self)
        self.view = TimelineView(document, self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.headers)
        layout.addWidget(self.view, 1)
        self.view.verticalScrollBar().valueChanged.connect(self.headers.set_offset)

    def zoom_in(self) -> None:
        self.view.set_pixels_per_second(self.view.scale_.zoomed(ZOOM_STEP).pixels_per_second)

    def zoom_out(self) -> None:
        self.view.set_pixels_per_second(self.view.scale_.zoomed(1 / ZOOM_STEP).pixels_per_second)

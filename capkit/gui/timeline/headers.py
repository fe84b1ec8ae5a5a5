"""Track headers: each track's kind and name, with mute / hide / lock toggles.

A toggle is one ``SetTrack`` edit, so it undoes like any other change. Rows line up with the
view's rows and follow its vertical scrolling.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from capkit.gui.document import Document
from capkit.gui.timeline.geometry import ROW_HEIGHT, RULER_HEIGHT, row_of, row_top
from capkit.model.edits import SetTrack

HEADER_WIDTH = 168
KIND_MARKS = {"video": "▶", "text": "T", "audio": "♪", "filter": "✦", "caption": "CC"}

# (attribute, button text, tooltip)
TOGGLES = (
    ("muted", "M", "Mute the track's sound"),
    ("hidden", "H", "Hide the track in the preview and export"),
    ("locked", "L", "Lock the track against edits"),
)


class TrackHeader(QWidget):
    def __init__(self, document: Document, track, parent=None) -> None:
        super().__init__(parent)
        self.track_id = track.id
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 6, 4)
        layout.setSpacing(3)
        mark = KIND_MARKS.get(track.kind, track.kind[:2].upper())
        name = QLabel(f"<b>{mark}</b>&nbsp; {track.name or track.kind.title()}")
        name.setToolTip(f"{track.kind} track")
        layout.addWidget(name, 1)
        self.buttons: dict[str, QToolButton] = {}
        for attr, text, tip in TOGGLES:
            button = QToolButton(self)
            button.setObjectName(f"{attr}-{track.id}")
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setChecked(bool(getattr(track, attr)))
            button.setFixedSize(22, 22)
            button.clicked.connect(
                lambda checked, a=attr: document.try_apply(SetTrack(self.track_id, a, checked))
            )
            layout.addWidget(button)
            self.buttons[attr] = button


class TrackHeaders(QWidget):
    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.setFixedWidth(HEADER_WIDTH)
        self.offset = 0
        self.rows: dict[str, TrackHeader] = {}
        document.changed.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        for row in self.rows.values():
            row.deleteLater()
        self.rows = {}
        tracks = self.document.project.tracks
        for index, track in enumerate(tracks):
            header = TrackHeader(self.document, track, self)
            self.rows[track.id] = header
            header.show()
        self._place()

    def set_offset(self, offset: int) -> None:
        self.offset = offset
        self._place()

    def _place(self) -> None:
        tracks = self.document.project.tracks
        for index, track in enumerate(tracks):
            top = int(row_top(row_of(index, len(tracks)))) - self.offset
            self.rows[track.id].setGeometry(0, top, self.width(), ROW_HEIGHT)
            self.rows[track.id].setVisible(top + ROW_HEIGHT > RULER_HEIGHT)
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1f2024"))
        painter.fillRect(0, 0, self.width(), RULER_HEIGHT, QColor("#1a1b1f"))
        painter.setPen(QColor("#3a3c42"))
        tracks = self.document.project.tracks
        for index in range(len(tracks) + 1):
            y = int(row_top(index)) - self.offset
            if y >= RULER_HEIGHT:
                painter.drawLine(0, y, self.width(), y)
        painter.drawLine(self.width() - 1, 0, self.width() - 1, self.height())
        painter.setPen(QColor("#8a8f99"))
        painter.drawText(8, 17, "Tracks")
        painter.end()

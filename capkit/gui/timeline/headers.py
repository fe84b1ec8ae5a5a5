"""Track headers: each track's kind and name, with mute / hide / lock toggles and a menu.

A toggle is one ``SetTrack`` edit, so it undoes like any other change. Right-click a header for
*Add Track Above / Below* (any kind), *Move Up / Down* (``MoveTrack``), *Rename…* (``SetTrack``
name) and *Remove Track* (``RemoveTrack``; asks first when the track holds items): each one undo
step. Rows line up with the view's rows and follow its vertical scrolling.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QToolButton,
    QWidget,
)

from capkit.gui.document import Document
from capkit.gui.timeline import commands
from capkit.gui.timeline.geometry import ROW_HEIGHT, RULER_HEIGHT, row_of, row_top
from capkit.model.edits import RemoveTrack, SetTrack

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
        self.document = document
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(lambda pos: self.menu().exec(self.mapToGlobal(pos)))

    def menu(self) -> QMenu:
        """The header's right-click menu; actions are named ``track-<what>`` for tests."""
        doc = self.document
        project = doc.project
        index = next(i for i, t in enumerate(project.tracks) if t.id == self.track_id)
        menu = QMenu(self)
        for above, title in ((True, "Add Track &Above"), (False, "Add Track &Below")):
            sub = menu.addMenu(title)
            for kind in commands.TRACK_KINDS:
                action = sub.addAction(f"{KIND_MARKS.get(kind, '')}  {kind.title()}")
                action.setObjectName(f"track-add-{'above' if above else 'below'}-{kind}")
                action.triggered.connect(
                    lambda _=False, k=kind, a=above: doc.try_apply(commands.add_track(doc.project, self.track_id, k, above=a)))
        menu.addSeparator()
        for up, title in ((True, "Move &Up"), (False, "Move &Down")):
            action = menu.addAction(title)
            action.setObjectName(f"track-move-{'up' if up else 'down'}")
            action.setEnabled(commands.move_track(project, self.track_id, up=up) is not None)
            action.triggered.connect(lambda _=False, u=up: self._move(u))
        rename = menu.addAction("&Rename…", self.rename)
        rename.setObjectName("track-rename")
        menu.addSeparator()
        remove = menu.addAction("Remove &Track", self.remove)
        remove.setObjectName("track-remove")
        remove.setEnabled(not project.tracks[index].locked)
        return menu

    def _move(self, up: bool) -> None:
        edit = commands.move_track(self.document.project, self.track_id, up=up)
        if edit is not None:
            self.document.try_apply(edit)

    def rename(self) -> None:
        track = next(t for t in self.document.project.tracks if t.id == self.track_id)
        name, ok = QInputDialog.getText(self, "Rename track", "Name:", text=track.name)
        if ok and name.strip() and name.strip() != track.name:
            self.document.try_apply(SetTrack(self.track_id, "name", name.strip()))

    def remove(self) -> None:
        track = next(t for t in self.document.project.tracks if t.id == self.track_id)
        if track.items:
            buttons = QMessageBox.StandardButton
            answer = QMessageBox.question(
                self, "Remove track", f"Remove {track.name or track.kind} and its {len(track.items)} "
                f"item{'s' if len(track.items) != 1 else ''}? (Undo brings them back.)",
                buttons.Yes | buttons.No, buttons.No)
            if answer != buttons.Yes:
                return
        self.document.try_apply(RemoveTrack(self.track_id))


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

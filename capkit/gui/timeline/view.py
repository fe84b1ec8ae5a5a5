"""The timeline's QGraphicsView: track rows, clips, the ruler and the playhead, and the gestures.

Gestures: press on the ruler scrubs; press on a clip selects it (Ctrl toggles, Shift adds), drags
it (within its track, or onto another track that takes it when it is the only one selected) or,
near an edge, trims it. Nothing changes the project until the mouse is released; then the gesture
becomes one edit handed to the document. The ruler and playhead are painted in the foreground so
they stay put while the rows scroll under them.

Drops: files (from the media bin or the file manager) become ``media_dropped``; a text preset,
filter or sound row from a panel (:mod:`capkit.gui.panels.drag`) becomes ``panel_dropped`` with
the drop's time, track and the clip under it. Clips draw thumbnails and waveforms from
``self.media`` (:class:`~capkit.gui.timeline.media_cache.MediaCache`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene, QGraphicsView

from capkit.gui.document import Document
from capkit.gui.panels.drag import read_payload
from capkit.gui.timeline import commands
from capkit.gui.timeline.clip_item import ClipItem
from capkit.gui.timeline.geometry import (
    HANDLE_PIXELS,
    ROW_HEIGHT,
    RULER_HEIGHT,
    SNAP_PIXELS,
    TimeScale,
    row_at,
    row_of,
    row_top,
    ruler_step,
    snap_move,
    snap_points,
    snap_time,
)
from capkit.gui.timeline.media_cache import MediaCache
from capkit.io.project_file import missing_media
from capkit.model.edits import TrimEnd, TrimStart
from capkit.model.time import format_timecode

DRAG_START_PIXELS = 3
TAIL_SECONDS = 30  # empty timeline shown after the last item, room to drag into
ROW_COLORS = (QColor("#24262b"), QColor("#212328"))
LOCKED_ROW = QColor("#2b2424")
RULER_BG = QColor("#1a1b1f")
PLAYHEAD = QColor("#ff4d4d")


@dataclass
class _Drag:
    mode: str  # "move" | "trim_start" | "trim_end"
    item_id: str
    track_id: str
    press_x: float
    press_y: float
    start: Fraction
    end: Fraction
    ids: list[str] = field(default_factory=list)
    started: bool = False
    delta: Fraction = Fraction(0)
    target_track: str | None = None
    new_time: Fraction | None = None


class TimelineView(QGraphicsView):
    media_dropped = Signal(list, object, object)  # paths, time (Fraction), track id or None
    message = Signal(str)  # a hint for the status bar
    panel_dropped = Signal(object, object, object, object)  # payload dict, time, track id, item id under it

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.scale_ = TimeScale(60.0, document.fps)
        self.setScene(QGraphicsScene(self))
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setViewportMargins(0, 0, 0, 0)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setBackgroundBrush(QColor("#1c1d21"))
        self.clips: dict[str, ClipItem] = {}
        self.media = MediaCache(self)  # thumbnails and waveforms, made in the background
        self.media.updated.connect(self.viewport().update)
        self._drag: _Drag | None = None
        self._scrubbing = False
        document.changed.connect(self.rebuild)
        document.selection_changed.connect(self._show_selection)
        document.playhead_changed.connect(self._playhead_moved)
        self.rebuild()

    # --- building ---------------------------------------------------------------------------

    def rebuild(self) -> None:
        project = self.document.project
        self.scale_ = TimeScale(self.scale_.pixels_per_second, project.settings.fps)
        scene = self.scene()
        scene.clear()
        self.clips = {}
        count = len(project.tracks)
        width = max(self.scale_.x_of(project.duration + TAIL_SECONDS), self.viewport().width())
        height = max(row_top(count), self.viewport().height())
        scene.setSceneRect(QRectF(0, 0, width, height))
        missing = set(missing_media(project))
        pps = self.scale_.pixels_per_second
        for index, track in enumerate(project.tracks):
            row = row_of(index, count)
            bg = QGraphicsRectItem(QRectF(0, row_top(row), width, ROW_HEIGHT))
            bg.setBrush(LOCKED_ROW if track.locked else ROW_COLORS[row % 2])
            bg.setPen(QPen(QColor("#2e3036")))
            bg.setZValue(0)
            scene.addItem(bg)
            for item in track.items:
                source = getattr(getattr(item, "source", None), "path", None)
                clip = ClipItem(item, track.id, self._clip_rect(item.start, item.end, row), locked=track.locked,
                                missing=source in missing, media=self.media, pixels_per_second=pps,
                                pixel_ratio=self.devicePixelRatioF())
                scene.addItem(clip)
                self.clips[item.id] = clip
        self._show_selection()
        self.viewport().update()

    def _clip_rect(self, start: Fraction, end: Fraction, row: int) -> QRectF:
        x0, x1 = self.scale_.x_of(start), self.scale_.x_of(end)
        return QRectF(x0, row_top(row), max(1.0, x1 - x0), ROW_HEIGHT)

    def _show_selection(self) -> None:
        chosen = self.document.selection
        for item_id, clip in self.clips.items():
            clip.set_selected(item_id in chosen)

    def set_pixels_per_second(self, pps: float, anchor_x: float | None = None) -> None:
        """Zoom, keeping the time under viewport x ``anchor_x`` (default: the playhead) in place."""
        if anchor_x is None:
            anchor_x = self.scale_.x_of(self.document.playhead) - self.horizontalScrollBar().value()
        t = (self.horizontalScrollBar().value() + anchor_x) / self.scale_.pixels_per_second
        self.scale_ = TimeScale(pps, self.document.fps)
        self.media.drop_wanted()  # the old zoom's thumbnails not yet made are not needed
        self.rebuild()
        self.horizontalScrollBar().setValue(round(t * pps - anchor_x))

    # --- coordinates ------------------------------------------------------------------------

    def x_of(self, t: Fraction) -> float:
        """Viewport x of time ``t`` (for tests and the widget)."""
        return self.mapFromScene(QPointF(self.scale_.x_of(t), 0)).x()

    def track_y(self, track_id: str) -> float:
        """Viewport y of the middle of a track's row."""
        tracks = self.document.project.tracks
        index = next(i for i, t in enumerate(tracks) if t.id == track_id)
        return self.mapFromScene(QPointF(0, row_top(row_of(index, len(tracks))) + ROW_HEIGHT / 2)).y()

    def _track_at(self, scene_y: float):
        tracks = self.document.project.tracks
        row = row_at(scene_y, len(tracks))
        return None if row is None else tracks[row_of(row, len(tracks))]

    def _clip_at(self, pos) -> ClipItem | None:
        for item in self.items(pos):
            if isinstance(item, ClipItem):
                return item
        return None

    # --- mouse ------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        scene = self.mapToScene(pos.toPoint())
        if pos.y() < RULER_HEIGHT:
            self._scrubbing = True
            self.document.set_playhead(self.scale_.time_at(scene.x()))
            return
        clip = self._clip_at(pos.toPoint())
        mods = event.modifiers()
        if clip is None:
            if not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
                self.document.select([])
            return
        if mods & Qt.KeyboardModifier.ControlModifier:
            self.document.select([clip.item_id], toggle=True)
            return
        if mods & Qt.KeyboardModifier.ShiftModifier:
            self.document.select([clip.item_id], add=True)
        elif clip.item_id not in self.document.selection:
            self.document.select([clip.item_id])
        track, item = self.document.project.find(clip.item_id)
        if track.locked:
            self.message.emit(f"Track {track.name or track.kind} is locked: unlock it to edit its items")
            return
        rect = clip.rect()
        if scene.x() - rect.left() <= HANDLE_PIXELS and rect.width() > 3 * HANDLE_PIXELS:
            mode = "trim_start"
        elif rect.right() - scene.x() <= HANDLE_PIXELS and rect.width() > 3 * HANDLE_PIXELS:
            mode = "trim_end"
        else:
            mode = "move"
        ids = sorted(self.document.selection) if mode == "move" else [item.id]
        project = self.document.project
        if any(project.find(i)[0].locked for i in ids):
            ids = [item.id]
        self._drag = _Drag(mode, item.id, track.id, scene.x(), scene.y(), item.start, item.end, ids)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        scene = self.mapToScene(pos.toPoint())
        if self._scrubbing:
            self.document.set_playhead(self.scale_.time_at(scene.x()))
            return
        drag = self._drag
        if drag is None:
            self._hover_cursor(pos)
            return super().mouseMoveEvent(event)
        if not drag.started and abs(scene.x() - drag.press_x) < DRAG_START_PIXELS and abs(scene.y() - drag.press_y) < DRAG_START_PIXELS:
            return
        drag.started = True
        self._update_drag(drag, scene)

    def mouseReleaseEvent(self, event) -> None:
        if self._scrubbing:
            self._scrubbing = False
            return
        drag, self._drag = self._drag, None
        if drag is None or not drag.started:
            return super().mouseReleaseEvent(event)
        project = self.document.project
        if drag.mode == "move":
            edit = commands.move(project, drag.ids, drag.delta, drag.target_track)
        elif drag.new_time is None:
            edit = None
        elif drag.mode == "trim_start":
            edit = None if drag.new_time == drag.start else TrimStart(drag.item_id, drag.new_time)
        else:
            edit = None if drag.new_time == drag.end else TrimEnd(drag.item_id, drag.new_time)
        if edit is None or not self.document.try_apply(edit):
            self.rebuild()

    def _hover_cursor(self, pos) -> None:
        clip = self._clip_at(pos.toPoint()) if pos.y() >= RULER_HEIGHT else None
        cursor = Qt.CursorShape.ArrowCursor
        if clip is not None and not clip.locked:
            x = self.mapToScene(pos.toPoint()).x()
            rect = clip.rect()
            near_edge = min(x - rect.left(), rect.right() - x) <= HANDLE_PIXELS and rect.width() > 3 * HANDLE_PIXELS
            cursor = Qt.CursorShape.SizeHorCursor if near_edge else Qt.CursorShape.OpenHandCursor
        self.viewport().setCursor(cursor)

    def _update_drag(self, drag: _Drag, scene: QPointF) -> None:
        project = self.document.project
        tolerance = self.scale_.span(SNAP_PIXELS)
        points = snap_points(project, self.document.playhead, ignore=drag.ids)
        moved = self.scale_.time_at(self.scale_.x_of(drag.start) + scene.x() - drag.press_x)
        count = len(project.tracks)
        if drag.mode == "move":
            new_start = snap_move(moved, drag.end - drag.start, points, tolerance)
            drag.delta = new_start - drag.start
            drag.target_track = None
            target = self._track_at(scene.y())
            if (len(drag.ids) == 1 and target is not None and target.id != drag.track_id and not target.locked
                    and commands.accepts(target, project.find(drag.item_id)[1])):
                drag.target_track = target.id
            for item_id in drag.ids:
                track, item = project.find(item_id)
                track_id = drag.target_track or track.id
                index = next(i for i, t in enumerate(project.tracks) if t.id == track_id)
                row = row_of(index, count)
                self.clips[item_id].setRect(self._clip_rect(item.start + drag.delta, item.end + drag.delta, row))
            return
        track, item = project.find(drag.item_id)
        low, high = commands.trim_limits(track, item)
        frame = 1 / project.settings.fps
        index = next(i for i, t in enumerate(project.tracks) if t.id == track.id)
        row = row_of(index, count)
        if drag.mode == "trim_start":
            t = snap_time(self.scale_.time_at(scene.x()), points, tolerance)
            t = min(max(t, low), item.end - frame)
            drag.new_time = t
            self.clips[item.id].setRect(self._clip_rect(t, item.end, row))
        else:
            t = snap_time(self.scale_.time_at(scene.x()), points, tolerance)
            t = max(t, item.start + frame)
            if high is not None:
                t = min(t, high)
            drag.new_time = t
            self.clips[item.id].setRect(self._clip_rect(item.start, t, row))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.rebuild()  # rows reach across the whole visible width

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.set_pixels_per_second(self.scale_.zoomed(factor).pixels_per_second, event.position().x())
            return
        super().wheelEvent(event)

    # --- drops from the media bin or the file manager ---------------------------------------

    def dragEnterEvent(self, event) -> None:
        data = event.mimeData()
        if data.hasUrls() or read_payload(data) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        scene = self.mapToScene(event.position().toPoint())
        track = self._track_at(scene.y())
        t = self.scale_.time_at(scene.x())
        payload = read_payload(event.mimeData())
        if payload is not None:
            clip = self._clip_at(event.position().toPoint())
            self.panel_dropped.emit(payload, t, track.id if track else None, clip.item_id if clip else None)
            event.acceptProposedAction()
            return
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return super().dropEvent(event)
        self.media_dropped.emit(paths, t, track.id if track else None)
        event.acceptProposedAction()

    # --- ruler and playhead -----------------------------------------------------------------

    def _playhead_moved(self, t: Fraction) -> None:
        x = self.scale_.x_of(t)
        bar = self.horizontalScrollBar()
        visible = self.viewport().width()
        if not self._scrubbing and self._drag is None and not bar.value() <= x <= bar.value() + visible - 20:
            bar.setValue(round(x - visible * 0.1))
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        top, left, right = visible.top(), visible.left(), visible.right()
        pps = self.scale_.pixels_per_second
        fps = self.document.fps
        painter.fillRect(QRectF(left, top, visible.width(), RULER_HEIGHT), RULER_BG)
        painter.setPen(QPen(QColor("#3a3c42")))
        painter.drawLine(QPointF(left, top + RULER_HEIGHT), QPointF(right, top + RULER_HEIGHT))
        step = ruler_step(pps, fps)
        first = int(left / pps / float(step))
        font = painter.font()
        font.setPointSizeF(7.5)
        painter.setFont(font)
        n = first
        while True:
            t = step * n
            x = self.scale_.x_of(t)
            if x > right:
                break
            painter.setPen(QPen(QColor("#8a8f99")))
            painter.drawLine(QPointF(x, top + RULER_HEIGHT - 10), QPointF(x, top + RULER_HEIGHT))
            for k in range(1, 5):
                mx = x + k * float(step) * pps / 5
                painter.drawLine(QPointF(mx, top + RULER_HEIGHT - 4), QPointF(mx, top + RULER_HEIGHT))
            painter.setPen(QPen(QColor("#c4c8d0")))
            painter.drawText(QPointF(x + 3, top + 11), format_timecode(t, fps))
            n += 1
        for marker in self.document.project.markers:
            mx = self.scale_.x_of(marker.time)
            painter.setBrush(QColor(marker.color[:7]))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawPolygon(QPolygonF([QPointF(mx - 5, top + 14), QPointF(mx + 5, top + 14), QPointF(mx, top + 22)]))
        px = self.scale_.x_of(self.document.playhead)
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QPointF(px, top), QPointF(px, visible.bottom()))
        painter.setBrush(PLAYHEAD)
        painter.drawPolygon(QPolygonF([QPointF(px - 6, top + RULER_HEIGHT - 12), QPointF(px + 6, top + RULER_HEIGHT - 12),
                                       QPointF(px, top + RULER_HEIGHT)]))

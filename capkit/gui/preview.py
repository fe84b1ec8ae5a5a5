"""The preview: the engine's frame at the playhead, drawn at the widget's size.

Frames are made by :class:`capkit.render.frames.FrameRenderer`, the same code that exports, on a
worker thread. The worker keeps one renderer per project revision and output size and rebuilds it
when either changes. Requests do not queue: a new one replaces any that has not started, so
scrubbing and playback always show the latest position and drop what they cannot keep up with.
While playing, frames are rendered at half the widget's size (``PLAYBACK_SCALE``) so playback
keeps up on a laptop; when paused the frame is rendered again at full size. Big video sources get
proxies in the background (:mod:`capkit.gui.proxies`): playback and scrubbing draw *draft* frames
from them, and once the playhead rests the frame is drawn again from the original media.

Over the frame the widget draws a platform's safe zones (:func:`capkit.gui.overlays.safe_zones`)
and the selected items' boxes. Dragging inside a box moves the item, dragging a corner scales it;
the release is one undo step (:func:`capkit.gui.overlays.drag_edit`). Clicking an item that is not
selected selects it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QPointF,
    QRectF,
    Qt,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from capkit.errors import CapkitError
from capkit.gui import overlays
from capkit.gui.document import Document
from capkit.gui.proxies import ProxyMaker, proxied, video_sources
from capkit.model.color import rgba
from capkit.model.project import Project

MARGIN = 8
PLAYBACK_SCALE = 0.5  # of the paused size, while playing
REFINE_MS = 150  # how long the playhead rests before the draft frame is redrawn from the originals


@dataclass(frozen=True)
class FrameRequest:
    project: Project  # a snapshot the worker may read freely
    revision: int
    t: Fraction
    width: int
    height: int
    proxy_set: int = 0  # 0: the original media; n: the project with proxies (set n) for a quick draft

    @property
    def draft(self) -> bool:
        return self.proxy_set != 0


def fit_size(canvas: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest even size with the canvas's aspect that fits in ``box`` (at least 16 px a side,
    never more than the canvas itself)."""
    cw, ch = canvas
    scale = min(box[0] / cw, box[1] / ch, 1.0)
    return max(16, int(cw * scale) // 2 * 2), max(16, int(ch * scale) // 2 * 2)


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w = rgb.shape[:2]
    data = np.ascontiguousarray(rgb)
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class FrameWorker(QThread):
    """Renders the latest request; older ones that have not started are dropped."""

    frame_ready = Signal(QImage, object)  # image, the FrameRequest it answers
    failed = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._wake = threading.Condition()
        self._pending: FrameRequest | None = None
        self._stopping = False
        self._renderers: dict[tuple, object] = {}  # (revision, w, h, proxy_set) -> FrameRenderer; draft and full

    def request(self, req: FrameRequest) -> None:
        with self._wake:
            self._pending = req
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self.wait()

    def run(self) -> None:
        try:
            while True:
                with self._wake:
                    while self._pending is None and not self._stopping:
                        self._wake.wait()
                    if self._stopping:
                        return
                    req, self._pending = self._pending, None
                try:
                    image = self._render(req)
                except Exception as err:  # the worker must outlive a bad frame, whatever broke it
                    self._close_renderer()  # try again on the next request: the user may fix it
                    message = str(err) if isinstance(err, CapkitError) else (
                        f"The preview could not draw this frame ({type(err).__name__}: {err})")
                    self.failed.emit(message)
                    continue
                self.frame_ready.emit(image, req)
        finally:
            self._close_renderer()

    def _render(self, req: FrameRequest) -> QImage:
        from capkit.render.frames import FrameRenderer
        from capkit.render.plan import compile_plan

        key = (req.revision, req.width, req.height, req.proxy_set)
        renderer = self._renderers.pop(key, None)
        if renderer is None and req.project.duration > 0:
            renderer = FrameRenderer(compile_plan(req.project, width=req.width, height=req.height))
        if renderer is not None:
            self._renderers[key] = renderer  # the newest last
            while len(self._renderers) > 2:  # a draft and a full renderer stay open
                self._renderers.pop(next(iter(self._renderers))).close()
        if renderer is None or req.t >= req.project.duration:
            blank = np.empty((req.height, req.width, 3), np.uint8)
            blank[:] = rgba(req.project.settings.background)[:3]
            return to_qimage(blank)
        return to_qimage(renderer.render_at(req.t))

    def _close_renderer(self) -> None:
        for renderer in self._renderers.values():
            renderer.close()
        self._renderers.clear()


class PreviewWidget(QWidget):
    frame_shown = Signal()

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.document = document
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setMouseTracking(True)
        self.image: QImage | None = None
        self.shown: FrameRequest | None = None
        self.problem = ""
        self.playing = False
        self.safe_zone: str | None = None  # a preset name from overlays.SAFE_ZONE_PRESETS
        self.drag: overlays.Drag | None = None
        self._bounds: dict[tuple, overlays.Rect | None] = {}
        self._snapshot: tuple[int, Project] | None = None
        self._draft: tuple[tuple, Project] | None = None
        self._proxy_set = 0
        self._asked: int | None = None  # the revision whose video sources were given to the proxy maker
        self.proxies = ProxyMaker(self)
        self.proxies.made.connect(self._proxy_made)
        self.refine = QTimer(self)
        self.refine.setSingleShot(True)
        self.refine.setInterval(REFINE_MS)
        self.refine.timeout.connect(self._refine)
        self.worker = FrameWorker()
        self.worker.frame_ready.connect(self._show)
        self.worker.failed.connect(self._fail)
        self.worker.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        document.changed.connect(self.refresh)
        document.playhead_changed.connect(self.refresh)
        document.selection_changed.connect(self.update)

    def shutdown(self) -> None:
        """Stop the worker thread (the window calls this when it closes)."""
        if self.worker.isRunning():
            self.worker.stop()
        self.refine.stop()
        self.proxies.shutdown()

    def render_size(self) -> tuple[int, int]:
        """The frame size to render: the widget's (in device pixels), halved while playing."""
        s = self.document.project.settings
        ratio = self.devicePixelRatioF() * (PLAYBACK_SCALE if self.playing else 1.0)
        box = (max(16, int((self.width() - 2 * MARGIN) * ratio)), max(16, int((self.height() - 2 * MARGIN) * ratio)))
        return fit_size((s.width, s.height), box)

    def set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            if not playing:
                self.refresh()  # the paused frame at full size

    def set_safe_zone(self, name: str | None) -> None:
        self.safe_zone = name or None
        self.update()

    def refresh(self, *_) -> None:
        """Ask for the frame at the playhead: a draft from proxies first when there are any, then,
        once the playhead rests for ``REFINE_MS``, the frame from the original media."""
        doc = self.document
        if self._snapshot is None or self._snapshot[0] != doc.revision:
            self._snapshot = (doc.revision, doc.snapshot())
        w, h = self.render_size()
        draft = self._draft_project()
        if draft is None:
            self.refine.stop()
            self.worker.request(FrameRequest(self._snapshot[1], doc.revision, doc.playhead, w, h))
            return
        self.worker.request(FrameRequest(draft, doc.revision, doc.playhead, w, h, self._proxy_set))
        if self.playing:
            self.refine.stop()
        else:
            self.refine.start()

    def _refine(self) -> None:
        doc = self.document
        if self.playing or self._snapshot is None or self._snapshot[0] != doc.revision:
            return
        w, h = self.render_size()
        self.worker.request(FrameRequest(self._snapshot[1], doc.revision, doc.playhead, w, h))

    def _draft_project(self) -> Project | None:
        """The snapshot with proxies in place of its big video sources (None: no proxy is used)."""
        project = self._snapshot[1]
        used = {src: proxy for src, proxy in self.proxies.ready.items() if src in video_sources(project)}
        if not used:
            return None
        key = (self._snapshot[0], tuple(sorted(used.items())))
        if self._draft is None or self._draft[0] != key:
            self._proxy_set += 1
            self._draft = (key, proxied(project, used))
        return self._draft[1]

    def _proxy_made(self, source: str) -> None:
        self.refresh()

    def _show(self, image: QImage, req: FrameRequest) -> None:
        if self._snapshot is not None and self._asked != self._snapshot[0]:
            # Only once a frame is shown: by then the worker has imported the engine, which two
            # threads must not import at the same time.
            self._asked = self._snapshot[0]
            self.proxies.request(video_sources(self._snapshot[1]))
        self.image, self.shown, self.problem = image, req, ""
        self.update()
        self.frame_shown.emit()

    def _fail(self, message: str) -> None:
        self.problem = message
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    # --- geometry -----------------------------------------------------------------------------

    def frame_rect(self) -> QRectF:
        """Where the canvas is drawn in the widget (widget pixels): the paused frame's size, which
        a smaller playback frame is stretched to fill."""
        s = self.document.project.settings
        ratio = self.devicePixelRatioF()
        box = (max(16, int((self.width() - 2 * MARGIN) * ratio)), max(16, int((self.height() - 2 * MARGIN) * ratio)))
        w, h = fit_size((s.width, s.height), box)
        w, h = w / ratio, h / ratio
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _canvas_scale(self) -> float:
        """Widget pixels per canvas pixel."""
        return self.frame_rect().width() / self.document.project.settings.width

    def to_canvas(self, point: QPointF) -> tuple[float, float]:
        r, k = self.frame_rect(), self._canvas_scale()
        return ((point.x() - r.x()) / k, (point.y() - r.y()) / k)

    def to_widget(self, rect: overlays.Rect) -> QRectF:
        r, k = self.frame_rect(), self._canvas_scale()
        x, y, w, h = rect
        return QRectF(r.x() + x * k, r.y() + y * k, w * k, h * k)

    def bounds(self, item_id: str) -> overlays.Rect | None:
        """The item's box in canvas pixels at the playhead (cached per revision and time)."""
        doc = self.document
        w, _ = self.render_size()
        key = (doc.revision, item_id, doc.playhead, w)
        if key not in self._bounds:
            if len(self._bounds) > 256:
                self._bounds.clear()
            try:
                track, item = doc.project.find(item_id)
            except KeyError:
                return None
            rect = None
            if not track.hidden:
                try:
                    rect = overlays.item_bounds(doc.project, item, doc.playhead, w / doc.project.settings.width)
                except CapkitError:
                    rect = None
            self._bounds[key] = rect
        return self._bounds[key]

    def _selected_boxes(self) -> list[tuple[str, overlays.Rect]]:
        out = []
        for item_id in self.document.selection:
            rect = self.bounds(item_id)
            if rect is not None:
                out.append((item_id, rect))
        return out

    def item_at(self, point: tuple[float, float]) -> str | None:
        """The topmost unlocked, visible item drawn under a canvas point at the playhead."""
        doc = self.document
        for track in reversed(doc.project.tracks):  # the last track is drawn on top
            if track.hidden or track.locked or track.kind not in ("video", "text", "caption"):
                continue
            for item in track.items:
                if item.start <= doc.playhead < item.end:
                    rect = self.bounds(item.id)
                    if rect is not None and overlays.hit(rect, point, 0) is not None:
                        return item.id
        return None

    # --- mouse ----------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        point = self.to_canvas(event.position())
        tolerance = overlays.HANDLE / max(self._canvas_scale(), 1e-6)
        for item_id, rect in self._selected_boxes():
            mode = overlays.hit(rect, point, tolerance)
            if mode is not None and self._grabbable(item_id):
                self._grab(item_id, mode, rect, point)
                return
        picked = self.item_at(point)
        self.document.select([picked] if picked else [])
        if picked is not None:
            rect = self.bounds(picked)
            if rect is not None and self._grabbable(picked):
                self._grab(picked, "move", rect, point)

    def _grabbable(self, item_id: str) -> bool:
        track, item = self.document.project.find(item_id)
        return not track.locked and overlays.movable(item)

    def _grab(self, item_id: str, mode: str, rect, point) -> None:
        item = self.document.project.find(item_id)[1]
        tr = item.transform
        self.drag = overlays.Drag(item_id, mode, rect, point, point, tr.x, tr.y, tr.scale)
        self.update()

    def mouseMoveEvent(self, event) -> None:
        point = self.to_canvas(event.position())
        if self.drag is not None:
            self.drag.now = point
            self.update()
            return
        tolerance = overlays.HANDLE / max(self._canvas_scale(), 1e-6)
        cursor = Qt.CursorShape.ArrowCursor
        for _, rect in self._selected_boxes():
            mode = overlays.hit(rect, point, tolerance)
            if mode == "scale":
                cursor = Qt.CursorShape.SizeFDiagCursor
                break
            if mode == "move":
                cursor = Qt.CursorShape.SizeAllCursor
        self.setCursor(cursor)

    def mouseReleaseEvent(self, event) -> None:
        if self.drag is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        drag, self.drag = self.drag, None
        drag.now = self.to_canvas(event.position())
        s = self.document.project.settings
        edit = overlays.drag_edit(drag, (s.width, s.height))
        if edit is not None:
            self.document.try_apply(edit)
        self.update()

    # --- painting -------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#121315"))
        if self.image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.frame_rect(), self.image)
            if self.safe_zone:
                self._paint_safe_zones(painter)
            self._paint_boxes(painter)
        if self.problem:
            painter.setPen(QColor("#ff8a80"))
            painter.drawText(self.rect().adjusted(16, 16, -16, -16),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.problem)
        painter.end()

    def _paint_safe_zones(self, painter: QPainter) -> None:
        s = self.document.project.settings
        painter.save()
        painter.setClipRect(self.frame_rect())
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        for zone in overlays.safe_zones(self.safe_zone, (s.width, s.height)):
            r = self.to_widget(zone.rect)
            painter.fillRect(r, QColor(255, 60, 60, 70))
            painter.setPen(QPen(QColor(255, 120, 120, 200), 1, Qt.PenStyle.DashLine))
            painter.drawRect(r)
            painter.setPen(QColor(255, 235, 235))
            if r.width() >= r.height():  # a band across: the label along its inner edge
                edge = Qt.AlignmentFlag.AlignBottom if r.top() <= self.frame_rect().top() + 1 else Qt.AlignmentFlag.AlignTop
                painter.drawText(r.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignHCenter | edge, zone.label)
            else:  # a band down the side: the label turned to run along it
                painter.save()
                painter.translate(r.center())
                painter.rotate(90)
                painter.drawText(QRectF(-r.height() / 2, -r.width() / 2, r.height(), r.width()),
                                 Qt.AlignmentFlag.AlignCenter, zone.label)
                painter.restore()
        painter.restore()

    def _paint_boxes(self, painter: QPainter) -> None:
        painter.save()
        for item_id, rect in self._selected_boxes():
            if self.drag is not None and self.drag.item_id == item_id:
                rect = self.drag.moved_rect()
            r = self.to_widget(rect)
            painter.setPen(QPen(QColor("#4FC3F7"), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(r)
            painter.setBrush(QBrush(QColor("#4FC3F7")))
            half = overlays.HANDLE / 2
            for cx, cy in overlays.corners((r.x(), r.y(), r.width(), r.height())):
                painter.drawRect(QRectF(cx - half / 2 - 1, cy - half / 2 - 1, half + 2, half + 2))
        painter.restore()

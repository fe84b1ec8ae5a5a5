"""The preview: the engine's frame at the playhead, drawn at the widget's size.

Frames are made by :class:`capkit.render.frames.FrameRenderer`, the same code that exports, on a
worker thread. The worker keeps one renderer per project revision and output size and rebuilds it
when either changes. Requests do not queue: a new one replaces any that has not started, so
scrubbing and playback always show the latest position and drop what they cannot keep up with.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QCoreApplication, QRectF, Qt, QThread, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from capkit.errors import CapkitError
from capkit.gui.document import Document
from capkit.model.color import rgba
from capkit.model.project import Project

MARGIN = 8


@dataclass(frozen=True)
class FrameRequest:
    project: Project  # a snapshot the worker may read freely
    revision: int
    t: Fraction
    width: int
    height: int


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
        self._renderer = None
        self._key: tuple | None = None

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
                    self._close_renderer()
                    self._key = None  # try again on the next request: the user may fix it
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

        key = (req.revision, req.width, req.height)
        if key != self._key:
            self._close_renderer()
            self._key = key
            if req.project.duration > 0:
                self._renderer = FrameRenderer(compile_plan(req.project, width=req.width, height=req.height))
        if self._renderer is None or req.t >= req.project.duration:
            blank = np.empty((req.height, req.width, 3), np.uint8)
            blank[:] = rgba(req.project.settings.background)[:3]
            return to_qimage(blank)
        return to_qimage(self._renderer.render_at(req.t))

    def _close_renderer(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


class PreviewWidget(QWidget):
    frame_shown = Signal()

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.document = document
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.image: QImage | None = None
        self.shown: FrameRequest | None = None
        self.problem = ""
        self._snapshot: tuple[int, Project] | None = None
        self.worker = FrameWorker()
        self.worker.frame_ready.connect(self._show)
        self.worker.failed.connect(self._fail)
        self.worker.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        document.changed.connect(self.refresh)
        document.playhead_changed.connect(self.refresh)

    def shutdown(self) -> None:
        """Stop the worker thread (the window calls this when it closes)."""
        if self.worker.isRunning():
            self.worker.stop()

    def render_size(self) -> tuple[int, int]:
        s = self.document.project.settings
        ratio = self.devicePixelRatioF()
        box = (max(16, int((self.width() - 2 * MARGIN) * ratio)), max(16, int((self.height() - 2 * MARGIN) * ratio)))
        return fit_size((s.width, s.height), box)

    def refresh(self, *_) -> None:
        doc = self.document
        if self._snapshot is None or self._snapshot[0] != doc.revision:
            self._snapshot = (doc.revision, doc.snapshot())
        w, h = self.render_size()
        self.worker.request(FrameRequest(self._snapshot[1], doc.revision, doc.playhead, w, h))

    def _show(self, image: QImage, req: FrameRequest) -> None:
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

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#121315"))
        if self.image is not None:
            ratio = self.devicePixelRatioF()
            w, h = self.image.width() / ratio, self.image.height() / ratio
            scale = min((self.width() - 2 * MARGIN) / w, (self.height() - 2 * MARGIN) / h, 1.0)
            w, h = w * scale, h * scale
            target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self.image)
        if self.problem:
            painter.setPen(QColor("#ff8a80"))
            painter.drawText(self.rect().adjusted(16, 16, -16, -16),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.problem)
        painter.end()

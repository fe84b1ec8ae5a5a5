"""The filters panel: built-in filters and installed packs' looks, each with a thumbnail.

Thumbnails are the pack's own picture when it ships one, otherwise the filter applied to a small
generated picture; they are made on the thread pool. Hovering a filter shows it on the current
frame in a small preview over the list: the project is copied, the filter added to the copy as a
layer and the frame rendered by the engine on a worker thread, so the project itself never
changes; when the pointer leaves, the preview goes. :attr:`FiltersPanel.hover_image` carries the
same picture for a view that wants to show it larger (and ``None`` when the hover ends).

Double-clicking a filter (or *Apply*) adds it, with the values its preview showed
(:data:`SHOWCASE`), as a filter layer over the selected clips' time range, or the whole project
when nothing is selected, as one undo step. Filters that need a file to do anything (a 3D LUT)
are not listed here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capkit import api
from capkit.errors import CapkitError
from capkit.gui.background import LatestWorker, run_job
from capkit.gui.document import Document
from capkit.gui.panels.drag import DragList
from capkit.gui.panels.replay import scratch_edit
from capkit.model.project import Project

THUMB = QSize(96, 96)
HOVER_BOX = (200, 240)  # the hover preview's largest size
ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class FilterEntry:
    id: str
    name: str
    group: str  # "Colour", "Looks", a pack's name...
    thumbnail: Path | None = None  # a pack's own picture


_CATEGORY = {"color": "Colour", "detail": "Detail", "stylize": "Stylise", "key": "Key", "look": "Look"}


def filter_entries() -> list[FilterEntry]:
    """Every filter the panel offers: built-ins by category, then installed packs' filters."""
    from capkit import packs
    from capkit.fx import registry

    out = [FilterEntry(spec.id, spec.name, _CATEGORY.get(spec.category, spec.category.title()))
           for spec in registry.filters().values() if all(p.kind != "path" for p in spec.params)]
    out.sort(key=lambda e: (list(_CATEGORY.values()).index(e.group) if e.group in _CATEGORY.values() else 99, e.name))
    for pack in packs.installed():
        out += [FilterEntry(f.id, f.name, pack.name, f.thumbnail) for f in pack.filters]
    return out


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w = rgb.shape[:2]
    data = np.ascontiguousarray(rgb[..., :3])
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


# Starting values that show what a filter does: many filters' defaults change nothing (brightness
# 0, contrast 1), which would make a thumbnail, a hover and a freshly added layer look the same as
# no filter at all. The inspector takes it from there.
SHOWCASE: dict[str, dict] = {
    "grade": {"contrast": 1.2, "saturation": 1.3},
    "exposure": {"stops": 0.7},
    "brightness": {"amount": 0.2},
    "contrast": {"amount": 1.5},
    "saturation": {"amount": 1.8},
    "vibrance": {"amount": 0.7},
    "temperature": {"temperature": 0.5},
    "hue_shift": {"degrees": 60.0},
    "highlights_shadows": {"highlights": -0.4, "shadows": 0.5},
    "curves": {"master": [[0.0, 0.0], [0.25, 0.18], [0.75, 0.85], [1.0, 1.0]]},
}


def sample_picture(width: int, height: int) -> np.ndarray:
    """A small bright scene (sky, sun, hills, a red ball) to show filters on."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    sky = np.array([40, 90, 170], np.float32) * (1 - y) + np.array([250, 180, 120], np.float32) * y
    picture = np.broadcast_to(sky, (height, width, 3)).copy()
    picture[(y[..., 0] > 0.68 + 0.06 * np.sin(7 * x[..., 0])) & np.ones((height, width), bool)] = (46, 110, 70)
    sun = (x[..., 0] - 0.3) ** 2 + (y[..., 0] - 0.3) ** 2 < 0.012
    picture[sun] = (255, 214, 102)
    ball = (x[..., 0] - 0.7) ** 2 + (y[..., 0] - 0.78) ** 2 < 0.01
    picture[ball] = (225, 60, 50)
    return picture.round().astype(np.uint8)


def apply_filter(rgb: np.ndarray, filter_id: str) -> np.ndarray:
    from capkit.fx import registry
    from capkit.model.items import FilterRef
    from capkit.render import plan  # noqa: F401  (lets the registry find installed packs' filters)

    step = registry.prepare(FilterRef(filter_id, dict(SHOWCASE.get(filter_id, {}))), (rgb.shape[1], rgb.shape[0]))
    return rgb if step is None else step(rgb.copy())


def make_thumbnails(entries: list[FilterEntry], size: tuple[int, int]) -> dict[str, QImage]:
    """Each filter's thumbnail (runs on a worker thread); filters that fail get none."""
    sample = sample_picture(*size)
    out: dict[str, QImage] = {}
    for entry in entries:
        try:
            if entry.thumbnail is not None and entry.thumbnail.is_file():
                image = QImage(str(entry.thumbnail))
                if not image.isNull():
                    out[entry.id] = image.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                                 Qt.TransformationMode.SmoothTransformation)
                    continue
            out[entry.id] = to_qimage(apply_filter(sample, entry.id))
        except Exception:  # a filter that cannot draw keeps its placeholder
            continue
    return out


def hover_size(project: Project) -> tuple[int, int]:
    s = project.settings
    scale = min(HOVER_BOX[0] / s.width, HOVER_BOX[1] / s.height)
    return max(16, int(s.width * scale) // 2 * 2), max(16, int(s.height * scale) // 2 * 2)


def filtered_frame(project: Project, t: Fraction, filter_id: str, size: tuple[int, int]) -> QImage:
    """The frame at ``t`` with ``filter_id`` laid over the whole of a copy of ``project``."""
    from capkit.render.frames import FrameRenderer
    from capkit.render.plan import compile_plan

    if project.duration <= 0:
        return to_qimage(apply_filter(sample_picture(*size), filter_id))
    scratch = copy.deepcopy(project)
    api.add_filter(scratch, filter_id, SHOWCASE.get(filter_id), start=0, duration=scratch.duration)
    t = min(max(t, Fraction(0)), scratch.duration - Fraction(1, 1000))
    with FrameRenderer(compile_plan(scratch, width=size[0], height=size[1])) as renderer:
        return to_qimage(renderer.render_at(t))


def _placeholder() -> QIcon:
    pixmap = QPixmap(THUMB)
    pixmap.fill(QColor("#2f3238"))
    return QIcon(pixmap)


class FilterList(DragList):
    hover_left = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(lambda row: {"kind": "filter", "id": row.data(ID_ROLE)}, parent)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.hover_left.emit()


class FiltersPanel(QWidget):
    hover_image = Signal(object)  # QImage of the current frame with the hovered filter, None when it ends
    message = Signal(str)

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("filters-panel")
        self.document = document
        self.entries = filter_entries()
        self.thumbnails: dict[str, QImage] = {}
        self.hovered: str | None = None
        self._snapshot: tuple[int, Project] | None = None
        self.list = FilterList(self)
        self.list.setObjectName("filter-list")
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setGridSize(QSize(THUMB.width() + 16, THUMB.height() + 34))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setDragEnabled(True)  # Static switches dragging off: rows still drag onto the timeline
        self.list.setDragDropMode(QListWidget.DragDropMode.DragOnly)
        self.list.setWordWrap(True)
        self.list.setMouseTracking(True)
        placeholder = _placeholder()
        for entry in self.entries:
            row = QListWidgetItem(placeholder, entry.name)
            row.setData(ID_ROLE, entry.id)
            row.setToolTip(f"{entry.name} ({entry.group}): hover to preview, double-click to apply")
            self.list.addItem(row)
        self.list.itemEntered.connect(lambda row: self.hover(row.data(ID_ROLE)))
        self.list.hover_left.connect(self.end_hover)
        self.list.itemActivated.connect(lambda row: self.apply(row.data(ID_ROLE)))
        self.apply_button = QPushButton("Apply to selection", self)
        self.apply_button.setObjectName("apply-filter")
        self.apply_button.clicked.connect(self._apply_current)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.apply_button)
        self.popup = QLabel(self)
        self.popup.setObjectName("filter-hover-preview")
        self.popup.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.popup.setStyleSheet("background: #101114; border: 1px solid #4c8dff; padding: 2px;")
        self.popup.hide()
        self.worker = LatestWorker(self)
        self.worker.done.connect(self._hover_ready)
        self.worker.failed.connect(lambda key, msg: self.message.emit(msg))
        self._thumb_job = run_job(lambda e=list(self.entries): make_thumbnails(e, (THUMB.width(), THUMB.height())),
                                  self, self._thumbnails_ready)

    def shutdown(self) -> None:
        if self.worker.isRunning():
            self.worker.stop()

    @property
    def thumbnails_ready(self) -> bool:
        return self._thumb_job is None

    def _thumbnails_ready(self, images: dict) -> None:
        self._thumb_job = None
        self.thumbnails = images
        for i in range(self.list.count()):
            row = self.list.item(i)
            image = images.get(row.data(ID_ROLE))
            if image is not None:
                row.setIcon(QIcon(QPixmap.fromImage(image)))

    # --- hover preview ------------------------------------------------------------------------

    def _project_snapshot(self) -> Project:
        doc = self.document
        if self._snapshot is None or self._snapshot[0] != doc.revision:
            self._snapshot = (doc.revision, doc.snapshot())
        return self._snapshot[1]

    def hover(self, filter_id: str) -> None:
        """Show ``filter_id`` on the current frame (in the background; the project is untouched)."""
        if filter_id == self.hovered:
            return
        self.hovered = filter_id
        project, t = self._project_snapshot(), self.document.playhead
        size = hover_size(project)
        self.worker.request(filter_id, lambda: filtered_frame(project, t, filter_id, size))

    def end_hover(self) -> None:
        self.hovered = None
        self.popup.hide()
        self.hover_image.emit(None)

    def _hover_ready(self, filter_id: str, image: QImage) -> None:
        if filter_id != self.hovered:
            return  # the pointer has moved on
        self.popup.setPixmap(self._labelled(image, next((e.name for e in self.entries if e.id == filter_id), filter_id)))
        self.popup.adjustSize()
        self.popup.move(max(0, self.width() - self.popup.width() - 8), 8)
        self.popup.show()
        self.popup.raise_()
        self.hover_image.emit(image)

    @staticmethod
    def _labelled(image: QImage, name: str) -> QPixmap:
        """The preview with the filter's name on a band along its foot."""
        pixmap = QPixmap.fromImage(image)
        painter = QPainter(pixmap)
        band = QRect(0, pixmap.height() - 22, pixmap.width(), 22)
        painter.fillRect(band, QColor(16, 17, 20, 200))
        painter.setPen(QColor("#dfe2e8"))
        painter.drawText(band, Qt.AlignmentFlag.AlignCenter, name)
        painter.end()
        return pixmap

    # --- applying -----------------------------------------------------------------------------

    def _apply_current(self) -> None:
        row = self.list.currentItem()
        if row is None:
            self.message.emit("Choose a filter first")
            return
        self.apply(row.data(ID_ROLE))

    def time_range(self) -> tuple[Fraction, Fraction]:
        """The selected items' span, or the whole project when nothing is selected."""
        doc = self.document
        chosen = [i for i in doc.project.items() if i.id in doc.selection]
        if chosen:
            return min(i.start for i in chosen), max(i.end for i in chosen)
        return Fraction(0), doc.project.duration

    def apply(self, filter_id: str, start=None, end=None) -> bool:
        """Add ``filter_id`` as a filter layer from ``start`` to ``end`` (default: over the
        selection, or the whole project), as one undo step."""
        doc = self.document
        if start is None or end is None:
            start, end = self.time_range()
        if end <= start:
            doc.failed.emit("Add clips before adding a filter: a filter layer covers clips below it")
            return False
        name = next((e.name for e in self.entries if e.id == filter_id), filter_id)
        try:
            edit, items = scratch_edit(doc.project, lambda p: api.add_filter(p, filter_id, SHOWCASE.get(filter_id),
                                                                            start=start, duration=end - start),
                                       f"Add filter {name}")
        except CapkitError as err:
            doc.failed.emit(str(err))
            return False
        if not doc.try_apply(edit):
            return False
        self.end_hover()
        doc.select([items[0].id])
        self.message.emit(f"Added {name} from {float(start):.2f} s to {float(end):.2f} s")
        return True

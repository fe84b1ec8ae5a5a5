"""The media bin: files the user brought in, with a thumbnail and duration made in the background.

Files arrive by the Import button / menu (a file dialog) or by dropping them from the file
manager; the media an open project uses are listed too (:meth:`MediaBin.sync_project`), and
those whose files are gone are marked *missing* (red, the path in the tooltip) until *Relink…*
(right-click) finds them. Double-clicking an entry, or dragging it onto the timeline, asks the window to add it as
a clip. Probing and decoding a thumbnail happen on the global thread pool; the list fills in
when each job reports back.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QMimeData,
    QObject,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QDrag, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capkit.errors import CapkitError
from capkit.model.items import MediaRef
from capkit.model.time import format_seconds

THUMB = QSize(112, 63)
MEDIA_FILTER = "Media (*.mp4 *.mov *.m4v *.mkv *.webm *.avi *.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff *.wav *.mp3 *.m4a *.aac *.flac *.ogg *.opus);;All files (*)"
PATH_ROLE = Qt.ItemDataRole.UserRole


@dataclass
class MediaEntry:
    path: Path
    kind: str = ""  # "video" | "image" | "audio", empty until probed
    duration: Fraction | None = None
    thumbnail: QImage | None = None
    error: str = ""
    missing: bool = False  # the project uses this file and it is not there

    @property
    def ready(self) -> bool:
        return bool(self.kind or self.error or self.missing)


class _JobSignals(QObject):
    done = Signal(str, str, object, object, str)  # path, kind, duration, QImage or None, error


class ThumbnailJob(QRunnable):
    """Probe one file and make its thumbnail, off the GUI thread."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.setAutoDelete(False)  # freed with its Python wrapper on the GUI thread, once it has reported
        self.path = path
        self.signals = _JobSignals()

    def run(self) -> None:
        try:
            kind, duration, image = describe(self.path)
        except CapkitError as err:
            self.signals.done.emit(str(self.path), "", None, None, str(err))
            return
        except Exception as err:  # an unexpected failure still ends the job, so the entry is not stuck
            self.signals.done.emit(str(self.path), "", None, None, f"{self.path.name}: {type(err).__name__}: {err}")
            return
        self.signals.done.emit(str(self.path), kind, duration, image, "")


def describe(path: Path) -> tuple[str, Fraction | None, QImage | None]:
    """Kind, duration and a thumbnail (None for sound) of a media file."""
    from capkit.media.probe import probe

    info = probe(path)
    if info.kind == "audio":
        return info.kind, info.duration, None
    if info.kind == "image":
        from capkit.media.image import load_image

        rgba = load_image(path)
        h, w = rgba.shape[:2]
        image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    else:
        from capkit.media.video import VideoReader

        v = info.video
        scale = min(THUMB.width() / v.display_width, THUMB.height() / v.display_height)
        size = (max(2, round(v.display_width * scale)), max(2, round(v.display_height * scale)))
        with VideoReader(path, size=size) as reader:
            at = min(Fraction(1), (info.duration or Fraction(0)) / 3)
            rgb = np.ascontiguousarray(reader.frame_at(at))
        h, w = rgb.shape[:2]
        image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return info.kind, info.duration, image.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation)


def _icon(image: QImage | None, kind: str) -> QIcon:
    canvas = QPixmap(THUMB)
    canvas.fill(QColor("#15161a"))
    painter = QPainter(canvas)
    if kind == "missing":
        painter.fillRect(canvas.rect(), QColor("#3a1512"))
        painter.setPen(QColor("#ff5a4f"))
        font = painter.font()
        font.setPointSize(20)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(canvas.rect(), Qt.AlignmentFlag.AlignCenter, "!")
    elif image is not None:
        painter.drawImage((THUMB.width() - image.width()) // 2, (THUMB.height() - image.height()) // 2, image)
    else:
        painter.setPen(QColor("#6fcf8f" if kind == "audio" else "#7d828c"))
        font = painter.font()
        font.setPointSize(18 if kind == "audio" else 10)
        painter.setFont(font)
        painter.drawText(canvas.rect(), Qt.AlignmentFlag.AlignCenter, "♪" if kind == "audio" else "…")
    painter.end()
    return QIcon(canvas)


class MediaList(QListWidget):
    """The list itself: takes files dropped from outside, gives file URLs when dragged out."""

    files_dropped = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("media-list")
        self.setIconSize(THUMB)
        self.setViewMode(QListWidget.ViewMode.ListMode)
        self.setSpacing(2)
        self.setAcceptDrops(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QListWidget.DragDropMode.DragDrop)
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)

    def dragEnterEvent(self, event) -> None:
        if event.source() is not self and event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths and event.source() is not self:
            self.files_dropped.emit(paths)
            event.acceptProposedAction()
        else:
            event.ignore()

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(item.data(PATH_ROLE)) for item in items])
        return data

    def startDrag(self, actions) -> None:
        items = self.selectedItems()
        if not items:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData(items))
        drag.setPixmap(items[0].icon().pixmap(THUMB))
        drag.exec(Qt.DropAction.CopyAction)


class MediaBin(QWidget):
    add_requested = Signal(object)  # Path: put this file on the timeline
    relink_requested = Signal()  # the user chose Relink… on the list
    failed = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("media-bin")
        self.entries: dict[str, MediaEntry] = {}
        self._rows: dict[str, QListWidgetItem] = {}
        self._jobs: dict[str, ThumbnailJob] = {}
        self.list = MediaList(self)
        self.list.files_dropped.connect(self.import_files)
        self.list.itemDoubleClicked.connect(self._double_clicked)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        button = QPushButton("Import media…", self)
        button.clicked.connect(self.import_dialog)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(button)
        layout.addWidget(self.list, 1)

    def _double_clicked(self, row: QListWidgetItem) -> None:
        entry = self.entries.get(row.data(PATH_ROLE))
        if entry is not None and entry.missing:
            self.failed.emit(f"{entry.path} is missing: right-click > Relink… to find it")
            return
        self.add_requested.emit(Path(row.data(PATH_ROLE)))

    def context_menu(self) -> QMenu:
        """The list's right-click menu (built fresh; tests trigger its actions)."""
        menu = QMenu(self)
        relink = menu.addAction("Relink…", self.relink_requested.emit)
        relink.setObjectName("action-bin-relink")
        relink.setEnabled(any(e.missing for e in self.entries.values()))
        menu.addAction("Import media…", self.import_dialog)
        return menu

    def _context_menu(self, pos) -> None:
        self.context_menu().exec(self.list.viewport().mapToGlobal(pos))

    @property
    def missing(self) -> list[str]:
        return [key for key, e in self.entries.items() if e.missing]

    def sync_project(self, project) -> None:
        """List the media ``project`` uses: new ones are probed, absent ones marked missing,
        missing ones the project no longer uses (relinked elsewhere) taken off the list."""
        used = set()
        for item in project.items():
            ref = getattr(item, "source", None)
            if isinstance(ref, MediaRef) and ref.path and not ref.path.startswith("moviepy:"):
                used.add(str(Path(ref.path)))
        for key in [k for k, e in self.entries.items() if e.missing and (k not in used or Path(k).exists())]:
            self._remove(key)
        for key in sorted(used):
            entry = self.entries.get(key)
            exists = Path(key).exists()
            if entry is None:
                if exists:
                    self.import_files([key])
                else:
                    self._add_missing(key)

    def _remove(self, key: str) -> None:
        self.entries.pop(key, None)
        row = self._rows.pop(key, None)
        if row is not None:
            self.list.takeItem(self.list.row(row))

    def _add_missing(self, key: str) -> None:
        path = Path(key)
        self.entries[key] = MediaEntry(path, missing=True)
        row = QListWidgetItem(_icon(None, "missing"), f"{path.name}\nmissing")
        row.setData(PATH_ROLE, key)
        row.setToolTip(f"Missing: {key}\nRight-click > Relink… (or File > Relink Media…) to find it")
        row.setForeground(QColor("#ff8a80"))
        self.list.addItem(row)
        self._rows[key] = row

    def import_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import media", "", MEDIA_FILTER)
        self.import_files([Path(n) for n in names])

    def import_files(self, paths) -> None:
        for path in paths:
            path = Path(path).resolve()
            key = str(path)
            if key in self.entries and not self.entries[key].missing:
                continue
            if key in self.entries:
                self._remove(key)
            self.entries[key] = MediaEntry(path)
            row = QListWidgetItem(_icon(None, ""), f"{path.name}\n…")
            row.setData(PATH_ROLE, key)
            row.setToolTip(key)
            self.list.addItem(row)
            self._rows[key] = row
            job = ThumbnailJob(path)
            job.signals.done.connect(self._described)
            self._jobs[key] = job
            QThreadPool.globalInstance().start(job)

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def _described(self, key: str, kind: str, duration, image, error: str) -> None:
        self._jobs.pop(key, None)
        entry = self.entries.get(key)
        if entry is None:
            return
        entry.kind, entry.duration, entry.thumbnail, entry.error = kind, duration, image, error
        row = self._rows[key]
        if error:
            row.setText(f"{entry.path.name}\ncannot be used")
            row.setToolTip(error)
            row.setForeground(QColor("#ff8a80"))
            self.failed.emit(error)
            return
        length = format_seconds(duration) if duration is not None else "still image"
        row.setText(f"{entry.path.name}\n{kind} · {length}")
        row.setIcon(_icon(image, kind))

"""The sounds panel: the starter library capkit synthesises itself, and the user's own folders.

The library's files are written once into the cache (:func:`capkit.synth.sfx.ensure_library`) on
the thread pool the first time the panel is shown; *Add folder…* lists a folder of the user's
sounds (:func:`capkit.synth.sfx.scan_folder`, also in the background); the folders are
remembered in ``sound-folders.json`` in the user's config folder (right-click a folder's heading
to forget it). Double-clicking a sound (or
*Add at playhead*) puts it on an audio track at the playhead as one undo step: library effects
as role ``effect``, music beds and the user's files of ten seconds or more as ``music`` (so they
duck under voices), shorter files as ``effect``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capkit import api
from capkit.errors import CapkitError
from capkit.gui.background import run_job
from capkit.gui.document import Document
from capkit.gui.panels.drag import DragList
from capkit.gui.panels.replay import retarget, scratch_edit
from capkit.gui.recent import config_dir
from capkit.io import atomic
from capkit.model.time import format_seconds, frame_at, frame_time
from capkit.synth import sfx

ENTRY_ROLE = Qt.ItemDataRole.UserRole
FOLDER_ROLE = Qt.ItemDataRole.UserRole + 1
FOLDERS_FILE = "sound-folders.json"
MUSIC_SECONDS = 10  # a user's file this long or longer is music, shorter ones effects


def remembered_folders() -> list[Path]:
    """The user's sound folders from earlier sessions (a missing or damaged file: none)."""
    try:
        data = json.loads((config_dir() / FOLDERS_FILE).read_text(encoding="utf-8"))
        return [Path(p) for p in data.get("folders", []) if isinstance(p, str)]
    except (OSError, ValueError, AttributeError):
        return []


def remember_folders(folders: list[Path]) -> None:
    target = config_dir() / FOLDERS_FILE
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = atomic.temp_beside(target)
        tmp.write_text(json.dumps({"folders": [str(f) for f in folders]}, indent=1), encoding="utf-8")
        atomic.replace(tmp, target)
    except OSError:
        pass  # a read-only config folder costs the user the list, not the sounds


@dataclass(frozen=True)
class SoundEntry:
    path: Path
    name: str
    role: str  # "effect" | "music"
    duration: Fraction | None
    description: str = ""


class SoundsPanel(QWidget):
    message = Signal(str)

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("sounds-panel")
        self.document = document
        self.folders: list[Path] = []
        self.library_state = "not loaded"  # "loading", "ready", or the error
        self._jobs: set = set()
        self.list = DragList(self._payload, self)
        self.list.setObjectName("sound-list")
        self.list.itemActivated.connect(self._activated)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        add_folder = QPushButton("Add folder…", self)
        add_folder.setObjectName("add-sound-folder")
        add_folder.clicked.connect(self.folder_dialog)
        add = QPushButton("Add at playhead", self)
        add.setObjectName("add-sound")
        add.clicked.connect(lambda: self._activated(self.list.currentItem()))
        buttons = QHBoxLayout()
        buttons.addWidget(add_folder)
        buttons.addWidget(add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._library_heading = self._heading("Starter library · preparing…")

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.load_library()

    def _heading(self, text: str, after: QListWidgetItem | None = None) -> QListWidgetItem:
        row = QListWidgetItem(text)
        row.setFlags(Qt.ItemFlag.NoItemFlags)
        font = QFont()
        font.setBold(True)
        row.setFont(font)
        row.setForeground(QColor("#9aa0aa"))
        self.list.addItem(row) if after is None else self.list.insertItem(self.list.row(after) + 1, row)
        return row

    def _add_entry(self, entry: SoundEntry, at: int) -> None:
        length = format_seconds(entry.duration) if entry.duration is not None else "?"
        icon = "♪" if entry.role == "music" else "✦"
        row = QListWidgetItem(f"{icon}  {entry.name}   {length}")
        row.setData(ENTRY_ROLE, entry)
        row.setToolTip(entry.description or str(entry.path))
        self.list.insertItem(at, row)

    def entries(self) -> list[SoundEntry]:
        return [self.list.item(i).data(ENTRY_ROLE) for i in range(self.list.count())
                if self.list.item(i).data(ENTRY_ROLE) is not None]

    # --- the starter library ------------------------------------------------------------------

    def load_library(self) -> None:
        if self.library_state in ("loading", "ready"):
            return
        self.library_state = "loading"
        self._start(sfx.ensure_library, self._library_ready, self._library_failed)
        for folder in remembered_folders():
            if folder.is_dir():
                self.add_folder(folder, remember=False)

    def _start(self, fn, done, failed) -> None:
        holder: list = []

        def finish(result, callback=done):
            self._jobs.discard(holder[0])
            callback(result)

        job = run_job(fn, self, finish, lambda msg: finish(msg, failed))
        holder.append(job)
        self._jobs.add(job)

    def _library_ready(self, paths: dict) -> None:
        self.library_state = "ready"
        self._library_heading.setText("Starter library")
        self._library_heading.setToolTip("Made by capkit from numbers: free to use for anything, no attribution needed")
        at = self.list.row(self._library_heading) + 1
        for name, sound in sfx.LIBRARY.items():
            role = "music" if sound.kind == "bed" else "effect"
            entry = SoundEntry(paths[name], name, role, Fraction(sound.duration).limit_denominator(1000),
                               sound.description + (" Loops seamlessly." if sound.loopable else ""))
            self._add_entry(entry, at)
            at += 1

    def _library_failed(self, message: str) -> None:
        self.library_state = message
        self._library_heading.setText("Starter library: could not be prepared")
        self.message.emit(message)

    # --- the user's folders -------------------------------------------------------------------

    def folder_dialog(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Add a folder of sounds")
        if name:
            self.add_folder(Path(name))

    def add_folder(self, folder: Path, *, remember: bool = True) -> None:
        folder = Path(folder).resolve()
        if folder in self.folders:
            return
        self.folders.append(folder)
        if remember:
            remember_folders([*[f for f in remembered_folders() if f != folder], folder])
        heading = self._heading(f"{folder.name} · reading…")
        heading.setData(FOLDER_ROLE, str(folder))
        self._start(lambda: sfx.scan_folder(folder), lambda scan: self._folder_ready(heading, folder, scan),
                    lambda msg: self._folder_failed(heading, folder, msg))

    def _folder_ready(self, heading: QListWidgetItem, folder: Path, scan) -> None:
        skipped = f", {len(scan.skipped)} skipped" if scan.skipped else ""
        heading.setText(f"{folder.name} ({len(scan.sounds)} sounds{skipped})")
        heading.setToolTip("\n".join([str(folder), *(s.reason for s in scan.skipped)]))
        at = self.list.row(heading) + 1
        for found in scan.sounds:
            long = found.duration is not None and found.duration >= MUSIC_SECONDS
            self._add_entry(SoundEntry(found.path, found.name, "music" if long else "effect", found.duration), at)
            at += 1

    def _folder_failed(self, heading: QListWidgetItem, folder: Path, message: str) -> None:
        heading.setText(f"{folder.name}: cannot be read")
        self.folders.remove(folder)
        self.message.emit(message)

    def forget_folder(self, folder: Path) -> None:
        """Take a folder's sounds off the list, now and in later sessions."""
        folder = Path(folder).resolve()
        for i in reversed(range(self.list.count())):
            row = self.list.item(i)
            entry = row.data(ENTRY_ROLE)
            if row.data(FOLDER_ROLE) == str(folder) or (entry is not None and entry.path.is_relative_to(folder)):
                self.list.takeItem(i)
        if folder in self.folders:
            self.folders.remove(folder)
        remember_folders([f for f in remembered_folders() if f != folder])

    def _context_menu(self, pos) -> None:
        row = self.list.itemAt(pos)
        folder = None if row is None else row.data(FOLDER_ROLE)
        if folder is None:
            return
        menu = QMenu(self)
        menu.addAction(f"Forget {Path(folder).name}", lambda: self.forget_folder(Path(folder)))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    # --- adding -------------------------------------------------------------------------------

    def _activated(self, row: QListWidgetItem | None) -> None:
        entry = None if row is None else row.data(ENTRY_ROLE)
        if entry is None:
            self.message.emit("Choose a sound first")
            return
        self.add(entry)

    @staticmethod
    def _payload(row: QListWidgetItem) -> dict | None:
        entry = row.data(ENTRY_ROLE)
        if entry is None:
            return None
        return {"kind": "sound", "path": str(entry.path), "name": entry.name, "role": entry.role}

    @staticmethod
    def entry_from_payload(payload: dict) -> SoundEntry:
        return SoundEntry(Path(payload["path"]), str(payload.get("name", "")), str(payload.get("role", "effect")), None)

    def add(self, entry: SoundEntry, start=None, track_id: str | None = None) -> bool:
        """Add ``entry`` at ``start`` (default: the playhead), on ``track_id`` when that audio track
        has room there, as one undo step."""
        doc = self.document
        start = frame_time(frame_at(doc.playhead if start is None else start, doc.fps), doc.fps)
        try:
            edit, items = scratch_edit(doc.project, lambda p: api.add_audio(p, entry.path, start=start, role=entry.role),
                                       f"Add sound {entry.name}")
            edit = retarget(doc.project, edit, items[0], track_id)
        except CapkitError as err:
            doc.failed.emit(str(err))
            return False
        if not doc.try_apply(edit):
            return False
        doc.select([items[0].id])
        self.message.emit(f"Added {entry.name} at {float(start):.2f} s")
        return True

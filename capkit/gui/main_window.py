"""The main window: menus, toolbar, status bar, the docked panels and the keyboard shortcuts.

It wires panels to the document and turns menu commands into edits; it holds no editing rules
itself (those are in :mod:`capkit.model.edits` and :mod:`capkit.gui.timeline.commands`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capkit import api
from capkit.errors import CapkitError
from capkit.gui import overlays, recent
from capkit.gui.audio_preview import AudioPreview
from capkit.gui.autosave import AutosaveController, status_text
from capkit.gui.document import Document
from capkit.gui.icons import action_icon
from capkit.gui.inspector import Inspector
from capkit.gui.media_bin import MediaBin
from capkit.gui.media_import import add_media_edit
from capkit.gui.panels import install_panels
from capkit.gui.playback import Playback
from capkit.gui.preview import PreviewWidget
from capkit.gui.start_screen import StartScreen
from capkit.gui.timeline import TimelineWidget, commands
from capkit.io import project_file
from capkit.model.edits import Edit, Group, SetProperty
from capkit.model.time import format_timecode

PROJECT_FILTER = "capkit projects (*.capkit)"

# name: (menu text, shortcuts, toolbar?)
ACTIONS = {
    "new": ("&New…", [QKeySequence.StandardKey.New], False),
    "open": ("&Open…", [QKeySequence.StandardKey.Open], False),
    "save": ("&Save", ["Ctrl+S"], False),
    "save_as": ("Save &As…", ["Ctrl+Shift+S"], False),
    "import": ("&Import Media…", ["Ctrl+I"], True),
    "relink": ("&Relink Media…", [], False),
    "export": ("&Export…", ["Ctrl+E"], True),
    "quit": ("&Quit", ["Ctrl+Q"], False),
    "undo": ("&Undo", ["Ctrl+Z"], True),
    "redo": ("&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], True),
    "split": ("&Split at Playhead", ["S"], True),
    "delete": ("&Delete", ["Delete", "Backspace"], True),
    "ripple_delete": ("Ripple De&lete", ["Shift+Delete", "Shift+Backspace"], True),
    "zoom_in": ("Zoom &In", ["+", "=", "Ctrl+="], True),
    "zoom_out": ("Zoom &Out", ["-", "Ctrl+-"], True),
    "play": ("&Play / Pause", ["Space"], True),
    "backward": ("Play &Backwards (J)", ["J"], False),
    "pause": ("Pause (&K)", ["K"], False),
    "forward": ("Play &Forwards (L)", ["L"], False),
    "prev_frame": ("Previous Frame", ["Left"], False),
    "next_frame": ("Next Frame", ["Right"], False),
}
MENUS = {
    "&File": ["new", "open", "save", "save_as", None, "import", "relink", "export", None, "quit"],
    "&Edit": ["undo", "redo", None, "split", "delete", "ripple_delete"],
    "&View": ["zoom_in", "zoom_out"],
    "&Playback": ["play", "backward", "pause", "forward", None, "prev_frame", "next_frame"],
}
TOOLBAR = ["import", "export", None, "undo", "redo", None, "split", "delete", "ripple_delete", None, "play", None,
           "zoom_out", "zoom_in"]


def relink_edit(project, found: dict[str, str]) -> Edit | None:
    """Point every clip whose source is a key of ``found`` at its new path: one undo step."""
    edits: list[Edit] = []
    for item in project.items():
        source = getattr(item, "source", None)
        new = found.get(getattr(source, "path", None) or "")
        if new is not None:
            edits.append(SetProperty(item.id, "source.path", new))
    return Group(edits, "Relink media") if edits else None


FILTER_DROP_SECONDS = 3


def filter_span(project, t, item_id: str | None = None):
    """Where a filter dropped at ``t`` goes: over the clip it was dropped on, else over the
    picture under ``t`` (the topmost visual clip there), else ``FILTER_DROP_SECONDS`` from ``t``."""
    from fractions import Fraction

    if item_id is not None:
        try:
            item = project.find(item_id)[1]
            return item.start, item.end
        except (KeyError, LookupError, CapkitError):
            pass
    for track in reversed(project.tracks):
        if track.kind != "video":
            continue
        for item in track.items:
            if item.start <= t < item.end:
                return item.start, item.end
    return t, t + Fraction(FILTER_DROP_SECONDS)


class MainWindow(QMainWindow):
    """The editor's window. With a ``session`` (:func:`capkit.gui.autosave.start_session`) it
    autosaves; ``autosave`` passes options to :class:`~capkit.gui.autosave.AutosaveController`."""

    def __init__(self, document: Document | None = None, *, session=None, autosave: dict | None = None,
                 audio: AudioPreview | None = None) -> None:
        super().__init__()
        self.setObjectName("main-window")
        self.document = document or Document(api.new_project(name="Untitled"))
        self.audio = audio or AudioPreview(self)
        self.playback = Playback(self.document, self, audio=self.audio)
        self.export_dialog = None
        self.resize(1400, 860)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        self.preview = PreviewWidget(self.document, self)
        self.timecode = QLabel(self)
        self.timecode.setObjectName("timecode")
        self.setCentralWidget(self._centre())
        self.media_bin = MediaBin(self)
        self.inspector = Inspector(self.document, self)
        self.timeline = TimelineWidget(self.document, self)
        self._dock("Media", self.media_bin, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        timeline_dock = self._dock("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([timeline_dock], [300], Qt.Orientation.Vertical)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        install_panels(self)  # Text, Filters, Sounds beside Media; Captions beside the Inspector

        self.action_map: dict[str, QAction] = {}
        self._build_actions()
        self.autosave_label = QLabel("", self)
        self.autosave_label.setObjectName("autosave-status")
        self.statusBar().addPermanentWidget(self.autosave_label)
        self.autosave: AutosaveController | None = None
        if session is not None:
            self.autosave = AutosaveController(self.document, session, parent=self, **(autosave or {}))
            self.autosave.autosaved.connect(self._autosaved)
            self.autosave.failed.connect(self._autosave_failed)

        doc = self.document
        doc.changed.connect(self._refresh)
        doc.dirty_changed.connect(self._refresh)
        doc.path_changed.connect(self._refresh)
        doc.playhead_changed.connect(self._show_time)
        doc.failed.connect(self.show_error)
        self.media_bin.add_requested.connect(lambda path: self.add_media(path))
        self.media_bin.relink_requested.connect(self.relink_dialog)
        doc.changed.connect(lambda: self.media_bin.sync_project(doc.project))
        self.media_bin.sync_project(doc.project)
        self.timeline.view.media.proxies = self.preview.proxies.ready  # thumbnails from proxies when made
        self.timeline.view.panel_dropped.connect(self._panel_dropped)
        self._relinking = None
        self.media_bin.failed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self.timeline.view.media_dropped.connect(self._dropped_on_timeline)
        self.timeline.view.message.connect(lambda msg: self.statusBar().showMessage(msg, 5000))
        self.playback.state_changed.connect(self._playing)
        self.playback.state_changed.connect(self.preview.set_playing)
        self.audio.problem.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self._refresh()

    def _safe_zone_menu(self, view_menu) -> None:
        """View > Safe Zones: none, or the areas one platform's buttons and labels cover."""
        menu = view_menu.addMenu("Safe &Zones")
        group = QActionGroup(self)
        group.setExclusive(True)
        choices = [(None, "&None")]
        for name in overlays.SAFE_ZONE_PRESETS:
            try:
                choices.append((name, overlays.safe_zone_title(name)))
            except CapkitError:
                continue  # a preset that does not read is skipped, the others still show
        for name, text in choices:
            action = QAction(text, self)
            action.setObjectName(f"action-safe-zone-{name or 'none'}")
            action.setCheckable(True)
            action.setChecked(name is None)
            action.triggered.connect(lambda _=False, n=name: self.preview.set_safe_zone(n))
            group.addAction(action)
            menu.addAction(action)
            self.action_map[f"safe_zone_{name or 'none'}"] = action

    # --- layout -----------------------------------------------------------------------------

    def _centre(self) -> QWidget:
        host = QWidget(self)
        transport = QHBoxLayout()
        transport.setContentsMargins(8, 0, 8, 6)
        self.play_button = QPushButton("▶", host)
        self.play_button.setObjectName("play-button")
        self.play_button.setFixedWidth(44)
        self.play_button.clicked.connect(self.playback.toggle)
        transport.addStretch(1)
        transport.addWidget(self.play_button)
        transport.addWidget(self.timecode)
        transport.addStretch(1)
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview, 1)
        layout.addLayout(transport)
        return host

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        handlers = {
            "new": self.new_project, "open": self.open_dialog, "save": self.save, "save_as": self.save_as_dialog,
            "import": self.media_bin.import_dialog, "relink": self.relink_dialog, "export": self.open_export_dialog, "quit": self.close,
            "undo": self.document.undo, "redo": self.document.redo,
            "split": self.split, "delete": self.delete, "ripple_delete": lambda: self.delete(ripple=True),
            "zoom_in": self.timeline.zoom_in, "zoom_out": self.timeline.zoom_out,
            "play": self.playback.toggle, "backward": self.playback.backward, "pause": self.playback.pause,
            "forward": self.playback.forward,
            "prev_frame": lambda: self.document.step_frames(-1), "next_frame": lambda: self.document.step_frames(1),
        }
        for name, (text, keys, _) in ACTIONS.items():
            action = QAction(text, self)
            action.setObjectName(f"action-{name}")
            icon = action_icon(name)
            if icon is not None:
                action.setIcon(icon)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, f=handlers[name]: f())
            self.addAction(action)
            self.action_map[name] = action
        for title, names in MENUS.items():
            menu = self.menuBar().addMenu(title)
            for name in names:
                menu.addSeparator() if name is None else menu.addAction(self.action_map[name])
            if title == "&View":
                self._safe_zone_menu(menu)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("toolbar-main")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name in TOOLBAR:
            if name is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.action_map[name])

    # --- state shown --------------------------------------------------------------------------

    def _refresh(self, *_) -> None:
        doc = self.document
        self.setWindowTitle(f"{doc.title} — capkit")
        self.action_map["undo"].setEnabled(doc.history.can_undo)
        self.action_map["redo"].setEnabled(doc.history.can_redo)
        self.action_map["undo"].setText(f"&Undo {doc.history.undo_label() or ''}".strip())
        self.action_map["redo"].setText(f"&Redo {doc.history.redo_label() or ''}".strip())
        self._show_time()

    def _show_time(self, *_) -> None:
        doc = self.document
        self.timecode.setText(f"{format_timecode(doc.playhead, doc.fps)} / {format_timecode(doc.project.duration, doc.fps)}")

    def _playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚" if playing else "▶")

    def _autosaved(self, backup) -> None:
        self.autosave_label.setText(status_text(backup))

    def _autosave_failed(self, message: str) -> None:
        self.autosave_label.setText("autosave failed")
        self.statusBar().showMessage(message, 10_000)

    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "capkit", message)

    # --- files --------------------------------------------------------------------------------

    def confirm_discard(self) -> bool:
        """Ask what to do with unsaved changes; False means the user cancelled."""
        if not self.document.dirty:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.document.title.rstrip(' *')} before closing?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save,
        )
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    def new_project(self) -> None:
        if not self.confirm_discard():
            return
        start = StartScreen(self)
        if start.exec():
            self.apply_start_choice(start)

    def apply_start_choice(self, start: StartScreen) -> None:
        if start.open_path is not None:
            self.open_project(start.open_path)
        elif start.preset is not None:
            self.playback.pause()
            p = start.preset
            self.document.replace(api.new_project(p.width, p.height, name="Untitled"))

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        name, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if name:
            self.open_project(Path(name))

    def open_project(self, path: str | Path) -> bool:
        self.playback.pause()
        try:
            self.document.open(path)
        except CapkitError as err:
            self.show_error(str(err))
            return False
        recent.remember(path)
        from capkit.io.backups import clean_stale_temps

        clean_stale_temps(self.document.path)  # what a save killed midway left beside the file
        missing = project_file.missing_media(self.document.project)
        if missing:
            self.statusBar().showMessage(
                f"{len(missing)} media file{'s are' if len(missing) > 1 else ' is'} missing ({Path(missing[0]).name}…): "
                "File > Relink Media… finds them", 15_000)
        return True

    # --- missing media --------------------------------------------------------------------------

    def relink_dialog(self) -> None:
        """File > Relink Media…: look for the missing files under a folder the user picks."""
        if not project_file.missing_media(self.document.project):
            self.statusBar().showMessage("No media is missing", 4000)
            return
        start = str(self.document.path.parent) if self.document.path else ""
        folder = QFileDialog.getExistingDirectory(self, "Find the missing media in…", start)
        if folder:
            self.relink_from(folder)

    def relink_from(self, folder: str | Path) -> None:
        """Search ``folder`` (in the background: fingerprints read files) for the missing media and
        point the clips at what is found, as one undo step."""
        from capkit.gui.background import run_job

        snapshot = self.document.snapshot()
        self.statusBar().showMessage(f"Looking for the missing media in {folder}…")
        self._relinking = run_job(lambda: project_file.relink(snapshot, [folder]), self, self._relinked,
                                  self._relink_failed)

    @property
    def relinking(self) -> bool:
        return self._relinking is not None

    def _relink_failed(self, message: str) -> None:
        self._relinking = None
        self.show_error(message)

    def _relinked(self, result) -> None:
        self._relinking = None
        edit = relink_edit(self.document.project, result.found)
        if edit is not None and not self.document.try_apply(edit):
            return
        found, left = len(result.found), len(result.missing)
        text = f"Relinked {found} file{'s' if found != 1 else ''}"
        if left:
            text += f"; {left} still missing ({Path(result.missing[0]).name}…)"
        self.statusBar().showMessage(text if found else f"None of the {left} missing files were found there", 10_000)

    def open_backup(self, backup) -> bool:
        """Open an autosave backup as unsaved changes to its project (the file is not touched)."""
        self.playback.pause()
        try:
            project = backup.load()
        except CapkitError as err:
            self.show_error(str(err))
            return False
        self.document.replace(project, backup.original, unsaved=True)
        self.statusBar().showMessage(f"Restored the autosave of {backup.time.astimezone():%H:%M:%S}; "
                                     "save to keep it", 10_000)
        return True

    def open_export_dialog(self):
        """File > Export: the dialog works on a copy of the project as it is now."""
        from capkit.gui.export_dialog import ExportDialog

        self.playback.pause()
        if self.export_dialog is not None and self.export_dialog.running:
            self.export_dialog.raise_()
            return self.export_dialog
        self.export_dialog = ExportDialog(self.document.snapshot(), self.document.path, self)
        self.export_dialog.open()
        return self.export_dialog

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as_dialog()
        return self.save_as(self.document.path)

    def save_as_dialog(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(self, "Save project", f"{self.document.project.name}.capkit", PROJECT_FILTER)
        return bool(name) and self.save_as(Path(name))

    def save_as(self, path: str | Path) -> bool:
        try:
            saved = self.document.save_as(path)
        except CapkitError as err:
            self.show_error(str(err))
            return False
        recent.remember(saved)
        self.statusBar().showMessage(f"Saved {saved}", 4000)
        return True

    def closeEvent(self, event) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        if self.export_dialog is not None:
            self.export_dialog.reject()  # cancels an export (no half-written file) and ends its threads
        self.playback.pause()
        self.preview.shutdown()
        self.audio.shutdown()
        if self.autosave is not None:
            self.autosave.close()
        event.accept()

    # --- editing ------------------------------------------------------------------------------

    def add_media(self, path: str | Path, start=None, track_id: str | None = None) -> bool:
        """Put a media file on the timeline as one undo step."""
        try:
            edit = add_media_edit(self.document.project, path, start=start, track_id=track_id)
        except CapkitError as err:
            self.show_error(str(err))
            return False
        return self.document.try_apply(edit)

    def _dropped_on_timeline(self, paths: list, t, track_id) -> None:
        self.media_bin.import_files(paths)
        for path in paths:
            if not self.add_media(path, start=t, track_id=track_id):
                break
            t = None  # the rest follow on the main track

    def _panel_dropped(self, payload: dict, t, track_id, item_id) -> bool:
        """A text preset, filter or sound dropped on the timeline: the panel's own add, at ``t``."""
        panels = getattr(self, "panels", {})
        kind = payload.get("kind")
        try:
            if kind == "text" and "text" in panels:
                return panels["text"].add(int(payload["index"]), start=t, track_id=track_id)
            if kind == "sound" and "sounds" in panels:
                entry = panels["sounds"].entry_from_payload(payload)
                return panels["sounds"].add(entry, start=t, track_id=track_id)
            if kind == "filter" and "filters" in panels:
                start, end = filter_span(self.document.project, t, item_id)
                return panels["filters"].apply(str(payload["id"]), start=start, end=end)
        except (KeyError, ValueError, TypeError):
            pass
        self.statusBar().showMessage("That cannot be dropped on the timeline", 4000)
        return False

    def split(self) -> None:
        doc = self.document
        edit = commands.split_at(doc.project, doc.selection, doc.playhead)
        if edit is None:
            self.statusBar().showMessage("Nothing under the playhead to split", 4000)
            return
        doc.try_apply(edit)

    def delete(self, ripple: bool = False) -> None:
        doc = self.document
        edit = commands.delete(doc.project, doc.selection, ripple=ripple)
        if edit is None:
            self.statusBar().showMessage("Select the items to delete first", 4000)
            return
        doc.try_apply(edit)

"""The open project as the GUI sees it: project, undo stack, file path, selection and playhead.

Views never change the project themselves: they hand an edit to :meth:`Document.apply` and redraw
when :attr:`Document.changed` fires. Selection and playhead are view state, not project data, so
they are not undoable and never make the document dirty.
"""

from __future__ import annotations

import copy
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from capkit.errors import CapkitError
from capkit.io import project_file
from capkit.model.edits import Edit
from capkit.model.history import History
from capkit.model.project import Project, Settings
from capkit.model.time import frame_at, frame_time


class Document(QObject):
    changed = Signal()  # the project changed (edit, undo, redo, open, new)
    selection_changed = Signal()
    playhead_changed = Signal(object)  # Fraction seconds
    path_changed = Signal()
    dirty_changed = Signal(bool)
    failed = Signal(str)  # a CapkitError message for the user

    def __init__(self, project: Project | None = None, path: str | Path | None = None, parent=None) -> None:
        super().__init__(parent)
        self._project = project or Project(settings=Settings())
        self.history = History(self._project)
        self._path = Path(path) if path else None
        self._selection: set[str] = set()
        self._playhead = Fraction(0)
        self._dirty = False
        self._unsaved = False  # a project that no file holds yet (restored from a backup)
        self.revision = 0  # bumped on every project change; views cache against it

    # --- state ------------------------------------------------------------------------------

    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def dirty(self) -> bool:
        return self.history.dirty or self._unsaved

    @property
    def title(self) -> str:
        name = self._path.stem if self._path else (self._project.name or "Untitled")
        return name + (" *" if self.dirty else "")

    @property
    def fps(self) -> Fraction:
        return self._project.settings.fps

    # --- edits ------------------------------------------------------------------------------

    def apply(self, edit: Edit) -> Edit:
        """Apply ``edit`` as one undo step; raises ``CapkitError`` and leaves the project unchanged."""
        self.history.do(edit)
        self._after_change()
        return edit

    def try_apply(self, edit: Edit) -> bool:
        """Like :meth:`apply`, but a refused edit is reported through :attr:`failed`."""
        try:
            self.apply(edit)
        except CapkitError as err:
            self.failed.emit(str(err))
            return False
        return True

    def undo(self) -> None:
        if self.history.undo() is not None:
            self._after_change()

    def redo(self) -> None:
        if self.history.redo() is not None:
            self._after_change()

    def _after_change(self) -> None:
        self.revision += 1
        alive = {i.id for i in self._project.items()}
        if self._selection - alive:
            self._selection &= alive
            self.selection_changed.emit()
        self.changed.emit()
        self._emit_dirty()

    def _emit_dirty(self) -> None:
        if self.dirty != self._dirty:
            self._dirty = self.dirty
            self.dirty_changed.emit(self._dirty)

    def snapshot(self) -> Project:
        """A copy of the project that other threads may read while editing goes on."""
        return copy.deepcopy(self._project)

    # --- files ------------------------------------------------------------------------------

    def replace(self, project: Project, path: str | Path | None = None, *, unsaved: bool = False) -> None:
        """Start over with another project (new or opened): empty undo stack, clean state.

        ``unsaved`` marks a project the file at ``path`` does not hold (one restored from a
        backup): it stays dirty until saved, so closing asks first."""
        self._project = project
        self.history = History(project)
        self.history.mark_saved()
        self._unsaved = unsaved
        self._path = Path(path) if path else None
        self._selection = set()
        self._playhead = Fraction(0)
        self.revision += 1
        self.selection_changed.emit()
        self.playhead_changed.emit(self._playhead)
        self.path_changed.emit()
        self.changed.emit()
        self._emit_dirty()

    def open(self, path: str | Path) -> None:
        """Load ``path``; raises ``ProjectFileError`` and keeps the current project if it cannot."""
        project = project_file.load(path)
        self.replace(project, Path(path).resolve())

    def save(self) -> Path:
        if self._path is None:
            raise CapkitError("the project has no file yet: use Save As to choose one")
        return self.save_as(self._path)

    def save_as(self, path: str | Path) -> Path:
        path = Path(path)
        if path.suffix != project_file.SUFFIX:
            path = path.with_name(path.name + project_file.SUFFIX)
        project_file.save(self._project, path)
        self.history.mark_saved()
        self._unsaved = False
        if self._path != path.resolve():
            self._path = path.resolve()
            self.path_changed.emit()
        self._emit_dirty()
        return self._path

    # --- selection --------------------------------------------------------------------------

    @property
    def selection(self) -> frozenset[str]:
        return frozenset(self._selection)

    def select(self, item_ids, *, add: bool = False, toggle: bool = False) -> None:
        ids = set(item_ids)
        if toggle:
            new = self._selection ^ ids
        elif add:
            new = self._selection | ids
        else:
            new = ids
        if new != self._selection:
            self._selection = new
            self.selection_changed.emit()

    # --- playhead ---------------------------------------------------------------------------

    @property
    def playhead(self) -> Fraction:
        return self._playhead

    def set_playhead(self, t: Fraction) -> None:
        t = max(Fraction(0), Fraction(t))
        if t != self._playhead:
            self._playhead = t
            self.playhead_changed.emit(t)

    def step_frames(self, n: int) -> None:
        """Move the playhead ``n`` frames (negative: back), landing on frame starts."""
        frame = frame_at(self._playhead, self.fps) + n
        self.set_playhead(frame_time(max(0, frame), self.fps))

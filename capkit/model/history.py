"""The undo stack: applies edits to one project and can take them back.

The GUI listens to it to refresh views; scripts use it directly. ``group()`` gathers the edits of
one gesture (a drag that moves several clips, a paste) into one undo step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from capkit.model.edits import Edit, Group
from capkit.model.project import Project

Listener = Callable[[str, Edit], None]


class History:
    def __init__(self, project: Project, *, limit: int = 1000) -> None:
        self.project = project
        self.limit = limit
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self._open: list[list[Edit]] = []
        self._saved_at: Edit | None = None
        self.listeners: list[Listener] = []

    def do(self, edit: Edit) -> Edit:
        """Apply ``edit`` and make it the next thing undo takes back. Raises ``EditError`` unchanged."""
        edit.apply(self.project)
        if self._open:
            self._open[-1].append(edit)
        else:
            self._push(edit)
        self._notify("do", edit)
        return edit

    def _push(self, edit: Edit) -> None:
        self._undo.append(edit)
        del self._undo[: -self.limit]
        self._redo.clear()

    @contextmanager
    def group(self, label: str) -> Iterator[None]:
        """Edits done inside the block undo as one step; if the block fails they are all reverted."""
        self._open.append([])
        try:
            yield
        except BaseException:
            for e in reversed(self._open.pop()):
                e.revert(self.project)
            raise
        edits = self._open.pop()
        if not edits:
            return
        grouped = Group(edits, label)
        if self._open:
            self._open[-1].append(grouped)
        else:
            self._push(grouped)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def undo(self) -> Edit | None:
        if not self._undo:
            return None
        edit = self._undo.pop()
        edit.revert(self.project)
        self._redo.append(edit)
        self._notify("undo", edit)
        return edit

    def redo(self) -> Edit | None:
        if not self._redo:
            return None
        edit = self._redo.pop()
        edit.apply(self.project)
        self._undo.append(edit)
        self._notify("redo", edit)
        return edit

    def mark_saved(self) -> None:
        self._saved_at = self._undo[-1] if self._undo else None

    @property
    def dirty(self) -> bool:
        return (self._undo[-1] if self._undo else None) is not self._saved_at

    def _notify(self, what: str, edit: Edit) -> None:
        for listener in list(self.listeners):
            listener(what, edit)

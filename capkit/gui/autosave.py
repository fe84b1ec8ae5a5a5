"""Autosave in the editor: Qt glue around :class:`capkit.io.backups.Autosaver`.

The rules (where backups go, how many are kept, when one is due) are :mod:`capkit.io.backups`'s;
this module only decides *when to ask*. A generation counter moves on every change of the document
(edit, undo, redo, open); a timer asks every ``tick_ms`` and an edit asks once the user pauses for
``debounce_ms``. When a backup is due, the project is copied on the GUI thread
(:meth:`Document.snapshot`) and written on a worker thread, so a big project never stalls typing.
When the document is clean (just saved, opened, or undone back to what the file holds) the
autosaver is told the file holds that generation, and nothing is written until the next change.
"""

from __future__ import annotations

import threading
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from capkit.errors import CapkitError
from capkit.gui.document import Document
from capkit.io import backups

TICK_MS = 5_000
DEBOUNCE_MS = 1_500


def start_session(root=None) -> tuple[backups.Session | None, str]:
    """Begin this editor's session (its lock); (None, why) when the data folder is not writable."""
    try:
        return backups.Session.start(root), ""
    except CapkitError as err:
        return None, str(err)


class AutosaveController(QObject):
    autosaved = Signal(object)  # the Backup written
    failed = Signal(str)
    _wrote = Signal(object)  # from the writing thread, delivered on the GUI thread

    def __init__(self, document: Document, session: backups.Session, *, interval: float = backups.INTERVAL,
                 tick_ms: int = TICK_MS, debounce_ms: int = DEBOUNCE_MS, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.session = session
        self.generation = 0
        self.saver = backups.Autosaver(session, document.path, interval=interval)
        self.last: backups.Backup | None = None  # set on the GUI thread, with the autosaved signal
        self._writing: threading.Thread | None = None
        self._closed = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(tick_ms)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(debounce_ms)
        self.debounce.timeout.connect(self.tick)
        self._wrote.connect(self._written)
        document.changed.connect(self._changed)
        document.dirty_changed.connect(self._dirty_changed)
        document.path_changed.connect(self._path_changed)

    # --- document events ----------------------------------------------------------------------

    def _changed(self) -> None:
        self.generation += 1
        if not self.document.dirty:
            self.saver.saved(self.generation)  # the file on disk holds exactly this
        else:
            self.debounce.start()

    def _dirty_changed(self, dirty: bool) -> None:
        if not dirty:
            self.saver.saved(self.generation)

    def _path_changed(self) -> None:
        self.saver.set_path(self.document.path)

    # --- writing ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._writing is not None and self._writing.is_alive()

    def tick(self) -> None:
        """Write a backup on a worker thread if one is due (changes since the last, interval passed)."""
        if self._closed or self.busy or not self.saver.due(self.generation):
            return
        self._write(self.document.snapshot(), self.generation)

    def backup_now(self) -> None:
        """Write a backup of any unsaved changes now, ignoring the interval (e.g. before a risky step)."""
        if self._closed or not self.saver.pending(self.generation):
            return
        self.wait()
        self._write(self.document.snapshot(), self.generation, force=True)

    def _write(self, project, generation: int, force: bool = False) -> None:
        def run() -> None:
            made = self.saver.backup(project, generation) if force else self.saver.tick(project, generation)
            if made is not None:
                self._wrote.emit(made)
            elif self.saver.error:
                self.failed.emit(self.saver.error)

        self._writing = threading.Thread(target=run, name="capkit-autosave", daemon=True)
        self._writing.start()

    def _written(self, backup: backups.Backup) -> None:
        self.last = backup
        self.autosaved.emit(backup)

    def wait(self, timeout: float | None = 30.0) -> None:
        if self._writing is not None:
            self._writing.join(timeout)

    def close(self) -> None:
        """A clean close: stop asking, let a write in progress finish, remove the session lock."""
        self._closed = True
        self.timer.stop()
        self.debounce.stop()
        self.wait()
        self.session.clean_close()


def status_text(backup: backups.Backup) -> str:
    """``autosaved 18:28:14`` in local time."""
    local = backup.time.astimezone() if isinstance(backup.time, datetime) else backup.time
    return f"autosaved {local:%H:%M:%S}"

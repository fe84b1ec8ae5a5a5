"""Running work off the GUI thread: one-off jobs on the global thread pool, and a worker thread
that only ever does the latest thing asked of it (hover previews: moving on drops what is stale).

Results come back to the GUI thread as signals; a job's exception is reported as a message (a
``CapkitError``'s own words, otherwise the exception's type and text), never raised into Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from capkit.errors import CapkitError


def describe_error(err: BaseException) -> str:
    return str(err) if isinstance(err, CapkitError) else f"{type(err).__name__}: {err}"


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)
    finished = Signal(object)  # the job, handed back to be let go of on the GUI thread


class _Keeper(QObject):
    """Holds every job in flight and lets go of it on the GUI thread, after its result has been
    delivered: a job's signal object was made on the GUI thread and must not be destroyed by a
    pool thread (Python would free it there as soon as the last reference went)."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: set = set()

    def release(self, job) -> None:
        self.jobs.discard(job)


_keeper: _Keeper | None = None


def _keep(job) -> None:
    global _keeper
    if _keeper is None:
        _keeper = _Keeper()  # made on the GUI thread, where jobs are started
    _keeper.jobs.add(job)
    job.signals.finished.connect(_keeper.release)  # queued: runs on the GUI thread


class Job(QRunnable):
    """``fn()`` on the global pool; ``signals.done(result)`` or ``signals.failed(message)``."""

    def __init__(self, fn: Callable[[], object]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # freed with its Python wrapper, on the GUI thread (see _Keeper)
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:
        try:
            try:
                result = self.fn()
            except Exception as err:  # the job must report, whatever broke it
                self.signals.failed.emit(describe_error(err))
            else:
                self.signals.done.emit(result)
        except RuntimeError:  # the application is shutting down: there is no one left to tell
            pass
        finally:
            try:
                self.signals.finished.emit(self)
            except RuntimeError:
                pass


class _Relay(QObject):
    """Hands a job's result to callbacks while ``owner`` lives: Qt drops the connection when the
    owner (its parent) is deleted, so a job that outlives its panel reports to no one."""

    def __init__(self, owner: QObject, done, failed) -> None:
        super().__init__(owner)
        self._done, self._failed = done, failed

    def on_done(self, result) -> None:
        self.deleteLater()
        self._done(result)

    def on_failed(self, message: str) -> None:
        self.deleteLater()
        if self._failed is not None:
            self._failed(message)


def run_job(fn: Callable[[], object], owner: QObject, done: Callable[[object], None],
            failed: Callable[[str], None] | None = None) -> Job:
    """Run ``fn`` on the global pool; ``done(result)`` or ``failed(message)`` on the GUI thread,
    unless ``owner`` has been deleted by then."""
    job = Job(fn)
    relay = _Relay(owner, done, failed)
    job.signals.done.connect(relay.on_done)
    job.signals.failed.connect(relay.on_failed)
    _keep(job)
    QThreadPool.globalInstance().start(job)
    return job


class LatestWorker(QThread):
    """Runs the most recent request; requests not yet started when a newer one comes are dropped.

    ``request(key, fn)`` answers with ``done(key, result)`` or ``failed(key, message)``. The thread
    runs only while there is work, so an idle worker holds nothing up when its window closes;
    :meth:`stop` waits for the request in hand and drops any pending one."""

    done = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._wake = threading.Lock()
        self._pending: tuple[object, Callable[[], object]] | None = None
        self._stopping = False
        self._active = False

    def request(self, key, fn: Callable[[], object]) -> None:
        with self._wake:
            self._pending = (key, fn)
            self._stopping = False
            if self._active:
                return
            self._active = True
        self.wait()  # a run that has just said it is done may not have returned yet
        self.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._pending = None
        self.wait()

    def run(self) -> None:
        while True:
            with self._wake:
                if self._pending is None or self._stopping:
                    self._active = False
                    return
                (key, fn), self._pending = self._pending, None
            try:
                result = fn()
            except Exception as err:  # one bad request must not end the worker
                self.failed.emit(key, describe_error(err))
                continue
            self.done.emit(key, result)

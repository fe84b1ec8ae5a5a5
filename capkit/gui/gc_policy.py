"""Python's cycle collector runs on the GUI thread only.

A collection starts in whichever thread happens to allocate when the thresholds are crossed. If
that is a worker (the preview renderer, a thumbnail job) and the garbage holds Qt objects made on
the GUI thread, Qt frees them from the wrong thread and the process crashes. So automatic
collection is switched off and a timer on the GUI thread does what it would have done, with the
same thresholds (the pattern PySide and PyQt applications with threads use).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGC(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):  # the oldest generation due collects the younger ones too
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Give collection back to Python (tests that run other things afterwards)."""
        self.timer.stop()
        gc.collect()
        gc.enable()


_installed: MainThreadGC | None = None


def install(app: QObject) -> MainThreadGC:
    """Once per application: called by :func:`capkit.gui.app.application`."""
    global _installed
    if _installed is None:
        _installed = MainThreadGC(app)
    return _installed


def uninstall() -> None:
    global _installed
    if _installed is not None:
        _installed.stop()
        _installed.deleteLater()
        _installed = None

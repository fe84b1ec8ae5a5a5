"""Play, pause and shuttle (J/K/L): a timer that moves the playhead at the project's frame rate.

The playhead follows the wall clock, not a count of ticks, so when frames render slower than real
time the preview skips frames instead of slowing down. Sound comes in a later step.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from capkit.gui.document import Document
from capkit.model.time import frame_at, frame_time

MAX_RATE = 8


class Playback(QObject):
    state_changed = Signal(bool)  # playing

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.rate = 0  # frames of the timeline per frame of wall time; 0 is paused, negative plays back
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._origin = Fraction(0)

    @property
    def playing(self) -> bool:
        return self.rate != 0

    def play(self, rate: int = 1) -> None:
        doc = self.document
        if rate > 0 and doc.playhead >= doc.project.duration:
            doc.set_playhead(Fraction(0))  # play again from the start
        was = self.playing
        self.rate = max(-MAX_RATE, min(MAX_RATE, rate))
        self._origin = doc.playhead
        self._clock.start()
        self._timer.start(max(5, int(1000 / float(doc.fps))))
        if not was:
            self.state_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self.rate = 0
            self._timer.stop()
            self.state_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def forward(self) -> None:
        """L: play, or play faster if already playing forward."""
        self.play(self.rate * 2 if self.rate > 0 else 1)

    def backward(self) -> None:
        """J: play backwards, or faster if already doing so."""
        self.play(self.rate * 2 if self.rate < 0 else -1)

    def _tick(self) -> None:
        doc = self.document
        fps = doc.fps
        elapsed = Fraction(self._clock.elapsed(), 1000)
        t = self._origin + elapsed * self.rate
        end = doc.project.duration
        if t >= end and self.rate > 0:
            doc.set_playhead(end)
            self.pause()
            return
        if t <= 0 and self.rate < 0:
            doc.set_playhead(Fraction(0))
            self.pause()
            return
        doc.set_playhead(frame_time(frame_at(t, fps), fps))

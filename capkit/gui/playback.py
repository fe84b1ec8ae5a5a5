"""Play, pause and shuttle (J/K/L): a timer that moves the playhead at the project's frame rate.

The playhead follows a clock, not a count of ticks, so when frames render slower than real time
the preview skips frames instead of slowing down. Playing forwards at normal speed the clock is
the sound's (:class:`capkit.gui.audio_preview.AudioPreview`): once the mix plays, the picture
follows it, so the two stay in sync. Before the sound starts, without a sound device, and at
other speeds, the clock is the wall clock.
"""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from capkit.gui.document import Document
from capkit.model.time import frame_at, frame_time

MAX_RATE = 8


class Playback(QObject):
    state_changed = Signal(bool)  # playing

    def __init__(self, document: Document, parent=None, audio=None) -> None:
        super().__init__(parent)
        self.document = document
        self.audio = audio  # an AudioPreview, or None for silent playback
        self.rate = 0  # frames of the timeline per frame of wall time; 0 is paused, negative plays back
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._origin = Fraction(0)
        self._on_audio = False
        document.changed.connect(self._project_changed)

    @property
    def playing(self) -> bool:
        return self.rate != 0

    def play(self, rate: int = 1) -> None:
        doc = self.document
        if rate > 0 and doc.playhead >= doc.project.duration:
            doc.set_playhead(Fraction(0))  # play again from the start
        was = self.playing
        self.rate = max(-MAX_RATE, min(MAX_RATE, rate))
        self._restart_clock()
        self._timer.start(max(5, int(1000 / float(doc.fps))))
        self._start_audio()
        if not was:
            self.state_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self.rate = 0
            self._timer.stop()
            if self.audio is not None:
                self.audio.stop()
            self.state_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def forward(self) -> None:
        """L: play, or play faster if already playing forward."""
        self.play(self.rate * 2 if self.rate > 0 else 1)

    def backward(self) -> None:
        """J: play backwards, or faster if already doing so."""
        self.play(self.rate * 2 if self.rate < 0 else -1)

    def _restart_clock(self) -> None:
        self._origin = self.document.playhead
        self._clock.start()
        self._on_audio = False

    def _start_audio(self) -> None:
        if self.audio is None:
            return
        if self.rate == 1:
            self.audio.start(self.document.snapshot(), self.document.playhead)
        else:
            self.audio.stop()

    def _project_changed(self) -> None:
        if self.playing and self.rate == 1 and self.audio is not None:
            self._restart_clock()  # the picture runs on the wall clock until the new mix plays
            self._start_audio()

    def clock_time(self) -> Fraction:
        """Where the playhead should be now: the sound's position when it plays, else the wall clock's."""
        heard = self.audio.clock() if self.audio is not None and self.rate == 1 else None
        if heard is not None:
            self._on_audio = True
            # Never back: the sound may start a moment after the picture (its first block is mixed
            # then), and the picture waits for it rather than stepping back a frame.
            return max(Fraction(heard).limit_denominator(1_000_000), self.document.playhead)
        if self._on_audio:  # the sound stopped (the device failed): go on from here by the wall clock
            self._restart_clock()
        return self._origin + Fraction(self._clock.elapsed(), 1000) * self.rate

    def _tick(self) -> None:
        doc = self.document
        fps = doc.fps
        t = self.clock_time()
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

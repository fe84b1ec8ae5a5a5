"""Sound while the preview plays: the project's mix streamed to a ``QAudioSink``, the picture following it.

When playback starts (forwards at normal speed), a :class:`MixStream` thread mixes the sound from
the playhead with :class:`capkit.render.audio_mix.AudioMixer` (the export's mixer, so the preview
sounds like the file) in blocks of ``BLOCK`` seconds, staying at most ``AHEAD`` seconds ahead. A
timer on the GUI thread pushes those blocks into a ``QAudioSink`` as it takes them. The playhead
then follows the sound's clock (:class:`AudioClock`, fed from what the sink has played), not the
wall clock, so picture and sound cannot drift apart: late frames are dropped, sound never waits.
An edit while playing mixes again from the playhead.

No sound device (a headless machine, a CI runner), a device that does not take the project's
rate, or no QtMultimedia: :attr:`AudioPreview.available` is False or :attr:`AudioPreview.problem`
says why, and playback is silent, driven by the wall clock. Nothing raises.

(The sink is fed directly rather than through ``QMediaPlayer`` on purpose: with Qt 6.12's FFmpeg
backend, ``QMediaPlayer.stop()`` hung now and then without a sound device, in a loop of starts and
stops, and freeing players at interpreter exit crashed it.)
"""

from __future__ import annotations

import math
import queue
import threading
import time
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from capkit.model.project import Project

BLOCK = 0.05  # seconds of sound per mixed block
AHEAD = 1.0  # seconds mixed ahead of the sink at most
FEED_MS = 10  # how often the sink is topped up
RESYNC = 0.12  # seconds: a clock report further than this from the estimate is taken as it is


def pcm16(samples: np.ndarray) -> bytes:
    """Float (channels, n) samples as interleaved little-endian 16-bit PCM."""
    return (np.clip(samples.T, -1.0, 1.0) * 32767).astype("<i2").tobytes()


class MixStream:
    """The project's mix from ``start``, made on a thread as 16-bit PCM blocks, a bounded way ahead."""

    def __init__(self, project: Project, start: Fraction) -> None:
        self.sample_rate = project.settings.sample_rate
        self.channels = 2
        self.start = start
        self._blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=max(1, math.ceil(AHEAD / BLOCK)))
        self._pending = b""
        self._stop = threading.Event()
        self.finished = False  # every block has been taken
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, args=(project,), name="capkit-preview-sound", daemon=True)
        self._thread.start()

    def _run(self, project: Project) -> None:
        from capkit.render.audio_mix import AudioMixer

        try:
            with AudioMixer(project, start=self.start) as mixer:
                self.sample_rate, self.channels = mixer.sample_rate, mixer.channels
                block = max(1, round(mixer.sample_rate * BLOCK))
                left = mixer.total_samples
                while left > 0 and not self._stop.is_set():
                    n = min(block, left)
                    data = pcm16(mixer.read(n))
                    left -= n
                    while not self._stop.is_set():
                        try:
                            self._blocks.put(data, timeout=0.1)
                            break
                        except queue.Full:
                            continue
        except Exception as err:  # the picture plays on without sound
            self.error = f"no sound in the preview: {err}"
        finally:
            while not self._stop.is_set():
                try:
                    self._blocks.put(None, timeout=0.1)
                    break
                except queue.Full:
                    continue

    def take(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of PCM that are ready now (b"" if none yet or at the end)."""
        frame = 2 * self.channels
        limit -= limit % frame
        while len(self._pending) < limit and not self.finished:
            try:
                got = self._blocks.get_nowait()
            except queue.Empty:
                break
            if got is None:
                self.finished = True
            else:
                self._pending += got
        out, self._pending = self._pending[:limit], self._pending[limit:]
        return out

    def give_back(self, data: bytes) -> None:
        """Bytes the sink did not take: they go first next time."""
        self._pending = data + self._pending

    @property
    def drained(self) -> bool:
        return self.finished and not self._pending

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


class AudioClock:
    """Timeline time from a sink's played-position reports, steadied by a monotonic clock.

    Reports come coarsely (the sink advances in device periods) and with jitter. Between reports
    the time runs on with the wall clock; a report within ``RESYNC`` of the estimate steers it a
    quarter of the way there, one further off (a stall, an underrun) is taken as it is, and the
    time given out never goes backwards (the playhead does not jitter while playing).
    """

    def __init__(self, origin: float, now: float) -> None:
        self.origin = origin  # timeline seconds where the sound started
        self._pos: float | None = None  # seconds played at the last report
        self._at = now
        self._last = -math.inf

    @property
    def started(self) -> bool:
        return self._pos is not None

    def report(self, position: float, now: float) -> None:
        if self._pos is not None:
            estimate = self._pos + (now - self._at)
            if abs(position - estimate) <= RESYNC:
                position = estimate + (position - estimate) * 0.25
        self._pos, self._at = position, now

    def time(self, now: float) -> float | None:
        """Timeline seconds now; None before the first report."""
        if self._pos is None:
            return None
        t = max(self.origin + self._pos + (now - self._at), self._last)
        self._last = t
        return t


class QtSink:
    """The default output device as a push-mode ``QAudioSink`` (the few calls the preview makes)."""

    def __init__(self, sample_rate: int, channels: int, parent=None) -> None:
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink, QMediaDevices

        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            raise OSError("there is no sound device")
        fmt = QAudioFormat()
        fmt.setSampleRate(sample_rate)
        fmt.setChannelCount(channels)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(fmt):
            raise OSError(f"the sound device does not play {sample_rate} Hz {channels}-channel 16-bit sound")
        self.bytes_per_second = sample_rate * channels * 2
        self._sink = QAudioSink(device, fmt, parent)
        self._sink.setBufferSize(self.bytes_per_second // 5)  # 200 ms: short latency, few underruns
        self._io = None

    def start(self) -> None:
        self._io = self._sink.start()
        if self._io is None:
            raise OSError("the sound device would not start")

    def free(self) -> int:
        return self._sink.bytesFree()

    def write(self, data: bytes) -> int:
        return int(self._io.write(data))

    def played(self) -> float:
        """Seconds of sound played so far: what the sink processed less what it still holds."""
        held = (self._sink.bufferSize() - self._sink.bytesFree()) / self.bytes_per_second
        return max(0.0, self._sink.processedUSecs() / 1e6 - held)

    def stop(self) -> None:
        self._sink.stop()
        self._sink.deleteLater()


class AudioPreview(QObject):
    """Plays the mix from a timeline time; :meth:`clock` says where the sound is (None: not playing).

    ``sink_factory(sample_rate, channels)`` makes the output (default :class:`QtSink`); tests pass
    a fake one. ``enabled`` forces :attr:`available` (None: whether a sound device exists).
    """

    problem = Signal(str)

    def __init__(self, parent=None, *, enabled: bool | None = None, sink_factory=None) -> None:
        super().__init__(parent)
        self._enabled = enabled
        self._available: bool | None = None
        self._factory = sink_factory or (lambda rate, channels: QtSink(rate, channels, self))
        self._stream: MixStream | None = None
        self._sink = None
        self._clock: AudioClock | None = None
        self._feed = QTimer(self)
        self._feed.setInterval(FEED_MS)
        self._feed.timeout.connect(self._pump)

    @property
    def available(self) -> bool:
        """Whether there is a sound device to play on (checked once)."""
        if self._available is None:
            self._available = bool(self._enabled) if self._enabled is not None else _has_output()
        return self._available

    @property
    def playing(self) -> bool:
        return self._stream is not None

    def start(self, project: Project, t: Fraction) -> None:
        """Play the mix from ``t`` (nothing, silently, without a device)."""
        self.stop()
        if not self.available or project.duration <= t:
            return
        try:
            sink = self._factory(project.settings.sample_rate, 2)
            sink.start()
        except OSError as err:
            self._available = False  # not tried again this session
            self.problem.emit(f"no sound in the preview: {err}")
            return
        self._sink = sink
        self._stream = MixStream(project, t)
        self._clock = AudioClock(float(t), time.monotonic())
        self._feed.start()
        self._pump()

    def stop(self) -> None:
        self._feed.stop()
        self._clock = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._sink is not None:
            self._sink.stop()
            self._sink = None

    def shutdown(self) -> None:
        self.stop()

    def clock(self, now: float | None = None) -> float | None:
        """Where the sound is on the timeline (seconds), or None when no sound plays."""
        if self._clock is None:
            return None
        return self._clock.time(time.monotonic() if now is None else now)

    def _pump(self) -> None:
        """Top the sink up with mixed sound and read its played position into the clock."""
        stream, sink = self._stream, self._sink
        if stream is None or sink is None:
            return
        free = sink.free()
        while free > 0:
            data = stream.take(free)
            if not data:
                break
            written = sink.write(data)
            if written < len(data):
                stream.give_back(data[max(0, written):])
                break
            free -= written
        if stream.error:
            self.problem.emit(stream.error)
            self.stop()
            return
        played = sink.played()
        if played > 0 and self._clock is not None:
            self._clock.report(played, time.monotonic())


def _has_output() -> bool:
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return False
    try:
        return not QMediaDevices.defaultAudioOutput().isNull()
    except Exception:
        return False

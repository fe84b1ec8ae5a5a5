"""Sound in the preview: the streamed mix, the audio clock, the picture following it, no device."""

import itertools
import time
from fractions import Fraction as F

import numpy as np
import pytest

import capkit
from capkit.gui.audio_preview import AudioClock, AudioPreview, MixStream
from capkit.gui.document import Document
from capkit.gui.playback import Playback


def tone_project(media, seconds=3):
    project = capkit.new_project(180, 320, fps=30)
    capkit.add_color(project, "#000000", duration=seconds)
    capkit.add_audio(project, media["tone"], start=1)  # 440 Hz, 1.5 s, amplitude 0.2, from 1 s
    return project


def as_samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, "<i2").reshape(-1, 2) / 32767


def check_tone(pcm: bytes, start: float) -> None:
    """``pcm`` is the tone project's mix from ``start``: silence, then the 440 Hz tone at 1 s."""
    x = as_samples(pcm)
    onset = round((1 - start) * 48000)
    assert np.abs(x[: onset - 100]).max() < 1e-3
    sounding = x[onset + 2400 : onset + 48000]
    assert np.sqrt((sounding[:, 0] ** 2).mean()) == pytest.approx(0.2 / np.sqrt(2), rel=0.15)
    spectrum = np.abs(np.fft.rfft(sounding[:, 0]))
    assert np.fft.rfftfreq(len(sounding), 1 / 48000)[spectrum.argmax()] == pytest.approx(440, abs=2)


def test_the_mix_is_streamed_as_pcm_from_the_playhead(media):
    stream = MixStream(tone_project(media), F(1, 2))
    pcm = b""
    deadline = time.monotonic() + 30
    while not stream.drained and time.monotonic() < deadline:
        got = stream.take(48000)  # the sink takes what it has room for
        pcm += got
        if not got:
            time.sleep(0.005)
    stream.close()
    assert stream.drained and stream.error is None
    assert len(pcm) == round(2.5 * 48000) * 4  # 2.5 s of 16-bit stereo, to the project's end
    check_tone(pcm, 0.5)


def test_the_audio_clock_runs_between_reports_and_never_steps_back():
    clock = AudioClock(origin=10.0, now=100.0)
    assert clock.time(100.0) is None  # no sound yet: the caller uses the wall clock
    rng = np.random.default_rng(1)
    seen = []
    for k in range(1, 60):
        now = 100.0 + k * 0.016
        if k % 3 == 0:  # the sink reports every ~50 ms, 20 ms late or early
            clock.report(now - 100.0 + rng.uniform(-0.02, 0.02), now)
        got = clock.time(now)
        if got is not None:
            seen.append((got, 10.0 + now - 100.0))
    assert all(b[0] >= a[0] for a, b in itertools.pairwise(seen))
    assert max(abs(got - truth) for got, truth in seen) < 0.03
    clock.report(0.5, 101.0)  # an underrun: 300 ms behind; the clock waits instead of going back
    assert clock.time(101.0) == pytest.approx(seen[-1][0])
    assert clock.time(101.5) == pytest.approx(11.0)


class FakeSink:
    """A sound device that plays in real time from a 200 ms buffer, starting ``latency`` late."""

    def __init__(self, sample_rate, channels, latency=0.1):
        self.rate = sample_rate * channels * 2
        self.capacity = self.rate // 5
        self.latency = latency
        self.written = bytearray()
        self.begun = None
        self.stopped = False

    def start(self):
        self.begun = time.monotonic()

    def played(self) -> float:
        return min(max(0.0, time.monotonic() - self.begun - self.latency), len(self.written) / self.rate)

    def free(self) -> int:
        held = len(self.written) - round(self.played() * self.rate)
        return max(0, self.capacity - held)

    def write(self, data) -> int:
        n = min(len(data), self.free())
        self.written += data[:n]
        return n

    def stop(self):
        self.stopped = True


def test_the_picture_follows_the_sound_not_the_wall_clock(qtbot, media):
    sinks = []
    audio = AudioPreview(enabled=True, sink_factory=lambda rate, ch: sinks.append(FakeSink(rate, ch)) or sinks[-1])
    doc = Document(tone_project(media))
    playback = Playback(doc, audio=audio)
    doc.set_playhead(F(1, 2))
    playback.play()
    qtbot.wait(1200)
    sink = sinks[0]
    heard = 0.5 + sink.played()
    assert abs(float(doc.playhead) - heard) < 0.05  # within a frame or so of what is heard
    wall = 0.5 + time.monotonic() - sink.begun
    assert wall - float(doc.playhead) > 0.07  # the device's 100 ms late start shows: not the wall clock
    playback.pause()
    assert sink.stopped and audio.clock() is None
    check_tone(bytes(sink.written), 0.5)  # what the device got is the mix from the playhead


class FakeAudio:
    """Stands in for AudioPreview: records calls; its clock is set by the test."""

    def __init__(self):
        self.started, self.stopped, self.now = [], 0, None

    def start(self, project, t):
        self.started.append(t)

    def stop(self):
        self.stopped += 1
        self.now = None

    def clock(self):
        return self.now


def test_playback_asks_for_sound_only_when_playing_forwards(qtbot):
    project = capkit.new_project(180, 320, fps=30)
    capkit.add_color(project, "#000000", duration=10)
    doc = Document(project)
    audio = FakeAudio()
    playback = Playback(doc, audio=audio)
    doc.set_playhead(F(2))
    playback.play()
    assert audio.started == [F(2)]
    audio.now = 4.51
    playback._tick()
    assert doc.playhead == F(135, 30)  # the frame under the sound: 4.5 s
    audio.now = None  # the device failed: the wall clock carries on from here
    playback._tick()
    assert doc.playhead >= F(135, 30)
    playback.pause()
    assert audio.stopped >= 1
    playback.play(2)  # fast forward is silent
    assert len(audio.started) == 1
    playback.pause()


def test_without_a_sound_device_playback_is_silent_and_goes_on(qtbot):
    project = capkit.new_project(180, 320, fps=30)
    capkit.add_color(project, "#000000", duration=10)
    doc = Document(project)
    audio = AudioPreview(enabled=False)
    playback = Playback(doc, audio=audio)
    playback.play()
    assert audio.clock() is None and not audio.playing
    qtbot.waitUntil(lambda: doc.playhead >= F(1, 5), timeout=5_000)
    playback.pause()


def test_a_device_that_refuses_is_reported_once_and_playback_goes_on(qtbot, media):
    def refuse(rate, channels):
        raise OSError("the sound device does not play 48000 Hz 2-channel 16-bit sound")

    audio = AudioPreview(enabled=True, sink_factory=refuse)
    problems = []
    audio.problem.connect(problems.append)
    doc = Document(tone_project(media))
    playback = Playback(doc, audio=audio)
    playback.play()
    qtbot.waitUntil(lambda: doc.playhead >= F(1, 5), timeout=5_000)
    playback.pause()
    playback.play()
    playback.pause()
    assert problems == ["no sound in the preview: the sound device does not play 48000 Hz 2-channel 16-bit sound"]

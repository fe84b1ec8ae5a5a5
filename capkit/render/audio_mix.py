"""The sound of a render: every clip's audio mixed into one stereo stream, streamed block by block.

This module owns :class:`AudioMixer`, the one place that decides what the export (and the preview)
hears. Its rules:

- Timeline sample ``m`` sits at time ``m / sample_rate``. A clip is heard on the samples of its span
  from :func:`capkit.model.timing.track_spans` (transitions included), so sound and picture agree on
  when a clip starts and stops. Audio of all tracks is summed; where nothing plays there is silence.
- The source sample heard at timeline time ``t`` is at ``clip.source_time(t)`` (``source_in +
  (t - start) * speed``), the formula the picture uses. At speed 1 it is rounded to the nearest
  source sample; with ``preserve_pitch=False`` the source is resampled at the exact fractional
  position (a tape played faster: pitch follows speed); with ``preserve_pitch=True`` FFmpeg's
  ``atempo`` (WSOLA) changes tempo but not pitch. WSOLA copies whole ~43 ms fragments, so its
  timing wanders by up to about half a fragment around the exact position (it never drifts).
- Gain per sample is the product of: ``volume_db`` (animated by 'volume_db' keyframes, which give
  the level itself, like the picture's keyframes give x or opacity), linear fades over the first
  ``fade_in`` and last ``fade_out`` seconds of the span, and an equal-power (sin/cos) crossfade over
  a transition, so two uncorrelated sounds keep their loudness through the cut.
- Muted tracks and muted clips are not heard; a video clip whose file has no sound adds nothing.
- Ducking: while a voice clip (an AudioClip with role "voice") is speaking, every music clip with
  ``duck_db`` under 0 is lowered by that many dB. Speech is detected on the sum of the voice clips
  (after their own gains and fades) as 10 ms frames whose RMS is above -45 dBFS; each detection is
  held for 300 ms so the gaps between words do not pump. The music goes down over 80 ms, ending as
  the speech starts (the voice clips are mixed ahead of the rest to see it coming), and comes back
  over 300 ms once the hold has run out; the ramps are linear in dB. Only voice clips duck: the
  sound of video clips does not (a talking-head clip should be given a voice clip of its sound).
  Without voice clips or without a ducking music clip the mix is exactly what it was before. A
  mix that starts mid-way (a range export) knows nothing of speech before its start: when speech
  is already under way there, the music takes the first 80 ms to go down.
- ``gain_db`` (loudness normalisation) scales the whole mix before the limiter.
- A look-ahead peak limiter keeps the result at or under ``ceiling_db`` and leaves it untouched,
  bit for bit, while the mix stays under the ceiling. With ``true_peak=True`` the ceiling holds for
  the 4x oversampled signal (BS.1770 true peak, :mod:`capkit.render.loudness`) instead of the
  samples: inter-sample peaks of a loud mix can be up to ~3 dB over its samples.

The mix is computed in fixed blocks counted from ``start``, so the samples do not depend on how
``read`` is called; memory stays flat with duration. Clips open their file when first heard and
let go of it when their span ends (a later cut of the same file takes it over, otherwise it is
closed), so a project of many clips holds only a few files open.
"""

from __future__ import annotations

import copy
import functools
import math
from collections import deque
from fractions import Fraction

import av
import av.error
import numpy as np

from capkit.errors import MediaError, RenderError
from capkit.interop.sources import MOVIEPY_PREFIX
from capkit.media.audio import AudioReader
from capkit.media.probe import probe
from capkit.model.items import AudioClip, SourcedClip, VideoClip
from capkit.model.keyframes import evaluate
from capkit.model.project import Project
from capkit.model.time import samples_in_frame, to_time
from capkit.model.timing import Span, track_spans
from capkit.render.loudness import TRUE_PEAK_TAPS, interpolation_gain, peak_envelope

CHANNELS = 2
LAYOUT = "stereo"

# Samples mixed per step: large enough that per-clip Python overhead is small, small enough that
# a preview starts quickly. The block grid starts at the mixer's `start`.
BLOCK = 4096

# Keyframed volume is evaluated on this grid of timeline samples and interpolated in between:
# smooth (no zipper noise) and cheap, and exact for linear keyframes away from their corners.
_KEY_GRID = 256

# Tape-speed resampler: Kaiser-windowed sinc with this many zero crossings each side, polyphase
# table with linear interpolation between phases.
_SINC_ZEROS = 16
_SINC_BETA = 8.6
_SINC_PHASES = 256
_SINC_PASS = 0.9  # cutoff as a fraction of the lower of the two Nyquist frequencies

# Source samples pushed into atempo at a time.
_TEMPO_FEED = 4096

# Limiter: look-ahead (= attack) and release rate. A 6 dB gain reduction recovers in 100 ms.
_LOOKAHEAD_SECONDS = Fraction(5, 1000)
_RELEASE_DB_PER_SECOND = 60.0

# Ducking: speech detection frames, threshold, hold, and the music's attack and release.
_DUCK_FRAME_SECONDS = 0.01
_DUCK_THRESHOLD_DB = -45.0  # RMS of a 10 ms frame of the voice clips' sum
_DUCK_HOLD_FRAMES = 30  # 300 ms
_DUCK_ATTACK_FRAMES = 8  # 80 ms, finished as speech starts
_DUCK_RELEASE_FRAMES = 30  # 300 ms


class AudioMixer:
    """The mixed sound of ``project`` from ``start`` to ``end`` (seconds), as float32 (2, n) blocks.

    ``read(n)`` returns the next ``n`` samples. The stream has ``total_samples`` samples; reading
    past them gives silence, so a caller that pulls ``samples_for_frame(k)`` for every video frame
    always gets exactly as much sound as picture. One mixer serves one thread.
    """

    def __init__(
        self,
        project: Project,
        *,
        start: Fraction | float | int = Fraction(0),
        end: Fraction | float | int | None = None,
        limiter: bool = True,
        ceiling_db: float = -1.0,
        true_peak: bool = False,
        gain_db: float = 0.0,
    ) -> None:
        project = copy.deepcopy(project)  # the GUI may keep editing while a render mixes
        self.sample_rate: int = project.settings.sample_rate
        self.channels: int = CHANNELS
        self.fps: Fraction = project.settings.fps
        start = to_time(start)
        end = project.duration if end is None else to_time(end)
        if start < 0:
            raise RenderError("the audio mix cannot start before 0 s")
        if end < start:
            raise RenderError(f"the audio mix ends ({float(end):g}s) before it starts ({float(start):g}s)")
        if ceiling_db > 0:
            raise RenderError(f"the limiter ceiling must be at most 0 dBFS, got {ceiling_db:g}")
        self.start, self.end = start, end
        self._total = math.floor((end - start) * self.sample_rate)
        self._first = math.floor(start * self.sample_rate)  # timeline sample of output sample 0
        self._stop = self._first + self._total
        self._pool = _ReaderPool(self.sample_rate)
        voices = self._voices(project)
        speaking = [v for v in voices if _role(v.clip) == "voice"]
        ducked = [v for v in voices if _role(v.clip) == "music" and v.clip.duck_db < 0]
        self._ducker: _Ducker | None = None
        if speaking and ducked:
            self._ducker = _Ducker(self.sample_rate, self._first)
            voices = [v for v in voices if _role(v.clip) != "voice"]
            self._speech = _Group(speaking)  # mixed ahead of the rest, into self._bus
            self._bus = _Fifo(CHANNELS)
            self._bus_next = self._first
        self._main = _Group(voices)
        self._next = self._first  # next timeline sample to mix
        self._gain = np.float32(10.0 ** (gain_db / 20.0)) if gain_db else None
        self._limiter = _Limiter(self.sample_rate, ceiling_db, true_peak) if limiter else None
        self._out = _Fifo(CHANNELS)
        self._emitted = 0

    @property
    def total_samples(self) -> int:
        return self._total

    def samples_for_frame(self, n: int) -> int:
        """Samples that belong to output video frame ``n`` (counted from ``start``)."""
        return samples_in_frame(n, self.sample_rate, self.fps)

    def read(self, n_samples: int) -> np.ndarray:
        """The next ``n_samples`` of the mix as float32 (2, n_samples); silence past the end."""
        if n_samples < 0:
            raise ValueError(f"n_samples must be >= 0, got {n_samples}")
        while self._out.size < n_samples:
            block = self._mix(self._next, BLOCK)
            self._next += BLOCK
            if self._gain is not None:
                block *= self._gain
            if self._limiter is not None:
                block = self._limiter.process(block)
            self._out.push(block)
        out = self._out.pop(n_samples)
        past = self._total - self._emitted
        if past < n_samples:
            out[:, max(past, 0):] = 0.0  # the limiter's tail past the end is silence anyway
        self._emitted += n_samples
        return out

    def close(self) -> None:
        """Close every open media file; safe to call twice."""
        self._main.close()
        if self._ducker is not None:
            self._speech.close()
        self._pool.close()

    def __enter__(self) -> AudioMixer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------------

    def _voices(self, project: Project) -> list[_Voice]:
        sr = self.sample_rate
        voices = []
        for track in project.tracks:
            if track.kind not in ("video", "audio") or track.muted:
                continue
            for span in track_spans(track):
                clip = span.item
                if not isinstance(clip, SourcedClip) or clip.muted:
                    continue
                first = max(math.ceil(span.start * sr), self._first)
                stop = min(math.ceil(span.end * sr), self._stop)
                if first >= stop:
                    continue
                if not clip.source.path:
                    raise RenderError(f"clip {clip.name or clip.id!r} has no media file")
                voices.append(_Voice(clip, span, first, stop, sr, self._pool))
        voices.sort(key=lambda v: v.first)
        return voices

    def _mix(self, m0: int, n: int) -> np.ndarray:
        """Timeline samples [m0, m0 + n) of the raw (unlimited) mix."""
        if self._ducker is None:
            out = np.zeros((CHANNELS, n), dtype=np.float32)
            self._main.mix_into(out, m0, n)
            return out
        while self._bus_next < m0 + n + self._ducker.lookahead:
            speech = np.zeros((CHANNELS, BLOCK), dtype=np.float32)
            self._speech.mix_into(speech, self._bus_next, BLOCK)
            self._ducker.feed(speech)
            self._bus.push(speech)
            self._bus_next += BLOCK
        out = self._bus.pop(n)
        self._main.mix_into(out, m0, n, duck=self._ducker.control(m0, n))
        return out


def _role(clip: SourcedClip) -> str | None:
    return clip.role if isinstance(clip, AudioClip) else None


class _Group:
    """Clips mixed together block by block, opened as they start and closed as they end."""

    def __init__(self, voices: list[_Voice]) -> None:
        self._pending = deque(voices)  # in order of start
        self._active: list[_Voice] = []

    def mix_into(self, out: np.ndarray, m0: int, n: int, duck: np.ndarray | None = None) -> None:
        """Add timeline samples [m0, m0 + n) to ``out``; ``duck`` (0..1 per sample) lowers music
        clips by that fraction of their ``duck_db``."""
        m1 = m0 + n
        while self._pending and self._pending[0].first < m1:
            self._active.append(self._pending.popleft())
        still = []
        for voice in self._active:  # in order of start: a clip that ends frees its file for the next
            if duck is not None and _role(voice.clip) == "music" and voice.clip.duck_db < 0:
                part = np.zeros_like(out)
                voice.mix_into(part, m0)
                part *= np.power(10.0, duck * (voice.clip.duck_db / 20.0)).astype(np.float32)
                out += part
            else:
                voice.mix_into(out, m0)
            if voice.stop > m1:
                still.append(voice)
            else:
                voice.close()
        self._active = still

    def close(self) -> None:
        for voice in self._active:
            voice.close()
        for voice in self._pending:
            voice.close()
        self._active = []
        self._pending.clear()


class _Ducker:
    """Speech detector on the voice clips' sum, and the ducking control (0..1) it drives.

    Fed the voice sum from timeline sample ``first`` on, in order. Frames of 10 ms are counted from
    ``first``. Frame k is speech when its RMS is over the threshold; "present" at frame k means
    speech in one of frames k-HOLD..k. The control at the start of frame k moves towards present
    at frame k + ATTACK - 1 by at most 1/ATTACK up or 1/RELEASE down per frame, so it reaches 1
    exactly at the first frame of speech; between frame starts it is interpolated linearly.
    """

    def __init__(self, sr: int, first: int) -> None:
        self._frame = max(1, round(sr * _DUCK_FRAME_SECONDS))
        self._first = first
        self.lookahead = (_DUCK_ATTACK_FRAMES + 2) * self._frame  # voice samples needed past a block
        self._threshold = 10.0 ** (_DUCK_THRESHOLD_DB / 10.0) * self._frame  # sum of squares per frame
        self._acc = 0.0  # sum of squares of the frame being filled
        self._acc_n = 0
        self._frames = 0  # complete frames seen
        self._last_speech = -(10**9)  # index of the last frame with speech
        self._level = 0.0  # control at the start of the next frame to be computed
        self._controls: list[float] = []  # control at the start of frames base, base+1, ...
        self._base = 0

    def feed(self, speech: np.ndarray) -> None:
        power = (speech.astype(np.float64) ** 2).mean(axis=0)
        i, n, f = 0, power.shape[0], self._frame
        if self._acc_n:
            take = min(f - self._acc_n, n)
            self._acc += float(power[:take].sum())
            self._acc_n += take
            i = take
            if self._acc_n == f:
                self._frame_done(self._acc)
                self._acc, self._acc_n = 0.0, 0
        whole = (n - i) // f
        for energy in power[i : i + whole * f].reshape(whole, f).sum(axis=1).tolist():
            self._frame_done(energy)
        i += whole * f
        if i < n:
            self._acc += float(power[i:].sum())
            self._acc_n += n - i

    def _frame_done(self, energy: float) -> None:
        j = self._frames
        self._frames += 1
        if energy > self._threshold:
            self._last_speech = j
        k = j - _DUCK_ATTACK_FRAMES + 1  # the frame whose starting control this decides
        if k < 0:
            return
        present = 1.0 if j - self._last_speech <= _DUCK_HOLD_FRAMES else 0.0
        step = present - self._level
        self._level += min(max(step, -1.0 / _DUCK_RELEASE_FRAMES), 1.0 / _DUCK_ATTACK_FRAMES)
        self._level = min(max(self._level, 0.0), 1.0)
        self._controls.append(self._level)

    def control(self, m0: int, n: int) -> np.ndarray | None:
        """Control for timeline samples [m0, m0 + n), or None where it is 0 throughout."""
        f = self._frame
        q0 = m0 - self._first
        k0, k1 = q0 // f, (q0 + n - 1) // f + 1  # frame starts needed: k0..k1
        if k0 > self._base:  # earlier frames are never asked for again
            del self._controls[: k0 - self._base]
            self._base = k0
        levels = np.asarray(self._controls[k0 - self._base : k1 - self._base + 1])
        if not levels.any():
            return None
        q = np.arange(q0, q0 + n, dtype=np.float64)
        return np.interp(q, np.arange(k0, k1 + 1, dtype=np.float64) * f, levels)


def mix_to_array(
    project: Project,
    start: Fraction | float | int = 0,
    end: Fraction | float | int | None = None,
    *,
    limiter: bool = True,
    ceiling_db: float = -1.0,
) -> np.ndarray:
    """The whole mix of ``[start, end)`` as one float32 (2, n) array (tests and short renders)."""
    with AudioMixer(project, start=start, end=end, limiter=limiter, ceiling_db=ceiling_db) as mixer:
        return mixer.read(mixer.total_samples)


# --- one clip's sound ---------------------------------------------------------------------------


class _Voice:
    """A clip as heard on the timeline: samples [first, stop), with its gain envelope."""

    def __init__(self, clip: SourcedClip, span: Span, first: int, stop: int, sr: int, pool: _ReaderPool):
        self.clip, self.span, self._pool = clip, span, pool
        self.first, self.stop, self.sr = first, stop, sr
        self._source: _Direct | _Varispeed | _Tempo | None = None
        self._reader: AudioReader | None = None
        self._silent = False
        self._gain = 10.0 ** (clip.volume_db / 20.0)
        self._keys = (getattr(clip, "keyframes", None) or {}).get("volume_db") or []
        # Envelope edges in (fractional) timeline samples.
        self._s = float(span.start * sr)
        self._e = float(span.end * sr)
        self._fade_in = float(clip.fade_in * sr)
        self._fade_out = float(clip.fade_out * sr)
        self._trans_in = float(span.in_duration * sr) if span.trans_in is not None else 0.0
        self._trans_out = float(span.out_duration * sr) if span.trans_out is not None else 0.0

    def mix_into(self, out: np.ndarray, m0: int) -> None:
        u0, u1 = max(m0, self.first), min(m0 + out.shape[1], self.stop)
        if u0 >= u1 or self._silent:
            return
        if self._source is None:
            self._open(u0)
            if self._silent:
                return
        samples = self._source.read(u0, u1 - u0)
        env = self._envelope(u0, u1)
        target = out[:, u0 - m0 : u1 - m0]
        if isinstance(env, float):
            if env == 1.0:
                target += samples
            else:
                samples *= np.float32(env)
                target += samples
        else:
            samples *= env
            target += samples

    def close(self) -> None:
        """Hand the reader back to the pool (which closes it unless a later clip wants it)."""
        if self._reader is not None:
            self._pool.give(self.clip.source.path, self._reader)
            self._reader = None
        self._source = None

    def _open(self, first: int) -> None:
        reader = self._pool.take(self.clip)
        if reader is None:
            self._silent = True
            return
        self._reader = reader
        clip, sr = self.clip, self.sr
        # Source position (in source samples) of timeline sample m is p0 + m * speed.
        p0 = (clip.source_in - clip.start * clip.speed) * sr
        if clip.speed == 1:
            self._source = _Direct(reader, math.floor(p0 + Fraction(1, 2)), sr)
        elif clip.preserve_pitch:
            first_source = math.floor(p0 + first * clip.speed + Fraction(1, 2))
            self._source = _Tempo(reader, clip.speed, first_source, sr)
        else:
            self._source = _Varispeed(reader, clip.speed, p0, sr)

    def _envelope(self, u0: int, u1: int) -> float | np.ndarray:
        """Gain for timeline samples [u0, u1): a float when constant over the block."""
        s, e = self._s, self._e
        in_ramp = (
            (self._fade_in and u0 < s + self._fade_in)
            or (self._trans_in and u0 < s + self._trans_in)
            or (self._fade_out and u1 > e - self._fade_out)
            or (self._trans_out and u1 > e - self._trans_out)
        )
        if not in_ramp and not self._keys:
            return self._gain
        m = np.arange(u0, u1, dtype=np.float64)
        env = self._volume(u0, u1, m) if self._keys else np.full(u1 - u0, self._gain)
        if self._fade_in and u0 < s + self._fade_in:
            env *= np.clip((m - s) / self._fade_in, 0.0, 1.0)
        if self._fade_out and u1 > e - self._fade_out:
            env *= np.clip((e - m) / self._fade_out, 0.0, 1.0)
        if self._trans_in and u0 < s + self._trans_in:
            env *= np.sin(np.clip((m - s) / self._trans_in, 0.0, 1.0) * (np.pi / 2))
        if self._trans_out and u1 > e - self._trans_out:
            env *= np.cos(np.clip((m - (e - self._trans_out)) / self._trans_out, 0.0, 1.0) * (np.pi / 2))
        return env.astype(np.float32)

    def _volume(self, u0: int, u1: int, m: np.ndarray) -> np.ndarray:
        """Keyframed volume as linear gain per sample, from dB values on a fixed sample grid."""
        g0 = u0 // _KEY_GRID * _KEY_GRID
        grid = list(range(g0, u1 + _KEY_GRID, _KEY_GRID))
        start, sr = self.clip.start, self.sr
        db = [evaluate(self._keys, Fraction(g, sr) - start, self.clip.volume_db) for g in grid]
        return 10.0 ** (np.interp(m, grid, db) / 20.0)


class _ReaderPool:
    """Readers of clips that have ended, kept for a later clip of the same file.

    Jump cuts play one file as many short clips; handing the reader on (it seeks) saves opening and
    probing the file again for each cut. At most ``keep`` idle files stay open.
    """

    def __init__(self, sr: int, keep: int = 2) -> None:
        self._sr, self._keep = sr, keep
        self._idle: deque[tuple[str, AudioReader]] = deque()
        self._silent: set[str] = set()  # video files known to have no sound

    def take(self, clip: SourcedClip) -> AudioReader | None:
        """A reader for the clip's media, or None when a video clip's file has no sound."""
        path = clip.source.path
        if path in self._silent:
            return None
        if path.startswith(MOVIEPY_PREFIX):
            from capkit.interop.moviepy import open_moviepy_audio

            return open_moviepy_audio(path, self._sr, CHANNELS)
        for i, (idle_path, reader) in enumerate(self._idle):
            if idle_path == path:
                del self._idle[i]
                return reader
        try:
            reader = AudioReader(path, sample_rate=self._sr, channels=CHANNELS)
        except MediaError:
            if isinstance(clip, VideoClip) and probe(path).audio is None:
                self._silent.add(path)
                return None
            raise
        if reader.info.audio is None:
            reader.close()
            self._silent.add(path)
            return None
        return reader

    def give(self, path: str, reader: AudioReader) -> None:
        self._idle.append((path, reader))
        while len(self._idle) > self._keep:
            self._idle.popleft()[1].close()

    def close(self) -> None:
        while self._idle:
            self._idle.popleft()[1].close()


class _Direct:
    """Speed 1: timeline sample m plays source sample m + offset."""

    def __init__(self, reader: AudioReader, offset: int, sr: int) -> None:
        self._reader, self._offset, self._sr = reader, offset, sr

    def read(self, m0: int, n: int) -> np.ndarray:
        return self._reader.read(Fraction(m0 + self._offset, self._sr), n)


class _Varispeed:
    """Tape speed: the source resampled at exact fractional positions p0 + m * speed."""

    def __init__(self, reader: AudioReader, speed: Fraction, p0: Fraction, sr: int) -> None:
        self._reader, self._speed, self._p0, self._sr = reader, speed, p0, sr
        self._step = float(speed)
        self._table, self._half = _sinc_table(self._step)
        self._buf = np.zeros((CHANNELS, 0), dtype=np.float32)
        self._buf_start = 0

    def read(self, m0: int, n: int) -> np.ndarray:
        p = self._p0 + m0 * self._speed
        base = math.floor(p)
        pos = float(p - base) + np.arange(n, dtype=np.float64) * self._step
        whole = np.floor(pos)
        frac = pos - whole
        whole = whole.astype(np.int64)
        half = self._half
        lo = base + int(whole[0]) - half + 1  # first source sample any tap touches
        hi = base + int(whole[-1]) + half + 1
        window = self._source(lo, hi)
        # Interpolate the kernel between the two nearest of the table's phases.
        q = frac * _SINC_PHASES
        qi = q.astype(np.int64)
        qa = (q - qi).astype(np.float32)[:, None]
        weights = self._table[qi] * (1 - qa) + self._table[qi + 1] * qa
        taps = np.lib.stride_tricks.sliding_window_view(window, 2 * half, axis=1)[:, whole - whole[0]]
        return np.einsum("cnk,nk->cn", taps, weights, optimize=True).astype(np.float32)

    def _source(self, lo: int, hi: int) -> np.ndarray:
        """Source samples [lo, hi), read sequentially and kept for the next block's overlap."""
        buf_end = self._buf_start + self._buf.shape[1]
        if lo < self._buf_start or lo > buf_end:
            self._buf = np.zeros((CHANNELS, 0), dtype=np.float32)
            self._buf_start = buf_end = lo
        keep = self._buf[:, lo - self._buf_start :]
        if hi > buf_end:
            fresh = self._reader.read(Fraction(buf_end, self._sr), hi - buf_end)
            keep = np.concatenate([keep, fresh], axis=1)
        self._buf, self._buf_start = keep, lo
        return keep[:, : hi - lo]


@functools.lru_cache(maxsize=16)
def _sinc_table(speed: float) -> tuple[np.ndarray, int]:
    """Polyphase windowed-sinc kernel for reading the source ``speed`` times faster.

    Row r holds the taps for a position ``r / PHASES`` past a source sample: tap k weighs source
    sample ``k - half + 1``. Speeding up lowers the cutoff (and widens the kernel) so nothing
    above the output's Nyquist frequency folds back.
    """
    cutoff = _SINC_PASS * min(1.0, 1.0 / speed)
    half = math.ceil(_SINC_ZEROS / cutoff)
    k = np.arange(-half + 1, half + 1, dtype=np.float64)
    phase = np.arange(_SINC_PHASES + 1, dtype=np.float64)[:, None] / _SINC_PHASES
    x = k[None, :] - phase
    window = np.i0(_SINC_BETA * np.sqrt(np.clip(1 - (x / half) ** 2, 0.0, None))) / np.i0(_SINC_BETA)
    table = cutoff * np.sinc(cutoff * x) * window
    table /= table.sum(axis=1, keepdims=True)  # unity gain at DC for every phase
    return np.ascontiguousarray(table.astype(np.float32)), half


class _Tempo:
    """Pitch-preserving speed through FFmpeg's atempo, fed from one source position onward.

    atempo accepts 0.5 to 100 but drops input above 2x, so the factor is split into equal stages
    within [0.5, 2]. Output is taken exactly as needed: the clip gets precisely its span's length.
    """

    def __init__(self, reader: AudioReader, speed: Fraction, first_source: int, sr: int) -> None:
        self._reader, self._sr = reader, sr
        self._graph, self._src, self._sink = _tempo_graph(float(speed), sr)
        self._next_source = first_source
        self._pts = 0
        self._fifo = _Fifo(CHANNELS)

    def read(self, m0: int, n: int) -> np.ndarray:
        """The next ``n`` samples (voices read their blocks in order, so ``m0`` is implied)."""
        while self._fifo.size < n:
            chunk = self._reader.read(Fraction(self._next_source, self._sr), _TEMPO_FEED)
            self._next_source += _TEMPO_FEED
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=LAYOUT)
            frame.sample_rate = self._sr
            frame.pts = self._pts
            frame.time_base = Fraction(1, self._sr)
            self._pts += _TEMPO_FEED
            self._src.push(frame)
            while True:
                try:
                    out = self._sink.pull()
                except (av.error.BlockingIOError, av.error.EOFError):
                    break
                self._fifo.push(out.to_ndarray())
        return self._fifo.pop(n)


def tempo_stages(speed: float) -> list[float]:
    """Equal atempo factors within [0.5, 2] whose product is ``speed``."""
    count = max(1, math.ceil(abs(math.log2(speed)) - 1e-9))
    return [speed ** (1.0 / count)] * count


def _tempo_graph(speed: float, sr: int):
    graph = av.filter.Graph()
    src = graph.add_abuffer(sample_rate=sr, format="fltp", layout=LAYOUT, time_base=Fraction(1, sr))
    node = src
    for factor in tempo_stages(speed):
        stage = graph.add("atempo", f"{factor:.17g}")
        node.link_to(stage)
        node = stage
    # Pin the output to what the mixer adds up, whatever atempo negotiated inside.
    fmt = graph.add("aformat", sample_fmts="fltp", channel_layouts=LAYOUT, sample_rates=str(sr))
    node.link_to(fmt)
    sink = graph.add("abuffersink")
    fmt.link_to(sink)
    graph.configure()
    return graph, src, sink


# --- the limiter --------------------------------------------------------------------------------


class _Limiter:
    """Look-ahead peak limiter, streaming, with a delay of ``lookahead`` samples (plus the true-peak
    detector's ``TRUE_PEAK_TAPS`` in true-peak mode).

    Per sample, the gain (in dB) needed to bring the peak to the ceiling is ``need``. The gain is
    the minimum of ``need`` over the next ``lookahead`` samples (so it is already down when a peak
    arrives), allowed to rise back at a fixed rate (release), then averaged over the last
    ``lookahead`` samples (attack ramp, smooth corners). Every value averaged at sample i is at most
    ``need[i]``, so the output never exceeds the ceiling; with nothing over it, gain stays at
    exactly 0 dB and the samples pass through untouched.

    In true-peak mode a sample's peak is the largest oversampled value within the interpolation
    filter's reach on either side, so every sample that shapes an inter-sample peak is brought down
    with it. The gain changes slowly against the filter's length, so the oversampled output stays
    at the ceiling within a few hundredths of a dB; the export leaves a margin for that and for AAC.
    """

    def __init__(self, sr: int, ceiling_db: float, true_peak: bool = False) -> None:
        self._look = max(1, math.floor(_LOOKAHEAD_SECONDS * sr))
        self._rise = _RELEASE_DB_PER_SECOND / sr
        self._ceiling_db = ceiling_db
        self._ceiling = np.float32(10.0 ** (ceiling_db / 20.0))
        self._peaks = _TruePeaks() if true_peak else None
        self._x = np.zeros((CHANNELS, 0), dtype=np.float32)  # input not yet output
        self._need = np.zeros(0)  # dB needed for the first samples of self._x
        self._hist = np.zeros(self._look)  # smoothed-gain inputs of the last `look` output samples
        self._last = 0.0  # gain (dB, before smoothing) of the last output sample
        self._started = False

    def process(self, block: np.ndarray) -> np.ndarray:
        """Take raw samples, return the limited ones that are ready (``look`` samples behind)."""
        peak = np.abs(block).max(axis=0) if self._peaks is None else self._peaks.feed(block, self._ceiling)
        over = peak > self._ceiling
        need = np.zeros(peak.shape[0])
        if over.any():
            need[over] = self._ceiling_db - 20.0 * np.log10(peak[over])
        x = np.concatenate([self._x, block], axis=1)
        need = np.concatenate([self._need, need])
        ready = need.shape[0] - self._look
        if ready <= 0:
            self._x, self._need = x, need
            return np.zeros((CHANNELS, 0), dtype=np.float32)
        out = x[:, :ready]
        if not self._started:
            # Silent samples before the start look ahead into the first ones, as any sample does:
            # without this the first `look` samples could pass over the ceiling.
            self._started = True
            self._hist = np.minimum(np.minimum.accumulate(need[: self._look]), 0.0)
            self._last = float(self._hist[-1])
        if not need.any() and self._last == 0.0 and not self._hist.any():
            result = out.copy()  # transparent: gain is exactly 1
            self._hist = np.zeros(self._look)
        else:
            look = self._look
            ahead = np.lib.stride_tricks.sliding_window_view(need, look + 1)[:ready].min(axis=1)
            idx = np.arange(ready, dtype=np.float64)
            released = idx * self._rise + np.minimum.accumulate(ahead - idx * self._rise)
            gain = np.minimum(released, self._last + (idx + 1) * self._rise)
            gain = np.minimum(gain, 0.0)
            self._last = float(gain[-1])
            series = np.concatenate([self._hist, gain])
            csum = np.concatenate([[0.0], np.cumsum(series)])
            smooth = (csum[look + 1 :] - csum[: -look - 1]) / (look + 1)
            self._hist = series[-look:]
            scale = np.power(10.0, smooth / 20.0).astype(np.float32)
            result = out * scale
            np.clip(result, -self._ceiling, self._ceiling, out=result)  # float rounding only
        self._x, self._need = x[:, ready:], need[ready:]
        return result


class _TruePeaks:
    """Per sample, the largest 4x oversampled |value| within ``TRUE_PEAK_TAPS/2`` samples either
    side, over both channels; streaming, ``TRUE_PEAK_TAPS`` samples behind its input (the first
    values out belong to the first samples in)."""

    def __init__(self) -> None:
        self._taps = TRUE_PEAK_TAPS
        keep = 2 * self._taps - 2
        self._buf = np.zeros((CHANNELS, keep), dtype=np.float32)  # silence before the start
        self._skip = self._taps - 1  # values for those silent samples are not emitted
        self._bound = interpolation_gain()

    def feed(self, block: np.ndarray, ceiling: float) -> np.ndarray:
        buf = np.concatenate([self._buf, block], axis=1)
        self._buf = buf[:, -(2 * self._taps - 2) :]
        count = buf.shape[1] - 2 * self._taps + 2
        if float(np.abs(buf).max()) * self._bound <= ceiling:
            peaks = np.zeros(count)  # no oversampled value here can reach the ceiling
        else:
            env = peak_envelope(buf)  # one value per interval after a sample
            peaks = np.lib.stride_tricks.sliding_window_view(env, self._taps).max(axis=1).astype(np.float64)
        if self._skip:
            drop = min(self._skip, count)
            peaks = peaks[drop:]
            self._skip -= drop
        return peaks


class _Fifo:
    """Blocks of (channels, n) samples, popped in any sizes."""

    def __init__(self, channels: int) -> None:
        self._parts: deque[np.ndarray] = deque()
        self._channels = channels
        self.size = 0

    def push(self, samples: np.ndarray) -> None:
        if samples.shape[1]:
            self._parts.append(samples)
            self.size += samples.shape[1]

    def pop(self, n: int) -> np.ndarray:
        out = np.empty((self._channels, n), dtype=np.float32)
        filled = 0
        while filled < n:
            part = self._parts[0]
            take = min(n - filled, part.shape[1])
            out[:, filled : filled + take] = part[:, :take]
            if take == part.shape[1]:
                self._parts.popleft()
            else:
                self._parts[0] = part[:, take:]
            filled += take
        self.size -= n
        return out

"""Finding the beat of music: onset strength, tempo and beat times, with numpy only.

The sound is read once, front to back, in blocks (a long song never sits in memory; 40 mel
levels every 10 ms and one energy value every 1 ms are kept) and turned into two envelopes:

- the onset strength: log-mel spectral flux of a 1024-point STFT hopped every 10 ms (how much
  louder each of 40 log-compressed mel bands got since the frame before, half-wave rectified
  and averaged over the bands), minus its 1 s local mean and rectified again.
- a fine energy envelope in 1 ms bins, kept to put each beat on the exact peak of its onset.

Tempo is the lag where the envelope's autocorrelation, weighted by a log-normal prior around
120 BPM (one octave wide, 60-200 BPM), is highest; when half that period is nearly as well
supported the faster tempo wins, so a plain click track is not reported at half its speed.
Beats come from Ellis's dynamic programme ("Beat tracking by dynamic programming", 2007): the
beat sequence maximising onset strength at the beats minus a penalty for gaps that stray from
the period (measured again in 8 s windows, so a tempo that moves is followed), then each beat
moves to the energy peak of its onset within a few tens of ms.

Times are source seconds as ``Fraction`` rounded to the millisecond, capkit's convention.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from capkit.errors import CapkitError

ANALYSIS_RATE = 24000  # files are read at this rate: 10 ms is exactly 240 samples
N_MELS = 40
COMPRESSION = 0.5  # see spectral_flux
MIN_BPM, MAX_BPM = 60.0, 200.0
PRIOR_BPM, PRIOR_OCTAVES = 120.0, 1.0
# Half the period wins when its autocorrelation is at least this share of the chosen one's.
FASTER_SHARE = 0.8
TIGHTNESS = 100.0  # Ellis's alpha: how strongly beat gaps are held to the period
LOCAL_SECONDS = 8  # the window in which a moving tempo is measured
LOCAL_RANGE = 1.7  # ... and how far from the main tempo it may go (a ratio)
# Beats before the first / after the last one this strong (share of the median beat) are dropped.
TRIM_SHARE = 0.3
# An onset is at least this share of the strongest one (rounding noise in a steady tone is not).
ONSET_SHARE = 0.05
HIT_RATIO = 8.0  # see _starts_with_hit
# Sound whose loudest millisecond stays below this has no beat to find: silence or near it.
SILENCE_DBFS = -60.0
_BLOCK_SECONDS = 10
# Where a beat's onset peak is looked for, around the STFT frame that found it. The flux of a
# spectrum rises as soon as a hit enters the window's leading edge, so frames find hits early.
_REFINE_BEFORE, _REFINE_AFTER = 0.025, 0.050
_PEAK_AFTER_RISE = 0.020  # an onset's energy peak follows its steepest rise within this


@dataclass(frozen=True, eq=False)
class BeatAnalysis:
    """What :func:`detect_beats` found. Times are source seconds (of the file or array).

    ``tempo_bpm`` is 0 and ``beats`` empty when there is no beat to find (silence).
    ``confidence`` (0-1) is the envelope's normalised autocorrelation at the beat period:
    near 1 for a steady click track, low for music without a clear pulse.
    ``envelope`` is the onset strength, frame ``k`` at ``start + k / frame_rate``.
    """

    tempo_bpm: float
    confidence: float
    beats: list[Fraction]
    onsets: list[Fraction]
    start: Fraction
    duration: Fraction
    frame_rate: Fraction
    envelope: np.ndarray = field(repr=False)

    @property
    def period(self) -> Fraction | None:
        """Seconds per beat (to the microsecond), or None without a tempo."""
        if not self.tempo_bpm:
            return None
        return Fraction(60 / self.tempo_bpm).limit_denominator(1_000_000)


def detect_beats(source, sample_rate: int | None = None, *, start=0, end=None, progress=None,
                 cancel=None) -> BeatAnalysis:
    """Tempo, beats and onsets of a sound file, or of samples (``sample_rate`` then required).

    ``source`` is a path, or a float array shaped (n,) or (channels, n). ``start`` / ``end`` limit
    the analysis to part of the source (seconds); times returned stay source times. ``progress``
    gets :class:`capkit.progress.Progress` reports in milliseconds of sound read; ``cancel`` is a
    :class:`capkit.progress.CancelToken`.
    """
    from capkit.model.time import to_time

    start = to_time(start)
    end = None if end is None else to_time(end)
    if start < 0 or (end is not None and end <= start):
        raise CapkitError(f"beats: the range {float(start):g}-{float(end):g}s is empty; end must be after start"
                          if end is not None else "beats: start must be 0 or later")
    if isinstance(source, (str, Path)):
        stream = OnsetStream(ANALYSIS_RATE)
        for block in _file_blocks(Path(source), start, end, progress, cancel):
            stream.push(block)
    else:
        if sample_rate is None:
            raise CapkitError("beats: samples need their sample_rate")
        rate = int(sample_rate)
        mono = np.asarray(source, dtype=np.float32)
        if mono.ndim == 2:
            mono = mono.mean(axis=0)
        if mono.ndim != 1:
            raise CapkitError(f"beats: samples must be shaped (n,) or (channels, n), not {np.shape(source)}")
        lo = math.floor(start * rate + Fraction(1, 2))
        hi = mono.shape[0] if end is None else math.floor(end * rate + Fraction(1, 2))
        mono = mono[lo:hi]
        stream = OnsetStream(rate)
        t0 = _time.perf_counter()
        step = rate * _BLOCK_SECONDS
        for at in range(0, mono.shape[0], step):
            if cancel is not None:
                cancel.check()
            stream.push(mono[at:at + step])
            _report(progress, (min(at + step, mono.shape[0]) * 1000) // rate, (mono.shape[0] * 1000) // rate, t0)
    return analyse(stream.finish(), start)


def _report(progress, done: int, total: int, t0: float) -> None:
    if progress is not None:
        from capkit.progress import Progress

        progress(Progress(done, max(total, done, 1), _time.perf_counter() - t0, stage="beats"))


def _file_blocks(path: Path, start: Fraction, end: Fraction | None, progress, cancel):
    """Mono blocks of the file's sound at the analysis rate from ``start`` to ``end`` (or its end);
    progress is reported after each block, in milliseconds of sound."""
    from capkit.media.audio import AudioReader
    from capkit.media.probe import probe

    if probe(path).audio is None:
        raise CapkitError(f"{path} has no sound to find beats in")
    rate = ANALYSIS_RATE
    t0 = _time.perf_counter()
    with AudioReader(path, sample_rate=rate, channels=1) as reader:
        stop = reader.duration if end is None else min(end, reader.duration)
        total_ms = max(1, math.floor((stop - start) * 1000))
        first = math.floor(start * rate + Fraction(1, 2))
        last = None if end is None else math.floor(end * rate + Fraction(1, 2))
        position = first
        step = rate * _BLOCK_SECONDS
        while last is None or position < last:
            if cancel is not None:
                cancel.check()
            n = step if last is None else min(step, last - position)
            block = reader.read(Fraction(position, rate), n)[0]
            file_end = reader.end_sample
            if file_end is not None and file_end < position + n:
                yield block[: max(0, file_end - position)]
                break
            yield block
            position += n
            _report(progress, min(total_ms, (position - first) * 1000 // rate), total_ms, t0)
    _report(progress, total_ms, total_ms, t0)


def _mel_matrix(rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Triangular mel (HTK) filters over the FFT bins, shaped (n_mels, n_fft // 2 + 1)."""
    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(30.0), mel(rate / 2), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * rate / n_fft
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - lower) / (centre - lower)
    down = (upper - freqs) / (upper - centre)
    return np.maximum(0.0, np.minimum(up, down))


class OnsetStream:
    """Turns blocks of mono samples into the onset envelope and the 1 ms energy envelope.

    Frame ``k`` is centred on sample ``k * hop``, so frame times are exact: ``k * hop / rate``.
    The signal is mirrored by half a window at both ends, so that where it starts or stops in the
    middle of steady sound is not taken for an onset.
    """

    def __init__(self, rate: int) -> None:
        if rate < 8000:
            raise CapkitError(f"beats: a sample rate of {rate} Hz is too low to find beats in (8000 or more)")
        self.rate = rate
        self.hop = round(rate / 100)
        self.n_fft = 1 << round(math.log2(rate * 0.0427))
        self.fine = round(rate / 1000)
        self._window = np.hanning(self.n_fft + 1)[:-1].astype(np.float32)
        # A full-scale sine has power 1 in its bin after this scaling.
        self._scale = 1.0 / (self._window.sum() / 2) ** 2
        self._mel = _mel_matrix(rate, self.n_fft, N_MELS).astype(np.float32)
        self._buf = np.zeros(0, dtype=np.float32)
        self._started = False  # the start is mirrored once half a window of sound has arrived
        self._pushed = 0
        self._mel_power: list[np.ndarray] = []
        self._fine_rest = np.zeros(0, dtype=np.float32)
        self._energy: list[np.ndarray] = []

    def push(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, dtype=np.float32)
        fine = np.concatenate([self._fine_rest, samples])
        whole = fine.shape[0] // self.fine * self.fine
        self._energy.append(np.square(fine[:whole], dtype=np.float64).reshape(-1, self.fine).sum(axis=1))
        self._fine_rest = fine[whole:]
        self._pushed += samples.shape[0]
        self._buf = np.concatenate([self._buf, samples])
        half = self.n_fft // 2
        if not self._started and self._buf.shape[0] > half:
            self._buf = np.concatenate([self._buf[half:0:-1], self._buf])
            self._started = True
        if self._started:
            self._frames()

    def _frames(self) -> None:
        n = self._buf.shape[0]
        if n < self.n_fft:
            return
        count = (n - self.n_fft) // self.hop + 1
        frames = np.lib.stride_tricks.sliding_window_view(self._buf, self.n_fft)[:: self.hop][:count]
        power = np.square(np.abs(np.fft.rfft(frames * self._window, axis=1))) * self._scale
        self._mel_power.append((power @ self._mel.T).astype(np.float32))
        self._buf = self._buf[count * self.hop:]

    def finish(self) -> Envelopes:
        if self._fine_rest.shape[0]:
            self._energy.append(np.array([np.square(self._fine_rest, dtype=np.float64).sum()]))
            self._fine_rest = self._fine_rest[:0]
        total = self._pushed
        want = total // self.hop + 1  # frames centred on 0, hop, ... up to the last sample
        half = self.n_fft // 2
        if self._started:
            tail = self._buf[-half - 1:-1][::-1]
            self._buf = np.concatenate([self._buf, tail, np.zeros(half - tail.shape[0] + self.hop, np.float32)])
        else:  # shorter than half a window: silence around it
            self._buf = np.concatenate([np.zeros(half, np.float32), self._buf, np.zeros(half + self.hop, np.float32)])
        self._frames()
        mel = np.concatenate(self._mel_power)[:want] if self._mel_power else np.zeros((0, N_MELS), np.float32)
        energy = np.concatenate(self._energy) if self._energy else np.zeros(0)
        return Envelopes(self.rate, self.hop, self.fine, spectral_flux(mel, _starts_with_hit(energy)), energy,
                         Fraction(total, self.rate))


def _starts_with_hit(energy: np.ndarray) -> bool:
    """Whether the sound opens with a hit: its first 25 ms are much louder than the 200 ms after.
    A span that starts in the middle of steady sound does not; a song that starts on a drum does."""
    head, body = energy[:25], energy[25:225]
    if head.shape[0] == 0 or body.shape[0] == 0:
        return False
    return float(head.max()) > HIT_RATIO * max(float(np.median(body)), 1e-12)


def spectral_flux(mel: np.ndarray, from_silence: bool = False) -> np.ndarray:
    """Per frame, how much the compressed mel bands rose since the frame before (rises only,
    averaged over bands). The first frame has no frame before it: it rises from silence when
    ``from_silence`` (the sound opens with a hit), and gets 0 otherwise.

    Bands are compressed as ``log(1 + 0.5 * power / mean power)``: close to the loudness change
    for the sound that carries the music, nearly nothing for sound far below it. A plain log
    (dB) would let a soft hi-hat rising out of an empty band outweigh the kick everyone hears,
    and put the beats on the off-beats of most pop.
    """
    if mel.shape[0] == 0:
        return np.zeros(0)
    ref = float(mel.mean())
    if ref <= 0:
        return np.zeros(mel.shape[0])
    level = np.log1p(COMPRESSION * mel / ref)
    rise = np.maximum(np.diff(level, axis=0), 0.0).mean(axis=1)
    first = float(level[0].mean()) if from_silence else 0.0
    return np.concatenate([[first], rise]).astype(np.float64)


@dataclass(frozen=True, eq=False)
class Envelopes:
    """What :class:`OnsetStream` made of a span of sound: spectral flux per STFT frame and energy
    per ``fine`` samples, both from the span's first sample."""

    rate: int
    hop: int
    fine: int  # samples per energy bin
    flux: np.ndarray
    energy: np.ndarray
    duration: Fraction


def _moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    width = max(1, min(width, x.shape[0]))
    kernel = np.ones(width) / width
    return np.convolve(np.pad(x, (width // 2, width - 1 - width // 2), mode="edge"), kernel, mode="valid")


def onset_strength(env: Envelopes) -> np.ndarray:
    """The flux minus its local mean (1 s), half-wave rectified."""
    frames_per_second = env.rate / env.hop
    return np.maximum(env.flux - _moving_mean(env.flux, round(frames_per_second)), 0.0)


def _acf(x: np.ndarray) -> np.ndarray:
    x = x - x.mean()
    size = 1 << (2 * x.shape[0] - 1).bit_length()
    spectrum = np.fft.rfft(x, size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), size)[: x.shape[0]]
    return acf / acf[0] if acf[0] > 0 else np.zeros_like(acf)


def _smoothed(onset: np.ndarray, frames_per_second: float) -> np.ndarray:
    """The envelope through a 20 ms Gaussian, for autocorrelation: a period that is not a whole
    number of frames puts hits one frame apart at alternate beats, which would halve a sharp
    envelope's autocorrelation at that lag."""
    spread = np.arange(-4, 5)
    return np.convolve(onset, np.exp(-0.5 * (spread / (0.02 * frames_per_second)) ** 2), mode="same")


def _peak(acf: np.ndarray, lag: int) -> float:
    """The sub-frame lag of the autocorrelation peak at ``lag``: a parabola through it and its
    neighbours."""
    a, b, c = acf[lag - 1], acf[lag], acf[lag + 1]
    denom = a - 2 * b + c
    shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
    return lag + max(-0.5, min(0.5, shift))


def estimate_tempo(onset: np.ndarray, frames_per_second: float) -> tuple[float, float]:
    """(period in frames, confidence) from the envelope's autocorrelation; (0, 0) if none."""
    acf = _acf(_smoothed(onset, frames_per_second))
    lo = math.ceil(frames_per_second * 60 / MAX_BPM)
    hi = min(math.floor(frames_per_second * 60 / MIN_BPM), acf.shape[0] - 2)
    if hi <= lo:
        return 0.0, 0.0
    lags = np.arange(lo, hi + 1)
    bpm = 60 * frames_per_second / lags
    prior = np.exp(-0.5 * (np.log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES) ** 2)
    support = np.maximum(acf[lo:hi + 1], 0.0)
    best = int(lags[np.argmax(support * prior)])
    while True:
        half = best / 2
        near = [lag for lag in (math.floor(half), math.ceil(half)) if lo <= lag <= hi]
        if not near:
            break
        faster = max(near, key=lambda lag: acf[lag])
        if acf[faster] < FASTER_SHARE * acf[best] or acf[faster] <= 0:
            break
        best = faster
    return _peak(acf, best), float(max(0.0, min(1.0, acf[best])))


def local_periods(onset: np.ndarray, frames_per_second: float, period: float) -> np.ndarray:
    """The beat period at every frame (frames), for music whose tempo moves: the autocorrelation
    of 8 s windows a second apart, searched within a factor 1.7 of the song's ``period`` and
    drawn gently towards it (so a window never jumps to double or half time), median-filtered over
    three windows and interpolated between window centres."""
    n = onset.shape[0]
    window, step = round(LOCAL_SECONDS * frames_per_second), round(frames_per_second)
    lo = max(2, math.floor(period / LOCAL_RANGE))
    hi = math.ceil(period * LOCAL_RANGE)
    if n < 2 * window or hi + 2 >= window:
        return np.full(n, period)
    smooth = _smoothed(onset, frames_per_second)
    lags = np.arange(lo, hi + 1)
    prior = np.exp(-0.5 * np.log2(lags / period) ** 2)
    centres, found = [], []
    for at in range(0, n - window + 1, step):
        acf = _acf(smooth[at:at + window])
        support = np.maximum(acf[lo:hi + 1], 0.0) * prior
        if support.max() <= 0:
            continue
        centres.append(at + window / 2)
        found.append(_peak(acf, int(lags[np.argmax(support)])))
    if not found:
        return np.full(n, period)
    found = np.array(found)
    if found.shape[0] >= 3:
        found[1:-1] = np.median(np.stack([found[:-2], found[1:-1], found[2:]]), axis=0)
    return np.interp(np.arange(n), centres, found)


def track_beats(onset: np.ndarray, period: float | np.ndarray, tightness: float = TIGHTNESS) -> np.ndarray:
    """Beat frames by dynamic programming (Ellis 2007): the sequence maximising onset strength
    at the beats plus ``tightness`` times a penalty ``-log(gap / period)^2`` for each gap.
    ``period`` (frames) is one number, or one per frame for a tempo that moves."""
    std = onset.std()
    n = onset.shape[0]
    periods = np.broadcast_to(np.asarray(period, dtype=np.float64), (n,))
    if std <= 0 or n == 0 or periods.min() <= 0:
        return np.zeros(0, dtype=np.int64)
    norm = onset / std
    main = float(np.median(periods))
    spread = np.arange(-round(main), round(main) + 1)
    local = np.convolve(norm, np.exp(-0.5 * (spread * 32.0 / main) ** 2), mode="same")
    score = np.zeros(n)
    back = np.full(n, -1, dtype=np.int64)
    floor = 0.01 * local.max()
    started = False
    gaps: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for i in range(n):
        p = round(float(periods[i]), 2)
        if p not in gaps:
            offsets = np.arange(-round(2 * p), -round(p / 2) + 1)
            gaps[p] = offsets, -tightness * np.log(-offsets / p) ** 2
        offsets, penalty = gaps[p]
        # Predecessors before frame 0 are virtual: a beat may start the sequence there at no
        # cost but the gap's penalty, so the first real beat is not tied to the first frames.
        first = max(0, -(i + offsets[0]))
        fresh = float(penalty[:first].max()) if first else -np.inf
        best = -np.inf
        if first < offsets.shape[0]:
            candidates = score[i + offsets[first]: i + offsets[-1] + 1] + penalty[first:]
            k = int(np.argmax(candidates))
            best = float(candidates[k])
        if (not started and local[i] < floor) or fresh >= best:
            score[i] = local[i] + (0.0 if not started and local[i] < floor else fresh)
            continue
        score[i] = local[i] + best
        back[i] = i + offsets[first + k]
        started = True
    peaks = np.flatnonzero((score[1:-1] > score[:-2]) & (score[1:-1] >= score[2:])) + 1
    if peaks.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    threshold = 0.5 * np.median(score[peaks])
    last = int(peaks[score[peaks] > threshold].max())
    beats = [last]
    while back[beats[-1]] >= 0:
        beats.append(int(back[beats[-1]]))
    beats = np.array(beats[::-1], dtype=np.int64)
    # Leading and trailing beats where nothing happens (before the music starts, after it ends).
    smooth = np.convolve(local, np.hanning(5), mode="same")
    strong = smooth[beats] > TRIM_SHARE * np.median(smooth[beats])
    if not strong.any():
        return np.zeros(0, dtype=np.int64)
    keep = np.flatnonzero(strong)
    return beats[keep[0]: keep[-1] + 1]


def pick_onsets(onset: np.ndarray, frames_per_second: float) -> np.ndarray:
    """Frames that are a local maximum within 30 ms, stand out from their 100 ms surroundings and
    reach ``ONSET_SHARE`` of the strongest onset (so rounding noise in a steady sound is not one)."""
    std = onset.std()
    if std <= 0:
        return np.zeros(0, dtype=np.int64)
    norm = onset / std
    reach = max(1, round(0.03 * frames_per_second))
    padded = np.pad(norm, reach, mode="constant")
    local_max = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1).max(axis=1)
    surround = _moving_mean(norm, 2 * round(0.1 * frames_per_second) + 1)
    loud = onset >= ONSET_SHARE * onset.max()
    hits = np.flatnonzero((norm >= local_max) & (norm > surround + 0.5) & loud)
    kept: list[int] = []
    for h in hits:
        if not kept or h - kept[-1] > reach:
            kept.append(int(h))
    return np.array(kept, dtype=np.int64)


def refine(frame: int, env: Envelopes) -> float:
    """Seconds of the energy peak of the onset that STFT frame ``frame`` found (the frame's own
    time when there is no clear onset near it)."""
    coarse = frame * env.hop / env.rate
    bin_seconds = env.fine / env.rate
    energy = env.energy
    lo = max(1, math.floor((coarse - _REFINE_BEFORE) / bin_seconds))
    hi = min(energy.shape[0], math.ceil((coarse + _REFINE_AFTER) / bin_seconds))
    if hi - lo < 3:
        return coarse
    # The steepest rise of the 3 ms smoothed energy, then the peak just after it.
    span = energy[max(0, lo - 2): hi + 1]
    smooth = np.convolve(span, np.ones(3) / 3, mode="same")
    at = lo - max(0, lo - 2)  # where bin ``lo`` is in ``span``
    rise = smooth[at:at + hi - lo] - smooth[at - 1:at - 1 + hi - lo]
    steepest = int(np.argmax(rise))
    if rise[steepest] <= 0 or rise[steepest] < 4 * np.median(np.abs(rise)):
        return coarse
    top = min(energy.shape[0], lo + steepest + math.ceil(_PEAK_AFTER_RISE / bin_seconds))
    peak = lo + steepest + int(np.argmax(energy[lo + steepest: top]))
    shift = 0.0
    if 0 < peak < energy.shape[0] - 1:
        a, b, c = energy[peak - 1], energy[peak], energy[peak + 1]
        denom = a - 2 * b + c
        if denom < 0:
            shift = max(-0.5, min(0.5, 0.5 * (a - c) / denom))
    return (peak + 0.5 + shift) * bin_seconds  # bin ``peak`` is centred half a bin in


def _ms(seconds: float | Fraction) -> Fraction:
    return Fraction(round(seconds * 1000), 1000)


def analyse(env: Envelopes, start: Fraction = Fraction(0)) -> BeatAnalysis:
    """Tempo, beats and onsets from the envelopes of a span that starts at source time ``start``."""
    frames_per_second = env.rate / env.hop
    frame_rate = Fraction(env.rate, env.hop)
    onset = onset_strength(env)
    loudest = float(env.energy.max()) / env.fine if env.energy.shape[0] else 0.0
    if env.flux.shape[0] < 4 or loudest < 10 ** (SILENCE_DBFS / 10):
        return BeatAnalysis(0.0, 0.0, [], [], start, env.duration, frame_rate, onset)
    period, confidence = estimate_tempo(onset, frames_per_second)
    frames = np.zeros(0, dtype=np.int64)
    if period:
        frames = track_beats(onset, local_periods(onset, frames_per_second, period))
    beat_seconds = [refine(int(f), env) for f in frames]
    onsets = [_ms(start + Fraction(refine(int(f), env))) for f in pick_onsets(onset, frames_per_second)]
    tempo = 60 * frames_per_second / period if period else 0.0
    if len(beat_seconds) >= 4:
        tempo = 60 / float(np.median(np.diff(beat_seconds)))
    # A hit cut in half by the end of the span peaks on its last millisecond: keep beats inside.
    beats = [b for b in (_ms(start + Fraction(s)) for s in beat_seconds) if b < start + env.duration]
    onsets = [o for o in onsets if o < start + env.duration]
    if not beats:
        tempo, confidence = 0.0, 0.0
    return BeatAnalysis(round(tempo, 2), round(confidence, 3), beats, sorted(set(onsets)), start, env.duration,
                        frame_rate, onset)

"""Loudness and true peak as ITU-R BS.1770-4 and EBU R 128 define them, measured while streaming.

This module owns :class:`LoudnessMeter` (feed it blocks, ask for a :class:`Loudness` at any time)
and the 4x oversampling true-peak detector (:class:`TruePeak`; :func:`peak_envelope` gives the mix's
true-peak limiter the same interpolation per sample).

- K-weighting is the standard's two biquads (a high shelf of about +4 dB above 1.5 kHz, then the
  "RLB" high pass at 38 Hz). Their coefficients are computed for any sample rate by the bilinear
  transform from the analogue prototypes that give BS.1770's published 48 kHz coefficients exactly.
  The two stages run as one 4th-order state-space filter over blocks of 128 samples: each block is
  a matrix product (exact, no truncated impulse response), and the state is carried across blocks
  and across ``add`` calls, so the result does not depend on how the signal is cut into blocks.
- Mean squares are kept per 100 ms step; a 400 ms gating block is four steps (75 % overlap) and a
  3 s short-term window thirty. Integrated loudness gates blocks at -70 LUFS, then at 10 LU under
  the loudness of the blocks that passed (BS.1770-4). Loudness range (EBU Tech 3342) is the spread
  between the 10th and 95th percentiles of the short-term loudness, gated at -70 LUFS and 20 LU
  under. Memory is one number per 100 ms (36 000 per hour).
- True peak upsamples by 4 with a polyphase windowed-sinc filter (BS.1770-4 Annex 2) whose cutoff
  is the input's Nyquist frequency, so the phase that falls on an input sample returns that sample
  exactly and true peak is never under the sample peak. Only stretches whose samples could reach
  above the current maximum are interpolated (an interpolated value is at most the filter's L1
  norm times the largest sample in its reach), which keeps the common case cheap.

Channel weights follow BS.1770: 1.0 for mono and stereo; for 5.1 (L R C LFE Ls Rs) the LFE is
left out and the surrounds weigh 1.41. Loudness of silence is ``-inf``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU under the absolute-gated loudness (integrated loudness)
LRA_RELATIVE_GATE = -20.0  # LU (loudness range, EBU Tech 3342)
_OFFSET = -0.691  # BS.1770: makes a 997 Hz full-scale sine on one front channel read -3.01 LKFS

_STEP_SECONDS = 0.1  # one hop of the 400 ms gating block (75 % overlap)
_MOMENTARY_STEPS = 4  # 400 ms
_SHORT_TERM_STEPS = 30  # 3 s

_FILTER_BLOCK = 128  # samples per matrix product of the K-weighting filter

# True-peak interpolator: 4x, taps per phase, Kaiser window.
OVERSAMPLE = 4
_TP_TAPS = 16
_TP_BETA = 7.0
_TP_STRETCH = 8192  # samples interpolated per pass (fits in cache)
TRUE_PEAK_TAPS = _TP_TAPS  # the interpolator's reach: TAPS/2 - 1 samples back, TAPS/2 ahead


@dataclass(frozen=True)
class Loudness:
    """A measurement. Levels are ``-inf`` for silence.

    ``integrated_lufs``: gated programme loudness (BS.1770-4); ``true_peak_dbtp``: peak of the 4x
    oversampled signal in dB relative to full scale; ``sample_peak_dbfs``: largest sample;
    ``lra``: loudness range in LU (EBU Tech 3342; 0 when shorter than one 3 s window);
    ``momentary_max_lufs`` / ``short_term_max_lufs``: loudest 400 ms block / 3 s window;
    ``seconds``: duration measured.
    """

    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    lra: float
    momentary_max_lufs: float
    short_term_max_lufs: float
    seconds: float

    def describe(self) -> str:
        """One line for people: ``-14.0 LUFS integrated, true peak -1.2 dBTP, LRA 3.1 LU``."""
        return (f"{_fmt(self.integrated_lufs)} LUFS integrated, true peak {_fmt(self.true_peak_dbtp)} dBTP, "
                f"LRA {self.lra:.1f} LU")


def _fmt(value: float) -> str:
    return "-inf" if value == -math.inf else f"{value:.1f}"


def measure(samples: np.ndarray, sample_rate: int) -> Loudness:
    """The loudness of a whole (channels, n) array (or a mono (n,) one)."""
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[None, :]
    meter = LoudnessMeter(sample_rate, x.shape[0])
    meter.add(x)
    return meter.result()


def gain_to_target(measured: Loudness, target_lufs: float) -> float:
    """dB to add to reach ``target_lufs`` (0 for silence, which no gain can make louder)."""
    if measured.integrated_lufs == -math.inf:
        return 0.0
    return target_lufs - measured.integrated_lufs


class LoudnessMeter:
    """Streaming BS.1770-4 meter: ``add`` blocks of shape (channels, n) in order, then ``result``.

    ``result`` may be called at any time (it does not disturb the stream) and covers everything
    added so far. One meter serves one thread.
    """

    def __init__(self, sample_rate: int, channels: int = 2, *, weights: tuple[float, ...] | None = None) -> None:
        if sample_rate < 8000:
            raise ValueError(f"loudness needs a sample rate of at least 8000 Hz, got {sample_rate}")
        if channels < 1:
            raise ValueError(f"channels must be at least 1, got {channels}")
        self.sample_rate, self.channels = sample_rate, channels
        self._weights = np.asarray(weights if weights is not None else channel_weights(channels), np.float64)
        if self._weights.shape != (channels,):
            raise ValueError(f"need {channels} channel weights, got {len(self._weights)}")
        self._filter = _KWeighting(sample_rate, channels)
        self._step = max(1, round(sample_rate * _STEP_SECONDS))
        self._steps: list[float] = []  # weighted sum of squares of each complete 100 ms step
        self._partial = 0.0  # of the step being filled
        self._partial_n = 0
        self._pending = np.zeros((channels, 0))  # input not yet through the filter (< one block)
        self._peak = TruePeak(sample_rate, channels)
        self._samples = 0

    def add(self, block: np.ndarray) -> None:
        x = np.asarray(block)
        if x.ndim != 2 or x.shape[0] != self.channels:
            raise ValueError(f"expected samples shaped ({self.channels}, n), got {x.shape}")
        if not x.shape[1]:
            return
        self._samples += x.shape[1]
        self._peak.add(x)
        x = np.concatenate([self._pending, x.astype(np.float64, copy=False)], axis=1)
        whole = x.shape[1] - x.shape[1] % _FILTER_BLOCK
        self._pending = x[:, whole:]
        if whole:
            self._take(self._filter.process(x[:, :whole]))

    def result(self) -> Loudness:
        steps = list(self._steps)
        partial, partial_n = self._partial, self._partial_n
        if self._pending.shape[1]:  # filter the tail on a copy of the state
            tail = self._filter.peek(self._pending)
            energy = (tail * tail).sum(axis=1) @ self._weights
            partial, partial_n = partial + float(energy), partial_n + self._pending.shape[1]
        if partial_n >= self._step:  # the tail completes a step
            steps.append(partial)
        energy = np.asarray(steps, np.float64) / self._step  # mean square per step
        momentary = _windows(energy, _MOMENTARY_STEPS)
        short = _windows(energy, _SHORT_TERM_STEPS)
        tp, sp = self._peak.peaks()
        return Loudness(
            integrated_lufs=_integrated(momentary),
            true_peak_dbtp=_db(tp),
            sample_peak_dbfs=_db(sp),
            lra=_lra(short),
            momentary_max_lufs=float(_lufs(momentary.max())) if momentary.size else -math.inf,
            short_term_max_lufs=float(_lufs(short.max())) if short.size else -math.inf,
            seconds=self._samples / self.sample_rate,
        )

    def _take(self, y: np.ndarray) -> None:
        """Add filtered samples to the 100 ms steps."""
        sq = (y * y).T @ self._weights  # weighted square per sample
        i = 0
        n = sq.shape[0]
        if self._partial_n:
            take = min(self._step - self._partial_n, n)
            self._partial += float(sq[:take].sum())
            self._partial_n += take
            i = take
            if self._partial_n == self._step:
                self._steps.append(self._partial)
                self._partial, self._partial_n = 0.0, 0
        whole = (n - i) // self._step
        if whole:
            self._steps.extend(sq[i : i + whole * self._step].reshape(whole, self._step).sum(axis=1).tolist())
            i += whole * self._step
        if i < n:
            self._partial += float(sq[i:].sum())
            self._partial_n += n - i


def channel_weights(channels: int) -> tuple[float, ...]:
    """BS.1770 weights: 5.1 in FFmpeg's order (L R C LFE Ls Rs) drops the LFE and lifts the surrounds."""
    if channels == 6:
        return (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
    return (1.0,) * channels


def _windows(energy: np.ndarray, steps: int) -> np.ndarray:
    """Mean square of every window of ``steps`` consecutive steps (hop one step)."""
    if energy.size < steps:
        return np.zeros(0)
    c = np.concatenate([[0.0], np.cumsum(energy)])
    return (c[steps:] - c[:-steps]) / steps


def _lufs(mean_square):
    with np.errstate(divide="ignore"):
        return _OFFSET + 10.0 * np.log10(mean_square)


def _integrated(blocks: np.ndarray) -> float:
    loud = _lufs(blocks)
    kept = blocks[loud > ABSOLUTE_GATE]
    if not kept.size:
        return -math.inf
    relative = float(_lufs(kept.mean())) + RELATIVE_GATE
    kept = blocks[loud > max(relative, ABSOLUTE_GATE)]
    return float(_lufs(kept.mean()))


def _lra(short: np.ndarray) -> float:
    loud = _lufs(short)
    kept = short[loud > ABSOLUTE_GATE]
    if not kept.size:
        return 0.0
    relative = float(_lufs(kept.mean())) + LRA_RELATIVE_GATE
    kept_loud = loud[loud > max(relative, ABSOLUTE_GATE)]
    if kept_loud.size < 2:
        return 0.0
    low, high = np.percentile(kept_loud, [10, 95])
    return float(high - low)


def _db(amplitude: float) -> float:
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


# --- K-weighting --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def k_weighting(sample_rate: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting biquads ``((b, a) shelf, (b, a) high pass)`` for ``sample_rate``.

    Bilinear transform (with pre-warping) of the analogue shelf and high pass whose parameters
    reproduce BS.1770-4's 48 kHz coefficients to the digits printed there.
    """
    # Stage 1: high shelf, centre 1681.97 Hz, +4.0 dB, Q 0.7072.
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf_b = np.array([(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0])
    shelf_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    # Stage 2: the RLB high pass, 38.13 Hz, Q 0.5003 (numerator 1, -2, 1 as the standard gives it).
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    hp_b = np.array([1.0, -2.0, 1.0])
    hp_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return (shelf_b, shelf_a), (hp_b, hp_a)


def _biquad_state_space(b: np.ndarray, a: np.ndarray):
    """(A, B, C, D) of a biquad in transposed direct form II."""
    A = np.array([[-a[1], 1.0], [-a[2], 0.0]])
    B = np.array([b[1] - a[1] * b[0], b[2] - a[2] * b[0]])
    C = np.array([1.0, 0.0])
    return A, B, C, float(b[0])


@functools.lru_cache(maxsize=8)
def _block_matrices(sample_rate: int, n: int):
    """Matrices that run the cascaded K-filter over ``n`` samples at once.

    With state s (4,) at the block's start and input u (n,): output y = T u + O s, end state
    P s + G u. T is the lower-triangular Toeplitz matrix of the impulse response.
    """
    (b1, a1), (b2, a2) = k_weighting(sample_rate)
    A1, B1, C1, D1 = _biquad_state_space(b1, a1)
    A2, B2, C2, D2 = _biquad_state_space(b2, a2)
    A = np.block([[A1, np.zeros((2, 2))], [np.outer(B2, C1), A2]])
    B = np.concatenate([B1, B2 * D1])
    C = np.concatenate([D2 * C1, C2])
    D = D2 * D1
    powers = [np.eye(4)]
    for _ in range(n):
        powers.append(A @ powers[-1])
    O = np.stack([C @ powers[k] for k in range(n)])  # (n, 4)
    h = np.concatenate([[D], [C @ powers[k - 1] @ B for k in range(1, n)]])
    idx = np.arange(n)
    lag = idx[:, None] - idx[None, :]
    T = np.where(lag >= 0, h[np.clip(lag, 0, None)], 0.0)  # (n, n)
    G = np.stack([powers[n - 1 - j] @ B for j in range(n)], axis=1)  # (4, n)
    P = powers[n]
    return T.T.copy(), O.T.copy(), G.T.copy(), P.T.copy()


class _KWeighting:
    """The K-weighting filter on (channels, n) float64 blocks, ``n`` a multiple of the block size."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        self._tt, self._ot, self._gt, self._pt = _block_matrices(sample_rate, _FILTER_BLOCK)
        self._state = np.zeros((channels, 4))

    def process(self, x: np.ndarray) -> np.ndarray:
        y, self._state = self._run(x, self._state)
        return y

    def peek(self, x: np.ndarray) -> np.ndarray:
        """Filter ``x`` (any length) from the current state without advancing it."""
        n = x.shape[1]
        padded = np.zeros((x.shape[0], -(-n // _FILTER_BLOCK) * _FILTER_BLOCK))
        padded[:, :n] = x  # causal: the zeros after the tail do not change it
        y, _ = self._run(padded, self._state)
        return y[:, :n]

    def _run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ch, n = x.shape
        blocks = x.reshape(ch, n // _FILTER_BLOCK, _FILTER_BLOCK)
        y = blocks @ self._tt  # zero-state response of every block
        ends = blocks @ self._gt  # (ch, nb, 4): what each block adds to the state
        starts = np.empty_like(ends)
        s = state
        pt = self._pt
        for i in range(blocks.shape[1]):
            starts[:, i] = s
            s = s @ pt + ends[:, i]
        y += starts @ self._ot
        return y.reshape(ch, n), s


# --- true peak ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _interpolator() -> tuple[np.ndarray, float]:
    """Polyphase taps (TAPS, OVERSAMPLE) and the largest L1 norm of a phase.

    Column p, row k weighs input sample ``j - TAPS/2 + 1 + k`` for the value at ``j + p/OVERSAMPLE``:
    a Kaiser-windowed sinc with its cutoff at the input's Nyquist frequency, so column 0 is the
    identity (the input samples themselves).
    """
    k = np.arange(_TP_TAPS, dtype=np.float64)[:, None]
    p = np.arange(OVERSAMPLE, dtype=np.float64)[None, :]
    d = _TP_TAPS / 2 - 1 - k + p / OVERSAMPLE  # distance from the tap's sample to the output point
    window = np.i0(_TP_BETA * np.sqrt(np.clip(1 - (d / (_TP_TAPS / 2)) ** 2, 0, None))) / np.i0(_TP_BETA)
    taps = np.sinc(d) * window
    taps /= taps.sum(axis=0, keepdims=True)  # unity gain at DC for every phase
    return np.ascontiguousarray(taps.astype(np.float32)), float(np.abs(taps).sum(axis=0).max())


class TruePeak:
    """Largest absolute value of the 4x oversampled signal, streaming (and the sample peak).

    Input is gathered into stretches of a few thousand samples before it is interpolated (per-call
    overhead dominates on the ~1600-sample blocks of a 30 fps export).
    """

    def __init__(self, sample_rate: int, channels: int) -> None:
        self.sample_rate, self.channels = sample_rate, channels
        self._gain = interpolation_gain()
        self._hist = np.zeros((channels, _TP_TAPS - 1), np.float32)
        self._parts: list[np.ndarray] = []
        self._buffered = 0
        self._true = 0.0
        self._sample = 0.0

    def add(self, block: np.ndarray) -> None:
        x = np.asarray(block, np.float32)
        if not x.shape[1]:
            return
        self._parts.append(x)
        self._buffered += x.shape[1]
        if self._buffered >= _TP_STRETCH:
            self._flush()

    def peaks(self) -> tuple[float, float]:
        """(true peak, sample peak) as linear amplitudes, of everything added so far."""
        self._flush()
        return max(self._true, self._sample), self._sample

    def _flush(self) -> None:
        if not self._parts:
            return
        full = np.concatenate([self._hist, *self._parts], axis=1)
        self._parts, self._buffered = [], 0
        self._hist = full[:, -(_TP_TAPS - 1) :]
        peak = float(np.abs(full).max())
        self._sample = max(self._sample, float(np.abs(full[:, _TP_TAPS - 1 :]).max()))
        if peak * self._gain <= self._true:
            return  # nothing here can beat the maximum so far
        self._true = max(self._true, float(np.abs(interpolate(full)).max()))


def interpolate(x: np.ndarray) -> np.ndarray:
    """The 4x oversampled signal of float32 (channels, n): (channels, OVERSAMPLE, n - TAPS + 1).

    Entry [c, p, r] is the value at input position ``r + TAPS/2 - 1 + p/OVERSAMPLE`` (p = 0 is
    the input sample itself). Computed as shifted multiply-adds over cache-sized stretches, which
    is 8x faster than a matrix product over a sliding-window view.
    """
    taps, _ = _interpolator()
    ch, n = x.shape
    m = n - _TP_TAPS + 1
    out = np.empty((ch, OVERSAMPLE, max(m, 0)), np.float32)
    for lo in range(0, m, _TP_STRETCH):
        hi = min(lo + _TP_STRETCH, m)
        out[:, 0, lo:hi] = x[:, lo + _TP_TAPS // 2 - 1 : hi + _TP_TAPS // 2 - 1]
        for p in range(1, OVERSAMPLE):
            acc = out[:, p, lo:hi]
            np.multiply(x[:, lo:hi], taps[0, p], out=acc)
            for k in range(1, _TP_TAPS):
                acc += taps[k, p] * x[:, lo + k : hi + k]
    return out


def peak_envelope(x: np.ndarray) -> np.ndarray:
    """Per input position, the largest |value| of the oversampled signal in the following sample
    interval: (n - TAPS + 1,) over all channels, aligned like :func:`interpolate`."""
    return np.abs(interpolate(x)).max(axis=(0, 1))


def interpolation_gain() -> float:
    """Bound on |interpolated value| / largest |input sample| within the filter's reach."""
    return _interpolator()[1]


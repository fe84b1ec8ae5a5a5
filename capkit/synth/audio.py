"""Generated sound: tones, clicks and a music bed, and writing them to audio files.

This module owns capkit's licence-clean test and demo audio. Every function returns float32
samples shaped (channels, n) and depends only on its arguments (noise is seeded), so tests can
assert exact sample positions: a click's peak is at ``round(time * sample_rate)``.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av
import numpy as np

_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}

# suffix -> (container format, default codec)
_CONTAINERS = {
    ".wav": ("wav", "pcm_s16le"),
    ".m4a": ("ipod", "aac"),
    ".mp4": ("mp4", "aac"),
    ".aac": ("adts", "aac"),
    ".mp3": ("mp3", "libmp3lame"),
    ".ogg": ("ogg", "libopus"),
    ".opus": ("ogg", "libopus"),
    ".flac": ("flac", "flac"),
}

# Opus only runs at these rates; other input is resampled by PyAV on the way in.
_OPUS_RATES = (48000, 24000, 16000, 12000, 8000)

# A click is a raised-cosine pulse this long, centred on its time: short enough to locate to a
# sample, long enough (energy around 500 Hz) to survive AAC and MP3 intact.
_CLICK_SECONDS = 0.002
_CLICK_LEVEL = 0.9

# Semitones above C for the chords of the music bed (I-V-vi-IV, a pop staple), per seed.
_PROGRESSIONS = (
    ((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)),  # C G Am F
    ((9, 12, 16), (5, 9, 12), (0, 4, 7), (7, 11, 14)),  # Am F C G
    ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14)),  # C Am F G
)
_C4 = 261.6256


def tone(
    freq: float,
    duration: float,
    *,
    sample_rate: int = 48000,
    channels: int = 2,
    amplitude: float = 0.5,
) -> np.ndarray:
    """A sine wave at ``freq`` Hz, the same on every channel."""
    n = round(duration * sample_rate)
    t = np.arange(n, dtype=np.float64) / sample_rate
    wave = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.ascontiguousarray(np.repeat(wave[None, :], channels, axis=0))


def clicks(
    times: Sequence[float],
    duration: float,
    *,
    sample_rate: int = 48000,
    channels: int = 2,
) -> np.ndarray:
    """Silence with a short pulse peaking at each of ``times`` (seconds); for sync tests."""
    n = round(duration * sample_rate)
    out = np.zeros(n, dtype=np.float32)
    half = max(1, round(_CLICK_SECONDS * sample_rate / 2))
    pulse = (_CLICK_LEVEL * np.hanning(2 * half + 1)).astype(np.float32)
    for time in times:
        centre = round(time * sample_rate)
        lo, hi = centre - half, centre + half + 1
        clip_lo, clip_hi = max(lo, 0), min(hi, n)
        if clip_lo < clip_hi:
            out[clip_lo:clip_hi] += pulse[clip_lo - lo : clip_hi - lo]
    return np.ascontiguousarray(np.repeat(out[None, :], channels, axis=0))


def music_bed(
    duration: float, *, sample_rate: int = 48000, bpm: float = 100, seed: int = 0
) -> np.ndarray:
    """Stereo background music: soft chord pads, a bass line, a gentle kick and hi-hat.

    ``seed`` picks the progression and the hi-hat's noise, so different clips can sound different
    while each stays reproducible. Peaks sit at 0.5 (-6 dBFS) to leave room for a voice.
    """
    rng = np.random.default_rng(seed)
    n = round(duration * sample_rate)
    t = np.arange(n, dtype=np.float64) / sample_rate
    beat = 60.0 / bpm
    bar = 4 * beat
    progression = _PROGRESSIONS[seed % len(_PROGRESSIONS)]
    chord_index = (t // bar).astype(np.int64) % len(progression)
    in_bar = t % bar

    left = np.zeros(n)
    right = np.zeros(n)
    # Pads: each chord note with a slow swell, detuned a little between the sides for width.
    swell = np.minimum(in_bar / 0.4, 1.0) * np.minimum((bar - in_bar) / 0.3, 1.0)
    for voice in range(3):
        semitones = np.array([chord[voice] for chord in progression])[chord_index]
        freq = _C4 * 2.0 ** (semitones / 12)
        for side, detune in ((left, 0.998), (right, 1.002)):
            phase = 2 * np.pi * freq * detune * t
            side += 0.09 * swell * (np.sin(phase) + 0.25 * np.sin(2 * phase))
    # Bass: the chord root two octaves down, plucked on every beat.
    root = np.array([chord[0] for chord in progression])[chord_index]
    bass_freq = _C4 / 4 * 2.0 ** (root / 12)
    in_beat = t % beat
    bass = 0.22 * np.exp(-in_beat * 3.0) * np.sin(2 * np.pi * bass_freq * t)
    # Kick: a falling sine on beats 1 and 3.
    in_half_bar = t % (2 * beat)
    kick_phase = 2 * np.pi * (50 * in_half_bar + 70 / 25 * (1 - np.exp(-25 * in_half_bar)))
    kick = 0.35 * np.exp(-in_half_bar * 18) * np.sin(kick_phase)
    # Hi-hat: seeded noise bursts on the off-beats, differenced to keep only the highs.
    noise = rng.standard_normal(n + 1)
    hat_noise = np.diff(noise)
    off_beat = (t + beat / 2) % beat
    hat = 0.05 * np.exp(-off_beat * 60) * hat_noise
    centre = bass + kick
    left += centre + 0.8 * hat
    right += centre + 1.2 * hat
    stereo = np.stack([left, right])
    fade = np.minimum(1.0, np.minimum(t / 0.05, (duration - t) / 0.05).clip(0))
    stereo *= fade
    peak = np.abs(stereo).max() if n else 0.0
    if peak > 0:
        stereo *= 0.5 / peak
    return np.ascontiguousarray(stereo.astype(np.float32))


def write_audio(
    path: str | Path,
    samples: np.ndarray,
    *,
    sample_rate: int = 48000,
    codec: str | None = None,
) -> Path:
    """Write float32 (channels, n) samples; the suffix picks the format.

    .wav (16-bit PCM), .m4a/.mp4/.aac (AAC), .mp3 (LAME), .ogg/.opus (Opus), .flac.
    """
    path = Path(path)
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[None, :]
    if data.ndim != 2 or data.shape[0] not in _LAYOUTS:
        raise ValueError(f"samples must be (channels, n), 1, 2, 6 or 8 channels; got {data.shape}")
    suffix = path.suffix.lower()
    if suffix not in _CONTAINERS:
        raise ValueError(f"cannot write audio as {suffix!r}; use one of {', '.join(_CONTAINERS)}")
    container_format, default_codec = _CONTAINERS[suffix]
    codec = codec or default_codec
    layout = _LAYOUTS[data.shape[0]]
    rate = sample_rate
    if codec in ("libopus", "opus") and rate not in _OPUS_RATES:
        rate = 48000
    clipped = np.ascontiguousarray(np.clip(data, -1.0, 1.0))
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        block = max(1, sample_rate // 10)
        for start in range(0, clipped.shape[1], block):
            piece = np.ascontiguousarray(clipped[:, start : start + block])
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout=layout)
            frame.sample_rate = sample_rate
            frame.pts = start
            frame.time_base = Fraction(1, sample_rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path

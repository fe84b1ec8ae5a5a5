"""How fast the audio mixer is: 60 s of music + voice, against real time and a plain-numpy mix.

The project: a music bed (AAC) at -12 dB with a 2 s fade-in and 3 s fade-out for the whole minute,
a voice track (AAC) playing 40 s at normal speed with 0.2 s fades, then 20 s of voice at 1.5x with
its pitch kept (atempo), and a 5 s effect at 2x tape speed. The reference decodes the same
sources with PyAV into whole arrays and adds them with numpy: same gains and fades, the 1.5x part
resampled with np.interp (no pitch correction) and no limiter, so it is a floor, not a peer that
does the same job. Prints a few lines of detail, then one JSON line.

Run: .venv/bin/python benchmarks/audio_mix.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from capkit.model.items import AudioClip, MediaRef
from capkit.model.project import Project, Track
from capkit.render.audio_mix import AudioMixer
from capkit.synth import music_bed, tone, write_audio

SR = 48000
SECONDS = 60
RUNS = 5


def make_sources(folder: Path) -> dict[str, Path]:
    t = np.arange(80 * SR) / SR
    # A voice stand-in: a 180 Hz buzz with harmonics, in syllables of about 0.2 s.
    syllables = (0.5 + 0.5 * np.sin(2 * np.pi * 2.5 * t)) ** 2
    buzz = sum(np.sin(2 * np.pi * 180 * k * t) / k for k in range(1, 6))
    voice = (0.25 * syllables * buzz).astype(np.float32)
    return {
        "music": write_audio(folder / "music.m4a", music_bed(SECONDS + 5)),
        "voice": write_audio(folder / "voice.m4a", np.stack([voice, voice])),
        "effect": write_audio(folder / "effect.m4a", tone(660, 12, amplitude=0.3)),
    }


def build_project(src: dict[str, Path]) -> Project:
    def ref(key, seconds):
        return MediaRef(str(src[key]), duration=Fraction(seconds))

    music = AudioClip(source=ref("music", SECONDS + 5), start=Fraction(0), duration=Fraction(SECONDS),
                      volume_db=-12, fade_in=Fraction(2), fade_out=Fraction(3))
    voice = AudioClip(source=ref("voice", 80), start=Fraction(0), duration=Fraction(40), role="voice",
                      fade_in=Fraction(1, 5), fade_out=Fraction(1, 5))
    fast = AudioClip(source=ref("voice", 80), start=Fraction(40), duration=Fraction(20), role="voice",
                     source_in=Fraction(40), speed=Fraction(3, 2), fade_out=Fraction(1, 5))
    effect = AudioClip(source=ref("effect", 12), start=Fraction(20), duration=Fraction(5), role="effect",
                       speed=Fraction(2), preserve_pitch=False, volume_db=-6)
    return Project(tracks=[Track(kind="audio", items=[music]), Track(kind="audio", items=[voice, fast]),
                           Track(kind="audio", items=[effect])])


def capkit_mix(project: Project, limiter: bool) -> float:
    started = time.perf_counter()
    with AudioMixer(project, limiter=limiter) as mixer:
        left = mixer.total_samples
        while left:  # pulled frame by frame, the way the exporter pulls it
            k = min(left, mixer.samples_for_frame(0))
            mixer.read(k)
            left -= k
    return time.perf_counter() - started


def decode(path: Path) -> np.ndarray:
    """A whole file as float32 (2, n) at SR: the plain PyAV way."""
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SR)
    parts = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            parts.extend(out.to_ndarray() for out in resampler.resample(frame))
    parts.extend(out.to_ndarray() for out in resampler.resample(None))
    return np.concatenate(parts, axis=1)


def reference_mix(src: dict[str, Path]) -> float:
    started = time.perf_counter()
    n = SECONDS * SR
    out = np.zeros((2, n), np.float32)
    music = decode(src["music"])[:, :n] * np.float32(10 ** (-12 / 20))
    ramp = np.ones(n, np.float32)
    ramp[: 2 * SR] = np.linspace(0, 1, 2 * SR)
    ramp[-3 * SR :] = np.linspace(1, 0, 3 * SR)
    np.add(out, music * ramp, out=out)
    voice = decode(src["voice"])
    np.add(out[:, : 40 * SR], voice[:, : 40 * SR], out=out[:, : 40 * SR])
    positions = 40 * SR + np.arange(20 * SR) * 1.5
    for c in range(2):
        out[c, 40 * SR :] += np.interp(positions, np.arange(voice.shape[1]), voice[c]).astype(np.float32)
    effect = decode(src["effect"])
    positions = np.arange(5 * SR) * 2.0
    for c in range(2):
        out[c, 20 * SR : 25 * SR] += 0.5 * np.interp(positions, np.arange(effect.shape[1]), effect[c])
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = make_sources(Path(tmp))
        project = build_project(src)
        capkit_mix(project, True)  # warm-up: imports, caches
        reference_mix(src)
        mixed = statistics.median(capkit_mix(project, True) for _ in range(RUNS))
        unlimited = statistics.median(capkit_mix(project, False) for _ in range(RUNS))
        reference = statistics.median(reference_mix(src) for _ in range(RUNS))
    print(f"capkit mix, limiter on : {mixed:.3f} s for {SECONDS} s of sound "
          f"({SECONDS / mixed:.0f}x real time)")
    print(f"capkit mix, limiter off: {unlimited:.3f} s")
    print(f"plain numpy reference  : {reference:.3f} s (decode whole files, np.add, no limiter)")
    print(json.dumps({
        "benchmark": "audio_mix",
        "audio_seconds": SECONDS,
        "capkit_s": round(mixed, 4),
        "capkit_no_limiter_s": round(unlimited, 4),
        "reference_numpy_s": round(reference, 4),
        "realtime_ratio": round(mixed / SECONDS, 5),
        "vs_reference": round(mixed / reference, 3),
        "runs": RUNS,
    }))


if __name__ == "__main__":
    main()

"""The starter sound library: effects and loopable music beds that capkit synthesises itself.

Every sound here is made from numbers by this module (seeded noise, sines, envelopes), so the
library is licence clean: nothing was recorded or sampled, and the same call gives the same
samples on every machine. Sounds are float32 ``(2, n)`` at 48 kHz, peaking at -3 dBFS.

- :data:`LIBRARY` describes each sound (:class:`Sound`: name, kind ``effect`` or ``bed``,
  duration, loopable, tags, description); :func:`render` makes its samples.
- Effects (whoosh, swoosh, pop, click, riser, ding, impact) start and end with a few
  milliseconds of fade, so they never click when dropped on the timeline.
- Beds (chill chords, upbeat drums, ambient pad) loop seamlessly: every tone's frequency is a
  whole number of cycles per loop, and whatever rings past the loop's end (a decaying chord, a
  cymbal) is wrapped round to its start, so the sound is one period of an endless signal and
  the seam is as smooth as any other pair of neighbouring samples.
- :func:`ensure_library` writes the library as ``.wav`` files, once, into
  ``<cache>/sounds/`` (``$CAPKIT_CACHE_DIR`` or the user cache folder) with a
  ``manifest.json``; files are written atomically and rewritten only when missing or when the
  library changed.
- :func:`scan_folder` lists the user's own sound folders: audio files by extension, with their
  duration from :func:`capkit.media.probe`; files that cannot be read are listed as skipped.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np

from capkit.synth.audio import tone, write_audio
from capkit.userdirs import cache_dir

SAMPLE_RATE = 48000
PEAK = 10 ** (-3 / 20)  # -3 dBFS
LIBRARY_VERSION = 1  # bump when any sound changes: cached files are then rewritten
AUDIO_SUFFIXES = frozenset(
    {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".oga", ".aif", ".aiff", ".wma", ".caf"}
)
_FADE = 0.004  # seconds of fade at both ends of an effect
_MANIFEST = "manifest.json"
_MANIFEST_FORMAT = "capkit.sounds"


@dataclass(frozen=True)
class Sound:
    name: str
    kind: str  # "effect" | "bed"
    duration: float  # seconds
    loopable: bool
    tags: tuple[str, ...]
    description: str


# -- building blocks --------------------------------------------------------------------------------

def _t(duration: float) -> np.ndarray:
    return np.arange(round(duration * SAMPLE_RATE), dtype=np.float64) / SAMPLE_RATE


def _phase(freq: np.ndarray) -> np.ndarray:
    """The phase of a tone whose frequency changes sample by sample (Hz per sample)."""
    return 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE


def _loop_freq(freq: float, loop: float) -> float:
    """``freq`` moved to the nearest whole number of cycles per ``loop`` seconds."""
    return max(1, round(freq * loop)) / loop


def _band_noise(n: int, centre: Callable[[np.ndarray], np.ndarray], width: float, rng: np.random.Generator,
                *, circular: bool = False) -> np.ndarray:
    """White noise filtered to a band around ``centre(t)`` Hz (``width`` octaves), block by block.

    Overlap-add of sqrt-Hann windowed FFT blocks at half overlap, so the band can move smoothly.
    With ``circular`` the blocks wrap round the end, so the result loops without a seam.
    """
    size, hop = 2048, 1024
    window = np.sqrt(np.hanning(size + 1)[:size])  # squared, a periodic Hann: halves sum to 1
    freqs = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    log_f = np.log2(np.maximum(freqs, 1.0))
    if circular:
        total, offset = n, 0
        if n % hop:
            raise ValueError(f"a circular noise band needs a length that is a multiple of {hop}")
    else:
        total, offset = n + 2 * size, hop  # the output starts where two blocks overlap fully
    noise = rng.standard_normal(total)
    out = np.zeros(total)
    for start in range(0, total if circular else total - size + 1, hop):
        idx = (start + np.arange(size)) % total
        spectrum = np.fft.rfft(noise[idx] * window)
        when = ((start + size / 2 - offset) % total if circular else start + size / 2 - offset) / SAMPLE_RATE
        c = float(np.asarray(centre(np.array([when])))[0])
        gain = np.exp(-0.5 * ((log_f - np.log2(max(c, 20.0))) / (width / 2)) ** 2)
        out[idx] += np.fft.irfft(spectrum * gain, size) * window
    return out if circular else out[offset : offset + n]


def _delay(x: np.ndarray, samples: int) -> np.ndarray:
    return np.concatenate([np.zeros(samples), x[: x.size - samples]])


def _attack(t: np.ndarray, seconds: float = 0.001) -> np.ndarray:
    """A short raised-cosine onset, so a hit starts without a click."""
    return np.where(t < seconds, 0.5 - 0.5 * np.cos(np.pi * np.minimum(t / seconds, 1)), 1.0)


def _fold(buffer: np.ndarray, n: int) -> np.ndarray:
    """Wrap whatever rings past sample ``n`` round to the start: one period of an endless loop."""
    out = buffer[..., :n].copy()
    tail = buffer[..., n:]
    while tail.shape[-1]:
        k = min(n, tail.shape[-1])
        out[..., :k] += tail[..., :k]
        tail = tail[..., k:]
    return out


def _place(buffer: np.ndarray, sound: np.ndarray, at: float) -> None:
    start = round(at * SAMPLE_RATE)
    end = min(buffer.shape[-1], start + sound.shape[-1])
    buffer[..., start:end] += sound[..., : end - start]


def _finish(stereo: np.ndarray, *, fade: bool) -> np.ndarray:
    stereo = np.asarray(stereo, dtype=np.float64)
    if stereo.ndim == 1:
        stereo = np.stack([stereo, stereo])
    if fade:
        k = round(_FADE * SAMPLE_RATE)
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, k))
        stereo[:, :k] *= ramp
        stereo[:, -k:] *= ramp[::-1]
    peak = np.abs(stereo).max()
    if peak > 0:
        stereo *= PEAK / peak
    return np.ascontiguousarray(stereo.astype(np.float32))


def _pan(mono: np.ndarray, position: np.ndarray | float) -> np.ndarray:
    """Equal-power pan: -1 left, 0 centre, 1 right."""
    angle = (np.asarray(position) + 1) * np.pi / 4
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)])


# -- effects ------------------------------------------------------------------------------------------

def _whoosh() -> np.ndarray:
    duration = 1.2
    t = _t(duration)
    x = t / duration
    rng = np.random.default_rng(101)
    centre = lambda s: 300 * 2 ** (3.5 * np.sin(np.pi * np.clip(s / duration, 0, 1)))
    noise = _band_noise(t.size, centre, 1.2, rng)
    env = np.sin(np.pi * x) ** 2 * (0.6 + 0.4 * x)
    return _finish(_pan(noise * env, 1.6 * x - 0.8), fade=True)


def _swoosh() -> np.ndarray:
    duration = 0.7
    t = _t(duration)
    x = t / duration
    rng = np.random.default_rng(202)
    centre = lambda s: 5000 * 2 ** (-4 * np.clip(s / duration, 0, 1))
    noise = _band_noise(t.size, centre, 1.0, rng)
    env = np.minimum(x / 0.15, 1) * (1 - x) ** 1.5
    return _finish(_pan(noise * env, 0.7 - 1.4 * x), fade=True)


def _pop() -> np.ndarray:
    duration = 0.16
    t = _t(duration)
    freq = 380 + 900 * (1 - np.exp(-t / 0.012))  # a bubble: the pitch jumps up
    body = np.sin(_phase(freq)) * np.exp(-t / 0.03)
    return _finish(body, fade=True)


def _click() -> np.ndarray:
    duration = 0.04
    t = _t(duration)
    rng = np.random.default_rng(303)
    tick = np.sin(2 * np.pi * 3200 * t) * np.exp(-t / 0.003)
    snap = np.diff(rng.standard_normal(t.size + 1)) * np.exp(-t / 0.0015) * 0.4
    knock = np.sin(2 * np.pi * 900 * t) * np.exp(-t / 0.006) * 0.5
    return _finish(tick + snap + knock, fade=True)


def _riser() -> np.ndarray:
    duration = 3.0
    t = _t(duration)
    x = t / duration
    freq = 110 * 2 ** (4 * x**1.3)  # four octaves up, speeding towards the end
    phase = _phase(freq)
    tonal = sum(np.sin(k * phase) / k for k in range(1, 7))  # a soft sawtooth
    rng = np.random.default_rng(404)
    noise = _band_noise(t.size, lambda s: 400 * 2 ** (4.5 * np.clip(s / duration, 0, 1)), 1.5, rng)
    noise *= 0.5 * np.abs(tonal).max() / max(np.abs(noise).max(), 1e-9)
    env = 0.15 + 0.85 * x**2
    mono = (0.7 * tonal + noise * x) * env
    wobble = 0.35 * np.sin(2 * np.pi * (1 + 6 * x) * t)
    return _finish(_pan(mono, wobble), fade=True)


def _ding() -> np.ndarray:
    duration = 2.0
    t = _t(duration)
    base = 1046.5  # C6
    # A bell's partials are not harmonic; higher ones die away sooner.
    partials = ((1.0, 1.0, 1.1), (2.0, 0.5, 0.7), (2.76, 0.35, 0.45), (5.40, 0.18, 0.25), (8.93, 0.08, 0.15))
    left = np.zeros(t.size)
    right = np.zeros(t.size)
    for ratio, level, decay in partials:
        wave = tone(base * ratio, duration, sample_rate=SAMPLE_RATE, channels=2, amplitude=level).astype(np.float64)
        env = np.exp(-t / decay)
        left += wave[0] * env
        right += _delay(wave[1] * env, 7)  # a hair of delay on one side for width
    strike = np.minimum(t / 0.002, 1)
    return _finish(np.stack([left, right]) * strike, fade=True)


def _impact() -> np.ndarray:
    duration = 1.6
    t = _t(duration)
    freq = 38 + 90 * np.exp(-t / 0.08)
    boom = np.sin(_phase(freq)) * np.exp(-t / 0.45)
    rng = np.random.default_rng(505)
    crack = _band_noise(t.size, lambda s: 1800 * 2 ** (-2 * np.clip(s / 0.3, 0, 1)), 2.0, rng)
    crack *= np.exp(-t / 0.06) * 0.8 / max(np.abs(crack).max(), 1e-9)
    tail = _band_noise(t.size, lambda s: np.full_like(s, 250.0), 2.0, np.random.default_rng(506))
    tail *= np.exp(-t / 0.5) * 0.15 / max(np.abs(tail).max(), 1e-9)
    return _finish(np.stack([boom + crack + tail, boom + 0.9 * crack + _delay(tail, 480)]), fade=True)


# -- beds (loopable) ----------------------------------------------------------------------------------

_BED_SECONDS = 8.0
_A3 = 220.0


def _note(semitones_from_a3: float) -> float:
    return _A3 * 2 ** (semitones_from_a3 / 12)


def _chill_chords() -> np.ndarray:
    """Four soft electric-piano chords (Fmaj7 Em7 Dm7 Cmaj7), two seconds each, and a bass."""
    loop = _BED_SECONDS
    n = round(loop * SAMPLE_RATE)
    ring = 3.0  # how long each chord rings; the part past the loop end wraps to the start
    t = _t(ring)
    chords = ((-4, 0, 3, 7), (-5, -2, 2, 5), (-7, -4, 0, 3), (-9, -5, -2, 2))  # A3 = 0
    roots = (-16, -17, -19, -21)
    buffer = np.zeros((2, n + t.size))
    for bar, (chord, root) in enumerate(zip(chords, roots)):
        notes = np.zeros((2, t.size))
        for voice, semis in enumerate(chord):
            f = _loop_freq(_note(semis), loop)
            # electric piano: a sine with a decaying bright partial, a gentle tremolo
            body = np.sin(2 * np.pi * f * t) + 0.3 * np.exp(-t / 0.25) * np.sin(2 * np.pi * 2 * f * t)
            env = np.minimum(t / 0.01, 1) * np.exp(-t / 1.4)
            pan = -0.5 + voice / 3
            notes += _pan(body * env * 0.25, pan)
        fb = _loop_freq(_note(root), loop)
        bass = np.sin(2 * np.pi * fb * t) * np.minimum(t / 0.02, 1) * np.exp(-t / 0.9) * 0.5
        notes += bass
        _place(buffer, notes, bar * 2.0)
        _place(buffer, 0.35 * notes, bar * 2.0 + 1.0)  # a softer repeat on beat three
    rng = np.random.default_rng(606)
    shaker = _band_noise(n, lambda s: np.full_like(s, 7000.0), 1.0, rng, circular=True)
    beat = _t(loop) % 0.5
    shaker *= 0.1 * np.exp(-beat / 0.04) * _attack(beat, 0.002) / max(np.abs(shaker).max(), 1e-9)
    out = _fold(buffer, n) + np.stack([shaker, np.roll(shaker, 240)])  # roll: circular, so it still loops
    return _finish(out, fade=False)


def _drum_hit_kick(t: np.ndarray) -> np.ndarray:
    freq = 48 + 110 * np.exp(-t / 0.03)
    return np.sin(_phase(freq)) * np.exp(-t / 0.22) * _attack(t)


def _upbeat_drums() -> np.ndarray:
    """120 BPM, four bars: kick, snare, hats and a bouncing bass."""
    loop = _BED_SECONDS
    n = round(loop * SAMPLE_RATE)
    beat = 0.5
    rng = np.random.default_rng(707)
    hit = _t(0.6)
    buffer = np.zeros((2, n + hit.size))
    kick = _drum_hit_kick(hit)
    snare_noise = _band_noise(hit.size, lambda s: np.full_like(s, 3500.0), 2.5, rng)
    snare_noise /= max(np.abs(snare_noise).max(), 1e-9)
    snare = (0.7 * snare_noise * np.exp(-hit / 0.09) + 0.5 * np.sin(2 * np.pi * 190 * hit) * np.exp(-hit / 0.05))
    snare *= _attack(hit)
    hat_noise = np.diff(rng.standard_normal(hit.size + 1))
    hat_noise /= max(np.abs(hat_noise).max(), 1e-9)
    closed = hat_noise * np.exp(-hit / 0.025) * 0.35 * _attack(hit, 0.0005)
    open_hat = hat_noise * np.exp(-hit / 0.15) * 0.3 * _attack(hit, 0.0005)
    for bar in range(4):
        t0 = bar * 4 * beat
        for k in (0, 2.5) if bar % 2 else (0, 1.5, 2):  # kick pattern varies every other bar
            _place(buffer, np.stack([kick, kick]), t0 + k * beat)
        for k in (1, 3):
            _place(buffer, _pan(snare, 0.1), t0 + k * beat)
        for k in range(8):
            at = t0 + k * beat / 2
            if bar == 3 and k == 7:
                _place(buffer, _pan(open_hat, 0.3), at)
            else:
                _place(buffer, _pan(closed * (1.0 if k % 2 else 0.6), 0.3), at)
    # bass: the root on the off-beat eighths, A minor to F to C to G
    roots = (-24, -28, -21, -26)
    for bar, root in enumerate(roots):
        f = _loop_freq(_note(root), loop)
        note = np.sin(2 * np.pi * f * hit) * np.minimum(hit / 0.005, 1) * np.exp(-hit / 0.12) * 0.45
        for k in range(8):
            if k % 2:
                _place(buffer, np.stack([note, note]), bar * 4 * beat + k * beat / 2)
    return _finish(_fold(buffer, n), fade=False)


def _ambient_pad() -> np.ndarray:
    """A slow, wide pad on D: detuned pairs beating in step with the loop, a gentle swell."""
    loop = _BED_SECONDS
    t = _t(loop)
    x = t / loop
    left = np.zeros(t.size)
    right = np.zeros(t.size)
    for semis, level in ((-7, 0.5), (0, 0.4), (5, 0.3), (7, 0.3), (12, 0.18), (16, 0.12)):
        f = _loop_freq(_note(semis), loop)
        # detuned by a quarter hertz: the pair beats once every four seconds, twice a loop
        for side, detune in ((left, -0.125), (right, 0.125)):
            side += level * (np.sin(2 * np.pi * (f + detune) * t) + 0.5 * np.sin(2 * np.pi * (f - detune) * t + 1.0))
    swell = 0.75 + 0.25 * np.cos(2 * np.pi * x)  # once per loop
    rng = np.random.default_rng(808)
    air = _band_noise(t.size, lambda s: 2500 * 2 ** (np.sin(2 * np.pi * s / loop)), 1.5, rng, circular=True)
    air *= 0.08 * max(np.abs(left).max(), 1e-9) / max(np.abs(air).max(), 1e-9)
    return _finish(np.stack([left * swell + air, right * swell + np.roll(air, 1200)]), fade=False)


# -- the library --------------------------------------------------------------------------------------

_RENDERERS: dict[str, tuple[Sound, Callable[[], np.ndarray]]] = {}


def _add(sound: Sound, make: Callable[[], np.ndarray]) -> None:
    _RENDERERS[sound.name] = (sound, make)


_add(Sound("whoosh", "effect", 1.2, False, ("transition", "air", "movement"),
           "Filtered noise sweeping up and back down, passing left to right."), _whoosh)
_add(Sound("swoosh-down", "effect", 0.7, False, ("transition", "air", "fall"),
           "A quick downward noise sweep, right to left: for exits and drops."), _swoosh)
_add(Sound("pop", "effect", 0.16, False, ("ui", "bubble", "text"),
           "A bubbly pop with an upward pitch jump: for text and stickers appearing."), _pop)
_add(Sound("click", "effect", 0.04, False, ("ui", "tap", "short"),
           "A crisp tap: for cuts, counters and button presses."), _click)
_add(Sound("riser", "effect", 3.0, False, ("build-up", "tension", "transition"),
           "Three seconds of tone and noise rising four octaves to a peak: before a reveal."), _riser)
_add(Sound("ding", "effect", 2.0, False, ("bell", "notification", "success"),
           "A bright bell strike with inharmonic partials ringing out."), _ding)
_add(Sound("impact", "effect", 1.6, False, ("hit", "boom", "drop"),
           "A low boom with a crack on top: for a big cut or a title slam."), _impact)
_add(Sound("chill-chords", "bed", _BED_SECONDS, True, ("music", "chill", "lofi", "loop"),
           "Soft electric-piano chords (Fmaj7 Em7 Dm7 Cmaj7) with bass and shaker; loops every 8 s."),
     _chill_chords)
_add(Sound("upbeat-drums", "bed", _BED_SECONDS, True, ("music", "drums", "upbeat", "120 bpm", "loop"),
           "A 120 BPM drum loop with bass, four bars; loops every 8 s."), _upbeat_drums)
_add(Sound("ambient-pad", "bed", _BED_SECONDS, True, ("music", "ambient", "calm", "loop"),
           "A slow, wide pad with a gentle swell and air; loops every 8 s."), _ambient_pad)

LIBRARY: dict[str, Sound] = {name: sound for name, (sound, _) in _RENDERERS.items()}


@functools.cache
def _render_cached(name: str) -> np.ndarray:
    samples = _RENDERERS[name][1]()
    samples.flags.writeable = False
    return samples


def render(name: str) -> np.ndarray:
    """The samples of library sound ``name``: float32 (2, n) at 48 kHz, a fresh copy."""
    if name not in _RENDERERS:
        raise KeyError(f"no sound called {name!r} in the library; there are {', '.join(LIBRARY)}")
    return _render_cached(name).copy()


# -- files ------------------------------------------------------------------------------------------

def sounds_dir() -> Path:
    return cache_dir() / "sounds"


def _manifest_entry(sound: Sound, path: Path) -> dict:
    return {
        "file": path.name,
        "kind": sound.kind,
        "duration": sound.duration,
        "loopable": sound.loopable,
        "tags": list(sound.tags),
        "description": sound.description,
        "bytes": path.stat().st_size,
    }


def _up_to_date(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != _MANIFEST_FORMAT:
        return None
    if manifest.get("version") != LIBRARY_VERSION or manifest.get("sample_rate") != SAMPLE_RATE:
        return None
    return manifest


def ensure_library(folder: str | os.PathLike | None = None) -> dict[str, Path]:
    """The library as ``.wav`` files in ``folder`` (default :func:`sounds_dir`): name -> path.

    Files are made the first time (about a second of work) and whenever one is missing, damaged
    in size or the library changed; otherwise this only reads the manifest. Each file is written
    to a temporary name and renamed, the manifest last, so a killed run leaves no half file.
    Raises :class:`~capkit.errors.CapkitError` if the folder cannot be written.
    """
    from capkit.errors import CapkitError

    folder = Path(folder) if folder is not None else sounds_dir()
    try:
        return _ensure(folder)
    except OSError as err:
        raise CapkitError(
            f"cannot write the sound library to {folder}: {err.strerror or err}; "
            "free some space or set CAPKIT_CACHE_DIR to a writable folder"
        ) from None


def _ensure(folder: Path) -> dict[str, Path]:
    import time

    from capkit.io import atomic

    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".*"):  # temporary files of a run that was killed
        with contextlib.suppress(OSError):
            if leftover.is_file() and leftover.stat().st_mtime < time.time() - 60:
                leftover.unlink()
    manifest = _up_to_date(folder)
    known = manifest.get("sounds", {}) if manifest else {}
    paths: dict[str, Path] = {}
    entries: dict[str, dict] = {}
    changed = manifest is None
    for name, sound in LIBRARY.items():
        path = folder / f"{name}.wav"
        entry = known.get(name) if isinstance(known, dict) else None
        fine = isinstance(entry, dict) and entry.get("file") == path.name
        with contextlib.suppress(OSError):
            fine = fine and path.stat().st_size == entry.get("bytes")
        if not (fine and path.is_file()):
            tmp = atomic.temp_beside(path, suffix=".wav")
            try:
                write_audio(tmp, render(name), sample_rate=SAMPLE_RATE)
                atomic.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
            changed = True
        paths[name] = path
        entries[name] = _manifest_entry(sound, path)
    if changed:
        doc = {"format": _MANIFEST_FORMAT, "version": LIBRARY_VERSION, "sample_rate": SAMPLE_RATE,
               "licence": "generated by capkit; free to use for anything, no attribution needed",
               "sounds": entries}
        target = folder / _MANIFEST
        tmp = atomic.temp_beside(target)
        try:
            tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
            atomic.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return paths


# -- the user's own folders ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FoundSound:
    path: Path
    name: str  # the file name without its suffix
    duration: Fraction | None


class Skipped(NamedTuple):
    path: Path
    reason: str


class FolderScan(NamedTuple):
    sounds: list[FoundSound]  # sorted by path
    skipped: list[Skipped]  # audio-named files that could not be read, with the reason


def scan_folder(path: str | os.PathLike, *, recursive: bool = True) -> FolderScan:
    """The audio files under ``path`` (by suffix; hidden files left out), each probed for duration.

    Probing reads each file's header, so call this off the GUI thread for big folders.
    Raises :class:`~capkit.errors.MediaError` if ``path`` is not a folder.
    """
    from capkit.errors import CapkitError, MediaError
    from capkit.media.probe import probe

    root = Path(path).expanduser()
    if not root.is_dir():
        raise MediaError(f"{root}: not a folder of sounds ({'no such folder' if not root.exists() else 'a file'})")
    found: list[FoundSound] = []
    skipped: list[Skipped] = []
    walker = os.walk(root) if recursive else [(str(root), [], os.listdir(root))]
    for dirpath, dirnames, files in walker:
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(files):
            file = Path(dirpath) / name
            if name.startswith(".") or file.suffix.lower() not in AUDIO_SUFFIXES or not file.is_file():
                continue
            try:
                info = probe(file)
            except CapkitError as err:
                skipped.append(Skipped(file, str(err)))
                continue
            if info.audio is None:
                skipped.append(Skipped(file, f"{file}: has no sound"))
                continue
            found.append(FoundSound(file, file.stem, info.duration))
    found.sort(key=lambda s: s.path)
    return FolderScan(found, sorted(skipped))

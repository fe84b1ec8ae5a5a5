"""Ducking: music goes down by its clip's ``duck_db`` while a voice clip speaks, and only then.

The music's level is measured as the mix minus the same mix without ducking's effect on the music:
rendering with ``duck_db=0`` gives voice + music, the music alone gives the music, so
``ducked music = mix - (unducked mix - music alone)`` (the limiter is off, so the parts add up to float rounding).
The last test hears it in an exported, AAC-encoded file, by the level of a tone the voice lacks.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from capkit.errors import ProjectFileError
from capkit.io import project_file
from capkit.media.audio import read_all
from capkit.model.items import AudioClip, MediaRef
from capkit.model.project import Project, Track
from capkit.render.audio_mix import AudioMixer, mix_to_array
from capkit.synth import music_bed, tone, write_audio

SR = 48000
SPEECH = Path(__file__).parent.parent / "captions" / "fixtures" / "sentences_1.wav"
WINDOW = SR // 10  # 100 ms


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ducking")
    t = np.arange(12 * SR) / SR
    # Syllables of a 180 Hz buzz: 0.3 s on, 0.2 s off, from 2 s to 4 s and from 7 s to 8 s.
    on = ((t % 0.5) < 0.3) & (((t >= 2) & (t < 4)) | ((t >= 7) & (t < 8)))
    buzz = 0.2 * sum(np.sin(2 * np.pi * 180 * k * t) / k for k in range(1, 5)) * on
    return {
        "music": str(write_audio(d / "music.wav", music_bed(14))),
        "tone": str(write_audio(d / "tone.wav", tone(440, 14, amplitude=0.3))),
        "bursts": str(write_audio(d / "bursts.wav", np.stack([buzz, buzz]).astype(np.float32))),
        "speech": str(SPEECH),
    }


def clip(path, seconds, *, start=0, **kw):
    return AudioClip(source=MediaRef(path, duration=Fraction(seconds)), start=Fraction(start),
                     duration=Fraction(seconds), **kw)


def project(music, voice=None):
    tracks = [Track(kind="audio", items=[music])]
    if voice is not None:
        tracks.append(Track(kind="audio", items=[voice]))
    return Project(tracks=tracks)


def ducked_music(music_path, voice, duck_db, seconds=10):
    """(music as heard in the mix, music alone, voice alone), each (2, n)."""
    music = lambda db: clip(music_path, seconds, duck_db=db)
    mix = mix_to_array(project(music(duck_db), voice), limiter=False)
    unducked = mix_to_array(project(music(0.0), voice), limiter=False)
    alone = mix_to_array(project(music(duck_db)), end=seconds, limiter=False)
    return mix - (unducked - alone), alone, unducked - alone


def windows_db(a, b):
    """Level of ``a`` against ``b`` in dB per 100 ms window (left channel)."""
    n = a.shape[1] // WINDOW
    ra = np.sqrt((a[0, : n * WINDOW].reshape(n, WINDOW).astype(np.float64) ** 2).mean(axis=1))
    rb = np.sqrt((b[0, : n * WINDOW].reshape(n, WINDOW).astype(np.float64) ** 2).mean(axis=1))
    return 20 * np.log10(ra / rb)


def rms_db(x):
    n = x.shape[1] // WINDOW
    r = np.sqrt((x[0, : n * WINDOW].reshape(n, WINDOW).astype(np.float64) ** 2).mean(axis=1))
    with np.errstate(divide="ignore"):
        return 20 * np.log10(r)


def test_music_is_12_db_down_while_real_speech_plays_and_untouched_elsewhere(files):
    speech_seconds = read_all(files["speech"]).shape[1] / SR
    voice = clip(files["speech"], Fraction(speech_seconds).limit_denominator(1000), start=2, role="voice")
    music, alone, speech = ducked_music(files["music"], voice, -12.0)
    change = windows_db(music, alone)
    voice_db = rms_db(speech)
    speaking = voice_db > -40
    assert speaking.sum() > 30  # the fixture speaks for most of its 5 s
    assert np.abs(change[speaking] + 12).max() <= 1.5
    # Away from speech (more than 1 s from any of it) the music is exactly as it was.
    idx = np.nonzero(speaking)[0]
    far = np.array([np.abs(idx - i).min() > 10 for i in range(len(change))])
    assert far[:10].all() and far[-15:].all()
    assert np.abs(change[far]).max() <= 0.5


def test_music_is_down_when_speech_starts_and_comes_back_after_it(files):
    voice = clip(files["bursts"], 10, role="voice")
    music, alone, _ = ducked_music(files["tone"], voice, -12.0)
    change = windows_db(music, alone)
    at = lambda t: change[round(t * 10)]  # the 100 ms window starting at t
    assert at(1.5) == pytest.approx(0, abs=0.01)
    assert at(2.0) == pytest.approx(-12, abs=0.05)  # already down as the first syllable starts
    # 200 ms gaps between syllables do not let the music up.
    assert np.abs(change[20:40] + 12).max() <= 0.05
    # After the last syllable (3.8 s): held 300 ms, back up over 300 ms, so level by 4.5 s.
    assert at(3.9) == pytest.approx(-12, abs=0.05)
    assert np.abs(change[45:68]).max() <= 0.01
    assert np.abs(change[70:80] + 12).max() <= 0.05  # the second phrase, 7 s to 8 s
    assert np.abs(change[86:]).max() <= 0.01
    # The level moves smoothly: no step over 1 dB between 1 ms neighbours.
    fine = 20 * np.log10(np.abs(music[0, 2 * SR - 4800 : 2 * SR]) + 1e-12) - 20 * np.log10(
        np.abs(alone[0, 2 * SR - 4800 : 2 * SR]) + 1e-12)
    loud = np.abs(alone[0, 2 * SR - 4800 : 2 * SR]) > 0.1
    assert np.abs(np.diff(fine[loud][::48])).max() < 1.0


def test_only_music_with_duck_db_is_ducked_and_only_by_voice_clips(files):
    bursts = lambda role: clip(files["bursts"], 10, role=role)
    effect_voice = bursts("effect")  # an effect does not duck anything
    mix = mix_to_array(project(clip(files["tone"], 10, duck_db=-12), effect_voice), limiter=False)
    plain = mix_to_array(project(clip(files["tone"], 10), effect_voice), limiter=False)
    np.testing.assert_array_equal(mix, plain)
    # An effect clip is not music: it keeps its level under speech.
    effect = clip(files["tone"], 10, duck_db=-12, role="effect")
    mix = mix_to_array(project(effect, bursts("voice")), limiter=False)
    plain = mix_to_array(project(clip(files["tone"], 10, role="effect"), bursts("voice")), limiter=False)
    np.testing.assert_array_equal(mix, plain)


def test_ducked_mix_does_not_depend_on_read_sizes(files):
    proj = project(clip(files["music"], 10, duck_db=-9), clip(files["bursts"], 10, role="voice"))
    whole = mix_to_array(proj)
    parts = []
    with AudioMixer(proj) as mixer:
        rng = np.random.default_rng(2)
        left = mixer.total_samples
        while left:
            n = min(left, int(rng.integers(1, 9000)))
            parts.append(mixer.read(n))
            left -= n
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole)


def test_duck_db_is_saved_and_checked(tmp_path, files):
    proj = project(clip(files["music"], 10, duck_db=-12.5))
    saved = project_file.save(proj, tmp_path / "p.capkit", fingerprints=False)
    assert project_file.load(saved).tracks[0].items[0].duck_db == -12.5
    data = json.loads(saved.read_text())
    data["project"]["tracks"][0]["items"][0]["duck_db"] = -70
    with pytest.raises(ProjectFileError, match=r"items\[0\]\.duck_db: must be at least -60"):
        project_file.loads(json.dumps(data), tmp_path / "p.capkit")


def test_a_minus_6_db_duck_is_6_db(files):
    voice = clip(files["bursts"], 10, role="voice")
    music, alone, _ = ducked_music(files["tone"], voice, -6.0)
    change = windows_db(music, alone)
    assert np.abs(change[20:40] + 6).max() <= 0.05
    assert math.isclose(float(change[5]), 0.0, abs_tol=0.01)


def test_ducking_heard_in_an_exported_file(tmp_path, files):
    import av

    from capkit import api

    music_path = write_audio(tmp_path / "tone3k.wav", tone(3000, 10, amplitude=0.2))
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#000000", duration=10)
    music = api.add_audio(p, music_path, duration=10)
    music.duck_db = -12
    api.add_audio(p, files["bursts"], duration=10, role="voice")
    out = api.export(p, tmp_path / "ducked.mp4").path
    with av.open(str(out)) as c:
        sound = np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)

    def music_db(t):  # the 3 kHz tone's level in the 100 ms from t (the voice has nothing there)
        x = sound[0, round(t * SR) : round(t * SR) + WINDOW] * np.hanning(WINDOW)
        return 20 * np.log10(np.abs(np.fft.rfft(x))[round(3000 * WINDOW / SR)])

    free = [music_db(t) for t in (0.5, 1.0, 5.0, 6.0, 9.0)]
    speaking = [music_db(t) for t in (2.0, 2.6, 3.2, 3.7, 7.2, 7.7)]
    assert max(free) - min(free) < 0.5
    assert np.abs(np.array(speaking) - np.mean(free) + 12).max() < 1.5

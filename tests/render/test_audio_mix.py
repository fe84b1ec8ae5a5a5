"""The audio mix: what the export hears, measured on real samples decoded from real files."""

from __future__ import annotations

import math
import os
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest

from capkit.errors import RenderError
from capkit.media.audio import read_all
from capkit.model.items import AudioClip, MediaRef, Transition, VideoClip
from capkit.model.keyframes import Keyframe
from capkit.model.project import Project, Settings, Track
from capkit.model.time import frame_count
from capkit.render.audio_mix import AudioMixer, mix_to_array, tempo_stages
from capkit.synth import clicks, music_bed, tone, write_audio, write_video

SR = 48000
CEILING = 10 ** (-1 / 20)


class Media:
    """Source files, made on first use and shared by the module's tests."""

    def __init__(self, folder):
        self.folder = folder
        self._made = {}

    def get(self, name: str) -> str:
        if name not in self._made:
            path = self.folder / name
            _MAKERS[name](path)
            self._made[name] = str(path)
        return self._made[name]


def _video(path, audio):
    frames = lambda i: np.zeros((32, 32, 3), np.uint8)  # noqa: E731
    write_video(path, frames, fps=30, n_frames=120, audio=audio)


_MAKERS = {
    "tone440.wav": lambda p: write_audio(p, tone(440, 10)),
    "tone1000.wav": lambda p: write_audio(p, tone(1000, 10)),
    "dc.wav": lambda p: write_audio(p, np.full((2, 10 * SR), 0.5, np.float32)),
    "bed.wav": lambda p: write_audio(p, music_bed(10)),
    "bed.m4a": lambda p: write_audio(p, music_bed(10, seed=1)),
    "click3s.wav": lambda p: write_audio(p, clicks([3.0], 8)),
    "noise.wav": lambda p: write_audio(p, _noise(10, seed=1)),
    "noise2.wav": lambda p: write_audio(p, _noise(10, seed=2)),
    "noise.m4a": lambda p: write_audio(p, _noise(10, seed=4)),
    "tone440.m4a": lambda p: write_audio(p, tone(440, 10)),
    "silent.mp4": lambda p: _video(p, None),
    "voiced.mp4": lambda p: _video(p, tone(1000, 4, amplitude=0.4)),
}


def _noise(seconds, seed):
    rng = np.random.default_rng(seed)
    return (0.2 * rng.standard_normal((2, seconds * SR))).clip(-1, 1).astype(np.float32)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return Media(tmp_path_factory.mktemp("audio_mix_media"))


def clip(path, start=0, duration=4, cls=AudioClip, source_duration=10, **kw):
    return cls(source=MediaRef(path, duration=Fraction(source_duration)), start=Fraction(start),
               duration=Fraction(duration), **kw)


def project(*tracks, fps=Fraction(30), kind="audio"):
    return Project(settings=Settings(fps=fps), tracks=[Track(kind=kind, items=list(t)) for t in tracks])


def rms(x):
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))


def db(ratio):
    return 20 * math.log10(ratio)


def sec(t):
    return round(t * SR)


def level(mix, t, width=0.02):
    """RMS of the left channel over ``width`` seconds centred on ``t``."""
    return rms(mix[0, sec(t - width / 2) : sec(t + width / 2)])


def peak_frequency(x, rate=SR):
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.argmax(spectrum) * rate / len(x)


def sounding(mix, threshold=1e-3):
    """(first, last) seconds where the left channel is above ``threshold``."""
    loud = np.nonzero(np.abs(mix[0]) > threshold)[0]
    return loud[0] / SR, (loud[-1] + 1) / SR


# --- level, fades, keyframes, mute, sum --------------------------------------------------------


def test_minus_12_db_clip_measures_12_db_under_its_source(media):
    path = media.get("bed.wav")
    source = read_all(path)
    mix = mix_to_array(project([clip(path, start=1, duration=8, source_in=Fraction(1), volume_db=-12)]))
    assert mix.shape == (2, 9 * SR) and mix.dtype == np.float32
    assert not mix[:, : sec(1)].any()  # silence before the clip
    assert db(rms(mix[:, sec(1) :]) / rms(source[:, sec(1) : sec(9)])) == pytest.approx(-12, abs=0.01)
    np.testing.assert_allclose(mix[:, sec(1) :], source[:, sec(1) : sec(9)] * 10 ** (-12 / 20), atol=1e-6)


def test_fades_start_silent_reach_full_level_and_end_silent(media):
    path = media.get("dc.wav")  # a constant 0.5 makes the mix the gain curve itself
    mix = mix_to_array(project([clip(path, start=1, duration=4, fade_in=Fraction(1), fade_out=Fraction(2))]))
    gain = mix[0, sec(1) : sec(5)] / 0.5
    assert gain[0] == pytest.approx(0, abs=1e-4)
    assert gain[sec(0.5)] == pytest.approx(0.5, abs=1e-4)  # linear in amplitude
    assert gain[sec(1) : sec(2)] == pytest.approx(1.0, abs=1e-6)  # the middle is at full level
    assert gain[sec(3)] == pytest.approx(0.5, abs=1e-4)
    assert gain[-1] == pytest.approx(0, abs=1e-4)
    assert np.abs(np.diff(gain)).max() < 1e-4  # no steps


def test_fades_on_music_level_at_start_middle_and_end(media):
    path = media.get("tone440.wav")
    mix = mix_to_array(project([clip(path, duration=6, fade_in=Fraction(1), fade_out=Fraction(1))]))
    full = level(mix, 3.0)
    assert full == pytest.approx(0.5 / math.sqrt(2), rel=0.01)
    assert level(mix, 0.01) < 0.02 * full
    assert level(mix, 5.99) < 0.02 * full


def test_volume_keyframes_ramp_smoothly(media):
    path = media.get("dc.wav")
    keys = [Keyframe(Fraction(1), 0.0), Keyframe(Fraction(3), -24.0)]
    mix = mix_to_array(project([clip(path, start=1, duration=4, volume_db=-6,
                                     keyframes={"volume_db": keys})]))
    gain_db = 20 * np.log10(mix[0, sec(1) : sec(5)] / 0.5)
    # Keyframes give the level itself (as x or opacity keyframes do for the picture).
    assert gain_db[: sec(1)] == pytest.approx(0.0, abs=1e-4)
    for t, expected in [(1.5, -6.0), (2.0, -12.0), (2.5, -18.0)]:
        assert gain_db[sec(t)] == pytest.approx(expected, abs=0.05)
    assert gain_db[sec(3.1) :] == pytest.approx(-24.0, abs=1e-4)
    assert np.abs(np.diff(gain_db)).max() < 0.01  # about 12 dB/s: no zipper steps


def test_muted_clip_and_muted_track_are_silent(media):
    a, b = media.get("tone440.wav"), media.get("tone1000.wav")
    muted_clip = project([clip(a, muted=True)], [clip(b)])
    mix = mix_to_array(muted_clip)
    assert peak_frequency(mix[0]) == pytest.approx(1000, abs=2)
    assert rms(mix) == pytest.approx(0.5 / math.sqrt(2), rel=0.01)  # only the 1000 Hz tone
    muted_clip.tracks[1].muted = True
    assert not mix_to_array(muted_clip).any()


def test_two_overlapping_clips_on_two_tracks_sum(media):
    a, b = media.get("tone440.wav"), media.get("tone1000.wav")
    alone_a = mix_to_array(project([clip(a, start=0, duration=3, volume_db=-6)]), end=5)
    alone_b = mix_to_array(project([clip(b, start=2, duration=3, volume_db=-6)]))
    both = mix_to_array(project([clip(a, start=0, duration=3, volume_db=-6)],
                                [clip(b, start=2, duration=3, volume_db=-6)]))
    np.testing.assert_allclose(both, alone_a + alone_b, atol=1e-6)
    overlap = both[0, sec(2) : sec(3)]
    assert rms(overlap) == pytest.approx(math.hypot(rms(alone_a[0, sec(2) : sec(3)]),
                                                    rms(alone_b[0, sec(2) : sec(3)])), rel=0.01)


def test_video_clip_sound_and_a_video_without_sound(media):
    voiced = clip(media.get("voiced.mp4"), duration=4, cls=VideoClip, source_duration=4)
    silent = clip(media.get("silent.mp4"), start=4, duration=4, cls=VideoClip, source_duration=4)
    mix = mix_to_array(project([voiced, silent], kind="video"))
    assert mix.shape == (2, 8 * SR)
    assert peak_frequency(mix[0, sec(1) : sec(3)]) == pytest.approx(1000, abs=2)
    assert level(mix, 2.0, width=1) == pytest.approx(0.4 / math.sqrt(2), rel=0.03)
    assert not mix[:, sec(4) :].any()


# --- exact lengths and streaming -------------------------------------------------------------------


@pytest.mark.parametrize(("fps", "rate"), [(Fraction(30), 48000), (Fraction(30000, 1001), 48000),
                                           (Fraction(24000, 1001), 44100), (Fraction(60000, 1001), 44100)])
def test_audio_length_equals_video_length(media, fps, rate):
    frames = 301
    duration = frames / fps  # a whole number of frames, as an export covers
    proj = project([clip(media.get("tone440.wav"), duration=duration)], fps=fps)
    proj.settings.sample_rate = rate
    with AudioMixer(proj) as mixer:
        per_frame = [mixer.samples_for_frame(n) for n in range(frame_count(duration, fps))]
        assert sum(per_frame) == mixer.total_samples == math.floor(duration * rate)
        assert set(per_frame) <= {math.floor(rate / fps), math.ceil(rate / fps)}
        blocks = [mixer.read(k) for k in per_frame]
    assert all(b.shape == (2, k) for b, k in zip(blocks, per_frame))
    whole = np.concatenate(blocks, axis=1)
    np.testing.assert_array_equal(whole, mix_to_array(proj))
    assert peak_frequency(whole[0], rate) == pytest.approx(440, abs=1)


def test_reading_past_the_end_gives_silence(media):
    proj = project([clip(media.get("tone440.wav"), duration=2)])
    with AudioMixer(proj, start=1) as mixer:
        assert mixer.total_samples == SR
        assert np.abs(mixer.read(SR)).max() > 0.4
        assert not mixer.read(5000).any()


def busy_project(media, hot=False):
    """Fades, keyframes, both speed modes, a transition, the limiter at work when ``hot``."""
    boost = 9.0 if hot else 0.0
    music = clip(media.get("bed.m4a"), start=0, duration=6, volume_db=-6 + boost, fade_in=Fraction(1, 2),
                 keyframes={"volume_db": [Keyframe(Fraction(2), -6 + boost),
                                          Keyframe(Fraction(3), -20, "ease_in_out")]})
    tape = clip(media.get("tone440.wav"), start=Fraction(1, 3), duration=2, speed=Fraction(3, 2),
                preserve_pitch=False)
    stretched = clip(media.get("tone1000.wav"), start=2, duration=3, speed=Fraction(7, 4), volume_db=-10)
    a = clip(media.get("noise.wav"), start=0, duration=3, cls=VideoClip, volume_db=-12)
    b = clip(media.get("noise2.wav"), start=3, duration=3, cls=VideoClip, volume_db=-12,
             transition_in=Transition(duration=Fraction(1)))
    proj = project([music], [tape, stretched])
    proj.tracks.append(Track(kind="video", items=[a, b]))
    return proj


@pytest.mark.parametrize("hot", [False, True])
def test_chunked_reads_equal_one_big_read(media, hot):
    proj = busy_project(media, hot)
    whole = mix_to_array(proj, start=Fraction(1, 7))
    rng = np.random.default_rng(7)
    with AudioMixer(proj, start=Fraction(1, 7)) as mixer:
        pieces, left = [], mixer.total_samples
        while left:
            k = min(left, int(rng.choice([1, 7, 480, 1601, 4096, 9999])))
            pieces.append(mixer.read(k))
            left -= k
    np.testing.assert_array_equal(np.concatenate(pieces, axis=1), whole)
    assert (np.abs(whole).max() > 0.99 * CEILING) == hot


def test_a_range_mixes_the_same_as_the_full_mix(media):
    proj = project([clip(media.get("bed.wav"), start=1, duration=5, fade_in=Fraction(1), volume_db=-3)])
    full = mix_to_array(proj)
    part = mix_to_array(proj, start=Fraction(3, 2), end=Fraction(4))
    np.testing.assert_array_equal(part, full[:, sec(1.5) : sec(4)])


# --- speed ---------------------------------------------------------------------------------------


def test_tape_speed_2x_doubles_pitch_and_halves_duration(media):
    tape = clip(media.get("tone440.wav"), start=1, duration=4, speed=Fraction(2), preserve_pitch=False)
    proj = project([tape])
    mix = mix_to_array(proj, end=6)
    first, last = sounding(mix)
    assert (first, last) == (pytest.approx(1, abs=1e-3), pytest.approx(5, abs=1e-3))  # 8 s of source in 4 s
    assert peak_frequency(mix[0, sec(1.5) : sec(4.5)]) == pytest.approx(880, rel=0.002)
    assert level(mix, 3, width=1) == pytest.approx(0.5 / math.sqrt(2), rel=0.005)


def test_tape_speed_down_and_far_up(media):
    for speed, expected in [(Fraction(1, 2), 220), (Fraction(5), 2200)]:
        proj = project([clip(media.get("tone440.wav"), duration=Fraction(10) / speed if speed > 1 else 4,
                             speed=speed, preserve_pitch=False)])
        mix = mix_to_array(proj)
        assert peak_frequency(mix[0, sec(0.2) : sec(1.8)]) == pytest.approx(expected, rel=0.002)


def test_tape_speed_removes_what_would_alias(media):
    # 15 kHz played twice as fast is 30 kHz, above the 24 kHz Nyquist limit: it must go, not fold to 18 kHz.
    high = media.folder / "tone15k.wav"
    write_audio(high, tone(15000, 4))
    mix = mix_to_array(project([clip(str(high), duration=2, speed=Fraction(2), preserve_pitch=False)]))
    assert rms(mix[:, sec(0.2) : sec(1.8)]) < 1e-3


def test_preserve_pitch_2x_keeps_pitch_and_halves_duration(media):
    proj = project([clip(media.get("tone440.wav"), start=1, duration=4, speed=Fraction(2))])
    with AudioMixer(proj, end=6) as mixer:
        mix = mixer.read(mixer.total_samples)
    first, last = sounding(mix)
    assert (first, last) == (pytest.approx(1, abs=0.002), pytest.approx(5, abs=0.002))
    assert peak_frequency(mix[0, sec(1.5) : sec(4.5)]) == pytest.approx(440, rel=0.02)
    assert level(mix, 3, width=1) == pytest.approx(0.5 / math.sqrt(2), rel=0.03)


@pytest.mark.parametrize("speed", [Fraction(1, 10), Fraction(3, 10), Fraction(3), Fraction(10)])
def test_preserve_pitch_at_extreme_speeds(media, speed):
    duration = min(Fraction(10) / speed, Fraction(3))
    proj = project([clip(media.get("tone440.wav"), duration=duration, speed=speed)])
    mix = mix_to_array(proj)
    assert mix.shape == (2, math.floor(duration * SR))
    assert peak_frequency(mix[0, sec(0.3) : sec(0.3) + SR // 2]) == pytest.approx(440, rel=0.02)


def test_tempo_stages_stay_in_atempo_range():
    for speed in [0.1, 0.3, 0.5, 0.75, 1.5, 2.0, 2.5, 7.0, 10.0]:
        stages = tempo_stages(speed)
        assert all(0.5 - 1e-12 <= s <= 2 + 1e-12 for s in stages)
        assert math.prod(stages) == pytest.approx(speed, rel=1e-12)


def click_time(mix):
    return np.argmax(np.abs(mix[0])) / SR


def test_av_sync_click_lands_where_the_picture_shows_it(media):
    # Source time 3 s, speed 1.5, clip at 1 s: the picture shows that moment at 1 + 3 / 1.5 = 3 s.
    path = media.get("click3s.wav")
    shown = clip(path, start=1, duration=4, speed=Fraction(3, 2)).source_time(Fraction(3))
    assert shown == 3
    tape = mix_to_array(project([clip(path, start=1, duration=4, speed=Fraction(3, 2),
                                      preserve_pitch=False)]))
    assert click_time(tape) == pytest.approx(3.0, abs=0.0005)
    # atempo (WSOLA) moves whole ~43 ms fragments, so a lone click in digital silence lands early
    # by up to half a fragment; it never drifts (see the test below).
    kept_pitch = mix_to_array(project([clip(path, start=1, duration=4, speed=Fraction(3, 2))]))
    assert click_time(kept_pitch) == pytest.approx(3.0, abs=0.025)


def test_sync_does_not_drift_over_a_long_speed_change(media, tmp_path):
    times = [5.0 + 7.0 * k for k in range(9)]  # up to 61 s of source
    path = tmp_path / "clicks.wav"
    write_audio(path, clicks(times, 64) + 0.01 * _noise(64, seed=3))  # room tone, as real recordings have
    for preserve, tol in [(False, 0.0005), (True, 0.02)]:
        proj = project([clip(str(path), duration=40, speed=Fraction(8, 5), source_duration=64,
                             preserve_pitch=preserve)])
        mix = mix_to_array(proj)
        for t in times:
            at = t / 1.6
            window = mix[0, sec(at - 0.05) : sec(at + 0.05)]
            assert (np.argmax(np.abs(window)) / SR + at - 0.05) == pytest.approx(at, abs=tol)


# --- transitions ---------------------------------------------------------------------------------


def test_crossfade_transition_keeps_equal_power(media):
    a = clip(media.get("dc.wav"), start=0, duration=3, cls=VideoClip)
    b = clip(media.get("dc.wav"), start=3, duration=3, cls=VideoClip, source_in=Fraction(2),
             transition_in=Transition(duration=Fraction(1)))
    proj = project([a, b], kind="video")
    b.muted = True
    env_a = mix_to_array(proj)[0] / 0.5
    b.muted, a.muted = False, True
    env_b = mix_to_array(proj)[0] / 0.5
    cut = slice(sec(2.5), sec(3.5))
    # A plays on half a second past its end, B starts half a second early.
    assert sounding(env_a[None])[1] == pytest.approx(3.5, abs=1e-3)
    assert sounding(env_b[None])[0] == pytest.approx(2.5, abs=1e-3)
    assert env_a[cut] ** 2 + env_b[cut] ** 2 == pytest.approx(1.0, abs=1e-4)
    assert env_a[sec(3)] == pytest.approx(math.sqrt(0.5), abs=1e-3)  # equal power, not equal gain
    assert np.abs(np.diff(env_a[cut])).max() < 1e-4


def test_crossfade_between_two_sounds_keeps_their_loudness(media):
    a = clip(media.get("noise.wav"), start=0, duration=3, cls=VideoClip)
    b = clip(media.get("noise2.wav"), start=3, duration=3, cls=VideoClip,
             transition_in=Transition(duration=Fraction(1)))
    b.source_in = Fraction(1)  # media before the in point to play while it fades in
    mix = mix_to_array(project([a, b], kind="video"))
    steady = level(mix, 1.5, width=0.5)
    for t in np.arange(2.55, 3.5, 0.1):
        assert db(level(mix, t, width=0.05) / steady) == pytest.approx(0, abs=0.5)


def test_incoming_clip_without_media_before_its_in_point_starts_in_sync(media):
    # B's picture holds its first frame for the first half of the transition; its sound has
    # nothing to play there and starts with the picture, at the crossfade's gain at that moment.
    a = clip(media.get("dc.wav"), start=0, duration=3, cls=VideoClip)
    b = clip(media.get("dc.wav"), start=3, duration=3, cls=VideoClip,
             transition_in=Transition(duration=Fraction(1)))
    a.muted = True
    env_b = mix_to_array(project([a, b], kind="video"))[0] / 0.5
    assert not env_b[: sec(3)].any()
    assert env_b[sec(3)] == pytest.approx(math.sqrt(0.5), abs=1e-3)


# --- limiter -------------------------------------------------------------------------------------


def test_limiter_holds_a_hot_mix_under_the_ceiling_smoothly(media):
    proj = project([clip(media.get("bed.wav"), duration=8, volume_db=12)])
    raw = mix_to_array(proj, limiter=False)
    out = mix_to_array(proj)
    assert db(np.abs(raw).max()) == pytest.approx(6, abs=0.1)  # the bed peaks at -6 dBFS
    assert np.abs(out).max() <= CEILING
    assert np.abs(out).max() > 0.99 * CEILING  # limited, not turned down wholesale
    loud = np.nonzero(np.abs(raw[0]) > 0.1)[0]
    gain_db = 20 * np.log10(out[0, loud] / raw[0, loud])
    assert gain_db.max() <= 1e-5
    assert gain_db.min() < -6
    neighbours = np.diff(loud) == 1
    assert np.abs(np.diff(gain_db)[neighbours]).max() < 0.1  # gain glides, it does not jump
    mix4 = mix_to_array(proj, ceiling_db=-4.0)
    assert np.abs(mix4).max() <= 10 ** (-4 / 20)


def test_limiter_lets_go_after_a_lone_peak(media, tmp_path):
    path = tmp_path / "tone_and_click.flac"
    write_audio(path, tone(440, 4, amplitude=0.3) + clicks([2.0], 4))
    proj = project([clip(str(path), duration=4, volume_db=3)])
    raw, out = mix_to_array(proj, limiter=False), mix_to_array(proj)
    touched = np.nonzero(out[0] != raw[0])[0] / SR
    assert np.abs(out).max() <= CEILING
    assert touched.min() > 2.0 - 0.01  # the gain starts down within the 5 ms look-ahead
    assert touched.max() < 2.0 + 0.15  # and is back to exactly 1 about 100 ms after the peak


def test_limiter_leaves_a_quiet_mix_untouched_bit_for_bit(media):
    proj = busy_project(media)
    raw = mix_to_array(proj, limiter=False)
    assert 0.3 < np.abs(raw).max() < CEILING
    np.testing.assert_array_equal(mix_to_array(proj), raw)


# --- resources -----------------------------------------------------------------------------------


def looping_project(media, minutes):
    """A 10 s music loop with fades, and every 20 s a sped-up voice and a tape-speed effect."""
    bed, noise = media.get("bed.m4a"), media.get("noise.m4a")
    music = [clip(bed, start=10 * i, duration=10, fade_in=Fraction(1, 10), fade_out=Fraction(1, 10))
             for i in range(minutes * 6)]
    voice = [clip(noise, start=20 * i + 2, duration=3, speed=Fraction(3, 2), volume_db=-12)
             for i in range(minutes * 3)]
    tape = [clip(noise, start=20 * i + 12, duration=2, speed=Fraction(2), preserve_pitch=False)
            for i in range(minutes * 3)]
    return project(music, voice, tape)


def peak_memory(proj, seconds):
    tracemalloc.start()
    try:
        with AudioMixer(proj, end=seconds) as mixer:
            for _ in range(mixer.total_samples // 4800):
                mixer.read(4800)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_with_duration(media):
    short = peak_memory(looping_project(media, 1), 60)
    long = peak_memory(looping_project(media, 10), 600)
    assert long < 1.5 * short + 2_000_000
    assert long < 40_000_000


def open_files():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_clips_open_their_file_only_while_heard(media):
    paths = [media.get(n) for n in ("bed.m4a", "noise.m4a", "tone440.m4a")]
    items = [clip(paths[i % 4 // 2], start=i, duration=1, source_in=Fraction(i % 3)) for i in range(30)]
    items += [clip(paths[2], start=30 + i, duration=1, speed=Fraction(3, 2), source_in=Fraction(i))
              for i in range(5)]
    before = open_files()
    most = 0
    with AudioMixer(project(items)) as mixer:
        for _ in range(mixer.total_samples // 4800):
            mixer.read(4800)
            most = max(most, open_files() - before)
    assert 1 <= most <= 3  # the clip playing and two kept for a later cut of the same file
    assert open_files() == before


def test_bad_ranges_are_refused(media):
    proj = project([clip(media.get("tone440.wav"))])
    with pytest.raises(RenderError, match="before it starts"):
        AudioMixer(proj, start=3, end=2)
    with pytest.raises(RenderError, match="ceiling"):
        AudioMixer(proj, ceiling_db=1.0)

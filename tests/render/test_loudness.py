"""The loudness meter against ITU-R BS.1770-4 and the EBU's test signals (Tech 3341 and 3342),
synthesised here, and the true-peak limiter of the mix."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from capkit.model.items import AudioClip, MediaRef
from capkit.model.project import Project, Track
from capkit.render.audio_mix import AudioMixer
from capkit.render.loudness import LoudnessMeter, k_weighting, measure
from capkit.synth import clicks, music_bed, write_audio

SR = 48000


def sine(freq, seconds, dbfs, *, sr=SR, phase=0.0, channels=2, fade=0.0):
    """A sine whose peak is ``dbfs``; ``fade`` seconds of raised-cosine fade-in (a sine that starts
    abruptly really does overshoot between its first samples)."""
    t = np.arange(round(seconds * sr)) / sr
    x = 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t + phase)
    if fade:
        n = round(fade * sr)
        x[:n] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    return np.repeat(x[None, :], channels, axis=0).astype(np.float32)


def seq(*parts):
    return np.concatenate(parts, axis=1)


def test_k_weighting_at_48k_is_the_standards_filter():
    (b1, a1), (b2, a2) = k_weighting(48000)
    # BS.1770-4, tables 1 and 2.
    np.testing.assert_allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-12)
    np.testing.assert_allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-12)
    np.testing.assert_allclose(b2, [1.0, -2.0, 1.0])
    np.testing.assert_allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-12)


def test_full_scale_997_hz_on_one_channel_reads_minus_3_01():
    x = sine(997, 10, 0.0)
    x[1] = 0
    assert measure(x, SR).integrated_lufs == pytest.approx(-3.01, abs=0.01)


@pytest.mark.parametrize("dbfs", [-23.0, -33.0])
def test_tech_3341_cases_1_and_2_stereo_1k_sine(dbfs):
    got = measure(sine(1000, 20, dbfs), SR)
    assert got.integrated_lufs == pytest.approx(dbfs, abs=0.1)
    assert got.momentary_max_lufs == pytest.approx(dbfs, abs=0.1)
    assert got.short_term_max_lufs == pytest.approx(dbfs, abs=0.1)
    assert got.sample_peak_dbfs == pytest.approx(dbfs, abs=0.01)


def test_tech_3341_cases_3_to_5_gating():
    s = lambda seconds, level: sine(1000, seconds, level)
    # 3: the -36 dB parts are under the relative gate.
    assert measure(seq(s(10, -36), s(60, -23), s(10, -36)), SR).integrated_lufs == pytest.approx(-23, abs=0.1)
    # 4: and the -72 dB parts under the absolute one.
    case4 = seq(s(10, -72), s(10, -36), s(60, -23), s(10, -36), s(10, -72))
    assert measure(case4, SR).integrated_lufs == pytest.approx(-23, abs=0.1)
    # 5: everything passes both gates; the power average of -26 / -20 / -26 is -23.
    assert measure(seq(s(20, -26), s(20.1, -20), s(20, -26)), SR).integrated_lufs == pytest.approx(-23, abs=0.1)


def test_tech_3341_case_9_short_term_is_steady():
    cycle = seq(sine(1000, 1.34, -20), sine(1000, 1.66, -30))
    got = measure(np.tile(cycle, 20), SR)
    assert got.short_term_max_lufs == pytest.approx(-23, abs=0.1)  # every 3 s window holds one cycle
    assert got.momentary_max_lufs == pytest.approx(-20, abs=0.1)


@pytest.mark.parametrize(("freq", "phase_deg", "dbfs"), [
    (12000, 0, -6.0), (12000, 45, -6.0), (12000, 60, -6.0), (12000, 67.5, -6.0), (9882, 88.5, 3.0),
])
def test_tech_3341_cases_15_to_19_true_peak(freq, phase_deg, dbfs):
    x = sine(freq, 2, dbfs, phase=math.radians(phase_deg), fade=0.05)
    got = measure(x, SR)
    assert dbfs - 0.4 <= got.true_peak_dbtp <= dbfs + 0.2  # the tolerance Tech 3341 sets
    assert got.true_peak_dbtp >= got.sample_peak_dbfs
    if (freq, phase_deg) == (12000, 45):
        assert got.sample_peak_dbfs == pytest.approx(dbfs - 3.01, abs=0.02)  # the peak is between samples


@pytest.mark.parametrize(("low", "expected"), [(-30.0, 10.0), (-40.0, 20.0)])
def test_tech_3342_loudness_range(low, expected):
    got = measure(seq(sine(1000, 20, -20), sine(1000, 20, low)), SR)
    assert got.lra == pytest.approx(expected, abs=1.0)


def test_silence_and_gated_out_sound_read_minus_infinity():
    assert measure(np.zeros((2, SR * 3), np.float32), SR).integrated_lufs == -math.inf
    assert measure(sine(1000, 3, -80), SR).integrated_lufs == -math.inf
    assert measure(np.zeros((2, 100), np.float32), SR).true_peak_dbtp == -math.inf


def test_streaming_in_any_block_sizes_gives_the_same_result():
    x = music_bed(12)
    whole = measure(x, SR)
    meter = LoudnessMeter(SR, 2)
    rng = np.random.default_rng(5)
    pos = 0
    while pos < x.shape[1]:
        n = int(rng.integers(1, 7000))
        meter.add(x[:, pos : pos + n])
        pos += n
        if pos > SR * 5 and pos < SR * 5 + 7000:
            meter.result()  # asking midway does not disturb the stream
    streamed = meter.result()
    assert streamed.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=1e-9)
    assert streamed.true_peak_dbtp == pytest.approx(whole.true_peak_dbtp, abs=1e-6)
    assert streamed.seconds == pytest.approx(12.0)


def test_music_bed_at_two_sample_rates():
    # pyloudnorm 0.2.0 with its BS.1770 ("DeMan") filter reads -19.503 (48 kHz) and -19.499 (44.1 kHz).
    assert measure(music_bed(20), SR).integrated_lufs == pytest.approx(-19.503, abs=0.005)
    assert measure(music_bed(20, sample_rate=44100), 44100).integrated_lufs == pytest.approx(-19.499, abs=0.005)


# --- the true-peak limiter of the mix -------------------------------------------------------------


def _project(path, seconds):
    clip = AudioClip(source=MediaRef(str(path), duration=Fraction(seconds)), duration=Fraction(seconds))
    return Project(tracks=[Track(kind="audio", items=[clip])])


@pytest.mark.parametrize("name", ["fs4", "clicks"])
def test_true_peak_limiter_holds_the_ceiling_between_samples(tmp_path, name):
    signal = {
        "fs4": sine(12000, 4, -6.0, phase=math.radians(45)),  # samples 3 dB under the peaks between them
        "clicks": (0.25 * music_bed(4) + clicks([0.0, 1.0, 2.5], 4)).astype(np.float32),
    }[name]
    proj = _project(write_audio(tmp_path / f"{name}.wav", signal), 4)
    with AudioMixer(proj, gain_db=9.0, ceiling_db=-1.5, true_peak=True) as mixer:
        limited = mixer.read(mixer.total_samples)
    assert measure(limited, SR).true_peak_dbtp <= -1.5 + 0.02
    with AudioMixer(proj, gain_db=9.0, ceiling_db=-1.5) as mixer:
        sample_limited = measure(mixer.read(mixer.total_samples), SR)
    assert sample_limited.sample_peak_dbfs <= -1.5 + 1e-4
    if name == "fs4":
        assert sample_limited.true_peak_dbtp > 1.0  # a sample-peak limiter lets those through


def test_true_peak_limiter_is_transparent_under_the_ceiling(tmp_path):
    proj = _project(write_audio(tmp_path / "bed.wav", music_bed(4)), 4)  # true peak about -6 dBTP
    with AudioMixer(proj, limiter=False) as mixer:
        raw = mixer.read(mixer.total_samples)
    with AudioMixer(proj, ceiling_db=-1.0, true_peak=True, gain_db=3.0) as mixer:
        gained = mixer.read(mixer.total_samples)
    np.testing.assert_array_equal(gained, raw * np.float32(10 ** (3 / 20)))

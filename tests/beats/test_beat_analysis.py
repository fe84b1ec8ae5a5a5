"""Beat detection on generated click tracks: every click found within 20 ms, tempo within 1 BPM,
with a music bed or noise underneath, from samples and from encoded files; nothing on silence."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from capkit.beats import detect_beats
from capkit.errors import Cancelled, CapkitError
from capkit.progress import CancelToken
from capkit.synth.audio import clicks, music_bed, tone, write_audio

RATE = 48000
SECONDS = 16.0
TOLERANCE = 0.020


def click_times(bpm: float, seconds: float = SECONDS) -> np.ndarray:
    """A click on every beat of ``music_bed`` at ``bpm`` (its beats are at multiples of the
    period from 0) from the second beat until its fade-out at the end."""
    period = 60 / bpm
    return np.arange(1, int((seconds - 0.06) / period) + 1) * period


def click_track(bpm: float, under: str = "none", seconds: float = SECONDS, rate: int = RATE
                ) -> tuple[np.ndarray, np.ndarray]:
    times = click_times(bpm, seconds)
    samples = clicks(times, seconds, sample_rate=rate)
    if under == "bed":  # the same song's pads, bass, kick and hi-hat 6 dB under the clicks
        samples = samples + 0.6 * music_bed(seconds, sample_rate=rate, bpm=bpm, seed=1)
    elif under == "noise":  # white noise at -20 dBFS RMS
        noise = 0.1 * np.random.default_rng(7).standard_normal(samples.shape[1]).astype(np.float32)
        samples = samples + noise[None, :]
    return samples, times


def errors(found, times: np.ndarray) -> np.ndarray:
    """For each true click, the distance to the nearest detected beat (seconds)."""
    beats = np.array([float(b) for b in found])
    assert beats.size, "no beats found"
    return np.array([np.min(np.abs(beats - t)) for t in times])


@pytest.mark.parametrize("under", ["none", "bed", "noise"])
@pytest.mark.parametrize("bpm", [90, 120, 128, 174])
def test_click_track_beats_within_20_ms_and_tempo_within_1_bpm(bpm, under):
    samples, times = click_track(bpm, under)
    result = detect_beats(samples, RATE)
    err = errors(result.beats, times)
    print(f"{bpm} BPM under {under}: median {np.median(err) * 1000:.2f} ms, max {err.max() * 1000:.2f} ms, "
          f"tempo {result.tempo_bpm}, confidence {result.confidence}")
    assert err.max() <= TOLERANCE
    assert len(result.beats) == len(times)  # one beat per click, none extra
    assert abs(result.tempo_bpm - bpm) <= 1.0
    assert result.confidence > 0.5
    assert all(isinstance(b, Fraction) and (b * 1000).denominator == 1 for b in result.beats)
    assert result.beats == sorted(result.beats)


def test_clicks_land_within_a_few_ms_not_just_the_frame():
    # The 10 ms analysis frames only find a beat; the onset peak puts it on the click itself.
    samples, times = click_track(128)
    err = errors(detect_beats(samples, RATE).beats, times)
    assert np.median(err) <= 0.002 and err.max() <= 0.003


def test_fast_clicks_are_not_reported_at_half_tempo():
    for bpm in (174, 200):
        samples, _ = click_track(bpm)
        assert abs(detect_beats(samples, RATE).tempo_bpm - bpm) <= 1.0


def test_silence_and_near_silence_have_no_beats():
    for samples in (np.zeros((2, RATE * 5), np.float32),
                    1e-4 * np.random.default_rng(1).standard_normal((1, RATE * 5)).astype(np.float32)):
        result = detect_beats(samples, RATE)
        assert result.beats == [] and result.onsets == []
        assert result.tempo_bpm == 0.0 and result.confidence == 0.0 and result.period is None


def test_a_steady_tone_has_no_onsets_inside_it():
    result = detect_beats(tone(440, 5, sample_rate=RATE), RATE)
    assert len(result.beats) <= 1
    # Only where it starts or stops (it is cut off mid-cycle) may there be an onset.
    assert all(o < Fraction(1, 20) or o > Fraction(495, 100) for o in result.onsets)


@pytest.mark.parametrize("suffix", [".wav", ".m4a"])
def test_from_a_file_in_blocks_with_progress(tmp_path, suffix):
    rate = 44100 if suffix == ".wav" else RATE  # read at 24 kHz either way
    samples, times = click_track(120, "bed", seconds=24.0, rate=rate)
    path = write_audio(tmp_path / f"song{suffix}", samples, sample_rate=rate)
    reports = []
    result = detect_beats(path, progress=reports.append)
    err = errors(result.beats, times)
    assert err.max() <= TOLERANCE and len(result.beats) == len(times)
    assert abs(result.tempo_bpm - 120) <= 1.0
    assert reports[-1].done == reports[-1].total == 24000  # milliseconds of sound
    assert [r.done for r in reports] == sorted(r.done for r in reports) and len(reports) >= 3


def test_a_range_of_a_file_gives_source_times(tmp_path):
    samples, times = click_track(120)
    path = write_audio(tmp_path / "song.wav", samples, sample_rate=RATE)
    result = detect_beats(path, start=Fraction(37, 10), end=Fraction(92, 10))
    inside = times[(times >= 3.7) & (times < 9.2)]
    err = errors(result.beats, inside)
    assert err.max() <= 0.003 and len(result.beats) == len(inside)
    assert result.start == Fraction(37, 10) and result.duration == Fraction(55, 10)
    assert all(Fraction(37, 10) <= b < Fraction(92, 10) for b in result.beats)
    # A click cut in half by the end of the range is still inside it, never past it.
    edge = detect_beats(path, start=Fraction(37, 10), end=9)
    assert all(b < 9 for b in edge.beats + edge.onsets)


def test_arrays_take_a_range_too_and_any_rate():
    samples, times = click_track(90)
    mono24k = samples[0, ::2]  # 24 kHz mono
    result = detect_beats(mono24k, 24000, start=Fraction(21, 10), end=Fraction(123, 10))
    inside = times[(times >= 2.1) & (times < 12.3)]
    assert errors(result.beats, inside).max() <= 0.003 and len(result.beats) == len(inside)


def test_cancel_stops_the_analysis(tmp_path):
    samples, _ = click_track(120)
    path = write_audio(tmp_path / "song.wav", samples, sample_rate=RATE)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        detect_beats(path, cancel=token)


def test_bad_input_is_one_clear_error(tmp_path):
    with pytest.raises(CapkitError, match="sample_rate"):
        detect_beats(np.zeros(1000))
    with pytest.raises(CapkitError, match="end must be after start"):
        detect_beats(np.zeros(48000), RATE, start=2, end=1)
    from capkit.synth.video import write_video

    silent_video = write_video(tmp_path / "picture.mp4", lambda i: np.zeros((16, 16, 3), np.uint8), n_frames=3)
    with pytest.raises(CapkitError, match="has no sound to find beats in"):
        detect_beats(silent_video)


def test_a_song_that_opens_on_a_hit_has_a_beat_at_0_and_steady_sound_does_not():
    on_the_one = clicks(np.arange(0, 8, 0.5), 8.2, sample_rate=RATE) + 0.5 * music_bed(8.2, sample_rate=RATE, bpm=120)
    assert detect_beats(on_the_one, RATE).beats[:2] == [0, Fraction(1, 2)]
    noise = 0.1 * np.random.default_rng(3).standard_normal((1, RATE * 8)).astype(np.float32)
    in_noise = detect_beats(noise + clicks(np.arange(0.5, 8, 0.5), 8, sample_rate=RATE, channels=1), RATE)
    assert in_noise.beats[0] == Fraction(1, 2) and in_noise.onsets[0] == Fraction(1, 2)


def test_the_onset_envelope_is_exposed_on_a_10_ms_grid():
    samples, times = click_track(120, seconds=6.0)
    result = detect_beats(samples, RATE)
    assert result.frame_rate == 100 and result.envelope.shape == (601,)
    peaks = np.flatnonzero(result.envelope > 0.5 * result.envelope.max()) / 100
    assert all(np.min(np.abs(peaks - t)) <= 0.03 for t in times)
    assert result.period == Fraction(1, 2)


@pytest.mark.parametrize("change", ["100 to 130 BPM", "128 to 110 BPM", "ramp 100 to 130 BPM"])
def test_a_tempo_change_is_followed(change):
    if change.startswith("ramp"):
        times = [0.5]
        while times[-1] < 29.5:
            times.append(times[-1] + 60 / (100 + times[-1]))  # 100 BPM speeding up to 130
        times, seconds = np.array(times), 30.2
    else:
        before, after = (float(x) for x in change.replace(" BPM", "").split(" to "))
        first = np.arange(0.5, 12, 60 / before)
        times, seconds = np.concatenate([first, np.arange(first[-1] + 60 / after, 24, 60 / after)]), 24.2
    result = detect_beats(clicks(times, seconds, sample_rate=RATE), RATE)
    err = errors(result.beats, times)
    print(f"{change}: median {np.median(err) * 1000:.2f} ms, max {err.max() * 1000:.2f} ms")
    assert err.max() <= TOLERANCE and len(result.beats) == len(times)

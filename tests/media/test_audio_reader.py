"""AudioReader: sample-exact sound at the project rate, however it is read."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from capkit.media import AudioReader, read_all
from capkit.synth import clicks, tone, write_audio

SR = 48000


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


@pytest.mark.parametrize("name", ["tone44k.m4a", "tone44k_mono.wav", "tone48k.m4a", "stereo.mp4"])
def test_chunked_reads_are_continuous_with_one_read(media, name):
    path = media.get(name)
    start = Fraction(1, 3)  # not on any packet boundary
    with AudioReader(path) as reader:
        whole = reader.read(start, SR * 2)
    sizes = [1, 1023, 1600, 1601, 4096, 17, 30000]
    rng = random.Random(3)
    pieces, done = [], 0
    with AudioReader(path) as reader:
        while done < SR * 2:
            n = min(rng.choice(sizes), SR * 2 - done)
            pieces.append(reader.read(start + Fraction(done, SR), n))
            done += n
    np.testing.assert_array_equal(np.concatenate(pieces, axis=1), whole)


def test_read_shape_and_type(media):
    with AudioReader(media.get("tone48k.m4a")) as reader:
        samples = reader.read(Fraction(1), 480)
        assert reader.duration == pytest.approx(3, abs=0.03)
    assert samples.shape == (2, 480)
    assert samples.dtype == np.float32
    assert samples.flags.c_contiguous


def test_resampling_keeps_frequency_and_level(media):
    # A 1 kHz, 0.5 amplitude tone at 44.1 kHz mono, read at 48 kHz stereo.
    with AudioReader(media.get("tone44k_mono.wav")) as reader:
        samples = reader.read(Fraction(1, 2), SR)
    left, right = samples
    assert peak_frequency(left, SR) == pytest.approx(1000, abs=1.5)
    assert rms(left) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    np.testing.assert_array_equal(left, right)  # mono plays on both sides, at full level


def test_resampled_length_follows_the_rate(media):
    samples = read_all(media.get("tone44k_mono.wav"))
    assert samples.shape[1] == pytest.approx(3 * SR, abs=2)


def test_mono_source_fills_both_channels_equally(media):
    samples = read_all(media.get("mono.mp4"))
    np.testing.assert_array_equal(samples[0], samples[1])
    middle = samples[0, SR : 2 * SR]
    assert rms(middle) == pytest.approx(0.4 / np.sqrt(2), rel=0.03)


def test_surround_downmixes_to_audible_stereo(media):
    with AudioReader(media.get("surround.m4a")) as reader:
        assert reader.info.audio.channels == 6
        samples = reader.read(Fraction(1, 2), SR)
    assert samples.shape == (2, SR)
    assert rms(samples[0]) > 0.1
    assert rms(samples[1]) > 0.1
    assert np.abs(samples).max() < 2  # FFmpeg's matrix, not a six-channel sum gone wild


def test_stereo_to_mono_averages_the_sides(media):
    with AudioReader(media.get("tone48k.m4a"), channels=1) as reader:
        samples = reader.read(Fraction(1), SR // 2)
    assert samples.shape == (1, SR // 2)
    assert peak_frequency(samples[0], SR) == pytest.approx(440, abs=3)
    assert rms(samples[0]) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)  # as loud as each side


def test_silence_before_the_start_and_after_the_end(media):
    with AudioReader(media.get("tone48k.m4a")) as reader:
        around_start = reader.read(Fraction(-1, 2), SR)
        around_end = reader.read(reader.duration - Fraction(1, 2), SR)
        far_past = reader.read(Fraction(60), 1000)
    assert not around_start[:, : SR // 2].any()
    assert rms(around_start[:, SR // 2 + 2400 :]) > 0.3
    assert rms(around_end[:, : SR // 4]) > 0.3
    assert not around_end[:, SR // 2 + 2400 :].any()  # past the end (and AAC's padding frame)
    assert not far_past.any()


@pytest.mark.parametrize(
    "name", ["tone44k.m4a", "tone44k_mono.wav", "stereo.mp4", "stereo.mkv", "stereo.ts", "tone.mp3"]
)
def test_seeking_gives_the_same_samples_as_reading_through(media, name, monkeypatch):
    path = media.get(name)
    reference = read_all(path)
    seeks = []
    original = AudioReader._decode
    monkeypatch.setattr(
        AudioReader, "_decode",
        lambda self, *, from_top: (seeks.append(from_top), original(self, from_top=from_top))[1],
    )
    # Lossy decoders keep state a seek cannot restore exactly (AAC noise substitution), so they
    # match to 1e-3: a one-sample slip of these tones would be off by 0.02 or more.
    atol = 1e-6 if name.endswith(".wav") else 1e-3
    # Backwards jumps, a forward jump past the sequential limit, a return to the top.
    spans = [(Fraction(28, 10), 2000), (Fraction(6, 10), 3000), (Fraction(29, 10), 4800),
             (Fraction(13, 10), 100), (Fraction(1, 20), 48000), (Fraction(1, 7), 999)]
    with AudioReader(path) as reader:
        for start, n in spans:
            first = int(start * SR + Fraction(1, 2))
            np.testing.assert_allclose(
                reader.read(start, n), reference[:, first : first + n], atol=atol,
                err_msg=f"{name} at {start}",
            )
    assert seeks.count(False) >= 3  # real container seeks, not just reads from the top


@pytest.mark.parametrize("name", ["clicks.mp4", "clicks.mkv", "clicks.ts"])
def test_sound_stays_in_sync_with_the_first_frame(media, name):
    # Clicks were written at frames 15, 45 and 70; time 0 is the first frame, even in MPEG-TS
    # where the streams start at different non-zero timestamps.
    with AudioReader(media.get(name)) as reader:
        for frame in media.CLICK_FRAMES:
            at = Fraction(frame) / media.FPS
            window = reader.read(at - Fraction(1, 100), SR // 50)[0]
            offset = int(np.argmax(np.abs(window))) - SR // 100
            assert abs(offset) <= 2, f"{name}: click at frame {frame} off by {offset} samples"


def test_rate_and_channels_are_validated(media):
    with pytest.raises(ValueError):
        AudioReader(media.get("tone48k.m4a"), channels=3)
    with pytest.raises(ValueError):
        AudioReader(media.get("tone48k.m4a"), sample_rate=0)


def test_closed_reader_refuses_requests(media):
    reader = AudioReader(media.get("tone48k.m4a"))
    reader.close()
    with pytest.raises(ValueError, match="closed"):
        reader.read(Fraction(0), 10)


@pytest.mark.parametrize("suffix", [".wav", ".m4a", ".mp3", ".ogg", ".flac"])
def test_written_clicks_land_where_they_were_put(tmp_path, suffix):
    times = [0.25, 0.5, 1.0]
    path = write_audio(tmp_path / f"clicks{suffix}", clicks(times, 1.5))
    samples = read_all(path)
    for t in times:
        centre = round(t * SR)
        window = samples[0, centre - 480 : centre + 480]
        assert abs(int(np.argmax(np.abs(window))) - 480) <= 2, suffix


def test_tone_is_what_it_says():
    samples = tone(440, 1, sample_rate=SR, channels=1, amplitude=0.25)
    assert samples.shape == (1, SR)
    assert np.abs(samples).max() == pytest.approx(0.25, abs=1e-4)
    assert peak_frequency(samples[0], SR) == pytest.approx(440, abs=1)

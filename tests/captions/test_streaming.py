"""Streaming transcription: long media is decoded and transcribed window by window."""

from __future__ import annotations

import statistics
import tracemalloc
import wave
from fractions import Fraction

import numpy as np
import pytest
from captions_support import FIXTURES, normalise, sentence_fixtures, wer, word_onsets

from capkit.captions import CaptionError, Transcript, transcribe
from capkit.captions.transcribe import SAMPLE_RATE, audio_windows

# sentences_1, sentences_2, the eight single words, sentences_1 again: about 24 s
ASSEMBLY = ["sentences_1.wav", "sentences_2.wav", "words.wav", "sentences_1.wav"]


def assert_words_well_formed(t: Transcript) -> None:
    assert t.words
    prev = Fraction(0)
    for w in t.words:
        assert isinstance(w.start, Fraction) and isinstance(w.end, Fraction)
        assert 0 <= w.start <= w.end <= t.duration, w
        assert w.start >= prev, (w, prev)
        prev = w.end
    for s in t.segments:
        if s.words:
            assert s.start == s.words[0].start and s.end == s.words[-1].end


@pytest.fixture(scope="module")
def assembled(tmp_path_factory):
    """(path, reference text, onset of words.wav in seconds, sample count) of the assembly."""
    from capkit.media.audio import read_all
    from capkit.synth.audio import write_audio

    refs = {p.name: text for p, text in sentence_fixtures()}
    refs["words.wav"] = " ".join(w for w, _ in word_onsets())
    pieces = [read_all(FIXTURES / name, sample_rate=SAMPLE_RATE, channels=1) for name in ASSEMBLY]
    words_at = Fraction(sum(p.shape[1] for p in pieces[:2]), SAMPLE_RATE)
    audio = np.concatenate(pieces, axis=1)
    path = write_audio(tmp_path_factory.mktemp("stream") / "assembled.wav", audio, sample_rate=SAMPLE_RATE)
    return path, " ".join(refs[n] for n in ASSEMBLY), words_at, audio.shape[1]


def test_windows_cover_the_sound_exactly_and_cut_in_quiet_places(assembled):
    path, _, _, n = assembled
    from capkit.media.audio import read_all

    whole = read_all(path, sample_rate=SAMPLE_RATE, channels=1)[0]
    pieces = list(audio_windows(path, window=4))
    assert len(pieces) >= 6
    position = 0
    for offset, samples in pieces:
        assert offset == position and 0 < len(samples) <= 4 * SAMPLE_RATE
        assert np.array_equal(samples, whole[offset : offset + len(samples)])
        position += len(samples)
    assert position == n
    # every cut but the last is at a place much quieter than the speech around it
    loud = np.sqrt(np.mean(whole.astype(np.float64) ** 2))
    for offset, samples in pieces[:-1]:
        cut = offset + len(samples)
        around = whole[cut - 80 : cut + 80].astype(np.float64)
        assert np.sqrt(np.mean(around**2)) < 0.2 * loud, cut / SAMPLE_RATE
    # one window when the file is shorter than it: the whole sound, as before
    [(offset, samples)] = list(audio_windows(path))
    assert offset == 0 and np.array_equal(samples, whole)


def test_window_must_be_positive(assembled):
    with pytest.raises(CaptionError, match="window must be positive"):
        list(audio_windows(assembled[0], window=0))


@pytest.mark.slow
def test_streamed_transcript_matches_the_whole_file(assembled):
    path, ref, words_at, n = assembled
    whole = transcribe(path)
    streamed = transcribe(path, window=8)
    assert whole.extra["windows"] == 1 and streamed.extra["windows"] >= 3
    assert streamed.duration == whole.duration == Fraction(n, SAMPLE_RATE)
    assert_words_well_formed(streamed)
    assert wer(ref, streamed.text) <= wer(ref, whole.text) + 0.05, streamed.text
    # times were shifted by each window's offset: the single words land on their true onsets
    truth = [(w, words_at + t) for w, t in word_onsets()]
    found = [(normalise(w.text), w.start) for w in streamed.words if words_at - 1 <= w.start]
    got = {}
    for tokens, start in found:
        for token in tokens:
            got.setdefault(token, start)
    errors = [abs(float(got[w] - t)) for w, t in truth if w in got]
    assert len(errors) >= 7, (got, truth)
    assert statistics.median(errors) <= 0.15, errors


@pytest.mark.slow
def test_progress_spans_all_windows_and_cancel_stops_between_segments(assembled):
    path = assembled[0]
    seen = []
    transcribe(path, window=8, progress=seen.append)
    done = [p.done for p in seen]
    assert done == sorted(done) and done[-1] == seen[-1].total == round(assembled[3] / 16)
    assert len({d for d in done}) >= 4

    from capkit.errors import Cancelled
    from capkit.progress import CancelToken

    token = CancelToken()
    calls = []

    def on_progress(p):
        calls.append(p)
        if p.done > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        transcribe(path, window=8, progress=on_progress, cancel=token)
    assert calls[-1].done < calls[-1].total


def _write_long_wav(path, minutes: int) -> int:
    """Minutes of 16 kHz mono 'speech-like' sound (0.8 s bursts, 0.2 s pauses), written one
    second at a time so the test itself stays small."""
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    burst = (0.3 * np.sin(2 * np.pi * 220 * t) * (t < 0.8)).astype(np.float64)
    second = np.round(burst * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        for _ in range(minutes * 60):
            w.writeframes(second)
    return minutes * 60 * SAMPLE_RATE


def _peak_while_windowing(path, window: float) -> tuple[int, int, int]:
    """(samples seen, windows, peak traced bytes) of reading a file window by window."""
    tracemalloc.start()
    try:
        total = count = 0
        for offset, samples in audio_windows(path, window=window):
            assert offset == total and len(samples) <= window * SAMPLE_RATE
            total += len(samples)
            count += 1
            del samples
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return total, count, peak


@pytest.mark.slow
def test_memory_stays_at_one_window_not_the_whole_file(tmp_path):
    window = 30.0
    window_bytes = int(window * SAMPLE_RATE) * 4
    short, long = tmp_path / "short.wav", tmp_path / "long.wav"
    n_short = _write_long_wav(short, minutes=3)
    n_long = _write_long_wav(long, minutes=20)  # 76.8 MB as float32 samples

    total, count, peak_short = _peak_while_windowing(short, window)
    assert total == n_short
    total, count, peak_long = _peak_while_windowing(long, window)
    assert total == n_long and count >= 40
    # the measurement sees the windows themselves (numpy reports to tracemalloc)...
    assert peak_long >= window_bytes
    # ...the peak is a few windows (the reader's buffer, the window, a concatenation), the same
    # for 3 and 20 minutes, and nothing like the whole file
    assert peak_long <= peak_short * 1.1 + (1 << 20), (peak_short, peak_long)
    assert peak_long < 8 * window_bytes, (peak_long, window_bytes)
    assert peak_long < n_long * 4 / 6

"""Captions end to end with the real model: burned into a video (checked in its pixels at the
spoken words' times) and added to a project as a caption track from the project's own speech."""

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from capkit.io.project_file import load
from capkit.media.audio import read_all
from capkit.media.video import VideoReader
from capkit.synth.video import write_video
from test_cli import one_clear_line, run  # tests/cli/test_cli.py (same folder)

SPEECH = Path(__file__).resolve().parents[1] / "captions" / "fixtures" / "sentences_1.wav"
BG = (30, 60, 90)
PURPLE = np.array([0x7C, 0x3A, 0xED])  # box-highlight's active box


@pytest.fixture(scope="module")
def talking_clip(tmp_path_factory):
    """A 540x960 plain-coloured video carrying the spoken fixture sentence as its sound."""
    audio = read_all(SPEECH, sample_rate=48000, channels=2)
    seconds = audio.shape[1] / 48000
    n = int(seconds * 30)
    frame = np.empty((960, 540, 3), np.uint8)
    frame[:] = BG
    path = tmp_path_factory.mktemp("talk") / "talk.mp4"
    return write_video(path, lambda i: frame, fps=30, n_frames=n, audio=audio[:, : n * 1600])


def purple_pixels(img):
    return int((np.abs(img.astype(int) - PURPLE).sum(axis=2) < 60).sum())


@pytest.mark.slow
def test_burned_captions_show_the_spoken_word_at_its_time(tmp_path, talking_clip):
    out, words_file = tmp_path / "burned.mp4", tmp_path / "words.json"
    r = run("caption", talking_clip, "--burn", out, "--style", "box-highlight", "-o", words_file)
    assert r.returncode == 0, r.stderr
    cues = json.loads(words_file.read_text())["cues"]
    words = [(w["text"], Fraction(w["start"]), Fraction(w["end"])) for c in cues for w in c["words"]]
    assert len(words) >= 10
    reader = VideoReader(out)
    first_start = words[0][1]
    if first_start > Fraction(1, 5):  # before the first word: no caption at all
        before = reader.frame_at(first_start / 2)
        assert (np.abs(before.astype(int) - BG).sum(axis=2) > 60).sum() == 0
    seen, centres = 0, []
    for text, start, end in words:
        if end - start < Fraction(1, 10):
            continue
        img = reader.frame_at((start + end) / 2)
        hits = purple_pixels(img)
        if hits > 300:
            seen += 1
            ys, xs = np.nonzero(np.abs(img.astype(int) - PURPLE).sum(axis=2) < 60)
            centres.append((ys.mean(), xs.mean()))
        assert (np.abs(img.astype(int) - BG).sum(axis=2) > 60).sum() > 1000, f"no caption while {text!r} is spoken"
    assert seen >= 0.8 * sum(1 for _, s, e in words if e - s >= Fraction(1, 10))
    assert len(set((round(y), round(x)) for y, x in centres)) > 3  # the box moves from word to word
    reader.close()


@pytest.mark.slow
def test_add_captions_to_a_project_from_its_own_audio(tmp_path, talking_clip):
    project = tmp_path / "p.capkit"
    assert run("new", project, talking_clip, "--size", "540x960").returncode == 0
    r = run("add-captions", project, "--style", "karaoke", "--layout", "word")
    assert r.returncode == 0, r.stderr
    p = load(project)
    (track,) = p.tracks_of("caption")
    text = " ".join(i.text for i in track.items).lower()
    assert "weather" in text and "park" in text
    assert all(len(i.words) <= 3 for i in track.items)
    assert all(a.end <= b.start for a, b in zip(track.items, track.items[1:]))
    assert track.items[0].style.name == "karaoke"
    assert track.items[0].style.text.size == pytest.approx(76 / 2)  # the preset fitted to 540 wide


def test_caption_commands_refuse_bad_input_before_work(tmp_path, talking_clip):
    assert "no caption style named 'fancy'" in one_clear_line(
        run("caption", talking_clip, "--burn", tmp_path / "o.mp4", "--style", "fancy"))
    assert "has no picture" in one_clear_line(run("caption", SPEECH, "--burn", tmp_path / "o.mp4"))
    assert "writes a video" in one_clear_line(run("caption", talking_clip, "--burn", tmp_path / "o.srt"))
    assert "no such project" in one_clear_line(run("add-captions", tmp_path / "missing.capkit")).lower() or \
        "missing.capkit" in one_clear_line(run("add-captions", tmp_path / "missing.capkit"))
    assert not list(tmp_path.iterdir())

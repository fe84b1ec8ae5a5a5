"""Beats on the timeline: markers where a clip's beats play (after trim and speed) as one
undoable edit, and clips cut to the beat with every cut on the frame nearest its beat."""

from __future__ import annotations

import copy
import math
from fractions import Fraction

import numpy as np
import pytest

from capkit import api
from capkit.beats import AddMarkers, beat_markers, cut_to_beat, detect_beats
from capkit.errors import CapkitError, EditError
from capkit.io.project_file import dumps, load, save
from capkit.media.video import VideoReader
from capkit.model import History
from capkit.model.edits import SetSpeed, TrimStart
from capkit.model.project import Marker
from capkit.model.time import snap_to_frame
from capkit.synth.audio import clicks, music_bed, write_audio
from capkit.synth.video import write_video

BPM = 120
PERIOD = Fraction(1, 2)
SONG_SECONDS = 8
CLICKS = [PERIOD * k for k in range(1, 16)]  # 0.5 ... 7.5 s
COLOURS = [(220, 40, 40), (40, 200, 60), (40, 80, 220)]


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    samples = clicks([float(t) for t in CLICKS], SONG_SECONDS) + 0.5 * music_bed(SONG_SECONDS, bpm=BPM, seed=2)
    return write_audio(tmp_path_factory.mktemp("song") / "song.wav", samples)


@pytest.fixture(scope="module")
def analysis(song):
    return detect_beats(song)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Three 2 s plain-coloured 64x112 clips at 30 fps, without sound."""
    folder = tmp_path_factory.mktemp("clips")
    paths = []
    for i, colour in enumerate(COLOURS):
        frame = np.empty((112, 64, 3), np.uint8)
        frame[:] = colour
        paths.append(write_video(folder / f"clip{i}.mp4", lambda n, f=frame: f, n_frames=60, fps=30))
    return paths


def test_the_song_has_its_clicks_as_beats(analysis):
    assert analysis.beats == CLICKS
    assert analysis.tempo_bpm == pytest.approx(BPM, abs=0.5)


# --- markers ----------------------------------------------------------------------------------


def test_markers_sit_where_the_beats_play_after_trim_and_speed(song, analysis):
    project = api.new_project(64, 112)
    clip = api.add_audio(project, song, start=2)
    TrimStart(clip.id, Fraction(13, 4)).apply(project)  # source from 1.25 s, on the timeline from 3.25 s
    SetSpeed(clip.id, Fraction(2)).apply(project)  # twice as fast: beats every 0.25 s
    clip = project.find(clip.id)[1]
    edit = beat_markers(project, clip.id)
    edit.apply(project)
    expected = [Fraction(13, 4) + (b - Fraction(5, 4)) / 2 for b in CLICKS if b >= Fraction(5, 4)]
    assert [m.time for m in project.markers] == expected
    assert [m.name for m in project.markers[:2]] == ["Beat 1", "Beat 2"]
    # The same beats from a given analysis, every other one.
    every2 = beat_markers(project, clip.id, analysis, every=2)
    heard = [b for b in CLICKS if b >= Fraction(5, 4)]  # 1.5, 2.0, ...: every other from the first heard
    assert [m.time for m in every2.markers] == [Fraction(13, 4) + (b - Fraction(5, 4)) / 2 for b in heard[::2]]


def test_marker_edit_undoes_and_redoes_exactly(song, analysis):
    project = api.new_project(64, 112)
    clip = api.add_audio(project, song)
    project.markers.append(Marker(time=Fraction(1, 3), name="mine"))
    before = dumps(project)
    history = History(project)
    edit = history.do(beat_markers(project, clip.id, analysis))
    assert len(project.markers) == len(CLICKS) + 1
    after = dumps(project)
    history.undo()
    assert dumps(project) == before
    history.redo()
    assert dumps(project) == after
    # Marking again adds nothing; undoing that leaves the first marks.
    history.do(beat_markers(project, clip.id, analysis))
    assert dumps(project) == after
    history.undo()
    assert dumps(project) == after
    assert isinstance(edit, AddMarkers) and edit.label == "Beat markers"


def test_markers_survive_save_and_load(tmp_path, song, analysis):
    project = api.new_project(64, 112)
    clip = api.add_audio(project, song)
    beat_markers(project, clip.id, analysis).apply(project)
    path = save(project, tmp_path / "marked.capkit")
    assert [m.time for m in load(path).markers] == CLICKS


def test_marker_errors_change_nothing(song):
    project = api.new_project(64, 112)
    text = api.add_text(project, "hi")
    with pytest.raises(CapkitError, match="beats come from a sound or video clip"):
        beat_markers(project, text.id)
    with pytest.raises(CapkitError, match="no item with id"):
        beat_markers(project, "nope")
    before = copy.deepcopy(project.markers)
    with pytest.raises(EditError, match="colour"):
        AddMarkers([Marker(time=Fraction(1)), Marker(time=Fraction(2), color="red")]).apply(project)
    assert project.markers == before


# --- cut to beat --------------------------------------------------------------------------------


@pytest.mark.parametrize("fps", [Fraction(30), Fraction(30000, 1001), Fraction(24)])
def test_every_cut_is_on_the_frame_nearest_its_beat(song, analysis, clips, fps):
    project = api.new_project(64, 112, fps=fps)
    cut = cut_to_beat(project, clips, analysis, music=song, every=2, start_beat=1)
    beats = CLICKS[1::2][: len(clips) + 1]  # 1.0, 2.0, 3.0, 4.0 s
    origin = beats[0]
    assert cut.cuts == [snap_to_frame(b - origin, fps) for b in beats]
    for c, b in zip(cut.cuts, beats):
        assert (c * fps).denominator == 1  # on a frame boundary
        assert abs(c - (b - origin)) <= 1 / (2 * fps)  # at most half a frame from the beat
    main = project.tracks_of("video")[0]
    assert [i.id for i in main.items] == [i.id for i in cut.clips]
    for item, a, b in zip(cut.clips, cut.cuts, cut.cuts[1:]):
        assert (item.start, item.end, item.source_in) == (a, b, 0)
        assert item.muted
    music = cut.music
    assert (music.start, music.source_in, music.end) == (0, origin, cut.cuts[-1])
    # The music's beats play where the cuts are: source time at each cut is the beat +- half a frame.
    for c, b in zip(cut.cuts, beats):
        assert abs(music.source_time(c) - b) <= 1 / (2 * fps)


def test_rounding_ties_go_to_the_later_frame(song, clips):
    project = api.new_project(64, 112, fps=10)
    cut = cut_to_beat(project, clips[:1], [Fraction(1), Fraction(126, 100)])
    assert cut.cuts == [0, Fraction(3, 10)]  # 0.26 s -> frame 2.6 -> 3; a tie such as 0.25 s would go to 3 too
    assert snap_to_frame(Fraction(1, 4), Fraction(10)) == Fraction(3, 10)


def test_cut_appends_after_what_is_on_the_main_track(song, analysis, clips):
    project = api.new_project(64, 112)
    api.add_color(project, "#FFFFFF", duration=Fraction(7, 10))
    cut = cut_to_beat(project, clips[:2], analysis, music=song)
    assert cut.cuts[0] == Fraction(7, 10) and cut.music.start == Fraction(7, 10)
    assert cut.cuts == [Fraction(7, 10) + snap_to_frame(b - CLICKS[0], Fraction(30)) for b in CLICKS[:3]]


def test_cut_errors_leave_the_project_as_it_was(song, analysis, clips, tmp_path):
    project = api.new_project(64, 112)
    before = dumps(project)
    with pytest.raises(CapkitError, match=r"3 clip\(s\) need 4 beats to cut on, but the music has 2"):
        cut_to_beat(project, clips, analysis, music=song, every=8)
    with pytest.raises(CapkitError, match=r"clip0.mp4 is 2.00s long but its place from 0.00s to 2.50s needs 2.50s"):
        cut_to_beat(project, clips[:2], analysis, music=song, every=5)
    with pytest.raises(CapkitError, match="is a sound file; give it as the music"):
        cut_to_beat(project, [song], analysis)
    with pytest.raises(CapkitError, match="every must be 1 or more"):
        cut_to_beat(project, clips, analysis, every=0)
    silent = clips[0]
    with pytest.raises(CapkitError, match="has no sound to use as music"):
        cut_to_beat(project, clips, analysis, music=silent)
    assert dumps(project) == before


def test_a_beat_cut_renders_with_each_clip_between_its_beats(tmp_path, song, analysis, clips):
    project = api.new_project(64, 112, fps=30)
    cut = cut_to_beat(project, clips, analysis, music=song, every=2)
    out = tmp_path / "cut.mp4"
    result = api.export(project, out)
    assert result.frames == math.ceil(cut.cuts[-1] * 30) == 90
    reader = VideoReader(out)
    try:
        for colour, a, b in zip(COLOURS, cut.cuts, cut.cuts[1:]):
            for t in (a, b - Fraction(1, 30)):  # first and last frame of each clip
                pixel = reader.frame_at(t)[56, 32].astype(int)
                assert np.abs(pixel - colour).max() < 40, (t, pixel, colour)
    finally:
        reader.close()
    # The song's sound is in the file and its clicks fall on the cuts.
    found = detect_beats(out)
    for c in cut.cuts[:-1]:
        assert min(abs(b - c) for b in found.beats) <= Fraction(1, 60)


def test_images_fill_their_place_between_beats(tmp_path, song, analysis, clips):
    from PIL import Image

    still = tmp_path / "still.png"
    Image.new("RGB", (64, 112), (250, 250, 0)).save(still)
    project = api.new_project(64, 112)
    cut = cut_to_beat(project, [still, clips[0]], analysis, music=song, every=3)
    assert [(i.start, i.duration) for i in cut.clips] == [(0, Fraction(3, 2)), (Fraction(3, 2), Fraction(3, 2))]
    assert type(cut.clips[0]).__name__ == "ImageClip"

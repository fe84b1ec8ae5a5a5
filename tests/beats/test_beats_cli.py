"""``capkit beats`` and ``capkit beat-cut`` through a typer app holding just these commands."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from capkit.cli import beats as beats_cli
from capkit.io.project_file import load
from capkit.media.probe import probe
from capkit.model.time import snap_to_frame
from capkit.synth.audio import clicks, write_audio
from capkit.synth.video import write_video

app = typer.Typer(pretty_exceptions_enable=False)
app.command("beats")(beats_cli.beats)
app.command("beat-cut")(beats_cli.beat_cut)
runner = CliRunner()

CLICKS = [Fraction(k, 2) for k in range(1, 12)]  # 120 BPM, 0.5 ... 5.5 s


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.stderr
    return errors[0]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    song = write_audio(folder / "song.wav", clicks([float(t) for t in CLICKS], 6))
    paths = []
    for i, colour in enumerate([(200, 30, 30), (30, 200, 30)]):
        frame = np.full((64, 36, 3), colour, np.uint8)
        paths.append(write_video(folder / f"clip{i}.mp4", lambda n, f=frame: f, n_frames=45, fps=30))
    return song, paths


def test_beats_prints_tempo_and_times(media):
    song, _ = media
    r = invoke("beats", song)
    assert r.exit_code == 0, r.output
    assert "120.0 BPM" in r.stdout and "11 beats" in r.stdout
    assert "0.500 1.000 1.500" in r.stdout


def test_beats_json_every_other_beat(media):
    song, _ = media
    r = invoke("beats", song, "--json", "--every", "2")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["tempo_bpm"] == pytest.approx(120, abs=0.5) and doc["every"] == 2
    assert doc["beats"] == [float(t) for t in CLICKS[::2]]
    assert doc["onsets"] == [float(t) for t in CLICKS]


def test_beats_markers_are_saved_in_the_project(tmp_path, media):
    from capkit import api

    song, _ = media
    project = api.new_project(64, 112)
    api.add_audio(project, song, start=1)
    path = api.save(project, tmp_path / "p.capkit")
    r = invoke("beats", song, "--markers", path)
    assert r.exit_code == 0, r.output
    assert "11 beat markers" in r.stdout
    assert [m.time for m in load(path).markers] == [1 + t for t in CLICKS]
    assert invoke("beats", song, "--markers", path).exit_code == 0  # again: nothing doubled
    assert len(load(path).markers) == len(CLICKS)


def test_beat_cut_builds_and_renders(tmp_path, media):
    song, clips = media
    out, video = tmp_path / "cut.capkit", tmp_path / "cut.mp4"
    r = invoke("beat-cut", song, *clips, "-o", out, "--every", "2", "--first-beat", "2", "--size", "36x64",
               "--fps", "24", "--render", video)
    assert r.exit_code == 0, r.output
    assert "2 clips cut every 2 beat(s)" in r.stdout and "wrote" in r.stdout
    project = load(out)
    items = project.tracks_of("video")[0].items
    beats = [CLICKS[1], CLICKS[3], CLICKS[5]]  # 1.0, 2.0, 3.0 s
    cuts = [snap_to_frame(b - beats[0], Fraction(24)) for b in beats]
    assert [(i.start, i.end) for i in items] == [(cuts[0], cuts[1]), (cuts[1], cuts[2])]
    music = project.tracks_of("audio")[0].items[0]
    assert music.source_in == beats[0] and music.end == items[-1].end
    info = probe(video)
    assert info.video.frame_count == 48 and (info.video.display_width, info.video.display_height) == (36, 64)


def test_beat_cut_and_beats_errors_are_one_line(tmp_path, media):
    song, clips = media
    out = tmp_path / "x.capkit"
    assert "need 3 beats to cut on, but the music has 2" in one_error_line(
        invoke("beat-cut", song, *clips, "-o", out, "--every", "6"))
    assert not out.exists()
    assert "has no sound to find beats in" in one_error_line(invoke("beat-cut", clips[0], *clips, "-o", out))
    assert "has no sound to find beats in" in one_error_line(invoke("beats", clips[0]))
    def cut_error(*args):
        return one_error_line(invoke("beat-cut", song, *clips, *args))

    assert "a project file must end in .capkit" in cut_error("-o", tmp_path / "x.json")
    assert "--fps 'fast' is not a frame rate" in cut_error("-o", out, "--fps", "fast")
    assert "export writes .mp4" in cut_error("-o", out, "--render", tmp_path / "v.gif")
    missing = tmp_path / "nope.wav"
    assert "nope.wav" in one_error_line(invoke("beats", missing))
    silence = write_audio(tmp_path / "silence.wav", np.zeros((2, 48000), np.float32))
    assert "no beat found in silence.wav" in one_error_line(invoke("beat-cut", silence, *clips, "-o", out))
    r = invoke("beats", silence)
    assert r.exit_code == 0 and "no beat found" in r.stdout
    from capkit import api

    project = api.new_project(64, 112)
    path = api.save(project, tmp_path / "empty.capkit")
    assert "song.wav is not used in empty.capkit" in one_error_line(invoke("beats", song, "--markers", path))
    out.write_text("{}")
    assert "already exists; pass --force" in cut_error("-o", out)

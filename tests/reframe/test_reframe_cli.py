"""``capkit reframe`` through typer, as the lead registers it: ``app.command("reframe")(reframe)``."""

from __future__ import annotations

import cv2
import pytest
import reframe_support as rs
import typer
from typer.testing import CliRunner

import capkit
from capkit.cli.reframe import reframe
from capkit.media.probe import probe


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()
    app.command("reframe")(reframe)
    app.command("other")(lambda: None)  # two commands, so "reframe" is a subcommand as in capkit
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["reframe", *map(str, args)])


@pytest.fixture(scope="module")
def short_face_video(tmp_path_factory):
    return rs.write_face_video(tmp_path_factory.mktemp("reframe-cli") / "talk.mp4", seconds=2)


def test_reframe_renders_a_vertical_video_and_saves_the_project(cli, short_face_video, tmp_path):
    out, project_file = tmp_path / "talk-9x16.mp4", tmp_path / "talk.capkit"
    result = cli(short_face_video, "-o", out, "--project", project_file, "--width", 270)
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.video.display_width, info.video.display_height) == (270, 480)
    assert abs(float(info.duration) - 2) < 0.1
    project = capkit.load(project_file)
    assert (project.settings.width, project.settings.height) == (1080, 1920)
    (clip,) = list(project.items())
    assert clip.transform.fit == "fill" and clip.keyframes["x"]
    assert "keyframes" in result.output and "face" in result.output


def test_square_and_four_by_five(cli, short_face_video, tmp_path):
    for aspect, size in (("1:1", (216, 216)), ("4:5", (216, 270))):
        out = tmp_path / f"sq-{aspect.replace(':', 'x')}.mp4"
        result = cli(short_face_video, "-o", out, "--aspect", aspect, "--width", 216)
        assert result.exit_code == 0, result.output
        info = probe(out)
        assert (info.video.display_width, info.video.display_height) == size


@pytest.mark.parametrize("aspect", ["16:9", "tall", "9:16:1"])
def test_an_unknown_aspect_is_one_clear_line(cli, short_face_video, tmp_path, aspect):
    result = cli(short_face_video, "-o", tmp_path / "x.mp4", "--aspect", aspect)
    assert result.exit_code == 2
    assert "error:" in result.output and "9:16, 1:1, 4:5" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.mp4").exists()


def test_input_without_pictures_is_one_clear_line(cli, tmp_path):
    image = tmp_path / "photo.png"
    cv2.imwrite(str(image), rs.background(64, 36))
    result = cli(image, "-o", tmp_path / "x.mp4")
    assert result.exit_code == 2
    assert "no video stream" in result.output and "Traceback" not in result.output


def test_a_missing_input_and_a_bad_output_name(cli, short_face_video, tmp_path):
    result = cli(tmp_path / "missing.mp4", "-o", tmp_path / "x.mp4")
    assert result.exit_code == 2 and "error:" in result.output
    result = cli(short_face_video, "-o", tmp_path / "x.gif")
    assert result.exit_code == 2 and ".mp4" in result.output
    result = cli(short_face_video, "-o", tmp_path / "x.mp4", "--project", tmp_path / "p.json")
    assert result.exit_code == 2 and ".capkit" in result.output

"""Hardware encoders: found by a trial encode, used by "auto" when they work, refused clearly when
named but unusable; libx264 otherwise."""

import av
import pytest

import capkit
from capkit.errors import RenderError
from capkit.render import hwenc


@pytest.mark.parametrize("codec", [hwenc.SOFTWARE, *hwenc.HARDWARE[:-1]])
def test_every_encoder_gets_the_same_limits(codec):
    opts = hwenc.options(codec, crf=20, preset="veryfast", profile="high", gop=15, max_bitrate=8_000_000)
    assert opts["g"] == "15" and opts["bf"] == "2" and opts["profile"] == "high"
    assert opts["maxrate"] == "8000000"


def test_unknown_encoders_are_refused():
    with pytest.raises(RenderError, match="unknown video encoder 'h264_magic'"):
        hwenc.options("h264_magic", crf=20, preset="fast", profile="high", gop=15, max_bitrate=None)
    with pytest.raises(RenderError, match="unknown video encoder 'h264_magic'"):
        hwenc.resolve("h264_magic")


def test_detection_reports_every_hardware_encoder_with_a_reason():
    found = {s.name: s for s in hwenc.detect()}
    assert set(hwenc.HARDWARE) | {hwenc.SOFTWARE} == set(found)
    assert found[hwenc.SOFTWARE].usable
    for name in hwenc.HARDWARE:
        s = found[name]
        assert s.compiled == (name in av.codecs_available)
        assert s.usable or s.reason  # a reason whenever it cannot be used
    assert found["h264_vaapi"].usable is False  # frames are not uploaded to VAAPI surfaces yet


def test_auto_uses_a_working_encoder_and_falls_back_to_x264(tmp_path, monkeypatch):
    monkeypatch.delenv(hwenc.ENV, raising=False)
    chosen = hwenc.resolve("auto")
    assert hwenc.status(chosen).usable
    if not any(hwenc.status(n).usable for n in hwenc.HARDWARE):
        assert chosen == hwenc.SOFTWARE
    project = capkit.new_project(320, 240)
    capkit.add_color(project, "#336699", duration=1)
    capkit.export(project, tmp_path / "auto.mp4", video_codec="auto", max_bitrate=2_000_000)
    with av.open(str(tmp_path / "auto.mp4")) as c:
        assert c.streams.video[0].codec_context.name == "h264" and c.streams.video[0].frames == 30


@pytest.mark.parametrize("name", [n for n in hwenc.HARDWARE if n != "h264_vaapi"])
def test_a_named_hardware_encoder_is_used_or_refused_before_rendering(tmp_path, monkeypatch, name):
    monkeypatch.setenv(hwenc.ENV, name)
    project = capkit.new_project(320, 240)
    capkit.add_color(project, "#336699", duration=1)
    out = tmp_path / "hw.mp4"
    if hwenc.status(name).usable:  # a machine with the device: the file is made with it
        capkit.export(project, out, video_codec="auto")
        with av.open(str(out)) as c:
            assert c.streams.video[0].codec_context.name == "h264" and c.streams.video[0].frames == 30
    else:
        with pytest.raises(RenderError, match=f"the video encoder {name} cannot be used here"):
            capkit.export(project, out, video_codec="auto")
        assert not out.exists() and not list(tmp_path.iterdir())

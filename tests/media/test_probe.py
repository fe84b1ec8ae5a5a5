"""probe(): what capkit learns about a file before using it, and how bad files are refused."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from capkit.errors import MediaError
from capkit.media import AudioReader, VideoReader, load_image, probe


def test_video_with_audio(media):
    info = probe(media.get("stereo.mp4"))
    assert info.kind == "video"
    assert info.duration == Fraction(3)
    assert info.start_time == 0
    video = info.video
    assert (video.width, video.height) == (media.WIDTH, media.HEIGHT)
    assert (video.display_width, video.display_height) == (media.WIDTH, media.HEIGHT)
    assert video.rotation == 0
    assert video.fps == 30
    assert video.frame_count == 90
    assert not video.vfr
    assert (video.codec, video.pix_fmt) == ("h264", "yuv420p")
    assert info.audio.sample_rate == 48000
    assert (info.audio.channels, info.audio.layout, info.audio.codec) == (2, "stereo", "aac")
    assert "mp4" in info.format_name


def test_video_without_audio(media):
    info = probe(media.get("index.mp4"))
    assert info.kind == "video"
    assert info.audio is None


@pytest.mark.parametrize(
    ("name", "channels", "layout"), [("mono.mp4", 1, "mono"), ("surround.mp4", 6, "5.1")]
)
def test_audio_channel_layouts(media, name, channels, layout):
    audio = probe(media.get(name)).audio
    assert (audio.channels, audio.layout) == (channels, layout)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata(media, rotation):
    video = probe(media.get(f"rot{rotation}.mp4")).video
    coded = (5 * 16, 4 * 16)
    assert (video.width, video.height) == coded
    assert video.rotation == rotation
    display = coded[::-1] if rotation in (90, 270) else coded
    assert (video.display_width, video.display_height) == display


@pytest.mark.parametrize("name", ["vfr.mp4", "vfr.mkv"])
def test_variable_frame_rate_is_flagged(media, name):
    info = probe(media.get(name))
    assert info.video.vfr
    assert info.video.fps > 0


@pytest.mark.parametrize("name", ["index.mkv", "index.ts"])
def test_constant_rate_in_coarse_or_offset_timestamps_is_not_vfr(media, name):
    # Matroska rounds to 1 ms (33/34 ms steps) and MPEG-TS starts late; neither is VFR.
    info = probe(media.get(name))
    assert not info.video.vfr
    assert info.video.fps == 30
    assert info.duration == pytest.approx(3, abs=0.05)


def test_late_start_sets_time_zero_to_the_first_frame(media):
    info = probe(media.get("late.mp4"))
    assert info.start_time == media.LATE_START
    assert info.duration == Fraction(3)


@pytest.mark.parametrize(
    ("name", "codec"), [("photo.png", "png"), ("photo.jpg", "jpeg"), ("picture.webp", "webp")]
)
def test_still_images(media, name, codec):
    info = probe(media.get(name))
    assert info.kind == "image"
    assert info.duration is None
    assert info.audio is None
    assert info.video.codec == codec
    assert info.video.frame_count == 1
    assert info.video.rotation == 0


@pytest.mark.parametrize(
    ("name", "rotation", "display"),
    [("photo_rot90.jpg", 90, (40, 60)), ("photo_rot180.jpg", 180, (60, 40)),
     ("photo_rot270.jpg", 270, (40, 60))],
)
def test_exif_orientation(media, name, rotation, display):
    video = probe(media.get(name)).video
    assert (video.width, video.height) == (60, 40)
    assert video.rotation == rotation
    assert (video.display_width, video.display_height) == display


@pytest.mark.parametrize(
    ("name", "rate", "channels", "codec"),
    [
        ("tone44k_mono.wav", 44100, 1, "pcm_s16le"),
        ("tone44k.m4a", 44100, 2, "aac"),
        ("tone.mp3", 44100, 2, "mp3"),
        ("tone.ogg", 48000, 2, "opus"),
    ],
)
def test_audio_only_files(media, name, rate, channels, codec):
    info = probe(media.get(name))
    assert info.kind == "audio"
    assert info.video is None
    assert (info.audio.sample_rate, info.audio.channels) == (rate, channels)
    assert info.audio.codec.startswith(codec)
    assert info.duration == pytest.approx(2 if name == "tone.ogg" else 3, abs=0.06)


def test_to_json_is_json_with_exact_and_float_times(media):
    data = probe(media.get("stereo.mp4")).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["duration"] == "3/1"
    assert data["duration_seconds"] == 3.0
    assert data["video"]["fps"] == "30/1"
    assert data["video"]["fps_float"] == 30.0
    assert data["audio"]["layout"] == "stereo"
    still = probe(media.get("photo.png")).to_json()
    assert still["duration"] is None and still["kind"] == "image"


BAD_FILES = ["notes.mp4", "truncated.mp4", "empty.mp4"]


@pytest.mark.parametrize("name", BAD_FILES)
def test_unreadable_files_raise_one_clear_media_error(media, name):
    path = media.get(name)
    with pytest.raises(MediaError) as caught:
        probe(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    assert caught.value.__cause__ is not None  # FFmpeg's reason stays on the chain for logs


@pytest.mark.parametrize("name", BAD_FILES)
@pytest.mark.parametrize("reader", [VideoReader, AudioReader])
def test_readers_refuse_unreadable_files_the_same_way(media, name, reader):
    path = media.get(name)
    with pytest.raises(MediaError, match="Cannot"):
        reader(path)


def test_missing_file(tmp_path):
    path = tmp_path / "holiday" / "beach.mp4"
    for opener in (probe, VideoReader, AudioReader, load_image):
        with pytest.raises(MediaError) as caught:
            opener(path)
        assert str(path) in str(caught.value)
        assert "not found" in str(caught.value)


def test_folder_is_not_a_media_file(tmp_path):
    with pytest.raises(MediaError, match="folder"):
        probe(tmp_path)


def test_readers_refuse_the_wrong_kind(media):
    with pytest.raises(MediaError, match="no video stream"):
        VideoReader(media.get("tone48k.m4a"))
    with pytest.raises(MediaError, match="no video stream"):
        VideoReader(media.get("photo.png"))
    with pytest.raises(MediaError, match="no audio stream"):
        AudioReader(media.get("index.mp4"))

"""VideoReader: the right frame for any time, in any order, upright and at any preview size."""

from __future__ import annotations

import random
import shutil
import subprocess
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capkit.media import VideoReader
from capkit.synth import (
    bitmap_frames,
    frame_index_pattern,
    read_frame_index,
    scene_pattern,
    write_video,
)

CONTAINERS = ["index.mp4", "index.mkv", "index.ts"]


def index_at(reader: VideoReader, t: Fraction) -> int:
    return read_frame_index(reader.frame_at(t))


@pytest.mark.parametrize("name", CONTAINERS)
def test_sequential_playback_returns_every_frame_without_seeking(media, name, monkeypatch):
    seeks = []
    original = VideoReader._seek
    monkeypatch.setattr(
        VideoReader, "_seek", lambda self, target: (seeks.append(target), original(self, target))
    )
    with VideoReader(media.get(name)) as reader:
        got = [index_at(reader, Fraction(n) / media.FPS) for n in range(media.N_FRAMES)]
    assert got == list(range(media.N_FRAMES))
    assert seeks == []


@pytest.mark.parametrize("name", CONTAINERS + ["index_long_gop.mp4"])
def test_shuffled_access_is_frame_accurate(media, name):
    order = list(range(media.N_FRAMES))
    random.Random(7).shuffle(order)
    with VideoReader(media.get(name)) as reader:
        got = [index_at(reader, Fraction(n) / media.FPS) for n in order]
    assert got == order


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=0, max_value=89), min_size=1, max_size=12))
def test_any_request_order_is_frame_accurate(media, frames):
    with VideoReader(media.get("index.mp4")) as reader:
        assert [index_at(reader, Fraction(n, 30)) for n in frames] == frames


def test_time_between_frames_gives_the_earlier_frame(media):
    with VideoReader(media.get("index.mp4")) as reader:
        for n in (0, 11, 12, 13, 50, 88):
            start = Fraction(n, 30)
            assert index_at(reader, start + Fraction(1, 60)) == n
            assert index_at(reader, start + Fraction(1, 30) - Fraction(1, 1000)) == n
        # Backwards inside one frame's span too.
        assert index_at(reader, Fraction(40, 30) + Fraction(1, 45)) == 40
        assert index_at(reader, Fraction(40, 30)) == 40


def test_times_are_rounded_to_the_container_tick(media):
    # Matroska stores 2/30 s as 67 ms; asking for exactly 2/30 s must still give frame 2, so t
    # is rounded to the nearest tick (half a millisecond here) before it is compared.
    with VideoReader(media.get("index.mkv")) as reader:
        assert index_at(reader, Fraction(2, 30)) == 2
        assert index_at(reader, Fraction(2, 30) - Fraction(1, 1000)) == 1


def test_times_outside_the_clip_clamp_to_first_and_last_frame(media):
    with VideoReader(media.get("index.mp4")) as reader:
        assert index_at(reader, Fraction(-1)) == 0
        assert index_at(reader, Fraction(100)) == media.N_FRAMES - 1
        assert index_at(reader, Fraction(3)) == media.N_FRAMES - 1
        assert index_at(reader, Fraction(0)) == 0


def test_project_rate_differs_from_source_rate(media):
    # A 30 fps clip on a 24 fps timeline shows floor(k * 30 / 24) at timeline frame k.
    with VideoReader(media.get("index.mp4")) as reader:
        got = [index_at(reader, Fraction(k, 24)) for k in range(72)]
    assert got == [k * 30 // 24 for k in range(72)]


def test_repeated_requests_reuse_the_decoded_frame(media):
    with VideoReader(media.get("index.mp4")) as reader:
        first = reader.frame_at(Fraction(10, 30))
        # Slow motion: four requests inside frame 10's span.
        for k in range(4):
            assert reader.frame_at(Fraction(10, 30) + Fraction(k, 150)) is first


def test_frames_are_rgb_uint8_contiguous_and_read_only(media):
    with VideoReader(media.get("index.mp4")) as reader:
        frame = reader.frame_at(Fraction(0))
    assert frame.shape == (media.HEIGHT, media.WIDTH, 3)
    assert frame.dtype == np.uint8
    assert frame.flags.c_contiguous
    with pytest.raises(ValueError):
        frame[0, 0, 0] = 1


def test_lossless_bitmap_frames_come_back_exactly(media):
    expected = bitmap_frames(media.CORNER_FRAMES)
    with VideoReader(media.get("bitmap.mp4")) as reader:
        for n, want in enumerate(expected):
            np.testing.assert_array_equal(reader.frame_at(Fraction(n, 30)), want)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata_is_applied(media, rotation):
    stored = bitmap_frames(media.CORNER_FRAMES)
    with VideoReader(media.get(f"rot{rotation}.mp4")) as reader:
        for n, pixels in enumerate(stored):
            upright = np.rot90(pixels, k=-rotation // 90)  # rot90 turns counter-clockwise
            np.testing.assert_array_equal(reader.frame_at(Fraction(n, 30)), upright)


def test_rotation_90_puts_the_top_left_corner_top_right(media):
    # Phone convention: "rotate 90" = turn clockwise, so the stored top-left (red) ends top-right.
    with VideoReader(media.get("rot90.mp4")) as reader:
        frame = reader.frame_at(Fraction(0))
    assert frame.shape == (80, 64, 3)
    assert tuple(frame[2, -3]) == (255, 0, 0)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command line tool")
@pytest.mark.parametrize("rotation", [90, 270])
def test_rotation_matches_ffmpeg_command_line(media, rotation, tmp_path):
    path = media.get(f"rot{rotation}.mp4")
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout
    with VideoReader(path) as reader:
        ours = reader.frame_at(Fraction(0))
    theirs = np.frombuffer(out, dtype=np.uint8).reshape(ours.shape)
    np.testing.assert_allclose(ours, theirs, atol=2)


@pytest.mark.parametrize("name", ["vfr.mp4", "vfr.mkv"])
def test_variable_frame_rate_maps_by_timestamp(media, name):
    pts = media.VFR_PTS
    with VideoReader(media.get(name)) as reader:
        for n, t in enumerate(pts):
            assert index_at(reader, t) == n
        # Half-way to the next frame still shows this one; in reverse order too.
        for n in reversed(range(len(pts) - 1)):
            assert index_at(reader, (pts[n] + pts[n + 1]) / 2) == n
        # A 30 fps project over the 10 fps stretch (frame 9 at 9/30 s, then one frame every
        # 3/30 s from 13/30 s) holds each frame for three project frames.
        slow = [index_at(reader, Fraction(k, 30)) for k in range(10, 25)]
    assert slow == [9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 13, 13, 13]


@pytest.mark.parametrize("name", ["late.mp4", "index.ts"])
def test_time_zero_is_the_first_frame_when_timestamps_start_late(media, name):
    with VideoReader(media.get(name)) as reader:
        assert reader.info.start_time > 0
        assert index_at(reader, Fraction(0)) == 0
        assert index_at(reader, Fraction(45, 30)) == 45
        assert index_at(reader, Fraction(1, 30)) == 1


def test_size_scales_during_conversion(media):
    with VideoReader(media.get("index.mp4"), size=(32, 24)) as reader:
        assert reader.size == (32, 24)
        frames = [reader.frame_at(Fraction(n, 30)) for n in (5, 77, 3)]
    assert all(f.shape == (24, 32, 3) for f in frames)
    assert [read_frame_index(f) for f in frames] == [5, 77, 3]


def test_size_is_the_display_size_of_rotated_video(media):
    with VideoReader(media.get("rot90.mp4"), size=(32, 40)) as reader:
        frame = reader.frame_at(Fraction(0))
    assert frame.shape == (40, 32, 3)
    assert tuple(frame[1, -2]) == pytest.approx((255, 0, 0), abs=40)


def test_bad_size_is_a_programming_error(media):
    with pytest.raises(ValueError):
        VideoReader(media.get("index.mp4"), size=(0, 10))


def test_closed_reader_refuses_requests(media):
    reader = VideoReader(media.get("index.mp4"))
    reader.close()
    reader.close()
    with pytest.raises(ValueError, match="closed"):
        reader.frame_at(Fraction(0))


def test_write_video_is_deterministic(tmp_path):
    def frame(i: int) -> np.ndarray:
        return scene_pattern(96, 64, i, 30)

    first = write_video(tmp_path / "a.mp4", frame, n_frames=12)
    second = write_video(tmp_path / "b.mp4", frame, n_frames=12)
    assert first.read_bytes() == second.read_bytes()


def test_frame_index_pattern_survives_lossy_encoding_at_odd_sizes(tmp_path):
    numbers = [0, 1, 255, 256, 4095, 65535]
    path = write_video(
        tmp_path / "numbers.mp4",
        [frame_index_pattern(40, 30, n) for n in numbers],
        crf=35,
    )
    with VideoReader(path, size=(18, 14)) as reader:
        got = [read_frame_index(reader.frame_at(Fraction(k, 30))) for k in range(len(numbers))]
    assert got == numbers

"""MoviePy clips as capkit sources, and capkit projects as MoviePy clips."""

from fractions import Fraction

import numpy as np
import pytest

moviepy = pytest.importorskip("moviepy", reason="MoviePy is the optional 'moviepy' extra")

from capkit import api  # noqa: E402
from capkit.errors import ProjectFileError  # noqa: E402
from capkit.interop.moviepy import add_moviepy_clip, freeze_moviepy_sources, to_moviepy  # noqa: E402


def ramp_clip(seconds=2.0):
    """Grey level rises with time: frame at t has level 255*t/seconds."""
    clip = moviepy.VideoClip(lambda t: np.full((90, 160, 3), int(255 * t / seconds), np.uint8), duration=seconds)
    clip.fps = 30
    return clip


def test_moviepy_clip_as_a_source_renders_its_frames():
    p = api.new_project(160, 90, 30)
    add_moviepy_clip(p, ramp_clip(), fit="stretch")
    api.add_text(p, "on top", duration=2, size=20)
    assert p.duration == 2
    assert abs(int(api.render_frame(p, 1)[5, 5, 0]) - 127) <= 2
    assert abs(int(api.render_frame(p, Fraction(3, 2))[5, 5, 0]) - 191) <= 2


def test_moviepy_sound_is_mixed(tmp_path):
    tone = moviepy.AudioClip(lambda t: np.sin(2 * np.pi * 440 * np.asarray(t)) * 0.3, duration=2, fps=48000)
    p = api.new_project(160, 90, 30)
    add_moviepy_clip(p, ramp_clip().with_audio(tone), fit="stretch")
    from capkit.render.audio_mix import mix_to_array

    mix = mix_to_array(p)
    assert 0.25 < np.abs(mix[:, 4800:-4800]).max() < 0.35


def test_project_with_live_clip_is_not_saved_until_frozen(tmp_path):
    p = api.new_project(160, 90, 30)
    add_moviepy_clip(p, ramp_clip(1.0), fit="stretch")
    with pytest.raises(ProjectFileError, match="exists only in this Python session"):
        api.save(p, tmp_path / "p.capkit")
    assert not (tmp_path / "p.capkit").exists()
    freeze_moviepy_sources(p, tmp_path)
    api.save(p, tmp_path / "p.capkit")
    loaded = api.load(tmp_path / "p.capkit")
    assert abs(int(api.render_frame(loaded, Fraction(1, 2))[45, 80, 0]) - 127) <= 6


def test_project_as_a_moviepy_clip(media):
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#FF0000", duration=1)
    api.add_color(p, "#0000FF", start=1, duration=1)
    api.add_audio(p, media["tone"], duration=2)
    clip = to_moviepy(p)
    assert clip.duration == 2 and clip.fps == 30
    assert tuple(clip.get_frame(0.5)[32, 32]) == (255, 0, 0)
    assert tuple(clip.get_frame(1.5)[32, 32]) == (0, 0, 255)
    sound = clip.audio.get_frame(np.linspace(0.5, 0.6, 480))
    assert sound.shape == (480, 2) and 0.2 < np.abs(sound).max() < 0.3
    # MoviePy code can keep working with it
    small = clip.resized(0.5)
    assert small.get_frame(1.5).shape == (32, 32, 3)

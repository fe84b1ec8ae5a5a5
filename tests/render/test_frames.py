"""Real pixels from the engine: placement, layering, text, transitions, speed, rotation, filters."""

from fractions import Fraction

import numpy as np
import pytest
from render_support import close, pixel

from capkit import api
from capkit.errors import RenderError
from capkit.model import Keyframe, Transform, Transition
from capkit.model.edits import SetKeyframe, SetSpeed
from capkit.render.frames import FrameRenderer
from capkit.render.plan import compile_plan
from capkit.synth.video import COLORS, read_frame_index


def frame_at(project, t, **kw):
    return api.render_frame(project, t, **kw)


def test_bitmap_clip_pixels_land_where_expected(media):
    p = api.new_project(64, 32, 30)
    api.add_media(p, media["bitmap"], fit="stretch")
    f = frame_at(p, 0)
    for i, letter in enumerate("RGBW"):
        assert close(pixel(f, 8 + 16 * i, 8), COLORS[letter]), letter
    for i, letter in enumerate("CMYK"):
        assert close(pixel(f, 8 + 16 * i, 24), COLORS[letter]), letter


def test_fit_letterboxes_and_fill_crops(media):
    p = api.new_project(32, 64, 30, background="#0000FF")  # 9:16-ish canvas, 2:1 source
    clip = api.add_media(p, media["bitmap"], fit="fit")
    f = frame_at(p, 0)
    assert close(pixel(f, 16, 2), (0, 0, 255))  # background above the letterboxed picture
    assert close(pixel(f, 2, 28), COLORS["R"]) and close(pixel(f, 30, 36), COLORS["K"])
    clip.transform.fit = "fill"  # 128x64 scaled to cover: only the middle two columns show
    f = frame_at(p, 0)
    assert close(pixel(f, 4, 10), COLORS["G"]) and close(pixel(f, 28, 54), COLORS["Y"])


def test_upper_tracks_cover_lower_and_opacity_blends():
    p = api.new_project(32, 32, 30)
    api.add_color(p, "#0000FF", duration=1)
    top = api.add_color(p, "#FF0000", duration=1)
    assert close(pixel(frame_at(p, 0), 16, 16), (255, 0, 0))
    top.transform.opacity = 0.5
    assert close(pixel(frame_at(p, 0), 16, 16), (128, 0, 128), 3)
    top.transform = Transform(scale=0.5)
    f = frame_at(p, 0)
    assert close(pixel(f, 16, 16), (255, 0, 0)) and close(pixel(f, 2, 2), (0, 0, 255))


def test_rotation_metadata_is_honoured(media):
    p = api.new_project(48, 32, 30)  # the stored 32x48 picture shows as 48x32 after rotating 90
    api.add_media(p, media["rotated"], fit="stretch")
    f = frame_at(p, 0)
    # rows RG/BW/CM rotated clockwise: top row reads C B R, bottom row M W G
    for x, letter in zip((8, 24, 40), "CBR"):
        assert close(pixel(f, x, 8), COLORS[letter]), letter
    for x, letter in zip((8, 24, 40), "MWG"):
        assert close(pixel(f, x, 24), COLORS[letter]), letter


def test_item_rotation_turns_the_picture():
    p = api.new_project(64, 64, 30)
    square = api.add_color(p, "#FFFFFF", duration=1)
    square.transform = Transform(scale=0.25, rotation=45)  # a 16 px square turned into a diamond
    f = frame_at(p, 0)
    assert close(pixel(f, 32, 32), (255, 255, 255))
    assert close(pixel(f, 32, 22), (255, 255, 255))  # a diamond reaches further up than the square did
    assert close(pixel(f, 25, 25), (0, 0, 0))  # and its corner region is empty


def test_text_is_drawn_where_placed():
    p = api.new_project(360, 640, 30)
    api.add_color(p, "#000000", duration=2)
    api.add_text(p, "HELLO", duration=2, y=0.2, size=60, color="#FFCC00")
    f = frame_at(p, 1)
    ink = np.argwhere((f[:, :, 0] > 200) & (f[:, :, 1] > 150) & (f[:, :, 2] < 80))
    assert len(ink) > 500
    rows = ink[:, 0]
    assert abs(rows.mean() - 0.2 * 640) < 20
    assert rows.max() < 320  # nothing in the lower half


def test_text_animations_pop_and_typewriter():
    p = api.new_project(360, 640, 30)
    api.add_color(p, "#000000", duration=3)
    api.add_text(p, "POP", duration=3, size=80, animation_in="pop")
    ink = lambda f: int((f.max(axis=2) > 128).sum())  # noqa: E731
    early, late = ink(frame_at(p, Fraction(1, 30))), ink(frame_at(p, 2))
    assert early < late / 4
    p2 = api.new_project(360, 640, 30)
    api.add_color(p2, "#000000", duration=2)
    api.add_text(p2, "typewriter", duration=2, size=40, animation_in="typewriter")
    p2.tracks[1].items[0].animation_in.duration = Fraction(1)
    half, full = ink(frame_at(p2, Fraction(1, 2))), ink(frame_at(p2, Fraction(3, 2)))
    assert 0.25 * full < half < 0.75 * full


def test_speed_change_picks_the_right_source_frames(media):
    p = api.new_project(128, 128, 30)
    clip = api.add_media(p, media["index"], fit="stretch")
    SetSpeed(clip.id, 2).apply(p)
    assert p.duration == Fraction(3, 2)
    with FrameRenderer(compile_plan(p)) as r:
        assert [read_frame_index(r.render(n)) for n in (0, 1, 10, 44)] == [0, 2, 20, 88]
    SetSpeed(clip.id, Fraction(1, 2)).apply(p)
    with FrameRenderer(compile_plan(p)) as r:
        assert [read_frame_index(r.render(n)) for n in (0, 1, 2, 3, 101)] == [0, 0, 1, 1, 50]


def test_source_in_and_random_access_order(media):
    p = api.new_project(128, 128, 30)
    api.add_media(p, media["index"], fit="stretch", source_in=Fraction(1))
    with FrameRenderer(compile_plan(p)) as r:
        for n in (40, 3, 59, 0, 20):
            assert read_frame_index(r.render(n)) == 30 + n


@pytest.mark.parametrize("kind, direction, probe, expected", [
    ("crossfade", "left", (16, 16), (128, 0, 128)),
    ("dip_to_black", "left", (16, 16), (0, 0, 0)),
    ("wipe", "left", (4, 16), (255, 0, 0)),
    ("wipe", "left", (28, 16), (0, 0, 255)),
    ("slide", "left", (4, 16), (255, 0, 0)),
    ("slide", "left", (28, 16), (0, 0, 255)),
])
def test_transitions_at_their_midpoint(kind, direction, probe, expected):
    p = api.new_project(32, 32, 30)
    api.add_color(p, "#FF0000", duration=2)
    blue = api.add_color(p, "#0000FF", start=2, duration=2)
    blue.transition_in = Transition(kind, Fraction(1), direction)
    f = frame_at(p, 2)  # the cut: transition half done
    assert close(pixel(f, *probe), expected, 8), pixel(f, *probe)
    assert close(pixel(frame_at(p, Fraction(3, 2)), 16, 16), (255, 0, 0))  # before it starts
    assert close(pixel(frame_at(p, Fraction(5, 2)), 16, 16), (0, 0, 255))  # after it ends


def test_opacity_keyframes_ease_between_values():
    p = api.new_project(16, 16, 30)
    top = api.add_color(p, "#FFFFFF", duration=2)
    SetKeyframe(top.id, "opacity", Keyframe(Fraction(0), 0.0)).apply(p)
    SetKeyframe(top.id, "opacity", Keyframe(Fraction(2), 1.0)).apply(p)
    levels = [pixel(frame_at(p, t), 8, 8)[0] for t in (0, Fraction(1), Fraction(59, 30))]
    assert levels[0] < 5 and abs(levels[1] - 128) < 4 and levels[2] > 245


def test_filter_layer_changes_only_what_is_below_and_only_in_its_range():
    p = api.new_project(32, 32, 30)
    api.add_color(p, "#808080", duration=4)
    api.add_filter(p, "grade", {"brightness": 0.2}, start=1, duration=1)
    api.add_text(p, "■", duration=4, size=30, color="#404040")  # above the filter: unchanged
    assert pixel(frame_at(p, Fraction(1, 2)), 2, 2)[0] == 128
    assert abs(pixel(frame_at(p, Fraction(3, 2)), 2, 2)[0] - (128 + 51)) <= 1
    assert close(pixel(frame_at(p, Fraction(3, 2)), 16, 16), (64, 64, 64), 4)


def test_vignette_darkens_corners():
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#C8C8C8", duration=1)
    api.add_filter(p, "vignette", {"strength": 0.6, "radius": 0.2})
    f = frame_at(p, 0)
    assert pixel(f, 32, 32)[0] > 190 and pixel(f, 1, 1)[0] < 120


def test_preview_scale_is_the_export_picture_smaller(media):
    p = api.new_project(128, 256, 30)
    api.add_media(p, media["index"], fit="fill")
    api.add_text(p, "Same", y=0.8, size=40, duration=3)
    import cv2

    full = frame_at(p, 1)
    half = frame_at(p, 1, width=64)
    assert half.shape == (128, 64, 3)
    small = cv2.resize(full, (64, 128), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - half.astype(int)).mean() < 6


def test_render_errors_are_clear():
    p = api.new_project(32, 32, 30)
    with pytest.raises(RenderError, match="project is empty"):
        compile_plan(p)
    api.add_color(p, "#FFFFFF", duration=1)
    with pytest.raises(RenderError, match="nothing to render between 2s and 1s .the project is 1s long"):
        compile_plan(p, start=2, end=3)
    with pytest.raises(RenderError, match="out of range"):
        compile_plan(p, width=100000)
    with pytest.raises(RenderError, match="unknown filter 'nope'"):
        api.add_filter(p, "nope")


def test_per_clip_filter_changes_only_its_clip(media):
    from capkit.model import FilterRef

    p = api.new_project(64, 32, 30)
    clip = api.add_media(p, media["bitmap"], fit="stretch")
    clip.filters = [FilterRef("grade", {"saturation": 0.0})]
    api.add_text(p, "■", duration=1, size=10, color="#FF0000", x=0.9, y=0.2)  # above: stays red
    f = frame_at(p, 0)
    r, g, b = pixel(f, 8, 8)  # the red block turns grey (Rec. 709 luma of pure red: 54)
    assert max(r, g, b) - min(r, g, b) <= 3 and abs(r - 54) <= 6
    assert close(pixel(f, 58, 6), (255, 0, 0), 40)


def test_rotated_text_stays_centred_on_its_anchor():
    p = api.new_project(200, 200, 30)
    api.add_color(p, "#000000", duration=1)
    text = api.add_text(p, "IIIIIIII", duration=1, size=40, color="#FFFFFF")
    upright = np.argwhere(frame_at(p, 0)[:, :, 0] > 128)
    text.transform.rotation = 90
    turned = np.argwhere(frame_at(p, 0)[:, :, 0] > 128)
    assert np.ptp(upright[:, 1]) > 2 * np.ptp(upright[:, 0])  # wide
    assert np.ptp(turned[:, 0]) > 2 * np.ptp(turned[:, 1])  # tall
    assert np.allclose(turned.mean(axis=0), upright.mean(axis=0), atol=4)


def test_filter_parameters_animate_with_keyframes(media):
    from capkit.model.edits import SetKeyframe

    p = api.new_project(32, 32, 30)
    api.add_color(p, "#808080", duration=2)
    layer = api.add_filter(p, "grade", {"brightness": 0.0})
    SetKeyframe(layer.id, "filter.brightness", Keyframe(Fraction(0), 0.0)).apply(p)
    SetKeyframe(layer.id, "filter.brightness", Keyframe(Fraction(2), 0.4)).apply(p)
    levels = [pixel(frame_at(p, t), 16, 16)[0] for t in (0, 1, Fraction(59, 30))]
    assert levels[0] == 128 and abs(levels[1] - (128 + 51)) <= 1 and levels[2] > 225
    # a clip's own filter: saturation falls from 1 to 0 over the clip, keyframes split with it
    from capkit.model import FilterRef
    from capkit.model.edits import Split

    clip = api.add_media(p, media["bitmap"], start=2, fit="stretch")
    clip.filters = [FilterRef("saturation", {})]
    SetKeyframe(clip.id, "filters[0].amount", Keyframe(Fraction(0), 1.0)).apply(p)
    SetKeyframe(clip.id, "filters[0].amount", Keyframe(Fraction(1), 0.0)).apply(p)
    Split(clip.id, Fraction(5, 2), new_id="tail").apply(p)
    red_start, red_late = pixel(frame_at(p, 2), 4, 4), pixel(frame_at(p, Fraction(89, 30)), 4, 4)
    assert red_start[0] > 240 and red_start[1] < 15
    assert max(red_late) - min(red_late) < 25  # nearly grey by the end, across the split


def test_bad_filter_animation_is_refused():
    from capkit.model.edits import SetKeyframe

    p = api.new_project(32, 32, 30)
    api.add_color(p, "#808080", duration=2)
    layer = api.add_filter(p, "grade")
    SetKeyframe(layer.id, "filter.contrast", Keyframe(Fraction(1), 9.0)).apply(p)
    with pytest.raises(RenderError, match="keyframe at 1s: contrast must be at most 3"):
        frame_at(p, 0)
    layer.filter.keyframes = {"nope": [Keyframe(Fraction(0), 1.0)]}
    with pytest.raises(RenderError, match="no parameter 'nope' to animate"):
        frame_at(p, 0)

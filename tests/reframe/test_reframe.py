"""Auto-reframe on generated footage whose subject position is known frame by frame."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest
import reframe_support as rs

import capkit
from capkit.errors import Cancelled, CapkitError, EditError, MediaError
from capkit.model import History, Keyframe
from capkit.model.edits import SetKeyframe
from capkit.model.keyframes import evaluate
from capkit.progress import CancelToken
from capkit.reframe import (
    analyse,
    apply_reframe,
    canvas_for,
    centre_for_x,
    crop_width,
    parse_aspect,
    reframe_clip,
    x_for_centre,
)
from capkit.reframe.haar import FaceDetector
from capkit.reframe.path import simplify, smooth_path

SOURCE = (rs.WIDTH, rs.HEIGHT)
HALF_CROP = crop_width((9, 16), SOURCE) / 2
# The "set limit": the crop centre never moves more than 2% of the source width between frames.
MAX_JUMP = 0.02


@pytest.fixture(scope="module")
def face_video(tmp_path_factory):
    return rs.write_face_video(tmp_path_factory.mktemp("reframe") / "face.mp4")


@pytest.fixture(scope="module")
def face_project(face_video):
    project = capkit.new_project(1080, 1920, fps=30)
    clip = capkit.add_media(project, face_video, fit="fit")
    edit, path = reframe_clip(project, clip)
    return project, clip, edit, path


def crop_centres(project, clip, frames: int) -> np.ndarray:
    """The source position (fraction of its width) in the middle of the canvas at each frame."""
    return np.array([centre_for_x(project, clip, SOURCE, evaluate(clip.keyframes["x"], Fraction(n, 30), clip.transform.x))
                     for n in range(frames)])


# --- the face detector ----------------------------------------------------------------------


@pytest.mark.parametrize("face_width", [40, 55, 80, 110])
def test_the_cascade_finds_a_drawn_face_at_several_sizes(face_width):
    picture = rs.background(320, 180)
    rs.draw_face(picture, 150, 95, face_width)
    found = FaceDetector().detect(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY))
    assert len(found) == 1
    x, y, w, h = found[0]
    assert abs(x + w / 2 - 150) < 0.2 * face_width and abs(y + h / 2 - 95) < 0.35 * face_width
    assert 0.9 * face_width < w < 1.8 * face_width


def test_no_face_in_a_plain_textured_picture():
    grey = cv2.cvtColor(rs.background(320, 180), cv2.COLOR_RGB2GRAY)
    assert FaceDetector().detect(grey) == []


# --- following a moving face ----------------------------------------------------------------


def test_a_moving_face_stays_in_the_crop_without_jumps(face_project):
    project, clip, _, path = face_project
    assert path.stats.get("face", 0) >= 0.9 * path.analysed_frames
    frames = 300
    truth = np.array([rs.face_track(n / 30)[0] / rs.WIDTH for n in range(frames)])
    centres = crop_centres(project, clip, frames)
    inside = np.abs(truth - centres) < HALF_CROP
    assert inside.mean() >= 0.95, f"face inside the crop in only {inside.mean():.0%} of frames"
    assert np.abs(np.diff(centres)).max() <= MAX_JUMP
    # A calm path: few keyframes for 10 s of panning back and forth.
    assert 4 <= len(clip.keyframes["x"]) <= 80
    assert clip.transform.fit == "fill"


def test_the_rendered_vertical_video_shows_the_face(face_project):
    project, _, _, _ = face_project
    skin = np.array([224, 172, 140])
    shown = 0
    times = np.linspace(0.2, 9.8, 16)
    for t in times:
        frame = capkit.render_frame(project, float(t), width=180).astype(int)
        assert frame.shape == (320, 180, 3)
        mask = np.abs(frame - skin).max(axis=2) < 30
        if mask.sum() > 100:  # a face is about 50 px wide here: well over 100 skin pixels
            cx = np.nonzero(mask)[1].mean()
            shown += 20 < cx < 160
    assert shown >= 0.95 * len(times)


def test_a_clearly_larger_face_becomes_the_subject(tmp_path):
    path = analyse(rs.write_two_face_video(tmp_path / "two.mp4"), "9:16")
    times = np.array(path.times)
    subject = np.array(path.subject)
    assert np.all(np.abs(subject[times < 2] - 560 / rs.WIDTH) < 0.02)  # the only face at first
    later = times >= 3.2  # a full scan (one a second) has seen the big face, the camera has moved
    truth = np.array([rs.face_track(t)[0] * 0.8 / rs.WIDTH for t in times[later]])
    assert np.abs(subject[later] - truth).max() < 0.03
    assert np.abs(np.array(path.centre)[later] - truth).max() < HALF_CROP


def test_analysis_reports_what_it_did(face_project, face_video):
    _, _, _, path = face_project
    assert path.detector in ("numpy", "opencv")
    assert path.source_frames == 300 and path.analysed_frames == 81
    assert path.aspect == (9, 16) and path.source_size == SOURCE
    assert path.seconds > 0 and path.max_step <= MAX_JUMP * 30 / path.rate


# --- without a face -------------------------------------------------------------------------


def test_without_a_face_the_crop_follows_motion(tmp_path):
    path = analyse(rs.write_object_video(tmp_path / "object.mp4"), "9:16")
    assert path.stats.get("motion", 0) >= 0.9 * path.analysed_frames
    truth = np.array([rs.object_track(t) / rs.WIDTH for t in path.times])
    inside = np.abs(truth - np.array(path.centre)) < HALF_CROP
    assert inside.mean() >= 0.95
    assert path.max_step <= MAX_JUMP * 30 / path.rate


def test_a_still_clip_gets_a_still_camera(tmp_path):
    video = rs.write_still_video(tmp_path / "still.mp4")
    project = capkit.new_project(1080, 1080, fps=30)
    clip = capkit.add_media(project, video)
    _, path = reframe_clip(project, clip)
    assert path.max_step == 0
    assert len(clip.keyframes["x"]) == 1
    # It frames the one thing that stands out (the bright disc at x = 430 of 640).
    assert abs(path.centre[0] - 430 / 640) < crop_width((1, 1), SOURCE) / 2


# --- keyframes are ordinary, editable, undoable ----------------------------------------------


def test_the_keyframes_survive_a_save_and_load(face_project, tmp_path):
    project, clip, _, _ = face_project
    capkit.save(project, tmp_path / "reframed.capkit")
    loaded = capkit.load(tmp_path / "reframed.capkit")
    again = loaded.find(clip.id)[1]
    assert again.keyframes["x"] == clip.keyframes["x"]
    assert again.transform.fit == "fill"


def test_reframing_is_one_undo_step_and_keyframes_edit(face_video):
    project = capkit.new_project(1080, 1920, fps=30)
    clip = capkit.add_media(project, face_video, fit="fit", duration=4)
    clip.keyframes["x"] = [Keyframe(Fraction(1), 0.3)]
    history = History(project)
    reframe_clip(project, clip.id, history=history)
    clip = project.find(clip.id)[1]
    keys = clip.keyframes["x"]
    assert len(keys) >= 2 and Keyframe(Fraction(1), 0.3) not in keys
    moved = Keyframe(keys[1].time, keys[1].value + 0.05, "ease_in_out")
    history.do(SetKeyframe(clip.id, "x", moved))
    assert project.find(clip.id)[1].keyframes["x"][1] == moved
    history.undo()
    assert project.find(clip.id)[1].keyframes["x"] == keys
    history.undo()
    restored = project.find(clip.id)[1]
    assert restored.keyframes["x"] == [Keyframe(Fraction(1), 0.3)] and restored.transform.fit == "fit"


def test_a_trimmed_clip_gets_keyframes_for_the_part_it_plays(face_video):
    project = capkit.new_project(1080, 1920, fps=30)
    clip = capkit.add_media(project, face_video, fit="fill", source_in=4, duration=3)
    _, path = reframe_clip(project, clip)
    assert path.times[0] == 4 and path.times[-1] == 7
    keys = clip.keyframes["x"]
    assert keys[0].time == 0 and keys[-1].time == 3
    for n in range(0, 90, 5):
        centre = centre_for_x(project, clip, SOURCE, evaluate(keys, Fraction(n, 30), 0.5))
        assert abs(centre - rs.face_track(4 + n / 30)[0] / rs.WIDTH) < HALF_CROP


def test_only_video_clips_can_be_reframed(face_project):
    project = capkit.new_project(1080, 1920)
    text = capkit.add_text(project, "hi")
    _, _, _, path = face_project
    with pytest.raises(EditError, match="not a video clip"):
        apply_reframe(project, text.id, path)
    with pytest.raises(EditError, match="no item"):
        apply_reframe(project, "nope", path)


def test_x_and_centre_are_inverse_and_keep_the_canvas_covered(face_project):
    project, clip, _, _ = face_project
    for centre in (0.2, 0.5, 0.77):
        assert centre_for_x(project, clip, SOURCE, x_for_centre(project, clip, SOURCE, centre)) == pytest.approx(centre)
    # Past the edge the crop stops at the picture's edge.
    assert centre_for_x(project, clip, SOURCE, x_for_centre(project, clip, SOURCE, 0.0)) == pytest.approx(HALF_CROP)


# --- the path -------------------------------------------------------------------------------


def test_jitter_inside_the_dead_zone_does_not_move_the_camera():
    rng = np.random.default_rng(1)
    raw = 0.5 + rng.normal(0, 0.006, 80)
    path = smooth_path(raw, 8, lo=0.16, hi=0.84, dead_band=0.03, max_speed=0.5)
    assert np.ptp(path) < 0.003


def test_a_sudden_jump_becomes_a_limited_glide():
    raw = np.r_[np.full(40, 0.25), np.full(40, 0.75)]
    path = smooth_path(raw, 8, lo=0.16, hi=0.84, dead_band=0.03, max_speed=0.5)
    assert np.abs(np.diff(path)).max() <= 0.5 / 8 + 1e-12
    assert path[0] == pytest.approx(0.25, abs=0.035) and path[-1] == pytest.approx(0.75, abs=0.035)
    steps = np.diff(path)
    assert np.abs(np.diff(steps)).max() < 0.5 / 8  # no step from rest to full speed at once


def test_simplify_stays_within_tolerance():
    t = np.linspace(0, 10, 200)
    v = 0.5 + 0.2 * np.sin(t)
    kept = simplify(t, v, 0.002)
    assert kept[0] == 0 and kept[-1] == 199 and len(kept) < 60
    assert np.abs(np.interp(t, t[kept], v[kept]) - v).max() <= 0.002 + 1e-12


# --- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [("9:16", (9, 16)), ("1:1", (1, 1)), ("4x5", (4, 5)),
                                            ((1080, 1920), (9, 16))])
def test_aspects(text, expected):
    assert parse_aspect(text) == expected


@pytest.mark.parametrize("text", ["16", "nine:sixteen", "0:1", "1:9"])
def test_bad_aspects_are_refused(text):
    with pytest.raises(CapkitError, match="WIDTH:HEIGHT"):
        parse_aspect(text)


def test_canvas_sizes():
    assert canvas_for("9:16") == (1080, 1920)
    assert canvas_for("1:1") == (1080, 1080)
    assert canvas_for("4:5") == (1080, 1350)


def test_a_picture_is_not_a_video(tmp_path):
    image = tmp_path / "still.png"
    cv2.imwrite(str(image), rs.background(64, 36))
    with pytest.raises(MediaError, match="no video stream"):
        analyse(image)


def test_analysis_can_be_cancelled(face_video):
    token = CancelToken()
    seen = []

    def progress(report):
        seen.append(report.done)
        if report.done == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        analyse(face_video, progress=progress, cancel=token)
    assert seen == [1, 2, 3]

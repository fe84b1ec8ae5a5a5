import copy
from fractions import Fraction

import pytest

from capkit.errors import EditError
from capkit.io.project_file import dumps
from capkit.model import Keyframe, TextItem, VideoClip, MediaRef
from capkit.model.edits import (
    AddItem, AddTrack, Duplicate, Group, MoveItem, MoveTrack, RemoveItem, RemoveKeyframe, RemoveTrack,
    RippleDelete, SetKeyframe, SetProperty, SetSettings, SetSpeed, SetTrack, Split, TrimEnd, TrimStart,
)
from capkit.model.project import check_project


def items(project, track="main"):
    return [(i.id, i.start, i.duration) for i in project.track(track).items]


def roundtrip(history, edit):
    """Apply, undo, redo: undo restores the file exactly and redo gives the edited file again."""
    before = dumps(history.project)
    history.do(edit)
    after = dumps(history.project)
    assert not check_project(history.project)
    history.undo()
    assert dumps(history.project) == before
    history.redo()
    assert dumps(history.project) == after


def test_split_keeps_source_continuity(history, project):
    roundtrip(history, Split("v1", Fraction(3, 2), new_id="v1b"))
    left, right = project.find("v1")[1], project.find("v1b")[1]
    assert (left.start, left.duration, left.source_in) == (0, Fraction(3, 2), 1)
    assert (right.start, right.duration, right.source_in) == (Fraction(3, 2), Fraction(5, 2), Fraction(5, 2))
    assert right.transition_in is None


def test_split_outside_item_is_refused(history):
    with pytest.raises(EditError, match="inside the item"):
        history.do(Split("v1", 4))


def test_trim_start_moves_source_in(history, project):
    roundtrip(history, TrimStart("v1", 1))
    clip = project.find("v1")[1]
    assert (clip.start, clip.duration, clip.source_in) == (1, 3, 2)


def test_trim_past_media_start_is_refused(history):
    history.do(RemoveItem("v2"))
    history.do(MoveItem("v1", 5))  # source 1..5 now sits at 5..9
    with pytest.raises(EditError, match="before the beginning of its media"):
        history.do(TrimStart("v1", 3))  # would need source from -1 s
    roundtrip(history, TrimStart("v1", 4))


def test_trim_end_cannot_overrun_media_or_neighbour(history):
    with pytest.raises(EditError, match="overlap"):
        history.do(TrimEnd("v1", 5))
    history.do(RemoveItem("v2"))
    history.do(RemoveItem("c1"))
    with pytest.raises(EditError, match="past the end of its media"):
        history.do(TrimEnd("v1", 20))  # source 1..20 allows at most 19 s
    roundtrip(history, TrimEnd("v1", 19))


def test_move_refuses_overlap_and_wrong_track(history, project):
    with pytest.raises(EditError, match="overlap"):
        history.do(MoveItem("c1", 6))
    with pytest.raises(EditError, match="cannot go on a text track"):
        history.do(MoveItem("c1", 20, track_id="titles"))
    roundtrip(history, MoveItem("c1", 20))
    assert project.find("c1")[1].start == 20


def test_move_between_tracks(history, project):
    history.do(AddTrack("video", track_id="overlay"))
    roundtrip(history, MoveItem("c1", 0, track_id="overlay"))
    assert project.find("c1")[0].id == "overlay"


def test_ripple_delete_closes_the_gap(history, project):
    roundtrip(history, RippleDelete("v1"))
    assert items(project) == [("v2", 0, 3), ("c1", 5, 2)]


def test_speed_changes_duration_and_ripples(history, project):
    roundtrip(history, SetSpeed("v1", 2))
    assert items(project) == [("v1", 0, 2), ("v2", 2, 3), ("c1", 7, 2)]
    history.do(SetSpeed("v1", Fraction(1, 2)))
    clip = project.find("v1")[1]
    assert clip.duration == 8 and clip.source_out == 5  # same source range 1..5
    with pytest.raises(EditError, match="at most 10"):
        history.do(SetSpeed("v1", 20))
    with pytest.raises(EditError, match="only video and audio"):
        history.do(SetSpeed("c1", 2))


def test_speed_scales_keyframes(history, project):
    history.do(SetKeyframe("v1", "opacity", Keyframe(Fraction(2), 0.5)))
    history.do(SetSpeed("v1", 2))
    assert project.find("v1")[1].keyframes["opacity"][0].time == 1


def test_duplicate_inserts_after(history, project):
    roundtrip(history, Duplicate("v1", new_id="v1copy"))
    assert items(project) == [("v1", 0, 4), ("v1copy", 4, 4), ("v2", 8, 3), ("c1", 13, 2)]


def test_set_property_validates(history, project):
    roundtrip(history, SetProperty("t1", "style.color", "#FFCC00"))
    assert project.find("t1")[1].style.color == "#FFCC00"
    with pytest.raises(EditError, match="opacity must be at most 1"):
        history.do(SetProperty("t1", "transform.opacity", 2.0))
    with pytest.raises(EditError, match="no property"):
        history.do(SetProperty("t1", "style.nope", 1))
    with pytest.raises(EditError, match="moving or trimming"):
        history.do(SetProperty("t1", "start", 1))
    with pytest.raises(EditError, match="colour"):
        history.do(SetProperty("t1", "style.color", "yellow-ish"))


def test_keyframes_add_and_remove(history, project):
    roundtrip(history, SetKeyframe("t1", "scale", Keyframe(Fraction(1), 2.0, "ease_out")))
    roundtrip(history, RemoveKeyframe("t1", "scale", Fraction(1)))
    with pytest.raises(EditError, match="cannot be animated"):
        history.do(SetKeyframe("t1", "volume", Keyframe(Fraction(0), 1.0)))
    with pytest.raises(EditError, match="inside the item"):
        history.do(SetKeyframe("t1", "x", Keyframe(Fraction(9), 1.0)))


def test_add_checks_kind_and_overlap(history):
    with pytest.raises(EditError, match="cannot go on a audio track|cannot go on an? audio track"):
        history.do(AddItem("music", TextItem(start=20, duration=1)))
    with pytest.raises(EditError, match="overlap"):
        history.do(AddItem("titles", TextItem(start=2, duration=1)))
    roundtrip(history, AddItem("titles", TextItem(id="t2", start=5, duration=1)))


def test_locked_track_refuses_edits(history, project):
    history.do(SetTrack("main", "locked", True))
    before = dumps(project)
    with pytest.raises(EditError, match="locked"):
        history.do(Split("v1", 1))
    assert dumps(project) == before


def test_tracks_add_remove_reorder(history, project):
    roundtrip(history, AddTrack("filter", name="Look", track_id="fx"))
    roundtrip(history, MoveTrack("fx", 0))
    roundtrip(history, RemoveTrack("music"))
    roundtrip(history, SetTrack("titles", "hidden", True))


def test_fps_change_and_undo_keeps_cuts_exact(history, project):
    history.do(Split("v1", Fraction(17, 30), new_id="cut"))
    before = dumps(project)
    history.do(SetSettings({"fps": "30000/1001"}))
    history.do(SetSettings({"fps": 25}))
    history.undo()
    history.undo()
    assert dumps(project) == before
    assert project.find("cut")[1].start == Fraction(17, 30)


def test_group_undoes_as_one_and_rolls_back_on_failure(history, project):
    before = dumps(project)
    with history.group("Nudge"):
        history.do(MoveItem("c1", 12))
        history.do(MoveItem("t1", 2))
    history.undo()
    assert dumps(project) == before
    with pytest.raises(EditError):
        history.do(Group([MoveItem("c1", 12), MoveItem("v1", 5)]))
    assert dumps(project) == before


def test_failed_edit_changes_nothing(history, project):
    before = copy.deepcopy(project)
    with pytest.raises(EditError):
        history.do(AddItem("main", VideoClip(start=1, duration=1, source=MediaRef("/x.mp4"))))
    assert project == before
    assert not history.can_undo


def test_dirty_flag(history):
    assert not history.dirty
    history.do(MoveItem("c1", 12))
    assert history.dirty
    history.mark_saved()
    assert not history.dirty
    history.undo()
    assert history.dirty

"""Any sequence of edits, undone completely, gives back the original file; redone, the edited one."""

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capkit.errors import EditError
from capkit.io.project_file import dumps
from capkit.model import ColorClip, History, Keyframe, TextItem
from capkit.model.edits import (
    AddItem, AddTrack, Duplicate, MoveItem, MoveTrack, RemoveItem, RemoveKeyframe, RippleDelete,
    SetKeyframe, SetProperty, SetSettings, SetSpeed, SetTrack, Split, TrimEnd, TrimStart,
)
from capkit.model.caption_edits import MergeCaptions, SetCaptionText, SplitCaption
from capkit.model.edits import ShiftItems
from capkit.model.project import check_project

from model_samples import sample_project

ITEM_IDS = ["v1", "v2", "c1", "t1", "a1", "k1", "k2", "n1", "n2"]
TRACK_IDS = ["main", "titles", "music", "subs", "extra"]
times = st.fractions(min_value=Fraction(-1), max_value=Fraction(30), max_denominator=60)


def edit_strategy():
    item = st.sampled_from(ITEM_IDS)
    track = st.sampled_from(TRACK_IDS)
    return st.one_of(
        st.builds(Split, item, times, st.sampled_from(["n1", "n2"])),
        st.builds(TrimStart, item, times),
        st.builds(TrimEnd, item, times),
        st.builds(MoveItem, item, times, st.one_of(st.none(), track)),
        st.builds(RippleDelete, item),
        st.builds(RemoveItem, item),
        st.builds(Duplicate, item, st.sampled_from(["n1", "n2"])),
        st.builds(SetSpeed, item, st.fractions(Fraction(1, 20), Fraction(12), max_denominator=20), st.booleans()),
        st.builds(SetProperty, item, st.sampled_from(["transform.opacity", "transform.x", "volume_db", "style.size"]),
                  st.floats(-2, 120, allow_nan=False)),
        st.builds(SetKeyframe, item, st.sampled_from(["opacity", "scale", "volume_db"]),
                  st.builds(Keyframe, st.fractions(0, 5, max_denominator=10), st.floats(0, 1))),
        st.builds(RemoveKeyframe, item, st.sampled_from(["opacity", "scale"]), st.fractions(0, 5, max_denominator=10)),
        st.builds(AddItem, st.sampled_from(["main", "titles"]),
                  st.one_of(st.builds(ColorClip, id=st.just("n1"), start=times, duration=st.just(Fraction(1))),
                            st.builds(TextItem, id=st.just("n2"), start=times, duration=st.just(Fraction(2))))),
        st.builds(AddTrack, st.sampled_from(["video", "text"]), track_id=st.just("extra")),
        st.builds(MoveTrack, track, st.integers(0, 4)),
        st.builds(SetTrack, track, st.sampled_from(["muted", "hidden", "locked"]), st.booleans()),
        st.builds(SetCaptionText, st.sampled_from(["k1", "k2", "t1"]),
                  st.sampled_from(["Hello there, friend", "hello\nthere friend again", "Bye bye", "", "friend"])),
        st.builds(SplitCaption, st.sampled_from(["k1", "k2"]), st.integers(-1, 3), st.sampled_from(["n1", "n2"])),
        st.builds(MergeCaptions, st.sampled_from(["k1", "k2", "n1"]), st.sampled_from(["k1", "k2", "n2"])),
        st.builds(ShiftItems, st.lists(st.sampled_from(ITEM_IDS), max_size=3, unique=True), times),
        st.builds(SetSettings, st.fixed_dictionaries({"fps": st.sampled_from(["24", "25", "30000/1001", "60"])})),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit_strategy(), min_size=1, max_size=25))
def test_undo_all_restores_original_and_redo_all_restores_result(edits):
    project = sample_project()
    history = History(project)
    original = dumps(project)
    applied = 0
    for edit in edits:
        before = dumps(project)
        try:
            history.do(edit)
            applied += 1
        except EditError:
            assert dumps(project) == before, f"a refused {edit.label} changed the project"
        assert not check_project(project)
    final = dumps(project)
    while history.undo():
        pass
    assert dumps(project) == original
    for _ in range(applied):
        history.redo()
    assert dumps(project) == final

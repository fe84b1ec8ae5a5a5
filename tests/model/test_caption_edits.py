"""Caption items: words from cues, text edits that keep timing, split, merge, shift, trim."""

from fractions import Fraction as F

import pytest

from capkit.errors import EditError
from capkit.io.project_file import dumps, loads
from capkit.model import CaptionItem, CaptionStyle, CaptionWord, History, Project, Track
from capkit.model.caption_edits import MergeCaptions, SetCaptionText, SplitCaption, retext
from capkit.model.caption_items import caption_from_cue, cue_of
from capkit.model.captions import Cue, Word
from capkit.model.edits import ShiftItems, Split, TrimEnd, TrimStart
from capkit.model.project import check_project


def times(item):
    return [(w.text, w.start, w.end) for w in item.words]


def test_caption_from_cue_keeps_word_times_relative_and_line_breaks():
    cue = Cue(F(10), F(12), "Hello there,\nfriend", (Word("Hello", F(10), F(21, 2)), Word("there,", F(21, 2), F(11)),
                                                       Word("friend", F(23, 2), F(12))))
    item = caption_from_cue(cue, CaptionStyle(y=0.55), offset=F(2))
    assert (item.start, item.duration) == (F(12), F(2))
    assert times(item) == [("Hello", 0, F(1, 2)), ("there,", F(1, 2), 1), ("friend", F(3, 2), 2)]
    assert [w.break_after for w in item.words] == [False, True, False]
    assert item.text == "Hello there,\nfriend"
    assert item.transform.y == 0.55
    back = cue_of(item)
    assert back.text == cue.text and [w.start for w in back.words] == [F(12), F(25, 2), F(27, 2)]


def test_caption_from_cue_without_words_spreads_them_by_length():
    item = caption_from_cue(Cue(F(0), F(3), "a bb ccc"), CaptionStyle())
    assert times(item) == [("a", 0, F(1, 2)), ("bb", F(1, 2), F(3, 2)), ("ccc", F(3, 2), 3)]


def test_fixing_a_word_keeps_every_time(project):
    h = History(project)
    before = times(project.find("k1")[1])
    h.do(SetCaptionText("k1", "Hello there,\nfriends!"))
    after = times(project.find("k1")[1])
    assert [t[1:] for t in after] == [t[1:] for t in before]
    assert after[2][0] == "friends!"
    h.undo()
    assert times(project.find("k1")[1]) == before


def test_inserted_and_deleted_words_leave_the_others_alone():
    words = [CaptionWord("one", 0, F(1, 2)), CaptionWord("two", 1, F(3, 2)), CaptionWord("three", 2, F(5, 2))]
    out = retext(words, "one and two", F(3))
    assert [(w.text, w.start, w.end) for w in out] == [("one", 0, F(1, 2)), ("and", F(1, 2), 1), ("two", 1, F(3, 2))]
    out = retext(words, "One, TWO three four", F(3))
    assert [(w.start, w.end) for w in out[:3]] == [(0, F(1, 2)), (1, F(3, 2)), (2, F(5, 2))]
    assert (out[3].start, out[3].end) == (F(5, 2), 3)  # after the last word: up to the caption's end
    out = retext(words, "won too three", F(3))  # two words re-spelt: times one to one
    assert [(w.start, w.end) for w in out] == [(0, F(1, 2)), (1, F(3, 2)), (2, F(5, 2))]
    out = retext(words, "a whole new sentence three", F(3))  # two words become four: they share the span
    assert out[0].start == 0 and out[3].end == F(3, 2) and out[4].start == 2
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))


def test_empty_text_is_refused(project):
    with pytest.raises(EditError, match="at least one word"):
        History(project).do(SetCaptionText("k1", "  \n "))


def test_split_caption_at_a_word(project):
    h = History(project)
    h.do(SplitCaption("k1", 2, "k1b"))
    left, right = project.find("k1")[1], project.find("k1b")[1]
    assert left.text == "Hello there," and right.text == "friend"
    assert (right.start, right.words[0].start) == (F(11, 5), 0)  # starts when "friend" is spoken
    assert left.end == right.start and right.end == 3
    assert not check_project(project)
    with pytest.raises(EditError, match="between the first and the last"):
        h.do(SplitCaption("k1", 0))


def test_split_at_a_time_divides_the_words(project):
    History(project).do(Split("k1", F(7, 4), "k1b"))  # inside "there," (1.5-2.0)
    left, right = project.find("k1")[1], project.find("k1b")[1]
    assert [w.text for w in left.words] == ["Hello", "there,"] and left.words[1].end == F(3, 4)
    assert [w.text for w in right.words] == ["there,", "friend"] and right.words[0].start == 0
    assert not left.words[-1].break_after
    assert not check_project(project)


def test_merge_joins_neighbours_keeping_timeline_times(project):
    h = History(project)
    before = [(w.text, project.find("k2")[1].start + w.start) for w in project.find("k2")[1].words]
    h.do(MergeCaptions("k1", "k2"))
    merged = project.find("k1")[1]
    assert (merged.start, merged.end) == (1, 5)
    assert [(w.text, merged.start + w.start) for w in merged.words[-1:]] == before
    assert merged.text == "Hello there,\nfriend Bye"
    with pytest.raises(KeyError):
        project.find("k2")
    h.undo()
    assert project.find("k2")[1].text == "Bye"


def test_merge_refuses_captions_with_one_between():
    p = Project(tracks=[Track(kind="caption", id="c", items=[
        CaptionItem(id=i, start=s, duration=1, words=[CaptionWord(i, 0, F(1, 2))]) for i, s in (("a", 0), ("b", 2), ("c", 4))
    ])])
    with pytest.raises(EditError, match="merge neighbours only"):
        History(p).do(MergeCaptions("a", "c"))


def test_shift_moves_all_captions_and_checks_overlaps(project):
    h = History(project)
    h.do(ShiftItems(["k1", "k2"], F(-1, 5)))
    assert project.find("k1")[1].start == F(4, 5) and project.find("k2")[1].start == F(19, 5)
    with pytest.raises(EditError, match="before 0"):
        h.do(ShiftItems(["k1"], F(-1)))
    with pytest.raises(EditError, match="overlap"):
        h.do(ShiftItems(["k1"], F(3)))  # onto k2


def test_trims_keep_words_where_they_were(project):
    h = History(project)
    h.do(TrimStart("k1", F(3, 2)))  # cuts "Hello" (1.0-1.5) off
    item = project.find("k1")[1]
    assert [(w.text, item.start + w.start) for w in item.words] == [("there,", F(3, 2)), ("friend", F(11, 5))]
    h.do(TrimEnd("k1", F(5, 2)))  # inside "friend" (2.2-2.8)
    assert item.words[-1].end == item.duration
    assert not check_project(project)


def test_caption_track_survives_a_save(project):
    text = dumps(project)
    again = loads(text)
    assert dumps(again) == text
    assert again.find("k1")[1].words[1].break_after


def test_check_project_names_bad_word_times(project):
    project.find("k1")[1].words[0].end = F(9)
    assert any("words[0]" in p and "inside the caption" in p for p in check_project(project))


def test_words_added_to_a_caption_cut_short_stay_inside_it(project):
    """Found by the undo property test: a caption trimmed to 1/6 s, then given more words."""
    h = History(project)
    h.do(TrimEnd("k1", F(7, 6)))
    h.do(SetCaptionText("k1", "Hello there, friend"))
    item = project.find("k1")[1]
    assert [w.text for w in item.words] == ["Hello", "there,", "friend"]
    assert all(0 <= w.start <= w.end <= item.duration for w in item.words)
    assert not check_project(project)

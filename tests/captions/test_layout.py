"""Caption layout: presets on hand-made word lists, and the layout rules held for every preset."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capkit.captions.layout import PRESETS, LayoutRules, layout, wrap_lines
from capkit.model.captions import Cue, Word

SENTENCE_END = ".!?…"


def words_from(spec: str, dur: F = F(3, 10), gap: F = F(1, 20)) -> list[Word]:
    """Words spoken back to back; a token ``/X`` inserts X seconds of extra silence."""
    out: list[Word] = []
    t = F(0)
    for tok in spec.split():
        if tok.startswith("/"):
            t += F(tok[1:])
            continue
        out.append(Word(tok, t, t + dur))
        t += dur + gap
    return out


def texts(cues: list[Cue]) -> list[str]:
    return [c.text for c in cues]


def check_rules(
    words: list[Word], cues: list[Cue], rules: LayoutRules, media: F | None = None
) -> None:
    """Every rule of the layout, for any input and any rules."""
    if not words:
        assert cues == []
        return
    # every input word in exactly one cue, in time order (stable sort by start), text unsplit
    order = sorted(range(len(words)), key=lambda i: (F(words[i].start), i))
    shown = [w for c in cues for w in c.words]
    assert [w.text for w in shown] == [words[i].text.strip() for i in order]
    prev_end = F(0)
    for k, c in enumerate(cues):
        assert c.words, "a cue without words"
        # text: the words joined with single spaces, lines with "\n"
        lines = c.text.split("\n")
        assert " ".join(lines) == " ".join(w.text for w in c.words if w.text)
        assert all(ln == ln.strip() and "  " not in ln for ln in lines)
        assert len(lines) <= rules.max_lines
        if len(c.words) > 1:
            assert all(len(ln) <= rules.max_chars_per_line for ln in lines)
            if rules.max_words is not None:
                assert len(c.words) <= rules.max_words
            if rules.max_duration is not None:
                assert c.words[-1].end - c.words[0].start <= rules.max_duration
        # timing: words monotonic inside the cue, cues in order and never overlapping
        for w in c.words:
            assert isinstance(w.start, F) and isinstance(w.end, F)
            assert prev_end <= w.start <= w.end
            prev_end = w.end
        assert 0 <= c.start <= c.words[0].start
        assert c.end >= c.words[-1].end
        if media is not None:
            assert c.end <= media
        if k + 1 < len(cues):
            assert c.end <= cues[k + 1].start
        # hard breaks never inside a cue
        for a, b in zip(c.words, c.words[1:]):
            assert b.start - a.end <= rules.pause
            if rules.break_at_sentence:
                assert not a.text.rstrip("\"')]}”’»").endswith(tuple(SENTENCE_END))
        # readable duration: extended into silence up to the next cue / the media end
        target = rules.min_duration
        if rules.chars_per_second is not None:
            target = max(target, F(len(c.text)) / F(rules.chars_per_second))
        if rules.max_duration is not None:
            target = min(target, rules.max_duration)
        limit = cues[k + 1].start if k + 1 < len(cues) else None
        if media is not None:
            limit = media if limit is None else min(limit, media)
        want = c.start + target if limit is None else min(c.start + target, limit)
        assert c.end == max(c.words[-1].end, want)


# ---------------------------------------------------------------- presets on hand-made words


def test_presets_are_data() -> None:
    assert set(PRESETS) == {"word", "phrase", "subtitle"}
    sub = PRESETS["subtitle"]
    assert (sub.max_chars_per_line, sub.max_lines, sub.chars_per_second) == (42, 2, 17.0)
    assert sub.min_duration == F(7, 10)
    assert PRESETS["word"].max_words == 3 and PRESETS["phrase"].max_words == 5
    with pytest.raises(FrozenInstanceError):
        PRESETS["word"].max_words = 9  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown caption layout"):
        layout(words_from("hi"), "karaoke")
    with pytest.raises(ValueError):
        LayoutRules(max_words=0)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_empty_input_gives_no_cues(preset: str) -> None:
    assert layout([], preset) == []


def test_word_groups_short_function_words_with_the_next() -> None:
    words = words_from("So in the beginning, I was really nervous about this.")
    cues = layout(words, "word")
    check_rules(words, cues, PRESETS["word"])
    assert "in the beginning," in texts(cues)
    assert all(1 <= len(c.words) <= 3 for c in cues)
    assert texts(cues)[-3:] == ["nervous", "about", "this."]
    assert all(not c.text.endswith((" the", " in")) for c in cues)


def test_word_breaks_at_pauses_and_punctuation() -> None:
    words = words_from("in /0.5 the end. Then we go")
    cues = layout(words, "word")
    check_rules(words, cues, PRESETS["word"])
    # the pause separates "in" from "the" even though "in" is a weak ending
    assert texts(cues)[0] == "in"
    assert "end." in texts(cues)[1] and not any("end. Then" in t for t in texts(cues))


def test_phrase_three_to_five_words_breaking_after_punctuation() -> None:
    words = words_from("When I got to the store, they had already closed the doors for the night")
    cues = layout(words, "phrase")
    check_rules(words, cues, PRESETS["phrase"])
    assert all(3 <= len(c.words) <= 5 for c in cues)
    assert any(c.text.endswith("store,") for c in cues)


def test_phrase_is_timed_to_pauses() -> None:
    words = words_from("this is /0.6 the best day /0.5 of my whole life")
    cues = layout(words, "phrase")
    check_rules(words, cues, PRESETS["phrase"])
    assert texts(cues) == ["this is", "the best day", "of my whole life"]
    # a short gap (below the pause threshold) does not break
    words = words_from("one two three four five six seven eight", gap=F(3, 10))
    assert [len(c.words) for c in layout(words, "phrase")] == [4, 4]


def test_phrase_sentence_end_forces_break() -> None:
    words = words_from("Stop. Look at this amazing thing right now")
    cues = layout(words, "phrase")
    check_rules(words, cues, PRESETS["phrase"])
    assert texts(cues)[0] == "Stop."


def test_subtitle_lines_balanced_and_limited() -> None:
    spec = (
        "Today I want to show you the three simple editing tricks that I use "
        "on every single video that I post online"
    )
    words = words_from(spec, dur=F(1, 5), gap=F(1, 50))
    cues = layout(words, "subtitle")
    check_rules(words, cues, PRESETS["subtitle"])
    assert len(cues) > 1
    for c in cues:
        lines = c.text.split("\n")
        assert len(lines) <= 2 and all(len(ln) <= 42 for ln in lines)
        if len(lines) == 2:  # balanced: no better split exists
            assert abs(len(lines[0]) - len(lines[1])) <= max(len(w.text) for w in c.words) + 1
    two = [c for c in cues if "\n" in c.text]
    assert two, "long speech should fill two lines"


def test_subtitle_single_line_when_it_fits() -> None:
    words = words_from("Short and sweet.")
    cues = layout(words, "subtitle")
    assert texts(cues) == ["Short and sweet."]


def test_subtitle_long_word_gets_its_own_cue() -> None:
    long = "Supercalifragilisticexpialidocious-and-then-some-more"  # 53 chars
    words = words_from(f"it is {long} really")
    for preset in PRESETS:
        cues = layout(words, preset)
        check_rules(words, cues, PRESETS[preset])
        (own,) = [c for c in cues if long in c.text]
        assert own.text == long and len(own.words) == 1


def test_subtitle_reading_speed_and_minimum_time() -> None:
    # 34 characters spoken in 0.5 s, then 3 s of silence: extended to 34/17 = 2 s on screen
    words = [Word("Quick", F(0), F(1, 4)), Word("burst-of-words-here-ok.", F(1, 4), F(1, 2))]
    words.append(Word("Next.", F(7, 2), F(4)))
    cues = layout(words, "subtitle")
    check_rules(words, cues, PRESETS["subtitle"])
    assert cues[0].end == F(len(cues[0].text), 17)
    # the last cue is short: at least 0.7 s on screen, capped by the media end
    assert cues[1].end == F(7, 2) + F(7, 10)
    capped = layout(words, "subtitle", media_duration=F(41, 10))
    assert capped[1].end == F(41, 10)
    # never into the next cue
    tight = [Word("Hi.", F(0), F(1, 10)), Word("There.", F(3, 10), F(1, 2))]
    cues = layout(tight, "subtitle")
    assert cues[0].end == F(3, 10) == cues[1].start


def test_subtitle_max_duration_splits_slow_speech() -> None:
    words = [Word(f"w{i}", F(i), F(i) + F(1, 2)) for i in range(12)]  # gaps 0.5 s < pause
    cues = layout(words, "subtitle")
    check_rules(words, cues, PRESETS["subtitle"])
    assert len(cues) >= 2
    assert all(c.words[-1].end - c.words[0].start <= 7 for c in cues)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_unsorted_overlapping_zero_length_words_are_fixed(preset: str) -> None:
    words = [
        Word("b", F(1), F(2)),
        Word("a", F(-1, 2), F(1, 2)),  # negative start -> 0
        Word("c", F(3, 2), F(5, 2)),  # starts inside "b" -> starts at 2
        Word("d", F(3), F(3)),  # zero length
        Word("e", F(4), F(7, 2)),  # end before start -> zero length
        Word("  f ", F(9), F(12)),  # past the media end -> clamped, text stripped
    ]
    media = F(10)
    cues = layout(words, preset, media_duration=media)
    check_rules(words, cues, PRESETS[preset], media)
    shown = [w for c in cues for w in c.words]
    assert [w.text for w in shown] == ["a", "b", "c", "d", "e", "f"]
    assert shown[0].start == 0 and shown[2].start == 2
    assert shown[4].start == shown[4].end == 4
    assert shown[5].end == 10
    assert shown[1] is words[0]  # unchanged words are the input objects


def test_custom_rules() -> None:
    rules = LayoutRules(max_words=2, max_chars_per_line=10, pause=F(1))
    words = words_from("one two three four five")
    cues = layout(words, rules)
    check_rules(words, cues, rules)
    assert all(len(c.words) <= 2 for c in cues)


def test_wrap_lines() -> None:
    assert wrap_lines(["a", "b"], 42, 2) == ["a b"]
    assert wrap_lines(["aaaa", "bb", "cc", "dddd"], 7, 2) == ["aaaa bb", "cc dddd"]
    assert wrap_lines(["aaaa", "bbbb", "cccc"], 4, 2) is None
    # balanced rather than greedy
    got = wrap_lines("one two three four five six seven eight nine ten eleven".split(), 42, 2)
    assert got is not None and abs(len(got[0]) - len(got[1])) <= 6


# ---------------------------------------------------------------- properties for every preset

_letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉé'-", min_size=1, max_size=12)
_long = st.text(alphabet="abcdefghij", min_size=43, max_size=60)
_punct = st.sampled_from(["", "", "", "", ",", ".", "!", "?", ";", ":", "…", '."', "),"])
_text = st.one_of(
    st.tuples(_letters, _punct).map("".join),
    st.tuples(_long, _punct).map("".join),
    st.sampled_from(["a", "in", "the", "to", "I", "and"]),
)
_ms = st.integers(min_value=0, max_value=1500)


@st.composite
def monotonic_words(draw) -> list[Word]:
    n = draw(st.integers(min_value=0, max_value=40))
    t = F(draw(st.integers(min_value=0, max_value=2000)), 1000)
    out = []
    for _ in range(n):
        t += F(draw(st.sampled_from([0, 0, 50, 100, 200, 400, 700, 1500])) if draw(st.booleans())
               else draw(_ms), 1000)
        d = F(draw(st.integers(min_value=0, max_value=900)), 1000)
        out.append(Word(draw(_text), t, t + d))
        t += d
    return out


@st.composite
def messy_words(draw) -> list[Word]:
    n = draw(st.integers(min_value=0, max_value=25))
    out = []
    for _ in range(n):
        s = F(draw(st.integers(min_value=-500, max_value=12000)), 1000)
        e = F(draw(st.integers(min_value=-500, max_value=12000)), 1000)
        out.append(Word(draw(_text), s, e))
    return out


_rules = st.builds(
    LayoutRules,
    max_words=st.one_of(st.none(), st.integers(1, 8)),
    max_chars_per_line=st.integers(1, 50),
    max_lines=st.integers(1, 3),
    chars_per_second=st.one_of(st.none(), st.floats(5, 30)),
    min_duration=st.fractions(0, 2, max_denominator=100),
    max_duration=st.one_of(st.none(), st.fractions(F(1, 10), 10, max_denominator=100)),
    pause=st.fractions(0, 2, max_denominator=100),
    break_at_sentence=st.booleans(),
    min_words=st.integers(1, 4),
    target_words=st.one_of(st.none(), st.integers(1, 6)),
    cue_cost=st.floats(0, 3),
    size_cost=st.floats(0, 3),
    clause_break_cost=st.floats(0, 3),
    weak_end_cost=st.floats(0, 6),
)
_media = st.one_of(st.none(), st.integers(0, 15000).map(lambda ms: F(ms, 1000)))
_fast = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _media_for(words: list[Word], media: F | None, monotonic: bool) -> F | None:
    if media is None or not monotonic or not words:
        return media
    return max(media, max(w.end for w in words))  # a real transcript lies inside its media


@pytest.mark.parametrize("preset", sorted(PRESETS))
@_fast
@given(words=monotonic_words(), media=_media)
def test_layout_rules_hold_for_every_preset(preset: str, words: list[Word], media: F | None) -> None:
    media = _media_for(words, media, True)
    cues = layout(words, preset, media_duration=media)
    check_rules(words, cues, PRESETS[preset], media)
    # monotonic, clamped input: the cue words are the input words themselves
    assert [w for c in cues for w in c.words] == words
    if preset == "word":
        assert all(1 <= len(c.words) <= 3 for c in cues)
    elif preset == "phrase":
        assert all(1 <= len(c.words) <= 5 for c in cues)
    else:
        for c in cues:
            lines = c.text.split("\n")
            assert len(lines) <= 2
            assert len(c.words) == 1 or all(len(ln) <= 42 for ln in lines)


@pytest.mark.parametrize("preset", sorted(PRESETS))
@_fast
@given(words=messy_words(), media=_media)
def test_layout_rules_hold_for_messy_input(
    preset: str, words: list[Word], media: F | None
) -> None:
    cues = layout(words, preset, media_duration=media)
    check_rules(words, cues, PRESETS[preset], media)


@_fast
@given(words=monotonic_words(), rules=_rules, media=_media)
def test_layout_rules_hold_for_any_rules(
    words: list[Word], rules: LayoutRules, media: F | None
) -> None:
    media = _media_for(words, media, True)
    check_rules(words, layout(words, rules, media_duration=media), rules, media)

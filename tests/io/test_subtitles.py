"""SRT / WebVTT / ASS import and export (capkit.io.subtitles)."""

from __future__ import annotations

import re
from fractions import Fraction as F
from pathlib import Path

import pysubs2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capkit.errors import CapkitError
from capkit.io.subtitles import SubtitleError, read_subtitles, write_subtitles
from capkit.model.captions import Cue, Word


def W(text: str, start: str, end: str) -> Word:
    return Word(text, F(start), F(end))


CUES = [
    Cue(F(1), F("2.5"), "Hello big\nworld,", (W("Hello", "1", "1.4"), W("big", "1.4", "1.7"), W("world,", "1.9", "2.333"))),
    Cue(F("2.5"), F("4.004"), "it's <fine> & ok", (W("it's", "2.6", "2.9"), W("<fine>", "2.9", "3.5"), W("&", "3.5", "3.6"), W("ok", "3.6", "3.9"))),
    Cue(F("3661.25"), F("3662"), "one", (W("one", "3661.25", "3662"),)),
    Cue(F(5), F(6), "no words known"),
]


def _close(a: F, b: F, tol: F) -> bool:
    return abs(a - b) <= tol


def _same(got: list[Cue], want: list[Cue], tol: F, words: bool) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert _close(g.start, w.start, tol) and _close(g.end, w.end, tol), (g, w)
        assert g.text == w.text
        assert g.translation == w.translation
        if words:
            assert [x.text for x in g.words] == [x.text for x in w.words]
            for gw, ww in zip(g.words, w.words):
                assert _close(gw.start, ww.start, F(1, 100)) and _close(gw.end, ww.end, F(1, 100)), (gw, ww)
                assert g.start <= gw.start <= gw.end <= g.end


def test_srt_round_trip(tmp_path: Path) -> None:
    p = write_subtitles(CUES, tmp_path / "a.srt")
    text = p.read_text()
    assert text.startswith("1\n00:00:01,000 --> 00:00:02,500\nHello big\nworld,\n\n2\n")
    assert "01:01:01,250 --> 01:01:02,000" in text
    got = read_subtitles(p)
    _same(got, [Cue(c.start, c.end, c.text) for c in CUES], F(1, 1000), words=False)
    assert all(isinstance(c.start, F) for c in got)


def test_vtt_round_trip_keeps_word_times(tmp_path: Path) -> None:
    p = write_subtitles(CUES, tmp_path / "a.vtt")
    text = p.read_text()
    assert text.startswith("WEBVTT\n\n")
    assert "Hello <00:00:01.400>big" in text  # a timestamp before each word after the first
    assert "&lt;fine&gt; " in text and "&amp;" in text
    got = read_subtitles(p)
    _same(got, CUES, F(1, 1000), words=True)
    assert got[0].words[2].end == F("2.333")  # the pause after "big" and before the end survive


@pytest.mark.parametrize("tag", ["k", "kf"])
def test_ass_karaoke_round_trip(tmp_path: Path, tag: str) -> None:
    p = write_subtitles(CUES, tmp_path / "a.ass", karaoke=tag)
    subs = pysubs2.load(str(p))
    assert list(subs.styles) == ["Default"] and subs.info["PlayResY"] == "1920"
    assert rf"{{\{tag}40}}Hello {{\{tag}30}}big" in subs.events[0].text
    got = read_subtitles(p)
    _same(got, CUES, F(1, 100), words=True)


def _k_sum(text: str) -> int:
    return sum(int(v) for v in re.findall(r"\\k[fo]?(\d+)", text))


def test_karaoke_centiseconds_add_up_to_cue_duration(tmp_path: Path) -> None:
    p = write_subtitles(CUES[:3], tmp_path / "a.ass", karaoke="k")
    for ev in pysubs2.load(str(p)).events:
        assert _k_sum(ev.text) * 10 == ev.end - ev.start


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000),
    st.lists(st.tuples(st.integers(0, 700), st.integers(0, 900)), min_size=1, max_size=8),
    st.integers(0, 700),
)
def test_karaoke_sum_is_exact_for_any_word_times(tmp_path_factory, start_ms, gaps_and_lengths, tail) -> None:
    t = F(start_ms, 1000) + F(1, 3)  # times that do not fall on centiseconds
    start = t
    words = []
    for i, (gap, length) in enumerate(gaps_and_lengths):
        t += F(gap, 1000)
        words.append(Word(f"w{i}", t, t + F(length, 1000) + F(1, 7)))
        t = words[-1].end
    cue = Cue(start, t + F(tail, 1000), " ".join(w.text for w in words), tuple(words))
    p = write_subtitles([cue], tmp_path_factory.mktemp("k") / "a.ass", karaoke="kf")
    ev = pysubs2.load(str(p)).events[0]
    assert _k_sum(ev.text) * 10 == ev.end - ev.start
    back = read_subtitles(p)[0]
    for gw, ww in zip(back.words, words, strict=True):
        assert abs(gw.start - ww.start) <= F(1, 100) and abs(gw.end - ww.end) <= F(1, 100)


def test_bilingual(tmp_path: Path) -> None:
    cues = [Cue(F(1), F(2), "Hello world", (W("Hello", "1", "1.5"), W("world", "1.5", "2")), "Hola mundo")]
    for suffix, kw in ((".srt", {}), (".vtt", {}), (".ass", {"karaoke": "k"}), (".ass", {})):
        p = write_subtitles(cues, tmp_path / f"b{suffix}", **kw)
        got = read_subtitles(p, bilingual=True)
        assert got[0].text == "Hello world" and got[0].translation == "Hola mundo", suffix
        assert read_subtitles(p)[0].text == "Hello world\nHola mundo"
    assert (tmp_path / "b.srt").read_text() == "1\n00:00:01,000 --> 00:00:02,000\nHello world\nHola mundo\n"


def test_ass_style_values(tmp_path: Path) -> None:
    style = {"font": "Inter", "size": 90, "primary_colour": "#FFD400", "outline": 6, "alignment": 5, "margin_v": 100}
    p = write_subtitles(CUES[:1], tmp_path / "s.ass", style=style)
    st_ = pysubs2.load(str(p)).styles["Default"]
    assert (st_.fontname, st_.fontsize, st_.outline, int(st_.alignment), st_.marginv) == ("Inter", 90, 6, 5, 100)
    assert (st_.primarycolor.r, st_.primarycolor.g, st_.primarycolor.b, st_.primarycolor.a) == (255, 212, 0, 0)
    with pytest.raises(SubtitleError, match="unknown ASS style value 'colour'"):
        write_subtitles(CUES, tmp_path / "s.ass", style={"colour": "#fff"})
    with pytest.raises(SubtitleError, match="is not a colour"):
        write_subtitles(CUES, tmp_path / "s.ass", style={"outline_colour": "black"})


def test_files_made_by_pysubs2_import(tmp_path: Path) -> None:
    subs = pysubs2.SSAFile()
    subs.append(pysubs2.SSAEvent(start=1000, end=2500, text=r"{\an8}{\k50}Hi {\K100}{\b1}there"))
    subs.append(pysubs2.SSAEvent(start=3000, end=4000, text=r"Two\Nlines"))
    for fmt in ("ass", "srt", "vtt"):
        p = tmp_path / f"p.{fmt}"
        subs.save(str(p), format_=fmt)
        got = read_subtitles(p)
        assert [(c.start, c.end) for c in got] == [(1, F(5, 2)), (3, 4)], fmt
        assert got[0].text == "Hi there" and got[1].text == "Two\nlines", fmt
    hi, there = read_subtitles(tmp_path / "p.ass")[0].words
    assert (hi.start, hi.end, there.start, there.end) == (1, F("1.5"), F("1.5"), F("2.5"))


def test_vtt_extras_and_crlf(tmp_path: Path) -> None:
    p = tmp_path / "x.vtt"
    p.write_bytes(
        b"\xef\xbb\xbfWEBVTT - made elsewhere\r\n\r\nNOTE a comment\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\n"
        b"intro\r\n00:01.000 --> 00:02.000 align:center line:80%\r\n<v Ann>Hi <00:01.500><c.red>you</c>\r\n"
    )
    (cue,) = read_subtitles(p)
    assert (cue.start, cue.end, cue.text) == (1, 2, "Hi you")
    assert [(w.text, w.start, w.end) for w in cue.words] == [("Hi", 1, F("1.5")), ("you", F("1.5"), 2)]


def _err(tmp_path: Path, name: str, content: bytes | str) -> str:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(SubtitleError) as info:
        read_subtitles(p)
    assert isinstance(info.value, CapkitError)
    return str(info.value)


GOOD_SRT = "1\n00:00:00,500 --> 00:00:01,000\nok\n\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("captions.srt", GOOD_SRT + "2\n00:00:01,000 -> 00:00:02\nbad\n",
         "captions.srt: line 6: '00:00:01,000 -> 00:00:02' is not a cue timing (expected 00:00:01,000 --> 00:00:02,500)"),
        ("captions.srt", GOOD_SRT + "\n\n2\n00:00:03,000 --> 00:00:02,000\nbackwards\n",
         "captions.srt: line 8: cue ends (00:00:02,000) before it starts (00:00:03,000)"),
        ("captions.srt", GOOD_SRT + "hello\nworld\n",
         "captions.srt: line 5: 'hello' is not a cue number or timing (expected a number, then 00:00:01,000 --> 00:00:02,500)"),
        ("captions.srt", GOOD_SRT + "7\n",
         "captions.srt: line 5: cue 7 has no timing line (expected 00:00:01,000 --> 00:00:02,500)"),
        ("captions.srt", b"1\n00:00:00,500 --> 00:00:01,000\ncaf\xe9\n",
         "captions.srt: line 3: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
        ("captions.vtt", "1\n00:00:00.500 --> 00:00:01.000\nok\n",
         "captions.vtt: line 1: missing 'WEBVTT' header (found '1')"),
        ("captions.vtt", "WEBVTT\n\n00:00:00.500 --> 00:00:01,000\nok\n",
         "captions.vtt: line 3: '00:00:00.500 --> 00:00:01,000' is not a cue timing (expected 00:00:01.000 --> 00:00:02.500)"),
        ("captions.vtt", "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nok\n",
         "captions.vtt: line 3: cue ends (00:00:01.000) before it starts (00:00:02.000)"),
        ("captions.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n<00:00:03.000>late\n",
         "captions.vtt: line 5: word timestamp <00:00:03.000> is outside its cue or earlier than the one before it"),
        ("captions.srt", GOOD_SRT.rstrip("\n") + "\n2\n00:00:01,000 --> 00:00:02,000\nmissing blank line\n",
         "captions.srt: line 5: a cue timing inside the text of the cue before ('00:00:01,000 --> 00:00:02,000'); is a blank line missing?"),
        ("captions.vtt", "WEBVTT\n00:00:01.000 --> 00:00:02.000\nok\n",
         "captions.vtt: line 2: a cue must be separated from the WEBVTT header by a blank line"),
        ("captions.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n00:00:02.000 --> 00:00:03.000\nnext\n",
         "captions.vtt: line 5: '-->' inside the text of a cue ('00:00:02.000 --> 00:00:03.000'); is a blank line missing?"),
        ("captions.ass", ("[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Text\n"
                          "Dialogue: 0,0:00:01.00,0:00:02.00,Default,ok\nDialogue: 0,0:00:01.00,1:2,Default,bad\n"),
         "captions.ass: line 7: '1:2' is not an ASS time for end (expected 0:00:01.50)"),
        ("captions.ass", "[Events]\nFormat: Layer, Start, End, Style, Text\nDialogue: 0,0:00:03.00,0:00:02.00,Default,x\n",
         "captions.ass: line 3: cue ends (0:00:02.00) before it starts (0:00:03.00)"),
        ("captions.ass", "[Events]\nFormat: Layer, Start, End, Style, Text\nDialogue: 0,0:00:03.00\n",
         "captions.ass: line 3: event has 2 fields, expected 5 (layer, start, end, style, text)"),
        ("captions.ass", "just some text\n",
         "captions.ass: line 1: not an ASS/SSA script (no [Script Info] or [Events] section)"),
        ("captions.txt", "hi", "captions.txt: unknown subtitle format '.txt' (use .srt, .vtt, .ass or .ssa)"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    assert _err(tmp_path, name, content) == message


def test_missing_file_and_bad_write_requests(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match=r"^gone\.srt: no such subtitle file"):
        read_subtitles(tmp_path / "gone.srt")
    with pytest.raises(SubtitleError, match=r"cannot write subtitles as '\.txt'"):
        write_subtitles(CUES, tmp_path / "a.txt")
    with pytest.raises(SubtitleError, match="karaoke must be"):
        write_subtitles(CUES, tmp_path / "a.ass", karaoke="K")
    with pytest.raises(SubtitleError, match=r"cue 1 ends \(1\.000 s\) before it starts \(2\.000 s\)"):
        write_subtitles([Cue(F(2), F(1), "x")], tmp_path / "a.srt")
    assert not (tmp_path / "a.srt").exists() and not list(tmp_path.iterdir())  # nothing half-written


def test_write_is_atomic_and_format_override(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_subtitles(CUES, target, fmt="vtt")
    assert target.read_text().startswith("WEBVTT")
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left behind


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-300, 3000), min_size=2, max_size=12),
    st.integers(0, 1000),
    st.sampled_from([".srt", ".vtt", ".ass"]),
)
def test_what_is_written_reads_back_even_with_untidy_word_times(tmp_path_factory, times, start_ms, suffix) -> None:
    """Word times outside the cue or out of order are clamped on writing, never written unreadable."""
    start, end = F(start_ms, 1000) + F(1, 3), F(start_ms, 1000) + 2
    words = tuple(Word(f"w{i}", start + F(a, 1000), start + F(b, 1000)) for i, (a, b) in enumerate(zip(times[::2], times[1::2])))
    cue = Cue(start, end, " ".join(w.text for w in words), words)
    p = write_subtitles([cue], tmp_path_factory.mktemp("u") / f"a{suffix}", karaoke="k")
    (back,) = read_subtitles(p)
    assert back.text == cue.text
    if suffix != ".srt":
        assert [w.text for w in back.words] == [w.text for w in words]
        flat = [t for w in back.words for t in (w.start, w.end)]
        assert flat == sorted(flat) and back.start <= flat[0] and flat[-1] <= back.end

"""Caption styles: shipped presets load, sit in the safe zone, and show the spoken word (pixels)."""

from fractions import Fraction as F

import numpy as np
import pytest

from capkit.io.caption_styles import CaptionStyleError, load_style, presets, save_style
from capkit.model import ColorClip, Project, Settings, Track
from capkit.model.caption_items import caption_from_cue, style_for_canvas
from capkit.model.captions import Cue, Word
from capkit.model.color import rgba
from capkit.packs.testing import capkit_data_dir  # noqa: F401  (fixture: a private user data folder)
from capkit.render.frames import FrameRenderer
from capkit.render.plan import compile_plan

BG = "#20406A"
WORDS = (("Every", 0, "1/2"), ("word", "1/2", "9/10"), ("lights", "9/10", "7/5"), ("up", "7/5", "8/5"),
         ("right", "8/5", "2"), ("on", "2", "11/5"), ("time", "11/5", "13/5"))
CUE = Cue(F(0), F(3), "Every word lights up right on time",
          tuple(Word(t, F(a), F(b)) for t, a, b in WORDS))


def frame(style, t, cue=CUE, width=540, height=960):
    p = Project(settings=Settings(width=width, height=height))
    p.tracks.append(Track(kind="video", items=[ColorClip(start=0, duration=3, color=BG)]))
    p.tracks.append(Track(kind="caption", items=[caption_from_cue(cue, style_for_canvas(style, width, height))]))
    with FrameRenderer(compile_plan(p)) as r:
        return r.render_at(F(t))


def near(img, colour, tol=40):
    r, g, b, _ = rgba(colour)
    d = np.abs(img.astype(int) - np.array([r, g, b])).sum(axis=2)
    return d <= tol


def ink_box(img):
    bg = np.array(rgba(BG)[:3])
    ys, xs = np.nonzero(np.abs(img.astype(int) - bg).sum(axis=2) > 30)
    return xs.min(), ys.min(), xs.max(), ys.max()


def test_at_least_eight_presets_each_with_an_active_word_effect():
    found = presets()
    assert len(found) >= 8
    for p in found:
        a = p.style.active
        assert a is not None and (a.color or a.box or a.scale != 1), p.name
        assert p.description


@pytest.mark.parametrize("name", [p.name for p in presets()])
def test_each_preset_sits_in_the_safe_zone_for_every_platform(name):
    # PLATFORMS.md: safe everywhere is x 65-930, y 270-1250 on 1080x1920. A long phrase (five long
    # words, the most the phrase layout puts together) with a long word active must stay inside it.
    text = "Everybody celebrates wonderful moments together"
    long = Cue(F(0), F(3), text, tuple(Word(t, F(i, 2), F(i + 1, 2)) for i, t in enumerate(text.split())))
    img = frame(load_style(name), F(1, 2) + F(1, 5), long, 1080, 1920)
    x0, y0, x1, y1 = ink_box(img)
    assert 65 <= x0 and x1 <= 930 and 270 <= y0 and y1 <= 1250, (name, (x0, y0, x1, y1))


def test_active_colour_follows_the_spoken_word():
    style = load_style("bold-outline")
    yellow = style.active.color
    xs = []
    for t in ("1/4", "13/20", "23/10"):  # Every, word, time
        hit = near(frame(style, F(t)), yellow)
        assert hit.sum() > 200, t
        xs.append(np.nonzero(hit)[1].mean())
    assert not near(frame(style, F(27, 10)), yellow).any()  # after the last word: nothing active
    assert xs[0] < xs[1]  # "word" is right of "Every" on the first line
    hit_first_line = np.nonzero(near(frame(style, F(1, 4)), yellow))[0].mean()
    hit_second_line = np.nonzero(near(frame(style, F(23, 10)), yellow))[0].mean()
    assert hit_second_line > hit_first_line  # "time" wrapped onto the second line


def test_karaoke_keeps_spoken_words_coloured():
    style = load_style("karaoke")
    counts = [near(frame(style, F(t)), style.active.color).sum() for t in ("1/4", "1", "19/10", "12/5")]
    assert counts == sorted(counts) and counts[0] > 100 and counts[-1] > 3 * counts[0]


def test_box_highlight_moves_its_box():
    style = load_style("box-highlight")
    box = style.active.box.color
    a, b = near(frame(style, F(1, 4)), box), near(frame(style, F(7, 10)), box)
    assert a.sum() > 500 and b.sum() > 500
    assert np.nonzero(b)[1].mean() > np.nonzero(a)[1].mean() + 30


def test_pop_word_grows_the_spoken_word():
    style = load_style("pop-word")
    onset = near(frame(style, F(9, 10)), style.active.color).sum()  # "LIGHTS" just starting
    settled = near(frame(style, F(13, 10)), style.active.color).sum()
    assert settled > onset * 1.2


def test_bilingual_line_is_drawn_below():
    style = load_style("lower-third")
    cue = Cue(CUE.start, CUE.end, "Every word", CUE.words[:2], translation="Chaque mot")
    with_line = frame(style, F(1, 4), cue)
    without = frame(style, F(1, 4), Cue(cue.start, cue.end, cue.text, cue.words))
    (_, top1, _, bottom1), (_, top0, _, bottom0) = ink_box(with_line), ink_box(without)
    assert (bottom1 - top1) > (bottom0 - top0) + 15 and bottom1 > bottom0  # a line more, under the words


def test_broken_and_unknown_styles_are_named(tmp_path):
    with pytest.raises(CaptionStyleError, match="no caption style named 'nope'; choose one of .*karaoke"):
        load_style("nope")
    bad = tmp_path / "bad.json"
    style = load_style("neon")
    save_style(style, bad)
    bad.write_text(bad.read_text().replace('"#39FF14"', '"green"'))
    with pytest.raises(CaptionStyleError, match=r"bad.json: style.active.color: must be a colour"):
        load_style(str(bad))


def test_user_style_overrides_a_shipped_one(capkit_data_dir):
    style = load_style("neon")
    style.text.size = 99.0
    save_style(style)  # into the user's style folder under its own name
    assert load_style("neon").text.size == 99.0

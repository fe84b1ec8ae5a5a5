"""Captions on the timeline: caption items with per-word timing, and their styles.

A :class:`CaptionItem` sits on a track of kind ``"caption"``. Its words are the single source of
truth: each :class:`CaptionWord` has its text and its time *relative to the item's start* (so
moving or shifting the item moves its words with it), and says whether a line break follows it.
The text shown is derived from the words (:attr:`CaptionItem.text`). Editing text goes through
:class:`capkit.model.caption_edits.SetCaptionText`, which keeps the timing of unchanged words.

A :class:`CaptionStyle` says how a caption looks: the base :class:`TextStyle` (font, size, colour,
stroke, shadow; its ``box`` is drawn behind the whole caption), the effect on the word being
spoken (:class:`ActiveWord`: colour change, a box behind it, a scale pop), a colour for words not
yet spoken, upper case, an entrance animation and the size of a bilingual second line. Presets are
data files in ``resources/caption-styles/`` (see :mod:`capkit.io.caption_styles`); an item keeps a
full copy of its style, so a project renders the same even if a preset file changes later.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from fractions import Fraction

from capkit.model.captions import Cue, Word
from capkit.model.items import Animation, Normalised, TextBox, TextStyle, Transform, VisualItem, _f

ACTIVE_MODES = ("word", "karaoke")
SHOW_MODES = ("all", "active")


@dataclass
class CaptionWord(Normalised):
    """One spoken word. Times are seconds from the caption item's start."""

    SCHEMA = "CaptionWord"
    VERSION = 1
    text: str = _f("", doc="the word as shown, punctuation attached")
    start: Fraction = _f(Fraction(0), min=Fraction(0), doc="seconds from the item's start")
    end: Fraction = _f(Fraction(0), min=Fraction(0))
    break_after: bool = _f(False, doc="a line break follows this word")


@dataclass
class ActiveWord(Normalised):
    """What happens to the word being spoken."""

    SCHEMA = "ActiveWord"
    VERSION = 1
    color: str | None = _f(None, color=True, doc="fill colour of the spoken word (None: unchanged)")
    box: TextBox | None = _f(None, doc="a box drawn behind the spoken word")
    scale: float = _f(1.0, min=0.5, max=3.0, doc="size of the spoken word (1: unchanged); it pops in")
    mode: str = _f("word", choices=ACTIVE_MODES,
                   doc="word: only the spoken word changes; karaoke: words already spoken keep the colour")


@dataclass
class CaptionStyle(Normalised):
    """How a caption looks. Sizes are pixels at the project's canvas size."""

    SCHEMA = "CaptionStyle"
    VERSION = 1
    name: str = _f("custom", doc="the preset it came from")
    text: TextStyle = _f(TextStyle)
    active: ActiveWord | None = _f(None)
    upcoming_color: str | None = _f(None, color=True, doc="colour of words not yet spoken (None: the text colour)")
    show: str = _f("all", choices=SHOW_MODES, doc="all words of the caption, or only the word being spoken")
    uppercase: bool = _f(False)
    x: float = _f(0.5, min=0.0, max=1.0, doc="default centre x of new captions, fraction of canvas width")
    y: float = _f(0.6, min=0.0, max=1.0, doc="default centre y of new captions, fraction of canvas height")
    animation_in: Animation | None = _f(None, doc="how each caption appears (fade or pop)")
    translation_scale: float = _f(0.7, min=0.2, max=2.0, doc="size of a bilingual second line")


@dataclass
class CaptionItem(VisualItem):
    """A caption on screen for ``[start, start + duration)``."""

    SCHEMA = "CaptionItem"
    VERSION = 1
    words: list[CaptionWord] = _f(list)
    translation: str = _f("", doc="a second line in another language (bilingual captions)")
    style: CaptionStyle = _f(CaptionStyle)

    @property
    def text(self) -> str:
        """The caption as shown (before upper-casing): words joined by spaces or line breaks."""
        return words_text(self.words)

    def word_at(self, t: Fraction) -> int | None:
        """Index of the word being spoken at item-relative time ``t``, if any."""
        for i, w in enumerate(self.words):
            if w.start <= t < w.end:
                return i
        return None

    def spoken_before(self, t: Fraction) -> int:
        """How many words have started by item-relative time ``t``."""
        return sum(1 for w in self.words if w.start <= t)


REFERENCE_WIDTH = 1080  # presets are drawn for a 1080x1920 canvas


def scale_text_style(t: TextStyle, k: float) -> None:
    """Scale every size of a text style by ``k`` in place (font, outline, shadow, box)."""
    t.size *= k
    if t.stroke is not None:
        t.stroke.width *= k
    if t.shadow is not None:
        t.shadow.offset_x *= k
        t.shadow.offset_y *= k
        t.shadow.blur *= k
    if t.box is not None:
        t.box.padding *= k
        t.box.radius *= k


def style_for_canvas(style: CaptionStyle, width: int, height: int, *, reference: int = REFERENCE_WIDTH) -> CaptionStyle:
    """A copy of a style with every size scaled from a canvas whose shorter side is ``reference``
    (a preset's 1080) to this one (by the shorter side, so a 1920x1080 landscape project gets the
    same sizes as 1080x1920)."""
    k = min(width, height) / reference
    out = copy.deepcopy(style)
    if k == 1:
        return out
    scale_text_style(out.text, k)
    if out.active is not None and out.active.box is not None:
        out.active.box.padding *= k
        out.active.box.radius *= k
    return out


def words_text(words: list[CaptionWord]) -> str:
    parts: list[str] = []
    for i, w in enumerate(words):
        parts.append(w.text)
        if i < len(words) - 1:
            parts.append("\n" if w.break_after else " ")
    return "".join(parts)


def caption_from_cue(cue: Cue, style: CaptionStyle, *, offset: Fraction = Fraction(0)) -> CaptionItem:
    """A caption item for a cue; ``offset`` moves media time to timeline time.

    The cue's line breaks become ``break_after`` on the word that ends each line. A cue without
    timed words (read from an SRT file, say) gets its text's words spread evenly over the cue, each
    word's share in proportion to its length, so the active-word effect still moves along.
    """
    start = cue.start + offset
    duration = max(cue.end - cue.start, Fraction(1, 1000))
    lines = [line.split() for line in cue.text.split("\n")]
    tokens = [(tok, i == len(line) - 1 and n < len(lines) - 1)
              for n, line in enumerate(lines) for i, tok in enumerate(line)]
    if cue.words and [w.text for w in cue.words] == [t for t, _ in tokens]:
        timed = [(w.start - cue.start, w.end - cue.start) for w in cue.words]
    else:
        timed = spread([t for t, _ in tokens], Fraction(0), duration)
    words = [CaptionWord(text, max(Fraction(0), min(s, duration)), max(Fraction(0), min(e, duration)), brk)
             for (text, brk), (s, e) in zip(tokens, timed)]
    return CaptionItem(
        start=start, duration=duration, words=words, translation=cue.translation,
        style=style, transform=Transform(x=style.x, y=style.y),
        name=" ".join(t for t, _ in tokens)[:40],
    )


def spread(texts: list[str], start: Fraction, end: Fraction) -> list[tuple[Fraction, Fraction]]:
    """Times for ``texts`` spread over ``[start, end]``, each in proportion to its length."""
    weights = [max(len(t), 1) for t in texts]
    total = sum(weights)
    out: list[tuple[Fraction, Fraction]] = []
    at = start
    for w in weights:
        nxt = at + (end - start) * Fraction(w, total) if total else at
        # rounded to the millisecond, but never outside [start, end] (whose ends may be finer)
        out.append((min(max(_ms(at), start), end), min(max(_ms(nxt), start), end)))
        at = nxt
    return out


def _ms(t: Fraction) -> Fraction:
    """Rounded to the millisecond, so spread times stay short in the project file."""
    return Fraction(round(t * 1000), 1000)


def retime_words(item: CaptionItem, delta: Fraction) -> None:
    """Keep the words where they were on the timeline after the item's start moved by ``delta``
    (a trim or split): their relative times shift by ``-delta``; words wholly outside the item
    are dropped and a word cut by an edge is clipped to it."""
    kept: list[CaptionWord] = []
    for w in item.words:
        s, e = w.start - delta, w.end - delta
        if e <= 0 and w.end > w.start or s >= item.duration:
            continue
        kept.append(CaptionWord(w.text, min(max(s, Fraction(0)), item.duration),
                                min(max(e, Fraction(0)), item.duration), w.break_after))
    if kept:
        kept[-1].break_after = False
    item.words = kept


def cue_of(item: CaptionItem) -> Cue:
    """The item as a timeline-time cue (for subtitle files)."""
    words = tuple(Word(w.text, item.start + w.start, item.start + w.end) for w in item.words)
    return Cue(item.start, item.end, item.text, words, item.translation)


__all__ = ["ACTIVE_MODES", "ActiveWord", "CaptionItem", "CaptionStyle", "CaptionWord", "caption_from_cue",
           "cue_of", "retime_words", "scale_text_style", "spread", "style_for_canvas", "words_text"]

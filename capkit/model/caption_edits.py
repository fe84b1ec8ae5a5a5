"""Edit verbs for captions: change the text, split at a word, merge two captions.

Like every edit in :mod:`capkit.model.edits` they undo exactly. Shifting many captions at once
(captions a little late against the speech) is :class:`capkit.model.edits.ShiftItems`; cutting a
caption at the playhead is the ordinary :class:`~capkit.model.edits.Split`, which divides the
words between the two parts.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from fractions import Fraction

from capkit.errors import EditError
from capkit.model.caption_items import CaptionItem, CaptionWord, spread
from capkit.model.edits import Edit, Split, _find
from capkit.model.items import new_id

_PUNCT = re.compile(r"^\W+|\W+$")


def _caption(project, item_id: str, what: str) -> tuple:
    track, item = _find(project, item_id)
    if not isinstance(item, CaptionItem):
        raise EditError(f"{what}: {item.name or item_id!r} is a {type(item).SCHEMA}, not a caption")
    return track, item


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words of ``text`` and whether a line break follows each (blank lines are ignored)."""
    lines = [line.split() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    return [(tok, i == len(line) - 1 and n < len(lines) - 1)
            for n, line in enumerate(lines) for i, tok in enumerate(line)]


def _norm(word: str) -> str:
    return _PUNCT.sub("", word).casefold() or word


def retext(words: list[CaptionWord], text: str, duration: Fraction) -> list[CaptionWord]:
    """New words for ``text`` that keep the timing of the words that did not change.

    Old and new words are aligned (difflib, compared without case and surrounding punctuation, so
    fixing "hello" to "Hello," keeps its time). A run of old words replaced by the same number of
    new words keeps its times one to one (a corrected spelling); a run replaced by a different
    number of words shares the old run's time, each word in proportion to its length; inserted
    words share the silence between their neighbours (zero length when there is none, so they show
    but are never the highlighted word); deleted words are gone.
    """
    new = _tokens(text)
    if not new:
        raise EditError("Caption text: a caption needs at least one word; delete the caption instead")
    old_keys = [_norm(w.text) for w in words]
    new_keys = [_norm(t) for t, _ in new]
    out: list[CaptionWord] = []
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "delete":
            continue
        if op == "equal" or (op == "replace" and a1 - a0 == b1 - b0):
            times = [(words[a].start, words[a].end) for a in range(a0, a1)]
        else:
            lo = words[a0].start if op == "replace" else (words[a0 - 1].end if a0 > 0 else Fraction(0))
            hi = words[a1 - 1].end if op == "replace" else (words[a0].start if a0 < len(words) else duration)
            times = spread([t for t, _ in new[b0:b1]], lo, max(lo, hi))
        for (tok, brk), (s, e) in zip(new[b0:b1], times):
            out.append(CaptionWord(tok, s, e, brk))
    return out


@dataclass
class SetCaptionText(Edit):
    """Change what a caption says (``"\\n"`` starts a new line); unchanged words keep their timing."""

    item_id: str
    text: str
    label = "Caption text"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        _, item = _caption(project, self.item_id, self.label)
        item.words = retext(item.words, self.text, item.duration)
        item.name = " ".join(w.text for w in item.words)[:40]


@dataclass
class SplitCaption(Edit):
    """Cut a caption in two before word ``index``; the second part starts when that word is spoken."""

    item_id: str
    index: int
    new_id: str = field(default_factory=new_id)
    label = "Split caption"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        _, item = _caption(project, self.item_id, self.label)
        if not 0 < self.index < len(item.words):
            raise EditError(f"{self.label}: choose a word between the first and the last "
                            f"(1 to {len(item.words) - 1}), not {self.index}")
        at = item.start + item.words[self.index].start
        if at <= item.start:
            raise EditError(f"{self.label}: the word {item.words[self.index].text!r} starts with the caption; "
                            "retime it before splitting here")
        Split(self.item_id, at, self.new_id)._apply(project)


@dataclass
class MergeCaptions(Edit):
    """Join a caption with the next one on its track into one caption spanning both."""

    first_id: str
    second_id: str
    label = "Merge captions"

    def touched(self, project):
        return [_find(project, self.first_id)[0].id]

    def _apply(self, project):
        track, first = _caption(project, self.first_id, self.label)
        track2, second = _caption(project, self.second_id, self.label)
        if track2 is not track:
            raise EditError(f"{self.label}: the captions are on different tracks")
        if second.start < first.end:
            first, second = second, first
        if second.start < first.end:
            raise EditError(f"{self.label}: the captions overlap")
        between = [i for i in track.items if i not in (first, second) and first.start < i.start < second.end]
        if between:
            raise EditError(f"{self.label}: another caption lies between them; merge neighbours only")
        delta = second.start - first.start
        if first.words:
            first.words[-1].break_after = False
        first.words += [CaptionWord(w.text, w.start + delta, w.end + delta, w.break_after) for w in second.words]
        first.duration = second.end - first.start
        first.translation = " ".join(t for t in (first.translation, second.translation) if t.strip())
        first.name = " ".join(w.text for w in first.words)[:40]
        track.items.remove(second)


__all__ = ["MergeCaptions", "SetCaptionText", "SplitCaption", "retext"]

"""Caption layout: timed words into caption cues for short video.

Public API::

    from capkit.captions.layout import layout, LayoutRules, PRESETS
    cues = layout(words, "phrase", media_duration=Fraction(30))   # list[Cue]

Presets are data (:class:`LayoutRules`); ``PRESETS`` holds ``"word"`` (word by word, 1-3 words),
``"phrase"`` (3-5 words at pauses) and ``"subtitle"`` (at most 2 lines of 42 characters, about
17 characters per second, at least 0.7 s on screen when the gap allows). A custom
``LayoutRules`` may be passed instead of a preset name.

How words become cues:

1. **Normalise.** Words are sorted by start (stable); text is stripped of surrounding white space;
   times are clamped to ``>= 0`` (and ``<= media_duration`` when given); a word that starts before
   the previous word ends starts where it ends; a word whose end is before its start gets zero
   length. A word whose time and text are unchanged is kept as the same object; otherwise a copy
   with the fixed values is used (``dataclasses.replace``), so cue words always satisfy the timing
   rules below.
2. **Runs.** The words are cut into runs at hard breaks: a gap between two words longer than
   ``rules.pause``, and (when ``rules.break_at_sentence``) after a word ending in sentence
   punctuation (``. ! ? …``, also before closing quotes/brackets).
3. **Chunks.** Each run is partitioned into cues by dynamic programming over a per-cue cost:
   feasible cues have at most ``max_words`` words, fit in ``max_lines`` lines of
   ``max_chars_per_line`` characters, and span at most ``max_duration`` of speech; a single word
   is always feasible (a word is never split, even when longer than the line limit). The cost of a
   cue is ``cue_cost`` + ``size_cost * (n - target_words)**2`` + ``under_min_cost`` per word
   short of ``min_words`` + (when the cue ends inside a run) ``clause_break_cost`` unless its last
   word ends in clause punctuation (``, ; : — –``) and ``weak_end_cost`` if its last word is a
   short function word ("in", "the", "to", ...), which therefore groups with the next word.
4. **Lines.** With ``max_lines > 1`` a cue's text is wrapped into the fewest lines that fit
   ``max_chars_per_line``, the break placed to balance the lines (smallest longest line; on a
   tie, after punctuation, then a shorter top line); lines are joined with ``"\\n"``, words within a
   line with single spaces. With ``max_lines == 1`` the text is the words joined with single spaces.
5. **Timing.** A cue starts at its first word's start. It ends at its last word's end, extended
   into the following silence towards ``start + target`` where ``target`` is the largest of
   ``min_duration`` and ``len(text) / chars_per_second`` (characters include spaces), capped at
   ``max_duration``; the extension never passes the next cue's start or ``media_duration``.
   Cues are therefore in time order and never overlap.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from capkit.model.captions import Cue, Word

__all__ = ["PRESETS", "LayoutRules", "layout", "wrap_lines"]

_SENTENCE_END = ".!?…。！？"
_CLAUSE_END = ",;:—–、，；："
_CLOSERS = "\"'”’»)]}"
_WEAK_WORDS = frozenset(
    "a an the in on at to of for by with from into onto and or but nor as if than "
    "my your his her its our their i you he she we they it".split()
)


@dataclass(frozen=True)
class LayoutRules:
    """How words are grouped and timed into cues (see the module docstring for the algorithm)."""

    max_words: int | None = None  # most words in a cue (None: no limit)
    max_chars_per_line: int = 42  # a single word longer than this still gets a cue of its own
    max_lines: int = 1  # lines are joined with "\n" in the cue text when more than one
    chars_per_second: float | None = None  # reading speed the end is extended to reach
    min_duration: Fraction = Fraction(0)  # seconds on screen, when the gap to the next cue allows
    max_duration: Fraction | None = None  # longest speech span of a cue; cap of the extension
    pause: Fraction = Fraction(1, 2)  # a gap between words longer than this forces a break
    break_at_sentence: bool = True  # always break after . ! ?
    min_words: int = 1  # fewer words than this are penalised (soft)
    target_words: int | None = None  # preferred words per cue (soft)
    # costs of the chunking (lower is preferred)
    cue_cost: float = 0.0
    size_cost: float = 0.0
    under_min_cost: float = 3.0
    clause_break_cost: float = 1.0
    weak_end_cost: float = 2.0

    def __post_init__(self) -> None:
        if self.max_words is not None and self.max_words < 1:
            raise ValueError("max_words must be at least 1")
        if self.max_chars_per_line < 1 or self.max_lines < 1:
            raise ValueError("max_chars_per_line and max_lines must be at least 1")
        if self.chars_per_second is not None and self.chars_per_second <= 0:
            raise ValueError("chars_per_second must be positive")
        if self.min_duration < 0 or self.pause < 0:
            raise ValueError("min_duration and pause must not be negative")
        if self.max_duration is not None and self.max_duration <= 0:
            raise ValueError("max_duration must be positive")


PRESETS: dict[str, LayoutRules] = {
    # word by word: 1-3 words, single words preferred; short function words join the next word
    "word": LayoutRules(
        max_words=3,
        max_chars_per_line=20,
        max_lines=1,
        min_duration=Fraction(1, 4),
        max_duration=Fraction(2),
        pause=Fraction(1, 4),
        target_words=1,
        size_cost=1.0,
        clause_break_cost=0.5,
        weak_end_cost=5.0,
    ),
    # phrase: 3-5 words (4 preferred), broken at pauses, preferably after punctuation
    "phrase": LayoutRules(
        max_words=5,
        max_chars_per_line=36,
        max_lines=1,
        min_duration=Fraction(1, 2),
        max_duration=Fraction(4),
        pause=Fraction(7, 20),
        min_words=3,
        target_words=4,
        size_cost=1.0,
        clause_break_cost=1.5,
        weak_end_cost=3.0,
    ),
    # subtitle: <= 2 balanced lines of <= 42 characters, ~17 chars/s, >= 0.7 s, <= 7 s
    "subtitle": LayoutRules(
        max_words=None,
        max_chars_per_line=42,
        max_lines=2,
        chars_per_second=17.0,
        min_duration=Fraction(7, 10),
        max_duration=Fraction(7),
        pause=Fraction(3, 5),
        cue_cost=1.0,
        clause_break_cost=0.5,
        weak_end_cost=0.5,
        under_min_cost=0.0,
    ),
}


def _core(text: str) -> str:
    return text.rstrip(_CLOSERS)


def _ends_sentence(text: str) -> bool:
    c = _core(text)
    return bool(c) and c[-1] in _SENTENCE_END


def _ends_clause(text: str) -> bool:
    c = _core(text)
    return bool(c) and (c[-1] in _CLAUSE_END or c[-1] in _SENTENCE_END)


def _is_weak(text: str) -> bool:
    c = text.strip(_CLOSERS + "\"'“‘«([{").lower()
    return c in _WEAK_WORDS


def wrap_lines(texts: Sequence[str], max_chars: int, max_lines: int) -> list[str] | None:
    """Wrap words into the fewest lines of at most ``max_chars``, balanced; None if they don't fit.

    Empty texts are skipped. Among wraps with the fewest lines, the one with the shortest longest
    line wins; ties go to breaks after punctuation, then to shorter upper lines.
    """
    ws = [t for t in texts if t]
    if not ws:
        return [""]
    n = len(ws)
    # prefix lengths for the length of ws[i:j] joined with spaces
    pre = [0]
    for w in ws:
        pre.append(pre[-1] + len(w))

    def length(i: int, j: int) -> int:
        return pre[j] - pre[i] + (j - i - 1)

    if length(0, n) <= max_chars:
        return [" ".join(ws)]
    # best[k][i]: best key to wrap ws[i:] into exactly k lines; key = (longest, -punct breaks, lens)
    for lines in range(2, max_lines + 1):
        memo: dict[tuple[int, int], tuple | None] = {}

        def best(
            i: int, k: int, memo: dict[tuple[int, int], tuple | None] = memo
        ) -> tuple | None:
            if (i, k) in memo:
                return memo[(i, k)]
            res: tuple | None = None
            if k == 1:
                if length(i, n) <= max_chars:
                    res = (length(i, n), 0, (length(i, n),), (n,))
            else:
                for j in range(i + 1, n - k + 2):
                    ln = length(i, j)
                    if ln > max_chars:
                        break
                    rest = best(j, k - 1)
                    if rest is None:
                        continue
                    punct = 1 if _ends_clause(ws[j - 1]) else 0
                    cand = (max(ln, rest[0]), rest[1] - punct, (ln, *rest[2]), (j, *rest[3]))
                    if res is None or cand[:3] < res[:3]:
                        res = cand
            memo[(i, k)] = res
            return res

        got = best(0, lines)
        if got is not None:
            out, i = [], 0
            for j in got[3]:
                out.append(" ".join(ws[i:j]))
                i = j
            return out
    return None


def _normalise(words: Sequence[Word], media_duration: Fraction | None) -> list[Word]:
    order = sorted(range(len(words)), key=lambda i: (Fraction(words[i].start), i))
    out: list[Word] = []
    prev_end = Fraction(0)
    for i in order:
        w = words[i]
        s = max(Fraction(w.start), prev_end)
        e = max(Fraction(w.end), s)
        if media_duration is not None:
            s = min(s, media_duration)
            e = min(e, media_duration)
        text = w.text.strip()
        if s != w.start or e != w.end or text != w.text or type(w.start) is not Fraction:
            w = dataclasses.replace(w, text=text, start=s, end=e)
        out.append(w)
        prev_end = e
    return out


def _runs(words: list[Word], rules: LayoutRules) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for w in words:
        if runs:
            prev = runs[-1][-1]
            hard = w.start - prev.end > rules.pause or (
                rules.break_at_sentence and _ends_sentence(prev.text)
            )
            if not hard:
                runs[-1].append(w)
                continue
        runs.append([w])
    return runs


def _chunk(run: list[Word], rules: LayoutRules) -> list[list[Word]]:
    n = len(run)
    inf = math.inf
    cost = [inf] * (n + 1)
    back = [0] * (n + 1)
    cost[0] = 0.0
    for j in range(1, n + 1):  # cue ends after run[j-1]
        for i in range(j - 1, -1, -1):  # cue starts at run[i]
            size = j - i
            if size > 1:
                if rules.max_words is not None and size > rules.max_words:
                    break
                if rules.max_duration is not None and (
                    run[j - 1].end - run[i].start > rules.max_duration
                ):
                    break
                texts = [w.text for w in run[i:j]]
                if wrap_lines(texts, rules.max_chars_per_line, rules.max_lines) is None:
                    break
            if cost[i] == inf:
                continue
            c = rules.cue_cost
            if rules.target_words is not None:
                c += rules.size_cost * (size - rules.target_words) ** 2
            if size < rules.min_words:
                c += rules.under_min_cost * (rules.min_words - size)
            if j < n:
                last = run[j - 1].text
                if not _ends_clause(last):
                    c += rules.clause_break_cost
                if _is_weak(last):
                    c += rules.weak_end_cost
            total = cost[i] + c
            if total < cost[j] - 1e-9:  # on a tie keep the larger last cue (found first)
                cost[j] = total
                back[j] = i
    chunks: list[list[Word]] = []
    j = n
    while j > 0:
        i = back[j]
        chunks.append(run[i:j])
        j = i
    chunks.reverse()
    return chunks


def layout(
    words: Sequence[Word],
    preset: str | LayoutRules = "phrase",
    *,
    media_duration: Fraction | None = None,
) -> list[Cue]:
    """Group timed words into caption cues by a preset name (``PRESETS``) or ``LayoutRules``.

    Every input word appears in exactly one cue, in time order; cues never overlap, and lie inside
    ``[0, media_duration]`` when it is given. See the module docstring for the rules.
    """
    if isinstance(preset, LayoutRules):
        rules = preset
    else:
        try:
            rules = PRESETS[preset]
        except KeyError:
            raise ValueError(
                f"unknown caption layout {preset!r}; choose one of {', '.join(PRESETS)}"
            ) from None
    if media_duration is not None:
        media_duration = Fraction(media_duration)
        if media_duration < 0:
            raise ValueError("media_duration must not be negative")
    norm = _normalise(words, media_duration)
    chunks: list[list[Word]] = []
    for run in _runs(norm, rules):
        chunks.extend(_chunk(run, rules))

    cues: list[Cue] = []
    for k, chunk in enumerate(chunks):
        texts = [w.text for w in chunk]
        if rules.max_lines > 1:
            lines = wrap_lines(texts, rules.max_chars_per_line, rules.max_lines)
            text = "\n".join(lines) if lines is not None else " ".join(t for t in texts if t)
        else:
            text = " ".join(t for t in texts if t)
        start = chunk[0].start
        end = chunk[-1].end
        target = Fraction(rules.min_duration)
        if rules.chars_per_second is not None:
            target = max(target, Fraction(len(text)) / Fraction(rules.chars_per_second))
        if rules.max_duration is not None:
            target = min(target, Fraction(rules.max_duration))
        limit = chunks[k + 1][0].start if k + 1 < len(chunks) else None
        if media_duration is not None:
            limit = media_duration if limit is None else min(limit, media_duration)
        want = start + target
        if limit is not None:
            want = min(want, limit)
        end = max(end, want)
        cues.append(Cue(start=start, end=end, text=text, words=tuple(chunk)))
    return cues

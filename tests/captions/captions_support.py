"""Shared helpers for the caption tests: fixture paths, reference texts, word error rate."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def sentence_fixtures() -> list[tuple[Path, str]]:
    """(wav path, reference transcript) for each English sentence fixture."""
    out = []
    for line in (FIXTURES / "sentences.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            name, text = line.split("\t", 1)
            out.append((FIXTURES / name, text))
    return out


def word_onsets() -> list[tuple[str, Fraction]]:
    """(word, true onset in seconds) of the assembled single-word fixture ``words.wav``."""
    lines = (FIXTURES / "words.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(w, Fraction(t)) for t, w in (ln.split("\t") for ln in lines if ln.strip())]


def normalise(text: str) -> list[str]:
    """Lower case, punctuation removed (apostrophes kept inside words), split on white space."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions all cost 1)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def wer(ref: str | list[str], hyp: str | list[str]) -> float:
    """Word error rate of hypothesis against reference, after :func:`normalise`."""
    r = normalise(ref) if isinstance(ref, str) else ref
    h = normalise(hyp) if isinstance(hyp, str) else hyp
    return edit_distance(r, h) / max(1, len(r))

"""Timed words and caption cues: what speech recognition produces and captions are made of.

Pure data shared by transcription (``capkit.captions``), caption layout and subtitle files
(``capkit.io.subtitles``). Times are exact ``Fraction`` seconds of the media (or the timeline,
once placed); a cue's words lie inside the cue and keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Word:
    text: str  # without surrounding spaces; punctuation stays attached ("world,")
    start: Fraction
    end: Fraction
    probability: float = 1.0


@dataclass(frozen=True)
class Cue:
    """One caption on screen: its time, its lines of text, and the timed words it shows."""

    start: Fraction
    end: Fraction
    text: str  # as shown; "\n" separates lines
    words: tuple[Word, ...] = field(default=())
    translation: str = ""  # a second language line, for bilingual captions

    @property
    def duration(self) -> Fraction:
        return self.end - self.start

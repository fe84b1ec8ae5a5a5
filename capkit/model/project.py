"""The project document: canvas settings, tracks of items, markers.

Tracks are ordered bottom to top: ``tracks[0]`` is drawn first and everything above covers it
(alpha "over"); audio of all tracks is summed. Items on one track never overlap; the edit verbs in
:mod:`capkit.model.edits` keep that true and :func:`check_project` verifies it for loaded files.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from capkit.model.caption_items import CaptionItem
from capkit.model.color import is_color
from capkit.model.items import (
    AudioClip, ColorClip, Normalised, FilterItem, ImageClip, Item, TextItem, VideoClip, _f, new_id,
)

TRACK_KINDS = ("video", "text", "audio", "filter", "caption")

# Which items each kind of track holds.
TRACK_ITEMS: dict[str, tuple[type[Item], ...]] = {
    "video": (VideoClip, ImageClip, ColorClip),
    "text": (TextItem,),
    "audio": (AudioClip,),
    "filter": (FilterItem,),
    "caption": (CaptionItem,),
}


@dataclass
class Settings(Normalised):
    SCHEMA = "Settings"
    VERSION = 1
    width: int = _f(1080, min=16, max=8192, even=True)
    height: int = _f(1920, min=16, max=8192, even=True)
    fps: Fraction = _f(Fraction(30), min=Fraction(1), max=Fraction(240), rate=True)
    sample_rate: int = _f(48000, choices=(22050, 32000, 44100, 48000, 96000))
    background: str = _f("#000000", color=True)


@dataclass
class Track:
    SCHEMA = "Track"
    VERSION = 1
    kind: str = _f("video", choices=TRACK_KINDS)
    id: str = _f(new_id)
    name: str = _f("")
    items: list[Item] = _f(list)
    muted: bool = _f(False)
    hidden: bool = _f(False)
    locked: bool = _f(False)

    @property
    def end(self) -> Fraction:
        return max((i.end for i in self.items), default=Fraction(0))

    def sort(self) -> None:
        self.items.sort(key=lambda i: i.start)


@dataclass
class Marker(Normalised):
    SCHEMA = "Marker"
    VERSION = 1
    time: Fraction = _f(Fraction(0), min=Fraction(0))
    name: str = _f("")
    color: str = _f("#FFC000", color=True)


@dataclass
class Project:
    SCHEMA = "Project"
    VERSION = 1
    settings: Settings = _f(Settings)
    tracks: list[Track] = _f(list)
    markers: list[Marker] = _f(list)
    name: str = _f("Untitled")

    @property
    def duration(self) -> Fraction:
        """The end of the last item: what an export covers."""
        return max((t.end for t in self.tracks), default=Fraction(0))

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(f"no track with id {track_id!r}")

    def find(self, item_id: str) -> tuple[Track, Item]:
        for t in self.tracks:
            for item in t.items:
                if item.id == item_id:
                    return t, item
        raise KeyError(f"no item with id {item_id!r}")

    def items(self):
        for t in self.tracks:
            yield from t.items

    def tracks_of(self, kind: str) -> list[Track]:
        return [t for t in self.tracks if t.kind == kind]


def overlap(track: Track, start: Fraction, end: Fraction, ignore: set[str] = frozenset()) -> Item | None:
    """The first item on ``track`` that overlaps ``[start, end)``, if any."""
    for item in track.items:
        if item.id not in ignore and item.start < end and start < item.end:
            return item
    return None


def _caption_problems(item: CaptionItem, at: str) -> list[str]:
    """A caption's words are in time order, inside the caption, and have text."""
    problems = []
    prev_end = Fraction(0)
    for wi, w in enumerate(item.words):
        where = f"{at}.words[{wi}]"
        if not w.text.strip() or len(w.text.split()) != 1:
            problems.append(f"{where}: a word must be one word without spaces (got {w.text!r})")
        if not (prev_end <= w.start <= w.end <= item.duration):
            problems.append(f"{where}: times {float(w.start):.3f}-{float(w.end):.3f}s must be in order, after the "
                            f"previous word and inside the caption (0-{float(item.duration):.3f}s)")
        prev_end = max(prev_end, w.end)
    return problems


def check_project(project: Project) -> list[str]:
    """Rules a project must keep; each problem is one readable line (empty list: all good)."""
    problems: list[str] = []
    seen: set[str] = set()
    s = project.settings
    if s.width % 2 or s.height % 2:
        problems.append(f"settings: canvas {s.width}x{s.height} must have even sides (H.264 needs them)")
    if not is_color(s.background):
        problems.append(f"settings.background: {s.background!r} is not a #RRGGBB colour")
    for ti, track in enumerate(project.tracks):
        where = f"tracks[{ti}]"
        if track.id in seen:
            problems.append(f"{where}: id {track.id!r} is used twice")
        seen.add(track.id)
        allowed = TRACK_ITEMS.get(track.kind, ())
        ordered = sorted(track.items, key=lambda i: i.start)
        for ii, item in enumerate(track.items):
            at = f"{where}.items[{ii}]"
            if item.id in seen:
                problems.append(f"{at}: id {item.id!r} is used twice")
            seen.add(item.id)
            if not isinstance(item, allowed):
                problems.append(f"{at}: a {type(item).SCHEMA} cannot sit on a {track.kind} track")
            if item.duration <= 0:
                problems.append(f"{at}: duration must be positive")
            if isinstance(item, CaptionItem):
                problems += _caption_problems(item, at)
        for a, b in zip(ordered, ordered[1:]):
            if b.start < a.end:
                problems.append(f"{where}: items {a.id!r} and {b.id!r} overlap")
    return problems

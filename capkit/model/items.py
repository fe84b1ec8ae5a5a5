"""What sits on a track: clips, text, sound and filter layers, and how they are placed.

Items are plain dataclasses. Field metadata (``min``, ``max``, ``choices``, ``doc``) is the one place
where a value's rules are written; the project-file reader validates against it and the JSON Schema
in ``resources/schemas`` is generated from it. Positions on the canvas are fractions of the canvas
(0.5, 0.5 is the centre) so one project renders at preview and export sizes alike.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from fractions import Fraction

from capkit.model.keyframes import Keyframe
from capkit.model.time import parse_rate, to_time


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def _f(default, *, doc: str = "", **rules):
    """A dataclass field with validation rules kept beside it."""
    meta = {"doc": doc, **rules}
    if isinstance(default, Fraction):
        meta["time"] = True
    if callable(default) and not isinstance(default, (int, float, str, Fraction)):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


class Normalised:
    """Turns numbers given for time fields (``start=2.5``, ``speed="3/2"``) into exact Fractions,
    and whole numbers given for float fields into floats, so equal projects save to equal files."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(f.default, float) and isinstance(value, int) and not isinstance(value, bool):
                setattr(self, f.name, float(value))
            elif f.metadata.get("time"):
                if value is not None and not isinstance(value, Fraction):
                    setattr(self, f.name, parse_rate(value) if f.metadata.get("rate") else to_time(value))


FIT_MODES = ("fit", "fill", "stretch")
ANIMATIONS = ("fade", "pop", "slide_up", "slide_down", "slide_left", "slide_right", "typewriter")
TRANSITIONS = ("crossfade", "dip_to_black", "slide", "wipe")
DIRECTIONS = ("left", "right", "up", "down")
ALIGNMENTS = ("left", "center", "right")


@dataclass
class MediaRef(Normalised):
    """A media file as the project knows it.

    In memory ``path`` is absolute; the project file stores it relative to the project, and the
    fingerprint (size and hash of the head and tail) finds the file again after it moved.
    """

    SCHEMA = "MediaRef"
    VERSION = 1
    path: str = _f("", doc="media file path")
    fingerprint: str | None = _f(None, doc="'size:sha256-of-head-and-tail' used to relink moved media")
    duration: Fraction | None = _f(None, time=True, doc="source duration in seconds (None for still images)")


@dataclass
class Crop(Normalised):
    SCHEMA = "Crop"
    VERSION = 1
    left: float = _f(0.0, min=0.0, max=1.0, doc="fraction of the source width removed on the left")
    top: float = _f(0.0, min=0.0, max=1.0)
    right: float = _f(0.0, min=0.0, max=1.0)
    bottom: float = _f(0.0, min=0.0, max=1.0)

    def is_empty(self) -> bool:
        return not (self.left or self.top or self.right or self.bottom)


@dataclass
class Transform(Normalised):
    """Where and how a visual item sits on the canvas."""

    SCHEMA = "Transform"
    VERSION = 1
    x: float = _f(0.5, min=-10.0, max=10.0, doc="centre x as a fraction of canvas width")
    y: float = _f(0.5, min=-10.0, max=10.0, doc="centre y as a fraction of canvas height")
    scale: float = _f(1.0, min=0.01, max=100.0, doc="size relative to the fitted size")
    rotation: float = _f(0.0, min=-36000.0, max=36000.0, doc="degrees, clockwise")
    opacity: float = _f(1.0, min=0.0, max=1.0)
    crop: Crop = _f(Crop)
    fit: str = _f("fit", choices=FIT_MODES, doc="fit: whole source visible; fill: canvas covered; stretch: both")


@dataclass
class FilterRef(Normalised):
    """A filter applied to one clip (a filter *item* applies to everything below it instead)."""

    SCHEMA = "FilterRef"
    VERSION = 1
    filter_id: str = _f("", doc="e.g. 'grade' or 'capkit.looks/teal-orange'")
    params: dict[str, float | str | bool] = _f(dict)
    intensity: float = _f(1.0, min=0.0, max=1.0, doc="mix between original (0) and filtered (1)")
    keyframes: dict[str, list[Keyframe]] = _f(dict, doc="animated parameters: name -> keyframes from the item's start")


@dataclass
class Transition(Normalised):
    """How this clip comes in from the clip that ends where it starts on the same track.

    The transition is centred on the cut: it starts ``duration/2`` before and ends ``duration/2``
    after it, so the timeline's length (and sync with other tracks) does not change. The outgoing
    clip plays on past its out point (held on its last frame if the source runs out) and the
    incoming one starts early.
    """

    SCHEMA = "Transition"
    VERSION = 1
    kind: str = _f("crossfade", choices=TRANSITIONS)
    duration: Fraction = _f(Fraction(1, 2), min=Fraction(1, 100), max=Fraction(10))
    direction: str = _f("left", choices=DIRECTIONS, doc="for slide and wipe")


@dataclass
class Animation(Normalised):
    """An entrance or exit animation of a text item."""

    SCHEMA = "Animation"
    VERSION = 1
    kind: str = _f("fade", choices=ANIMATIONS)
    duration: Fraction = _f(Fraction(1, 2), min=Fraction(1, 100), max=Fraction(10))


@dataclass
class Stroke(Normalised):
    SCHEMA = "Stroke"
    VERSION = 1
    color: str = _f("#000000", color=True)
    width: float = _f(4.0, min=0.0, max=200.0, doc="pixels at canvas size")


@dataclass
class Shadow(Normalised):
    SCHEMA = "Shadow"
    VERSION = 1
    color: str = _f("#000000A0", color=True)
    offset_x: float = _f(3.0, min=-500.0, max=500.0)
    offset_y: float = _f(4.0, min=-500.0, max=500.0)
    blur: float = _f(6.0, min=0.0, max=200.0)


@dataclass
class TextBox(Normalised):
    SCHEMA = "TextBox"
    VERSION = 1
    color: str = _f("#000000B0", color=True)
    padding: float = _f(16.0, min=0.0, max=500.0)
    radius: float = _f(12.0, min=0.0, max=500.0)


@dataclass
class TextStyle(Normalised):
    """How text looks. Sizes are pixels at the project's canvas size."""

    SCHEMA = "TextStyle"
    VERSION = 1
    font: str = _f("Inter", doc="a family name (bundled or installed) or a path to a font file")
    bold: bool = _f(True)
    italic: bool = _f(False)
    size: float = _f(72.0, min=1.0, max=2000.0)
    color: str = _f("#FFFFFF", color=True)
    stroke: Stroke | None = _f(None)
    shadow: Shadow | None = _f(None)
    box: TextBox | None = _f(None)
    align: str = _f("center", choices=ALIGNMENTS)
    line_spacing: float = _f(1.15, min=0.5, max=4.0)
    max_width: float = _f(0.9, min=0.05, max=10.0, doc="wrap width as a fraction of canvas width")


@dataclass
class Item(Normalised):
    """Anything on a track: it occupies ``[start, start + duration)`` of the timeline."""

    id: str = _f(new_id)
    start: Fraction = _f(Fraction(0), min=Fraction(0))
    duration: Fraction = _f(Fraction(1), min=Fraction(1, 1000), doc="seconds on the timeline")
    name: str = _f("")

    @property
    def end(self) -> Fraction:
        return self.start + self.duration


@dataclass
class VisualItem(Item):
    transform: Transform = _f(Transform)
    keyframes: dict[str, list[Keyframe]] = _f(dict, keys="keyframable")


@dataclass
class SourcedClip(Item):
    """A clip that plays part of a media file, possibly faster or slower."""

    source: MediaRef = _f(MediaRef)
    source_in: Fraction = _f(Fraction(0), min=Fraction(0), doc="source time of the clip's first frame")
    speed: Fraction = _f(Fraction(1), min=Fraction(1, 10), max=Fraction(10))
    volume_db: float = _f(0.0, min=-100.0, max=24.0)
    muted: bool = _f(False)
    fade_in: Fraction = _f(Fraction(0), min=Fraction(0), doc="audio fade-in seconds")
    fade_out: Fraction = _f(Fraction(0), min=Fraction(0))
    preserve_pitch: bool = _f(True, doc="keep the voice's pitch when the speed changes")

    @property
    def source_out(self) -> Fraction:
        return self.source_in + self.duration * self.speed

    def source_time(self, t: Fraction) -> Fraction:
        """The source time shown at timeline time ``t``."""
        return self.source_in + (t - self.start) * self.speed


@dataclass
class VideoClip(SourcedClip, VisualItem):
    SCHEMA = "VideoClip"
    VERSION = 1
    filters: list[FilterRef] = _f(list)
    transition_in: Transition | None = _f(None)


@dataclass
class ImageClip(VisualItem):
    SCHEMA = "ImageClip"
    VERSION = 1
    source: MediaRef = _f(MediaRef)
    filters: list[FilterRef] = _f(list)
    transition_in: Transition | None = _f(None)


@dataclass
class ColorClip(VisualItem):
    SCHEMA = "ColorClip"
    VERSION = 1
    color: str = _f("#000000", color=True)
    transition_in: Transition | None = _f(None)


@dataclass
class TextItem(VisualItem):
    SCHEMA = "TextItem"
    VERSION = 1
    text: str = _f("Text")
    style: TextStyle = _f(TextStyle)
    animation_in: Animation | None = _f(None)
    animation_out: Animation | None = _f(None)


@dataclass
class AudioClip(SourcedClip):
    SCHEMA = "AudioClip"
    VERSION = 1
    role: str = _f("music", choices=("music", "effect", "voice"))
    keyframes: dict[str, list[Keyframe]] = _f(dict, keys="keyframable")
    duck_db: float = _f(0.0, min=-60.0, max=0.0, doc="music only: gain change while a voice clip speaks (0: no ducking)")


@dataclass
class FilterItem(Item):
    """A filter layer: applies to the composite of every track below it, over its time range."""

    SCHEMA = "FilterItem"
    VERSION = 1
    filter: FilterRef = _f(FilterRef)


ITEM_TYPES: tuple[type[Item], ...] = (VideoClip, ImageClip, ColorClip, TextItem, AudioClip, FilterItem)

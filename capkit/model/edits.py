"""Edit verbs: every change to a project is an ``Edit`` with ``apply`` and ``revert``.

The GUI's undo stack, the CLI and scripts all change projects through these, so an edit made by
hand and one made by a script behave the same and undo the same. Each edit names the tracks it
touches; before applying it keeps a copy of their items, so ``revert`` restores them exactly and a
failed edit leaves the project as it was. Rules (no overlaps on a track, locked tracks stay as they
are, source ranges stay inside the media) are checked here and broken ones raise ``EditError``.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from fractions import Fraction

from capkit.errors import EditError
from capkit.model.caption_items import CaptionItem, retime_words
from capkit.model.items import FilterItem, Item, SourcedClip, TextItem, new_id
from capkit.model.keyframes import KEYFRAMABLE, Keyframe, set_keyframe
from capkit.model.project import TRACK_ITEMS, Project, Settings, Track, overlap
from capkit.model.rules import check_value, field_rules
from capkit.model.time import to_time


class Edit:
    """One undoable change. Subclasses implement ``_apply`` and say which tracks it touches."""

    label = "Edit"

    def touched(self, project: Project) -> list[str]:
        """Ids of the tracks whose items this edit changes."""
        return []

    def _apply(self, project: Project) -> None:
        raise NotImplementedError

    def apply(self, project: Project) -> None:
        ids = list(dict.fromkeys(self.touched(project)))
        for tid in ids:
            if _track(project, tid).locked:
                raise EditError(f"{self.label}: track {_track(project, tid).name or tid!r} is locked; unlock it first")
        self._saved = {tid: copy.deepcopy(_track(project, tid).items) for tid in ids}
        try:
            self._apply(project)
        except Exception:
            self._restore(project)
            raise
        for tid in ids:
            _track(project, tid).sort()

    def _restore(self, project: Project) -> None:
        for tid, items in self._saved.items():
            _track(project, tid).items = copy.deepcopy(items)

    def revert(self, project: Project) -> None:
        self._restore(project)


def _track(project: Project, track_id: str) -> Track:
    try:
        return project.track(track_id)
    except KeyError:
        raise EditError(f"no track with id {track_id!r} in the project") from None


def _find(project: Project, item_id: str) -> tuple[Track, Item]:
    try:
        return project.find(item_id)
    except KeyError:
        raise EditError(f"no item with id {item_id!r} in the project") from None


def _require_free(track: Track, start: Fraction, end: Fraction, ignore: set[str], what: str) -> None:
    hit = overlap(track, start, end, ignore)
    if hit is not None:
        raise EditError(
            f"{what}: it would overlap {hit.name or type(hit).SCHEMA} at {float(hit.start):.3f}s on the same "
            "track; move it to a free spot or another track"
        )


def _require_new_id(project: Project, item_id: str, what: str) -> None:
    if any(i.id == item_id for i in project.items()):
        raise EditError(f"{what}: an item with id {item_id!r} is already in the project")


def _check_source_range(item: Item, what: str) -> None:
    if not isinstance(item, SourcedClip):
        return
    if item.source_in < 0:
        raise EditError(f"{what}: the clip would start before the beginning of its media")
    media_end = item.source.duration
    if media_end is not None and item.source_out > media_end + Fraction(1, 1000):
        raise EditError(
            f"{what}: the clip would run past the end of its media ({float(media_end):.3f}s of source)"
        )


def _keyframe_tables(item: Item) -> list[dict]:
    """Every keyframe table of an item: its own and those of its filters' parameters."""
    tables = [item.keyframes] if hasattr(item, "keyframes") else []
    tables += [ref.keyframes for ref in getattr(item, "filters", [])]
    if isinstance(item, FilterItem):
        tables.append(item.filter.keyframes)
    return tables


def _shift_keyframes(item: Item, delta: Fraction, factor: Fraction = Fraction(1)) -> None:
    """Keep keyframes where they were on the timeline after the item's start moved by ``delta``."""
    for kf in _keyframe_tables(item):
        for prop, keys in kf.items():
            kf[prop] = [dataclasses.replace(k, time=(k.time - delta) * factor) for k in keys]


_FILTER_PROP = re.compile(r"^(?:filter|filters\[(\d+)\])\.([a-z_][a-z0-9_]*)$")


def _keyframe_table(item: Item, prop: str, what: str) -> tuple[dict, str]:
    """The table and key a keyframe of ``prop`` lives in: ``opacity`` on the item itself,
    ``filter.amount`` on a filter layer's filter, ``filters[0].contrast`` on a clip's first filter."""
    m = _FILTER_PROP.match(prop)
    if m is None:
        if prop not in KEYFRAMABLE or not hasattr(item, "keyframes"):
            raise EditError(f"{what}: {prop!r} cannot be animated on a {type(item).SCHEMA}")
        return item.keyframes, prop
    index, param = m.groups()
    if index is None:
        if not isinstance(item, FilterItem):
            raise EditError(f"{what}: only a filter layer has 'filter.' properties; use filters[N]. on a clip")
        return item.filter.keyframes, param
    filters = getattr(item, "filters", [])
    if int(index) >= len(filters):
        raise EditError(f"{what}: the item has {len(filters)} filter(s); there is no filters[{index}]")
    return filters[int(index)].keyframes, param


# --- tracks ---------------------------------------------------------------------------------


@dataclass
class AddTrack(Edit):
    kind: str
    name: str = ""
    index: int | None = None
    track_id: str = field(default_factory=new_id)
    label = "Add track"

    def apply(self, project: Project) -> None:
        if self.kind not in TRACK_ITEMS:
            raise EditError(f"Add track: unknown track kind {self.kind!r}; use {', '.join(TRACK_ITEMS)}")
        if any(t.id == self.track_id for t in project.tracks):
            raise EditError(f"Add track: a track with id {self.track_id!r} already exists")
        index = len(project.tracks) if self.index is None else self.index
        project.tracks.insert(index, Track(kind=self.kind, id=self.track_id, name=self.name))

    def revert(self, project: Project) -> None:
        project.tracks.remove(_track(project, self.track_id))


@dataclass
class RemoveTrack(Edit):
    track_id: str
    label = "Remove track"

    def apply(self, project: Project) -> None:
        track = _track(project, self.track_id)
        if track.locked:
            raise EditError("Remove track: the track is locked; unlock it first")
        self._index = project.tracks.index(track)
        self._track = track
        project.tracks.remove(track)

    def revert(self, project: Project) -> None:
        project.tracks.insert(self._index, self._track)


@dataclass
class MoveTrack(Edit):
    track_id: str
    index: int
    label = "Reorder tracks"

    def apply(self, project: Project) -> None:
        track = _track(project, self.track_id)
        self._old = project.tracks.index(track)
        project.tracks.remove(track)
        project.tracks.insert(max(0, min(self.index, len(project.tracks))), track)

    def revert(self, project: Project) -> None:
        track = _track(project, self.track_id)
        project.tracks.remove(track)
        project.tracks.insert(self._old, track)


@dataclass
class SetTrack(Edit):
    """Rename a track or switch its mute / hide / lock flags."""

    track_id: str
    attr: str
    value: object
    label = "Change track"

    def apply(self, project: Project) -> None:
        if self.attr not in ("name", "muted", "hidden", "locked"):
            raise EditError(f"Change track: {self.attr!r} cannot be set; use name, muted, hidden or locked")
        track = _track(project, self.track_id)
        self._old = getattr(track, self.attr)
        setattr(track, self.attr, self.value)

    def revert(self, project: Project) -> None:
        setattr(_track(project, self.track_id), self.attr, self._old)


@dataclass
class SetSettings(Edit):
    """Change canvas size, frame rate, sample rate or background. Item times do not move."""

    changes: dict
    label = "Project settings"

    def apply(self, project: Project) -> None:
        for name, value in self.changes.items():
            if name == "fps":
                value = to_time(value)
            try:
                problem = check_value(field_rules(Settings, name), value)
            except KeyError:
                raise EditError(f"Project settings: there is no setting {name!r}") from None
            if problem:
                raise EditError(f"Project settings: {name} {problem}")
        self._old = dataclasses.replace(project.settings)
        for name, value in self.changes.items():
            setattr(project.settings, name, to_time(value) if name == "fps" else value)

    def revert(self, project: Project) -> None:
        project.settings = self._old


# --- items ----------------------------------------------------------------------------------


@dataclass
class AddItem(Edit):
    track_id: str
    item: Item
    label = "Add"

    def touched(self, project):
        return [self.track_id]

    def _apply(self, project):
        track = _track(project, self.track_id)
        if not isinstance(self.item, TRACK_ITEMS[track.kind]):
            raise EditError(f"Add: a {type(self.item).SCHEMA} cannot go on a {track.kind} track")
        _require_new_id(project, self.item.id, "Add")
        if self.item.start < 0 or self.item.duration <= 0:
            raise EditError("Add: an item needs a start of 0 or later and a positive duration")
        _check_source_range(self.item, "Add")
        _require_free(track, self.item.start, self.item.end, set(), "Add")
        track.items.append(copy.deepcopy(self.item))


@dataclass
class RemoveItem(Edit):
    item_id: str
    label = "Delete"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        track, item = _find(project, self.item_id)
        track.items.remove(item)


@dataclass
class RippleDelete(Edit):
    """Delete an item and pull everything after it on the same track left to close the gap."""

    item_id: str
    label = "Ripple delete"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        track, item = _find(project, self.item_id)
        track.items.remove(item)
        for other in track.items:
            if other.start >= item.end:
                other.start -= item.duration


@dataclass
class MoveItem(Edit):
    item_id: str
    start: Fraction
    track_id: str | None = None
    label = "Move"

    def touched(self, project):
        src = _find(project, self.item_id)[0].id
        return [src, self.track_id or src]

    def _apply(self, project):
        src, item = _find(project, self.item_id)
        dst = _track(project, self.track_id) if self.track_id else src
        start = to_time(self.start)
        if start < 0:
            raise EditError("Move: an item cannot start before 0")
        if not isinstance(item, TRACK_ITEMS[dst.kind]):
            raise EditError(f"Move: a {type(item).SCHEMA} cannot go on a {dst.kind} track")
        _require_free(dst, start, start + item.duration, {item.id}, "Move")
        item.start = start
        if dst is not src:
            src.items.remove(item)
            dst.items.append(item)


@dataclass
class ShiftItems(Edit):
    """Move several items by the same amount of time, each on its own track (e.g. every caption
    of a track 0.2 s earlier when they lag the speech)."""

    item_ids: list[str]
    delta: Fraction
    label = "Shift"

    def touched(self, project):
        return [_find(project, i)[0].id for i in self.item_ids]

    def _apply(self, project):
        delta = to_time(self.delta)
        moving = set(self.item_ids)
        found = [_find(project, i) for i in self.item_ids]
        for _, item in found:
            if item.start + delta < 0:
                raise EditError(f"Shift: {item.name or item.id!r} would start before 0; shift by less")
        for _, item in found:
            item.start += delta
        for track, item in found:
            _require_free(track, item.start, item.end, moving, "Shift")


@dataclass
class TrimStart(Edit):
    """Move an item's first frame, keeping its last; a clip shows more or less of its source."""

    item_id: str
    start: Fraction
    label = "Trim"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        track, item = _find(project, self.item_id)
        start = to_time(self.start)
        delta = start - item.start
        if start < 0 or delta >= item.duration:
            raise EditError("Trim: the new start must be at or after 0 and before the item's end")
        _require_free(track, start, item.end, {item.id}, "Trim")
        item.start = start
        item.duration -= delta
        if isinstance(item, SourcedClip):
            item.source_in += delta * item.speed
        if isinstance(item, CaptionItem):
            retime_words(item, delta)
        _shift_keyframes(item, delta)
        _check_source_range(item, "Trim")


@dataclass
class TrimEnd(Edit):
    item_id: str
    end: Fraction
    label = "Trim"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        track, item = _find(project, self.item_id)
        end = to_time(self.end)
        if end <= item.start:
            raise EditError("Trim: the new end must be after the item's start")
        _require_free(track, item.start, end, {item.id}, "Trim")
        item.duration = end - item.start
        if isinstance(item, CaptionItem):
            retime_words(item, Fraction(0))
        _check_source_range(item, "Trim")


@dataclass
class Split(Edit):
    """Cut an item in two at timeline time ``at``; the right part gets ``new_id``."""

    item_id: str
    at: Fraction
    new_id: str = field(default_factory=new_id)
    label = "Split"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        track, left = _find(project, self.item_id)
        _require_new_id(project, self.new_id, "Split")
        at = to_time(self.at)
        if not left.start < at < left.end:
            raise EditError("Split: the playhead must be inside the item to split it")
        offset = at - left.start
        right = copy.deepcopy(left)
        right.id = self.new_id
        right.start = at
        right.duration = left.end - at
        left.duration = offset
        if isinstance(right, SourcedClip):
            right.source_in += offset * right.speed
            right.fade_in = Fraction(0)
            left.fade_out = Fraction(0)
        if hasattr(right, "transition_in"):
            right.transition_in = None
        if isinstance(right, TextItem):
            right.animation_in = None
            left.animation_out = None
        if isinstance(right, CaptionItem):
            retime_words(left, Fraction(0))
            retime_words(right, offset)
        _shift_keyframes(right, offset)
        track.items.append(right)


@dataclass
class SetSpeed(Edit):
    """Play a clip faster or slower. The same source range plays, so the clip gets shorter or longer;
    with ``ripple`` the items after it on the track move to keep their distance."""

    item_id: str
    speed: Fraction
    ripple: bool = True
    label = "Speed"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        track, item = _find(project, self.item_id)
        if not isinstance(item, SourcedClip):
            raise EditError("Speed: only video and audio clips have a speed")
        speed = to_time(self.speed)
        problem = check_value(field_rules(type(item), "speed"), speed)
        if problem:
            raise EditError(f"Speed: speed {problem}")
        old_end = item.end
        factor = item.speed / speed
        item.duration = item.duration * factor
        _shift_keyframes(item, Fraction(0), factor)
        item.speed = speed
        delta = item.end - old_end
        if self.ripple:
            for other in track.items:
                if other is not item and other.start >= old_end:
                    other.start += delta
        _require_free(track, item.start, item.end, {item.id}, "Speed")


@dataclass
class Duplicate(Edit):
    """Insert a copy right after the item, pushing later items on the track along."""

    item_id: str
    new_id: str = field(default_factory=new_id)
    label = "Duplicate"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        track, item = _find(project, self.item_id)
        _require_new_id(project, self.new_id, "Duplicate")
        for other in track.items:
            if other.start >= item.end:
                other.start += item.duration
        twin = copy.deepcopy(item)
        twin.id = self.new_id
        twin.start = item.end
        track.items.append(twin)


_FIXED = {"id", "start", "duration"}


@dataclass
class SetProperty(Edit):
    """Set one property by dotted path, e.g. ``transform.opacity`` or ``style.stroke.color``."""

    item_id: str
    path: str
    value: object
    label = "Change"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        _, item = _find(project, self.item_id)
        parts = self.path.split(".")
        if parts[0] in _FIXED:
            raise EditError(f"Change: {parts[0]} is changed by moving or trimming, not set directly")
        target = item
        for name in parts[:-1]:
            target = getattr(target, name, None)
            if target is None or not dataclasses.is_dataclass(target):
                raise EditError(f"Change: {type(item).SCHEMA} has no property {self.path!r}")
        name = parts[-1]
        if not any(f.name == name for f in dataclasses.fields(target)):
            raise EditError(f"Change: {type(item).SCHEMA} has no property {self.path!r}")
        value = self.value
        current = getattr(target, name)
        if isinstance(current, Fraction) and not isinstance(value, Fraction):
            value = to_time(value)
        problem = check_value(field_rules(type(target), name), value)
        if problem:
            raise EditError(f"Change: {self.path} {problem}")
        setattr(target, name, copy.deepcopy(value))
        _check_source_range(item, "Change")


@dataclass
class SetKeyframe(Edit):
    item_id: str
    prop: str
    keyframe: Keyframe
    label = "Keyframe"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        _, item = _find(project, self.item_id)
        table, key = _keyframe_table(item, self.prop, "Keyframe")
        if not 0 <= self.keyframe.time <= item.duration:
            raise EditError("Keyframe: the keyframe must lie inside the item")
        table[key] = set_keyframe(table.get(key, []), self.keyframe)


@dataclass
class RemoveKeyframe(Edit):
    item_id: str
    prop: str
    time: Fraction
    label = "Remove keyframe"

    def touched(self, project):
        return [_find(project, self.item_id)[0].id]

    def _apply(self, project):
        _, item = _find(project, self.item_id)
        table, key = _keyframe_table(item, self.prop, "Remove keyframe")
        keys = table.get(key, [])
        kept = [k for k in keys if k.time != self.time]
        if len(kept) == len(keys):
            raise EditError("Remove keyframe: there is no keyframe at that time")
        if kept:
            table[key] = kept
        else:
            del table[key]


@dataclass
class Group(Edit):
    """Several edits that undo and redo as one."""

    edits: list[Edit]
    label: str = "Edits"

    def apply(self, project):
        done: list[Edit] = []
        try:
            for e in self.edits:
                e.apply(project)
                done.append(e)
        except Exception:
            for e in reversed(done):
                e.revert(project)
            raise

    def revert(self, project):
        for e in reversed(self.edits):
            e.revert(project)


__all__ = [
    "Edit", "AddTrack", "RemoveTrack", "MoveTrack", "SetTrack", "SetSettings", "AddItem", "RemoveItem",
    "RippleDelete", "MoveItem", "ShiftItems", "TrimStart", "TrimEnd", "Split", "SetSpeed", "Duplicate",
    "SetProperty", "SetKeyframe", "RemoveKeyframe", "Group",
]

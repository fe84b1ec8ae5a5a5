"""Which edit a timeline gesture makes. Pure functions of the project: no Qt, easy to test.

Each returns one edit (a ``Group`` when a gesture touches several items) or None when there is
nothing to do, so the document puts exactly one step on the undo stack per gesture.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from capkit.model.edits import (
    AddTrack,
    Edit,
    Group,
    MoveItem,
    MoveTrack,
    RemoveItem,
    RippleDelete,
    Split,
)
from capkit.model.items import Item
from capkit.model.project import TRACK_ITEMS, Project, Track


def _group(edits: list[Edit], label: str) -> Edit | None:
    if not edits:
        return None
    return edits[0] if len(edits) == 1 else Group(edits, label)


def items_to_split(project: Project, selection: Iterable[str], at: Fraction) -> list[Item]:
    """The selected items under ``at``; with nothing selected, the item under ``at`` on the topmost
    unlocked track that has one."""
    chosen = set(selection)
    if chosen:
        return [i for i in project.items() if i.id in chosen and i.start < at < i.end]
    for track in reversed(project.tracks):
        if track.locked:
            continue
        for item in track.items:
            if item.start < at < item.end:
                return [item]
    return []


def split_at(project: Project, selection: Iterable[str], at: Fraction) -> Edit | None:
    return _group([Split(i.id, at) for i in items_to_split(project, selection, at)], "Split")


def delete(project: Project, selection: Iterable[str], *, ripple: bool = False) -> Edit | None:
    """Delete the selected items; with ``ripple`` later items on each track close the gaps.

    Ripple deletes run right to left on each track so every item's pull-back is measured from the
    positions the user saw."""
    ids = set(selection)
    chosen = sorted((i for i in project.items() if i.id in ids), key=lambda i: i.start, reverse=True)
    verb = RippleDelete if ripple else RemoveItem
    return _group([verb(i.id) for i in chosen], "Ripple delete" if ripple else "Delete")


def accepts(track: Track, item: Item) -> bool:
    """Whether ``item`` may sit on ``track`` (unknown track kinds take nothing)."""
    return isinstance(item, TRACK_ITEMS.get(track.kind, ()))


def move(project: Project, item_ids: Iterable[str], delta: Fraction, track_id: str | None = None) -> Edit | None:
    """Shift the items by ``delta`` seconds; a single item may also change to ``track_id``.

    Items are moved in the order that never makes one land on another that has yet to move."""
    ids = list(item_ids)
    items = [project.find(i)[1] for i in ids]
    if not items:
        return None
    delta = max(delta, -min(i.start for i in items))  # the group stops at 0 together
    if delta == 0 and (track_id is None or len(ids) != 1 or project.find(ids[0])[0].id == track_id):
        return None
    items.sort(key=lambda i: i.start, reverse=delta > 0)
    dst = track_id if len(ids) == 1 else None
    return _group([MoveItem(i.id, i.start + delta, dst) for i in items], "Move")


def trim_limits(track: Track, item: Item) -> tuple[Fraction, Fraction]:
    """How far the item's start can go left and its end right: up to its neighbours on the track,
    0, and (for clips of media) the ends of the source."""
    low = max((o.end for o in track.items if o.id != item.id and o.end <= item.start), default=Fraction(0))
    high = min((o.start for o in track.items if o.id != item.id and o.start >= item.end), default=None)
    source_in = getattr(item, "source_in", None)
    speed = getattr(item, "speed", Fraction(1))
    if source_in is not None:
        low = max(low, item.start - source_in / speed)
        media_end = item.source.duration
        if media_end is not None:
            last = item.start + (media_end - source_in) / speed
            high = last if high is None else min(high, last)
    return low, high


TRACK_KINDS = ("video", "text", "audio", "filter", "caption")


def add_track(project: Project, beside: str, kind: str, *, above: bool) -> Edit:
    """A new ``kind`` track just above (drawn over) or below the track ``beside``, named like the
    API names them ("Audio 2")."""
    index = next(i for i, t in enumerate(project.tracks) if t.id == beside)
    name = f"{kind.title()} {len(project.tracks_of(kind)) + 1}"
    return AddTrack(kind, name=name, index=index + 1 if above else index)


def move_track(project: Project, track_id: str, *, up: bool) -> Edit | None:
    """Move a track one row up (drawn over the one above it) or down; None at the ends."""
    index = next(i for i, t in enumerate(project.tracks) if t.id == track_id)
    target = index + 1 if up else index - 1
    if not 0 <= target < len(project.tracks):
        return None
    return MoveTrack(track_id, target)

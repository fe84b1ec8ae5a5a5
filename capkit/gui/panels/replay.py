"""What a scripting-API call did, as undoable edits.

The API helpers (:func:`capkit.api.add_text`, ``add_audio``, ``add_filter``, ``caption_project``)
already know where a new item goes (which track has room, when a new track is needed). Panels run
them on a scratch copy of the project and hand the document what they added: the new tracks, then
the new items, as one :class:`~capkit.model.edits.Group` (one undo step). No Qt here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from capkit.model.edits import AddItem, AddTrack, Edit, Group
from capkit.model.items import Item
from capkit.model.project import Project


def additions(before: Project, after: Project, label: str) -> tuple[Group, list[Item]]:
    """The edit that adds to ``before`` the tracks and items ``after`` has and it has not (new
    tracks left empty are not added), and the new items. ``after`` must only have gained things."""
    old_tracks = {t.id for t in before.tracks}
    old_items = {i.id for i in before.items()}
    edits: list[Edit] = []
    items: list[Item] = []
    for index, track in enumerate(after.tracks):
        new_items = [i for i in track.items if i.id not in old_items]
        if track.id not in old_tracks and new_items:
            edits.append(AddTrack(track.kind, name=track.name, index=index, track_id=track.id))
    for track in after.tracks:
        for item in track.items:
            if item.id not in old_items:
                edits.append(AddItem(track.id, copy.deepcopy(item)))
                items.append(item)
    return Group(edits, label), items


def scratch_edit(project: Project, fn: Callable[[Project], object], label: str) -> tuple[Group, list[Item]]:
    """Run ``fn`` on a copy of ``project`` and return what it added (see :func:`additions`).
    Whatever ``fn`` raises (``CapkitError`` for bad input) comes through unchanged."""
    scratch = copy.deepcopy(project)
    fn(scratch)
    return additions(project, scratch, label)


def retarget(project: Project, edit: Group, item: Item, track_id: str | None) -> Group:
    """``edit`` with ``item`` put on ``track_id`` instead when that track takes it and has room
    (new tracks it no longer needs are dropped); otherwise ``edit`` unchanged."""
    from capkit.model.project import TRACK_ITEMS, overlap

    track = next((t for t in project.tracks if t.id == track_id), None)
    if (track is None or track.locked or not isinstance(item, TRACK_ITEMS.get(track.kind, ()))
            or overlap(track, item.start, item.end) is not None):
        return edit
    edits: list[Edit] = []
    for e in edit.edits:
        if isinstance(e, AddItem) and e.item.id == item.id:
            edits.append(AddItem(track.id, e.item))
        else:
            edits.append(e)
    used = {e.track_id for e in edits if isinstance(e, AddItem)}
    edits = [e for e in edits if not (isinstance(e, AddTrack) and e.track_id not in used)]
    return Group(edits, edit.label)

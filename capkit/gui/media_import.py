"""Turning a media file into the undoable edit that puts it on the timeline.

The scripting API's :func:`capkit.api.add_media` already knows how a file becomes a clip (probe,
fingerprint, fit, which track has room). Rather than repeat those rules, it is run on a scratch
copy of the project and what it did is read back as edits (new tracks, then the new item), which
the document applies as one undo step. No Qt here.
"""

from __future__ import annotations

import copy
import os
from fractions import Fraction

from capkit import api
from capkit.gui.timeline.commands import accepts
from capkit.model.edits import AddItem, AddTrack, Edit, Group
from capkit.model.project import Project, overlap


def add_media_edit(project: Project, path: str | os.PathLike, *, start: Fraction | None = None,
                   track_id: str | None = None) -> Edit:
    """The edit that adds ``path`` at ``start`` (appended to the main track when None), on
    ``track_id`` when that track takes the clip and has room there. Raises ``CapkitError``."""
    scratch = copy.deepcopy(project)
    before = {t.id for t in scratch.tracks}
    item = api.add_media(scratch, path, start=start)
    home = scratch.find(item.id)[0]
    wanted = next((t for t in scratch.tracks if t.id == track_id), None)
    if (wanted is not None and wanted.id != home.id and not wanted.locked and accepts(wanted, item)
            and overlap(wanted, item.start, item.end) is None):
        home.items.remove(item)
        home = wanted
    edits: list[Edit] = []
    for index, track in enumerate(scratch.tracks):
        if track.id not in before and (track is home or track.items):
            edits.append(AddTrack(track.kind, name=track.name, index=index, track_id=track.id))
    edits.append(AddItem(home.id, item))
    return edits[0] if len(edits) == 1 else Group(edits, f"Add {item.name}")

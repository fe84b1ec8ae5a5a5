"""Beats on the timeline: markers at a clip's beats, and clips cut to the beat of a song.

:class:`AddMarkers` is the undoable edit for project markers (they are not on a track, so the
snapshot of tracks that :class:`capkit.model.edits.Edit` keeps does not cover them).
:func:`beat_markers` builds one for the beats of a sound or video clip, mapping the clip's source
time to timeline time; :func:`cut_to_beat` lays clips one after another with every cut on a beat.

Cuts land on the start of the frame nearest their beat (:func:`capkit.model.time.snap_to_frame`,
ties to the later frame): a cut is at most half a frame from the beat, the same after a save and
load, and the music itself is never moved to meet the picture.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from capkit.beats.analysis import BeatAnalysis, detect_beats
from capkit.errors import CapkitError, EditError
from capkit.model.color import is_color
from capkit.model.edits import Edit, SetProperty
from capkit.model.items import AudioClip, Item, SourcedClip, VideoClip
from capkit.model.project import Marker, Project
from capkit.model.time import snap_to_frame, to_time

BEAT_COLOR = "#00C2FF"


@dataclass
class AddMarkers(Edit):
    """Add markers to the project; one already there at the same time with the same name is not
    added twice, so marking the beats of a clip again changes nothing."""

    markers: list[Marker]
    label: str = "Add markers"

    def apply(self, project: Project) -> None:
        for m in self.markers:
            if m.time < 0:
                raise EditError(f"{self.label}: a marker cannot be before 0 (got {float(m.time):.3f}s)")
            if not is_color(m.color):
                raise EditError(f"{self.label}: {m.color!r} is not a #RRGGBB colour")
        self._saved = copy.deepcopy(project.markers)
        present = {(m.time, m.name) for m in project.markers}
        for m in self.markers:
            if (m.time, m.name) not in present:
                project.markers.append(copy.deepcopy(m))
                present.add((m.time, m.name))
        project.markers.sort(key=lambda m: m.time)

    def revert(self, project: Project) -> None:
        project.markers = copy.deepcopy(self._saved)


def _ms(t: Fraction) -> Fraction:
    return Fraction(round(t * 1000), 1000)


def beat_markers(project: Project, item_id: str, analysis: BeatAnalysis | None = None, *, every: int = 1,
                 name: str = "Beat", color: str = BEAT_COLOR, progress=None, cancel=None) -> AddMarkers:
    """An edit that puts a marker on every ``every``-th beat of a sound or video clip (from the
    first one it plays), where the beat plays on the timeline (after the clip's trim and speed). Apply it, or ``History.do`` it
    to make it undoable. ``analysis`` (of the clip's media file) is found when not given."""
    if every < 1:
        raise CapkitError(f"beat markers: every must be 1 or more (got {every})")
    try:
        _, item = project.find(item_id)
    except KeyError:
        raise CapkitError(f"beat markers: there is no item with id {item_id!r} in the project") from None
    if not isinstance(item, SourcedClip):
        raise CapkitError(f"beat markers: {item.name or item_id!r} is a {type(item).SCHEMA}; "
                          "beats come from a sound or video clip")
    if analysis is None:
        analysis = detect_beats(item.source.path, start=item.source_in, end=item.source_out,
                                progress=progress, cancel=cancel)
    heard = [b for b in analysis.beats if item.source_in <= b < item.source_out]
    markers = []
    for beat in heard[::every]:
        t = _ms(item.start + (beat - item.source_in) / item.speed)
        if item.start <= t < item.end:
            markers.append(Marker(time=t, name=f"{name} {len(markers) + 1}", color=color))
    return AddMarkers(markers, label="Beat markers")


@dataclass
class BeatCut:
    """What :func:`cut_to_beat` added: the picture clips in order, the music, and the cut times
    on the timeline (clip ``i`` spans ``cuts[i]`` to ``cuts[i + 1]``)."""

    clips: list[Item]
    music: AudioClip | None
    cuts: list[Fraction] = field(default_factory=list)


def _beat_times(beats) -> list[Fraction]:
    times = beats.beats if isinstance(beats, BeatAnalysis) else beats
    return sorted(to_time(t) for t in times)


def cut_to_beat(project: Project, clips: Sequence[str | os.PathLike], beats: BeatAnalysis | Sequence,
                *, music: str | os.PathLike | None = None, every: int = 1, start_beat: int = 0, start=None,
                fit: str = "fill", clip_audio: bool = False, music_volume_db: float = 0.0) -> BeatCut:
    """Lay ``clips`` (videos or images) one after another, each cut on a beat of the music.

    ``beats`` are music source times (a :class:`BeatAnalysis` or a list). The cuts are beats
    ``start_beat``, ``start_beat + every``, ...: clip ``i`` plays from that beat to the next one,
    trimmed to fit from its own start. The first cut beat plays at ``start`` (default: the end of
    the main video track), and ``music`` is placed so its beats play where the cuts are, from
    that beat to the last cut. Every cut is snapped to the frame nearest its beat. Clips keep
    their own sound only with ``clip_audio``. Nothing changes if a clip is too short for its
    place or the music has too few beats: the error says which.
    """
    from capkit import api
    from capkit.media.probe import probe

    if every < 1 or start_beat < 0:
        raise CapkitError(f"cut to beat: every must be 1 or more and start_beat 0 or more (got {every}, {start_beat})")
    if not clips:
        raise CapkitError("cut to beat: give at least one clip")
    grid = _beat_times(beats)[start_beat::every]
    n = len(clips)
    if len(grid) < n + 1:
        raise CapkitError(
            f"cut to beat: {n} clip(s) need {n + 1} beats to cut on, but the music has {len(grid)} "
            f"(every {every} from beat {start_beat + 1}); use fewer clips, a smaller every or longer music")
    fps = project.settings.fps
    main = project.tracks_of("video")
    begin = to_time(start) if start is not None else (main[0].end if main else Fraction(0))
    origin = grid[0]
    cuts = [snap_to_frame(begin + g - origin, fps) for g in grid[: n + 1]]
    infos = []
    for i, path in enumerate(clips):
        info = probe(path)
        length = cuts[i + 1] - cuts[i]
        if info.kind == "audio":
            raise CapkitError(f"cut to beat: {Path(path).name} is a sound file; give it as the music")
        if length <= 0:
            raise CapkitError(f"cut to beat: beats {start_beat + i * every + 1} and {start_beat + (i + 1) * every + 1} "
                              f"fall on the same frame at {float(fps):g} fps; use a larger every")
        if info.kind == "video" and info.duration < length:
            raise CapkitError(
                f"cut to beat: {Path(path).name} is {float(info.duration):.2f}s long but its place from "
                f"{float(cuts[i]):.2f}s to {float(cuts[i + 1]):.2f}s needs {float(length):.2f}s; "
                "use a longer clip or a smaller every")
        infos.append(info)
    if music is not None and probe(music).audio is None:
        raise CapkitError(f"cut to beat: {music} has no sound to use as music")
    placed = []
    for i, (path, info) in enumerate(zip(clips, infos)):
        item = api.add_media(project, path, start=cuts[i], duration=cuts[i + 1] - cuts[i], fit=fit)
        if isinstance(item, VideoClip) and not clip_audio and not item.muted:
            SetProperty(item.id, "muted", True).apply(project)
        placed.append(project.find(item.id)[1])
    track = None
    if music is not None:
        track = api.add_audio(project, music, start=begin, source_in=origin, duration=cuts[-1] - begin,
                              volume_db=music_volume_db, role="music")
    return BeatCut(placed, track, cuts)

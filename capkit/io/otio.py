"""OpenTimelineIO interchange: a project to an ``.otio`` timeline (FCP XML / EDL through OTIO's
adapter plugins) and an ``.otio`` timeline back to a project.

What OTIO can say, it says: media clips with their cuts (``source_range``), gaps, speed (a
``LinearTimeWarp``), sound on audio tracks, markers and crossfades (an ``SMPTE_Dissolve``
centred on the cut, as capkit's transitions are: ``in_offset = out_offset = duration / 2``).
OTIO times are ``RationalTime`` at the project's frame rate; because their values are floats,
every object also carries its own capkit JSON under ``metadata["capkit"]``, with its exact
``Fraction`` times. Reading a timeline capkit wrote therefore gives back the same project, and a
clip that another editor moved or trimmed takes its new times from the timeline instead.

What only capkit knows (text, caption and filter tracks, transforms, keyframes, clip filters,
transitions other than crossfades, the canvas) travels in that metadata: text, caption and filter
tracks become disabled OTIO video tracks of offline clips named after their items, so another
editor shows where they are without drawing anything. :func:`report` lists what another editor
will not understand; reading a foreign timeline returns readable warnings for what it left out.

OpenTimelineIO is an optional extra (``pip install 'capkit[interchange]'``), imported only here.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from capkit import __version__
from capkit.errors import CapkitError
from capkit.io import atomic
from capkit.io.serialize import SchemaError, from_json, to_json
from capkit.model.caption_items import CaptionItem
from capkit.model.color import rgba
from capkit.model.items import (
    AudioClip, ColorClip, FilterItem, ImageClip, Item, MediaRef, SourcedClip, TextItem, Transition, VideoClip,
)
from capkit.model.project import Marker, Project, Settings, Track, check_project
from capkit.model.timing import track_spans

NAMESPACE = "capkit"
FORMAT = "capkit.otio"
FORMAT_VERSION = 1
INSTALL_HINT = "pip install 'capkit[interchange]'"

# Output suffix -> OTIO adapter, and the package that brings an adapter OTIO does not ship.
ADAPTERS = {".otio": "otio_json", ".xml": "fcp_xml", ".fcpxml": "fcpx_xml", ".edl": "cmx_3600"}
ADAPTER_PACKAGES = {"fcp_xml": "otio-fcp-adapter", "fcpx_xml": "otio-fcpx-xml-adapter",
                    "cmx_3600": "otio-cmx3600-adapter"}
CAPKIT_ONLY_KINDS = ("text", "caption", "filter")  # tracks other editors cannot draw
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
DISSOLVE = "SMPTE_Dissolve"
_CUSTOM = "Custom_Transition"
_TOLERANCE = Fraction(1, 1_000_000)  # OTIO float times within this of capkit's exact ones are the same time

# OTIO marker colours as capkit colours (and back, by nearest).
MARKER_COLORS = {
    "RED": "#FF0000", "PINK": "#FF80C0", "ORANGE": "#FF8000", "YELLOW": "#FFC000", "GREEN": "#00C000",
    "CYAN": "#00FFFF", "BLUE": "#0060FF", "PURPLE": "#8000FF", "MAGENTA": "#FF00FF", "BLACK": "#000000",
    "WHITE": "#FFFFFF",
}


def _otio():
    try:
        import opentimelineio
    except ImportError:
        raise CapkitError(f"OpenTimelineIO interchange needs the opentimelineio package: {INSTALL_HINT}") from None
    return opentimelineio


@dataclass
class Imported:
    """A project read from a timeline, and what could not be carried into it."""

    project: Project
    warnings: list[str] = field(default_factory=list)


# --- time -------------------------------------------------------------------------------------------


def _rt(otio, t: Fraction, fps: Fraction):
    return otio.opentime.RationalTime(float(t * fps), float(fps))


def _range(otio, start: Fraction, duration: Fraction, fps: Fraction):
    return otio.opentime.TimeRange(_rt(otio, start, fps), _rt(otio, duration, fps))


def _rate(value: float) -> Fraction:
    """An OTIO rate as a capkit one: 29.97002997 is 30000/1001."""
    return Fraction(value).limit_denominator(1001)


def _seconds(rt) -> Fraction:
    """An OTIO time as exact seconds (frame values rounded to the microframe, rates as above)."""
    rate = _rate(rt.rate)
    if rate <= 0:
        raise CapkitError(f"the timeline has a time at rate {rt.rate:g}; rates must be positive")
    return Fraction(rt.value).limit_denominator(1_000_000) / rate


def _same(a: Fraction, b: Fraction) -> bool:
    return abs(a - b) <= _TOLERANCE


# --- media paths as URLs ----------------------------------------------------------------------------


def _url(path: str, base: Path | None) -> str:
    """A media path as an OTIO ``target_url``: a file URL, or a path relative to ``base``."""
    p = Path(path)
    if base is not None:
        try:
            return urllib.parse.quote(Path(os.path.relpath(p, base)).as_posix())
        except ValueError:  # another drive on Windows
            pass
    return p.resolve().as_uri()


def _path(url: str, base: Path | None) -> str | None:
    """The local file an OTIO ``target_url`` names (relative ones from ``base``); None for remote URLs."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return str(Path(urllib.request.url2pathname(parsed.path)).resolve())
    if parsed.scheme and len(parsed.scheme) > 1:  # http:, s3:, ...; one letter is a Windows drive
        return None
    p = Path(urllib.parse.unquote(url))
    if not p.is_absolute() and base is not None:
        p = base / p
    return str(p.resolve())


# --- metadata ---------------------------------------------------------------------------------------


def _plain(otio, value):
    """OTIO metadata (AnyDictionary / AnyVector) as plain JSON data."""
    return json.loads(otio.core.serialize_json_to_string(value)) if value is not None else None


def _capkit_meta(otio, obj) -> dict:
    data = obj.metadata.get(NAMESPACE) if obj.metadata is not None else None
    return _plain(otio, data) if data is not None else {}


def _item_json(item: Item) -> dict:
    data = to_json(item)
    if "source" in data:
        data["source"]["path"] = ""  # the clip's media reference says where the file is
    return data


# --- writing ----------------------------------------------------------------------------------------


def _label(item: Item) -> str:
    if item.name:
        return item.name
    if isinstance(item, (TextItem, CaptionItem)):
        return item.text.replace("\n", " ")[:40]
    if isinstance(item, FilterItem):
        return item.filter.filter_id
    if isinstance(item, ColorClip):
        return item.color
    source = getattr(item, "source", None)
    return Path(source.path).name if source is not None and source.path else type(item).SCHEMA


def _clip(otio, item: Item, track: Track, fps: Fraction, base: Path | None):
    schema = otio.schema
    clip = schema.Clip(name=_label(item))
    if isinstance(item, SourcedClip):
        ref = schema.ExternalReference(target_url=_url(item.source.path, base))
        if item.source.duration is not None:
            ref.available_range = _range(otio, Fraction(0), item.source.duration, fps)
        clip.media_reference = ref
        clip.source_range = _range(otio, item.source_in, item.duration, fps)
        if item.speed != 1:
            clip.effects.append(schema.LinearTimeWarp(name="speed", time_scalar=float(item.speed)))
    else:
        # A still or a colour has no length of its own; FCP XML and EDL writers want one all the same.
        held = _range(otio, Fraction(0), item.duration, fps)
        if isinstance(item, ImageClip):
            clip.media_reference = schema.ExternalReference(target_url=_url(item.source.path, base),
                                                            available_range=held)
        elif isinstance(item, ColorClip):
            clip.media_reference = schema.GeneratorReference(
                generator_kind="SolidColor", parameters={"color": item.color}, available_range=held)
        clip.source_range = held
        if track.kind in CAPKIT_ONLY_KINDS:
            clip.name = f"{track.kind}: {_label(item)}"
    clip.metadata[NAMESPACE] = {"item": _item_json(item)}
    return clip


def _transition(otio, trans: Transition, d: Fraction, fps: Fraction):
    half = _rt(otio, d / 2, fps)
    return otio.schema.Transition(
        name=trans.kind, transition_type=DISSOLVE if trans.kind == "crossfade" else _CUSTOM,
        in_offset=half, out_offset=half, metadata={NAMESPACE: {"transition": to_json(trans)}})


def _track(otio, track: Track, fps: Fraction, base: Path | None):
    kind = otio.schema.TrackKind.Audio if track.kind == "audio" else otio.schema.TrackKind.Video
    out = otio.schema.Track(name=track.name or track.kind, kind=kind)
    out.enabled = not (track.kind in CAPKIT_ONLY_KINDS or track.hidden or (track.kind == "audio" and track.muted))
    header = to_json(track)
    header["items"] = []
    out.metadata[NAMESPACE] = {"track": header}
    at = Fraction(0)
    for span in track_spans(track):
        item = span.item
        if item.start > at:
            out.append(otio.schema.Gap(source_range=_range(otio, Fraction(0), item.start - at, fps)))
        if span.trans_in is not None:
            out.append(_transition(otio, span.trans_in, span.in_duration, fps))
        out.append(_clip(otio, item, track, fps, base))
        at = item.end
    return out


def _nearest_marker_color(color: str) -> str:
    r, g, b, _ = rgba(color)
    return min(MARKER_COLORS, key=lambda n: sum((x - y) ** 2 for x, y in zip(rgba(MARKER_COLORS[n])[:3], (r, g, b))))


def to_timeline(project: Project, *, base: str | os.PathLike | None = None):
    """The project as an ``opentimelineio.schema.Timeline``. Media URLs are relative to ``base``
    (the folder the timeline file will be in) when given, else absolute ``file://`` URLs."""
    otio = _otio()
    fps = project.settings.fps
    folder = Path(base).resolve() if base is not None else None
    header = to_json(project)
    header["tracks"], header["markers"] = [], []
    timeline = otio.schema.Timeline(name=project.name)
    timeline.metadata[NAMESPACE] = {"format": FORMAT, "format_version": FORMAT_VERSION,
                                    "written_by": f"capkit {__version__}", "project": header}
    for track in project.tracks:
        timeline.tracks.append(_track(otio, track, fps, folder))
    for marker in project.markers:
        timeline.tracks.markers.append(otio.schema.Marker(
            name=marker.name, marked_range=_range(otio, marker.time, Fraction(0), fps),
            color=_nearest_marker_color(marker.color), metadata={NAMESPACE: {"marker": to_json(marker)}}))
    return timeline


def report(project: Project, *, media_only: bool = False) -> list[str]:
    """What an editor other than capkit will not understand in this project, one line per kind of thing
    (``media_only``: for FCP XML and EDL, which leave capkit's own tracks and colour clips out)."""
    counts: dict[str, int] = {}
    kept = "left out" if media_only else "kept as offline placeholder clips on a disabled track"

    def note(what: str) -> None:
        counts[what] = counts.get(what, 0) + 1

    for track in project.tracks:
        for item in track.items:
            if isinstance(item, TextItem):
                note(f"text items ({kept})")
            elif isinstance(item, CaptionItem):
                note(f"caption items ({kept})")
            elif isinstance(item, FilterItem):
                note(f"filter layers ({kept})")
            if isinstance(item, ColorClip):
                note("colour clips (left out)" if media_only else
                     "colour clips (a SolidColor generator: not every editor draws it)")
            if getattr(item, "filters", None):
                note("clip filters")
            if getattr(item, "keyframes", None) or any(f.keyframes for f in getattr(item, "filters", [])):
                note("keyframed items")
            transform = getattr(item, "transform", None)
            if transform is not None and not isinstance(item, (TextItem, CaptionItem)) and transform != type(transform)():
                note("clips with a position, scale, rotation, opacity, crop or fit")
            trans = getattr(item, "transition_in", None)
            if trans is not None and trans.kind != "crossfade":
                note(f"{trans.kind.replace('_', ' ')} transitions (a generic transition elsewhere)")
            if isinstance(item, SourcedClip):
                if item.volume_db or item.fade_in or item.fade_out:
                    note("clip volumes and sound fades")
                if item.speed != 1 and not item.preserve_pitch:
                    note("speed changes without pitch correction")
            if isinstance(item, AudioClip) and item.duck_db:
                note("music ducking under voice")
    return [f"{n} {what}" for what, n in counts.items()]


def _adapter_for(out: Path, adapter: str | None) -> str:
    otio = _otio()
    name = adapter or ADAPTERS.get(out.suffix.lower())
    if name is None:
        raise CapkitError(f"{out}: cannot tell the timeline format from {out.suffix or 'no suffix'!r}; "
                          f"use {', '.join(ADAPTERS)}")
    if name not in otio.adapters.available_adapter_names():
        package = ADAPTER_PACKAGES.get(name, "opentimelineio-plugins")
        raise CapkitError(f"writing {out.suffix} needs OpenTimelineIO's {name} adapter: pip install {package} "
                          "(or opentimelineio-plugins for all of them)")
    return name


def _media_only(otio, timeline) -> None:
    """Leave only what FCP XML and EDL writers handle: no text, caption or filter tracks, and gaps
    where colour clips were (their writers fail on generators)."""
    for track in list(timeline.tracks):
        if _capkit_meta(otio, track).get("track", {}).get("kind") in CAPKIT_ONLY_KINDS:
            timeline.tracks.remove(track)
            continue
        for i, child in enumerate(list(track)):
            if isinstance(child, otio.schema.Clip) and isinstance(child.media_reference, otio.schema.GeneratorReference):
                track[i] = otio.schema.Gap(source_range=child.source_range)


def export_timeline(project: Project, out: str | os.PathLike, *, relative: bool = False,
                    adapter: str | None = None) -> list[str]:
    """Write ``project`` as a timeline file (the suffix picks OTIO JSON, FCP XML or EDL) and return
    :func:`report`. ``relative`` writes media URLs relative to the file's folder (for a folder that
    moves as a whole) instead of absolute ``file://`` URLs. FCP XML and EDL carry only the media:
    text, caption and filter tracks and colour clips are left out of them."""
    otio = _otio()
    target = Path(out)
    name = _adapter_for(target, adapter)
    if not target.resolve().parent.is_dir():
        raise CapkitError(f"cannot write {target}: the folder {target.resolve().parent} does not exist")
    timeline = to_timeline(project, base=target.resolve().parent if relative else None)
    notes = report(project, media_only=name != "otio_json")
    if name != "otio_json":
        _media_only(otio, timeline)
    tmp = atomic.temp_beside(target)
    try:
        if name == "otio_json":
            tmp.write_text(otio.adapters.write_to_string(timeline, "otio_json"), encoding="utf-8")
        else:
            try:
                otio.adapters.write_to_file(timeline, str(tmp), adapter_name=name)
            except Exception as err:  # noqa: BLE001  (an adapter refusing what its format cannot hold, e.g. EDL: one track)
                raise CapkitError(f"{target.name}: the {name} adapter could not write this timeline: {err}") from None
        atomic.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return notes


# --- reading ----------------------------------------------------------------------------------------


def _guess_settings(otio, timeline) -> Settings:
    """Canvas defaults and the frame rate of the first clip (30 when nothing says)."""
    for clip in timeline.find_clips():
        rng = clip.source_range
        if rng is not None and 1 <= rng.duration.rate <= 240:
            return Settings(fps=_rate(rng.duration.rate))
    return Settings()


def _color_param(color) -> str:
    """A generator's colour parameter as ``#RRGGBB[AA]`` (ValueError when it is not one)."""
    from capkit.model.color import normalize_color

    if not isinstance(color, str):
        raise TypeError(f"{color!r} is not a colour")
    return normalize_color(color)


@dataclass
class _Reader:
    otio: object
    base: Path | None
    warnings: list[str]

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    # clips ---------------------------------------------------------------------------------------

    def speed(self, clip) -> Fraction:
        speed = Fraction(1)
        for effect in clip.effects:
            if isinstance(effect, self.otio.schema.FreezeFrame):
                self.warn(f"clip {clip.name!r}: freeze frames are not supported; it plays at normal speed")
            elif isinstance(effect, self.otio.schema.LinearTimeWarp):
                scalar = Fraction(effect.time_scalar).limit_denominator(1000)
                if not Fraction(1, 10) <= scalar <= 10:
                    self.warn(f"clip {clip.name!r}: speed {effect.time_scalar:g} is outside capkit's 0.1-10; "
                              "it plays at normal speed")
                else:
                    speed *= scalar
            else:
                self.warn(f"clip {clip.name!r}: effect {effect.effect_name or effect.name or type(effect).__name__!r} "
                          "is not carried over")
        return speed if Fraction(1, 10) <= speed <= 10 else Fraction(1)

    def media(self, clip, ref) -> MediaRef | None:
        path = _path(ref.target_url, self.base)
        if path is None:
            self.warn(f"clip {clip.name!r}: media {ref.target_url!r} is not a local file; left out")
            return None
        duration = None
        if ref.available_range is not None:
            duration = _seconds(ref.available_range.duration)
        fp = None
        if Path(path).is_file():
            from capkit.io.fingerprint import fingerprint

            fp = fingerprint(path)
        else:
            self.warn(f"media not found: {path} (relink it after opening)")
        return MediaRef(path, fp, duration)

    def foreign_item(self, clip, track_kind: str, start: Fraction, duration: Fraction) -> Item | None:
        schema = self.otio.schema
        ref = clip.media_reference
        name = clip.name
        if isinstance(ref, schema.GeneratorReference):
            color = _plain(self.otio, ref.parameters).get("color") if ref.parameters is not None else None
            if ref.generator_kind == "SolidColor" and track_kind == "video":
                try:
                    return ColorClip(start=start, duration=duration, name=name, color=_color_param(color))
                except (TypeError, ValueError):
                    return ColorClip(start=start, duration=duration, name=name)
            self.warn(f"clip {name!r}: generator {ref.generator_kind!r} is not supported; left out")
            return None
        if not isinstance(ref, schema.ExternalReference):
            self.warn(f"clip {name!r} has no media (offline); left out")
            return None
        source = self.media(clip, ref)
        if source is None:
            return None
        info = None
        if source.fingerprint is not None:
            from capkit.media.probe import probe

            try:
                info = probe(source.path)
            except CapkitError as err:
                self.warn(f"clip {name!r}: {err}; left out")
                return None
            source.duration = info.duration if info.kind != "image" else None
        trimmed = clip.source_range or ref.available_range
        media_start = ref.available_range.start_time if ref.available_range is not None else None
        source_in = Fraction(0)
        if trimmed is not None:
            source_in = _seconds(trimmed.start_time) - (_seconds(media_start) if media_start is not None else 0)
            source_in = max(source_in, Fraction(0))
        speed = self.speed(clip)
        if track_kind == "audio":
            if info is not None and info.audio is None:
                self.warn(f"clip {name!r}: {Path(source.path).name} has no sound; left out of the audio track")
                return None
            return AudioClip(start=start, duration=duration, name=name, source=source, source_in=source_in,
                             speed=speed)
        if info is not None and info.kind == "audio":
            self.warn(f"clip {name!r}: {Path(source.path).name} is sound only; left out of the video track "
                      "(put it on an audio track in the other editor)")
            return None
        if (info is not None and info.kind == "image") or (info is None and
                                                           Path(source.path).suffix.lower() in IMAGE_SUFFIXES):
            return ImageClip(start=start, duration=duration, name=name, source=source)
        return VideoClip(start=start, duration=duration, name=name, source=source, source_in=source_in, speed=speed,
                         muted=info is not None and info.audio is None)

    def capkit_item(self, clip, data: dict, start: Fraction, duration: Fraction) -> Item | None:
        """A clip capkit wrote: its item from the metadata, with times from the timeline when another
        editor changed them."""
        try:
            if "source" in data:
                ref = clip.media_reference
                if isinstance(ref, self.otio.schema.ExternalReference):
                    data["source"]["path"] = _path(ref.target_url, self.base) or ""
            item = from_json(data, Item, f"clip {clip.name!r}")
        except SchemaError as err:
            self.warn(f"{err}; left out")
            return None
        timed = {"start": start, "duration": duration}
        if isinstance(item, SourcedClip) and clip.source_range is not None:
            timed["source_in"] = _seconds(clip.source_range.start_time)
            timed["speed"] = self.speed(clip)
        changed = [k for k, v in timed.items() if not _same(getattr(item, k), v)]
        if changed:
            self.warn(f"clip {clip.name!r} was changed in another editor: its {' and '.join(changed)} "
                      f"{'is' if len(changed) == 1 else 'are'} taken from the timeline")
            for k in changed:
                setattr(item, k, timed[k])
        return item

    # transitions -------------------------------------------------------------------------------

    def transition(self, trans, incoming: Item, outgoing: Item | None) -> None:
        if not hasattr(incoming, "transition_in"):
            self.warn(f"a transition into {incoming.name!r} was left out: capkit has transitions on video tracks only")
            return
        if outgoing is None or outgoing.end != incoming.start:
            self.warn(f"a transition into {incoming.name!r} was left out: it does not join two clips")
            return
        d = _seconds(trans.in_offset) + _seconds(trans.out_offset)
        kept = incoming.transition_in
        if kept is not None and _capkit_meta(self.otio, trans).get("transition") is not None:
            if not _same(min(kept.duration, incoming.duration, outgoing.duration), d):
                self.warn(f"the transition into {incoming.name!r} was changed in another editor: its length "
                          "comes from the timeline")
                kept.duration = min(max(d, Fraction(1, 100)), Fraction(10))
            return  # the clip's own metadata holds its kind and direction
        if not _same(_seconds(trans.in_offset), _seconds(trans.out_offset)):
            self.warn(f"the transition into {incoming.name!r} was centred on the cut (capkit's transitions are)")
        if trans.transition_type != DISSOLVE:
            self.warn(f"transition {trans.transition_type!r} into {incoming.name!r} became a crossfade")
        incoming.transition_in = Transition(kind="crossfade", duration=min(max(d, Fraction(1, 100)), Fraction(10)))

    # markers -----------------------------------------------------------------------------------

    def marker(self, m, offset: Fraction) -> Marker:
        time = max(offset + _seconds(m.marked_range.start_time), Fraction(0))
        meta = _capkit_meta(self.otio, m).get("marker")
        if meta is not None:
            try:
                kept = from_json(meta, Marker, "marker")
                if _same(kept.time, time):
                    return kept
            except SchemaError:
                pass
        if m.marked_range.duration.value > 0:
            self.warn(f"marker {m.name!r}: its range became a point at its start")
        return Marker(time=time, name=m.name, color=MARKER_COLORS.get(str(m.color).upper(), "#FFC000"))

    # tracks ------------------------------------------------------------------------------------

    def track(self, ot, project: Project) -> Track | None:
        schema = self.otio.schema
        meta = _capkit_meta(self.otio, ot).get("track")
        track = None
        if meta is not None:
            try:
                track = from_json(meta, Track, f"track {ot.name!r}")
            except SchemaError as err:
                self.warn(f"{err}; read as a plain track")
        if track is None:
            audio = ot.kind == schema.TrackKind.Audio
            track = Track(kind="audio" if audio else "video", name=ot.name)
            if not ot.enabled:
                track.muted = audio
                track.hidden = not audio
        at = Fraction(0)
        pending = None
        previous: Item | None = None
        for child in ot:
            if isinstance(child, schema.Transition):
                pending = child
                continue
            duration = _seconds(child.duration())
            if isinstance(child, schema.Clip) and duration > 0:
                data = _capkit_meta(self.otio, child).get("item")
                if data is not None:
                    item = self.capkit_item(child, data, at, duration)
                elif track.kind in CAPKIT_ONLY_KINDS:
                    self.warn(f"clip {child.name!r} on capkit's {track.kind} track has no capkit item; left out")
                    item = None
                else:
                    item = self.foreign_item(child, track.kind, at, duration)
                if item is not None and not child.enabled:
                    self.warn(f"clip {child.name!r} is disabled; left out")
                    item = None
                if item is not None:
                    if pending is not None:
                        self.transition(pending, item, previous)
                    track.items.append(item)
                    for m in child.markers:
                        start = _seconds(child.trimmed_range().start_time)
                        project.markers.append(self.marker(m, at - start))
                elif pending is not None:
                    self.warn("a transition next to a clip that was left out was left out too")
                previous = item
            elif not isinstance(child, schema.Gap) and duration > 0:
                self.warn(f"nested {type(child).__name__} {child.name!r} is not supported; left out "
                          "(flatten it in the other editor)")
                previous = None
            else:
                previous = None
            pending = None
            at += duration
        for m in ot.markers:
            project.markers.append(self.marker(m, Fraction(0)))
        return track


def _settings(current: Settings, fps, width: int | None, height: int | None) -> Settings:
    """``current`` with the frame rate and canvas asked for, checked by the project's own rules."""
    from capkit.model.rules import check_value, field_rules
    from capkit.model.time import parse_rate

    try:
        rate = parse_rate(fps) if fps is not None else current.fps
    except (ValueError, ZeroDivisionError, TypeError):
        raise CapkitError(f"{fps!r} is not a frame rate; use e.g. 30, 29.97 or 30000/1001") from None
    out = Settings(width=width or current.width, height=height or current.height, fps=rate,
                   sample_rate=current.sample_rate, background=current.background)
    for name in ("width", "height", "fps"):
        problem = check_value(field_rules(Settings, name), getattr(out, name))
        if problem:
            raise CapkitError(f"project {name} {problem}")
    return out


def from_timeline(timeline, *, base: str | os.PathLike | None = None, fps=None,
                  width: int | None = None, height: int | None = None) -> Imported:
    """A project from an OTIO timeline. Relative media URLs are read from ``base``. A timeline
    capkit wrote comes back as it was; another one gets capkit's default canvas (or ``width`` and
    ``height``) at its clips' frame rate (or ``fps``), and warnings for what was left out."""
    otio = _otio()
    reader = _Reader(otio, Path(base).resolve() if base is not None else None, [])
    meta = _capkit_meta(otio, timeline)
    project = None
    if meta.get("format") == FORMAT and isinstance(meta.get("project"), dict):
        if not isinstance(meta.get("format_version"), int) or meta["format_version"] > FORMAT_VERSION:
            raise CapkitError(f"the timeline was written by a newer capkit ({meta.get('written_by')}); update capkit")
        try:
            project = from_json(meta["project"], Project, "timeline metadata")
        except SchemaError as err:
            reader.warn(f"{err}; the canvas and frame rate were guessed")
    if project is None:
        project = Project(settings=_guess_settings(otio, timeline), name=timeline.name or "Imported")
    if fps is not None or width is not None or height is not None:
        project.settings = _settings(project.settings, fps, width, height)
    for child in timeline.tracks:
        if isinstance(child, otio.schema.Track):
            project.tracks.append(reader.track(child, project))
        else:
            reader.warn(f"nested {type(child).__name__} {child.name!r} at the top of the timeline is not supported; "
                        "left out")
    for m in timeline.tracks.markers:
        project.markers.append(reader.marker(m, Fraction(0)))
    problems = check_project(project)
    if problems:
        raise CapkitError(f"the timeline does not make a valid capkit project: {problems[0]}")
    return Imported(project, reader.warnings)


def import_timeline(path: str | os.PathLike, *, fps=None, width: int | None = None,
                    height: int | None = None) -> Imported:
    """Read a timeline file (``.otio``, or any format an installed OTIO adapter reads); media are
    found relative to the file. An EDL is read at ``fps`` (30 when not given): it does not say its rate."""
    otio = _otio()
    source = Path(path)
    if not source.is_file():
        raise CapkitError(f"{source}: no such timeline file")
    options = {}
    if source.suffix.lower() == ".edl":  # an EDL does not say its frame rate
        options["rate"] = float(_settings(Settings(), fps, None, None).fps)
    try:
        timeline = otio.adapters.read_from_file(str(source), **options)
    except Exception as err:  # noqa: BLE001  (OTIO reports broken files with many exception types)
        raise CapkitError(f"{source}: cannot read it as a timeline ({type(err).__name__}: {err})") from None
    if not isinstance(timeline, otio.schema.Timeline):
        raise CapkitError(f"{source}: holds a {type(timeline).__name__}, not a timeline")
    return from_timeline(timeline, base=source.resolve().parent, fps=fps, width=width, height=height)


__all__ = ["ADAPTERS", "Imported", "export_timeline", "from_timeline", "import_timeline", "report", "to_timeline"]

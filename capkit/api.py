"""The scripting API: build, edit and render a project in a few lines of Python.

    import capkit
    project = capkit.new_project(1080, 1920, fps=30)
    capkit.add_media(project, "clip.mp4")                 # appended to the main video track
    capkit.add_text(project, "Hello!", start=0, duration=3)
    capkit.add_audio(project, "music.mp3", volume_db=-12, fade_in=1, fade_out=1)
    capkit.export(project, "out.mp4")

Every helper goes through the same edit verbs as the editor (so the same rules hold) and returns
the item it added. For undoable scripted edits use :class:`capkit.model.History` with the verbs in
:mod:`capkit.model.edits` directly.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from capkit.errors import CapkitError, MediaError
from capkit.io import load, save
from capkit.model import (
    Animation, AudioClip, ColorClip, FilterItem, FilterRef, ImageClip, Item, MediaRef, Project, Settings,
    TextItem, TextStyle, Track, Transform, VideoClip,
)
from capkit.model.edits import AddItem, AddTrack
from capkit.model.project import overlap
from capkit.model.time import parse_rate, to_time

IMAGE_SECONDS = Fraction(3)  # how long a still image stays on screen when added

__all__ = [
    "Project", "new_project", "add_media", "add_text", "add_audio", "add_color", "add_filter", "load",
    "save", "export", "render_frame", "add_captions", "caption_project", "ass_style",
]


# (``export``, not ``render``: ``capkit.render`` is the engine's package.)


def new_project(width: int = 1080, height: int = 1920, fps: int | float | str | Fraction = 30, *,
                sample_rate: int = 48000, background: str = "#000000", name: str = "Untitled") -> Project:
    from capkit.model.rules import check_value, field_rules

    settings = Settings(width=width, height=height, fps=parse_rate(fps), sample_rate=sample_rate,
                        background=background)
    for field in ("width", "height", "fps", "sample_rate", "background"):
        problem = check_value(field_rules(Settings, field), getattr(settings, field))
        if problem:
            raise CapkitError(f"project {field} {problem}")
    return Project(settings=settings, name=name)


def track_for(project: Project, kind: str, start: Fraction, end: Fraction) -> Track:
    """The lowest track of ``kind`` with room for ``[start, end)``; a new one on top if none has."""
    for track in project.tracks_of(kind):
        if not track.locked and overlap(track, start, end) is None:
            return track
    edit = AddTrack(kind, name=f"{kind.title()} {len(project.tracks_of(kind)) + 1}")
    edit.apply(project)
    return project.track(edit.track_id)


def _add(project: Project, kind: str, item: Item, track: Track | None = None) -> Item:
    target = track or track_for(project, kind, item.start, item.end)
    AddItem(target.id, item).apply(project)
    return project.find(item.id)[1]


def _main_track(project: Project) -> Track:
    tracks = project.tracks_of("video")
    if tracks:
        return tracks[0]
    edit = AddTrack("video", name="Main", index=0)
    edit.apply(project)
    return project.track(edit.track_id)


def add_media(project: Project, path: str | os.PathLike, *, start=None, duration=None, source_in=0,
              speed=1, fit: str = "fit", volume_db: float = 0.0) -> Item:
    """Add a video, image or sound file. Video and images are appended to the main track unless
    ``start`` is given (then they go on the first video track with room); sound goes on an audio track."""
    from capkit.io.fingerprint import fingerprint
    from capkit.media.probe import probe

    info = probe(path)
    full = str(Path(path).resolve())
    ref = MediaRef(full, fingerprint(full), info.duration)
    speed = to_time(speed)
    source_in = to_time(source_in)
    if info.kind == "audio":
        return add_audio(project, path, start=start or 0, duration=duration, source_in=source_in, speed=speed,
                         volume_db=volume_db, _ref=ref)
    main = _main_track(project)
    at = main.end if start is None else to_time(start)
    if info.kind == "image":
        length = IMAGE_SECONDS if duration is None else to_time(duration)
        item: Item = ImageClip(start=at, duration=length, source=ref, name=Path(path).name,
                               transform=Transform(fit=fit))
    else:
        available = (info.duration - source_in) / speed
        if available <= 0:
            raise MediaError(f"{path}: source_in {float(source_in):g}s is past the end of the media")
        length = available if duration is None else min(to_time(duration), available)
        item = VideoClip(start=at, duration=length, source=ref, source_in=source_in, speed=speed,
                         name=Path(path).name, transform=Transform(fit=fit), volume_db=volume_db)
        if info.audio is None:
            item.muted = True
    track = main if overlap(main, item.start, item.end) is None else None
    return _add(project, "video", item, track)


def add_audio(project: Project, path: str | os.PathLike, *, start=0, duration=None, source_in=0, speed=1,
              volume_db: float = 0.0, fade_in=0, fade_out=0, role: str = "music", _ref: MediaRef | None = None
              ) -> AudioClip:
    """Add music or a sound effect on an audio track."""
    if _ref is None:
        from capkit.io.fingerprint import fingerprint
        from capkit.media.probe import probe

        info = probe(path)
        if info.audio is None:
            raise MediaError(f"{path} has no sound to add")
        full = str(Path(path).resolve())
        _ref = MediaRef(full, fingerprint(full), info.duration)
    speed, source_in = to_time(speed), to_time(source_in)
    available = (_ref.duration - source_in) / speed
    length = available if duration is None else min(to_time(duration), available)
    item = AudioClip(start=to_time(start), duration=length, source=_ref, source_in=source_in, speed=speed,
                     volume_db=volume_db, fade_in=to_time(fade_in), fade_out=to_time(fade_out), role=role,
                     name=Path(path).name)
    return _add(project, "audio", item)


def _animation(value: str | Animation | None) -> Animation | None:
    return Animation(value) if isinstance(value, str) else value


def add_text(project: Project, text: str, *, start=0, duration=3, x: float = 0.5, y: float = 0.5,
             style: TextStyle | None = None, animation_in: str | Animation | None = None,
             animation_out: str | Animation | None = None, **style_changes) -> TextItem:
    """Add text; ``style_changes`` set TextStyle fields (``size=96, color="#FFCC00"``).
    Animations are a kind name (``"pop"``) or an :class:`Animation` with its own duration."""
    import dataclasses

    style = dataclasses.replace(style or TextStyle(), **style_changes)
    item = TextItem(
        start=to_time(start), duration=to_time(duration), text=text, style=style, name=text[:30],
        transform=Transform(x=x, y=y),
        animation_in=_animation(animation_in),
        animation_out=_animation(animation_out),
    )
    return _add(project, "text", item)


def add_color(project: Project, color: str, *, start=0, duration=3) -> ColorClip:
    return _add(project, "video", ColorClip(start=to_time(start), duration=to_time(duration), color=color))


def add_filter(project: Project, filter_id: str, params: dict | None = None, *, start=0, duration=None,
               intensity: float = 1.0) -> FilterItem:
    """A filter layer over everything below it; by default over the whole project."""
    from capkit.render.plan import check_filter  # knows installed packs' filters too

    ref = FilterRef(filter_id, dict(params or {}), intensity)
    check_filter(ref)
    start = to_time(start)
    length = (project.duration - start) if duration is None else to_time(duration)
    if length <= 0:
        raise CapkitError("add_filter: the filter needs a positive duration (add clips first or pass duration)")
    return _add(project, "filter", FilterItem(start=start, duration=length, filter=ref, name=filter_id))


def export(project: Project, out: str | os.PathLike, *, width=None, height=None, fps=None, start=0, end=None,
           progress=None, cancel=None, jobs: int = 1, **settings):
    """Export to an MP4; returns an :class:`~capkit.render.export.ExportResult`.

    ``jobs`` > 1 renders keyframe-aligned pieces in that many processes and joins them without
    re-encoding (:mod:`capkit.render.segments`); worth it with more than two cores. A script that
    uses it must keep its code under ``if __name__ == "__main__":`` (workers are spawned)."""
    from capkit.render.export import ExportSettings
    from capkit.render.export import export as export_plan

    cfg = ExportSettings(width=width, height=height, fps=None if fps is None else parse_rate(fps),
                         start=to_time(start), end=None if end is None else to_time(end), **settings)
    if jobs > 1:
        from capkit.render.segments import export_segmented

        return export_segmented(project, out, cfg, jobs=jobs, progress=progress, cancel=cancel)
    return export_plan(project, out, cfg, progress=progress, cancel=cancel)


def render_frame(project: Project, t=0, *, width=None, height=None):
    """One frame at timeline time ``t`` as an RGB numpy array (what the preview shows)."""
    from capkit.render.frames import FrameRenderer
    from capkit.render.plan import compile_plan

    with FrameRenderer(compile_plan(project, width=width, height=height)) as renderer:
        return renderer.render_at(to_time(t))


# --- captions ---------------------------------------------------------------------------------


def _caption_style(project: Project, style):
    """A preset name, a style file or a CaptionStyle, fitted to the project's canvas. On a landscape
    canvas captions go low in the frame (no app buttons to avoid there)."""
    import copy

    from capkit.io.caption_styles import load_style
    from capkit.model.caption_items import CaptionStyle, style_for_canvas

    base = copy.deepcopy(style) if isinstance(style, CaptionStyle) else load_style(style)
    s = project.settings
    fitted = style_for_canvas(base, s.width, s.height)
    if s.width > s.height:
        fitted.x, fitted.y, fitted.text.max_width = 0.5, 0.85, 0.8
    return fitted


def add_captions(project: Project, cues, *, style="bold-outline", offset=0, name: str = "Captions") -> Track:
    """Put caption cues (from :func:`capkit.captions.layout` or a subtitle file) on a new caption
    track on top, in ``style`` (a preset name such as ``"karaoke"``, a style file, or a
    :class:`~capkit.model.CaptionStyle`); ``offset`` moves media time to timeline time. One
    undoable step when applied through a History: the edits used are AddTrack and AddItem."""
    from capkit.model.caption_items import caption_from_cue
    from capkit.model.edits import Group

    fitted = _caption_style(project, style)
    add = AddTrack("caption", name=name)
    items = [caption_from_cue(cue, fitted, offset=to_time(offset)) for cue in cues if cue.text.split()]
    Group([add] + [AddItem(add.track_id, item) for item in items], label="Add captions").apply(project)
    return project.track(add.track_id)


def _speech_audio(project: Project, folder: Path, progress=None, cancel=None) -> Path:
    """The project's speech as a WAV in ``folder``: its mix without music and effect clips (when
    anything else makes sound), streamed to disk so a long project never sits in memory."""
    import copy
    import wave

    import numpy as np

    from capkit.render.audio_mix import AudioMixer

    speech = copy.deepcopy(project)
    sounding = [i for i in speech.items() if isinstance(i, (AudioClip, VideoClip)) and not i.muted]
    voices = [i for i in sounding if not (isinstance(i, AudioClip) and i.role in ("music", "effect"))]
    if voices:
        for item in sounding:
            if item not in voices:
                item.muted = True
    path = folder / "speech.wav"
    with AudioMixer(speech, limiter=False) as mixer, wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(mixer.sample_rate)
        block = mixer.sample_rate * 10
        done = 0
        while done < mixer.total_samples:
            if cancel is not None:
                cancel.check()
            n = min(block, mixer.total_samples - done)
            mono = mixer.read(n).mean(axis=0)
            out.writeframes((np.clip(mono, -1, 1) * 32767).astype("<i2").tobytes())
            done += n
    return path


def caption_project(project: Project, *, model: str = "tiny.en", language: str | None = None,
                    task: str = "transcribe", layout: str = "phrase", style="bold-outline",
                    progress=None, cancel=None, translate_to: str | None = None,
                    bilingual: bool = False) -> Track:
    """Transcribe the project's own speech and add it as a caption track (see :func:`add_captions`).

    The speech is the project's mix without clips whose role is music or effect (all sound when
    nothing else is there). ``translate_to`` translates the caption text afterwards through
    :mod:`capkit.captions.translate` (``bilingual`` keeps the original line above the translation).
    """
    import tempfile

    from capkit.captions import layout as layout_words
    from capkit.captions import transcribe

    if project.duration <= 0:
        raise CapkitError("the project is empty: add clips with speech before captioning it")
    with tempfile.TemporaryDirectory(prefix="capkit-speech-") as tmp:
        wav = _speech_audio(project, Path(tmp), cancel=cancel)
        transcript = transcribe(wav, model=model, language=language, task=task, progress=progress, cancel=cancel)
    cues = layout_words(transcript.words, layout, media_duration=transcript.duration)
    if translate_to:
        from capkit.captions.translate import translate_cues

        cues = translate_cues(cues, translate_to, source=transcript.language if task == "transcribe" else "en",
                              bilingual=bilingual)
    return add_captions(project, cues, style=style)


def ass_style(style, play_res: tuple[int, int] = (1080, 1920)) -> dict:
    """The nearest ASS ``Default`` style to a caption style (for ``.ass`` files): font, size,
    colours (the active colour becomes the karaoke colour), outline, shadow, bottom margin."""
    from capkit.io.caption_styles import load_style
    from capkit.model.caption_items import CaptionStyle, style_for_canvas

    base = style if isinstance(style, CaptionStyle) else load_style(style)
    st = style_for_canvas(base, *play_res)
    t = st.text
    active = st.active.color if st.active is not None and st.active.color else t.color
    margin = round((1 - st.y) * play_res[1] - t.size)
    out = {"font": t.font, "size": round(t.size), "bold": bool(t.bold), "primary_colour": active,
           "secondary_colour": t.color, "outline_colour": t.stroke.color if t.stroke else "#000000",
           "outline": round(t.stroke.width / 2, 1) if t.stroke else 0.0,
           "shadow": 2.0 if t.shadow else 0.0, "alignment": 2, "margin_v": max(0, margin)}
    if t.box is not None:
        out["back_colour"] = t.box.color
    return out

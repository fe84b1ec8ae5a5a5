"""``capkit beats`` (tempo and beat times of music, optionally as project markers) and
``capkit beat-cut`` (a project of clips cut to the beat of a song, optionally rendered)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from capkit.cli.args import canvas_size, frame_rate, new_project_file
from capkit.cli.report import console, fail, progress_bar

EveryOpt = Annotated[int, typer.Option("--every", min=1,
                                        help="Use every Nth beat (2: every other beat, 4: once a bar in 4/4).")]
MarkersOpt = Annotated[Optional[Path], typer.Option(
    "--markers", metavar="PROJECT",
    help="Add a marker at each beat of this music's clips in a .capkit project (saved in place).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (seconds, exact to the millisecond) instead of text.")]
FirstBeatOpt = Annotated[int, typer.Option("--first-beat", min=1,
                                           help="Start on this beat (1: the first beat found); the music starts there.")]
FpsOpt = Annotated[str, typer.Option(help="Frame rate, e.g. 30 or 29.97; cuts land on the frame nearest each beat.")]
RenderOpt = Annotated[Optional[Path], typer.Option("--render", metavar="OUT.mp4",
                                                   help="Also render the project to this video.")]


def _analyse(music: Path):
    from capkit.beats import detect_beats
    from capkit.media.probe import probe

    info = probe(music)
    if info.audio is None:
        fail(f"{music} has no sound to find beats in; give a music or video file with sound")
    total_ms = max(1, int((info.duration or 0) * 1000))
    with progress_bar(f"Finding beats in {music.name}", total_ms, unit="") as update:
        return detect_beats(music, progress=update)


def _seconds(t) -> float:
    return round(float(t), 3)


def beats(
    music: Annotated[Path, typer.Argument(help="A music (or video) file with sound.")],
    markers: MarkersOpt = None,
    every: EveryOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """Find the tempo and the beats of music; print them, or mark them in a project."""
    from capkit.errors import CapkitError

    if markers is not None and markers.suffix != ".capkit":
        fail(f"{markers}: --markers takes a .capkit project file")
    try:
        project = None
        if markers is not None:
            from capkit import api

            project = api.load(markers)
        analysis = _analyse(music)
        if as_json:
            doc = {"file": str(music), "tempo_bpm": analysis.tempo_bpm, "confidence": analysis.confidence,
                   "duration": _seconds(analysis.duration), "every": every,
                   "beats": [_seconds(b) for b in analysis.beats[::every]],
                   "onsets": [_seconds(o) for o in analysis.onsets]}
            sys.stdout.write(json.dumps(doc) + "\n")
        elif not analysis.beats:
            console.print(f"no beat found in {escape(music.name)} (silent, or no steady pulse)")
        else:
            shown = analysis.beats[::every]
            console.print(f"{escape(music.name)}: [bold]{analysis.tempo_bpm:.1f} BPM[/] (confidence "
                          f"{analysis.confidence:.2f}), {len(analysis.beats)} beats from {float(shown[0]):.3f}s "
                          f"to {float(analysis.beats[-1]):.3f}s")
            console.print(" ".join(f"{float(b):.3f}" for b in shown), soft_wrap=False)
        if project is not None:
            _mark(project, markers, music, analysis, every, quiet=as_json)
    except CapkitError as err:
        fail(str(err))


def _mark(project, path: Path, music: Path, analysis, every: int, quiet: bool) -> None:
    from capkit import api
    from capkit.beats import beat_markers
    from capkit.model.items import SourcedClip

    target = music.resolve()
    clips = [i for i in project.items() if isinstance(i, SourcedClip) and i.source.path
             and Path(i.source.path).resolve() == target]
    if not clips:
        fail(f"{music.name} is not used in {path.name}; add it to the project first (capkit new ... {music.name})")
    if not analysis.beats:
        fail(f"no beat found in {music.name}: no markers added to {path.name}")
    added = 0
    for clip in clips:
        before = len(project.markers)
        beat_markers(project, clip.id, analysis, every=every).apply(project)
        added += len(project.markers) - before
    api.save(project, path)
    if not quiet:
        console.print(f"[green]saved[/] {escape(str(path))}: {added} beat markers on {len(clips)} clip(s)")


def beat_cut(
    music: Annotated[Path, typer.Argument(help="The song to cut to.")],
    clips: Annotated[list[Path], typer.Argument(help="Videos and images in order; each plays from one cut to the next.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .capkit project to write.")],
    every: EveryOpt = 1,
    first_beat: FirstBeatOpt = 1,
    size: Annotated[str, typer.Option(help="Canvas WIDTHxHEIGHT.")] = "1080x1920",
    fps: FpsOpt = "30",
    fit: Annotated[str, typer.Option(help="fit (whole picture), fill (cover the canvas) or stretch.")] = "fill",
    clip_audio: Annotated[bool, typer.Option("--clip-audio", help="Keep the clips' own sound under the music.")] = False,
    render: RenderOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing project file.")] = False,
) -> None:
    """Cut clips to the beat of a song: a project with each cut on a beat, the song underneath."""
    from capkit import api
    from capkit.beats import cut_to_beat
    from capkit.errors import CapkitError
    from capkit.model.items import FIT_MODES

    new_project_file(output, force)
    if fit not in FIT_MODES:
        fail(f"--fit must be one of {', '.join(FIT_MODES)} (got {fit!r})")
    w, h = canvas_size(size)
    rate = frame_rate(fps)
    try:
        project = api.new_project(w, h, rate, name=output.stem)
        if render is not None:
            from capkit.render.export import check_output

            check_output(project, render)
        analysis = _analyse(music)
        if not analysis.beats:
            fail(f"no beat found in {music.name} (silent, or no steady pulse); nothing to cut to")
        cut = cut_to_beat(project, clips, analysis, music=music, every=every, start_beat=first_beat - 1,
                          fit=fit, clip_audio=clip_audio)
        api.save(project, output)
        console.print(f"[green]saved[/] {escape(str(output))}: {len(cut.clips)} clips cut every {every} beat(s) at "
                      f"{analysis.tempo_bpm:.1f} BPM, {float(project.duration):.2f}s")
        if render is not None:
            _render(project, render)
    except CapkitError as err:
        fail(str(err))


def _render(project, out: Path) -> None:
    from capkit import api
    from capkit.render.export import check_output
    from capkit.render.plan import compile_plan

    check_output(project, out)
    frames = compile_plan(project).frame_count
    with progress_bar(f"Rendering {out.name}", frames) as update:
        result = api.export(project, out, progress=update)
    console.print(f"[green]wrote[/] {escape(str(result.path))} ({result.frames} frames, "
                  f"{float(result.duration):.2f}s) in {result.seconds:.1f}s")

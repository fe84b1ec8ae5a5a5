"""``capkit reframe``: landscape footage to a vertical (square, 4:5) video that follows the subject."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from capkit.cli.report import console, fail, progress_bar

ASPECTS = {"9:16": (1080, 1920), "1:1": (1080, 1080), "4:5": (1080, 1350)}


def reframe(
    input: Annotated[Path, typer.Argument(metavar="IN", help="A landscape video to reframe.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output video (.mp4, .mov).")],
    aspect: Annotated[str, typer.Option(help="Target shape: 9:16 (1080x1920), 1:1 (1080x1080) or 4:5 (1080x1350).")] = "9:16",
    project_out: Annotated[Path | None, typer.Option("--project", help="Also save the project (clip and keyframes) here, to fine-tune in the editor.")] = None,
    width: Annotated[int | None, typer.Option(help="Output width (default 1080; the height follows the aspect).")] = None,
    rate: Annotated[float, typer.Option(min=1.0, max=30.0, help="Pictures analysed per second.")] = 8.0,
    max_speed: Annotated[float, typer.Option("--max-speed", min=0.05, max=5.0, help="Fastest pan, in source widths per second.")] = 0.5,
    crf: Annotated[int, typer.Option(min=0, max=51, help="H.264 quality: lower is better and bigger.")] = 20,
) -> None:
    """Follow faces (else motion, else what stands out) with a smooth crop, stored as keyframes, and render it."""
    from capkit import api
    from capkit.errors import Cancelled, CapkitError
    from capkit.media.probe import probe
    from capkit.reframe import analyse, apply_reframe
    from capkit.render.export import check_output
    from capkit.render.plan import compile_plan

    size = ASPECTS.get(aspect.strip())
    if size is None:
        fail(f"--aspect {aspect!r} is not one of {', '.join(ASPECTS)}")
    if project_out is not None and project_out.suffix != ".capkit":
        fail(f"{project_out}: a project file must end in .capkit")
    try:
        info = probe(input)
        if info.video is None or info.kind != "video":
            fail(f"{input} has no video stream to reframe; give a video file")
        fps = info.video.fps or 30
        project = api.new_project(*size, fps=fps, name=input.stem)
        clip = api.add_media(project, input, fit="fill")
        check_output(project, output)
        with progress_bar(f"Analysing {input.name}", 1, unit="") as update:
            path = analyse(input, aspect, start=float(clip.source_in), end=float(clip.source_out), rate=rate,
                           max_speed=max_speed, progress=update)
        apply_reframe(project, clip.id, path)
        keys = len(clip.keyframes.get("x", []))
        found = ", ".join(f"{kind} {n}" for kind, n in sorted(path.stats.items()))
        console.print(f"[green]analysed[/] {path.analysed_frames} pictures in {path.seconds:.1f}s "
                      f"({found}); {keys} keyframes")
        if project_out is not None:
            api.save(project, project_out)
            console.print(f"[green]saved[/] {escape(str(project_out))}")
        frames = compile_plan(project, width=width).frame_count
        with progress_bar(f"Rendering {output.name}", frames) as update:
            result = api.export(project, output, width=width, progress=update, crf=crf)
    except Cancelled:
        raise
    except CapkitError as err:
        fail(str(err))
        return
    console.print(f"[green]wrote[/] {escape(str(result.path))} ({result.frames} frames, "
                  f"{float(result.duration):.2f}s) in {result.seconds:.1f}s")

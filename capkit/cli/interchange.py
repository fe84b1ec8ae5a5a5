"""``capkit export-timeline`` / ``import-timeline`` (OpenTimelineIO, FCP XML, EDL) and
``capkit bundle`` / ``unbundle`` (a project with its media, fonts and packs in one ``.capkitz``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from capkit.cli.args import refuse_existing
from capkit.cli.report import console, fail, progress_bar


def export_timeline(
    project: Annotated[Path, typer.Argument(help="The .capkit project to export.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Timeline file: .otio, or .xml (FCP 7), .fcpxml, .edl with OTIO's adapter plugins.")],
    relative: Annotated[bool, typer.Option("--relative", help="Media paths relative to the timeline file instead of absolute file:// URLs.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Export a project as a timeline for other editors, and say what they will not understand."""
    from capkit import api
    from capkit.io.otio import export_timeline as write

    refuse_existing(output, force)
    proj = api.load(project)
    notes = write(proj, output, relative=relative)
    console.print(f"[green]wrote[/] {escape(str(output))}: {len(proj.tracks)} tracks, {float(proj.duration):.2f}s")
    if notes:
        console.print("[yellow]other editors will not understand[/] (capkit reads it all back from the .otio):")
        for line in notes:
            console.print(f"  [yellow]![/] {escape(line)}")


def import_timeline(
    timeline: Annotated[Path, typer.Argument(help="An .otio timeline (or a file an installed OTIO adapter reads).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .capkit project to write.")],
    fps: Annotated[str | None, typer.Option(help="Frame rate for a timeline not made by capkit (default: its clips').")] = None,
    size: Annotated[str | None, typer.Option(help="Canvas WIDTHxHEIGHT for a timeline not made by capkit (default 1080x1920).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing project file.")] = False,
) -> None:
    """Make a project from a timeline; media are found relative to the timeline file."""
    from capkit import api
    from capkit.io.otio import import_timeline as read

    if output.suffix != ".capkit":
        fail(f"{output}: a project file must end in .capkit")
    refuse_existing(output, force)
    width = height = None
    if size is not None:
        try:
            width, height = (int(v) for v in size.lower().split("x"))
        except ValueError:
            fail(f"--size {size!r} is not WIDTHxHEIGHT, e.g. 1080x1920")
    result = read(timeline, fps=fps, width=width, height=height)
    api.save(result.project, output)
    proj = result.project
    console.print(f"[green]created[/] {escape(str(output))}: {len(list(proj.items()))} items on {len(proj.tracks)} "
                  f"tracks, {float(proj.duration):.2f}s")
    for line in result.warnings:
        console.print(f"  [yellow]![/] {escape(line)}")


def bundle(
    project: Annotated[Path, typer.Argument(help="The .capkit project to bundle.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .capkitz bundle to write.")],
    proxies: Annotated[bool, typer.Option("--proxies", help="Store small H.264 proxies (540 px) instead of the full videos.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing bundle.")] = False,
) -> None:
    """Put a project with its media, fonts and filter packs into one file that opens anywhere."""
    from capkit.io.bundle import bundle as write

    refuse_existing(output, force)
    with progress_bar(f"Bundling {output.name}", total=1, unit="") as update:
        result = write(project, output, proxies=proxies, progress=update)
    console.print(f"[green]wrote[/] {escape(str(result.path))}: {result.files} files, {result.size_bytes / 1e6:.1f} MB")
    for line in result.warnings:
        console.print(f"  [yellow]![/] {escape(line)}")


def unbundle(
    bundle_file: Annotated[Path, typer.Argument(help="The .capkitz bundle to open.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="A new (or empty) folder to open it into.")],
) -> None:
    """Open a bundle into a folder (refusing damaged or unsafe ones) and print the project to open."""
    from capkit.io.bundle import bundle_warnings, open_bundle

    project = open_bundle(bundle_file, output)
    console.print(f"[green]opened[/] {escape(str(project))}")
    for line in bundle_warnings(project):
        console.print(f"  [yellow]![/] {escape(line)}")

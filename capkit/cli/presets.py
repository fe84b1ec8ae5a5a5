"""``capkit presets list | show NAME`` and ``capkit check PROJECT --preset NAME``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from capkit.cli.report import console, fail

presets_app = typer.Typer(help="Export presets for TikTok, Reels, Shorts, YouTube and feeds.", no_args_is_help=True)


@presets_app.command("list")
def list_presets() -> None:
    """Every export preset with its frame, rate, bitrate cap and length limit."""
    from rich.table import Table

    from capkit.presets import presets

    table = Table(title="export presets")
    for col in ("name", "for", "frame", "fps", "video cap", "audio", "loudness", "longest"):
        table.add_column(col)
    for p in presets():
        table.add_row(p.name, p.title, f"{p.width}x{p.height}", str(p.fps), f"{p.video.max_bitrate / 1e6:g} Mb/s",
                      f"AAC {p.audio.bitrate // 1000} kb/s", f"{p.loudness.integrated_lufs:g} LUFS",
                      "-" if p.max_seconds is None else f"{p.max_seconds:g} s")
    console.print(table)


@presets_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="A preset name (see `capkit presets list`) or a preset .json file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the preset as JSON.")] = False,
) -> None:
    """Everything a preset sets, with where its numbers come from."""
    from capkit.presets import load_preset

    p = load_preset(name)
    if as_json:
        sys.stdout.write(json.dumps(p.model_dump(), indent=2) + "\n")
        return
    console.print(f"[bold]{escape(p.title)}[/] ({p.name}) for {escape(p.platform)}")
    console.print(f"  frame {p.width}x{p.height} at {p.fps} fps; aspect rule: {p.aspect_rule}")
    v = p.video
    console.print(f"  video {v.codec} {v.profile}, CRF {v.crf}, at most {v.max_bitrate / 1e6:g} Mb/s, "
                  f"keyframe every {v.gop_seconds:g} s (closed GOP, 2 B-frames)")
    console.print(f"  audio {p.audio.codec} {p.audio.sample_rate} Hz {p.audio.bitrate // 1000} kb/s; loudness "
                  f"{p.loudness.integrated_lufs:g} LUFS, true peak at most {p.loudness.true_peak_dbtp:g} dBTP")
    limit = "none" if p.max_seconds is None else f"{p.max_seconds:g} s"
    console.print(f"  length {p.min_seconds:g} s to {limit}")
    z = p.safe_zone
    console.print(f"  interface covers: top {z.top}, bottom {z.bottom}, left {z.left}, right {z.right} px")
    if p.notes:
        console.print(f"  {escape(p.notes)}")
    for s in p.sources:
        console.print(f"  source{' (official)' if s.official else ''}, checked {s.checked}: {escape(s.what)} "
                      f"[dim]{escape(s.where)}[/]")


def print_findings(findings, preset_title: str) -> None:
    if not findings:
        console.print(f"[green]ready for {escape(preset_title)}[/]: no problems found")
        return
    console.print(f"[yellow]{len(findings)} warning(s) for {escape(preset_title)}:[/]")
    for f in findings:
        console.print(f"  [yellow]![/] {escape(f.message)}")


def check(
    project: Annotated[Path, typer.Argument(help="The .capkit project to check.")],
    preset: Annotated[list[str], typer.Option("--preset", help="Preset name(s) to check against (repeatable).")],
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 when anything is found.")] = False,
    sound: Annotated[bool, typer.Option("--sound/--no-sound", help="Also measure the mix's loudness and peaks.")] = True,
) -> None:
    """Warn about what would go wrong on a platform: length, shape, text under the app's buttons, sound, missing media."""
    from capkit import api
    from capkit.presets import load_preset
    from capkit.presets.checks import check as run_checks

    if not preset:
        fail("give at least one --preset (see `capkit presets list`)")
    chosen = [load_preset(name) for name in preset]
    proj = api.load(project)
    total = 0
    for p in chosen:
        findings = run_checks(proj, p, loudness=sound, normalise=False)
        print_findings(findings, p.title)
        total += len(findings)
    if strict and total:
        raise typer.Exit(1)

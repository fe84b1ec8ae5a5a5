"""``capkit`` commands: render, new, probe, demo, doctor; captions in :mod:`capkit.cli.captions`,
filters in :mod:`capkit.cli.filters`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from capkit import __version__
from capkit.cli import batch as batch_cli
from capkit.cli import beats as beats_cli
from capkit.cli.args import canvas_size, frame_rate, new_project_file
from capkit.cli import captions as captions_cli
from capkit.cli import interchange as interchange_cli
from capkit.cli import presets as presets_cli
from capkit.cli import reframe as reframe_cli
from capkit.cli.filters import filters_app
from capkit.cli.models import models_app
from capkit.cli.report import console, err_console, fail, progress_bar

app = typer.Typer(
    name="capkit",
    help="capkit: an offline video editor for short-video creators. Render projects, inspect media, run the demo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
from rich.markup import escape  # noqa: E402  (rich is already loaded by the CLI's reporting)
app.add_typer(filters_app, name="filters")
app.add_typer(models_app, name="models")
app.command("caption")(captions_cli.caption)
app.command("add-captions")(captions_cli.add_captions)
app.add_typer(presets_cli.presets_app, name="presets")
app.command("check")(presets_cli.check)
app.command("reframe")(reframe_cli.reframe)
app.command("beats")(beats_cli.beats)
app.command("beat-cut")(beats_cli.beat_cut)
app.command("batch")(batch_cli.batch)
app.command("export-timeline")(interchange_cli.export_timeline)
app.command("import-timeline")(interchange_cli.import_timeline)
app.command("bundle")(interchange_cli.bundle)
app.command("unbundle")(interchange_cli.unbundle)


def _version(value: bool) -> None:
    if value:
        console.print(f"capkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    pass


@app.command()
def render(
    project: Annotated[Path, typer.Argument(help="The .capkit project to render.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output video (.mp4, .mov).")],
    width: Annotated[Optional[int], typer.Option(help="Output width (default: the project's).")] = None,
    height: Annotated[Optional[int], typer.Option(help="Output height (default: the project's).")] = None,
    fps: Annotated[Optional[str], typer.Option(help="Output frame rate, e.g. 30 or 30000/1001.")] = None,
    start: Annotated[float, typer.Option("--from", help="Start of the range to render, in seconds.")] = 0.0,
    end: Annotated[Optional[float], typer.Option("--to", help="End of the range, in seconds.")] = None,
    crf: Annotated[int, typer.Option(min=0, max=51, help="H.264 quality: lower is better and bigger.")] = 20,
    preset: Annotated[str, typer.Option("--x264-preset", help="x264 speed preset (ultrafast ... veryslow).")] = "veryfast",
    targets: Annotated[Optional[list[str]], typer.Option("--preset", help="Platform preset(s): tiktok, reels, shorts, youtube, square, portrait-4x5 (repeatable: one file each).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="With --preset: stop when the checks find anything.")] = False,
    loudness: Annotated[Optional[float], typer.Option(help="Normalise the sound to this many LUFS (e.g. -14); presets do it for you.")] = None,
    adapt: Annotated[bool, typer.Option("--adapt/--letterbox", help="With --preset of another shape: reframe clips and move captions for it (default), or just fit the picture with bars.")] = True,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="Render in N processes, in keyframe-aligned pieces joined without re-encoding (for machines with more than 2 cores).")] = 1,
) -> None:
    """Render a project to an H.264/AAC MP4 with a progress bar (Ctrl+C cancels cleanly)."""
    if targets:
        _render_presets(project, output, targets, strict, start, end, preset, adapt, jobs)
        return
    from capkit import api
    from capkit.model.time import to_time
    from capkit.render.export import check_output
    from capkit.render.plan import compile_plan

    from capkit.fx.backend import choose

    proj = api.load(project)
    check_output(proj, output)
    choose()  # a CAPKIT_DEVICE that cannot be used is reported before any work starts
    rate = frame_rate(fps) if fps is not None else None
    plan = compile_plan(proj, width=width, height=height, fps=rate, start=to_time(start),
                        end=None if end is None else to_time(end))
    with progress_bar(f"Rendering {output.name}", plan.frame_count) as update:
        result = api.export(proj, output, width=width, height=height, fps=rate, start=start, end=end,
                            progress=update, crf=crf, preset=preset, loudness_target=loudness, jobs=jobs)
    console.print(
        f"[green]wrote[/] {result.path} ({plan.width}x{plan.height}, {result.frames} frames, "
        f"{float(result.duration):.2f}s, {result.size_bytes / 1e6:.1f} MB) in {result.seconds:.1f}s"
    )
    _report_sound(result)


def _report_sound(result) -> None:
    if result.loudness is not None:
        gain = f" (gain {result.audio_gain_db:+.1f} dB)" if result.audio_gain_db else ""
        console.print(f"  sound: {result.loudness.describe()}{gain}")


def _preset_output(output: Path, name: str, several: bool) -> Path:
    if "{preset}" in output.name:
        return output.with_name(output.name.replace("{preset}", name))
    return output.with_name(f"{output.stem}-{name}{output.suffix}") if several else output


def _render_presets(project: Path, output: Path, names: list[str], strict: bool, start: float,
                    end: Optional[float], x264_preset: str, adapt: bool = True, jobs: int = 1) -> None:
    """One file per preset, each checked first and made the way its platform asks; a preset of
    another shape than the project gets its own copy, reframed and with captions re-placed."""
    from capkit import api
    from capkit.cli.presets import print_findings
    from capkit.presets import export_settings, load_preset
    from capkit.presets.checks import check
    from capkit.render.export import check_output
    from capkit.render.plan import compile_plan

    chosen = [load_preset(name) for name in dict.fromkeys(names)]
    proj = api.load(project)
    outs = [_preset_output(output, p.name, len(chosen) > 1) for p in chosen]
    for out in outs:
        check_output(proj, out)
    from capkit.presets.deliverables import adapt as adapt_for, needs_adapting

    versions = {}
    for p in chosen:
        if adapt and needs_adapting(proj, p):
            with console.status(f"Adapting the project for {p.title} ({p.width}x{p.height})"):
                adapted = adapt_for(proj, p)
            console.print(f"{escape(p.title)}: " + "; ".join(adapted.notes or ["nothing to move"]))
            versions[p.name] = adapted.project
        else:
            versions[p.name] = proj
    findings = {p.name: check(versions[p.name], p) for p in chosen}
    for p in chosen:
        print_findings(findings[p.name], p.title)
    if strict and any(findings.values()):
        fail("not rendering: the checks above found problems (drop --strict to render anyway)")
    for p, out in zip(chosen, outs):
        settings = export_settings(p)
        version = versions[p.name]
        plan = compile_plan(version, width=settings["width"], height=settings["height"], fps=settings["fps"],
                            start=start, end=end)
        with progress_bar(f"{p.title}: {out.name}", plan.frame_count) as update:
            result = api.export(version, out, start=start, end=end, progress=update, preset=x264_preset, jobs=jobs,
                                **settings)
        console.print(f"[green]wrote[/] {result.path} for {p.title} ({plan.width}x{plan.height}, "
                      f"{result.frames} frames, {result.size_bytes / 1e6:.1f} MB) in {result.seconds:.1f}s")
        _report_sound(result)


@app.command()
def new(
    output: Annotated[Path, typer.Argument(help="The .capkit project file to create.")],
    media: Annotated[Optional[list[Path]], typer.Argument(help="Videos, images and sound files to add in order.")] = None,
    size: Annotated[str, typer.Option(help="Canvas WIDTHxHEIGHT.")] = "1080x1920",
    fps: Annotated[str, typer.Option(help="Frame rate, e.g. 30 or 29.97.")] = "30",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing project file.")] = False,
) -> None:
    """Create a project: videos and images one after another on the main track, sound on an audio track."""
    from capkit import api
    new_project_file(output, force)
    w, h = canvas_size(size)
    rate = frame_rate(fps)
    project = api.new_project(w, h, rate, name=output.stem)
    for path in media or []:
        api.add_media(project, path, fit="fit")
    api.save(project, output)
    console.print(f"[green]created[/] {output}: {len(list(project.items()))} items, "
                  f"{float(project.duration):.2f}s, {w}x{h} at {float(rate):g} fps")


@app.command()
def probe(
    file: Annotated[Path, typer.Argument(help="A video, image or sound file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show what a media file holds: size after rotation, rotation, frame rate, duration, streams."""
    from capkit.media.probe import probe as probe_media

    info = probe_media(file)
    data = info.to_json()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table(title=str(file), show_header=False)
    table.add_row("kind", info.kind)
    if info.duration is not None:
        table.add_row("duration", f"{float(info.duration):.3f} s")
    if info.video is not None:
        v = info.video
        table.add_row("size", f"{v.display_width}x{v.display_height}" + (f" (stored {v.width}x{v.height})" if v.rotation else ""))
        table.add_row("rotation", f"{v.rotation}°")
        if v.fps:
            table.add_row("frame rate", f"{float(v.fps):.3f} fps" + (" (variable)" if v.vfr else ""))
        table.add_row("video", f"{v.codec} {v.pix_fmt}")
    if info.audio is not None:
        a = info.audio
        table.add_row("audio", f"{a.codec} {a.sample_rate} Hz {a.layout} ({a.channels} ch)")
    console.print(table)


@app.command()
def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the demo video.")] = Path("demo.mp4"),
    project_out: Annotated[Optional[Path], typer.Option("--project", help="Also save the demo project here.")] = None,
) -> None:
    """Build a demo project from generated media (footage, title, music, transitions, a speed change) and render it."""
    from capkit import api
    from capkit.demo import build_demo

    with console.status("Making demo media"):
        project = build_demo()
    if project_out is not None:
        api.save(project, project_out)
        console.print(f"[green]saved[/] {project_out}")
    from capkit.render.plan import compile_plan

    from capkit.presets import export_settings, load_preset

    frames = compile_plan(project).frame_count
    settings = export_settings(load_preset("tiktok"))  # the file a creator would upload
    with progress_bar(f"Rendering {output.name}", frames) as update:
        result = api.export(project, output, progress=update, **settings)
    console.print(f"[green]wrote[/] {result.path} ({result.frames} frames, {float(result.duration):.2f}s, "
                  f"{result.size_bytes / 1e6:.1f} MB) in {result.seconds:.1f}s with the TikTok preset")
    _report_sound(result)


_SCRIPTS = {"Latin": "A", "Arabic": "\u0639", "Devanagari": "\u0915", "Chinese": "\u4e2d", "Japanese": "\u3042",
            "Korean": "\ud55c", "Cyrillic": "\u0416", "Greek": "\u03a9", "Thai": "\u0e01", "Hebrew": "\u05d0"}
_ENCODERS = ("libx264", "libx265", "h264_nvenc", "hevc_nvenc", "h264_vaapi", "h264_qsv", "h264_videotoolbox",
             "aac", "libopus", "libmp3lame")


@app.command()
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Report what capkit found on this machine: filter backends, encoders, fonts, FFmpeg libraries."""
    import av
    from PIL import features

    from capkit.fx import backend
    from capkit.render import fonts, hwenc

    info = {
        "capkit": __version__,
        "python": sys.version.split()[0],
        "backends": {name: {"available": b.available, "device": b.device, "gpu": b.gpu, "reason": b.reason}
                     for name, b in backend.detect().items()},
        "backend_in_use": backend.choose(),
        "ffmpeg_libraries": {k: ".".join(map(str, v)) for k, v in av.library_versions.items()},
        "encoders": {name: name in av.codecs_available for name in _ENCODERS},
        "hardware_encoders": {st.name: {"compiled": st.compiled, "usable": st.usable, "reason": st.reason}
                              for st in hwenc.detect() if st.name != hwenc.SOFTWARE},
        "encoder_for_auto": hwenc.resolve("auto"),
        "text_shaping": {"raqm": bool(features.check("raqm")), "harfbuzz": features.version("harfbuzz"),
                         "fribidi": features.version("fribidi")},
        "fonts": {"bundled": sorted({f.families[0] for f in fonts.bundled_faces() if f.families}),
                  "bundled_faces": len(fonts.bundled_faces()),
                  "installed_faces": len(fonts.installed_faces()),
                  "scripts": {name: (face.path.name if (face := fonts.fallback_face(ord(ch))) else None)
                              for name, ch in _SCRIPTS.items()}},
    }
    if as_json:
        sys.stdout.write(json.dumps(info, indent=2, default=str) + "\n")
        return
    console.print(f"[bold]capkit {__version__}[/] on Python {info['python']}")
    console.print("[bold]filter backends[/]")
    for line in backend.report():
        console.print(f"  {escape(line)}")
    console.print("[bold]FFmpeg libraries[/] (through PyAV): " + ", ".join(
        f"{k} {v}" for k, v in info["ffmpeg_libraries"].items()))
    console.print("[bold]encoders compiled into FFmpeg[/] (hardware ones also need their device): " + ", ".join(
        f"{name} {'yes' if ok else 'no'}" for name, ok in info["encoders"].items()))
    console.print(f"[bold]H.264 encoder for presets[/] (auto): {info['encoder_for_auto']}")
    for name, st in info["hardware_encoders"].items():
        console.print(f"  {name}: {'[green]usable[/]' if st['usable'] else escape(st['reason'])}")
    shaping = info["text_shaping"]
    console.print(f"[bold]text shaping[/]: raqm {'yes' if shaping['raqm'] else 'NO (complex scripts will not join)'}, "
                  f"HarfBuzz {shaping['harfbuzz']}, FriBiDi {shaping['fribidi']}")
    f = info["fonts"]
    console.print(f"[bold]fonts[/]: bundled {', '.join(f['bundled'])} ({f['bundled_faces']} faces); "
                  f"{f['installed_faces']} installed faces")
    for script, face in f["scripts"].items():
        console.print(f"  {script}: {escape(face) if face else '[yellow]no font covers it: install one (e.g. Noto)[/]'}")


@app.command()
def gui(
    project: Annotated[Optional[Path], typer.Argument(help="A .capkit project to open (default: the start screen).")] = None,
) -> None:
    """Open the desktop editor (it needs capkit's gui extra, with Qt)."""
    import importlib

    try:  # imported here, by name: the CLI itself never loads Qt
        gui_app = importlib.import_module("capkit.gui.app")
    except ImportError as err:
        fail(f"the desktop editor needs Qt ({err.name} is missing): pip install 'capkit[gui]'")
    raise typer.Exit(gui_app.main([str(project)] if project is not None else []))


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and turns every user-facing failure into one line and an exit code."""
    from rich.markup import escape

    from capkit.errors import Cancelled, CapkitError

    try:
        code = app(args=argv, standalone_mode=False)
        if code == 130:  # typer turns Ctrl+C into exit code 130
            err_console.print("cancelled: nothing was written")
        if isinstance(code, int) and code:
            sys.exit(code)
    except SystemExit:
        raise
    except Cancelled:
        err_console.print("cancelled: nothing was written")
        sys.exit(130)
    except KeyboardInterrupt:
        err_console.print("cancelled: nothing was written")
        sys.exit(130)
    except CapkitError as err:
        fail(str(err))
    except Exception as err:  # usage errors (typer's click) and anything unexpected
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):  # click.ClickException
            hint = ""
            if getattr(err, "ctx", None) is not None:
                hint = f" (see: {err.ctx.command_path} --help)"
            err_console.print(f"[bold red]error:[/] {escape(err.format_message())}{hint}")
            sys.exit(2 if err.exit_code == 1 else err.exit_code)
        if type(err).__name__ == "Abort":  # click's Ctrl+C at a prompt
            err_console.print("cancelled")
            sys.exit(130)
        import os

        if os.environ.get("CAPKIT_DEBUG"):
            raise
        err_console.print(f"[bold red]internal error:[/] {type(err).__name__}: {escape(str(err))} "
                          "(this is a bug in capkit; run again with CAPKIT_DEBUG=1 to see where, and report it)")
        sys.exit(1)


if __name__ == "__main__":
    main()

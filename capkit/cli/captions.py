"""``capkit caption`` (media to caption files or a video with captions burned in) and
``capkit add-captions`` (a caption track for a project from its own speech)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from capkit.cli.report import console, fail, progress_bar

FORMATS = (".srt", ".vtt", ".ass", ".json")

ModelOpt = Annotated[str, typer.Option(help="tiny.en (English, fastest), base (multilingual) or a model folder.")]
LanguageOpt = Annotated[str, typer.Option(help="auto, or a language code such as en, es, fr.")]
TaskOpt = Annotated[str, typer.Option(help="transcribe, or translate (speech to English; base only).")]
LayoutOpt = Annotated[str, typer.Option("--layout", help="word (1-3 words), phrase (3-5) or subtitle (2 lines).")]
StyleOpt = Annotated[str, typer.Option(help="Caption style preset (see docs/captions.md) or a style .json file.")]
TranslateOpt = Annotated[Optional[str], typer.Option("--translate-to",
                                                     help="Translate the caption text to this language (offline translator needed).")]
BilingualOpt = Annotated[bool, typer.Option("--bilingual", help="With --translate-to: keep the original line above the translation.")]


def _check_common(task: str, layout_name: str, style: str) -> None:
    from capkit.captions import PRESETS
    from capkit.io.caption_styles import load_style

    if task not in ("transcribe", "translate"):
        fail(f"--task must be transcribe or translate (got {task!r})")
    if layout_name not in PRESETS:
        fail(f"--layout must be one of {', '.join(PRESETS)} (got {layout_name!r})")
    load_style(style)  # an unknown or broken style is reported before the model runs


def caption(
    media: Annotated[Path, typer.Argument(help="A video or audio file with speech.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output",
                                                   help="Captions file: .srt, .vtt, .ass or .json.")] = None,
    model: ModelOpt = "tiny.en",
    language: LanguageOpt = "auto",
    task: TaskOpt = "transcribe",
    layout_name: LayoutOpt = "phrase",
    style: StyleOpt = "bold-outline",
    burn: Annotated[Optional[Path], typer.Option("--burn", help="Also render the video with the captions burned in (.mp4).")] = None,
    translate_to: TranslateOpt = None,
    bilingual: BilingualOpt = False,
    karaoke: Annotated[bool, typer.Option("--karaoke/--no-karaoke", help="ASS: highlight each word as it is spoken.")] = True,
) -> None:
    """Transcribe speech offline; write captions (SRT, WebVTT with word times, ASS karaoke, JSON) and/or burn them in."""
    out = output if output is not None else (None if burn is not None else media.with_suffix(".srt"))
    if out is not None and out.suffix.lower() not in FORMATS:
        fail(f"{out.name}: captions are written as {', '.join(FORMATS)}; change the output name")
    _check_common(task, layout_name, style)
    from capkit.captions import layout, transcribe
    from capkit.media.probe import probe as probe_media

    info = probe_media(media)
    if info.audio is None:
        fail(f"{media} has no sound to transcribe")
    if burn is not None:
        from capkit.render.export import check_output

        if info.video is None:
            fail(f"{media} has no picture to burn captions into; write a captions file with -o instead")
        if burn.suffix.lower() not in (".mp4", ".mov", ".m4v"):
            fail(f"{burn.name}: --burn writes a video; give it an .mp4 name")
    total_ms = int((info.duration or 0) * 1000)
    with progress_bar(f"Transcribing {media.name}", max(total_ms, 1), unit="") as update:
        transcript = transcribe(media, model=model, language=None if language == "auto" else language,
                                task=task, progress=update)
    cues = layout(transcript.words, layout_name, media_duration=transcript.duration)
    if translate_to:
        from capkit.captions.translate import translate_cues

        cues = translate_cues(cues, translate_to, source=transcript.language if task == "transcribe" else "en",
                              bilingual=bilingual)
    if out is not None:
        _write(cues, out, transcript, karaoke, style)
        console.print(f"[green]wrote[/] {escape(str(out))}: {len(cues)} captions, {len(transcript.words)} words, "
                      f"language {transcript.language}")
    if burn is not None:
        _burn(media, info, cues, style, burn, check_output)


def _write(cues, out: Path, transcript, karaoke: bool, style: str) -> None:
    if out.suffix.lower() == ".json":
        from capkit.io.atomic import write_text

        doc = {
            "language": transcript.language, "model": transcript.model, "task": transcript.task,
            "cues": [{"start": str(c.start), "end": str(c.end), "text": c.text, "translation": c.translation,
                      "words": [{"text": w.text, "start": str(w.start), "end": str(w.end),
                                 "probability": round(w.probability, 3)} for w in c.words]} for c in cues],
        }
        write_text(out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        return
    from capkit.io.subtitles import write_subtitles

    if out.suffix.lower() == ".ass":
        from capkit.api import ass_style

        write_subtitles(cues, out, karaoke="kf" if karaoke else None, style=ass_style(style))
    else:
        write_subtitles(cues, out)


def _burn(media: Path, info, cues, style: str, out: Path, check_output) -> None:
    from capkit import api
    from capkit.render.plan import compile_plan

    v = info.video
    width, height = v.display_width // 2 * 2, v.display_height // 2 * 2
    project = api.new_project(width, height, v.fps or 30, name=media.stem)
    api.add_media(project, media, fit="fit")
    api.add_captions(project, cues, style=style)
    check_output(project, out)
    frames = compile_plan(project).frame_count
    with progress_bar(f"Burning captions into {out.name}", frames) as update:
        result = api.export(project, out, progress=update)
    console.print(f"[green]wrote[/] {escape(str(result.path))} ({width}x{height}, {result.frames} frames) "
                  f"with {len(cues)} captions in style {escape(style)}")


def add_captions(
    project_path: Annotated[Path, typer.Argument(metavar="PROJECT", help="The .capkit project to caption.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Save to this project file instead of in place.")] = None,
    model: ModelOpt = "tiny.en",
    language: LanguageOpt = "auto",
    task: TaskOpt = "transcribe",
    layout_name: LayoutOpt = "phrase",
    style: StyleOpt = "bold-outline",
    translate_to: TranslateOpt = None,
    bilingual: BilingualOpt = False,
) -> None:
    """Add a caption track to a project from its own speech (music and effect clips are left out)."""
    from capkit import api

    target = output or project_path
    if target.suffix != ".capkit":
        fail(f"{target}: a project file must end in .capkit")
    _check_common(task, layout_name, style)
    project = api.load(project_path)
    total_ms = max(1, int(project.duration * 1000))
    with progress_bar(f"Transcribing {project_path.name}", total_ms, unit="") as update:
        track = api.caption_project(project, model=model, language=None if language == "auto" else language,
                                    task=task, layout=layout_name, style=style, progress=update,
                                    translate_to=translate_to, bilingual=bilingual)
    api.save(project, target)
    console.print(f"[green]saved[/] {escape(str(target))}: caption track {escape(track.name)!s} with "
                  f"{len(track.items)} captions in style {escape(style)}")

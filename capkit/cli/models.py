"""``capkit models``: the speech recognition models captions can use, and downloading more.

Mounted by the main app as ``capkit models``. The bundled models (``tiny.en``, ``base``) work
offline; ``install`` is the one command in capkit that uses the network, and only for the model
named. Like the rest of the CLI it imports the engine only inside commands, and every problem a
user can fix is one ``error:`` line and exit status 2.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from capkit.cli.report import console, err_console, one_line_errors, sub_app

models_app = sub_app("models", "List the speech recognition models for captions, show where one is, download another.")


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1e9:
        return f"{n / 1e9:.2f} GB"
    return f"{n / 1e6:.0f} MB"


@models_app.command("list")
def list_models(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the models: bundled ones (work offline), downloaded ones, and those you can install."""
    from capkit.captions.models import list_models as rows_of

    with one_line_errors():
        rows = rows_of()
    if as_json:
        sys.stdout.write(json.dumps([
            {"name": r.name, "multilingual": r.multilingual, "source": r.source, "size_bytes": r.size,
             "ready": r.ready, "path": None if r.path is None else str(r.path), "note": r.note}
            for r in rows], indent=2) + "\n")
        return
    from rich.table import Table

    table = Table(show_header=True)
    for column in ("model", "languages", "from", "size", "ready"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(escape(r.name), "many" if r.multilingual else "English", escape(r.source),
                      _size(r.size), "[green]yes[/]" if r.ready else "no")
    console.print(table)
    for r in rows:
        if r.note:
            console.print(f"{escape(r.name)}: {escape(r.note)}", soft_wrap=True)
    console.print("Bundled models work offline. `capkit models install NAME` downloads another one, "
                  "once, from Hugging Face.", soft_wrap=True)


@models_app.command()
def path(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A model name (tiny.en, base, or one you installed).")],
) -> None:
    """Print the folder of a model (joining the bundled 'base' into the user cache the first time)."""
    from capkit.captions.models import resolve_model

    with one_line_errors():
        if name == "base":
            with err_console.status("Preparing the base model (once)"):
                folder = resolve_model(name)
        else:
            folder = resolve_model(name)
    sys.stdout.write(f"{folder}\n")


@models_app.command()
def install(
    name: Annotated[str, typer.Argument(metavar="NAME",
                                        help="A faster-whisper model name: small, small.en, medium, large-v3, "
                                             "distil-large-v3, ...")],
    force: Annotated[bool, typer.Option("--force", help="Download again even if it is installed.")] = False,
) -> None:
    """Download a whisper model from Hugging Face into the user cache (nothing is kept if it fails)."""
    from capkit.captions.models import (
        available_models,
        downloadable_models,
        install_model,
        installed_model_dir,
    )

    with one_line_errors():
        names = downloadable_models()
        if name in ("tiny.en", "base") and available_models().get(name):
            folder = install_model(name)
            console.print(f"{escape(name)} is bundled with capkit and works offline; nothing to download "
                          f"({escape(str(folder))})", soft_wrap=True)
            return
        if name in names and installed_model_dir(name) is not None and not force:
            console.print(f"{escape(name)} is already installed in {escape(str(installed_model_dir(name)))} "
                          f"(--force downloads it again)", soft_wrap=True)
            return
        if name not in names:
            install_model(name)  # raises the one-line 'unknown model' error
        with _download_bar(f"Downloading {name} ({names[name]})") as update:
            folder = install_model(name, force=force, progress=update)
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    console.print(f"[green]installed[/] {escape(name)} ({size / 1e6:.0f} MB) in {escape(str(folder))}; "
                  f"use it with `capkit caption --model {escape(name)}`", soft_wrap=True)


@contextlib.contextmanager
def _download_bar(label: str):
    """A byte progress bar that appears with the first bytes (a failed connection prints only
    its error line) and is cleared at the end."""
    import threading

    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeElapsedColumn(), console=err_console, transient=True)
    task = bar.add_task(escape(label), total=None)
    lock = threading.Lock()
    state = {"started": False, "closed": False}

    def update(report) -> None:
        with lock:
            if state["closed"] or not (report.done or report.total):
                return
            if not state["started"]:
                bar.start()
                state["started"] = True
            bar.update(task, completed=report.done, total=report.total or None)

    try:
        yield update
    finally:
        with lock:
            state["closed"] = True
            if state["started"]:
                bar.stop()

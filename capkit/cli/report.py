"""How the CLI talks to people: one-line errors, progress bars that can be cancelled with Ctrl+C."""

from __future__ import annotations

import contextlib
import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
)

err_console = Console(stderr=True, highlight=False)
console = Console(highlight=False)


def fail(message: str, code: int = 2) -> None:
    """Print one clear line to stderr and exit (2: bad input or usage)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    sys.exit(code)


@contextlib.contextmanager
def progress_bar(label: str, total: int, unit: str = "frames"):
    """Yield a callback taking ``capkit.progress.Progress`` reports; draws a bar with ETA."""
    counter = MofNCompleteColumn() if unit else TextColumn("{task.percentage:>3.0f}%")
    columns = (
        TextColumn("[bold]{task.description}"), BarColumn(), counter,
        TextColumn(unit), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=False,
                  disable=not err_console.is_terminal and False) as bar:
        task = bar.add_task(label, total=total)

        def update(report) -> None:
            bar.update(task, completed=report.done, total=report.total)

        yield update


@contextlib.contextmanager
def one_line_errors():
    """Turn a problem the user can fix (:class:`capkit.errors.CapkitError`) into one clear line and
    exit status 2, also where a command runs outside ``capkit.cli.app.main`` (tests, sub-apps)."""
    from capkit.errors import CapkitError

    try:
        yield
    except CapkitError as err:
        fail(str(err))


def sub_app(name: str, help: str):
    """A ``capkit NAME ...`` command group with the main app's conventions."""
    import typer

    return typer.Typer(name=name, help=help, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]})

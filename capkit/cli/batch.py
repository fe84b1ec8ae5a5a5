"""``capkit batch TEMPLATE DATA -o OUTDIR``: one video per row of a CSV or JSON Lines file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from capkit.cli.report import console, err_console, fail


def batch(
    template: Annotated[Path, typer.Argument(help="The .capkit template: its strings may hold {{variables}}.")],
    data: Annotated[Path, typer.Argument(help="Rows: a .csv file with a header row, or a .jsonl file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the outputs and batch-manifest.jsonl.")],
    preset: Annotated[Optional[str], typer.Option("--preset", help="Export preset (see `capkit presets list`).")] = None,
    name_pattern: Annotated[str, typer.Option("--name-pattern", help="Output names: {row}, {name}, {template} or any column, e.g. '{row:03d}-{sku}.mp4'.")] = "{row:03d}-{name}.mp4",
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Rows rendered at once by local worker processes.")] = 1,
    executor: Annotated[str, typer.Option("--executor", help="local (worker processes here) or dask (a Dask cluster).")] = "local",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="With --executor dask: the scheduler, e.g. tcp://10.0.0.5:8786 (default: a cluster on this machine).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip rows the manifest says are done whose output is there and unchanged.")] = False,
) -> None:
    """Render one video per data row from a template; failed rows are reported and the rest still render.

    Exit status: 0 all rows done, 1 some rows failed (the others were rendered), 2 bad arguments or
    files, 130 cancelled with Ctrl+C (finished outputs are kept; --resume renders the rest).
    """
    from capkit.batch import BatchCancelled, run_batch

    if jobs < 1:
        fail(f"--jobs must be at least 1 (got {jobs})")
    if executor not in ("local", "dask"):
        fail(f"--executor must be local or dask (got {executor!r})")
    if scheduler is not None and executor != "dask":
        fail("--scheduler goes with --executor dask")
    if not template.is_file():
        fail(f"{template}: no such template file")
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            fail("--executor dask needs Dask: pip install 'capkit[cluster]'")

    display = _Display()
    try:
        with display:
            report = run_batch(template, data, output, preset=preset, jobs=jobs, executor=executor,
                               scheduler=scheduler, name_pattern=name_pattern, resume=resume, progress=display.update)
    except BatchCancelled as stopped:
        err_console.print(f"cancelled: {len(stopped.report.done)} rendered, nothing half-written; "
                          "run again with --resume to render the rest")
        sys.exit(130)
    parts = [f"{len(report.done)} rendered", f"{len(report.failed)} failed"]
    if report.skipped:
        parts.append(f"{len(report.skipped)} already done")
    console.print(f"[bold]{', '.join(parts)}[/] of {len(report.rows)} rows in {report.seconds:.1f}s "
                  f"({report.outputs_per_minute:.1f} outputs/min); manifest: {escape(str(report.manifest))}", soft_wrap=True)
    if report.failed:
        err_console.print(f"[bold red]{len(report.failed)} row(s) failed:[/] " +
                          ", ".join(str(r.row) for r in report.failed))
        raise typer.Exit(1)


class _Display:
    """One bar for the batch, one line per running job, a line for each job as it finishes."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[unit]}"), TimeElapsedColumn(), console=err_console)
        self.overall = None
        self.jobs: dict[int, int] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.overall is not None:
            self.bar.__exit__(*exc)

    def update(self, report) -> None:
        bar = self.bar
        if self.overall is None:  # started by the first report, so errors before it are one line
            bar.__enter__()
            self.overall = bar.add_task("[bold]batch", total=report.total, unit="rows")
        bar.update(self.overall, completed=report.completed, total=report.total)
        running = {job.row: job for job in report.running}
        for row in [r for r in self.jobs if r not in running]:
            bar.remove_task(self.jobs.pop(row))
        for row, job in running.items():
            where = f" on {job.worker}" if job.worker else ""
            label = f"  row {row}: {escape(job.output)}{escape(where)}"
            if row not in self.jobs:
                self.jobs[row] = bar.add_task(label, total=job.total or None, unit="frames")
            bar.update(self.jobs[row], description=label, completed=job.done, total=job.total or None)
        done = report.finished
        if done is None:
            return
        if done.status == "done":
            bar.console.print(f"[green]done[/] row {done.row}: {escape(done.output)} ({done.duration:.1f}s)")
        elif done.status == "failed":
            message = done.error or f"row {done.row}"
            bar.console.print(f"[bold red]failed[/] {escape(message)}", soft_wrap=True)

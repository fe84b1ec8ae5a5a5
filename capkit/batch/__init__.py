"""Batch rendering: one template project, one output per row of a CSV or JSON Lines file.

    from capkit.batch import run_batch
    report = run_batch("promo.capkit", "products.csv", "out/", preset="tiktok", jobs=2)
    for r in report.failed:
        print(r.error)                 # "row 7, column 'clip': media file ... does not exist"

Pieces: :mod:`~capkit.batch.template` (``{{variables}}`` and filling them in),
:mod:`~capkit.batch.data` (reading rows), :mod:`~capkit.batch.jobs` (one row, one file),
:mod:`~capkit.batch.runner` (the local process pool, the manifest, resume) and
:mod:`~capkit.batch.dask_executor` (the same jobs on a Dask cluster). See docs/scaling.md.
"""

from __future__ import annotations

from capkit.batch.data import DataError, Row, read_rows
from capkit.batch.jobs import JobResult
from capkit.batch.runner import (
    DEFAULT_NAME_PATTERN,
    MANIFEST,
    BatchCancelled,
    BatchError,
    BatchProgress,
    BatchReport,
    JobStatus,
    read_manifest,
)
from capkit.batch.runner import run_batch as _run_batch
from capkit.batch.template import (
    RowError,
    Template,
    TemplateError,
    apply_row,
    load_template,
    template_of,
    variables,
)


def run_batch(template, rows, outdir, *, preset: str | None = None, settings: dict | None = None, jobs: int = 1,
              executor: str = "local", scheduler: str | None = None, name_pattern: str = DEFAULT_NAME_PATTERN,
              resume: bool = False, progress=None, cancel=None, retries: int = 2) -> BatchReport:
    """Render one output per row and return a :class:`BatchReport`.

    ``template``: a ``.capkit`` file, a :class:`~capkit.model.Project` or a :class:`Template` whose
    strings hold ``{{variables}}``. ``rows``: a ``.csv`` (header row) or ``.jsonl`` file, or a list
    of dicts. ``outdir`` gets the outputs, named by ``name_pattern`` (``{row}``, ``{name}``,
    ``{template}`` or any column), and ``batch-manifest.jsonl``. ``preset`` is an export preset
    name; ``settings`` are more :func:`capkit.export` keyword arguments (``width=540``).
    ``jobs`` worker processes run locally, or ``executor="dask"`` sends the jobs to the Dask
    scheduler at ``scheduler`` (an embedded LocalCluster when None), re-running a task up to
    ``retries`` times. ``resume`` skips rows already done. ``progress`` gets a
    :class:`BatchProgress` as jobs start, advance and finish; ``cancel`` is a
    :class:`~capkit.progress.CancelToken`.

    A row's own problem (a missing or invalid value, a missing media file) fails that row only:
    see ``report.failed``. Problems that stop every row (a bad template, data file or name
    pattern) raise a :class:`~capkit.errors.CapkitError` before anything renders; Ctrl+C
    (KeyboardInterrupt) stops the jobs cleanly and raises :class:`BatchCancelled`.
    """
    return _run_batch(template, rows, outdir, preset=preset, settings=settings, jobs=jobs, executor=executor,
                      scheduler=scheduler, name_pattern=name_pattern, resume=resume, progress=progress,
                      cancel=cancel, retries=retries)


__all__ = [
    "DEFAULT_NAME_PATTERN",
    "MANIFEST",
    "BatchCancelled",
    "BatchError",
    "BatchProgress",
    "BatchReport",
    "DataError",
    "JobResult",
    "JobStatus",
    "Row",
    "RowError",
    "Template",
    "TemplateError",
    "apply_row",
    "load_template",
    "read_manifest",
    "read_rows",
    "run_batch",
    "template_of",
    "variables",
]

"""A batch job: render one row of a template to one output file.

A job is a pure function of its :class:`JobSpec` (the template's text, the row, the output path and
the export settings), so any worker anywhere can run it, and running it twice gives the same file:
that is what lets a scheduler re-run the job of a lost worker and lets ``--resume`` trust a
finished output whose input hash matches. The output is written by :func:`capkit.api.export`,
which renders to a temporary file beside it and renames it only when complete.

Whatever goes wrong in a row ends as a :class:`JobResult` with status ``failed`` and one line
naming the row; a job never raises for a row's own problems.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from capkit.errors import Cancelled, CapkitError

DONE, FAILED, SKIPPED, CANCELLED = "done", "failed", "skipped", "cancelled"


@dataclass(frozen=True)
class JobSpec:
    row: int
    values: dict
    template_text: str
    template_path: str | None  # relative media paths in the template resolve against its folder
    base: str | None  # relative media paths in the row resolve against this folder (the data file's)
    output: str  # absolute path of the file to write
    settings: dict = field(default_factory=dict)  # keyword arguments for capkit.api.export
    digest: str = ""  # the input hash: template, row, settings and output name

    @property
    def name(self) -> str:
        return Path(self.output).name


@dataclass(frozen=True)
class JobResult:
    row: int
    output: str  # file name inside the output folder
    status: str  # done, failed, skipped (finished by an earlier run), cancelled
    duration: float  # seconds of wall time the job took
    error: str | None = None
    hash: str = ""
    worker: str | None = None  # host:pid (local pool) or the Dask worker's address
    frames: int = 0

    def record(self) -> dict:
        """The manifest line for this result."""
        out = asdict(self)
        out["duration"] = round(self.duration, 3)
        out["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return out


def input_hash(template_digest: str, values: dict, settings: dict, output_name: str) -> str:
    """What decides a row's output: a change in any part re-renders the row on ``--resume``."""
    blob = json.dumps([template_digest, values, {k: str(v) for k, v in sorted(settings.items())}, output_name],
                      sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def run_job(spec: JobSpec, *, progress=None, cancel=None, worker: str | None = None) -> JobResult:
    """Render ``spec``'s row; returns its result (``failed`` with the reason rather than raising)."""
    from capkit import api
    from capkit.batch.template import Template, apply_row

    started = time.perf_counter()
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"

    def result(status: str, error: str | None = None, frames: int = 0) -> JobResult:
        return JobResult(spec.row, spec.name, status, time.perf_counter() - started, error, spec.digest, worker, frames)

    try:
        if cancel is not None and cancel.cancelled:
            return result(CANCELLED)
        template = Template(spec.template_text, None if spec.template_path is None else Path(spec.template_path))
        project = apply_row(template, spec.values, row=spec.row, base=spec.base)
        done = api.export(project, spec.output, progress=progress, cancel=cancel, **spec.settings)
        return result(DONE, frames=done.frames)
    except Cancelled:
        return result(CANCELLED)
    except CapkitError as err:
        message = str(err)
        return result(FAILED, message if message.startswith(f"row {spec.row}") else f"row {spec.row}: {message}")
    except Exception as err:  # a bug, reported for this row so the others still render
        return result(FAILED, f"row {spec.row}: internal error: {type(err).__name__}: {err}")


def temp_files(output: Path) -> list[Path]:
    """Temporary files an export to ``output`` may have left behind when its process was killed."""
    return sorted(output.parent.glob(f".{output.name}.*"))


__all__ = ["CANCELLED", "DONE", "FAILED", "SKIPPED", "JobResult", "JobSpec", "input_hash", "run_job", "temp_files"]

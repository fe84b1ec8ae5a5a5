"""Running a batch: plan the jobs, skip the ones already done, run the rest, keep a manifest.

The manifest (``batch-manifest.jsonl`` in the output folder) gets one JSON line per finished job
(row, output, status, duration, error, input hash), appended, flushed and fsynced as each job
finishes, so a run killed at any moment leaves an accurate record. ``resume=True`` skips a row whose
last record says ``done``, whose output is there and probes as a video, and whose input hash still
matches (a row, template, preset or name that changed renders again).

The local executor is a pool of worker processes (``spawn``: no state shared with the caller).
Workers ignore Ctrl+C; the runner turns it into a shared cancel flag that each export checks
between frames, so the running jobs stop within a frame and remove their temporary files. A
worker also stops when the process that started it has gone (killed), rather than finishing a
job nobody will record. Executors (this one and :mod:`capkit.batch.dask_executor`) share one
small contract: ``execute(specs, on_result, on_status, cancel)``.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import queue as queue_mod
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from capkit.batch.data import Table, read_rows, rows_from
from capkit.batch.jobs import (
    CANCELLED,
    DONE,
    FAILED,
    SKIPPED,
    JobResult,
    JobSpec,
    input_hash,
    run_job,
    temp_files,
)
from capkit.batch.template import Template, load_template, template_of
from capkit.errors import Cancelled, CapkitError
from capkit.progress import CancelToken

MANIFEST = "batch-manifest.jsonl"
DEFAULT_NAME_PATTERN = "{row:03d}-{name}.mp4"
CANCEL_GRACE_SECONDS = 20.0  # then worker processes still busy are terminated


class BatchError(CapkitError):
    """A batch that cannot start: bad template, data, names or options."""


@dataclass(frozen=True)
class JobStatus:
    """A running job as the progress display shows it."""

    row: int
    output: str
    done: int = 0  # frames
    total: int = 0
    worker: str | None = None


@dataclass(frozen=True)
class BatchProgress:
    total: int  # rows in the batch
    done: int
    failed: int
    skipped: int
    elapsed: float
    running: tuple[JobStatus, ...] = ()
    finished: JobResult | None = None  # the job this report is about, when one just finished

    @property
    def completed(self) -> int:
        return self.done + self.failed + self.skipped


@dataclass
class BatchReport:
    results: list[JobResult]
    outdir: Path
    manifest: Path
    seconds: float
    cancelled: bool = False
    rows: list[int] = field(default_factory=list)  # every row of the batch, in order

    def _with(self, status: str) -> list[JobResult]:
        return [r for r in self.results if r.status == status]

    @property
    def done(self) -> list[JobResult]:
        return self._with(DONE)

    @property
    def failed(self) -> list[JobResult]:
        return self._with(FAILED)

    @property
    def skipped(self) -> list[JobResult]:
        return self._with(SKIPPED)

    @property
    def ok(self) -> bool:
        return not self.cancelled and not self.failed and len(self.results) == len(self.rows)

    @property
    def outputs_per_minute(self) -> float:
        return 60.0 * len(self.done) / self.seconds if self.seconds > 0 else 0.0


# --- planning -------------------------------------------------------------------------------------


def _slug(value) -> str:
    text = re.sub(r"[^\w.\-]+", "-", str(value).strip(), flags=re.UNICODE).strip("-.")
    return text[:60] or "row"


def output_name(pattern: str, row: int, values: dict, template_name: str) -> str:
    """The file name of a row's output: ``pattern`` with ``{row}``, ``{name}`` (the row's ``name``
    column, else the template's name), ``{template}`` and any column (made safe for file names)."""
    fields = {k: _slug(v) for k, v in values.items() if isinstance(k, str) and k.isidentifier()}
    fields.setdefault("name", _slug(template_name))
    fields.update(row=row, template=_slug(template_name))
    try:
        name = pattern.format(**fields)
    except KeyError as err:
        raise BatchError(f"--name-pattern {pattern!r} uses {{{err.args[0]}}}, which row {row} has no column for; "
                         "use {row}, {name}, {template} or a column name") from None
    except (ValueError, IndexError) as err:
        raise BatchError(f"--name-pattern {pattern!r} is not a usable pattern: {err}") from None
    if "/" in name or "\\" in name or name.startswith("."):
        raise BatchError(f"--name-pattern {pattern!r} makes {name!r}; output names must be plain file names")
    return name


def plan_jobs(template: Template, table: Table, outdir: Path, *, settings: dict, name_pattern: str) -> list[JobSpec]:
    from capkit.render.export import CONTAINERS

    if table.columns is not None:
        missing = sorted(template.variables() - set(table.columns))
        if missing:
            places = template.places()
            raise BatchError(f"the data has no column {missing[0]!r} for {{{{{missing[0]}}}}} "
                             f"(used in {places[missing[0]][0]}); columns: {', '.join(table.columns)}")
    specs, seen = [], {}
    for row in table.rows:
        name = output_name(name_pattern, row.number, row.values, template.name)
        if Path(name).suffix.lower() not in CONTAINERS:
            raise BatchError(f"output {name!r}: batch outputs must end in .mp4, .mov or .m4v (see --name-pattern)")
        if name in seen:
            raise BatchError(f"rows {seen[name]} and {row.number} would both write {name}; "
                             "use a --name-pattern with {row} or a column that differs")
        seen[name] = row.number
        specs.append(JobSpec(
            row=row.number, values=row.values, template_text=template.text,
            template_path=None if template.path is None else str(template.path),
            base=None if table.base is None else str(table.base), output=str(outdir / name), settings=settings,
            digest=input_hash(template.digest, row.values, settings, name),
        ))
    return specs


# --- the manifest ---------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[int, dict]:
    """The last record of each row (a line cut short by a kill is ignored)."""
    last: dict[int, dict] = {}
    if not path.is_file():
        return last
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(json.JSONDecodeError, TypeError, AttributeError):
            record = json.loads(line)
            if isinstance(record.get("row"), int):
                last[record["row"]] = record
    return last


def is_valid_output(path: Path) -> bool:
    """A finished video: it opens and has a picture with a length."""
    from capkit.media.probe import probe

    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        info = probe(path)
    except CapkitError:
        return False
    return info.video is not None and bool(info.duration)


class _Manifest:
    def __init__(self, path: Path, append: bool) -> None:
        if not append:
            # a cut-short last line from a killed run must not glue onto the first new record
            path.write_text("", encoding="utf-8")
        self._fh = open(path, "a", encoding="utf-8")
        if append and path.stat().st_size:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    self._fh.write("\n")

    def write(self, result: JobResult) -> None:
        self._fh.write(json.dumps(result.record(), ensure_ascii=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


# --- running ---------------------------------------------------------------------------------------


def run_batch(template, rows, outdir, *, preset: str | None = None, settings: dict | None = None, jobs: int = 1,
              executor: str = "local", scheduler: str | None = None, name_pattern: str = DEFAULT_NAME_PATTERN,
              resume: bool = False, progress: Callable[[BatchProgress], None] | None = None,
              cancel: CancelToken | None = None, retries: int = 2) -> BatchReport:
    """Render one output per row of ``rows`` from ``template``; see :func:`capkit.batch.run_batch`."""
    started = time.perf_counter()
    if jobs < 1:
        raise BatchError(f"--jobs must be at least 1 (got {jobs})")
    if executor not in ("local", "dask"):
        raise BatchError(f"--executor must be local or dask (got {executor!r})")
    if scheduler is not None and executor != "dask":
        raise BatchError("--scheduler goes with --executor dask")
    tpl = load_template(template) if isinstance(template, (str, os.PathLike)) else template_of(template)
    table = read_rows(rows) if isinstance(rows, (str, os.PathLike)) else rows_from(rows)
    opts = dict(settings or {})
    if preset is not None:
        from capkit.presets import export_settings, load_preset

        opts = {**export_settings(load_preset(preset)), **opts}
    from capkit.render.export import ExportSettings

    unknown = sorted(set(opts) - set(ExportSettings.__dataclass_fields__))
    if unknown:
        raise BatchError(f"unknown export setting {unknown[0]!r}; settings are capkit.export's keyword arguments")
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise BatchError(f"{out} is a file; give a folder for the outputs")
    out.mkdir(parents=True, exist_ok=True)
    specs = plan_jobs(tpl, table, out.resolve(), settings=opts, name_pattern=name_pattern)
    manifest_path = out / MANIFEST

    results: list[JobResult] = []
    todo: list[JobSpec] = []
    previous = read_manifest(manifest_path) if resume else {}
    for spec in specs:
        last = previous.get(spec.row)
        if (last and last.get("status") == DONE and last.get("hash") == spec.digest
                and is_valid_output(Path(spec.output))):
            results.append(JobResult(spec.row, spec.name, SKIPPED, 0.0, None, spec.digest, last.get("worker")))
        else:
            todo.append(spec)
    for spec in todo:
        _remove_temps(Path(spec.output))

    token = cancel or CancelToken()
    running: dict[int, JobStatus] = {}
    counts = {DONE: 0, FAILED: 0, SKIPPED: len(results)}

    def report(finished: JobResult | None = None) -> None:
        if progress is not None:
            progress(BatchProgress(len(specs), counts[DONE], counts[FAILED], counts[SKIPPED],
                                   time.perf_counter() - started, tuple(running.values()), finished))

    manifest = _Manifest(manifest_path, append=resume)

    def on_result(result: JobResult) -> None:
        running.pop(result.row, None)
        results.append(result)
        if result.status in (DONE, FAILED):
            manifest.write(result)
            counts[result.status] += 1
        report(result)

    by_row = {s.row: s for s in specs}

    def on_status(row: int, done: int = 0, total: int = 0, worker: str | None = None) -> None:
        old = running.get(row)
        running[row] = JobStatus(row, by_row[row].name, done, total, worker or (old.worker if old else None))
        report()

    report()
    interrupted = False
    try:
        if todo:
            if executor == "dask":
                from capkit.batch.dask_executor import execute as run_dask

                run_dask(todo, on_result, on_status, token, scheduler=scheduler, retries=retries)
            else:
                execute_local(todo, on_result, on_status, token, jobs=jobs)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        manifest.close()
        for spec in todo:  # a killed or terminated worker cannot clean up after itself
            _remove_temps(Path(spec.output))
    cancelled = interrupted or token.cancelled
    finished = {r.row for r in results}
    results += [JobResult(s.row, s.name, CANCELLED, 0.0, None, s.digest) for s in todo if s.row not in finished]
    order = {s.row: i for i, s in enumerate(specs)}
    results.sort(key=lambda r: order[r.row])
    batch = BatchReport(results, out, manifest_path, time.perf_counter() - started, cancelled, [s.row for s in specs])
    if interrupted:
        raise BatchCancelled(batch)
    return batch


class BatchCancelled(Cancelled):
    """Ctrl+C stopped the batch; ``report`` says what finished before it."""

    def __init__(self, report: BatchReport) -> None:
        super().__init__(f"cancelled: {len(report.done)} of {len(report.rows)} rows were done; "
                         "run again with --resume to render the rest")
        self.report = report


def _remove_temps(output: Path) -> None:
    for tmp in temp_files(output):
        with contextlib.suppress(OSError):
            tmp.unlink()


# --- the local pool -----------------------------------------------------------------------------

_worker_cancel = None  # set in each worker process by _init_worker
_worker_events = None
_worker_parent = None


class _WorkerToken:
    """The batch's cancel flag as seen in a worker: set by the runner, or the runner is gone."""

    def __init__(self, event, parent: int) -> None:
        self._event, self._parent = event, parent

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or os.getppid() != self._parent

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()


def _init_worker(cancel_event, events, parent: int) -> None:
    global _worker_cancel, _worker_events, _worker_parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the runner's to handle
    _worker_cancel, _worker_events, _worker_parent = cancel_event, events, parent
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="capkit-parent-watch").start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose runner was killed (SIGKILL: nothing can clean up) leaves too, instead of
    waiting forever for work that will not come. A running job has already stopped by then: its
    cancel token sees the same thing."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _pool_job(spec: JobSpec) -> JobResult:
    worker = f"{os.uname().nodename}:{os.getpid()}" if hasattr(os, "uname") else str(os.getpid())
    token = _WorkerToken(_worker_cancel, _worker_parent)
    _worker_events.put((spec.row, 0, 0, worker))
    last = [0.0]

    def progress(p) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2 or p.done == p.total:
            last[0] = now
            _worker_events.put((spec.row, p.done, p.total, worker))

    return run_job(spec, progress=progress, cancel=token, worker=worker)


def execute_local(specs: list[JobSpec], on_result, on_status, cancel, *, jobs: int) -> None:
    """Run ``specs`` on ``jobs`` worker processes; results reach ``on_result`` as they finish."""
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    events = ctx.Queue()
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(specs)), mp_context=ctx, initializer=_init_worker,
                               initargs=(stop, events, os.getpid()))
    with children_ignore_sigint():  # the workers start here; Ctrl+C is for the runner alone
        pending = {pool.submit(_pool_job, spec): spec for spec in specs}
    stopping_since: float | None = None
    interrupted = False

    def drain() -> None:
        with contextlib.suppress(queue_mod.Empty, OSError, EOFError):
            while True:
                row, done, total, worker = events.get_nowait()
                if any(s.row == row for s in pending.values()):
                    on_status(row, done, total, worker)

    try:
        while pending:
            try:
                finished, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                drain()
                for fut in finished:
                    spec = pending.pop(fut)
                    if fut.cancelled():
                        continue
                    try:
                        on_result(fut.result())
                    except Exception as err:  # the worker process died (killed, out of memory)
                        if cancel.cancelled:  # e.g. a Ctrl+C that reached a worker still starting up
                            on_result(JobResult(spec.row, spec.name, CANCELLED, 0.0, None, spec.digest))
                        else:
                            on_result(JobResult(spec.row, spec.name, FAILED, 0.0,
                                                f"row {spec.row}: the worker process stopped: {err}", spec.digest))
                if cancel.cancelled and stopping_since is None:
                    stopping_since = time.monotonic()
                    stop.set()
                    for fut in list(pending):
                        if fut.cancel():
                            pending.pop(fut)
                if stopping_since is not None and time.monotonic() - stopping_since > CANCEL_GRACE_SECONDS:
                    break
            except KeyboardInterrupt:
                if interrupted:  # a second Ctrl+C: do not wait for the jobs to wind down
                    break
                interrupted = True
                cancel.cancel()
    finally:
        stop.set()
        if pending:
            _terminate(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        events.close()
    if interrupted:
        raise KeyboardInterrupt


@contextlib.contextmanager
def children_ignore_sigint():
    """Processes started inside inherit an ignored SIGINT, so a Ctrl+C in the terminal (sent to
    the whole process group) reaches only the runner, which stops the workers cleanly. Python
    leaves SIGINT ignored in a new interpreter that inherits it ignored."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop worker processes that did not wind down (the pool has no public way to)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()


__all__ = [
    "DEFAULT_NAME_PATTERN",
    "MANIFEST",
    "BatchCancelled",
    "BatchError",
    "BatchProgress",
    "BatchReport",
    "JobStatus",
    "execute_local",
    "is_valid_output",
    "output_name",
    "plan_jobs",
    "read_manifest",
    "run_batch",
]

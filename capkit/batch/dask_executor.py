"""Batch jobs on a Dask distributed cluster (``capkit batch --executor dask``).

Each row is one task, a pure function of its :class:`~capkit.batch.jobs.JobSpec`: a worker needs
only capkit installed and the media and output paths reachable (the same paths on every machine,
e.g. a shared folder). When a worker is lost mid-job, the scheduler runs the task again on
another worker; the lost attempt's output was never renamed into place, so nothing half-written
remains (the runner removes its temporary file at the end). ``retries`` also re-runs a task that
raised in the worker itself, which capkit's job only does for reasons outside the row (a row's
own problems come back as a ``failed`` result, not an exception).

Without a scheduler address an embedded ``LocalCluster`` of worker processes on the loopback
interface is started for the run and stopped after it. Cancelling sets a distributed ``Event``
that every running job checks between frames (at most twice a second), so running jobs stop
within a moment; tasks not started are cancelled.
"""

from __future__ import annotations

import contextlib
import time
import uuid

from capkit.batch.jobs import FAILED, JobResult, JobSpec, run_job

LOCAL_WORKERS = 2
CANCEL_GRACE_SECONDS = 20.0


class _EventToken:
    """A distributed Event as a cancel token, asked at most every ``interval`` seconds."""

    def __init__(self, name: str, interval: float = 0.5) -> None:
        self._name, self._interval = name, interval
        self._last = 0.0
        self._set = False

    @property
    def cancelled(self) -> bool:
        if not self._set and time.monotonic() - self._last >= self._interval:
            from distributed import Event

            self._last = time.monotonic()
            with contextlib.suppress(Exception):  # no scheduler to ask: keep rendering
                self._set = Event(self._name).is_set()
        return self._set

    def check(self) -> None:
        from capkit.errors import Cancelled

        if self.cancelled:
            raise Cancelled()


def dask_job(spec: JobSpec, stop_event: str) -> JobResult:
    """The task a Dask worker runs for one row."""
    from distributed import get_worker

    try:
        where = get_worker().address
    except ValueError:
        where = None
    return run_job(spec, cancel=_EventToken(stop_event), worker=where)


# Dask defaults that cost a render time, off in the cluster capkit starts itself: the nanny's
# MALLOC_TRIM_THRESHOLD_ turns off glibc's adaptive mmap threshold, so frame-sized buffers are
# mapped and unmapped again every frame (about 17 % more CPU time per export, docs/performance.md),
# and the worker's statistical profiler samples the render's threads 100 times a second.
RENDER_FRIENDLY_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


def local_cluster(n_workers: int = LOCAL_WORKERS):
    import dask
    from distributed import LocalCluster

    from capkit.batch.runner import children_ignore_sigint

    with children_ignore_sigint(), dask.config.set(RENDER_FRIENDLY_CONFIG):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address=None, silence_logs=40)


def execute(specs: list[JobSpec], on_result, on_status, cancel, *, scheduler: str | None = None,
            retries: int = 2, client=None) -> None:
    """Run ``specs`` on the cluster at ``scheduler`` (an embedded LocalCluster when None)."""
    try:
        from distributed import Client, Event, as_completed
    except ImportError:
        from capkit.batch.runner import BatchError

        raise BatchError("--executor dask needs Dask: pip install 'capkit[cluster]'") from None

    cluster = None
    own_client = client is None
    if own_client:
        if scheduler is None:
            cluster = local_cluster()
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as err:
                from capkit.batch.runner import BatchError

                raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None
    run_id = uuid.uuid4().hex[:8]
    stop = Event(f"capkit-batch-stop-{run_id}", client=client)
    futures = {}
    for spec in specs:
        fut = client.submit(dask_job, spec, stop.name, key=f"capkit-batch-{run_id}-row-{spec.row}",
                            retries=retries, pure=False)
        futures[fut.key] = (fut, spec)
    pending = {key for key in futures}
    done_keys = as_completed([f for f, _ in futures.values()])
    interrupted = False
    stopping_since: float | None = None
    last_poll = 0.0
    try:
        while pending:
            try:
                if done_keys.has_ready():
                    for fut in done_keys.next_batch(block=False):
                        _, spec = futures[fut.key]
                        pending.discard(fut.key)
                        on_result(_result(fut, spec))
                else:
                    time.sleep(0.05)
                now = time.monotonic()
                if now - last_poll > 0.5 and stopping_since is None:
                    last_poll = now
                    _poll_running(client, futures, pending, on_status)
                if cancel.cancelled and stopping_since is None:
                    stopping_since = now
                    stop.set()
                    waiting = [futures[k][0] for k in pending if futures[k][0].status == "pending"]
                    with contextlib.suppress(Exception):
                        processing = {k for keys in client.processing().values() for k in keys}
                        waiting = [f for f in waiting if f.key not in processing]
                    if waiting:
                        client.cancel(waiting)
                        for f in waiting:
                            pending.discard(f.key)
                # an embedded cluster is closed (its workers with it) rather than waited for
                grace = 1.0 if cluster is not None else CANCEL_GRACE_SECONDS
                if stopping_since is not None and time.monotonic() - stopping_since > grace:
                    break
            except KeyboardInterrupt:
                if interrupted:
                    break
                interrupted = True
                cancel.cancel()
    finally:
        with contextlib.suppress(Exception):
            stop.set() if pending else None
        if pending:
            with contextlib.suppress(Exception):
                client.cancel([futures[k][0] for k in pending])
        if own_client:
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()
    if interrupted:
        raise KeyboardInterrupt


def _result(fut, spec: JobSpec) -> JobResult:
    try:
        return fut.result()
    except Exception as err:  # lost too many workers, or a task that raised on every retry
        return JobResult(spec.row, spec.name, FAILED, 0.0, f"row {spec.row}: the cluster could not run it: "
                         f"{type(err).__name__}: {err}", spec.digest)


def _poll_running(client, futures, pending, on_status) -> None:
    with contextlib.suppress(Exception):
        for worker, keys in client.processing().items():
            for key in keys:
                if key in pending:
                    on_status(futures[key][1].row, worker=worker)


__all__ = ["dask_job", "execute", "local_cluster"]

"""The batch on a Dask cluster on the loopback interface, including a worker lost mid-job."""

import os
import signal
import threading
import time

import pytest
from conftest import (
    assert_stopped_cleanly,
    frame_count,
    interrupt_mid_render,
    title_template,
    write_rows,
)

from capkit.batch import MANIFEST, read_manifest, run_batch
from capkit.batch.runner import is_valid_output

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow


def test_the_embedded_local_cluster_renders_every_row(tmp_path, template):
    rows = write_rows(tmp_path / "rows.csv", 3)
    report = run_batch(template, rows, tmp_path / "out", executor="dask")
    assert [r.status for r in report.results] == ["done"] * 3
    assert all(r.worker.startswith("tcp://127.0.0.1:") for r in report.results)
    assert all(is_valid_output(tmp_path / "out" / r.output) for r in report.results)


def test_a_job_whose_worker_is_killed_runs_again_elsewhere(tmp_path):
    from distributed import Client, LocalCluster

    long = title_template(tmp_path / "long.capkit", duration=12)  # a few seconds of rendering per row
    rows = write_rows(tmp_path / "rows.csv", 3)
    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
        outcome = {}
        runner = threading.Thread(target=lambda: outcome.update(
            report=run_batch(long, rows, out, executor="dask", scheduler=cluster.scheduler_address)))
        runner.start()
        deadline = time.monotonic() + 120
        while not list(out.glob(".*.part.mp4")) if out.exists() else True:
            assert runner.is_alive() and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        busy = [w for w, keys in client.processing().items() if any("row-2" in str(k) for k in keys)]
        assert busy, client.processing()
        pids = client.run(os.getpid)
        os.kill(pids[busy[0]], signal.SIGKILL)  # the worker rendering row 2 dies mid-job
        runner.join(timeout=240)
        assert not runner.is_alive()
    report = outcome["report"]
    assert [r.status for r in report.results] == ["done"] * 3, report.results
    row2 = report.results[0]
    assert row2.row == 2 and row2.worker != busy[0]  # finished by another worker
    assert frame_count(out / row2.output) == 360
    assert read_manifest(out / MANIFEST)[2]["status"] == "done"
    assert sorted(p.name for p in out.iterdir()) == sorted([r.output for r in report.results] + [MANIFEST])


def test_ctrl_c_stops_the_embedded_cluster_cleanly(tmp_path):
    template = title_template(tmp_path / "promo.capkit", duration=60)
    rows = write_rows(tmp_path / "rows.csv", 4)
    out = tmp_path / "out"
    proc = interrupt_mid_render(out, template, rows, "-o", out, "--executor", "dask")
    assert_stopped_cleanly(proc, out)

"""``capkit batch`` with local worker processes: outputs, per-row failures, resume, Ctrl+C."""

import json
import signal
import subprocess
import time

import numpy as np
import pytest

import capkit
from capkit.batch import MANIFEST, apply_row, load_template, read_manifest, read_rows, run_batch
from capkit.batch.runner import BatchError, is_valid_output

from conftest import (
    PALETTE, assert_stopped_cleanly, batch_cmd, frame_count, frame_of, interrupt_mid_render, run_cli, title_template,
    write_rows,
)


def _rgb(hex_colour):
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def test_twenty_rows_with_two_jobs_render_twenty_correct_outputs(tmp_path, template):
    rows = write_rows(tmp_path / "rows.csv", 20)
    out = tmp_path / "out"
    result = run_cli(template, rows, "-o", out, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "20 rendered, 0 failed of 20 rows" in result.stdout
    videos = sorted(out.glob("*.mp4"))
    assert [v.name for v in videos] == [f"{n:03d}-promo.mp4" for n in range(2, 22)]  # row = CSV line
    records = read_manifest(out / MANIFEST)
    assert sorted(records) == list(range(2, 22))
    assert {r["status"] for r in records.values()} == {"done"}
    assert len({r["worker"] for r in records.values()}) == 2  # both workers took rows

    tpl = load_template(template)
    table = {r.number: r.values for r in read_rows(rows).rows}
    refs = {n: capkit.render_frame(apply_row(tpl, values, row=n), "1/2") for n, values in table.items()}
    for n, values in table.items():
        video = out / f"{n:03d}-promo.mp4"
        assert frame_count(video) == 30
        frame = frame_of(video, 15).astype(int)
        # the background is the row's colour
        assert np.abs(frame[20:60, 20:60].mean(axis=(0, 1)) - _rgb(values["bg"])).max() < 12
        # and the text is the row's: the frame matches its own reference far better than the
        # reference of another row with the same background and another title
        other = n + len(PALETTE) if n + len(PALETTE) in refs else n - len(PALETTE)
        text = frame.min(axis=2) > 170  # the white title's pixels
        own, theirs = _overlap(text, refs[n].min(axis=2) > 170), _overlap(text, refs[other].min(axis=2) > 170)
        assert text.sum() > 500 and own > 0.85 and theirs < own - 0.15, (n, own, theirs)


def _overlap(a, b):
    return (a & b).sum() / (a | b).sum()


def test_a_row_with_a_missing_media_file_fails_alone_with_its_row_number(tmp_path):
    from PIL import Image

    for name, colour in (("a.png", (200, 30, 30)), ("b.png", (30, 200, 30))):
        Image.new("RGB", (90, 160), colour).save(tmp_path / name)
    project = capkit.new_project(270, 480, fps=30)
    image = capkit.add_media(project, tmp_path / "a.png", duration=1, fit="fill")
    image.source.path = "{{photo}}"
    capkit.add_text(project, "{{title}}", duration=1, size=40)
    capkit.save(project, tmp_path / "photo.capkit")
    rows = tmp_path / "rows.csv"
    rows.write_text("title,photo,name\nOne,a.png,first\nTwo,missing.png,second\nThree,b.png,third\n")
    out = tmp_path / "out"
    result = run_cli(tmp_path / "photo.capkit", rows, "-o", out, "-j", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    text = " ".join((result.stdout + result.stderr).split())
    assert "row 3, column 'photo': media file" in text and "missing.png does not exist" in text
    assert "2 rendered, 1 failed of 3 rows" in text
    assert sorted(p.name for p in out.glob("*.mp4")) == ["002-first.mp4", "004-third.mp4"]
    records = read_manifest(out / MANIFEST)
    assert records[3]["status"] == "failed" and records[3]["error"].startswith("row 3, column 'photo'")
    assert records[3]["output"] == "003-second.mp4"
    assert records[2]["status"] == records[4]["status"] == "done"
    green = frame_of(out / "004-third.mp4", 15)[10:40, 10:40].mean(axis=(0, 1))
    assert green[1] > 150 and green[0] < 80


def test_resume_after_the_run_was_killed_renders_only_the_missing_rows(tmp_path):
    template = title_template(tmp_path / "promo.capkit", duration=2)
    rows = write_rows(tmp_path / "rows.csv", 8)
    out = tmp_path / "out"
    proc = subprocess.Popen(batch_cmd(template, rows, "-o", out, "--jobs", "1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(read_manifest(out / MANIFEST)) < 3:
            assert proc.poll() is None, "the batch finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # no chance to clean up
    finally:
        proc.wait(timeout=30)
    time.sleep(1.0)  # the orphaned worker notices its parent is gone and stops
    first = read_manifest(out / MANIFEST)
    done_first = {n for n, r in first.items() if r["status"] == "done"}
    assert 3 <= len(done_first) < 8
    stamps = {n: (out / first[n]["output"]).stat().st_mtime_ns for n in done_first}
    for video in out.glob("*.mp4"):
        assert is_valid_output(video)  # an output is there whole, or not at all

    result = run_cli(template, rows, "-o", out, "--jobs", "1", "--resume")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{8 - len(done_first)} rendered, 0 failed, {len(done_first)} already done of 8 rows" in result.stdout
    lines = [json.loads(line) for line in (out / MANIFEST).read_text().splitlines()]
    rendered_again = [r["row"] for r in lines[len(lines) - (8 - len(done_first)):]]
    assert sorted(rendered_again) == sorted(set(range(2, 10)) - done_first)
    assert all((out / first[n]["output"]).stat().st_mtime_ns == stamps[n] for n in done_first)
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{n:03d}-promo.mp4" for n in range(2, 10)] + [MANIFEST])

    # a changed row renders again on --resume; the others stay
    rows.write_text(rows.read_text().replace("Kiwi,", "Banana,"))
    again = run_batch(template, rows, out, resume=True)
    assert [r.row for r in again.done] == [3] and len(again.skipped) == 7


def test_ctrl_c_stops_cleanly_with_nothing_half_written(tmp_path):
    template = title_template(tmp_path / "promo.capkit", duration=60)
    rows = write_rows(tmp_path / "rows.csv", 4)
    out = tmp_path / "out"
    proc = interrupt_mid_render(out, template, rows, "-o", out, "--jobs", "2")
    assert_stopped_cleanly(proc, out)


def test_bad_arguments_are_one_clear_line(tmp_path, template):
    rows = write_rows(tmp_path / "rows.csv", 2)
    for args, message in [
        (("--jobs", "0"), "--jobs must be at least 1"),
        (("--name-pattern", "{row}-{nope}.mp4"), "uses {nope}, which row 2 has no column for"),
        (("--name-pattern", "same.mp4"), "rows 2 and 3 would both write same.mp4"),
        (("--scheduler", "tcp://127.0.0.1:1"), "--scheduler goes with --executor dask"),
    ]:
        result = run_cli(template, rows, "-o", tmp_path / "out", *args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith("error:") and message in " ".join(result.stderr.split())
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("headline,bg\nx,#000000\n")
    result = run_cli(template, wrong, "-o", tmp_path / "out")
    assert result.returncode == 2 and "has no column 'title' for {{title}}" in " ".join(result.stderr.split())
    with pytest.raises(BatchError, match="at least 1"):
        run_batch(template, rows, tmp_path / "out", jobs=0)

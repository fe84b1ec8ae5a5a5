"""Batch throughput: outputs per minute with 1 and 2 local worker processes and a Dask LocalCluster.

The template is a short-video recipe at reduced size: generated 16:9 footage filled into a 9:16
canvas, a graded look, a title from the row and a caption-like line, rendered with libx264
veryfast. Every executor renders the same rows from scratch into its own folder; every output is
checked (it probes as a video of the expected frame count) before a run's time counts. Times are
whole runs as a user sees them, so they include starting the worker processes (and, for Dask, the
embedded cluster). The table also gives the speed-up over one job.

    .venv/bin/python benchmarks/batch.py [--rows 8 --width 540 --seconds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "batch"
WORDS = ["Sneakers", "Backpack", "Headphones", "Sunglasses", "Watch", "Jacket", "Bottle", "Camera",
         "Lamp", "Notebook", "Scarf", "Speaker"]
COLOURS = ["#FFCC00", "#FF5577", "#66DDFF", "#FFFFFF"]


def make_template(width: int, seconds: int) -> Path:
    import capkit
    from capkit.synth.video import scene_pattern, write_video

    footage = OUT / "footage.mp4"
    if not footage.exists():
        write_video(footage, lambda n: scene_pattern(960, 540, n, 30), fps=30, n_frames=30 * seconds)
    height = width * 16 // 9
    project = capkit.new_project(width, height, fps=30)
    capkit.add_media(project, footage, fit="fill")
    capkit.add_filter(project, "grade", {"contrast": 1.1, "saturation": 1.2})
    title = capkit.add_text(project, "{{title}}", duration=seconds, y=0.3, size=width // 9, animation_in="pop")
    title.style.color = "{{ink}}"
    capkit.add_text(project, "Now {{price}} only", duration=seconds, y=0.75, size=width // 14)
    path = OUT / "promo.capkit"
    capkit.save(project, path)
    return path


def write_rows(n: int) -> Path:
    path = OUT / "rows.csv"
    lines = ["title,ink,price"] + [f"{WORDS[i % len(WORDS)]},{COLOURS[i % len(COLOURS)]},${9 + i}.99" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(name: str, template: Path, rows: Path, frames: int, **options) -> dict:
    from capkit.batch import run_batch
    from capkit.batch.runner import is_valid_output

    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    report = run_batch(template, rows, out, **options)
    wall = time.perf_counter() - start
    assert report.ok, [r.error for r in report.failed]
    for r in report.results:
        assert is_valid_output(out / r.output) and r.frames == frames, r
    busy = sum(r.duration for r in report.results)
    return {"executor": name, "outputs": len(report.results), "wall_s": round(wall, 2),
            "per_minute": round(60 * len(report.results) / wall, 1), "job_s": round(busy / len(report.results), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--width", type=int, default=540)
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    template = make_template(args.width, args.seconds)
    rows = write_rows(args.rows)
    frames = 30 * args.seconds
    load_before = os.getloadavg()[0]
    results = [
        timed("local, --jobs 1", template, rows, frames, jobs=1),
        timed("local, --jobs 2", template, rows, frames, jobs=2),
        timed("dask LocalCluster, 2 workers", template, rows, frames, executor="dask"),
    ]
    load_after = os.getloadavg()[0]
    base = results[0]["per_minute"]
    print(f"{args.rows} rows, {args.width}x{args.width * 16 // 9}, {args.seconds} s at 30 fps each; "
          f"{os.cpu_count()} CPUs; load average {load_before:.1f} before, {load_after:.1f} after")
    print(f"{'executor':32} {'wall s':>8} {'outputs/min':>12} {'vs 1 job':>9} {'s per job':>10}")
    for r in results:
        print(f"{r['executor']:32} {r['wall_s']:>8.2f} {r['per_minute']:>12.1f} {r['per_minute'] / base:>8.2f}x "
              f"{r['job_s']:>10.2f}")
    print(json.dumps({"benchmark": "batch", "rows": args.rows, "width": args.width, "seconds": args.seconds,
                      "cpus": os.cpu_count(), "results": results}))


if __name__ == "__main__":
    main()

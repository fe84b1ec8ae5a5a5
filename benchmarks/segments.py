"""Segment-parallel export against the one-process export, on the "reel" recipe.

The project of ``benchmarks/reel.py`` (20 s 1920x1080 30 fps input -> 1080x1920, crop, grade,
vignette, title, five captions, music at -12 dB; libx264 veryfast CRF 23, AAC) rendered three ways,
each as its own whole process (imports and worker start-up included):

- ``serial``: :func:`capkit.export` (the renderer on one thread, x264 with frame threads beside it);
- ``segmented, jobs=N``: :func:`capkit.render.segments.export_segmented` with N worker processes;
- ``segmented, jobs=1``: the same with one worker, which shows the cost of the method itself
  (process start-up, the sound encoded apart, the join);
- ``--pieces N`` (default 4): the range cut in N pieces, each rendered alone by its own process
  one after the other, then the sound and the join timed on their own. The slowest piece plus
  the join estimates the wall time on N machines like this one (or one machine with 2N cores),
  which this 2-core machine cannot show directly.

Every output is checked against the serial one before its time counts: frame count, every frame's
mean absolute difference (decoded), and the decoded sound sample for sample.

    .venv/bin/python benchmarks/segments.py                 # one run each
    .venv/bin/python benchmarks/segments.py --runs 3 --jobs 2 --duration 20

The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reel  # the recipe and its generated input

OUT = reel.OUT


def build_project(clip: Path, music: Path, duration: int):
    return reel.build_project(clip, music, duration)


def run_child(args) -> dict:
    import time

    from capkit.render.export import ExportSettings, export

    started = time.perf_counter()
    project = build_project(args.clip, args.music, args.duration)
    settings = ExportSettings(crf=23, preset="veryfast")
    if args.jobs_child == 0:
        export(project, args.out, settings)
    else:
        from capkit.render.segments import export_segmented

        seg = None if args.segment_seconds is None else Fraction(args.segment_seconds).limit_denominator(1000)
        export_segmented(project, args.out, settings, jobs=args.jobs_child, segment_seconds=seg)
    return {"inner_s": time.perf_counter() - started}


def run_piece(args) -> dict:
    """One of ``--pieces`` pieces, rendered alone: what one machine of several would do."""
    import time

    from capkit.render.export import ExportSettings
    from capkit.render.plan import compile_plan
    from capkit.render.segments import plan_segments, render_segment, segment_settings

    started = time.perf_counter()
    project = build_project(args.clip, args.music, args.duration)
    plan = compile_plan(project)
    settings = ExportSettings(crf=23, preset="veryfast")
    index, count = (int(x) for x in args.piece.split("/"))
    segs = plan_segments(plan, settings.gop_seconds, jobs=count)
    render_segment(project, segment_settings(settings, plan), segs[index], args.out)
    return {"inner_s": time.perf_counter() - started, "frames": segs[index].frames}


def join_pieces(clip: Path, music: Path, duration: int, pieces: list[Path], out: Path) -> dict:
    """The coordinator's part of a render over several machines: the sound, then the join."""
    import time

    from capkit.progress import CancelToken
    from capkit.render.export import ExportSettings
    from capkit.render.plan import compile_plan
    from capkit.render.segments import encode_audio, join, plan_segments

    project = build_project(clip, music, duration)
    plan = compile_plan(project)
    settings = ExportSettings(crf=23, preset="veryfast")
    segs = plan_segments(plan, settings.gop_seconds, jobs=len(pieces))
    audio = out.with_suffix(".audio.mp4")
    started = time.perf_counter()
    encode_audio(plan, settings, audio, CancelToken())
    audio_s = time.perf_counter() - started
    started = time.perf_counter()
    join(out, "mp4", plan.fps, segs, pieces, audio)
    join_s = time.perf_counter() - started
    audio.unlink()
    return {"audio_s": audio_s, "join_s": join_s}


def compare(serial: Path, other: Path) -> dict:
    """Frame count, per-frame mean absolute difference and decoded sound of ``other`` against ``serial``."""
    import av
    import numpy as np

    def frames(path):
        with av.open(str(path)) as c:
            c.streams.video[0].codec_context.thread_type = "AUTO"
            for f in c.decode(video=0):
                yield f.pts, f.to_ndarray(format="rgb24")

    def sound(path):
        with av.open(str(path)) as c:
            return np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)

    count, worst, total, pts_ok = 0, 0.0, 0.0, True
    for (pa, a), (pb, b) in zip(frames(serial), frames(other), strict=False):
        d = float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
        worst, total, count = max(worst, d), total + d, count + 1
        pts_ok &= pa == pb
    n_other = sum(1 for _ in frames(other))
    sa, sb = sound(serial), sound(other)
    same_len = sa.shape == sb.shape
    return {"frames": n_other, "pts_equal": pts_ok, "worst_frame_mad": worst, "mean_mad": total / max(1, count),
            "audio_samples_equal": same_len,
            "audio_max_diff": float(np.abs(sa - sb).max()) if same_len else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="median of N runs (default 1)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of input (default 20)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the parallel run (default 2)")
    parser.add_argument("--segment-seconds", type=float, default=None, help="piece length (default: automatic)")
    parser.add_argument("--skip-one", action="store_true", help="leave out the jobs=1 run")
    parser.add_argument("--pieces", type=int, default=4,
                        help="also render N pieces one after another, each alone as its own process, and join "
                             "them: an estimate for N machines (0: skip; default 4)")
    parser.add_argument("--piece", help=argparse.SUPPRESS)
    parser.add_argument("--jobs-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--clip", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--music", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.jobs_child is not None or args.piece:  # a child process: one render, one RESULT line
        print("RESULT " + json.dumps(run_piece(args) if args.piece else run_child(args)), flush=True)
        return 0

    clip, music = reel.make_input(args.duration)
    D = args.duration
    variants = {"serial": 0, f"segmented jobs={args.jobs}": args.jobs}
    if not args.skip_one and args.jobs != 1:
        variants["segmented jobs=1"] = 1
    outputs = {name: OUT / f"segments-{name.replace(' ', '-').replace('=', '')}-{D}s.mp4" for name in variants}

    def command(jobs: int, out: Path) -> list[str]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--jobs-child", str(jobs), "--clip", str(clip),
               "--music", str(music), "--out", str(out), "--duration", str(D)]
        if args.segment_seconds is not None:
            cmd += ["--segment-seconds", str(args.segment_seconds)]
        return cmd

    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {n: [] for n in variants}
    for i in range(args.runs):
        for name, jobs in variants.items():
            print(f"run {i + 1}/{args.runs}: {name} ...", file=sys.stderr, flush=True)
            r = reel.timed_process(command(jobs, outputs[name]))
            runs[name].append(r)
            print(f"    {r['wall_s']:.2f} s", file=sys.stderr, flush=True)
    farm = None
    if args.pieces > 0:
        piece_paths = [OUT / f"segments-piece-{i}-of-{args.pieces}-{D}s.mp4" for i in range(args.pieces)]
        walls = []
        for i, path in enumerate(piece_paths):
            print(f"piece {i + 1}/{args.pieces} alone ...", file=sys.stderr, flush=True)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--piece", f"{i}/{args.pieces}", "--clip",
                   str(clip), "--music", str(music), "--out", str(path), "--duration", str(D)]
            walls.append(reel.timed_process(cmd)["wall_s"])
        joined = OUT / f"segments-farm-{args.pieces}-{D}s.mp4"
        farm = {"pieces_s": walls, **join_pieces(clip, music, D, piece_paths, joined)}
        farm["estimate_s"] = max(walls) + farm["join_s"]
        farm["check"] = reel.check_output(joined, D, None)
        farm["same"] = compare(outputs["serial"], joined)
        for path in piece_paths:
            path.unlink()
    load_after = os.getloadavg()

    checks = {n: reel.check_output(outputs[n], D, None) for n in variants}
    same = {n: compare(outputs["serial"], outputs[n]) for n in variants if n != "serial"}

    wall = {n: statistics.median(r["wall_s"] for r in runs[n]) for n in variants}
    base = wall["serial"]
    print()
    print(f"reel recipe, {D} s -> {reel.W}x{reel.H} {reel.FPS} fps, libx264 veryfast crf 23; median of {args.runs} "
          f"run(s); {os.cpu_count()} CPUs; load average before/after {load_before[0]:.1f} / {load_after[0]:.1f}")
    header = (f"{'render':<22}{'wall s':>8}{'min s':>7}{'speedup':>9}{'CPU s':>7}{'peak RSS MB':>12}"
              f"{'video Mb/s':>11}  check against serial")
    print(header)
    print("-" * len(header))
    for n in variants:
        c = checks[n]
        cpu = statistics.median(r["cpu_s"] for r in runs[n])
        rss = statistics.median(r["peak_rss_mb"] for r in runs[n])
        fastest = min(r["wall_s"] for r in runs[n])
        status = "ok" if not c["problems"] else "FAIL: " + "; ".join(c["problems"])
        if n in same:
            s = same[n]
            status += (f"; frames {s['frames']}, pts {'equal' if s['pts_equal'] else 'DIFFER'}, mean abs diff "
                       f"worst frame {s['worst_frame_mad']:.2f} / mean {s['mean_mad']:.3f} of 255, sound "
                       + ("equal" if s["audio_samples_equal"] and s["audio_max_diff"] == 0 else
                          f"max diff {s['audio_max_diff']}"))
        print(f"{n:<22}{wall[n]:>8.2f}{fastest:>7.2f}{base / wall[n]:>9.2f}{cpu:>7.1f}{rss:>12.0f}"
              f"{c['video_mbps']:>11.2f}  {status}")
    print("  (CPU s and peak RSS are the parent's own plus its waited-for workers'; RSS is the largest single process)")
    if farm is not None:
        s = farm["same"]
        print(f"{args.pieces} pieces, each rendered alone as its own process (start-up included): "
              + ", ".join(f"{w:.2f}" for w in farm["pieces_s"]) + " s; the sound "
              f"{farm['audio_s']:.2f} s and the join {farm['join_s']:.2f} s on the coordinator")
        print(f"  estimate for {args.pieces} machines like this one, or {2 * args.pieces} cores: slowest piece + join ="
              f" {farm['estimate_s']:.2f} s, {base / farm['estimate_s']:.2f}x the serial export"
              f" (joined file: {'ok' if not farm['check']['problems'] else 'FAIL'}, {s['frames']} frames, "
              f"worst frame mean abs diff {s['worst_frame_mad']:.2f})")

    ok = all(not checks[n]["problems"] for n in variants) and all(
        s["frames"] == D * reel.FPS and s["pts_equal"] and s["worst_frame_mad"] < 2.0 and s["audio_samples_equal"]
        for s in same.values())
    if farm is not None:
        ok = ok and not farm["check"]["problems"] and farm["same"]["worst_frame_mad"] < 2.0
    par = f"segmented jobs={args.jobs}"
    summary = {
        "serial_s": round(base, 3),
        "segmented_s": round(wall[par], 3),
        "speedup": round(base / wall[par], 3) if ok else None,
        "jobs": args.jobs,
        "segmented_jobs1_s": round(wall["segmented jobs=1"], 3) if "segmented jobs=1" in wall else None,
        "worst_frame_mad": round(same[par]["worst_frame_mad"], 3),
        "serial_mbps": round(checks["serial"]["video_mbps"], 3),
        "segmented_mbps": round(checks[par]["video_mbps"], 3),
        "farm_pieces": args.pieces or None,
        "farm_estimate_s": round(farm["estimate_s"], 3) if farm else None,
        "farm_speedup_estimate": round(base / farm["estimate_s"], 3) if farm else None,
        "load_before": round(load_before[0], 2),
        "load_after": round(load_after[0], 2),
    }
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""What loudness costs: normalising the "reel" recipe to -14 LUFS, and the meter's own speed.

1. The reel recipe of benchmarks/reel.py (same generated input, same project) exported in this
   process with and without ``loudness_target=-14``, alternating, several runs each. Every export
   meters the sound it encodes; the target adds the measuring pass(es) over the mix before the
   first frame, and its mix gets a gain and the true-peak limiter. Printed: both wall times, and,
   steadier than a difference of two noisy wall times on a shared machine, the parts timed on
   their own: the measuring pass, the export's mix with and without gain and true-peak limiter,
   and the meter alone on the recipe's sound (the report every export makes, target or not).
2. The meter on 60 s of stereo music (music bed plus noise bursts, so the true-peak detector works
   often): times real time, against plain-numpy floors that do part of the job: squares summed
   per 100 ms (what any meter must at least do) and true peak as four ``np.convolve`` phases.
   pyloudnorm is timed too when it can be imported (it is not a dependency: ``PYTHONPATH``).

Run: .venv/bin/python benchmarks/loudness.py [--runs 3] [--duration 20]
The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reel  # the recipe's input and constants

from capkit import api
from capkit.render.audio_mix import AudioMixer, mix_to_array
from capkit.render.export import measure_mix
from capkit.render.loudness import OVERSAMPLE, LoudnessMeter, _interpolator
from capkit.render.plan import compile_plan
from capkit.synth import music_bed

SR = 48000


def reel_project(clip: Path, music: Path, duration: int):
    return reel.build_project(clip, music, duration)


def bench_export(runs: int, duration: int) -> dict:
    clip, music = reel.make_input(duration)
    project = reel_project(clip, music, duration)
    plain, normalised, passes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mp4"
        for run in range(runs):
            for target, times in ((None, plain), (-14.0, normalised)):
                started = time.perf_counter()
                result = api.export(project, out, crf=23, preset="veryfast", loudness_target=target)
                times.append(time.perf_counter() - started)
                print(f"run {run + 1}: target {target}: {times[-1]:.2f} s, {result.loudness.describe()}, "
                      f"gain {result.audio_gain_db:+.2f} dB", flush=True)
            plan = compile_plan(project)
            started = time.perf_counter()
            raw = measure_mix(plan)
            passes.append(time.perf_counter() - started)
    # The report every export makes: the meter alone on the recipe's sound, fed frame by frame.
    sound = mix_to_array(project)
    step = SR // reel.FPS
    started = time.perf_counter()
    meter = LoudnessMeter(SR, 2)
    for i in range(0, sound.shape[1], step):
        meter.add(sound[:, i : i + step])
    meter.result()
    report = time.perf_counter() - started
    # The export's own mix: default sample-peak limiter against gain + true-peak limiter.
    default = _best(lambda: _mix(project))
    limited = _best(lambda: _mix(project, gain_db=result.audio_gain_db, true_peak=True, ceiling_db=-1.5))
    a, b, m = statistics.median(plain), statistics.median(normalised), statistics.median(passes)
    cost = m + max(0.0, limited - default)
    print(f"measuring pass alone: {m:.3f} s ({raw.describe()}); the export's mix {default:.3f} s, with gain and "
          f"the true-peak limiter {limited:.3f} s; the report's meter alone: {report:.3f} s")
    print(f"normalising costs {cost:.3f} s = {cost / a:.1%} of the plain render ({a:.2f} s); "
          f"the report {report / a:.1%}")
    return {"render_s": round(a, 3), "render_normalised_s": round(b, 3),
            "wall_difference": round((b - a) / a, 4), "measuring_pass_s": round(m, 3),
            "mix_s": round(default, 3), "mix_true_peak_limited_s": round(limited, 3),
            "normalise_cost_s": round(cost, 3), "normalise_fraction": round(cost / a, 4),
            "report_meter_s": round(report, 3), "report_meter_fraction": round(report / a, 4)}


def _mix(project, **kw) -> None:
    with AudioMixer(project, **kw) as mixer:
        for n in range(mixer.total_samples // (SR // reel.FPS)):
            mixer.read(mixer.samples_for_frame(n))


def _music(seconds: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    x = music_bed(seconds).astype(np.float64)
    t = np.arange(x.shape[1]) / SR
    bursts = (np.sin(2 * np.pi * 0.25 * t) > 0.7) * rng.standard_normal(x.shape) * 0.2
    return (x + bursts).clip(-1, 1).astype(np.float32)


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_meter(seconds: int = 60) -> dict:
    x = _music(seconds)
    step = SR // 30  # the export feeds the meter one video frame of sound at a time

    def meter():
        m = LoudnessMeter(SR, 2)
        for i in range(0, x.shape[1], step):
            m.add(x[:, i : i + step])
        return m.result()

    def squares():  # floor: squares summed per 100 ms, no filter, no gating, no peak
        hop = SR // 10
        n = x.shape[1] // hop * hop
        return (x[:, :n].astype(np.float64) ** 2).reshape(2, -1, hop).sum(axis=2)

    taps = _interpolator()[0]

    def convolve_peak():  # true peak the obvious way: one np.convolve per phase and channel
        return max(float(np.abs(np.convolve(x[c], taps[::-1, p], mode="valid")).max())
                   for c in range(2) for p in range(OVERSAMPLE))

    result = meter()
    t_meter, t_squares, t_conv = _best(meter), _best(squares), _best(convolve_peak)
    print(f"meter on {seconds} s of stereo music: {t_meter:.3f} s ({seconds / t_meter:.0f}x real time), "
          f"{result.describe()}")
    print(f"  floor, squares per 100 ms: {t_squares:.3f} s; true peak by np.convolve alone: {t_conv:.3f} s")
    figures = {"meter_x_realtime": round(seconds / t_meter), "meter_s_per_min": round(t_meter * 60 / seconds, 3),
               "meter_over_squares": round(t_meter / t_squares, 1), "convolve_peak_s": round(t_conv, 3)}
    try:
        import pyloudnorm
    except ImportError:
        print("  pyloudnorm not importable (not a dependency); skipped")
        return figures
    from importlib.metadata import version

    ref = pyloudnorm.Meter(SR, filter_class="DeMan")
    t_ref = _best(lambda: ref.integrated_loudness(x.T.astype(np.float64)))
    print(f"  pyloudnorm {version('pyloudnorm')} (integrated only, no true peak): {t_ref:.3f} s, "
          f"{ref.integrated_loudness(x.T.astype(np.float64)):.3f} LUFS against {result.integrated_lufs:.3f}")
    figures["pyloudnorm_s"] = round(t_ref, 3)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="exports of each kind, alternating (default 3)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of the reel recipe (default 20)")
    parser.add_argument("--skip-export", action="store_true", help="only the meter")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}")
    figures = bench_meter()
    if not args.skip_export:
        figures |= bench_export(args.runs, args.duration)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

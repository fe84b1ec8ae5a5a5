"""How fast and how accurate offline captions are: tiny.en and base (int8) on this machine.

For each model, a child process loads it, transcribes about a minute of speech (the English
fixtures of tests/captions, end to end, repeated to ~60 s) with word timestamps, VAD and the
energy refinement on, exactly as ``capkit caption`` does, then transcribes each fixture on its
own for the word error rate. The real-time factor is seconds of audio per second of
transcription (model loading is shown apart). The peak memory (RSS) of each child comes from
``os.wait4`` (its own ``ru_maxrss``), so one model's figure never includes the other's.

Targets on 2 cores: tiny.en at least 6x real time, base at least 3x, base under 1 GB.

Run: .venv/bin/python benchmarks/captions.py [--runs 3] [--models tiny.en base]
The last line is one JSON object with the headline figures; the exit status is 1 if a target
was missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
FIXTURES = ROOT / "tests" / "captions" / "fixtures"
sys.path.insert(0, str(ROOT / "tests" / "captions"))  # the WER helper the tests use

TARGET_RTF = {"tiny.en": 6.0, "base": 3.0}
TARGET_RSS_MB = {"base": 1024.0}
SECONDS = 60.0


def fixture_set() -> list[tuple[Path, str]]:
    """(wav, reference text) for every English fixture: the sentences and the single words."""
    from captions_support import sentence_fixtures, word_onsets

    return sentence_fixtures() + [(FIXTURES / "words.wav", " ".join(w for w, _ in word_onsets()))]


def long_input(seconds: float = SECONDS) -> tuple[Path, str]:
    """The fixtures end to end, repeated to at least ``seconds``; cached in benchmarks/out/."""
    import numpy as np

    from capkit.media.audio import read_all
    from capkit.synth.audio import write_audio

    pieces, texts = [], []
    for path, text in fixture_set():
        pieces.append(read_all(path, sample_rate=16000, channels=1))
        texts.append(text)
    once = np.concatenate(pieces, axis=1)
    repeats = max(1, int(np.ceil(seconds * 16000 / once.shape[1])))
    path = OUT / f"captions-input-{repeats}x.wav"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.wav")
        write_audio(tmp, np.concatenate([once] * repeats, axis=1), sample_rate=16000)
        os.replace(tmp, path)
    return path, " ".join(texts * repeats)


def child(model: str, media: Path, reference: str, window: float | None) -> None:
    """Runs in the child process: load, transcribe the long input, then each fixture for WER."""
    from captions_support import normalise, wer

    from capkit.captions import load_model, transcribe

    t0 = time.perf_counter()
    load_model(model)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    options = {} if window is None else {"window": window}
    long = transcribe(media, model=model, **options)  # language detected, as `capkit caption` does
    transcribe_s = time.perf_counter() - t0
    errors = words = 0
    for path, text in fixture_set():
        t = transcribe(path, model=model)
        ref = normalise(text)
        errors += round(wer(ref, t.text) * len(ref))
        words += len(ref)
    print("RESULT " + json.dumps({
        "model": model, "load_s": load_s, "transcribe_s": transcribe_s,
        "audio_s": float(long.duration), "words": len(long.words),
        "wer_fixtures": errors / max(1, words), "wer_long": wer(reference, long.text),
    }), flush=True)


def run_child(model: str, media: Path, threads: int | None, seconds: float, window: float | None) -> dict:
    """Run one model in a child process; its figures plus wall time and its own peak RSS
    (``os.wait4`` gives this child's ``ru_maxrss``, unlike ``RUSAGE_CHILDREN``'s maximum over
    every child so far)."""
    import tempfile

    env = dict(os.environ)
    env.setdefault("CAPKIT_CACHE_DIR", str(OUT / "cache"))
    if threads:
        env["CAPKIT_WHISPER_THREADS"] = str(threads)
    cmd = [sys.executable, __file__, "--child", model, str(media), "--seconds", str(seconds)]
    if window is not None:
        cmd += ["--window", str(window)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise SystemExit(f"{model}: the child failed (exit {proc.returncode}):\n{stderr[-2000:]}")
    result = json.loads(lines[-1][7:])
    result["wall_s"] = wall
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "MEDIA"), help=argparse.SUPPRESS)
    parser.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    parser.add_argument("--runs", type=int, default=1, help="median of N runs per model (default 1)")
    parser.add_argument("--seconds", type=float, default=SECONDS,
                        help="length of the long input (default 60; 600 or more shows that memory "
                             "stays flat as transcription streams 5-minute windows)")
    parser.add_argument("--window", type=float, default=None,
                        help="seconds of sound transcribed at a time (default: transcribe()'s own)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CTranslate2 threads (default: CAPKIT_WHISPER_THREADS or CTranslate2's own)")
    args = parser.parse_args()
    if args.child:
        _, reference = long_input(args.seconds)
        child(args.child[0], Path(args.child[1]), reference, args.window)
        return 0

    media, _ = long_input(args.seconds)
    cpus = os.cpu_count()
    load_before = os.getloadavg()
    print(f"input: {media.relative_to(ROOT)}; {cpus} CPUs; load average before "
          f"{load_before[0]:.2f} (above {cpus} means other work shared the CPU)")
    results: dict[str, dict] = {}
    for model in args.models:
        runs = [run_child(model, media, args.threads, args.seconds, args.window) for _ in range(args.runs)]
        best = dict(runs[0])
        for key in ("transcribe_s", "load_s", "wall_s", "peak_rss_mb"):
            best[key] = statistics.median(r[key] for r in runs)
        best["rtf"] = best["audio_s"] / best["transcribe_s"]
        results[model] = best
    load_after = os.getloadavg()

    header = f"{'model':<9} {'audio s':>8} {'load s':>7} {'transcribe s':>13} {'x real time':>12} " \
             f"{'WER set':>8} {'WER long':>9} {'peak RSS':>10}  targets"
    print(header)
    print("-" * len(header))
    ok = True
    for model, r in results.items():
        checks = []
        if model in TARGET_RTF:
            good = r["rtf"] >= TARGET_RTF[model]
            ok &= good
            checks.append(f">= {TARGET_RTF[model]:g}x {'PASS' if good else 'FAIL'}")
        if model in TARGET_RSS_MB:
            good = r["peak_rss_mb"] < TARGET_RSS_MB[model]
            ok &= good
            checks.append(f"< 1 GB {'PASS' if good else 'FAIL'}")
        print(f"{model:<9} {r['audio_s']:>8.1f} {r['load_s']:>7.2f} {r['transcribe_s']:>13.2f} "
              f"{r['rtf']:>11.1f}x {r['wer_fixtures']:>8.1%} {r['wer_long']:>9.1%} "
              f"{r['peak_rss_mb']:>7.0f} MB  {', '.join(checks)}")
    print(f"load average after {load_after[0]:.2f}; int8 on CPU, word timestamps and VAD on; "
          f"runs per model: {args.runs} (median)")
    summary = {"cpus": cpus, "load_before": round(load_before[0], 2), "load_after": round(load_after[0], 2),
               "targets_met": ok}
    for model, r in results.items():
        key = model.replace(".", "_")
        summary[f"{key}_rtf"] = round(r["rtf"], 2)
        summary[f"{key}_wer"] = round(r["wer_fixtures"], 4)
        summary[f"{key}_peak_rss_mb"] = round(r["peak_rss_mb"], 1)
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""How fast the filters are: ms per 1080x1920 frame for every built-in operation on every backend,
beside a plain-numpy implementation of the same operation, and a chain of five.

The numpy column runs the very same operation through the CUDA backend's array code with numpy as
its array module (``ArrayKernels(numpy)``): plain numpy, vectorised, giving the same picture (the
parity tests check it). For the 3D LUT the numpy peer is the direct way, tetrahedral interpolation
per pixel without baking. Backend columns time a whole round trip per frame: upload, the filter,
download (free on the CPU). Prepare work (tables, masks, LUT baking) is done before timing and its
cost is printed separately for the LUT.

Targets on the CPU path: every operation under 10 ms, the 33-point 3D LUT under 20 ms, the
five-filter chain under 30 ms, and numpy at least 3x slower where numpy is the naive way.

Run: .venv/bin/python benchmarks/filters.py [--runs N] [--opencl-cpu]
(``--opencl-cpu`` lets OpenCV use a CPU OpenCL device such as PoCL, which it ignores by default.)
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

W, H = 1080, 1920
CHAIN = ("grade", "lut3d", "vibrance", "vignette", "grain")


def bench_settings(lut_path: str) -> dict[str, dict]:
    """Typical, visible settings for each operation at 1080x1920."""
    return {
        "grade": {"contrast": 1.1, "saturation": 1.2, "brightness": 0.03},
        "exposure": {"stops": 0.5},
        "brightness": {"amount": 0.1},
        "contrast": {"amount": 1.2},
        "saturation": {"amount": 1.3},
        "vibrance": {"amount": 0.5},
        "temperature": {"temperature": 0.3, "tint": 0.1},
        "hue_shift": {"degrees": 30.0},
        "highlights_shadows": {"highlights": -0.4, "shadows": 0.4},
        "curves": {"master": [[0, 0.03], [0.25, 0.2], [0.75, 0.82], [1, 1]], "blue": [[0, 0.05], [1, 0.95]]},
        "lut3d": {"path": lut_path, "interpolation": "tetrahedral"},
        "black_white": {},
        "sepia": {"amount": 0.8},
        "duotone": {},
        "blur": {"radius": 20.0, "kind": "gaussian"},
        "sharpen": {"amount": 0.8, "radius": 1.0},
        "vignette": {"strength": 0.4},
        "grain": {"amount": 0.3},
        "glow": {"threshold": 0.7, "radius": 40.0, "strength": 0.6},
        "chroma_key": {"color": "#00FF00"},
        "skin_smooth": {"amount": 0.6},
        "pixelate": {"size": 24.0},
        "rgb_split": {"amount": 8.0, "glitch": 0.3},
    }


def reference_frame() -> np.ndarray:
    """A 1080x1920 frame with smooth gradients, colour, edges and fine texture (like camera footage)."""
    import cv2

    rng = np.random.default_rng(1)
    small = rng.integers(0, 256, (H // 24, W // 24, 3), dtype=np.uint8)
    img = cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)
    cv2.circle(img, (W // 2, H // 3), 260, (224, 172, 140), -1)  # a face-sized skin patch
    cv2.rectangle(img, (0, H - 500), (W, H), (20, 200, 40), -1)  # a green screen
    noise = rng.normal(0, 4, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def make_lut(folder: Path) -> str:
    from capkit.fx.cube import identity_table, write_cube

    t = identity_table(33)
    look = np.clip(0.5 + (t - 0.5) * 1.15, 0, 1) ** np.array([0.92, 1.0, 1.1])
    look[..., 1] = 0.9 * look[..., 1] + 0.1 * t[..., 0] * t[..., 2]  # a cross-channel term
    path = folder / "bench33.cube"
    write_cube(path, look, "bench look")
    return str(path)


def timed(fn, runs: int) -> float:
    """Median milliseconds of ``runs`` calls after one warm-up."""
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(samples)


def direct_tetrahedral(table: np.ndarray, image: np.ndarray) -> np.ndarray:
    """The naive numpy 3D LUT: tetrahedral interpolation per pixel, no baking."""
    n = table.shape[0]
    x = image.reshape(-1, 3).astype(np.float32) * ((n - 1) / 255.0)
    i = np.minimum(x.astype(np.int32), n - 2)
    f = x - i
    fr, fg, fb = f[:, 0:1], f[:, 1:2], f[:, 2:3]
    ir, ig, ib = i[:, 0], i[:, 1], i[:, 2]

    def c(a, b, d):
        return table[ir + a, ig + b, ib + d]

    hi_rg, lo_rg = np.maximum(fr, fg), np.minimum(fr, fg)
    out = c(0, 0, 0) * (1 - np.maximum(hi_rg, fb)) + c(1, 1, 1) * np.minimum(lo_rg, fb)
    out += c(1, 0, 0) * np.maximum(fr - np.maximum(fg, fb), 0) + c(0, 1, 0) * np.maximum(fg - np.maximum(fr, fb), 0)
    out += c(0, 0, 1) * np.maximum(fb - hi_rg, 0) + c(1, 1, 0) * np.maximum(lo_rg - fb, 0)
    out += c(1, 0, 1) * np.maximum(np.minimum(fr, fb) - fg, 0) + c(0, 1, 1) * np.maximum(np.minimum(fg, fb) - fr, 0)
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8).reshape(image.shape)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="timed runs per backend column (numpy: a third)")
    ap.add_argument("--opencl-cpu", action="store_true", help="let OpenCV use a CPU OpenCL device (PoCL)")
    ap.add_argument("--only", nargs="*", help="operation ids to run (default: all)")
    args = ap.parse_args()
    if args.opencl_cpu:
        os.environ.setdefault("OPENCV_OPENCL_DEVICE", ":CPU:")

    from capkit.fx import filters
    from capkit.fx.backend import detect
    from capkit.fx.chain import FilterChain
    from capkit.fx.cube import read_cube
    from capkit.fx.kernels.cuda import ArrayKernels
    from capkit.fx.lut3d import bake
    from capkit.model.items import FilterRef

    load_before = os.getloadavg()
    found = detect()
    backends = [name for name, info in found.items() if info.available]
    print(f"frame {W}x{H} RGB, {os.cpu_count()} CPUs, load average {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}")
    for info in found.values():
        print("  " + info.describe())
    image = reference_frame()
    numpy_kernels = ArrayKernels(np, "numpy")

    with tempfile.TemporaryDirectory() as tmp:
        lut_path = make_lut(Path(tmp))
        settings = bench_settings(lut_path)
        t0 = time.perf_counter()
        cube = read_cube(lut_path)
        parse_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        bake(cube, "tetrahedral")
        bake_ms = (time.perf_counter() - t0) * 1000
        ops = args.only or sorted(filters(), key=lambda f: list(settings).index(f) if f in settings else 99)
        rows = {op: {} for op in ops}
        # Backend by backend, not interleaved: an OpenCL runtime on the CPU (PoCL) keeps worker
        # threads spinning for a while after its kernels, which would slow whatever runs next.
        chain_refs = [FilterRef(op, settings[op]) for op in CHAIN]
        chain_row = {}
        # The chain first: a render repeats one chain, so its steady state is the chain's own, not
        # what is left of the heap after twenty other operations.
        for b in backends:
            chain = FilterChain(chain_refs, (W, H), b)
            chain_row[b] = timed(lambda chain=chain: chain.apply(image, 7), args.runs)
            for op in ops:
                chain = FilterChain([FilterRef(op, settings.get(op, {}))], (W, H), b)
                rows[op][b] = timed(lambda chain=chain: chain.apply(image, 7), args.runs)
        header = f"{'operation':20s}" + "".join(f"{b + ' ms':>11s}" for b in backends) + \
            f"{'numpy ms':>11s}{'numpy/cpu':>10s}{'target':>8s}  ok"
        print(header)
        print("-" * len(header))
        for op in ops:
            row = rows[op]
            if op == "lut3d":
                row["numpy"] = timed(lambda: direct_tetrahedral(cube.table, image), max(1, args.runs // 3))
            else:
                chain = FilterChain([FilterRef(op, settings.get(op, {}))], (W, H), numpy_kernels)
                row["numpy"] = timed(lambda chain=chain: chain.apply(image, 7), max(1, args.runs // 3))
            target = 20.0 if op == "lut3d" else 10.0
            row["ratio"] = row["numpy"] / row["cpu"]
            row["ok"] = row["cpu"] < target
            print(f"{op:20s}" + "".join(f"{row[b]:11.2f}" for b in backends)
                  + f"{row['numpy']:11.1f}{row['ratio']:9.1f}x{target:8.0f}  {'yes' if row['ok'] else 'NO'}")

        numpy_chain = FilterChain(chain_refs[:1] + chain_refs[2:], (W, H), numpy_kernels)

        def numpy_five():
            numpy_chain.apply(direct_tetrahedral(cube.table, numpy_chain.apply(image, 7)), 7)

        chain_row["numpy"] = timed(numpy_five, max(1, args.runs // 3))
        chain_row["ratio"] = chain_row["numpy"] / chain_row["cpu"]
        chain_row["ok"] = chain_row["cpu"] < 30.0
        print("-" * len(header))
        print(f"{'chain of 5':20s}" + "".join(f"{chain_row[b]:11.2f}" for b in backends)
              + f"{chain_row['numpy']:11.1f}{chain_row['ratio']:9.1f}x{30:8.0f}  {'yes' if chain_row['ok'] else 'NO'}")
        print(f"  chain: {' -> '.join(CHAIN)}")
        print(f"  33-point LUT: parse {parse_ms:.0f} ms, bake (tetrahedral, once per file) {bake_ms:.0f} ms")

    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(json.dumps({
        "benchmark": "filters",
        "frame": f"{W}x{H}",
        "backends": backends,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "ms": {op: {k: round(v, 2) for k, v in row.items() if k not in ("ok",)} for op, row in rows.items()},
        "chain5_ms": {k: round(v, 2) for k, v in chain_row.items() if k != "ok"},
        "lut33_bake_ms": round(bake_ms),
        "all_ops_under_target": all(r["ok"] for r in rows.values()),
        "chain5_under_30ms": chain_row["ok"],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

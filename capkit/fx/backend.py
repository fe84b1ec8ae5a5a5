"""Which backend runs the filters: detection at first use, automatic choice, CAPKIT_DEVICE override.

Three backends implement the kernel primitives (:mod:`capkit.fx.kernels`): ``cpu`` (numpy and
OpenCV on host arrays), ``opencl`` (the same OpenCV calls on ``cv2.UMat``) and ``cuda`` (CuPy on a
CUDA device). :func:`detect` finds which of them work here and on what device; :func:`choose`
picks one: ``CAPKIT_DEVICE=cpu|opencl|cuda`` if set, otherwise CUDA if present, then OpenCL on a
real GPU, otherwise the CPU. OpenCL on a CPU device (PoCL, Intel's CPU runtime) is not chosen
automatically: it runs the same cores as the CPU backend, with copies and kernel launches on top.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np

from capkit.errors import RenderError
from capkit.fx.kernels.base import Kernels

NAMES = ("cpu", "opencl", "cuda")
ENV = "CAPKIT_DEVICE"


@dataclass(frozen=True)
class BackendInfo:
    name: str
    available: bool
    device: str = ""  # what it runs on, e.g. "pthread-skylake (PoCL, CPU)"
    gpu: bool = False
    reason: str = ""  # why it is not available

    def describe(self) -> str:
        if not self.available:
            return f"{self.name}: not available ({self.reason})"
        return f"{self.name}: {self.device}" + (" [GPU]" if self.gpu else "")


_lock = threading.Lock()
_detected: dict[str, BackendInfo] | None = None
_kernels: dict[str, Kernels] = {}


def _smoke(k: Kernels) -> None:
    """A tiny round trip through a few primitives: a backend that cannot do this is not used."""
    a = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    out = k.download(k.add_weighted(k.lut(k.upload(a), np.arange(256, dtype=np.uint8)), 1.0,
                                    k.upload(a), 0.0))
    if not np.array_equal(out, a):
        raise RuntimeError("a test frame came back changed")


def _detect_opencl() -> BackendInfo:
    try:
        import cv2

        if not cv2.ocl.haveOpenCL():
            return BackendInfo("opencl", False, reason="OpenCV found no OpenCL platform or device")
        cv2.ocl.setUseOpenCL(True)
        dev = cv2.ocl.Device.getDefault()
        if not dev.available():
            hint = os.environ.get("OPENCV_OPENCL_DEVICE")
            return BackendInfo("opencl", False, reason=(
                f"OpenCV selected no OpenCL device (OPENCV_OPENCL_DEVICE={hint!r})" if hint else
                "OpenCV found an OpenCL platform but no GPU device; it uses GPUs only unless "
                "OPENCV_OPENCL_DEVICE=:CPU: is set (e.g. for PoCL)"))
        gpu = bool(dev.type() & 4)  # CL_DEVICE_TYPE_GPU
        kind = "GPU" if gpu else ("CPU" if dev.type() & 2 else "accelerator")
        device = f"{dev.name()} ({dev.vendorName().strip()}, {kind}, OpenCL {dev.OpenCLVersion()})"
        from capkit.fx.kernels.opencl import OpenclKernels

        k = OpenclKernels(device)
        _smoke(k)
        _kernels["opencl"] = k
        return BackendInfo("opencl", True, device, gpu)
    except Exception as err:  # a broken driver must not stop the CPU path
        return BackendInfo("opencl", False, reason=f"OpenCL failed its self-test: {err}")


def _detect_cuda() -> BackendInfo:
    cv_devices = 0
    try:
        import cv2

        cv_devices = cv2.cuda.getCudaEnabledDeviceCount()
    except Exception:  # an OpenCV without the cuda module: only used for the message below
        pass
    try:
        import cupy
    except ImportError:
        if cv_devices:
            return BackendInfo("cuda", False, reason=f"OpenCV sees {cv_devices} CUDA device(s) but capkit's "
                                                     "CUDA kernels use CuPy, which is not installed")
        return BackendInfo("cuda", False, reason="CuPy is not installed and OpenCV has no CUDA device")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return BackendInfo("cuda", False, reason="CuPy found no CUDA device")
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
        from capkit.fx.kernels.cuda import cupy_kernels

        k = cupy_kernels(f"{name} (CuPy {cupy.__version__})")
        _smoke(k)
        _kernels["cuda"] = k
        return BackendInfo("cuda", True, k.device, True)
    except Exception as err:
        return BackendInfo("cuda", False, reason=f"CUDA failed its self-test: {err}")


_M_TOP_PAD = -2  # glibc mallopt parameter
TOP_PAD_BYTES = 64 * 1024 * 1024


def _keep_freed_frame_memory() -> bool:
    """Ask glibc to keep 64 MB of freed heap mapped instead of handing it back to the system.

    Every primitive returns a new multi-megabyte frame; without padding, glibc gives such memory
    back to the kernel on free and the next frame page-faults all of it in again, which measured
    at 2-3x the cost of the arithmetic on 1080x1920 frames (e.g. a masked blend: 11 ms -> 3.4 ms).
    The padding bounds what is kept, so memory use does not grow with the length of a render.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_TOP_PAD, TOP_PAD_BYTES))
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return False


def detect(refresh: bool = False) -> dict[str, BackendInfo]:
    """Every backend by name with whether it works here and on what device (cached)."""
    global _detected
    with _lock:
        if _detected is None or refresh:
            import cv2

            from capkit.fx.kernels.cpu import CpuKernels

            _keep_freed_frame_memory()
            cpu = BackendInfo("cpu", True, f"{os.cpu_count()} cores, {cv2.getNumThreads()} OpenCV threads")
            _kernels["cpu"] = CpuKernels(cpu.device)
            _detected = {"cpu": cpu, "opencl": _detect_opencl(), "cuda": _detect_cuda()}
        return dict(_detected)


def choose(requested: str | None = None) -> str:
    """The backend to use: ``requested`` (or ``$CAPKIT_DEVICE``) if given, else the automatic choice."""
    want = (requested if requested is not None else os.environ.get(ENV, "")).strip().lower() or "auto"
    if want not in ("auto",) + NAMES:
        raise RenderError(f"{ENV} must be one of auto, cpu, opencl, cuda (got {want!r})")
    found = detect()
    if want == "auto":
        if found["cuda"].available:
            return "cuda"
        if found["opencl"].available and found["opencl"].gpu:
            return "opencl"
        return "cpu"
    info = found[want]
    if not info.available:
        usable = "; ".join(i.describe() for i in found.values() if i.available)
        how = f"{ENV}={want}" if requested is None else f"backend {want!r}"
        raise RenderError(f"{how} asked for the {want} filter backend, which is not available here: "
                          f"{info.reason}. Available: {usable}.")
    return want


def kernels(name: str | None = None) -> Kernels:
    """The primitives of backend ``name`` (default: :func:`choose`'s pick)."""
    return _kernels[choose(name)]


def report() -> list[str]:
    """One line per backend, for ``capkit doctor``."""
    found = detect()
    try:
        chosen = choose()
    except RenderError as err:
        return [i.describe() for i in found.values()] + [str(err)]
    return [i.describe() + ("  <- used" if i.name == chosen else "") for i in found.values()]

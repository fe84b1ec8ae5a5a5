"""Export: a project to an H.264/AAC MP4, streamed frame by frame.

The job renders frames on the calling thread and encodes them on a second one (the codecs release
the GIL, so decode, composite and encode overlap). Audio is mixed in step with the video: frame n
carries exactly ``floor((n+1)*sr/fps) - floor(n*sr/fps)`` samples, so the sound lasts exactly as long
as the picture at any frame rate. Output goes to a temporary file beside the target and is renamed
over it only when complete; a failure or cancel removes the temporary file and leaves any earlier
file at the target untouched. Memory does not grow with duration.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from capkit.errors import Cancelled, CapkitError, RenderError
from capkit.io import atomic
from capkit.model.project import Project
from capkit.render.plan import RenderPlan, compile_plan
from capkit.progress import CancelToken, Progress, ProgressFn

CONTAINERS = {".mp4": "mp4", ".mov": "mov", ".m4v": "mp4"}


@dataclass(frozen=True)
class ExportSettings:
    width: int | None = None  # None: the project's canvas (or scaled to keep its shape)
    height: int | None = None
    fps: Fraction | None = None
    start: Fraction = Fraction(0)
    end: Fraction | None = None
    video_codec: str = "libx264"
    crf: int = 23
    preset: str = "veryfast"
    profile: str = "high"
    gop_seconds: Fraction = Fraction(1, 2)
    max_bitrate: int | None = None  # bits/s cap (VBV) when a platform sets one
    audio_codec: str = "aac"
    audio_bitrate: int = 192_000
    audio: bool = True
    limiter: bool = True
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    frames: int
    duration: Fraction
    seconds: float  # wall time
    size_bytes: int


def export(
    project: Project,
    out: str | os.PathLike,
    settings: ExportSettings = ExportSettings(),
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``project`` to ``out``. Raises ``Cancelled`` or a ``CapkitError``; never leaves a partial file."""
    target = Path(out)
    fmt = check_output(project, target)
    plan = compile_plan(project, width=settings.width, height=settings.height, fps=settings.fps,
                        start=settings.start, end=settings.end)
    if plan.width % 2 or plan.height % 2:
        raise RenderError(f"output size {plan.width}x{plan.height} must have even sides for H.264")
    tmp = atomic.temp_beside(target, suffix=f".part{target.suffix}")
    started = time.perf_counter()
    try:
        _run(plan, tmp, fmt, settings, progress, cancel or CancelToken(), started)
        atomic.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return ExportResult(target, plan.frame_count, plan.duration, time.perf_counter() - started,
                        target.stat().st_size)


def check_output(project: Project, target: Path) -> str:
    """The container format for ``target``; a RenderError if it cannot or must not be written."""
    fmt = CONTAINERS.get(target.suffix.lower())
    if fmt is None:
        raise RenderError(f"{target.name}: export writes .mp4, .mov or .m4v files; change the output name")
    folder = target.resolve().parent
    if not folder.is_dir():
        raise RenderError(f"cannot write {target}: the folder {folder} does not exist")
    resolved = target.resolve()
    for item in project.items():
        src = getattr(item, "source", None)
        if src is not None and src.path and not src.path.startswith("moviepy:"):
            if Path(src.path).resolve() == resolved:
                raise RenderError(f"{target} is media used by the project; choose another output file")
    return fmt


_DONE = object()


def _run(plan: RenderPlan, tmp: Path, fmt: str, settings: ExportSettings, progress: ProgressFn | None,
         cancel: CancelToken, started: float) -> None:
    from capkit.render.encode import Encoder
    from capkit.render.frames import FrameRenderer

    total = plan.frame_count
    frames: queue.Queue = queue.Queue(maxsize=6)
    failure: list[BaseException] = []
    stop = threading.Event()

    encoder = Encoder(tmp, fmt, plan, settings)

    def encode_loop() -> None:
        try:
            while True:
                got = frames.get()
                if got is _DONE or stop.is_set():
                    break
                encoder.write(*got)
            if not stop.is_set():
                encoder.finish()
        except BaseException as err:  # reported on the render thread
            failure.append(err)
            stop.set()
            while True:  # unblock the producer
                with contextlib.suppress(queue.Empty):
                    if frames.get_nowait() is _DONE:
                        break
                    continue
                break

    worker = threading.Thread(target=encode_loop, name="capkit-encode", daemon=True)
    worker.start()
    renderer = FrameRenderer(plan)
    try:
        for n in range(total):
            if cancel.cancelled:
                raise Cancelled()
            if failure:
                break
            frame = renderer.render(n)
            while True:
                try:
                    frames.put((n, frame), timeout=0.2)
                    break
                except queue.Full:
                    if failure or cancel.cancelled:
                        break
            if progress is not None:
                progress(Progress(n + 1, total, time.perf_counter() - started))
        if cancel.cancelled:
            raise Cancelled()
    except BaseException:
        stop.set()
        raise
    finally:
        renderer.close()
        if stop.is_set():
            with contextlib.suppress(queue.Full):
                frames.put_nowait(_DONE)
        else:
            frames.put(_DONE)
        worker.join()
        encoder.close()
    if failure:
        err = failure[0]
        if isinstance(err, CapkitError):
            raise err
        raise RenderError(f"encoding failed: {err}") from err

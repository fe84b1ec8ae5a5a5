"""Export: a project to an H.264/AAC MP4, streamed frame by frame.

The job renders frames on the calling thread and encodes them on a second one (the codecs release
the GIL, so decode, composite and encode overlap). Audio is mixed in step with the video: frame n
carries exactly ``floor((n+1)*sr/fps) - floor(n*sr/fps)`` samples, so the sound lasts exactly as long
as the picture at any frame rate. Output goes to a temporary file beside the target and is renamed
over it only when complete; a failure or cancel removes the temporary file and leaves any earlier
file at the target untouched. Memory does not grow with duration.

Loudness: every export with sound measures the samples it hands to the AAC encoder (ITU-R
BS.1770-4, :mod:`capkit.render.loudness`) and reports them as ``ExportResult.loudness``. With
``loudness_target`` set (LUFS), a first pass mixes the sound alone and measures it, the gain to the
target follows, and the export's mix gets that gain and a true-peak limiter whose ceiling is
``true_peak_max`` less a margin of ``AAC_TRUE_PEAK_MARGIN_DB``. When the limiter would act (the
measured true peak plus the gain is over the ceiling), the gained and limited mix is measured again
and the gain corrected, at most twice more, because limiting takes away some loudness. The
measuring passes decode and mix the sound but no picture (with the true-peak limiter, about 2 % of
the reel benchmark's render time, see docs/performance.md).

``ExportResult.loudness`` is measured before AAC, which does not keep the waveform. Decoding the
file and measuring it again moved the true peak by -0.05 to +0.08 dB for normalised music at 96 to
192 kb/s (+0.23 dB for white noise at 96 kb/s; the 0.5 dB margin covers these) and the integrated
loudness by at most 0.06 LU for music (white noise loses 1.3-1.4 LU: AAC drops its top octave).
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
from capkit.progress import CancelToken, Progress, ProgressFn
from capkit.render.loudness import Loudness
from capkit.render.plan import RenderPlan, compile_plan

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
    limiter: bool = True  # sample-peak limiter at -1 dBFS (always the true-peak one with a loudness target)
    loudness_target: float | None = None  # LUFS integrated, e.g. -14 for short-video platforms; None: off
    true_peak_max: float = -1.0  # dBTP, with a loudness target
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.loudness_target is not None and not -70.0 <= self.loudness_target <= 0.0:
            raise RenderError(f"the loudness target must be between -70 and 0 LUFS, got {self.loudness_target:g}")
        if not -20.0 <= self.true_peak_max <= 0.0:
            raise RenderError(f"the true-peak maximum must be between -20 and 0 dBTP, got {self.true_peak_max:g}")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    frames: int
    duration: Fraction
    seconds: float  # wall time
    size_bytes: int
    loudness: Loudness | None = None  # of the sound sent to the encoder; None without sound
    audio_gain_db: float = 0.0  # gain the loudness target asked for (0 without one)


def export(
    project: Project,
    out: str | os.PathLike,
    settings: ExportSettings = ExportSettings(),
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``project`` to ``out``. Raises ``Cancelled`` or a ``CapkitError``; never leaves a partial file."""
    target, fmt, plan = prepare(project, out, settings)
    started = time.perf_counter()
    with atomic.replacing(target, suffix=f".part{target.suffix}") as tmp:
        loudness, gain_db = _run(plan, tmp, fmt, settings, progress, cancel or CancelToken(), started)
    return ExportResult(target, plan.frame_count, plan.duration, time.perf_counter() - started,
                        target.stat().st_size, loudness, gain_db)


def prepare(project: Project, out: str | os.PathLike, settings: ExportSettings) -> tuple[Path, str, RenderPlan]:
    """The checked target, its container format and the render plan of an export."""
    target = Path(out)
    fmt = check_output(project, target)
    plan = compile_plan(project, width=settings.width, height=settings.height, fps=settings.fps,
                        start=settings.start, end=settings.end)
    if plan.width % 2 or plan.height % 2:
        raise RenderError(f"output size {plan.width}x{plan.height} must have even sides for H.264")
    return target, fmt, plan


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
         cancel: CancelToken, started: float) -> tuple[Loudness | None, float]:
    from capkit.render.encode import Encoder
    from capkit.render.frames import FrameRenderer

    total = plan.frame_count
    frames: queue.Queue = queue.Queue(maxsize=6)
    failure: list[BaseException] = []
    stop = threading.Event()

    meter, gain_db = export_sound(plan, settings, cancel)
    encoder = Encoder(tmp, fmt, plan, settings, mixer=meter)

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
    return (meter.result() if meter is not None else None), gain_db


# --- loudness -------------------------------------------------------------------------------------

# The true-peak limiter's ceiling sits this far under the asked maximum: AAC moves peaks.
AAC_TRUE_PEAK_MARGIN_DB = 0.5
_NORMALISE_TOLERANCE_LU = 0.1
_NORMALISE_EXTRA_PASSES = 2


def normalising_gain(plan: RenderPlan, target: float, true_peak_max: float,
                     cancel: CancelToken | None = None) -> float:
    """The gain (dB) that brings the plan's mix, through the true-peak limiter, to ``target`` LUFS."""
    from capkit.render.loudness import gain_to_target

    raw = measure_mix(plan, cancel=cancel)
    gain = gain_to_target(raw, target)
    if not gain or raw.true_peak_dbtp + gain <= true_peak_max - AAC_TRUE_PEAK_MARGIN_DB:
        return gain  # the limiter will not touch it: the loudness moves by exactly the gain
    for _ in range(_NORMALISE_EXTRA_PASSES):
        got = measure_mix(plan, gain_db=gain, true_peak_max=true_peak_max, cancel=cancel)
        error = gain_to_target(got, target)
        if abs(error) <= _NORMALISE_TOLERANCE_LU:
            break
        gain += error
    return gain


def measure_mix(plan: RenderPlan, *, gain_db: float = 0.0, true_peak_max: float | None = None,
                cancel: CancelToken | None = None) -> Loudness:
    """Loudness of the plan's mix: raw, or with ``gain_db`` and the export's true-peak limiter."""
    from capkit.render.audio_mix import BLOCK, AudioMixer
    from capkit.render.loudness import LoudnessMeter

    if true_peak_max is None:
        mixer = AudioMixer(plan.project, start=plan.start, end=plan.end, limiter=False)
    else:
        mixer = _mixer(plan, gain_db, true_peak_max)
    with mixer:
        meter = LoudnessMeter(mixer.sample_rate, mixer.channels)
        left = mixer.total_samples
        while left > 0:
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            n = min(BLOCK, left)
            meter.add(mixer.read(n))
            left -= n
    return meter.result()


def export_sound(plan: RenderPlan, settings: ExportSettings,
                 cancel: CancelToken | None = None) -> tuple[_Metered | None, float]:
    """The sound an export encodes (None without sound), measured on its way to the encoder, and
    the normalising gain: with a loudness target, the gained mix through the true-peak limiter;
    otherwise the plain mix (sample-peak limiter if ``settings.limiter``)."""
    from capkit.render.audio_mix import AudioMixer

    if not settings.audio:
        return None, 0.0
    if settings.loudness_target is None:
        mixer = AudioMixer(plan.project, start=plan.start, end=plan.end, limiter=settings.limiter)
        return _Metered(mixer), 0.0
    gain_db = normalising_gain(plan, settings.loudness_target, settings.true_peak_max, cancel)
    return _Metered(_mixer(plan, gain_db, settings.true_peak_max)), gain_db


def _mixer(plan: RenderPlan, gain_db: float, true_peak_max: float):
    from capkit.render.audio_mix import AudioMixer

    return AudioMixer(plan.project, start=plan.start, end=plan.end, gain_db=gain_db, true_peak=True,
                      ceiling_db=true_peak_max - AAC_TRUE_PEAK_MARGIN_DB)


class _Metered:
    """A mixer whose output is measured on its way to the encoder."""

    def __init__(self, mixer) -> None:
        from capkit.render.loudness import LoudnessMeter

        self._mixer = mixer
        self._meter = LoudnessMeter(mixer.sample_rate, mixer.channels)

    def read(self, n: int):
        block = self._mixer.read(n)
        self._meter.add(block)
        return block

    def result(self) -> Loudness:
        return self._meter.result()

    def close(self) -> None:
        self._mixer.close()

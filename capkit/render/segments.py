"""Segment-parallel export: one long project rendered in pieces by several processes, joined
without re-encoding.

The frame range is cut at multiples of the GOP (``ExportSettings.gop_seconds`` at the output
rate). The export's GOPs are closed and of fixed length (no scene-cut keyframes), so every piece
starts where the one-process export puts an IDR frame anyway: the joined stream has the same
keyframes, frame count and timestamps as :func:`capkit.render.export.export` makes. Each piece is
rendered by a worker process (``spawn``: safe beside the GUI's and the codecs' threads, and the
same on every OS) that compiles its own plan for its time range and draws its frames with
:class:`~capkit.render.frames.FrameRenderer`, so a frame of a piece is the frame the serial export
draws at that index (times are exact fractions; filters are seeded by the frame index of the
timeline). Pieces are video-only MP4 files encoded with the export's own
:class:`~capkit.render.encode.Encoder` and settings. The pictures are not bit-identical to a serial
render: x264's rate control carries state from frame to frame (the recent frames' complexity and
QPs, the lookahead across the GOP boundary) that a piece starts without. The mean absolute
difference of a frame from the serial file's was at most 0.49 of 255 on the reel benchmark and
1.5 under film grain, the worst case (tests/render/test_segments.py); a single piece is
bit-identical to the serial file.

Sound is not cut: AAC frames overlap and the encoder primes each stream with silence, so joined
AAC pieces would click or leave gaps at every join. The whole range is mixed and encoded once, in
the parent process while the workers render (the same mixer, limiter and loudness normalisation
as the serial export, fed the same per-frame blocks, so the audio is the serial export's audio
sample for sample). At the end the pieces' video packets are re-timestamped into one stream and
interleaved with the audio packets into the output (``+faststart``); nothing is decoded again.

The export contract holds: the output goes to a temporary file beside the target and is renamed
only on success; a failure, ``cancel`` or Ctrl+C (the workers ignore SIGINT; the parent tells them
to stop) stops every worker and removes the pieces and the temporary file; ``progress`` reports
frames done over all pieces.
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import math
import multiprocessing
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from capkit.errors import Cancelled, CapkitError, RenderError
from capkit.io import atomic
from capkit.model.project import Project
from capkit.progress import CancelToken, Progress, ProgressFn
from capkit.render.export import (
    ExportResult,
    ExportSettings,
    export_sound,
    prepare,
)
from capkit.render.loudness import Loudness
from capkit.render.plan import RenderPlan, compile_plan

# Without ``segment_seconds``: one piece per worker, none shorter than MIN_SEGMENT_SECONDS. Every
# piece pays for a seek into its sources (decoding from the keyframe before its start: up to a few
# hundred frames for a long-GOP source), a new renderer and an encoder start-up; more, smaller
# pieces only pay off where their cost varies a lot along the timeline or on many machines.
PIECES_PER_JOB = 1
MIN_SEGMENT_SECONDS = 2


@dataclass(frozen=True)
class Segment:
    index: int
    first: int  # output frame number of the piece's first frame
    frames: int
    start: Fraction  # timeline time of the first frame
    end: Fraction  # timeline time just after the last frame


def plan_segments(plan: RenderPlan, gop_seconds: Fraction, *, jobs: int = 2,
                  segment_seconds: Fraction | float | None = None) -> list[Segment]:
    """The pieces of ``plan``'s range: whole GOPs each (the last one takes what is left)."""
    total = plan.frame_count
    gop = max(1, round(plan.fps * Fraction(gop_seconds)))
    if segment_seconds is None:
        want = max(Fraction(total, max(1, jobs) * PIECES_PER_JOB), MIN_SEGMENT_SECONDS * plan.fps)
        gops = math.ceil(want / gop)
    else:
        seconds = Fraction(segment_seconds).limit_denominator(1_000_000)
        if seconds <= 0:
            raise RenderError(f"the segment length must be positive, got {float(seconds):g} s")
        gops = max(1, round(seconds * plan.fps / gop))
    size = gops * gop
    out = []
    for i, first in enumerate(range(0, total, size)):
        count = min(size, total - first)
        end = plan.end if first + count == total else plan.time_of(first + count)
        out.append(Segment(i, first, count, plan.time_of(first), end))
    return out


def export_segmented(
    project: Project,
    out: str | os.PathLike,
    settings: ExportSettings = ExportSettings(),
    *,
    jobs: int = 2,
    segment_seconds: Fraction | float | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``project`` to ``out`` like :func:`capkit.render.export.export`, with ``jobs`` worker
    processes rendering pieces of about ``segment_seconds`` (whole GOPs; by default one piece
    per worker, at least 2 s each). Raises ``Cancelled`` or a ``CapkitError``; never
    leaves a partial file. Call it from code under ``if __name__ == "__main__":`` (workers are
    spawned, and spawning imports the main module again)."""
    if not isinstance(jobs, int) or jobs < 1:
        raise RenderError(f"the number of parallel jobs must be a whole number of at least 1, got {jobs!r}")
    started = time.perf_counter()
    cancel = cancel or CancelToken()
    target, fmt, plan = prepare(project, out, settings)
    segments = plan_segments(plan, settings.gop_seconds, jobs=jobs, segment_seconds=segment_seconds)
    video = segment_settings(settings, plan)
    with atomic.replacing(target, suffix=f".part{target.suffix}") as tmp:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.segments-", dir=target.resolve().parent))
        try:
            loudness, gain_db, pieces, audio_path = _render(project, plan, segments, video, settings, work,
                                                            min(jobs, len(segments)), progress, cancel, started)
            if cancel.cancelled:
                raise Cancelled()
            join(tmp, fmt, plan.fps, segments, pieces, audio_path)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if cancel.cancelled:
            raise Cancelled()
    return ExportResult(target, plan.frame_count, plan.duration, time.perf_counter() - started,
                        target.stat().st_size, loudness, gain_db)


def segment_settings(settings: ExportSettings, plan: RenderPlan) -> ExportSettings:
    """The settings every piece is encoded with: video only, the plan's size and rate, and the
    encoder already chosen (``auto`` trial-encodes; every piece must use the same one)."""
    from capkit.render import hwenc

    return dataclasses.replace(settings, audio=False, video_codec=hwenc.resolve(settings.video_codec),
                               width=plan.width, height=plan.height, fps=plan.fps)


# --- the parent: workers, sound, progress ---------------------------------------------------------


def _render(project: Project, plan: RenderPlan, segments: list[Segment], video: ExportSettings,
            settings: ExportSettings, work: Path, workers: int, progress: ProgressFn | None,
            cancel: CancelToken, started: float) -> tuple[Loudness | None, float, list[Path], Path | None]:
    ctx = multiprocessing.get_context("spawn")
    reports = ctx.Queue()
    stop = ctx.Event()
    pieces = [work / f"segment-{s.index:05d}.mp4" for s in segments]
    audio_path = work / "audio.mp4" if settings.audio else None
    sound: dict = {}
    audio_stop = threading.Event()

    def encode_sound() -> None:
        try:
            sound["result"] = encode_audio(plan, settings, audio_path, _StopToken(cancel, audio_stop))
        except BaseException as err:  # reported on the calling thread
            sound["error"] = err

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(reports, stop))
    audio_thread = None
    total = plan.frame_count
    done = [0] * len(segments)
    reported = 0
    try:
        futures: dict[Future, int] = {pool.submit(render_segment, project, video, seg, str(path)): seg.index
                                      for seg, path in zip(segments, pieces)}
        if audio_path is not None:
            audio_thread = threading.Thread(target=encode_sound, name="capkit-segment-audio", daemon=True)
            audio_thread.start()
        pending = set(futures)
        while pending or (audio_thread is not None and audio_thread.is_alive()):
            if cancel.cancelled:
                raise Cancelled()
            if "error" in sound:
                raise sound["error"]
            with contextlib.suppress(queue.Empty):
                index, frames = reports.get(timeout=0.1)
                done[index] = max(done[index], frames)
                while True:  # everything already waiting, then one report
                    index, frames = reports.get_nowait()
                    done[index] = max(done[index], frames)
            finished = {f for f in pending if f.done()}
            for f in finished:
                done[futures[f]] = f.result()  # raises the worker's error
            pending -= finished
            count = sum(done)
            if progress is not None and count != reported:
                reported = count
                progress(Progress(count, total, time.perf_counter() - started))
        if audio_thread is not None:
            audio_thread.join()
            if "error" in sound:
                raise sound["error"]
    except BaseException as err:
        stop.set()
        audio_stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        if audio_thread is not None:
            audio_thread.join()
        if isinstance(err, BrokenProcessPool):
            raise RenderError(f"a render worker process stopped unexpectedly: {err}") from None
        raise
    pool.shutdown(wait=True)
    reports.close()
    if progress is not None and reported != total:
        progress(Progress(total, total, time.perf_counter() - started))
    loudness, gain_db = sound.get("result", (None, 0.0))
    return loudness, gain_db, pieces, audio_path


class _StopToken(CancelToken):
    """Cancelled when the user's token is, or when the parent stops the work for another reason."""

    def __init__(self, user: CancelToken, stop) -> None:
        super().__init__()
        self._user, self._stop = user, stop

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set() or self._user.cancelled

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()


def encode_audio(plan: RenderPlan, settings: ExportSettings, path: Path,
                 cancel: CancelToken) -> tuple[Loudness, float]:
    """The export's sound for the plan's whole range as an AAC-in-MP4 file: the same mixer, gain,
    limiter and per-frame blocks as the serial export (:func:`~capkit.render.export.export_sound`,
    :class:`~capkit.render.encode.AudioTrack`), measured the same way. Returns (loudness of what was
    encoded, normalising gain in dB)."""
    import av

    from capkit.render.encode import AudioTrack

    sound, gain_db = export_sound(plan, dataclasses.replace(settings, audio=True), cancel)
    try:
        try:
            container = av.open(str(path), mode="w", format="mp4")
        except av.FFmpegError as err:
            raise RenderError(f"cannot create {path}: {err}") from None
        with container:
            track = AudioTrack(container, plan, settings, sound)
            for n in range(plan.frame_count):
                if n % 64 == 0 and cancel.cancelled:
                    raise Cancelled()
                track.write(n)
            track.finish()
    finally:
        sound.close()
    return sound.result(), gain_db


# --- the workers ----------------------------------------------------------------------------------

_REPORTS = None
_STOP = None


def _worker_init(reports, stop) -> None:
    global _REPORTS, _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle: it stops us
    # Progress reports are best effort: a worker must not wait at exit for the parent to read
    # them (it stops reading when it stops the work), and a finished piece counts in full anyway.
    reports.cancel_join_thread()
    _REPORTS, _STOP = reports, stop


_DONE = object()


def render_segment(project: Project, settings: ExportSettings, seg: Segment, path: str | os.PathLike) -> int:
    """Render and encode one piece to a video-only MP4 at ``path``; returns its frame count.

    The job a worker process runs, and the unit to hand to other machines: ``settings`` should
    give the output's size, rate and a concrete encoder (as :func:`export_segmented` makes them),
    so that every piece is encoded alike; the sound is ignored (it is encoded once, apart)."""
    settings = dataclasses.replace(settings, audio=False)
    plan = compile_plan(project, width=settings.width, height=settings.height, fps=settings.fps,
                        start=seg.start, end=seg.end)
    if plan.frame_count != seg.frames:
        raise RenderError(f"segment {seg.index} has {plan.frame_count} frames instead of {seg.frames}")
    try:
        _encode_frames(plan, Path(path), settings, seg)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return seg.frames


def _stopped() -> bool:
    return _STOP is not None and _STOP.is_set()


def _encode_frames(plan: RenderPlan, path: Path, settings: ExportSettings, seg: Segment) -> None:
    """Render on this thread, encode on another (as the serial export does: the codecs release the
    GIL, so drawing and encoding overlap)."""
    from capkit.render.encode import Encoder
    from capkit.render.frames import FrameRenderer

    frames: queue.Queue = queue.Queue(maxsize=6)
    failure: list[BaseException] = []
    encoder = Encoder(path, "mp4", plan, settings)

    def encode_loop() -> None:
        try:
            while True:
                got = frames.get()
                if got is _DONE:
                    break
                if _stopped():  # cancelled: drain the queue, skip the encoder's flush
                    continue
                encoder.write(*got)
            if not _stopped():
                encoder.finish()
        except BaseException as err:
            failure.append(err)
            while frames.get() is not _DONE:  # let the producer finish
                pass

    worker = threading.Thread(target=encode_loop, name="capkit-segment-encode", daemon=True)
    worker.start()
    renderer = FrameRenderer(plan)
    try:
        for n in range(seg.frames):
            if _stopped():
                raise Cancelled()
            if failure:
                break
            frames.put((n, renderer.render(n)))
            if _REPORTS is not None:
                _REPORTS.put((seg.index, n + 1))
    finally:
        frames.put(_DONE)
        worker.join()
        renderer.close()
        encoder.close()
    if failure:
        err = failure[0]
        if isinstance(err, CapkitError):
            raise err
        raise RenderError(f"encoding failed: {err}") from err


# --- the join -------------------------------------------------------------------------------------


def join(tmp: Path, fmt: str, fps: Fraction, segments: list[Segment], pieces: list[Path],
         audio: Path | None) -> None:
    """Write the pieces' video packets, re-timestamped to one stream, and the audio file's packets
    into ``tmp`` (fast start), interleaved by decode time. Nothing is decoded or encoded."""
    import av

    opened = av.open(str(pieces[0]))
    sound = av.open(str(audio)) if audio is not None else None
    try:
        extradata = opened.streams.video[0].codec_context.extradata
        with av.open(str(tmp), mode="w", format=fmt, options={"movflags": "+faststart"}) as out:
            v_out = out.add_stream_from_template(opened.streams.video[0])
            streams = [_video_packets(opened, v_out, fps, segments, pieces, extradata)]
            if sound is not None:
                a_out = out.add_stream_from_template(sound.streams.audio[0])
                streams.append(_audio_packets(sound, a_out))
            for packet in heapq.merge(*streams, key=lambda p: p.dts * p.time_base):
                out.mux(packet)
    finally:
        opened.close()
        if sound is not None:
            sound.close()


def _video_packets(first, stream, fps: Fraction, segments: list[Segment], pieces: list[Path], extradata):
    import av

    frame_tb = 1 / fps
    last_dts = None
    for seg, path in zip(segments, pieces):
        container = first if seg.index == 0 else av.open(str(path))
        try:
            src = container.streams.video[0]
            if src.codec_context.extradata != extradata:
                raise RenderError(f"segment {seg.index} was encoded with other stream headers "
                                  "(SPS/PPS); it cannot be joined without re-encoding")
            tb = src.time_base
            seen = 0
            for packet in container.demux(src):
                if packet.dts is None or packet.pts is None:
                    continue  # the demuxer's end-of-stream packet
                pts, dts = _frames(packet.pts * tb * fps), _frames(packet.dts * tb * fps)
                packet.stream = stream
                packet.time_base = frame_tb
                packet.pts, packet.dts = pts + seg.first, dts + seg.first
                packet.duration = 1
                if last_dts is not None and packet.dts <= last_dts:
                    raise RenderError(f"segment {seg.index}: decode times do not follow on from the segment before")
                last_dts = packet.dts
                seen += 1
                yield packet
            if seen != seg.frames:
                raise RenderError(f"segment {seg.index} holds {seen} frames instead of {seg.frames}")
        finally:
            if container is not first:
                container.close()


def _audio_packets(container, stream):
    src = container.streams.audio[0]
    for packet in container.demux(src):
        if packet.dts is None:
            continue
        packet.stream = stream
        yield packet


def _frames(x: Fraction) -> int:
    n = round(x)
    if abs(x - n) > Fraction(1, 100):
        raise RenderError(f"a segment's timestamp {float(x):.3f} is not on the frame grid")
    return n


__all__ = ["MIN_SEGMENT_SECONDS", "PIECES_PER_JOB", "Segment", "encode_audio", "export_segmented", "join",
           "plan_segments", "render_segment", "segment_settings"]

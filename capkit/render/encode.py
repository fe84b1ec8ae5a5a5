"""The encoder side of an export: PyAV streams, conversion to YUV, muxing with fast start.

Video is H.264 yuv420p tagged BT.709 with a closed GOP (libx264, or a hardware encoder found by
:mod:`capkit.render.hwenc` when asked for ``auto``); audio AAC-LC stereo. The moov
atom goes first (``+faststart``) so the file plays while it downloads, as the platforms ask.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from capkit.errors import RenderError
from capkit.model.time import samples_in_frame
from capkit.render import hwenc
from capkit.render.plan import RenderPlan
from capkit.render.yuv import I420Converter


class AudioTrack:
    """An AAC stream fed from a mixer, one video frame's worth of samples at a time, so sound and
    picture stay the same length at any frame rate."""

    def __init__(self, container, plan: RenderPlan, settings, mixer) -> None:
        self.container = container
        self.plan = plan
        self.mixer = mixer
        self.sample_rate = plan.project.settings.sample_rate
        stream = container.add_stream(settings.audio_codec, rate=self.sample_rate)
        stream.layout = "stereo"
        stream.bit_rate = settings.audio_bitrate
        self.stream = stream
        self._pts = 0

    def write(self, n: int) -> None:
        """The samples that belong to video frame ``n``."""
        count = samples_in_frame(n, self.sample_rate, self.plan.fps)
        if count:
            block = np.ascontiguousarray(self.mixer.read(count), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.sample_rate = self.sample_rate
            frame.pts = self._pts
            frame.time_base = Fraction(1, self.sample_rate)
            self._pts += count
            self.container.mux(self.stream.encode(frame))

    def finish(self) -> None:
        self.container.mux(self.stream.encode(None))


class Encoder:
    """Video (and, when ``mixer`` is given, sound from it) into one file. The mixer is closed with
    the encoder."""

    def __init__(self, path: Path, fmt: str, plan: RenderPlan, settings, mixer=None) -> None:
        self.plan = plan
        self.settings = settings
        try:
            self.container = av.open(str(path), mode="w", format=fmt, options={"movflags": "+faststart"})
        except av.FFmpegError as err:
            raise RenderError(f"cannot create {path}: {err}") from None
        fps = plan.fps
        gop = max(1, round(fps * settings.gop_seconds))
        codec = hwenc.resolve(settings.video_codec)
        options = hwenc.options(codec, crf=settings.crf, preset=settings.preset, profile=settings.profile, gop=gop,
                                max_bitrate=settings.max_bitrate)
        self.codec = codec
        try:
            vs = self.container.add_stream(codec, rate=fps, options=options)
        except (av.FFmpegError, ValueError) as err:
            raise RenderError(f"video encoder {codec!r} is not available: {err}") from None
        vs.width, vs.height = plan.width, plan.height
        vs.pix_fmt = "yuv420p"
        # Frames carry their own time base: the muxer changes the stream's (mp4 uses 1/15360)
        # once the header is written, so it must not be read back per frame.
        self._frame_tb = 1 / fps
        cc = vs.codec_context
        cc.thread_type = "AUTO"
        cc.colorspace = 1  # BT.709 (AVCOL_SPC_BT709)
        cc.color_primaries = 1
        cc.color_trc = 1
        cc.color_range = 1  # limited ("tv") range
        self.video = vs
        self._to_yuv = I420Converter(plan.width, plan.height)
        self.mixer = mixer
        self.audio = AudioTrack(self.container, plan, settings, mixer) if mixer is not None else None

    def write(self, n: int, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(self._to_yuv(rgb), format="yuv420p")
        frame.pts = n
        frame.time_base = self._frame_tb
        frame.colorspace = 1
        frame.color_range = 1
        self.container.mux(self.video.encode(frame))
        if self.audio is not None:
            self.audio.write(n)

    def finish(self) -> None:
        self.container.mux(self.video.encode(None))
        if self.audio is not None:
            self.audio.finish()

    def close(self) -> None:
        try:
            self.container.close()
        finally:
            if self.mixer is not None:
                self.mixer.close()

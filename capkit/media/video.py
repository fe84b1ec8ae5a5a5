"""Frame-accurate video decoding: the picture a source shows at any time.

This module owns :class:`VideoReader`, the only way the rest of capkit gets pixels out of a video
file. It answers "which frame is on screen at source time t" with one rule for every source,
constant or variable frame rate: the last frame whose presentation time is <= t. Time 0 is the
first frame (``MediaInfo.start_time``), so files whose timestamps start late read like any other.

Playback and export ask for times in increasing order, so the reader keeps decoding forward from
where it is and only seeks for backward jumps or long forward jumps. Repeated requests for the
frame already on screen (slow motion, a still held on the timeline) cost nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av
import av.error
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from capkit.errors import MediaError
from capkit.media.probe import (
    MediaInfo,
    damaged_error,
    frame_pts,
    open_container,
    pick_video_stream,
    probe,
)

# Decoding forward this far is cheaper than a seek plus the decode from the keyframe before the
# target, for the GOP lengths cameras and phones write (0.5-2 s).
FORWARD_DECODE_LIMIT = Fraction(2)

# When a seek lands after the target (some demuxers index keyframes by decode time, which runs
# ahead of presentation time with B-frames), seek again this much earlier, doubling each time.
_SEEK_BACKOFF = Fraction(1)

_ROTATE = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


@dataclass
class _Decoded:
    """A decoded frame and, once someone asked for it, its RGB pixels."""

    pts: int  # stream ticks
    frame: av.VideoFrame | None
    pixels: np.ndarray | None = None


class VideoReader:
    """Random and sequential access to the frames of one video file.

    Frames come back as read-only RGB uint8 arrays of shape (H, W, 3), rotated for display and
    scaled to ``size`` when given. They are shared with the reader's cache, hence read-only:
    copy one before drawing on it. One reader serves one thread.
    """

    def __init__(self, path: str | Path, *, size: tuple[int, int] | None = None) -> None:
        self.info: MediaInfo = probe(path)
        self.path = self.info.path
        video = self.info.video
        if self.info.kind != "video" or video is None:
            hint = "load it with load_image" if self.info.kind == "image" else "use it as audio"
            raise MediaError(f"{self.path} has no video stream: {hint} instead.")
        if size is None:
            size = (video.display_width, video.display_height)
        elif len(size) != 2 or min(int(size[0]), int(size[1])) < 1:
            raise ValueError(f"size must be (width, height) in pixels, got {size!r}")
        self.size: tuple[int, int] = (int(size[0]), int(size[1]))
        self._rotate = _ROTATE.get(video.rotation)
        # swscale sees the stored picture, before it is turned upright.
        width, height = self.size
        self._scaled = (height, width) if video.rotation in (90, 270) else (width, height)
        self._reformatter = VideoReformatter()

        self._container = open_container(self.path)
        self._open_stream()
        self._origin = _ticks_floor(self.info.start_time, self._time_base)
        self._forward_limit = _ticks_floor(FORWARD_DECODE_LIMIT, self._time_base)
        self._frames: Iterator[tuple[int, av.VideoFrame]] = self._decode()
        self._shown: _Decoded | None = None  # the frame on screen for the last request
        self._ahead: tuple[int, av.VideoFrame] | None = None  # the next frame, already decoded
        self._eof = False
        self._at_start = True  # positioned at the file's start without having decoded anything

    def frame_at(self, t: Fraction | int) -> np.ndarray:
        """The frame on screen at source time ``t`` seconds: the last one whose timestamp <= t.

        ``t`` is rounded to the stream's tick first (see ``_target_ticks``) and clamped to the
        first and last frame.
        """
        self._check_open()
        target = self._target_ticks(t)
        shown = self._shown
        if shown is not None and shown.pts <= target and self._ahead_is_after(target):
            return self._pixels(shown)
        if shown is not None:
            position = shown.pts
        elif self._at_start:
            position = self._origin
        else:
            position = None
        if position is not None and position <= target <= position + self._forward_limit:
            self._advance(target)
        else:
            self._seek(target)
        assert self._shown is not None
        return self._pixels(self._shown)

    def close(self) -> None:
        """Release the file and decoder; safe to call twice."""
        if self._container is not None:
            self._container.close()
            self._container = None
            self._shown = None
            self._ahead = None

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._container is None:
            raise ValueError(f"VideoReader for {self.path} is closed")

    def _open_stream(self) -> None:
        stream = pick_video_stream(self._container)
        if stream is None:
            raise MediaError(f"Cannot decode {self.path}: its video stream has no usable decoder.")
        # Frame threading: several frames decode at once. PyAV's default (slice threads only) is
        # several times slower on the H.264/HEVC that phones write.
        stream.codec_context.thread_type = "AUTO"
        self._stream = stream
        self._time_base = Fraction(stream.time_base)
        fps = self.info.video.fps if self.info.video else Fraction(0)
        self._nominal_ticks = max(1, round(1 / (fps * self._time_base))) if fps else 1

    def _target_ticks(self, t: Fraction | int) -> int:
        # Containers store times rounded to their tick (Matroska: 1 ms), so a frame meant for
        # exactly t may carry a stamp up to half a tick later; round t to the nearest tick.
        source_time = self.info.start_time + Fraction(t)
        ticks = math.floor(source_time / self._time_base + Fraction(1, 2))
        return max(ticks, self._origin)

    def _ahead_is_after(self, target: int) -> bool:
        if self._ahead is None:
            return self._eof
        return self._ahead[0] > target

    def _advance(self, target: int) -> None:
        """Decode forward until the frame on screen at ``target`` is known."""
        self._at_start = False
        while True:
            if self._ahead is None:
                if self._eof:
                    break
                self._ahead = next(self._frames, None)
                if self._ahead is None:
                    self._eof = True
                    break
            pts, frame = self._ahead
            if pts > target and self._shown is not None:
                break
            # The first frame is shown even when it starts after the target: times before the
            # first decodable frame clamp to it.
            self._shown = _Decoded(pts, frame)
            self._ahead = None
        if self._shown is None:
            raise MediaError(
                f"Cannot decode {self.path}: no picture could be decoded; the file is damaged. "
                "Copy or export it again."
            )

    def _seek(self, target: int) -> None:
        """Jump to the keyframe before ``target`` and decode forward to it."""
        backoff = 0
        one_step = _ticks_floor(_SEEK_BACKOFF, self._time_base)
        while True:
            seek_to = target - backoff
            if seek_to <= self._origin:
                self._restart()
                break
            self._reposition()
            try:
                self._container.seek(seek_to, stream=self._stream, backward=True)
            except av.error.FFmpegError:
                self._restart()  # a stream that cannot seek is read from the top
                break
            first = next(self._frames, None)
            if first is not None and first[0] <= target:
                self._ahead = first
                break
            # Landed after the target, or past the last frame: MPEG-TS seeks by a timestamp
            # search that overshoots, MP4 indexes keyframes by decode time. Try earlier.
            backoff = max(2 * backoff, one_step)
        self._advance(target)

    def _restart(self) -> None:
        """Read again from the top. Reopening, not seeking: it is exact for every format."""
        self._container.close()
        self._container = open_container(self.path)
        self._open_stream()
        self._reposition()

    def _reposition(self) -> None:
        """Forget decoded frames; decoding resumes wherever the container now stands."""
        self._shown = None
        self._ahead = None
        self._eof = False
        self._at_start = False
        self._frames = self._decode()

    def _decode(self) -> Iterator[tuple[int, av.VideoFrame]]:
        """Frames in presentation order with strictly increasing timestamps (stream ticks)."""
        last: int | None = None
        stream = self._stream
        try:
            for packet in self._container.demux(stream):
                try:
                    frames = stream.decode(packet)
                except av.error.InvalidDataError:
                    continue  # a damaged packet; FFmpeg resynchronises at the next keyframe
                for frame in frames:
                    pts = frame_pts(frame)
                    if pts is None:
                        if last is None:
                            continue
                        pts = last + (frame.duration or self._nominal_ticks)
                    if last is not None and pts <= last:
                        continue  # a repeated or backwards stamp: keep the first frame for it
                    last = pts
                    yield pts, frame
        except av.error.FFmpegError as err:
            raise damaged_error(self.path, err) from err

    def _pixels(self, decoded: _Decoded) -> np.ndarray:
        if decoded.pixels is None:
            width, height = self._scaled
            rgb = self._reformatter.reformat(
                decoded.frame, width=width, height=height, format="rgb24"
            )
            pixels = rgb.to_ndarray()
            if self._rotate is not None:
                pixels = cv2.rotate(pixels, self._rotate)
            pixels = np.ascontiguousarray(pixels)
            pixels.flags.writeable = False
            decoded.pixels = pixels
            decoded.frame = None  # hand the decoder's buffer back
        return decoded.pixels


def _ticks_floor(seconds: Fraction, time_base: Fraction) -> int:
    return math.floor(seconds / time_base)

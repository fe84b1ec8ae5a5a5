"""Sample-exact audio decoding at the project's rate and channel count.

This module owns :class:`AudioReader`: sound from any file with an audio stream, as float32
planar samples at the requested rate, on a sample grid that does not depend on how it was read.
Time 0 is ``MediaInfo.start_time`` (the first video frame for video files), so sound stays in
sync with :class:`capkit.media.video.VideoReader`; before 0 and after the end there is silence.

Why the grid holds: FFmpeg's resampler is stateful and its output samples sit at input sample
``i`` times out_rate / in_rate from wherever it started. Starting it only at input samples that
are multiples of in_rate / gcd(in_rate, out_rate) puts every start, from the top of the file or
after any seek, on the same output grid. Seeks start well before the target so the decoder
(AAC/MP3 need the previous frame) and the resampler's filter have settled by the first sample
returned. The result matches a read from the top exactly for PCM and MP3; AAC and Opus decoders
carry noise-generator state across frames, so after a seek they match to about 1e-3.

Containers whose clock is coarser than a sample (Matroska's 1 ms) cannot say exactly where a
frame starts; there the codec's fixed frame size (AAC 1024, Opus 960) puts it back on its grid.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av
import av.error
import numpy as np

from capkit.errors import MediaError
from capkit.media.probe import (
    MediaInfo,
    damaged_error,
    frame_pts,
    open_container,
    pick_audio_stream,
    probe,
)

# Decoding forward this far beats a seek; audio decodes at hundreds of times real time.
FORWARD_DECODE_LIMIT = Fraction(2)

# Start decoding this long before a seek target: covers AAC/MP3 decoder warm-up (one to a few
# frames of 1024/1152 samples) and the resampler's filter length with plenty to spare.
_SEEK_PREROLL = Fraction(1, 5)

_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}


class AudioReader:
    """Read any span of a file's sound as float32 samples of shape (channels, n).

    Mono sources play on every output channel at full level; other layouts are mixed to stereo
    with FFmpeg's standard matrix (5.1 -> stereo), and a mono output is the average of that
    stereo mix. One reader serves one thread.
    """

    def __init__(self, path: str | Path, *, sample_rate: int = 48000, channels: int = 2) -> None:
        if sample_rate < 1:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if channels not in _LAYOUTS:
            raise ValueError(f"channels must be one of {sorted(_LAYOUTS)}, got {channels}")
        self.info: MediaInfo = probe(path)
        self.path = self.info.path
        if self.info.audio is None:
            raise MediaError(f"{self.path} has no audio stream: it cannot be used as sound.")
        self.sample_rate = sample_rate
        self.channels = channels
        in_rate = self.info.audio.sample_rate
        step = math.gcd(in_rate, sample_rate)
        self._in_step = in_rate // step  # input samples per resampler restart point
        self._out_step = sample_rate // step  # output samples between restart points
        self._in_rate = in_rate
        # Mono is resampled as mono and copied to every channel afterwards, and a mono output is
        # the average of a stereo mix: FFmpeg's matrix would lower mono by 3 dB on each side of
        # a stereo pair, and raise a centred stereo sound by 3 dB when folding it to mono.
        self._mono_source = self.info.audio.channels == 1
        if self._mono_source:
            self._mid_layout = "mono"
        else:
            self._mid_layout = "stereo" if channels == 1 else _LAYOUTS[channels]
        self._forward_limit = math.floor(FORWARD_DECODE_LIMIT * sample_rate)
        self._preroll = math.floor(_SEEK_PREROLL * sample_rate)

        self._end: int | None = None  # output position just past the last sample, once known
        self._container = open_container(self.path)
        self._open_stream()
        self._restart(reopen=False)
        self.duration: Fraction = self._duration()

    def read(self, start: Fraction | int, n_samples: int) -> np.ndarray:
        """``n_samples`` samples from source time ``start`` (rounded to the nearest sample)."""
        self._check_open()
        if n_samples < 0:
            raise ValueError(f"n_samples must be >= 0, got {n_samples}")
        first = math.floor(Fraction(start) * self.sample_rate + Fraction(1, 2))
        out = np.zeros((self.channels, n_samples), dtype=np.float32)
        lo, hi = max(first, 0), first + n_samples
        if lo >= hi or (self._end is not None and lo >= self._end):
            return out
        if not (self._buf_start <= lo <= self._buf_end + self._forward_limit):
            self._seek(lo)
        self._fill(hi)
        copy_lo, copy_hi = max(lo, self._buf_start), min(hi, self._buf_end)
        if copy_lo < copy_hi:
            mixed = self._buf[:, copy_lo - self._buf_start : copy_hi - self._buf_start]
            out[:, copy_lo - first : copy_hi - first] = mixed
        self._drop_before(lo)
        return out

    def close(self) -> None:
        """Release the file and decoder; safe to call twice."""
        if self._container is not None:
            self._container.close()
            self._container = None

    def __enter__(self) -> AudioReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def end_sample(self) -> int | None:
        """Output position just past the last sample, once a read has reached the end."""
        return self._end

    def _check_open(self) -> None:
        if self._container is None:
            raise ValueError(f"AudioReader for {self.path} is closed")

    def _open_stream(self) -> None:
        stream = pick_audio_stream(self._container)
        if stream is None:
            raise MediaError(f"Cannot decode {self.path}: its audio stream has no usable decoder.")
        self._stream = stream
        self._time_base = Fraction(stream.time_base)
        # Samples per coded frame (AAC 1024, MP3 1152, Opus 960); 0 when it varies (PCM).
        self._frame_size = stream.codec_context.frame_size or 0
        self._grid_phase = 0

    def _duration(self) -> Fraction:
        stream = self._stream
        if stream.duration and stream.time_base is not None:
            end = (stream.duration + (stream.start_time or 0)) * self._time_base
            return max(Fraction(0), end - self.info.start_time)
        return self.info.duration or Fraction(0)

    def _restart(self, *, reopen: bool = True) -> None:
        """Position at the top of the file (reopening it: seeking to 0 skips AAC priming)."""
        if reopen:
            self._container.close()
            self._container = open_container(self.path)
            self._open_stream()
        self._first_pts: int | None = None
        self._chunks = self._decode(from_top=True)
        self._buf = np.zeros((self.channels, 0), dtype=np.float32)
        self._eof = False
        # Until the first chunk arrives, everything before it is known to be silence.
        first = next(self._chunks, None)
        if first is None:
            self._eof = True
            self._buf_start = self._buf_end = 0
            self._end = 0
            return
        position, samples = first
        self._buf_start = min(position, 0)
        self._buf = np.zeros((self.channels, position - self._buf_start), dtype=np.float32)
        self._buf_end = position
        self._append(samples)

    def _seek(self, target: int) -> None:
        """Jump so that output sample ``target`` is among the next to be decoded."""
        backoff = self._preroll
        while True:
            seek_time = Fraction(target - backoff, self.sample_rate) + self.info.start_time
            if self._first_pts is None or seek_time <= self._first_pts * self._time_base:
                self._restart()
                return
            try:
                self._container.seek(
                    math.floor(seek_time / self._time_base), stream=self._stream, backward=True
                )
            except av.error.FFmpegError:
                self._restart()  # a stream that cannot seek is read from the top
                return
            self._chunks = self._decode(from_top=False)
            self._eof = False
            first = next(self._chunks, None)
            if first is not None and first[0] <= target:
                break
            # Landed after the target, or past the end: MPEG-TS and MP3 seek by estimate.
            backoff *= 2
        position, samples = first
        self._buf = np.zeros((self.channels, 0), dtype=np.float32)
        self._buf_start = self._buf_end = position
        self._append(samples)

    def _fill(self, until: int) -> None:
        pending = []
        end = self._buf_end
        while end < until and not self._eof:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._eof = True
                self._end = end
                break
            position, samples = chunk
            pending.append(samples)
            end = position + samples.shape[1]
        if pending:
            self._buf = np.concatenate([self._buf, *pending], axis=1)
            self._buf_end = end

    def _append(self, samples: np.ndarray) -> None:
        self._buf = np.concatenate([self._buf, samples], axis=1)
        self._buf_end += samples.shape[1]

    def _drop_before(self, position: int) -> None:
        # Keep the last read's span so that reading it again (a loop, a re-render) is free.
        cut = min(max(position - self._buf_start, 0), self._buf.shape[1])
        if cut:
            self._buf = self._buf[:, cut:]
            self._buf_start += cut

    def _decode(self, *, from_top: bool) -> Iterator[tuple[int, np.ndarray]]:
        """Resampled chunks as (output position of first sample, float32 (channels, n))."""
        convert = av.AudioResampler(format="fltp", layout=self._mid_layout, rate=self._in_rate)
        resample = None
        if self._in_rate != self.sample_rate:
            resample = av.AudioResampler(
                format="fltp", layout=self._mid_layout, rate=self.sample_rate
            )
        in_index: int | None = None  # index of the next input sample, counted from the first
        to_skip = 0  # input samples still to drop to reach a resampler restart point
        position: int | None = None  # output position of the next resampled sample
        stream = self._stream
        try:
            for packet in self._container.demux(stream):
                try:
                    frames = stream.decode(packet)
                except av.error.InvalidDataError:
                    continue  # a damaged packet: skip its few milliseconds
                for frame in frames:
                    pts = frame_pts(frame)
                    if self._first_pts is None:
                        self._first_pts = pts if pts is not None else 0
                        if self._frame_size:
                            self._grid_phase = frame.samples % self._frame_size
                    if in_index is None:
                        in_index = self._input_index(pts, from_top)
                        to_skip = (-in_index) % self._in_step
                    for converted in convert.resample(frame):
                        samples = converted.to_ndarray()
                        drop = min(to_skip, samples.shape[1])
                        if drop:
                            samples = samples[:, drop:]
                            to_skip -= drop
                            in_index += drop
                        if not samples.shape[1]:
                            continue
                        if position is None:
                            position = self._output_position(in_index)
                        in_index += samples.shape[1]
                        for chunk in self._rate(resample, samples):
                            yield position, chunk
                            position += chunk.shape[1]
            if resample is not None and position is not None:
                for out in resample.resample(None):
                    chunk = self._channels_out(out.to_ndarray())
                    yield position, chunk
                    position += chunk.shape[1]
        except av.error.FFmpegError as err:
            raise damaged_error(self.path, err) from err

    def _input_index(self, pts: int | None, from_top: bool) -> int:
        """Index of a frame's first sample, counted from the stream's first sample."""
        if from_top or pts is None:
            return 0
        exact = (pts - self._first_pts) * self._time_base * self._in_rate
        if self._frame_size and self._time_base * self._in_rate > 1:
            # The container's tick is longer than a sample (Matroska: 1 ms = 48 samples), so
            # the timestamp is rounded; the codec's fixed frame size says where frames really
            # start. The first frame may be short (encoder delay trimmed), hence the phase.
            frames = round((exact - self._grid_phase) / self._frame_size)
            return self._grid_phase + frames * self._frame_size
        return math.floor(exact + Fraction(1, 2))

    def _output_position(self, in_index: int) -> int:
        first_time = self._first_pts * self._time_base - self.info.start_time
        origin = math.floor(first_time * self.sample_rate + Fraction(1, 2))
        return origin + in_index // self._in_step * self._out_step

    def _rate(self, resample: av.AudioResampler | None, samples: np.ndarray) -> list[np.ndarray]:
        if resample is None:
            return [self._channels_out(samples)] if samples.shape[1] else []
        if not samples.shape[1]:
            return []
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples), format="fltp", layout=self._mid_layout
        )
        frame.sample_rate = self._in_rate
        return [self._channels_out(out.to_ndarray()) for out in resample.resample(frame)]

    def _channels_out(self, samples: np.ndarray) -> np.ndarray:
        if self._mono_source and self.channels > 1:
            return np.repeat(samples[:1], self.channels, axis=0)
        if self.channels == 1 and not self._mono_source:
            return samples.mean(axis=0, keepdims=True, dtype=np.float32)
        return samples


def read_all(path: str | Path, *, sample_rate: int = 48000, channels: int = 2) -> np.ndarray:
    """The whole sound of a file from time 0 to its last sample (for short files and tests)."""
    block = sample_rate * 10
    with AudioReader(path, sample_rate=sample_rate, channels=channels) as reader:
        pieces = []
        position = 0
        while True:
            pieces.append(reader.read(Fraction(position, sample_rate), block))
            position += block
            end = reader.end_sample
            if end is not None and end <= position:
                break
        samples = np.concatenate(pieces, axis=1)
        return np.ascontiguousarray(samples[:, : max(end, 0)])

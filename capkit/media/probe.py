"""What a media file holds: kind, duration, streams, rotation, frame rate.

This module owns :func:`probe` and the facts it reports (:class:`MediaInfo` and its stream
records), plus the small helpers the readers in ``capkit.media`` share: opening a file, picking
its streams, reading frame timestamps, and turning FFmpeg failures into one-line
:class:`~capkit.errors.MediaError` messages.

Probing opens the file with PyAV, reads the container header, and decodes the first frame of the
chosen stream, because that is the only place PyAV 18 exposes the display matrix (rotation) and
the exact first timestamp a reader will see. Still images are probed with Pillow so that EXIF
orientation is honoured the same way :func:`capkit.media.image.load_image` honours it.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container
import av.error
import av.stream

from capkit.errors import MediaError
from capkit.media.image import StillHeader, read_still_header

# A still image has no frame rate; 0 says so without making the field optional.
NO_RATE = Fraction(0)

# How many packets to demux when a container has no full sample index and we need frame
# timestamps to tell constant from variable frame rate (only the first frame is decoded).
_VFR_PACKET_SAMPLE = 240

# H.264/HEVC reorder at most 16 frames, so that many timestamps at the end of a demuxed window
# may be missing their neighbours.
_REORDER_DEPTH = 16

# The first decodable frame must show up within this many packets, otherwise the file is treated
# as damaged rather than read to the end.
_FIRST_FRAME_PACKET_LIMIT = 600


@dataclass(frozen=True)
class VideoStreamInfo:
    """The picture stream of a video file, or the single picture of a still image."""

    width: int  # coded size, as stored
    height: int
    display_width: int  # size after rotation, as a player shows it
    display_height: int
    rotation: int  # degrees clockwise to apply for display: 0, 90, 180 or 270
    fps: Fraction  # average/nominal rate; 0 for still images
    frame_count: int | None  # from the container header, None when it does not say
    vfr: bool  # frame durations vary noticeably
    codec: str
    pix_fmt: str


@dataclass(frozen=True)
class AudioStreamInfo:
    """The sound stream of a file, as stored (readers resample it to the project rate)."""

    sample_rate: int
    channels: int
    layout: str
    codec: str


@dataclass(frozen=True)
class MediaInfo:
    """Everything the editor needs to know about a media file before reading it.

    ``start_time`` is the file's own timestamp (seconds) that capkit calls time 0: the first
    video frame's presentation time, or the first audio sample's for sound-only files. Both
    readers measure from it, so picture and sound of one file stay in sync even when the
    container starts at a non-zero timestamp (MPEG-TS, trimmed MP4s).
    """

    path: Path
    kind: str  # "video" | "image" | "audio"
    duration: Fraction | None  # seconds from time 0 to the end; None for still images
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None
    format_name: str
    start_time: Fraction = Fraction(0)

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly dict: Fractions as ``"num/den"`` strings with float twins."""
        out: dict[str, Any] = {
            "path": str(self.path),
            "kind": self.kind,
            "format_name": self.format_name,
            "duration": _fraction_str(self.duration),
            "duration_seconds": None if self.duration is None else float(self.duration),
            "start_time": _fraction_str(self.start_time),
            "start_time_seconds": float(self.start_time),
            "video": None,
            "audio": None,
        }
        if self.video is not None:
            video = asdict(self.video)
            video["fps"] = _fraction_str(self.video.fps)
            video["fps_float"] = float(self.video.fps)
            out["video"] = video
        if self.audio is not None:
            out["audio"] = asdict(self.audio)
        return out


def probe(path: str | Path) -> MediaInfo:
    """Describe the media file at ``path``; raise :class:`MediaError` if it cannot be used."""
    path = check_exists(path)
    still = read_still_header(path)
    if still is not None:
        return _probe_still(path, still)
    with open_container(path) as container:
        try:
            return _probe_container(path, container)
        except av.error.FFmpegError as err:
            raise damaged_error(path, err) from err


def check_exists(path: str | Path) -> Path:
    """Return ``path`` as a Path, or raise the "not found" MediaError every reader shares."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a media file" if path.is_dir() else "was not found"
        raise MediaError(
            f"Media file {path} {what}: check the path, or relink the media if it moved."
        )
    return path


def open_container(path: Path) -> av.container.InputContainer:
    """Open ``path`` for demuxing, turning FFmpeg's refusal into a MediaError."""
    try:
        return av.open(str(path), mode="r")
    except FileNotFoundError as err:
        raise MediaError(
            f"Media file {path} was not found: check the path, or relink the media if it moved."
        ) from err
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
        raise MediaError(
            f"Cannot open {path}: {_reason(err)}; it is not a media file capkit can read, or it "
            "is damaged. Re-export it as MP4 (H.264 + AAC), WAV, PNG or JPEG."
        ) from err


def damaged_error(path: Path, err: BaseException) -> MediaError:
    """The MediaError for a file that opened but failed while being decoded."""
    return MediaError(
        f"Cannot decode {path}: {_reason(err)}; the file is damaged or incomplete. "
        "Copy or export it again."
    )


def pick_video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The stream an editor means by "the video": the first real picture stream.

    Cover art in music files is stored as a one-picture video stream marked ``attached_pic``;
    it is not video and is skipped.
    """
    for stream in container.streams.video:
        if stream.disposition & av.stream.Disposition.attached_pic:
            continue
        if stream.codec_context is None:
            continue
        return stream
    return None


def pick_audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream | None:
    """The first audio stream that has a decoder."""
    for stream in container.streams.audio:
        if stream.codec_context is not None:
            return stream
    return None


def frame_pts(frame: av.VideoFrame | av.AudioFrame) -> int | None:
    """A decoded frame's presentation time in stream ticks, with FFmpeg's best guess as backup."""
    pts = frame.pts
    if pts is None:
        pts = frame.dts
    return pts


def _first_frame(
    container: av.container.InputContainer, stream: av.stream.Stream
) -> av.VideoFrame | av.AudioFrame | None:
    """Decode from the current position until ``stream`` yields a frame with a timestamp."""
    packets = 0
    for packet in container.demux(stream):
        packets += 1
        try:
            frames = stream.decode(packet)
        except av.error.InvalidDataError:
            frames = []  # one damaged packet; the decoder resynchronises on the next keyframe
        for frame in frames:
            if frame_pts(frame) is not None:
                return frame
        if packets >= _FIRST_FRAME_PACKET_LIMIT:
            return None
    return None


def _probe_container(path: Path, container: av.container.InputContainer) -> MediaInfo:
    video_stream = pick_video_stream(container)
    audio_stream = pick_audio_stream(container)
    if video_stream is None and audio_stream is None:
        raise MediaError(
            f"Cannot use {path}: it holds no video or audio that capkit can decode. "
            "Re-export it as MP4 (H.264 + AAC) or WAV."
        )

    video_info = None
    audio_info = None
    if audio_stream is not None:
        audio_info = _audio_info(audio_stream)
    if video_stream is not None:
        first, durations = _scan_video(container, video_stream)
        if first is None:
            raise MediaError(
                f"Cannot decode {path}: no picture could be decoded from its video stream; the "
                "file is damaged or uses an unsupported codec. Re-export it as MP4 (H.264)."
            )
        start = frame_pts(first) * video_stream.time_base
        video_info = _video_info(video_stream, first, durations)
        kind = "video"
        end = _stream_end(video_stream)
    else:
        first = _first_frame(container, audio_stream)
        if first is None:
            raise MediaError(
                f"Cannot decode {path}: no sound could be decoded from it; the file is damaged "
                "or uses an unsupported codec. Re-export it as WAV or M4A (AAC)."
            )
        start = frame_pts(first) * audio_stream.time_base
        kind = "audio"
        end = _stream_end(audio_stream)
    if end is None and container.duration is not None:
        # Matroska and MPEG-TS often carry no per-stream duration; the container's is the
        # longest stream's, measured from the container start.
        end = Fraction(container.duration + (container.start_time or 0), av.time_base)
    duration = None if end is None else max(Fraction(0), end - start)
    return MediaInfo(
        path=path,
        kind=kind,
        duration=duration,
        video=video_info,
        audio=audio_info,
        format_name=container.format.name,
        start_time=start,
    )


def _stream_end(stream: av.stream.Stream) -> Fraction | None:
    if not stream.duration or stream.time_base is None:
        return None
    return (stream.duration + (stream.start_time or 0)) * stream.time_base


def _video_info(
    stream: av.video.stream.VideoStream, first: av.VideoFrame, durations: list[int]
) -> VideoStreamInfo:
    ctx = stream.codec_context
    width, height = first.width, first.height
    rotation = rotation_from_display_matrix(first.rotation)
    fps = _nominal_rate(stream, durations)
    return VideoStreamInfo(
        width=width,
        height=height,
        display_width=height if rotation in (90, 270) else width,
        display_height=width if rotation in (90, 270) else height,
        rotation=rotation,
        fps=fps,
        frame_count=stream.frames or None,
        vfr=_is_vfr(durations),
        codec=ctx.name,
        pix_fmt=first.format.name,
    )


def rotation_from_display_matrix(ccw_degrees: float | int) -> int:
    """Turn PyAV's ``VideoFrame.rotation`` into capkit's clockwise quarter turns.

    PyAV reports the counter-clockwise angle of FFmpeg's display matrix (a phone's portrait clip
    reads -90, meaning "turn 90 degrees clockwise to show it"). Odd angles are snapped to the
    nearest quarter turn, which is what players do.
    """
    clockwise = (-round(ccw_degrees)) % 360
    return (round(clockwise / 90) * 90) % 360


def _scan_video(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> tuple[av.VideoFrame | None, list[int]]:
    """Decode the first frame, and collect the tick steps between frames on the way.

    MP4/MOV files carry a complete sample index (decode timestamps, which step by the frame
    durations), so the whole file is checked for free. Other containers only index keyframes;
    for them the first few seconds of packets are demuxed (not decoded) in the same pass.
    """
    index = stream.index_entries
    indexed = bool(stream.frames) and len(index) >= stream.frames
    stamps: list[int] = []
    first = None
    packets = 0
    cut_short = False
    for packet in container.demux(stream):
        packets += 1
        if packet.pts is not None:
            stamps.append(packet.pts)
        if first is None:
            try:
                frames = stream.decode(packet)
            except av.error.InvalidDataError:
                frames = []  # one damaged packet; the decoder resynchronises on the next keyframe
            first = next((f for f in frames if frame_pts(f) is not None), None)
            if first is None and packets >= _FIRST_FRAME_PACKET_LIMIT:
                break
        if first is not None and (indexed or len(stamps) >= _VFR_PACKET_SAMPLE):
            cut_short = True
            break
    if indexed:
        stamps = [entry.timestamp for entry in index]
    stamps.sort()
    if cut_short and not indexed:
        # Packets arrive in decode order; a window cut through a B-frame group misses frames
        # whose neighbours it holds, which would look like a long frame at its end.
        stamps = stamps[:-_REORDER_DEPTH]
    return first, [b - a for a, b in zip(stamps, stamps[1:]) if b > a]


def _nominal_rate(stream: av.video.stream.VideoStream, durations: list[int]) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return Fraction(rate)
    if durations and stream.time_base:
        return 1 / (statistics.median(durations) * stream.time_base)
    return NO_RATE


def _is_vfr(durations: list[int]) -> bool:
    """True when some frame lasts noticeably longer or shorter than the typical one.

    Containers round timestamps to their tick (Matroska: 1 ms), so 29.97 fps in Matroska reads as
    33/34/33 ms; two ticks or 10 %, whichever is larger, is treated as rounding, not VFR.
    """
    if len(durations) < 2:
        return False
    typical = statistics.median(durations)
    tolerance = max(2, typical / 10)
    return any(abs(d - typical) > tolerance for d in durations)


def _audio_info(stream: av.audio.stream.AudioStream) -> AudioStreamInfo:
    ctx = stream.codec_context
    layout = ctx.layout
    return AudioStreamInfo(
        sample_rate=ctx.sample_rate,
        channels=layout.nb_channels,
        layout=layout.name,
        codec=ctx.name,
    )


def _probe_still(path: Path, still: StillHeader) -> MediaInfo:
    rotation = still.rotation
    width, height = still.size
    return MediaInfo(
        path=path,
        kind="image",
        duration=None,
        video=VideoStreamInfo(
            width=width,
            height=height,
            display_width=height if still.swaps_axes else width,
            display_height=width if still.swaps_axes else height,
            rotation=rotation,
            fps=NO_RATE,
            frame_count=1,
            vfr=False,
            codec=still.codec,
            pix_fmt=still.pix_fmt,
        ),
        audio=None,
        format_name=still.codec,
    )


def _fraction_str(value: Fraction | None) -> str | None:
    if value is None:
        return None
    return f"{value.numerator}/{value.denominator}"


def _reason(err: BaseException) -> str:
    """FFmpeg's own words for what went wrong, without the errno and repeated path."""
    return getattr(err, "strerror", None) or str(err) or type(err).__name__

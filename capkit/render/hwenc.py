"""Hardware H.264 encoders: found by a trial encode, used when present, libx264 otherwise.

FFmpeg may be built with NVENC (NVIDIA), QSV (Intel), VAAPI (Linux GPUs), VideoToolbox (macOS) or
AMF (AMD on Windows), but a compiled-in encoder only works with its device and driver. So each is
*tried*: a few frames of a small picture are encoded in memory; the first that works is used for
``video_codec="auto"``, with the same limits as libx264 (bitrate cap, closed GOP of the preset's
length, High profile, 2 B-frames). When none works, ``auto`` is libx264, with no error. Naming a
hardware encoder outright (``CAPKIT_ENCODER=h264_nvenc`` or ``video_codec="h264_nvenc"``) that does
not work here is a clear error before any rendering.

VAAPI needs frames uploaded to GPU surfaces, which capkit's in-process encoder does not do yet; it
is reported as found but not used. ``capkit doctor`` prints what was found and why the others
are not used.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass

import av
import numpy as np

from capkit.errors import RenderError

SOFTWARE = "libx264"
HARDWARE = ("h264_nvenc", "h264_videotoolbox", "h264_qsv", "h264_amf", "h264_vaapi")
ENV = "CAPKIT_ENCODER"


@dataclass(frozen=True)
class EncoderStatus:
    name: str
    compiled: bool  # FFmpeg knows the encoder
    usable: bool  # a trial encode worked
    reason: str  # why not, or what it is


_cache: dict[str, EncoderStatus] = {}
_lock = threading.Lock()


def options(codec: str, *, crf: int, preset: str, profile: str, gop: int, max_bitrate: int | None) -> dict[str, str]:
    """Encoder options for the same intent on each encoder: constant quality about ``crf``,
    capped at ``max_bitrate``, a closed GOP of ``gop`` frames with 2 B-frames, ``profile``."""
    common = {"g": str(gop), "bf": "2", "profile": profile}
    cap = {}
    if max_bitrate:
        cap = {"maxrate": str(max_bitrate), "bufsize": str(max_bitrate)}
    if codec == SOFTWARE:
        out = {**common, "crf": str(crf), "preset": preset, "keyint_min": str(gop), "sc_threshold": "0",
               "x264-params": "open-gop=0", **cap}
        if max_bitrate:
            out["x264-params"] += ":vbv-init=0.5"
        return out
    if codec == "h264_nvenc":
        return {**common, "preset": "p5", "rc": "vbr", "cq": str(crf + 3), "b": "0", "strict_gop": "1",
                "forced-idr": "1", "no-scenecut": "1", **cap}
    if codec == "h264_qsv":
        return {**common, "global_quality": str(crf + 3), "look_ahead": "0", "idr_interval": "0", **cap}
    if codec == "h264_videotoolbox":
        target = str(max_bitrate or 12_000_000)
        return {**common, "b": target, "maxrate": target, "realtime": "0", "allow_sw": "0"}
    if codec == "h264_amf":
        return {**common, "rc": "qvbr", "qvbr_quality_level": str(max(1, 51 - crf)), "header_insertion_mode": "gop",
                **cap}
    raise RenderError(f"unknown video encoder {codec!r}; use auto, {SOFTWARE} or one of {', '.join(HARDWARE)}")


def _trial(name: str) -> EncoderStatus:
    if name not in av.codecs_available:
        return EncoderStatus(name, False, False, "not compiled into this FFmpeg")
    if name == "h264_vaapi":
        node = "/dev/dri/renderD128"
        where = "a VAAPI device is present" if os.path.exists(node) else "no VAAPI device (/dev/dri/renderD128)"
        return EncoderStatus(name, True, False, f"{where}; capkit does not upload frames to VAAPI surfaces yet")
    buf = io.BytesIO()
    try:
        with av.open(buf, mode="w", format="mp4") as c:
            s = c.add_stream(name, rate=30, options=options(name, crf=23, preset="fast", profile="high", gop=15,
                                                              max_bitrate=2_000_000))
            s.width, s.height, s.pix_fmt = 256, 256, "yuv420p"
            frame = np.full((256 * 3 // 2, 256), 128, np.uint8)
            for n in range(8):
                f = av.VideoFrame.from_ndarray(frame, format="yuv420p")
                f.pts = n
                c.mux(s.encode(f))
            c.mux(s.encode(None))
    except (av.FFmpegError, ValueError, OSError) as err:
        message = getattr(err, "strerror", None) or (str(err).splitlines() or [type(err).__name__])[0]
        return EncoderStatus(name, True, False, f"no usable device or driver (trial encode: {message})")
    if buf.tell() < 100:
        return EncoderStatus(name, True, False, "trial encode wrote nothing")
    return EncoderStatus(name, True, True, "works")


def status(name: str) -> EncoderStatus:
    """Whether ``name`` works here (the trial runs once per process)."""
    with _lock:
        if name not in _cache:
            _cache[name] = _trial(name) if name != SOFTWARE else EncoderStatus(
                name, SOFTWARE in av.codecs_available, SOFTWARE in av.codecs_available, "software (x264)")
        return _cache[name]


def detect() -> list[EncoderStatus]:
    """Every hardware encoder FFmpeg knows, tried, plus libx264."""
    return [status(n) for n in HARDWARE] + [status(SOFTWARE)]


def resolve(requested: str) -> str:
    """The encoder to use for ``requested`` (``auto``, ``libx264`` or a hardware name);
    ``$CAPKIT_ENCODER`` overrides ``auto``."""
    choice = requested
    if requested == "auto":
        choice = os.environ.get(ENV) or "auto"
    if choice == "auto":
        for name in HARDWARE:
            if status(name).usable:
                return name
        return SOFTWARE
    st = status(choice) if choice in HARDWARE or choice == SOFTWARE else None
    if st is None:
        raise RenderError(f"unknown video encoder {choice!r}; use auto, {SOFTWARE} or one of {', '.join(HARDWARE)}")
    if not st.usable:
        raise RenderError(f"the video encoder {choice} cannot be used here ({st.reason}); use auto or {SOFTWARE}")
    return choice


__all__ = ["ENV", "HARDWARE", "SOFTWARE", "EncoderStatus", "detect", "options", "resolve", "status"]

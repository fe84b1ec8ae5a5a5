"""Media I/O: probing, frame-accurate video, sample-exact audio and still images.

Everything that touches FFmpeg (through PyAV, in-process) or decodes a picture lives here, and
every problem with a user's file surfaces as :class:`capkit.errors.MediaError`. Times are
``fractions.Fraction`` seconds from the media's first frame; frames are RGB uint8 (H, W, 3),
upright; sound is float32 (channels, n).
"""

from capkit.media.audio import AudioReader, read_all
from capkit.media.image import load_image
from capkit.media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo, probe
from capkit.media.video import VideoReader

__all__ = [
    "AudioReader",
    "AudioStreamInfo",
    "MediaInfo",
    "VideoReader",
    "VideoStreamInfo",
    "load_image",
    "probe",
    "read_all",
]

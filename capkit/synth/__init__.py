"""Licence-clean generated media for tests and demos: patterns, tones, music, files.

Nothing here reads user media; it only makes new files, deterministically, so every layer's
tests (and ``capkit demo``) can create the exact media they need.
"""

from capkit.synth.audio import clicks, music_bed, tone, write_audio
from capkit.synth.video import (
    COLORS,
    bitmap_frames,
    frame_index_pattern,
    read_frame_index,
    scene_pattern,
    write_bitmap_video,
    write_video,
)

__all__ = [
    "COLORS",
    "bitmap_frames",
    "clicks",
    "frame_index_pattern",
    "music_bed",
    "read_frame_index",
    "scene_pattern",
    "tone",
    "write_audio",
    "write_bitmap_video",
    "write_video",
]

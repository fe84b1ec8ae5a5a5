"""Media made by the tests themselves, shared by the render tests of one session."""

from fractions import Fraction

import numpy as np
import pytest

from capkit.synth.audio import clicks, tone, write_audio
from capkit.synth.video import frame_index_pattern, write_bitmap_video, write_video


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("render-media")
    out = {}
    # 4x2 blocks of 16 px: a 64x32 landscape picture with a distinct colour in each block.
    out["bitmap"] = write_bitmap_video(d / "bitmap.mp4", [["RGBW", "CMYK"]] * 30, fps=30, scale=16)
    # Frame numbers readable after lossy coding: 90 frames at 30 fps, 128x128.
    out["index"] = write_video(d / "index.mp4", lambda n: frame_index_pattern(128, 128, n), fps=30, n_frames=90)
    # The same picture stored rotated: it must come out upright.
    out["rotated"] = write_bitmap_video(d / "rotated.mp4", [["RG", "BW", "CM"]] * 10, fps=30, scale=16, rotation=90)
    # A flash on frame 45 (1.5 s) and a click at 1.5 s in the sound: for A/V sync checks.
    flash = lambda n: np.full((64, 64, 3), 255 if n == 45 else 0, np.uint8)  # noqa: E731
    out["sync"] = write_video(d / "sync.mp4", flash, fps=30, n_frames=90, audio=clicks([1.5], 3.0))
    out["tone"] = write_audio(d / "tone.wav", tone(440, 4.0, amplitude=0.25))
    return out



@pytest.fixture
def F():
    return Fraction

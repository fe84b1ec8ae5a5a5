"""Opening a clip's source: a media file, or a MoviePy clip registered in this process.

A MediaRef path of the form ``moviepy:<key>`` names a MoviePy clip handed to capkit from a script
(see :mod:`capkit.interop.moviepy`); everything else is a file opened with PyAV.
"""

from __future__ import annotations

from pathlib import Path

from capkit.errors import MediaError

MOVIEPY_PREFIX = "moviepy:"


def open_video(path: str):
    if path.startswith(MOVIEPY_PREFIX):
        from capkit.interop.moviepy import open_moviepy_source

        return open_moviepy_source(path)
    if not Path(path).exists():
        raise MediaError(f"media file not found: {path}; relink it or put it back")
    from capkit.media.video import VideoReader

    return VideoReader(path)

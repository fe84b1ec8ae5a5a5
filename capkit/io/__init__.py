"""Files: the ``.capkit`` project format (with upgrades of older versions), media fingerprints,
and subtitle files (SRT, WebVTT, ASS: :mod:`capkit.io.subtitles`)."""

from capkit.io.project_file import dumps, load, loads, missing_media, relink, save

__all__ = ["dumps", "load", "loads", "missing_media", "relink", "save"]

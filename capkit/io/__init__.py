"""Files: the ``.capkit`` project format (with upgrades of older versions) and media fingerprints."""

from capkit.io.project_file import load, loads, missing_media, relink, save, dumps

__all__ = ["dumps", "load", "loads", "missing_media", "relink", "save"]

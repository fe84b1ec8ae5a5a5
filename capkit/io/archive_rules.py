"""What an archive entry may be, for every archive capkit opens (filter packs, project bundles).

An entry must name a relative path inside the archive (no ``..``, absolute paths, drive letters
or backslashes) and be a plain file or folder (no links, devices or pipes); an entry that expands
more than :data:`MAX_RATIO` times its packed size is a zip bomb. Hidden files and folders and
macOS's ``__MACOSX`` are not content. Each rule raises the caller's error class, in the caller's
word for the archive ("pack", "bundle").
"""

from __future__ import annotations

import stat
from pathlib import PurePosixPath

MAX_RATIO = 100
RATIO_FLOOR = 1_000_000  # entries smaller than this expand to no harm, whatever their ratio


def skipped(parts: tuple[str, ...]) -> bool:
    """Hidden files and folders (``.git``, ``.DS_Store``) and ``__MACOSX``: not content."""
    return any(p.startswith(".") for p in parts) or parts[:1] == ("__MACOSX",)


def check_kind(name: str, mode: int, error: type[Exception], what: str) -> None:
    if stat.S_ISLNK(mode):
        raise error(f"{name!r} is a symbolic link; a {what} may hold only plain files and folders")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise error(f"{name!r} is a device file or pipe; a {what} may hold only plain files and folders")


def entry_path(name: str, error: type[Exception], what: str) -> PurePosixPath:
    """The relative path an archive entry names; ``error`` if it would escape the archive."""
    if "\\" in name:
        raise error(f"archive entry {name!r} has a backslash in its name; zip paths use '/'")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise error(f"archive entry {name!r} is an absolute path; entries must be relative to the {what}")
    path = PurePosixPath(name)
    if ".." in path.parts:
        raise error(f"archive entry {name!r} points outside the {what}")
    return path


def is_bomb(file_size: int, compress_size: int) -> bool:
    """Does an entry expand suspiciously more than it is packed?"""
    return file_size > RATIO_FLOOR and file_size > MAX_RATIO * max(compress_size, 1)

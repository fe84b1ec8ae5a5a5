"""Writing files so that a crash never leaves a half-written one where the user looks.

Work goes to a temporary file in the target's folder (same file system, so the final rename is
atomic), and :func:`replace` moves it over the target only when complete, with the permissions a
normally created file would have (temporary files are created private).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def temp_beside(target: Path, suffix: str = ".tmp") -> Path:
    """A new, empty, hidden temporary file in ``target``'s folder."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.resolve().parent)
    os.close(fd)
    return Path(name)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)  # keep an existing file's permissions
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def replace(tmp: Path, target: Path) -> None:
    """Move the finished ``tmp`` over ``target`` and make the rename durable."""
    os.chmod(tmp, _mode_for(target))
    os.replace(tmp, target)
    with contextlib.suppress(OSError):  # not possible on Windows
        dir_fd = os.open(target.resolve().parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_text(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically: a temporary file beside it, flushed to
    disk, renamed over it; on any failure the temporary file goes and the target is untouched."""
    target = Path(target)
    tmp = temp_beside(target)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


@contextlib.contextmanager
def replacing(target: Path, suffix: str = ".tmp"):
    """``with replacing(target) as tmp:`` write ``tmp``; it replaces ``target`` when the block
    ends normally and is deleted when it raises (cancel, Ctrl+C, failure), so the target is either
    the old file or the complete new one."""
    target = Path(target)
    tmp = temp_beside(target, suffix=suffix)
    try:
        yield tmp
        replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise

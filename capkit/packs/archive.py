"""Copying a pack (a folder or a ``.capkitpack`` zip) into a folder of its own, refusing anything unsafe.

A pack is a tree of plain files. Before a byte is written this refuses entries that would land
outside the destination (``..``, absolute paths, drive letters, backslashes), links, device files
and pipes, names that appear twice, more than :data:`MAX_FILES` files, more than
:data:`MAX_TOTAL_BYTES` once expanded, and entries that expand more than :data:`MAX_RATIO` times
their packed size (a zip bomb). While copying it counts the bytes really written, and an archive
that lies about an entry's size fails its checksum. Hidden files and folders (``.git``, ``.DS_Store``) and
macOS's ``__MACOSX`` folder are not part of a pack and are left out.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from capkit.io.archive_rules import MAX_RATIO, RATIO_FLOOR, check_kind, entry_path
from capkit.io.archive_rules import skipped as _skipped
from capkit.packs.errors import PackError
from capkit.packs.manifest import MANIFEST

MAX_FILES = 2000
MAX_TOTAL_BYTES = 200_000_000
_CHUNK = 1 << 20


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 10e6 else f"{n / 1e6:.1f} MB"


def _check_totals(files: int, total: int) -> None:
    if files > MAX_FILES:
        raise PackError(f"the pack holds {files:,} files; a pack may hold at most {MAX_FILES:,}")
    if total > MAX_TOTAL_BYTES:
        raise PackError(f"the pack expands to {_mb(total)}; a pack may be at most {_mb(MAX_TOTAL_BYTES)}")


def _kind_problem(name: str, mode: int) -> None:
    check_kind(name, mode, PackError, "pack")


def _entry_path(name: str) -> PurePosixPath:
    """The relative path an archive entry names, or PackError if it would escape the pack."""
    return entry_path(name, PackError, "pack")


def unpack(source: Path, dest: Path) -> None:
    """Copy the pack at ``source`` into the existing empty folder ``dest``; PackError says what was refused."""
    if source.is_dir():
        _copy_folder(source, dest)
    elif source.is_file():
        _extract_zip(source, dest)
    else:
        raise PackError("does not exist")


def _copy_folder(source: Path, dest: Path) -> None:
    plan: list[tuple[PurePosixPath, Path]] = []
    total = 0

    def walk(folder: Path, rel: PurePosixPath) -> None:
        nonlocal total
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                sub = rel / entry.name
                if _skipped(sub.parts):
                    continue
                _kind_problem(str(sub), entry.stat(follow_symlinks=False).st_mode)
                if entry.is_dir(follow_symlinks=False):
                    walk(Path(entry.path), sub)
                else:
                    plan.append((sub, Path(entry.path)))
                    total += entry.stat(follow_symlinks=False).st_size
                    _check_totals(len(plan), total)

    walk(source, PurePosixPath())
    written = 0
    for rel, path in plan:
        # O_NOFOLLOW and the fstat check: the file cannot be swapped for a link between walk and copy
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as src:
            _kind_problem(str(rel), os.fstat(src.fileno()).st_mode)
            written = _copy_stream(src, dest / rel, written)


def _extract_zip(source: Path, dest: Path) -> None:
    if source.stat().st_size > MAX_TOTAL_BYTES:
        raise PackError(f"is {_mb(source.stat().st_size)}; a pack may be at most {_mb(MAX_TOTAL_BYTES)}")
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise PackError("is not a .capkitpack archive (a zip file) or a pack folder") from None
    with archive:
        infos = archive.infolist()
        _check_totals(len([i for i in infos if not i.is_dir()]), 0)
        entries: list[tuple[PurePosixPath, zipfile.ZipInfo]] = []
        seen: set[str] = set()
        total = 0
        for info in infos:
            path = _entry_path(info.filename)
            if _skipped(path.parts) or not path.parts:
                continue
            mode = info.external_attr >> 16
            if stat.S_IFMT(mode):  # zips made on Windows carry no Unix mode
                _kind_problem(info.filename, mode)
            key = str(path).casefold()
            if key in seen:
                raise PackError(f"archive holds {info.filename!r} twice")
            seen.add(key)
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise PackError(f"archive entry {info.filename!r} is encrypted")
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise PackError(f"archive entry {info.filename!r} expands {info.file_size / max(info.compress_size, 1):,.0f} "
                                f"times its packed size; refusing what looks like a zip bomb")
            total += info.file_size
            _check_totals(len(entries) + 1, total)
            entries.append((path, info))
        top = _single_top_folder([p for p, _ in entries])
        written = 0
        for path, info in entries:
            rel = PurePosixPath(*path.parts[1:]) if top else path
            try:
                with archive.open(info) as src:
                    written = _copy_stream(src, dest / rel, written)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
                raise PackError(f"archive entry {info.filename!r} cannot be read ({err})") from None


def _single_top_folder(paths: list[PurePosixPath]) -> bool:
    """True when the manifest sits in one folder that holds everything (a zipped pack folder)."""
    if PurePosixPath(MANIFEST) in paths or not paths:
        return False
    tops = {p.parts[0] for p in paths}
    return len(tops) == 1 and all(len(p.parts) > 1 for p in paths) and \
        PurePosixPath(next(iter(tops)), MANIFEST) in paths


def _copy_stream(src, target: Path, written: int) -> int:
    """Copy ``src`` to the new file ``target``; ``written`` counts every byte copied into the pack so far
    (zipfile stops at an entry's declared size, and a folder's files may grow after they were measured)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > MAX_TOTAL_BYTES:
                raise PackError(f"the pack expands to more than {_mb(MAX_TOTAL_BYTES)}; "
                                f"a pack may be at most {_mb(MAX_TOTAL_BYTES)}")
            out.write(chunk)
    return written

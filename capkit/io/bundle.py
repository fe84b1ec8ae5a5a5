"""Project bundles (``.capkitz``): a project with everything it needs, in one file that opens anywhere.

A bundle is a zip holding::

    bundle.json       the manifest: format, version, capkit version, every file with size and SHA-256
    project.capkit    the project, its media paths rewritten to media/<name> (relative, so no relink)
    media/...         the media files (or small H.264 proxies of the videos, when asked for)
    fonts/...         font files the text uses that are not shipped with capkit, when their licence
                      (the OpenType ``fsType`` embedding bits) allows it
    packs/...         installed filter packs the project uses that are not shipped with capkit, as
                      ``.capkitpack`` archives, next to their id and version in the manifest

Opening a bundle is the risky side: it may come from anyone. It is extracted with the same rules as
filter packs (:mod:`capkit.packs.archive`: no absolute paths, no ``..``, no links or devices, no
duplicate names, file-count, size and zip-bomb ratio limits, sized here for media), only files the
manifest lists are accepted, each one's SHA-256 is checked while it is written, the project inside
must load and may name only media inside the bundle, and everything goes to a temporary folder that
is renamed into place only when all of it passed. A refused bundle gets one message and leaves nothing.

Fonts: a font named by path is stored in the bundle and its path pointed at the extracted copy; a
family found only among this machine's installed fonts is stored too, and a machine that lacks the
family uses the stored file. A font whose licence forbids embedding is recorded by name only.
Packs are never installed by opening a bundle: missing ones are reported with the command to install
the copy inside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from capkit import __version__
from capkit.errors import CapkitError
from capkit.io import archive_rules, atomic
from capkit.io.project_file import dumps, load
from capkit.model.caption_items import CaptionItem
from capkit.model.items import FilterItem, MediaRef, TextItem, VideoClip
from capkit.model.project import Project
from capkit.progress import Progress

FORMAT = "capkit.bundle"
FORMAT_VERSION = 1
SUFFIX = ".capkitz"
MANIFEST = "bundle.json"
PROJECT = "project.capkit"
PROXY_SIZE = 540  # shorter side of a proxy, in pixels

# Limits sized for media (a pack's are for data files); the ratio rule is the packs' one.
MAX_FILES = 10_000
MAX_TOTAL_BYTES = 64_000_000_000
MAX_MANIFEST_BYTES = 4_000_000
_CHUNK = 1 << 20


class BundleError(CapkitError):
    """A bundle that cannot be written or opened; the message says which and why."""


@dataclass
class BundleResult:
    path: Path
    files: int
    size_bytes: int
    warnings: list[str] = field(default_factory=list)


# --- writing ----------------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    """A file name that every file system and the archive rules accept (no hidden names)."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"
    return clean[:120]


class _Names:
    """Unique names inside one bundle folder, case-insensitively (the archive rules refuse duplicates)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def take(self, name: str) -> str:
        stem, suffix = os.path.splitext(_safe_name(name))
        candidate, n = f"{stem}{suffix}", 1
        while candidate.casefold() in self.used:
            n += 1
            candidate = f"{stem}-{n}{suffix}"
        self.used.add(candidate.casefold())
        return f"{self.folder}/{candidate}"


def _text_styles(project: Project):
    for item in project.items():
        if isinstance(item, TextItem):
            yield item.style
        elif isinstance(item, CaptionItem):
            yield item.style.text


def _embedding(path: Path, index: int) -> str:
    """What a font's licence says about embedding it in a document (OpenType OS/2 ``fsType``)."""
    from capkit.render.fonts import (
        _read_tables,  # the small OpenType reader capkit already has
    )

    try:
        _, data = _read_tables(path, index, ("OS/2",))
        fs_type = struct.unpack_from(">H", data["OS/2"], 8)[0]
    except (OSError, ValueError, KeyError, struct.error):
        return "unknown"
    if fs_type & 0x0002 and not fs_type & 0x000C:
        return "restricted"
    return "installable" if not fs_type & 0x000E else ("editable" if fs_type & 0x0008 else "preview & print")


def _bundled_with_capkit(path: Path) -> bool:
    from capkit.resources import resource_path

    return path.resolve().parent == resource_path("fonts").resolve()


def _plan_fonts(project: Project, names: _Names, warnings: list[str]) -> tuple[list[dict], dict[str, Path]]:
    """Manifest entries for the fonts the text uses, and the files to copy (bundle path -> file).
    Path fonts are pointed at their bundle path in ``project``."""
    from capkit.render import fonts

    entries: list[dict] = []
    copies: dict[str, Path] = {}
    by_file: dict[Path, str] = {}
    seen: set[tuple[str, bool, bool]] = set()

    def store(file: Path) -> str:
        if file not in by_file:
            by_file[file] = names.take(file.name)
            copies[by_file[file]] = file
        return by_file[file]

    for style in _text_styles(project):
        key = (style.font, style.bold, style.italic)
        if fonts.looks_like_path(style.font):
            path = Path(style.font).expanduser()
            if not path.is_file():
                warnings.append(f"font file not found: {path}; the bundle records its name only")
                continue
            license_ = _embedding(path, 0)
            if license_ == "restricted":
                warnings.append(f"font {path.name}: its licence forbids embedding; the bundle records its name only")
                continue
            if key not in seen:
                entries.append({"font": path.name, "path": True, "file": store(path.resolve()), "license": license_})
            style.font = by_file[path.resolve()]
        elif key not in seen:
            face = fonts.find_family(style.font, fonts.BOLD if style.bold else fonts.REGULAR, style.italic)
            if face is None:
                warnings.append(f"font family {style.font!r} is not installed here (capkit draws it with "
                                f"{fonts.DEFAULT_FAMILY}); the bundle records its name only")
                entries.append({"font": style.font, "bold": style.bold, "italic": style.italic, "file": None,
                                "license": "not installed"})
            elif not _bundled_with_capkit(face.path):
                license_ = _embedding(face.path, face.index)
                entry = {"font": style.font, "bold": style.bold, "italic": style.italic, "file": None,
                         "license": license_}
                if license_ == "restricted":
                    warnings.append(f"font {style.font!r}: its licence forbids embedding; the bundle records its "
                                    "name only")
                else:
                    entry["file"] = store(face.path)
                entries.append(entry)
        seen.add(key)
    return entries, copies


def _filter_refs(project: Project):
    for item in project.items():
        if isinstance(item, FilterItem):
            yield item.filter
        yield from getattr(item, "filters", [])


def _plan_packs(project: Project, names: _Names, warnings: list[str], tmp: Path) -> tuple[list[dict], dict[str, Path]]:
    """Manifest entries for the filter packs the project uses, and archives of the installed ones
    that do not ship with capkit."""
    from capkit.packs import store
    from capkit.packs.errors import PackError
    from capkit.resources import builtin_packs_dir

    entries, copies = [], {}
    builtin = builtin_packs_dir()
    for pack_id in sorted({ref.filter_id.split("/", 1)[0] for ref in _filter_refs(project) if "/" in ref.filter_id}):
        try:
            info = store.info(pack_id)
        except PackError as err:
            warnings.append(f"filter pack {pack_id}: {err}; the bundle records its id only")
            entries.append({"id": pack_id, "version": None, "builtin": False, "file": None})
            continue
        shipped = builtin is not None and info.path.resolve().is_relative_to(builtin.resolve())
        entry = {"id": pack_id, "version": info.version, "builtin": shipped, "file": None}
        if not shipped:
            made = shutil.make_archive(str(tmp / f"{pack_id}-{info.version}"), "zip", info.path)
            archive = Path(made).with_suffix(".capkitpack")
            os.replace(made, archive)
            entry["file"] = names.take(archive.name)
            copies[entry["file"]] = archive
        entries.append(entry)
    return entries, copies


def _make_proxy(source: str, out: Path, progress: Callable[[Progress], None] | None) -> None:
    """A small H.264 copy of a video, made by capkit's own export (shorter side :data:`PROXY_SIZE`)."""
    from capkit import api
    from capkit.media.probe import probe
    from capkit.model.time import parse_rate

    info = probe(source)
    w, h = info.video.display_width, info.video.display_height
    k = min(1.0, PROXY_SIZE / min(w, h))
    fps = info.video.fps if info.video.fps and 1 <= info.video.fps <= 240 else parse_rate(30)
    proxy = api.new_project(max(16, round(w * k / 2) * 2), max(16, round(h * k / 2) * 2), fps)
    api.add_media(proxy, source, fit="stretch")
    report = None if progress is None else (lambda r: progress(Progress(r.done, r.total, r.elapsed, "proxy")))
    api.export(proxy, out, crf=28, audio=info.audio is not None, limiter=False, progress=report)


def _add_file(zf: zipfile.ZipFile, arcname: str, src: Path, stored: bool, done: list[int],
              report: Callable[[int], None]) -> dict:
    """Copy ``src`` into the archive, hashing it on the way."""
    info = zipfile.ZipInfo(arcname, date_time=max(time.localtime(src.stat().st_mtime)[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fh, zf.open(info, "w", force_zip64=src.stat().st_size > 2**31) as out:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
            done[0] += len(chunk)
            report(done[0])
    return {"path": arcname, "size": size, "sha256": digest.hexdigest()}


def _add_bytes(zf: zipfile.ZipFile, arcname: str, data: bytes) -> dict:
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16
    zf.writestr(info, data)
    return {"path": arcname, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


_STORED = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".jpg", ".jpeg", ".png", ".webp", ".mp3", ".m4a", ".aac",
           ".ogg", ".opus", ".flac", ".capkitpack", ".zip")


def bundle(project_path: str | os.PathLike, out: str | os.PathLike, *, proxies: bool = False,
           progress: Callable[[Progress], None] | None = None) -> BundleResult:
    """Write the project at ``project_path`` with its media, fonts and filter packs to ``out``
    (a ``.capkitz`` file, written atomically). ``proxies`` stores small H.264 copies of the videos
    instead of the originals (noted in the manifest). Media must all be found (relink first)."""
    from capkit.io.fingerprint import fingerprint
    from capkit.io.project_file import missing_media

    source = Path(project_path)
    target = Path(out)
    if target.suffix != SUFFIX:
        raise BundleError(f"{target}: a bundle file must end in {SUFFIX}")
    if not target.resolve().parent.is_dir():
        raise BundleError(f"cannot write {target}: the folder {target.resolve().parent} does not exist")
    project = load(source)
    missing = missing_media(project)
    if missing:
        raise BundleError(f"cannot bundle {source.name}: {len(missing)} media file(s) are missing, first {missing[0]}; "
                          "relink them first")
    warnings: list[str] = []
    started = time.monotonic()
    media_names, font_names, pack_names = _Names("media"), _Names("fonts"), _Names("packs")
    with tempfile.TemporaryDirectory(prefix="capkit-bundle-") as tmp_name:
        tmp = Path(tmp_name)
        videos = {str(Path(item.source.path).resolve()) for item in project.items() if isinstance(item, VideoClip)}
        refs: dict[str, list[MediaRef]] = {}
        for item in project.items():
            ref = getattr(item, "source", None)
            if isinstance(ref, MediaRef) and ref.path:
                refs.setdefault(str(Path(ref.path).resolve()), []).append(ref)
        media: dict[str, Path] = {}
        media_entries = []
        for path, users in refs.items():
            proxy = proxies and path in videos
            if proxy:
                file = tmp / f"proxy-{len(media)}.mp4"
                _make_proxy(path, file, progress)
                name = media_names.take(f"{Path(path).stem}-proxy.mp4")
            else:
                file = Path(path)
                name = media_names.take(Path(path).name)
            media[name] = file
            media_entries.append({"file": name, "original": Path(path).name, "proxy": proxy})
            for ref in users:
                ref.path = name
                ref.fingerprint = fingerprint(file) if proxy or ref.fingerprint is None else ref.fingerprint
        font_entries, font_files = _plan_fonts(project, font_names, warnings)
        pack_entries, pack_files = _plan_packs(project, pack_names, warnings, tmp)
        files = {**media, **font_files, **pack_files}
        total = sum(p.stat().st_size for p in files.values())
        done = [0]

        def report(n: int) -> None:
            if progress is not None:
                progress(Progress(n, total, time.monotonic() - started, "bundle"))

        listed = []
        part = atomic.temp_beside(target)
        try:
            with zipfile.ZipFile(part, "w", allowZip64=True) as zf:
                listed.append(_add_bytes(zf, PROJECT, dumps(project).encode("utf-8")))
                for arcname, file in files.items():
                    listed.append(_add_file(zf, arcname, file, file.suffix.lower() in _STORED, done, report))
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION, "written_by": f"capkit {__version__}",
                    "project": PROJECT, "proxies": proxies, "media": media_entries, "fonts": font_entries,
                    "packs": pack_entries, "files": listed,
                }
                _add_bytes(zf, MANIFEST, (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
            atomic.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return BundleResult(target, len(listed) + 1, target.stat().st_size, warnings)


# --- opening ----------------------------------------------------------------------------------------


def _read_manifest(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict:
    info = infos.get(MANIFEST)
    if info is None:
        raise BundleError(f"it has no {MANIFEST}: it is not a capkit bundle, or it was damaged")
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BundleError(f"its {MANIFEST} is {info.file_size:,} bytes; at most {MAX_MANIFEST_BYTES:,} are allowed")
    try:
        manifest = json.loads(zf.read(info).decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise BundleError(f"its {MANIFEST} cannot be read ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"its {MANIFEST} does not describe a capkit bundle")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise BundleError(f"its {MANIFEST} has no valid format_version")
    if version > FORMAT_VERSION:
        raise BundleError(f"it was made by a newer capkit ({manifest.get('written_by', 'unknown')}); update capkit")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
            isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("size"), int)
            and isinstance(f.get("sha256"), str) for f in files):
        raise BundleError(f"its {MANIFEST} has no valid list of files")
    if PROJECT not in {f["path"] for f in files} or PROJECT not in infos:
        raise BundleError(f"it holds no {PROJECT}")
    return manifest


def _check_entries(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Every entry by its path, after the archive rules; raises BundleError for the first one broken."""
    import stat

    entries: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    total = 0
    infos = zf.infolist()
    if len(infos) > MAX_FILES:
        raise BundleError(f"it holds {len(infos):,} files; a bundle may hold at most {MAX_FILES:,}")
    for info in infos:
        path = archive_rules.entry_path(info.filename, BundleError, "bundle")
        if not path.parts or archive_rules.skipped(path.parts):
            continue
        mode = info.external_attr >> 16
        if stat.S_IFMT(mode):  # zips made on Windows carry no Unix mode
            archive_rules.check_kind(info.filename, mode, BundleError, "bundle")
        key = str(path).casefold()
        if key in seen:
            raise BundleError(f"it holds {info.filename!r} twice")
        seen.add(key)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise BundleError(f"archive entry {info.filename!r} is encrypted")
        if archive_rules.is_bomb(info.file_size, info.compress_size):
            raise BundleError(f"archive entry {info.filename!r} expands {info.file_size / max(info.compress_size, 1):,.0f} "
                              "times its packed size; refusing what looks like a zip bomb")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise BundleError(f"it expands to more than {MAX_TOTAL_BYTES:,} bytes; a bundle may be at most that")
        entries[str(path)] = info
    return entries


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, want: dict, dest: Path) -> None:
    """Write one listed entry, refusing it as soon as it grows past its listed size or its hash differs."""
    digest = hashlib.sha256()
    size = 0
    target = dest / PurePosixPath(want["path"])
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zf.open(info) as src, open(target, "xb") as out:
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                if size > want["size"]:
                    break
                digest.update(chunk)
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
        raise BundleError(f"{want['path']} cannot be read ({err})") from None
    except OSError as err:  # e.g. a file listed where another entry needs a folder
        raise BundleError(f"{want['path']} cannot be written ({err.strerror})") from None
    if size != want["size"] or digest.hexdigest() != want["sha256"].lower():
        raise BundleError(f"{want['path']} does not match its checksum in {MANIFEST} (the file was changed or cut short)")


def _inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder)


def _finish_project(project_file: Path, manifest: dict, folder: Path, final: Path) -> None:
    """Check that the project names only files inside the bundle (extracted to ``folder``), and point its
    fonts at the stored copies (as they will be in ``final``) where this machine needs them."""
    from capkit.render import fonts

    try:
        project = load(project_file)
    except CapkitError as err:
        raise BundleError(f"its project cannot be opened: {err}") from None
    for item in project.items():
        ref = getattr(item, "source", None)
        if isinstance(ref, MediaRef) and ref.path and not (_inside(ref.path, folder) and Path(ref.path).is_file()):
            raise BundleError(f"its project names media outside the bundle or missing from it: {ref.path}")
    stored = {(e.get("font"), e.get("bold"), e.get("italic")): e.get("file")
              for e in manifest.get("fonts", []) if isinstance(e, dict) and isinstance(e.get("file"), str)}
    changed = False
    for style in _text_styles(project):
        if fonts.looks_like_path(style.font):
            path = folder / style.font
            if Path(style.font).is_absolute() or not _inside(str(path), folder) or not path.is_file():
                raise BundleError(f"its project names a font outside the bundle or missing from it: {style.font}")
            style.font, changed = str(final / path.relative_to(folder)), True
        else:
            file = stored.get((style.font, style.bold, style.italic))
            weight = fonts.BOLD if style.bold else fonts.REGULAR
            if file is not None and fonts.find_family(style.font, weight, style.italic) is None:
                path = folder / PurePosixPath(file)
                if _inside(str(path), folder) and path.is_file():
                    style.font, changed = str(final / path.relative_to(folder)), True
    if changed:
        from capkit.io.project_file import save

        save(project, project_file)


def open_bundle(path: str | os.PathLike, into_folder: str | os.PathLike) -> Path:
    """Extract the bundle at ``path`` into ``into_folder`` (new, or empty) and return the project file,
    ready to open without relinking. A corrupt or hostile bundle raises :class:`BundleError` and
    leaves nothing behind. :func:`bundle_warnings` says what the opened project may miss here."""
    source = Path(path)
    dest = Path(into_folder)
    name = source.name

    def refuse(reason: str):
        return BundleError(f"cannot open {name}: {reason}")

    if not source.is_file():
        raise refuse("no such file")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise refuse(f"{dest} is not an empty folder; choose a new or empty one")
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise refuse("it is not a capkit bundle (a .capkitz zip file)") from None
    dest.resolve().parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.resolve().parent))
    try:
        with zf:
            try:
                entries = _check_entries(zf)
                needed = sum(info.file_size for info in entries.values())
                free = shutil.disk_usage(work).free
                if needed > free:
                    raise BundleError(f"it needs {needed / 1e9:,.1f} GB and {dest.resolve().parent} has only "
                                      f"{free / 1e9:,.1f} GB free")
                manifest = _read_manifest(zf, entries)
                listed = {}
                for want in manifest["files"]:
                    key = str(archive_rules.entry_path(want["path"], BundleError, "bundle")).casefold()
                    if want["path"] == MANIFEST or archive_rules.skipped(PurePosixPath(want["path"]).parts):
                        raise BundleError(f"{MANIFEST} lists {want['path']!r}, which a bundle cannot hold")
                    if key in listed:
                        raise BundleError(f"{MANIFEST} lists {want['path']!r} twice")
                    listed[key] = want
                for entry in entries:
                    if entry != MANIFEST and entry.casefold() not in listed:
                        raise BundleError(f"it holds {entry!r}, which {MANIFEST} does not list")
                by_key = {k.casefold(): v for k, v in entries.items()}
                for key, want in listed.items():
                    if key not in by_key:
                        raise BundleError(f"{want['path']} is listed in {MANIFEST} but missing")
                    _extract(zf, by_key[key], want, work)
                (work / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
                _finish_project(work / PROJECT, manifest, work.resolve(), dest.resolve())
            except BundleError as err:
                raise refuse(str(err)) from None
        if dest.exists():
            dest.rmdir()
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return dest / PROJECT


def bundle_warnings(project_file: str | os.PathLike) -> list[str]:
    """What an opened bundle's project may miss on this machine: filter packs not installed (with the
    command to install the copy in the bundle) and fonts it could only record by name."""
    from capkit.packs import store
    from capkit.packs.errors import PackError
    from capkit.render import fonts

    folder = Path(project_file).resolve().parent
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for pack in manifest.get("packs", []):
        try:
            store.info(pack["id"])
            continue
        except PackError:
            pass
        wanted = f"{pack['id']} {pack['version']}" if pack.get("version") else pack["id"]
        if pack.get("file"):
            out.append(f"filter pack {wanted} is not installed: capkit filters install {folder / pack['file']}")
        else:
            out.append(f"filter pack {wanted} is not installed and not in the bundle: its filters will not render")
    for font in manifest.get("fonts", []):
        if font.get("file") is None and not font.get("path"):
            weight = fonts.BOLD if font.get("bold") else fonts.REGULAR
            if fonts.find_family(font["font"], weight, bool(font.get("italic"))) is None:
                out.append(f"font {font['font']!r} is not installed here and not in the bundle: "
                           f"text uses {fonts.DEFAULT_FAMILY} instead")
    if manifest.get("proxies"):
        out.append("the bundle holds small proxies of the videos, not the originals")
    return out

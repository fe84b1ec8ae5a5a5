"""The installed packs: where they live, installing, removing, loading and resolving pack filters.

Packs live in ``<data>/packs/<pack id>/<version>/``, where ``<data>`` is ``$CAPKIT_DATA_DIR`` or
the platform's user data folder for capkit. Several versions of a pack may sit side by side: a
project names a filter ``<pack id>/<filter id>`` and gets it from the newest installed version that
loads, suits this capkit and has that filter, so an upgrade (or a later capkit that a new version
does not suit) never leaves a project without its look.

Installing copies the pack into a temporary folder beside the store (refusing anything unsafe),
checks it there, and only then renames it into place; a failed install leaves nothing behind and
never touches the versions already installed. Loading checks every installed version again
(cheaply, see :mod:`capkit.packs.check`); a broken one is reported and skipped, the rest load.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from capkit.packs.archive import unpack
from capkit.userdirs import DATA_ENV, data_dir
from capkit.packs.check import Pack, load_pack
from capkit.packs.errors import PackError
from capkit.packs.manifest import MANIFEST, PACK_ID, PackManifest, Problem, is_version, version_key

ENV = DATA_ENV
BUILTIN_ENV = "CAPKIT_BUILTIN_PACKS"  # "0": leave out the first-party packs shipped with capkit
_STALE_SECONDS = 24 * 3600  # temporary folders this old are leftovers of a killed install


def packs_dir() -> Path:
    return data_dir() / "packs"


# -- what is installed -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PackFilterInfo:
    id: str  # namespaced: <pack id>/<filter id>
    name: str
    description: str
    thumbnail: Path | None
    params: tuple  # of capkit.fx.params.Param


@dataclass(frozen=True)
class PackInfo:
    """An installed pack as people see it: the version in use and the other versions kept."""

    id: str
    name: str
    version: str
    versions: tuple[str, ...]  # every usable installed version, newest first
    author: str
    license: str
    capkit: str
    description: str
    path: Path
    filters: tuple[PackFilterInfo, ...]

    def to_json(self) -> dict:
        import dataclasses

        out = {k: getattr(self, k) for k in ("id", "name", "version", "author", "license", "capkit", "description")}
        out["versions"] = list(self.versions)
        out["path"] = str(self.path)
        out["filters"] = [{
            "id": f.id, "name": f.name, "description": f.description,
            "thumbnail": None if f.thumbnail is None else str(f.thumbnail),
            "params": [dataclasses.asdict(p) for p in f.params],
        } for f in self.filters]
        return out


@dataclass(frozen=True)
class PackProblem:
    """An installed pack version that cannot be used, and why."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _info(pack: Pack, versions: tuple[str, ...]) -> PackInfo:
    m = pack.manifest
    filters = tuple(PackFilterInfo(
        f"{m.id}/{f.id}", f.name, f.description,
        None if f.thumbnail is None else pack.root.joinpath(*f.thumbnail.split("/")),
        tuple(p.to_param() for p in f.params)) for f in m.filters)
    return PackInfo(m.id, m.name, m.version, versions, m.author, m.license, m.capkit, m.description,
                    pack.root, filters)


# Loaded versions by folder, kept while the manifest file is unchanged: the renderer resolves pack
# filters often (every new parameter value), and reading and checking a manifest each time would show.
_LOADED: dict[Path, tuple[tuple, Pack | None, list[Problem]]] = {}


def _load_version(folder: Path) -> tuple[Pack | None, list[Problem]]:
    try:
        st = (folder / MANIFEST).stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = None
    cached = _LOADED.get(folder)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    pack, problems = load_pack(folder, deep=False)
    if pack is not None and (pack.id, pack.version) != (folder.parent.name, folder.name):
        pack, problems = None, [Problem("", f"{MANIFEST} says {pack.id} {pack.version}, but it is installed "
                                             f"as {folder.parent.name} {folder.name}")]
    if stamp is not None:
        _LOADED[folder] = (stamp, pack, problems)
    return pack, problems


def _version_folders(pack_dir: Path) -> list[Path]:
    """The version folders of one pack, newest first (folders not named as versions come last)."""
    folders = [p for p in pack_dir.iterdir() if not p.name.startswith(".")] if pack_dir.is_dir() else []
    return sorted(folders, key=lambda p: (is_version(p.name), version_key(p.name) if is_version(p.name) else ()),
                  reverse=True)


def _builtin_pack(pack_id: str) -> Pack | None:
    """The first-party pack ``pack_id`` shipped with capkit (``filters/<id>/``), which needs no install.
    It is checked like any pack; a shipped pack that fails is a bug, reported by the tests."""
    root = _builtin_root()
    folder = root / pack_id if root is not None else None
    if folder is None or not (folder / MANIFEST).is_file():
        return None
    cached = _LOADED.get(folder)
    stamp = (folder / MANIFEST).stat().st_mtime_ns
    if cached is None or cached[0] != stamp:
        pack, problems = load_pack(folder, deep=False)
        cached = (stamp, pack if pack is not None and pack.id == pack_id else None, problems)
        _LOADED[folder] = cached
    return cached[1]


def _builtin_root() -> Path | None:
    if os.environ.get(BUILTIN_ENV) == "0":
        return None
    from capkit.resources import builtin_packs_dir

    return builtin_packs_dir()


def builtin_pack_ids() -> list[str]:
    root = _builtin_root()
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file()) if root is not None else []


def _load_pack_versions(pack_dir: Path) -> tuple[list[Pack], list[PackProblem]]:
    """Installed versions of one pack, newest first; a shipped first-party pack counts as one more
    version (an installed copy of the same version wins)."""
    packs, problems = _load_installed_versions(pack_dir)
    shipped = _builtin_pack(pack_dir.name)
    if shipped is not None and all(p.version != shipped.version for p in packs):
        packs = sorted([*packs, shipped], key=lambda p: version_key(p.version), reverse=True)
    return packs, problems


def _load_installed_versions(pack_dir: Path) -> tuple[list[Pack], list[PackProblem]]:
    packs, problems = [], []
    for folder in _version_folders(pack_dir):
        if not is_version(folder.name) or not folder.is_dir() or folder.is_symlink():
            problems.append(PackProblem(folder, "is not a pack version folder (remove it)"))
            continue
        pack, found = _load_version(folder)
        if pack is not None:
            packs.append(pack)
        else:
            more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
            problems.append(PackProblem(folder, f"{found[0]}{more}"))
    return packs, problems


def load_all() -> tuple[list[Pack], list[PackProblem]]:
    """Every usable installed pack version (by id, newest first) and every one that is not, with why."""
    import re

    packs, problems = [], []
    root = packs_dir()
    folders = sorted(root.iterdir()) if root.is_dir() else []
    seen = set()
    for pack_dir in folders:
        if pack_dir.name.startswith("."):
            continue
        if not re.match(PACK_ID, pack_dir.name) or not pack_dir.is_dir() or pack_dir.is_symlink():
            problems.append(PackProblem(pack_dir, "is not a pack folder (remove it)"))
            continue
        found, broken = _load_pack_versions(pack_dir)
        packs += found
        problems += broken
        seen.add(pack_dir.name)
    for pack_id in builtin_pack_ids():
        if pack_id not in seen:
            packs += _load_pack_versions(root / pack_id)[0]
    return packs, problems


def installed() -> list[PackInfo]:
    """One entry per installed pack that loads: its newest usable version, and the versions kept."""
    packs, _ = load_all()
    out, by_id = [], {}
    for pack in packs:
        by_id.setdefault(pack.id, []).append(pack)
    for versions in by_id.values():
        out.append(_info(versions[0], tuple(p.version for p in versions)))
    return out


def _pack_id(text: str) -> str:
    import re

    if not re.match(PACK_ID, text):
        raise PackError(f"{text!r} is not a pack id (pack ids look like com.example.looks)")
    return text


def info(pack_id: str) -> PackInfo:
    """The installed pack ``pack_id`` (a filter id ``pack/filter`` names its pack)."""
    pack_id = _pack_id(pack_id.split("/", 1)[0])
    packs, problems = _load_pack_versions(packs_dir() / pack_id)
    if packs:
        return _info(packs[0], tuple(p.version for p in packs))
    if problems:
        raise PackError(f"pack {pack_id} is installed but cannot be used: {problems[0]}")
    raise PackError(f"no pack {pack_id!r} is installed (see: capkit filters list)")


def resolve(filter_id: str):
    """The :class:`~capkit.fx.registry.FilterSpec` of pack filter ``<pack id>/<filter id>``."""
    from capkit.packs.graph import pack_filter_spec

    pack_id, _, name = filter_id.partition("/")
    if not name:
        raise PackError(f"{filter_id!r} is not a pack filter id (they look like com.example.looks/warm)")
    packs, problems = _load_pack_versions(packs_dir() / _pack_id(pack_id))
    for pack in packs:
        filt = pack.manifest.filter(name)
        if filt is not None:
            return pack_filter_spec(pack, filt)
    if packs:
        raise PackError(f"pack {pack_id} {packs[0].version} has no filter {name!r}; it has "
                        f"{', '.join(f.id for f in packs[0].manifest.filters)}")
    if problems:
        raise PackError(f"filter {filter_id!r} comes from pack {pack_id}, which cannot be used: {problems[0]}")
    raise PackError(f"filter {filter_id!r} comes from pack {pack_id}, which is not installed "
                    f"(install it with: capkit filters install PACK)")


# -- validating, installing, removing ---------------------------------------------------------------

@dataclass
class ValidationReport:
    """What ``validate`` found: the manifest when it could be read, and every problem (none: the pack is good)."""

    source: str
    manifest: PackManifest | None = None  # set when the pack is valid
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]

    def __str__(self) -> str:
        if self.ok:
            m = self.manifest
            return f"{self.source}: {m.id} {m.version} is a valid pack ({len(m.filters)} filters)"
        return "\n".join(f"{self.source}: {p}" for p in self.problems)


def validate(path: str | Path) -> ValidationReport:
    """Check the pack at ``path`` (folder or ``.capkitpack``) exactly as installing it would, installing nothing."""
    path = Path(path)
    report = ValidationReport(str(path))
    with tempfile.TemporaryDirectory(prefix="capkit-pack-") as tmp:
        try:
            unpack(path, Path(tmp))
        except PackError as err:
            report.problems.append(Problem("", str(err)))
            return report
        pack, report.problems = load_pack(Path(tmp), deep=True)
        report.manifest = None if pack is None else pack.manifest
    return report


def _made_dirs(path: Path) -> list[Path]:
    """Create ``path`` and its missing parents; the ones created, outermost first (to clean up)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for p in reversed(missing):
        p.mkdir()
    return list(reversed(missing))


def _sweep_stale(root: Path) -> None:
    now = time.time()
    for p in root.glob(".*-*"):
        try:
            if now - p.lstat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        except OSError:
            pass


def _discard(folder: Path, root: Path) -> None:
    """Remove ``folder`` so it vanishes at once: rename it aside, then delete."""
    trash = Path(tempfile.mkdtemp(prefix=".remove-", dir=root))
    os.rename(folder, trash / "x")
    shutil.rmtree(trash, ignore_errors=True)


def _local_source(text: str, want: str | None, root: Path, cleanup: list[Path]) -> Path:
    """The local file or folder for ``text`` (a path, ``file://`` or ``https://`` address)."""
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme == "https":
        if want is None:
            raise PackError(f"{text}: downloading a pack needs --sha256 with the checksum its author "
                            "publishes, so capkit can tell it got the right file")
        from capkit.packs.fetch import download

        fd, name = tempfile.mkstemp(prefix=".download-", suffix=".capkitpack", dir=root)
        os.close(fd)
        os.unlink(name)
        cleanup.append(Path(name))
        download(text, Path(name))
        return Path(name)
    if scheme == "file":
        parts = urllib.parse.urlparse(text)
        if parts.netloc not in ("", "localhost"):
            raise PackError(f"{text}: a file:// address must name a file on this computer")
        return Path(urllib.request.url2pathname(parts.path))
    if scheme:
        raise PackError(f"{text}: only https:// and file:// addresses can be installed")
    return Path(text).expanduser()


def install(source: str | Path, sha256: str | None = None, force: bool = False) -> PackInfo:
    """Install the pack at ``source`` (folder, ``.capkitpack``, ``file://`` or ``https://`` address).

    ``sha256`` is checked against the archive (and is required for https). Installing a version
    that is already installed, or older than one that is, needs ``force``; forcing an older version
    removes the newer ones so it is the one in use. On any failure nothing is left behind.
    """
    from capkit.packs.fetch import checksum_arg, sha256_file

    text = str(source)
    want = checksum_arg(sha256)
    root = packs_dir()
    created = _made_dirs(root)
    _sweep_stale(root)
    cleanup: list[Path] = []
    try:
        path = _local_source(text, want, root, cleanup)
        if not path.exists():
            raise PackError(f"{text} does not exist")
        if want is not None:
            if path.is_dir():
                raise PackError(f"{text}: --sha256 checks an archive, and this is a folder")
            got = sha256_file(path)
            if got != want:
                raise PackError(f"{text}: checksum mismatch: expected {want}, got {got}; "
                                "this is not the file the pack's author published")
        tmp = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
        cleanup.append(tmp)
        try:
            unpack(path, tmp)
        except PackError as err:
            raise PackError(f"{text}: {err}") from None
        pack, problems = load_pack(tmp, deep=True)
        if pack is None:
            more = f" (and {len(problems) - 1} more: see capkit filters validate)" if len(problems) > 1 else ""
            raise PackError(f"{text}: {problems[0]}{more}")
        return _put_in_place(pack, tmp, root, force, created)
    finally:
        for p in cleanup:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif p.exists():
                p.unlink()
        for d in reversed(created):
            try:
                d.rmdir()  # only if the failed install left it empty
            except OSError:
                break


def _put_in_place(pack: Pack, tmp: Path, root: Path, force: bool, created: list[Path]) -> PackInfo:
    pack_dir = root / pack.id
    target = pack_dir / pack.version
    others = [p.name for p in _version_folders(pack_dir) if is_version(p.name)]
    newer = [v for v in others if version_key(v) > version_key(pack.version)]
    if target.exists() and not force:
        raise PackError(f"{pack.id} {pack.version} is already installed; pass --force to reinstall it")
    if newer and not force:
        raise PackError(f"{pack.id} {newer[0]} is installed, which is newer than {pack.version}; "
                        f"pass --force to go back to {pack.version}")
    created += _made_dirs(pack_dir)
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=".remove-", dir=root))
        os.rename(target, trash / "x")
        try:
            os.rename(tmp, target)
        except OSError:
            os.rename(trash / "x", target)
            raise
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.rename(tmp, target)
    del created[:]  # the install happened: what it created stays
    for version in newer:
        _discard(pack_dir / version, root)
    return info(pack.id)


def remove(ref: str) -> list[str]:
    """Remove pack ``ref`` (every version) or ``ref@VERSION`` (that one); the versions removed, newest first.

    Works on broken packs too, so a pack that cannot load can always be taken away.
    """
    pack_id, _, version = ref.partition("@")
    pack_dir = packs_dir() / _pack_id(pack_id)
    versions = [p.name for p in _version_folders(pack_dir)]
    if not versions:
        raise PackError(f"no pack {pack_id!r} is installed (see: capkit filters list)")
    root = packs_dir()
    if version:
        if version not in versions:
            raise PackError(f"{pack_id} {version} is not installed; installed: {', '.join(versions)}")
        _discard(pack_dir / version, root)
        if not _version_folders(pack_dir):
            pack_dir.rmdir()
        return [version]
    _discard(pack_dir, root)
    return versions

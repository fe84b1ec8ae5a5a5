"""What a pack's manifest means, checked against this capkit: operations, ranges, links and files.

:mod:`capkit.packs.manifest` has already checked the shape. Here every graph step must name a
built-in operation, every literal value must pass that operation's own ``Param.check``, every
``{"param": ...}`` link must name a declared parameter whose whole range (after ``scale`` and
``offset``) the operation accepts, and every file a manifest names (thumbnails, and the values of
operation parameters of kind ``path`` such as ``lut3d``'s) must be a plain file inside the pack
that capkit can read: LUTs must parse with :func:`capkit.fx.cube.read_cube`, thumbnails must be PNGs. All problems are
collected, so ``capkit filters validate`` can list everything an author has to fix at once.

``deep=False`` (used when loading installed packs, which were checked deeply when installed) skips
parsing LUTs and thumbnails but still requires the files to be there.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from capkit.packs.manifest import (
    MANIFEST, WIDGET_FOR, ExposedParam, PackFilter, PackManifest, ParamLink, Problem, read_manifest,
)

# The files an operation's ``path`` parameter may name in a pack: what capkit can check in advance.
PATH_SUFFIXES = (".cube",)
MAX_THUMBNAIL_BYTES = 2_000_000
_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Pack:
    """A pack that passed its checks: the manifest and the folder its files are in."""

    manifest: PackManifest
    root: Path

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def version(self) -> str:
        return self.manifest.version


def _intensity_param():
    from capkit.fx.params import Param

    return Param("intensity", 1.0, 0.0, 1.0)


def _suggest(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def load_pack(root: Path, *, deep: bool = True) -> tuple[Pack | None, list[Problem]]:
    """The pack in folder ``root``, or None and every problem found."""
    manifest, problems = read_manifest(root)
    if manifest is None:
        return None, problems
    problems = check_manifest(manifest, root, deep=deep)
    return (None if problems else Pack(manifest, root)), problems


def check_manifest(manifest: PackManifest, root: Path, *, deep: bool = True) -> list[Problem]:
    from packaging.specifiers import SpecifierSet

    from capkit import __version__

    problems: list[Problem] = []
    if not SpecifierSet(manifest.capkit).contains(__version__, prereleases=True):
        problems.append(Problem("capkit", f"the pack needs capkit {manifest.capkit}, and this is capkit {__version__}"))
    first_at: dict[str, int] = {}
    files = _Files(root, deep)
    for i, filt in enumerate(manifest.filters):
        where = f"filters[{i}]"
        if filt.id in first_at:
            problems.append(Problem(f"{where}.id", f"duplicate filter id {filt.id!r} (also filters[{first_at[filt.id]}].id)"))
        first_at.setdefault(filt.id, i)
        problems += _check_filter(filt, where, files)
    return problems


def _check_filter(filt: PackFilter, where: str, files: _Files) -> list[Problem]:
    from capkit.fx.registry import filters

    problems: list[Problem] = []
    if filt.thumbnail is not None:
        problems += files.check(filt.thumbnail, f"{where}.thumbnail", (".png",))
    declared: dict[str, ExposedParam] = {}  # the good declarations
    seen: set[str] = set()
    for k, decl in enumerate(filt.params):
        at = f"{where}.params[{k}]"
        if decl.name in seen:
            problems.append(Problem(f"{at}.name", f"duplicate parameter name {decl.name!r}"))
            continue
        seen.add(decl.name)
        found = _check_decl(decl, at)
        problems += found
        if not found:
            declared[decl.name] = decl
    broken = seen - set(declared)  # links to these are not checked: their declaration is reported
    builtins = filters()
    for j, step in enumerate(filt.graph):
        at = f"{where}.graph[{j}]"
        spec = builtins.get(step.op)
        if spec is None:
            problems.append(Problem(f"{at}.op", f"unknown operation {step.op!r}" + (
                _suggest(step.op, builtins) or " (capkit filters list shows the built-in ones)")))
            continue
        names = [p.name for p in spec.params]
        for name, value in step.params.items():
            place = f"{at}.params.{name}"
            if name not in names:
                problems.append(Problem(place, f"{step.op!r} has no parameter {name!r}" + (
                    _suggest(name, names) or f"; it has {', '.join(names)}")))
            elif spec.param(name).kind == "path":
                if not isinstance(value, str):
                    problems.append(Problem(place, f"must be the path of a file in the pack ({' or '.join(PATH_SUFFIXES)})"))
                else:
                    problems += files.check(value, place, PATH_SUFFIXES)
            else:
                problems += _check_value(value, spec.param(name), place, declared, broken, where)
        for p in spec.params:  # a path default would be looked up outside the pack
            if p.kind == "path" and p.name not in step.params:
                problems.append(Problem(f"{at}.params", f"{step.op!r} needs {p.name!r}: a file in the pack "
                                                        f"({' or '.join(PATH_SUFFIXES)})"))
        problems += _check_value(step.intensity, _intensity_param(), f"{at}.intensity", declared, broken, where)
    return problems


def _check_decl(decl: ExposedParam, at: str) -> list[Problem]:
    if decl.widget is not None and decl.widget != WIDGET_FOR[decl.type]:
        return [Problem(f"{at}.widget", f"a {decl.type} parameter uses the {WIDGET_FOR[decl.type]} widget, "
                                        f"not {decl.widget}")]
    if decl.type in ("float", "int"):
        if decl.min is None or decl.max is None:
            return [Problem(at, f"a {decl.type} parameter needs min and max")]
        if decl.min >= decl.max:
            return [Problem(at, f"min ({decl.min:g}) must be below max ({decl.max:g})")]
        if decl.type == "int":  # (the default is checked by Param.check below)
            for field in ("min", "max"):
                if not float(getattr(decl, field)).is_integer():
                    return [Problem(f"{at}.{field}", f"an int parameter takes whole numbers (got {getattr(decl, field):g})")]
    if decl.type == "choice" and not decl.choices:
        return [Problem(f"{at}.choices", "a choice parameter needs its choices")]
    problem = decl.to_param().check(decl.default)
    return [Problem(f"{at}.default", problem)] if problem else []


def _check_value(value, target, place: str, declared: dict[str, ExposedParam], broken: set[str],
                 filter_where: str) -> list[Problem]:
    """A literal must pass ``target.check``; a link must name a good declared parameter whose range fits."""
    if not isinstance(value, ParamLink):
        problem = target.check(value)
        return [Problem(place, problem)] if problem else []
    if value.param in broken:
        return []
    source = declared.get(value.param)
    if source is None:
        return [Problem(place, f"refers to {value.param!r}, which {filter_where}.params does not declare"
                               + _suggest(value.param, declared))]
    numeric = target.kind in ("float", "int")
    if not numeric or source.type not in ("float", "int"):
        if source.type != target.kind:
            need = "a number" if numeric else f"a {target.kind}"
            return [Problem(place, f"{value.param!r} is a {source.type} parameter; {target.name} needs {need}")]
        if (value.scale, value.offset) != (1, 0):
            return [Problem(place, "scale and offset apply to numbers only")]
        for choice in source.choices:
            problem = target.check(choice)
            if problem:
                return [Problem(place, f"{value.param!r} offers {choice!r}: {problem}")]
        return []
    if target.kind == "int" and (source.type != "int" or not float(value.scale).is_integer()
                                 or not float(value.offset).is_integer()):
        return [Problem(place, f"{target.name} takes whole numbers: link an int parameter with a whole scale and offset")]
    for end, raw in (("min", source.min), ("max", source.max)):
        mapped = value.apply(raw)
        problem = target.check(mapped)
        if problem:
            return [Problem(place, f"with {value.param} at its {end} ({raw:g}) this gives {mapped:g}: {problem}")]
    return []


class _Files:
    """Checks the files a manifest names, reading each one once."""

    def __init__(self, root: Path, deep: bool) -> None:
        self.root, self.deep = root, deep
        self.seen: dict[tuple[str, tuple[str, ...]], str | None] = {}

    def check(self, rel: str, place: str, suffixes: tuple[str, ...]) -> list[Problem]:
        if (rel, suffixes) not in self.seen:
            self.seen[rel, suffixes] = self._problem(rel, suffixes)
        problem = self.seen[rel, suffixes]
        return [Problem(place, problem)] if problem else []

    def _problem(self, rel: str, suffixes: tuple[str, ...]) -> str | None:
        path = PurePosixPath(rel)
        if "\\" in rel or rel.startswith("/") or (len(rel) > 1 and rel[1] == ":") or ".." in path.parts or not path.parts:
            return f"{rel!r} must be a path inside the pack, relative to {MANIFEST}"
        if path.suffix.lower() not in suffixes:
            return f"{rel!r} must be a {' or '.join(suffixes)} file"
        current = self.root
        for part in path.parts:  # no part of the way may be a link, even in a pack copied in by hand
            current = current / part
            if current.is_symlink():
                return f"{rel} is a symbolic link; a pack may hold only plain files and folders"
        if not current.exists():
            return f"{rel} is not in the pack"
        if not current.is_file():
            return f"{rel} is not a file"
        if not self.deep:
            return None
        if path.suffix.lower() == ".cube":
            from capkit.fx.cube import LutError, read_cube

            try:
                read_cube(current)
            except LutError as err:  # its message starts with the path it was given: name the pack's
                message, given = str(err), f"{os.fspath(current)}: "
                return rel + ": " + message[len(given):] if message.startswith(given) else message
        elif path.suffix.lower() == ".png":
            size = current.stat().st_size
            if size > MAX_THUMBNAIL_BYTES:
                return f"{rel} is {size / 1e6:.1f} MB; a thumbnail may be at most {MAX_THUMBNAIL_BYTES / 1e6:g} MB"
            with current.open("rb") as f:
                if f.read(len(_PNG)) != _PNG:
                    return f"{rel} is not a PNG image"
        return None

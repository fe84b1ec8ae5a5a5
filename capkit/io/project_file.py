"""Reading and writing ``.capkit`` project files.

A project file is JSON: an envelope (``format``, ``format_version``, the capkit version that wrote
it) around the tagged project document (see docs/project-format.md). Media paths are stored
relative to the project file so a project folder can move as a whole; each carries a fingerprint
so media moved on its own can be found again (:func:`relink`).

Saving is atomic: the new text goes to a temporary file in the same folder, is flushed to disk,
and then replaces the old file in one rename, so a crash mid-save leaves the last good file.
Loading never writes: a broken, truncated or newer file is reported and left as it is.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path

from capkit import __version__
from capkit.errors import ProjectFileError
from capkit.io import atomic
from capkit.io.fingerprint import fingerprint
from capkit.io.serialize import SchemaError, from_json, to_json
from capkit.io.text_files import read_text
from capkit.model.items import MediaRef
from capkit.model.project import Project, check_project

FORMAT = "capkit.project"
FORMAT_VERSION = 1
SUFFIX = ".capkit"


def _media_refs(project: Project):
    for item in project.items():
        ref = getattr(item, "source", None)
        if isinstance(ref, MediaRef):
            yield ref


def dumps(project: Project, project_path: str | os.PathLike | None = None) -> str:
    """The file text for ``project``; paths become relative to ``project_path``'s folder."""
    doc = copy.deepcopy(project)
    if project_path is not None:
        base = Path(project_path).resolve().parent
        for ref in _media_refs(doc):
            if ref.path and Path(ref.path).is_absolute():
                try:
                    ref.path = Path(os.path.relpath(ref.path, base)).as_posix()
                except ValueError:  # another drive on Windows: keep it absolute
                    ref.path = Path(ref.path).as_posix()
    envelope = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "written_by": f"capkit {__version__}",
        "project": to_json(doc),
    }
    return json.dumps(envelope, indent=1, ensure_ascii=False) + "\n"


def save(project: Project, path: str | os.PathLike, *, fingerprints: bool = True) -> Path:
    """Write ``project`` to ``path`` atomically and return the path."""
    target = Path(path)
    if target.suffix != SUFFIX:
        raise ProjectFileError(f"{target}: a project file must end in {SUFFIX}")
    problems = check_project(project)
    if problems:
        raise ProjectFileError(f"not saving {target.name}: {problems[0]}")
    live = [ref.path for ref in _media_refs(project) if ref.path.startswith("moviepy:")]
    if live:
        raise ProjectFileError(
            f"not saving {target.name}: {live[0]} is a MoviePy clip that exists only in this Python session; "
            "write it to a file first (capkit.interop.moviepy.freeze_moviepy_sources)"
        )
    if fingerprints:
        for ref in _media_refs(project):
            if ref.fingerprint is None and ref.path and Path(ref.path).is_file():
                ref.fingerprint = fingerprint(ref.path)
    text = dumps(project, target)
    folder = target.resolve().parent
    if not folder.is_dir():
        raise ProjectFileError(f"cannot save {target}: the folder {folder} does not exist")
    return atomic.write_text(target, text)


def loads(text: str, project_path: str | os.PathLike | None = None, *, name: str = "project") -> Project:
    """Parse project file text; ``name`` is how the file is called in error messages."""
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError as err:
        stripped = text.rstrip()
        hint = " (the file looks cut short; restore it from a backup)" if stripped and not stripped.endswith("}") else ""
        raise ProjectFileError(
            f"{name} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno}){hint}"
        ) from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise ProjectFileError(f"{name} is not a capkit project (it has no \"format\": \"{FORMAT}\")")
    version = envelope.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"{name}: format_version must be a whole number (got {version!r})")
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            f"{name} was saved by a newer capkit ({envelope.get('written_by', 'unknown')}, format {version}); "
            f"this capkit {__version__} reads format {FORMAT_VERSION} or older: update capkit to open it"
        )
    try:
        project = from_json(envelope.get("project"), Project, "project")
    except SchemaError as err:
        raise ProjectFileError(f"{name}: {err}") from None
    except (ValueError, TypeError) as err:
        raise ProjectFileError(f"{name}: {err}") from None
    problems = check_project(project)
    if problems:
        raise ProjectFileError(f"{name}: {problems[0]}")
    if project_path is not None:
        base = Path(project_path).resolve().parent
        for ref in _media_refs(project):
            if ref.path and not Path(ref.path).is_absolute():
                ref.path = str((base / ref.path).resolve())
    return project


def load(path: str | os.PathLike) -> Project:
    p = Path(path)
    text = read_text(p, "project", ProjectFileError)
    return loads(text, p, name=str(p))


@dataclass
class Relinked:
    found: dict[str, str]  # old path -> new path
    missing: list[str]


def missing_media(project: Project) -> list[str]:
    return sorted({ref.path for ref in _media_refs(project) if ref.path and not Path(ref.path).exists()})


def relink(project: Project, search: list[str | os.PathLike]) -> Relinked:
    """Find moved media by fingerprint (then by file name) under the given folders and repoint the project."""
    wanted = {ref.path: ref for ref in _media_refs(project) if ref.path and not Path(ref.path).exists()}
    found: dict[str, str] = {}
    if wanted:
        by_name: dict[str, list[Path]] = {}
        for root in search:
            for dirpath, _, files in os.walk(root):
                for f in files:
                    by_name.setdefault(f, []).append(Path(dirpath) / f)
        for old, ref in wanted.items():
            candidates = by_name.get(Path(old).name, []) + [p for ps in by_name.values() for p in ps]
            for cand in dict.fromkeys(candidates):
                if ref.fingerprint is None and cand.name != Path(old).name:
                    continue
                if ref.fingerprint is None or fingerprint(cand) == ref.fingerprint:
                    found[old] = str(cand.resolve())
                    break
        for ref in _media_refs(project):
            if ref.path in found:
                ref.path = found[ref.path]
    return Relinked(found, sorted(set(wanted) - set(found)))

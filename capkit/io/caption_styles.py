"""Caption style presets: validated data files, shipped and the user's own.

A style file is JSON::

    {"format": "capkit.caption-style", "version": 1,
     "description": "White bold words with a black outline; the spoken word turns yellow.",
     "style": {"schema": "CaptionStyle.1", "name": "bold-outline", "text": {...}, "active": {...}}}

``style`` is a :class:`capkit.model.caption_items.CaptionStyle` in the project file's own encoding,
checked by the same reader (so a bad colour or size is reported with its place in the file).
Shipped presets live in ``resources/caption-styles/``; the user's own in
``<data>/caption-styles/`` (see :mod:`capkit.userdirs`), where a file of the same name overrides a
shipped one. A preset is found by its file name without ``.json``, or by a path to a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from capkit.errors import CapkitError
from capkit.io.atomic import write_text
from capkit.io.serialize import SchemaError, from_json, to_json
from capkit.io.text_files import read_data_file
from capkit.model.caption_items import CaptionStyle

FORMAT = "capkit.caption-style"
VERSION = 1
DEFAULT = "bold-outline"


class CaptionStyleError(CapkitError):
    """A caption style that cannot be found or read."""


@dataclass(frozen=True)
class StylePreset:
    name: str
    description: str
    style: CaptionStyle
    path: Path
    builtin: bool


def builtin_dir() -> Path:
    from capkit.resources import resource_path

    return resource_path("caption-styles")


def user_dir() -> Path:
    from capkit.userdirs import data_dir

    return data_dir() / "caption-styles"


def _files() -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for folder, builtin in ((builtin_dir(), True), (user_dir(), False)):
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                found[path.stem] = (path, builtin)
    return found


def names() -> list[str]:
    """Every preset name, shipped ones and the user's."""
    return sorted(_files())


def read_preset(path: str | os.PathLike, *, builtin: bool = False) -> StylePreset:
    """Read and check one style file."""
    path = Path(path)
    doc = read_data_file(path, FORMAT, VERSION, "caption style", CaptionStyleError)
    try:
        style = from_json(doc.get("style"), CaptionStyle, "style")
    except SchemaError as err:
        raise CaptionStyleError(f"{path}: {err}") from None
    return StylePreset(path.stem, str(doc.get("description", "")), style, path, builtin)


def presets() -> list[StylePreset]:
    """Every preset that reads cleanly (a broken user file is left out; :func:`load_style` names it)."""
    out = []
    for path, builtin in _files().values():
        try:
            out.append(read_preset(path, builtin=builtin))
        except CaptionStyleError:
            continue
    return sorted(out, key=lambda p: p.name)


def load_style(name_or_path: str | os.PathLike = DEFAULT) -> CaptionStyle:
    """The style of a preset name (``"karaoke"``) or of a style file path."""
    key = os.fspath(name_or_path)
    files = _files()
    if key in files:
        path, builtin = files[key]
        return read_preset(path, builtin=builtin).style
    if key.endswith(".json") or os.sep in key:
        return read_preset(key).style
    raise CaptionStyleError(f"no caption style named {key!r}; choose one of {', '.join(sorted(files))} "
                            "or give a style .json file")


def save_style(style: CaptionStyle, path: str | os.PathLike | None = None, *, description: str = "") -> Path:
    """Write ``style`` as a preset file (into the user's style folder by default), atomically."""
    target = Path(path) if path is not None else user_dir() / f"{style.name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    doc = {"format": FORMAT, "version": VERSION, "description": description, "style": to_json(style)}
    return write_text(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


__all__ = ["DEFAULT", "CaptionStyleError", "StylePreset", "load_style", "names", "presets", "read_preset",
           "save_style"]

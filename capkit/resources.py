"""Where capkit's shipped data lives (fonts, schemas, presets, styles).

In a source checkout or an editable install that is the top-level ``resources/`` folder; an
installed wheel carries a copy inside the package as ``capkit/_resources``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    for candidate in (_PACKAGE.parent / "resources", _PACKAGE / "_resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("capkit's resources folder is missing; reinstall capkit")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


@lru_cache(maxsize=1)
def builtin_packs_dir() -> Path | None:
    """The first-party filter packs shipped with capkit (``filters/`` in a checkout), if present."""
    for candidate in (_PACKAGE.parent / "filters", _PACKAGE / "_filters"):
        if candidate.is_dir():
            return candidate
    return None

"""Recently opened projects, kept in a small JSON file in the user's config folder.

The folder is platformdirs' user config dir for capkit, or ``CAPKIT_CONFIG_DIR`` when set (tests
and portable installs). A missing or damaged file means an empty list; it is rewritten atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from capkit.io import atomic

LIMIT = 12
FILE_NAME = "recent-projects.json"


def config_dir() -> Path:
    override = os.environ.get("CAPKIT_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("capkit", appauthor=False))


def _file() -> Path:
    return config_dir() / FILE_NAME


def recent_projects(*, existing_only: bool = True) -> list[Path]:
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
        paths = [Path(p) for p in data.get("projects", []) if isinstance(p, str)]
    except (OSError, ValueError, AttributeError):
        return []
    return [p for p in paths if p.is_file()] if existing_only else paths


def remember(path: str | Path) -> None:
    """Put ``path`` first in the list (at most ``LIMIT`` kept)."""
    path = Path(path).resolve()
    paths = [path] + [p for p in recent_projects(existing_only=False) if p != path]
    target = _file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = atomic.temp_beside(target)
        tmp.write_text(json.dumps({"projects": [str(p) for p in paths[:LIMIT]]}, indent=1), encoding="utf-8")
        atomic.replace(tmp, target)
    except OSError:
        pass  # a read-only config folder costs the user the list, not the project

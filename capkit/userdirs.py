"""The user's folders capkit writes to, each with an environment override (used by the tests).

- data (``$CAPKIT_DATA_DIR`` or the platform's user data folder): installed filter packs, caption
  styles of the user's own, autosave backups.
- cache (``$CAPKIT_CACHE_DIR`` or the platform's user cache folder): things capkit can make again:
  the reassembled whisper model, the starter sound library, demo media.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "CAPKIT_DATA_DIR"
CACHE_ENV = "CAPKIT_CACHE_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("capkit", appauthor=False))


def cache_dir() -> Path:
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("capkit"))

"""The user's folders capkit writes to, each with an environment override (used by the tests).

- data (``$CAPKIT_DATA_DIR`` or the platform's user data folder): installed filter packs, caption
  styles of the user's own, autosave backups.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "CAPKIT_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("capkit", appauthor=False))

"""capkit: an offline video editor for short-video creators.

The package is layered (see docs/architecture.md): ``model`` holds the project as pure data and the
edit verbs, ``io`` reads and writes it, ``media`` decodes, ``render`` turns a project into frames,
sound and files, and ``cli`` drives it all from a terminal. The scripting API lives in
:mod:`capkit.api` and is re-exported here lazily so ``import capkit`` stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

_API_NAMES = {
    "Project", "new_project", "add_media", "add_text", "add_audio", "add_color", "add_filter",
    "load", "save", "export", "render_frame", "add_captions", "caption_project",
}


def __getattr__(name: str):
    if name in _API_NAMES:
        from capkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'capkit' has no attribute {name!r}")

"""Filter packs: looks made by others, installed as data and run as chains of built-in operations.

A pack is a folder or a ``.capkitpack`` zip with a ``capkit-pack.json`` manifest (see
docs/filter-packs.md and resources/schemas/filter-pack.schema.json). Installing or using a pack
never runs code from it: a pack filter is a graph of capkit's own operations with values, links to
the filter's exposed parameters, and LUT files.

- :mod:`~capkit.packs.manifest`: the manifest's model and strict reading
- :mod:`~capkit.packs.check`: what the manifest means against this capkit (ops, ranges, files)
- :mod:`~capkit.packs.archive`: copying a pack in safely (no escaping paths, links, zip bombs)
- :mod:`~capkit.packs.store`: the installed packs (install, remove, list, load, resolve)
- :mod:`~capkit.packs.graph`: a pack filter as a ``FilterSpec`` over built-in ops
- :mod:`~capkit.packs.testing`: pytest fixtures for pack authors
"""

from __future__ import annotations

from capkit.packs.check import Pack
from capkit.packs.errors import PackError
from capkit.packs.graph import pack_filter_spec
from capkit.packs.manifest import PackManifest, Problem
from capkit.packs.store import (
    PackInfo,
    PackProblem,
    ValidationReport,
    data_dir,
    info,
    install,
    installed,
    load_all,
    packs_dir,
    remove,
    resolve,
    validate,
)

__all__ = [
    "Pack", "PackError", "PackInfo", "PackManifest", "PackProblem", "Problem", "ValidationReport",
    "data_dir", "info", "install", "installed", "load_all", "pack_filter_spec", "packs_dir", "remove",
    "resolve", "validate",
]

"""Upgrades of older documents, one small registered function per schema version step.

When an object's layout changes, bump its class ``VERSION`` and register a function here that turns
the previous version's dict into the new one. Reading applies them in order, so any file capkit
ever wrote still opens. The same applies to the file envelope (``format_version``).
"""

from __future__ import annotations

from collections.abc import Callable

Upgrade = Callable[[dict], dict]

# (schema name, from version) -> function producing the dict of version + 1
UPGRADES: dict[tuple[str, int], Upgrade] = {}


def register(schema: str, from_version: int):
    def wrap(fn: Upgrade) -> Upgrade:
        UPGRADES[(schema, from_version)] = fn
        return fn

    return wrap


def upgrade(schema: str, version: int, data: dict, path: str) -> dict:
    from capkit.io.serialize import SCHEMAS, SchemaError

    target = SCHEMAS[schema].VERSION
    while version < target:
        step = UPGRADES.get((schema, version))
        if step is None:
            raise SchemaError(path, f"no upgrade from {schema} version {version} to {version + 1}")
        data = step(data)
        version += 1
    return data

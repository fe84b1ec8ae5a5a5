"""The JSON Schema of the project file, generated from the model's dataclasses.

``python -m capkit.io.json_schema`` prints it; ``resources/schemas/project.schema.json`` is that
output, and a test fails when the two drift apart, so the published schema always matches the code.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from fractions import Fraction

from capkit.io.project_file import FORMAT, FORMAT_VERSION
from capkit.io.serialize import SCHEMAS, format_time, hints
from capkit.model.items import Item

TIME = {"type": "string", "pattern": r"^-?[0-9]+(/[0-9]+)?$", "description": "exact seconds, e.g. \"5/2\""}


def _type(hint) -> dict:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type(a) for a in typing.get_args(hint)]}
    if origin is list:
        return {"type": "array", "items": _type(typing.get_args(hint)[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type(typing.get_args(hint)[1])}
    if hint is type(None):
        return {"type": "null"}
    if hint is Fraction:
        return {"$ref": "#/$defs/Time"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint is str:
        return {"type": "string"}
    if hint is Item:
        return {"anyOf": [{"$ref": f"#/$defs/{c.SCHEMA}"} for c in SCHEMAS.values() if issubclass(c, Item)]}
    return {"$ref": f"#/$defs/{hint.SCHEMA}"}


def _field(f: dataclasses.Field, hint) -> dict:
    out = _type(hint)
    m = f.metadata
    if m.get("doc"):
        out["description"] = m["doc"]
    bounds = {}
    for key, word in (("min", "minimum"), ("max", "maximum")):
        if key in m and not isinstance(m[key], Fraction):
            bounds[word] = m[key]
        elif key in m:
            out.setdefault("description", "")
            out["description"] = (out["description"] + f" ({key} {format_time(m[key])})").strip()
    if "choices" in m:
        bounds["enum"] = list(m["choices"])
    if m.get("color"):
        bounds["pattern"] = "^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$"
    if bounds:
        if "anyOf" in out:  # optional values: the rule applies to the non-null branch
            out["anyOf"] = [dict(a, **bounds) if a.get("type") != "null" else a for a in out["anyOf"]]
        else:
            out.update(bounds)
    return out


def project_schema() -> dict:
    defs: dict[str, dict] = {"Time": TIME}
    for name, cls in sorted(SCHEMAS.items()):
        props = {"schema": {"type": "string", "pattern": f"^{name}\\.[0-9]+$"}}
        field_hints = hints(cls)
        for f in dataclasses.fields(cls):
            props[f.name] = _field(f, field_hints[f.name])
        defs[name] = {
            "type": "object",
            "description": (cls.__doc__ or name).strip().splitlines()[0],
            "properties": props,
            "required": ["schema"],
            "additionalProperties": False,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://capkit.dev/schemas/project.schema.json",
        "title": "capkit project file",
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "format_version": {"type": "integer", "minimum": 1, "maximum": FORMAT_VERSION},
            "written_by": {"type": "string"},
            "project": {"$ref": "#/$defs/Project"},
        },
        "required": ["format", "format_version", "project"],
        "$defs": defs,
    }


def main() -> None:
    print(json.dumps(project_schema(), indent=1))


if __name__ == "__main__":
    main()

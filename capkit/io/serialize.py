"""Dataclasses to JSON and back, checked against the rules in their field metadata.

Every object is written with its schema tag (``"schema": "VideoClip.1"``); times are exact
``"num/den"`` strings. Reading checks every value and reports the first problem with its place in
the document, e.g. ``tracks[0].items[2].speed: must be at most 10 (got 12)``. Older object versions
are upgraded by the functions registered in :mod:`capkit.io.migrations`; newer ones are refused.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from fractions import Fraction

from capkit.model import caption_items as _caption_items
from capkit.model import items as _items
from capkit.model import keyframes as _keyframes
from capkit.model import project as _project
from capkit.model.rules import check_value


class SchemaError(ValueError):
    """A value in a document that does not fit its schema. ``path`` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or 'document'}: {message}")
        self.path = path


def _registry() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in (_items, _caption_items, _keyframes, _project):
        for obj in vars(module).values():
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) and "SCHEMA" in vars(obj):
                found[obj.SCHEMA] = obj
    return found


SCHEMAS: dict[str, type] = _registry()


@typing.no_type_check
def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


_HINTS: dict[type, dict[str, object]] = {}


def hints(cls: type) -> dict[str, object]:
    if cls not in _HINTS:
        _HINTS[cls] = _hints(cls)
    return _HINTS[cls]


def format_time(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


# --- writing --------------------------------------------------------------------------------


def to_json(obj):
    if dataclasses.is_dataclass(obj):
        out = {"schema": f"{obj.SCHEMA}.{obj.VERSION}"}
        for f in dataclasses.fields(obj):
            out[f.name] = to_json(getattr(obj, f.name))
        return out
    if isinstance(obj, Fraction):
        return format_time(obj)
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"cannot save the non-finite number {obj}")
    return obj


# --- reading --------------------------------------------------------------------------------


def _tag(data: dict, path: str) -> tuple[type, int]:
    tag = data.get("schema")
    if not isinstance(tag, str) or "." not in tag:
        raise SchemaError(path, "object has no 'schema' tag like \"VideoClip.1\"")
    name, _, version = tag.rpartition(".")
    if name not in SCHEMAS:
        raise SchemaError(path, f"unknown object type {name!r}")
    try:
        return SCHEMAS[name], int(version)
    except ValueError:
        raise SchemaError(path, f"bad schema version in {tag!r}") from None


def _read_time(value, path: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise SchemaError(path, f"expected a time like \"5/2\" or \"3\" (got {value!r})")
    try:
        result = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise SchemaError(path, f"{value!r} is not a time like \"5/2\"") from None
    return result


def from_json(data, hint, path: str = ""):
    """Build the value described by type ``hint`` from JSON ``data``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if data is None:
            if type(None) in options:
                return None
            raise SchemaError(path, "a value is required here")
        non_none = [o for o in options if o is not type(None)]
        if len(non_none) == 1:
            return from_json(data, non_none[0], path)
        for option in non_none:  # primitive unions such as float | str | bool
            if _matches(data, option):
                return data
        raise SchemaError(path, f"unexpected value {data!r}")
    if origin is list:
        if not isinstance(data, list):
            raise SchemaError(path, f"expected a list (got {type(data).__name__})")
        (inner,) = typing.get_args(hint)
        return [from_json(v, inner, f"{path}[{i}]") for i, v in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            raise SchemaError(path, f"expected an object (got {type(data).__name__})")
        _, inner = typing.get_args(hint)
        return {k: from_json(v, inner, f"{path}.{k}") for k, v in data.items()}
    if hint is Fraction:
        return _read_time(data, path)
    if hint is bool:
        if not isinstance(data, bool):
            raise SchemaError(path, f"expected true or false (got {data!r})")
        return data
    if hint is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise SchemaError(path, f"expected a whole number (got {data!r})")
        return data
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise SchemaError(path, f"expected a number (got {data!r})")
        return float(data)
    if hint is str:
        if not isinstance(data, str):
            raise SchemaError(path, f"expected text (got {data!r})")
        return data
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) or hint in (_items.Item,):
        return _read_object(data, hint, path)
    raise SchemaError(path, f"cannot read values of type {hint!r}")


def _matches(data, option) -> bool:
    if option is bool:
        return isinstance(data, bool)
    if option is float:
        return isinstance(data, (int, float)) and not isinstance(data, bool)
    if option is int:
        return isinstance(data, int) and not isinstance(data, bool)
    return isinstance(data, option)


def _read_object(data, expected: type, path: str):
    from capkit.io.migrations import upgrade

    if not isinstance(data, dict):
        raise SchemaError(path, f"expected an object (got {type(data).__name__})")
    cls, version = _tag(data, path)
    if not issubclass(cls, expected):
        raise SchemaError(path, f"a {cls.SCHEMA} cannot appear here (expected {expected.__name__})")
    if version > cls.VERSION:
        raise SchemaError(path, f"{cls.SCHEMA} version {version} is newer than this capkit understands "
                                f"(up to {cls.VERSION}); update capkit")
    if version < 1:
        raise SchemaError(path, f"bad schema version {version}")
    data = upgrade(cls.SCHEMA, version, dict(data), path)
    field_hints = hints(cls)
    names = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key != "schema" and key not in names:
            raise SchemaError(path, f"unknown field {key!r} in {cls.SCHEMA}")
    values = {}
    for name, f in names.items():
        if name not in data:
            continue
        where = f"{path}.{name}" if path else name
        value = from_json(data[name], field_hints[name], where)
        problem = check_value(dict(f.metadata), value)
        if problem:
            raise SchemaError(where, problem)
        values[name] = value
    return cls(**values)

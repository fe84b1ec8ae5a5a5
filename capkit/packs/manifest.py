"""The filter-pack manifest (``capkit-pack.json``): its typed model and how it is read.

Reading is strict: JSON only (no NaN or Infinity, no duplicate keys), unknown fields are refused,
numbers are never taken from strings. Every problem comes back as a :class:`Problem` naming the
place in the manifest the way a pack author writes it (``filters[2].graph[0].op``). What the fields
*mean* (which operations exist, their ranges, the files they name) is checked in
:mod:`capkit.packs.check`; this module only knows the shape.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

MANIFEST = "capkit-pack.json"
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 1_000_000

PACK_ID = r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$"
FILTER_ID = r"^[a-z0-9]+([-_][a-z0-9]+)*$"
PARAM_NAME = r"^[a-z][a-z0-9_]*$"
SEMVER = (r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
          r"(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
          r"(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$")
SPDX = r"^[A-Za-z0-9][A-Za-z0-9.+-]*( (AND|OR|WITH) [A-Za-z0-9][A-Za-z0-9.+-]*)*$"

# How a pattern is explained when a value does not match it.
_PATTERN_WORDS = {
    PACK_ID: "a lower-case reverse-DNS id such as 'com.example.looks'",
    FILTER_ID: "lower-case letters, digits, '-' and '_', such as 'teal-orange'",
    PARAM_NAME: "a lower-case name such as 'amount' (letters, digits, '_')",
    SEMVER: "a semantic version such as '1.2.0'",
    SPDX: "an SPDX licence identifier such as 'MIT' or 'CC-BY-4.0'",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack: where (a manifest path, or empty for the pack as a whole) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


# -- value types ---------------------------------------------------------------------------------

def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _literal(value: Any):
    """A value as written: a number, true/false, text or a list (a curve's points); never an object or null."""
    if isinstance(value, (bool, int, float, str, list)):
        return value
    raise PydanticCustomError("pack_literal", "must be a number, true/false, text or a list (got {kind})",
                              {"kind": _json_kind(value)})


_LITERAL_SCHEMA = {"type": ["number", "boolean", "string", "array"]}
Value = Annotated[Any, PlainValidator(_literal), WithJsonSchema(_LITERAL_SCHEMA)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class ParamLink(_Strict):
    """A graph value taken from one of the filter's exposed parameters: ``scale * value + offset``."""

    param: str = Field(description="the name of an exposed parameter of this filter")
    scale: float = Field(1.0, description="multiplies the parameter's value (numbers only)")
    offset: float = Field(0.0, description="added after scaling (numbers only)")

    def apply(self, value):
        if self.scale == 1 and self.offset == 0:
            return value  # also how true/false, choices and colours pass through
        return self.scale * value + self.offset


def _step_value(value: Any):
    if not isinstance(value, dict):
        return _literal(value)
    try:
        return ParamLink.model_validate(value)
    except ValidationError as err:  # re-raised as one error of the outer field, keeping the inner place
        first = err.errors()[0]
        place = first["loc"][:-1] if first["type"] == "extra_forbidden" else first["loc"]
        raise PydanticCustomError("pack_link", "{message}", {
            "message": _explain(first, ParamLink), "sub_loc": _dotted(place),
        }) from None


_LINK_SCHEMA = {
    "type": "object",
    "properties": {"param": {"type": "string"}, "scale": {"type": "number"}, "offset": {"type": "number"}},
    "required": ["param"],
    "additionalProperties": False,
}
StepValue = Annotated[Any, PlainValidator(_step_value), WithJsonSchema({"anyOf": [_LITERAL_SCHEMA, _LINK_SCHEMA]})]


def _version_range(text: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        valid = bool(text.strip()) and SpecifierSet(text) is not None
    except InvalidSpecifier:
        valid = False
    if not valid:
        raise PydanticCustomError("pack_range", "must be a version range such as '>=0.1,<1' (got {got})",
                                  {"got": repr(text)})
    return text


def _format_version(value: int) -> int:
    if value > FORMAT_VERSION:
        raise PydanticCustomError(
            "pack_format", "pack format {got} is newer than this capkit reads ({ours}); update capkit",
            {"got": value, "ours": FORMAT_VERSION})
    if value < 1:
        raise PydanticCustomError("pack_format", "must be {ours}", {"ours": FORMAT_VERSION})
    return value


# -- the manifest ----------------------------------------------------------------------------------

# The kinds of capkit.fx.params.Param a pack may expose (a file picker makes no sense: files come in the pack).
ParamKind = Literal["float", "int", "bool", "choice", "color", "points"]
Widget = Literal["slider", "checkbox", "dropdown", "color", "curve"]
WIDGET_FOR = {"float": "slider", "int": "slider", "bool": "checkbox", "choice": "dropdown", "color": "color",
              "points": "curve"}


class ExposedParam(_Strict):
    """A control the filter offers, described like the parameters of capkit's built-in filters."""

    name: str = Field(pattern=PARAM_NAME, max_length=40)
    type: ParamKind = "float"
    default: Value
    min: float | None = Field(None, description="required for float and int")
    max: float | None = Field(None, description="required for float and int")
    choices: list[str] = Field([], max_length=64, description="the values of a choice parameter")
    animatable: bool = True
    widget: Widget | None = Field(None, description="default: the one for the type (slider, checkbox, dropdown, color, curve)")
    unit: str = Field("", max_length=16)
    doc: str = Field("", max_length=500)

    def to_param(self):
        from capkit.fx.params import Param

        return Param(self.name, self.default, self.min, self.max, kind=self.type, animatable=self.animatable,
                     widget=self.widget or WIDGET_FOR[self.type], unit=self.unit, choices=tuple(self.choices),
                     doc=self.doc)


class Step(_Strict):
    """One built-in operation in a filter's graph; steps run in order, each on the last one's output."""

    op: str = Field(min_length=1, max_length=64, description="a built-in filter id, e.g. 'grade' or 'lut3d'")
    params: dict[str, StepValue] = Field({}, description="literal values, pack files for path parameters, "
                                                          "or {\"param\": NAME, \"scale\": k, \"offset\": b}")
    intensity: StepValue = Field(1.0, description="mix of this step over its input, 0..1")


class PackFilter(_Strict):
    """One look: known to projects as ``<pack id>/<filter id>``."""

    id: str = Field(pattern=FILTER_ID, max_length=64)
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=1000)
    thumbnail: str | None = Field(None, description="a PNG inside the pack, relative to capkit-pack.json")
    params: list[ExposedParam] = Field([], max_length=32)
    graph: list[Step] = Field(min_length=1, max_length=32)


class PackManifest(_Strict):
    """``capkit-pack.json``: what a filter pack is and the looks it holds."""

    model_config = ConfigDict(title="capkit filter pack")

    format_version: Annotated[int, AfterValidator(_format_version)] = Field(
        description=f"the pack format; this capkit reads up to {FORMAT_VERSION}")
    id: str = Field(pattern=PACK_ID, max_length=100)
    name: str = Field(min_length=1, max_length=80)
    version: str = Field(pattern=SEMVER, max_length=64)
    author: str = Field(min_length=1, max_length=200)
    license: str = Field(pattern=SPDX, max_length=200)
    capkit: Annotated[str, AfterValidator(_version_range)] = Field(
        max_length=100, description="the capkit versions this pack works with (PEP 440), e.g. '>=0.1,<1'")
    description: str = Field("", max_length=2000)
    filters: list[PackFilter] = Field(min_length=1, max_length=500)

    def filter(self, filter_id: str) -> PackFilter | None:
        return next((f for f in self.filters if f.id == filter_id), None)


# -- reading ---------------------------------------------------------------------------------------

def version_key(version: str) -> tuple:
    """Semantic-version precedence: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0 < 1.0.1."""
    core, _, _build = version.partition("+")
    core, _, pre = core.partition("-")
    numbers = tuple(int(n) for n in core.split("."))
    if not pre:
        return (*numbers, 1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (*numbers, 0, ids)


def is_version(text: str) -> bool:
    return re.match(SEMVER, text) is not None


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple, model: type[BaseModel]) -> type[BaseModel] | None:
    """The model class reached by following ``loc`` (field names and list indexes) from ``model``."""
    import types
    import typing

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        current = current.model_fields[part].annotation
        while typing.get_origin(current) in (list, typing.Union, types.UnionType):
            current = typing.get_args(current)[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _explain(error: dict, model: type[BaseModel]) -> str:
    kind, ctx, got = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        parent = _model_at(error["loc"][:-1], model)
        allowed = f" (allowed: {', '.join(parent.model_fields)})" if parent else ""
        return f"unknown field {error['loc'][-1]!r}{allowed}"
    if kind == "string_pattern_mismatch":
        return f"must be {_PATTERN_WORDS.get(ctx['pattern'], 'text matching ' + ctx['pattern'])} (got {got!r})"
    if kind == "literal_error":
        return f"must be {ctx['expected']} (got {_json_kind(got)})"
    if kind in ("string_type", "str_type"):
        return f"must be text (got {_json_kind(got)})"
    if kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        return f"must be {'a whole number' if kind.startswith('int') else 'a number'} (got {_json_kind(got)})"
    if kind == "bool_type":
        return f"must be true or false (got {_json_kind(got)})"
    if kind == "list_type":
        return f"must be a list (got {_json_kind(got)})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be an object (got {_json_kind(got)})"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty" if ctx.get("min_length") == 1 else f"needs at least {ctx['min_length']} items"
    if kind == "too_long":
        return f"may hold at most {ctx['max_length']} items (got {ctx['actual_length']})"
    if kind == "string_too_long":
        return f"may be at most {ctx['max_length']} characters long"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind.startswith("pack_"):
        return error["msg"]
    return error["msg"][:1].lower() + error["msg"][1:]


def problems_from(err: ValidationError) -> list[Problem]:
    out = []
    for e in err.errors():
        where = _dotted(e["loc"])
        sub = (e.get("ctx") or {}).get("sub_loc")
        if sub:
            where = f"{where}.{sub}"
        if e["type"] == "extra_forbidden":  # name the object that has the stray field
            where = _dotted(e["loc"][:-1])
        out.append(Problem(where or MANIFEST, _explain(e, PackManifest)))
    return out


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _non_finite(value: Any, loc: tuple = ()) -> tuple | None:
    """The place of the first NaN or infinity in parsed JSON (Python's json reads both, and 1e999 as inf)."""
    if isinstance(value, float) and not math.isfinite(value):
        return loc
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, sub in items:
        found = _non_finite(sub, (*loc, key))
        if found is not None:
            return found
    return None


def parse_manifest(data: bytes) -> tuple[PackManifest | None, list[Problem]]:
    """The manifest in ``data``, or None and what is wrong with it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem(MANIFEST, "is not UTF-8 text")]
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as err:
        return None, [Problem(MANIFEST, f"is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})")]
    except ValueError as err:
        return None, [Problem(MANIFEST, str(err))]
    bad = _non_finite(raw)
    if bad is not None:
        return None, [Problem(_dotted(bad) or MANIFEST, "NaN and infinity are not allowed; use a finite number")]
    try:
        return PackManifest.model_validate(raw), []
    except ValidationError as err:
        return None, problems_from(err)


def read_manifest(root: Path) -> tuple[PackManifest | None, list[Problem]]:
    path = root / MANIFEST
    if not path.is_file() or path.is_symlink():
        return None, [Problem("", f"no {MANIFEST} at the top of the pack")]
    size = path.stat().st_size
    if size > MAX_MANIFEST_BYTES:
        return None, [Problem(MANIFEST, f"is {size / 1e6:.1f} MB; a manifest may be at most "
                                        f"{MAX_MANIFEST_BYTES / 1e6:g} MB")]
    return parse_manifest(path.read_bytes())

"""Value rules read from dataclass field metadata, shared by the file reader and the edit verbs.

A field may carry ``min``, ``max``, ``choices``, ``color`` and ``even`` in its metadata. Keeping
the rules beside the field means the project file, the inspector and scripted edits all refuse
the same values with the same words.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

from capkit.model.color import is_color
from capkit.model.keyframes import KEYFRAMABLE


def field_rules(cls: type, name: str) -> dict:
    for f in dataclasses.fields(cls):
        if f.name == name:
            return dict(f.metadata)
    raise KeyError(f"{cls.__name__} has no field {name!r}")


def _show(v) -> str:
    if isinstance(v, Fraction):
        return str(float(v)) if v.denominator != 1 else str(v.numerator)
    return repr(v)


def check_value(rules: dict, value) -> str | None:
    """Why ``value`` breaks ``rules``, or None when it is fine."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number (got {value})"
    lo, hi = rules.get("min"), rules.get("max")
    if lo is not None and value is not None and value < lo:
        return f"must be at least {_show(lo)} (got {_show(value)})"
    if hi is not None and value is not None and value > hi:
        return f"must be at most {_show(hi)} (got {_show(value)})"
    choices = rules.get("choices")
    if choices and value not in choices:
        return f"must be one of {', '.join(map(str, choices))} (got {_show(value)})"
    if rules.get("color") and value is not None and not is_color(value):
        return f"must be a colour like #FFCC00 or #FFCC0080 (got {_show(value)})"
    if rules.get("even") and isinstance(value, int) and value % 2:
        return f"must be even (got {value})"
    if rules.get("keys") == "keyframable" and isinstance(value, dict):
        bad = sorted(set(value) - set(KEYFRAMABLE))
        if bad:
            return f"cannot animate {', '.join(bad)}; animatable: {', '.join(KEYFRAMABLE)}"
    return None

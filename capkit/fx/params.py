"""Parameter schemas: what a filter's parameters are, described as data.

The GUI builds its controls from these, the project reader checks values against them, and filter
packs declare theirs in the same terms. Kinds:

- ``float`` / ``int``: a number within ``min``..``max`` (``widget`` slider);
- ``bool``: true or false (checkbox);
- ``choice``: one of ``choices`` (dropdown);
- ``color``: ``"#RRGGBB"`` (colour picker);
- ``points``: a curve's control points ``[[x, y], ...]``, 2 to 16 of them, each in 0..1 with x
  strictly increasing (curve editor);
- ``path``: a file, e.g. a ``.cube`` LUT (file picker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("float", "int", "bool", "choice", "color", "points", "path")
WIDGETS = ("slider", "checkbox", "dropdown", "color", "curve", "file")
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
MAX_POINTS = 16


@dataclass(frozen=True)
class Param:
    name: str
    default: object
    min: float | None = None
    max: float | None = None
    kind: str = "float"
    animatable: bool = True
    widget: str = "slider"
    unit: str = ""
    choices: tuple[str, ...] = ()
    doc: str = ""

    def check(self, value) -> str | None:
        """Why ``value`` is not acceptable, or None."""
        if self.kind in ("float", "int"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"{self.name} must be a number (got {value!r})"
            if value != value or value in (float("inf"), float("-inf")):
                return f"{self.name} must be a finite number (got {value})"
            if self.kind == "int" and value != int(value):
                return f"{self.name} must be a whole number (got {value:g})"
            if self.min is not None and value < self.min:
                return f"{self.name} must be at least {self.min:g} (got {value:g})"
            if self.max is not None and value > self.max:
                return f"{self.name} must be at most {self.max:g} (got {value:g})"
        elif self.kind == "bool" and not isinstance(value, bool):
            return f"{self.name} must be true or false (got {value!r})"
        elif self.kind == "choice" and value not in self.choices:
            return f"{self.name} must be one of {', '.join(self.choices)} (got {value!r})"
        elif self.kind == "color" and not (isinstance(value, str) and _COLOR.fullmatch(value)):
            return f"{self.name} must be a colour like \"#FF8800\" (got {value!r})"
        elif self.kind == "points":
            return _check_points(self.name, value)
        elif self.kind == "path" and not (isinstance(value, str) and value.strip()):
            return f"{self.name} must be a file path (got {value!r})"
        return None


def _check_points(name: str, value) -> str | None:
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= MAX_POINTS:
        return f"{name} must be a list of 2 to {MAX_POINTS} [x, y] points (got {value!r})"
    last_x = -1.0
    for point in value:
        if (not isinstance(point, (list, tuple)) or len(point) != 2
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in point)):
            return f"{name}: each point must be [x, y] numbers (got {point!r})"
        x, y = point
        if not (0 <= x <= 1 and 0 <= y <= 1):
            return f"{name}: point {list(point)} is outside 0..1"
        if x <= last_x:
            return f"{name}: x must increase from point to point (got {x:g} after {last_x:g})"
        last_x = x
    return None


def color_rgb(value: str) -> tuple[int, int, int]:
    """``"#RRGGBB"`` as three 0..255 ints."""
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)

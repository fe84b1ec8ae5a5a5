"""Parameter schemas: what a filter's parameters are, described as data.

The GUI builds its controls from these, the project reader checks values against them, and filter
packs declare theirs in the same terms.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    name: str
    default: float | bool | str
    min: float | None = None
    max: float | None = None
    kind: str = "float"  # float | int | bool | color | choice
    animatable: bool = True
    widget: str = "slider"  # slider | checkbox | color | dropdown
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
            if self.min is not None and value < self.min:
                return f"{self.name} must be at least {self.min:g} (got {value:g})"
            if self.max is not None and value > self.max:
                return f"{self.name} must be at most {self.max:g} (got {value:g})"
        elif self.kind == "bool" and not isinstance(value, bool):
            return f"{self.name} must be true or false (got {value!r})"
        elif self.kind == "choice" and value not in self.choices:
            return f"{self.name} must be one of {', '.join(self.choices)} (got {value!r})"
        return None

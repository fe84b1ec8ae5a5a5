"""A field for one filter parameter, chosen from its schema (:class:`capkit.fx.params.Param`)."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from capkit.fx.params import Param
from capkit.gui.widgets.fields import (
    CheckField,
    ChoiceField,
    ColorButton,
    NumberField,
    PathField,
)


class CurveSummary(QLabel):
    """A curve's points, shown (a curve editor is for later); it never commits."""

    committed = Signal(object)

    def set_value(self, points) -> None:
        shown = ", ".join(f"({x:g}, {y:g})" for x, y in points)
        self.setText(f"{len(points)} points")
        self.setToolTip(shown)


def _decimals(p: Param) -> int:
    span = (p.max - p.min) if p.min is not None and p.max is not None else 10.0
    return 3 if span <= 2 else 2 if span <= 20 else 1


def param_field(p: Param, parent=None) -> QWidget:
    """The widget a parameter's kind asks for. A curve (``points``) is shown, not edited here."""
    if p.kind in ("float", "int"):
        lo = p.min if p.min is not None else -math.inf
        hi = p.max if p.max is not None else math.inf
        decimals = _decimals(p)
        field = NumberField(lo, hi, decimals=decimals, step=10 ** -min(decimals, 2), slider=p.widget == "slider",
                            integer=p.kind == "int", suffix=f" {p.unit}" if p.unit else "", parent=parent)
    elif p.kind == "bool":
        field = CheckField(parent=parent)
    elif p.kind == "choice":
        field = ChoiceField(p.choices, parent=parent)
    elif p.kind == "color":
        field = ColorButton(parent=parent)
    elif p.kind == "path":
        field = PathField("3D LUTs (*.cube);;All files (*)", parent=parent)
    else:
        field = CurveSummary(parent)
    if p.doc:
        field.setToolTip(p.doc)
    return field

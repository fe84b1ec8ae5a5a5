"""Small editing widgets shared by the inspector and the panels.

Each field shows a value set by the program (:meth:`set_value`, which emits nothing) and emits
``committed(value)`` once per finished user change: a spin box when editing ends or an arrow is
clicked, a slider when it is let go, a text box on Enter or when it loses focus. That is what
makes one user change one undo step.
"""

from capkit.gui.widgets.fields import (
    CheckField,
    ChoiceField,
    ColorButton,
    KeyframeButton,
    NumberField,
    PathField,
    TextBoxField,
    TextField,
)
from capkit.gui.widgets.params import param_field

__all__ = ["CheckField", "ChoiceField", "ColorButton", "KeyframeButton", "NumberField", "PathField",
           "TextBoxField", "TextField", "param_field"]

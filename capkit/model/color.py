"""Colours as the project stores them: ``#RRGGBB`` or ``#RRGGBBAA`` strings.

Strings keep the project file readable and diff-friendly; the renderer converts once per plan.
"""

from __future__ import annotations

import re

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")

NAMED = {
    "black": "#000000", "white": "#FFFFFF", "red": "#FF0000", "green": "#00FF00",
    "blue": "#0000FF", "yellow": "#FFFF00", "cyan": "#00FFFF", "magenta": "#FF00FF",
    "transparent": "#00000000",
}


def is_color(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX.match(value))


def normalize_color(value: str) -> str:
    """Accept ``#rgb``-style hex of 6/8 digits or a few names; return upper-case ``#RRGGBB[AA]``."""
    text = value.strip()
    text = NAMED.get(text.lower(), text)
    if not text.startswith("#"):
        text = "#" + text
    if not _HEX.match(text):
        raise ValueError(f"{value!r} is not a colour: use #RRGGBB or #RRGGBBAA (e.g. #FFCC00)")
    return text.upper()


def rgba(value: str) -> tuple[int, int, int, int]:
    """The colour as 0-255 (r, g, b, a)."""
    text = normalize_color(value)
    r, g, b = (int(text[i : i + 2], 16) for i in (1, 3, 5))
    a = int(text[7:9], 16) if len(text) == 9 else 255
    return r, g, b, a

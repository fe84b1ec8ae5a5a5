"""Reading the command line's common values, each refused with one clear line when wrong."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from capkit.cli.report import fail


def canvas_size(text: str) -> tuple[int, int]:
    """``--size 1080x1920`` as (width, height)."""
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        fail(f"--size {text!r} is not WIDTHxHEIGHT, e.g. 1080x1920")
        raise  # unreachable


def frame_rate(text: str) -> Fraction:
    """``--fps 30``, ``29.97`` or ``30000/1001`` as an exact rate."""
    from capkit.model.time import parse_rate

    try:
        return parse_rate(text)
    except (ValueError, ZeroDivisionError):
        fail(f"--fps {text!r} is not a frame rate; use e.g. 30, 29.97 or 30000/1001")
        raise  # unreachable


def refuse_existing(output: Path, force: bool) -> None:
    """An output file is not replaced unless the user said ``--force``."""
    if output.exists() and not force:
        fail(f"{output} already exists; pass --force to replace it")


def new_project_file(output: Path, force: bool) -> None:
    """A project file about to be created: it must end in .capkit and not replace one unasked."""
    if output.suffix != ".capkit":
        fail(f"{output}: a project file must end in .capkit")
    refuse_existing(output, force)

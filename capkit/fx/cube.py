"""Reading ``.cube`` 3D LUT files, strictly: a bad file gets one message naming the line.

The format is Adobe's (also written by Resolve): optional ``TITLE``, ``LUT_3D_SIZE N``, optional
``DOMAIN_MIN``/``DOMAIN_MAX``, then N³ lines of "R G B" with red changing fastest. capkit takes
sizes 17 to 65 (the sizes grading tools write), refuses 1D LUTs, NaN/inf and values outside 0..1,
and files over :data:`MAX_BYTES` (a 65-point cube is about 8 MB of text).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from capkit.errors import RenderError

MIN_SIZE, MAX_SIZE = 17, 65
MAX_BYTES = 16 * 1024 * 1024
# Grading tools write values like -0.0000001 or 1.0000002; anything further out is a broken file.
_SLACK = 1e-4


class LutError(RenderError):
    """A ``.cube`` file capkit will not use; the message names the file and the line."""


@dataclass(frozen=True)
class CubeLut:
    size: int
    table: np.ndarray  # float32 (N, N, N, 3) indexed [r, g, b], values in 0..1
    domain_min: tuple[float, float, float] = (0.0, 0.0, 0.0)
    domain_max: tuple[float, float, float] = (1.0, 1.0, 1.0)
    title: str = ""


def read_cube(path: str | os.PathLike) -> CubeLut:
    """The LUT in ``path``; raises :class:`LutError` saying what is wrong and where."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
    except OSError as err:
        raise LutError(f"{name}: cannot read the LUT file ({err.strerror or err})") from None
    if size > MAX_BYTES:
        raise LutError(f"{name}: the file is {size} bytes; .cube files over {MAX_BYTES} bytes are refused")
    with open(name, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LutError(f"{name}: not a text file (a .cube LUT is plain text)") from None
    return parse_cube(text, name)


def _numbers(parts: list[str], count: int, where: str, what: str) -> tuple[float, ...]:
    if len(parts) != count:
        raise LutError(f"{where}: {what} needs {count} numbers, found {len(parts)}")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise LutError(f"{where}: {what} has something that is not a number: {' '.join(parts)!r}") from None
    for v in values:
        if not math.isfinite(v):
            raise LutError(f"{where}: {what} must be finite numbers (got {' '.join(parts)!r})")
    return values


def parse_cube(text: str, source: str = "<cube>") -> CubeLut:
    """Parse the text of a ``.cube`` file; ``source`` names it in errors."""
    if len(text) > MAX_BYTES:
        raise LutError(f"{source}: the file is over {MAX_BYTES} bytes; .cube files that large are refused")
    size = None
    title = ""
    dmin, dmax = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)
    rows: list[tuple[float, ...]] = []
    first_data_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}: line {number}"
        head, *rest = line.split()
        if head[0] in "+-.0123456789" or head.lower() in ("nan", "inf", "infinity"):
            if size is None:
                raise LutError(f"{where}: data before LUT_3D_SIZE")
            if not rows:
                first_data_line = number
            if len(rows) == size ** 3:
                raise LutError(f"{source}: more than the {size ** 3} entries LUT_3D_SIZE {size} needs "
                               f"(the extra one is on line {number})")
            values = _numbers(line.split(), 3, where, "an entry")
            for v in values:
                if v < -_SLACK or v > 1 + _SLACK:
                    raise LutError(f"{where}: value {v:g} is out of range; entries must be within 0..1")
            rows.append(values)
            continue
        if rows:
            raise LutError(f"{where}: keyword {head} after the data (keywords come first)")
        keyword = head.upper()
        if keyword == "TITLE":
            title = line[len(head):].strip().strip('"')
        elif keyword == "LUT_3D_SIZE":
            if len(rest) != 1 or not rest[0].isdigit() or not MIN_SIZE <= int(rest[0]) <= MAX_SIZE:
                raise LutError(f"{where}: LUT_3D_SIZE must be a whole number from {MIN_SIZE} to {MAX_SIZE} "
                               f"(got {' '.join(rest) or 'nothing'})")
            size = int(rest[0])
        elif keyword == "LUT_1D_SIZE":
            raise LutError(f"{where}: this is a 1D LUT; capkit reads 3D LUTs (LUT_3D_SIZE) only")
        elif keyword == "DOMAIN_MIN":
            dmin = _numbers(rest, 3, where, "DOMAIN_MIN")
        elif keyword == "DOMAIN_MAX":
            dmax = _numbers(rest, 3, where, "DOMAIN_MAX")
        else:
            raise LutError(f"{where}: unknown keyword {head!r}")
    if size is None:
        raise LutError(f"{source}: no LUT_3D_SIZE line (is this a .cube 3D LUT?)")
    if len(rows) != size ** 3:
        raise LutError(f"{source}: LUT_3D_SIZE {size} needs {size ** 3} entries, found {len(rows)}"
                       + (f" (data starts on line {first_data_line})" if rows else ""))
    if any(lo >= hi for lo, hi in zip(dmin, dmax)):
        raise LutError(f"{source}: DOMAIN_MIN must be below DOMAIN_MAX in every channel")
    data = np.clip(np.asarray(rows, np.float32), 0.0, 1.0)
    # File order is red fastest: [b][g][r]; capkit indexes [r][g][b].
    table = np.ascontiguousarray(data.reshape(size, size, size, 3).transpose(2, 1, 0, 3))
    return CubeLut(size, table, tuple(dmin), tuple(dmax), title)


def write_cube(path: str | os.PathLike, table: np.ndarray, title: str = "") -> None:
    """Write a [r, g, b]-indexed float table as a ``.cube`` file (for tests and generated looks)."""
    n = table.shape[0]
    lines = [f'TITLE "{title}"'] if title else []
    lines.append(f"LUT_3D_SIZE {n}")
    flat = np.asarray(table, np.float64).transpose(2, 1, 0, 3).reshape(-1, 3)
    lines.extend(f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in flat)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def identity_table(size: int) -> np.ndarray:
    """The [r, g, b]-indexed table that changes nothing."""
    axis = np.linspace(0.0, 1.0, size, dtype=np.float32)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    return np.stack([r, g, b], axis=-1)

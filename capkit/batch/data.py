"""The rows of a batch: a CSV file with a header row, or a JSON Lines file of objects.

Each row keeps the number a person finds it by. In a CSV file that is the line the record starts
on, which is also its row number in a spreadsheet (the header is row 1, so the first data row is
row 2); in a JSON Lines file it is the line number (blank lines are skipped but counted). Rows
given from Python as a list of dicts are numbered 1, 2, 3, ...

A malformed file is refused as a whole with one message naming the file and the line; a missing or
unusable *value* is not the reader's business (the template reports it for that row alone).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from capkit.errors import CapkitError


class DataError(CapkitError):
    """A data file that cannot be read as rows."""


@dataclass(frozen=True)
class Row:
    number: int  # as the user sees it: see the module docstring
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    columns: tuple[str, ...] | None  # CSV: the header; JSONL and Python rows: None (keys vary by row)
    base: Path | None  # folder that relative media paths in values are resolved against


def read_rows(path: str | os.PathLike) -> Table:
    """Rows of a ``.csv`` (header row first) or ``.jsonl``/``.ndjson`` file."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such data file")
    suffix = p.suffix.lower()
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{p}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    if suffix == ".csv":
        rows, columns = _csv_rows(text, p)
    elif suffix in (".jsonl", ".ndjson"):
        rows, columns = _jsonl_rows(text, p), None
    else:
        raise DataError(f"{p}: batch data must be a .csv file with a header row or a .jsonl file")
    if not rows:
        raise DataError(f"{p}: there are no data rows in it")
    return Table(rows, columns, p.resolve().parent)


def rows_from(records) -> Table:
    """Rows from Python: dicts (numbered 1, 2, ...) or :class:`Row` objects."""
    rows = []
    for i, record in enumerate(records, 1):
        if isinstance(record, Row):
            rows.append(record)
        elif isinstance(record, dict):
            rows.append(Row(i, dict(record)))
        else:
            raise DataError(f"row {i}: expected a dict of column -> value (got {type(record).__name__})")
    if not rows:
        raise DataError("there are no rows to render")
    numbers = [r.number for r in rows]
    if len(set(numbers)) != len(numbers):
        raise DataError("two rows have the same number")
    return Table(rows, None, Path.cwd())


def _csv_rows(text: str, path: Path) -> tuple[list[Row], tuple[str, ...]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise DataError(f"{path}: line 1 must be a header row naming the columns (e.g. title,bg)")
        columns = tuple(h.strip() for h in header)
        if "" in columns:
            raise DataError(f"{path}: line 1: column {columns.index('') + 1} of the header has no name")
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        if dupes:
            raise DataError(f"{path}: line 1: the column {dupes[0]!r} is named twice")
        rows = []
        line = reader.line_num + 1  # where the next record starts
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record or all(not v.strip() for v in record):
                continue  # blank line
            if len(record) != len(columns):
                raise DataError(f"{path}: line {start}: {len(record)} values for {len(columns)} columns "
                                f"({', '.join(columns)}); quote values that contain commas")
            rows.append(Row(start, dict(zip(columns, record))))
    except csv.Error as err:
        raise DataError(f"{path}: line {reader.line_num}: {err}") from None
    return rows, columns


def _jsonl_rows(text: str, path: Path) -> list[Row]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"{path}: line {n} is not valid JSON: {err.msg} (column {err.colno})") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}: line {n}: each line must be a JSON object like {{\"title\": \"...\"}}")
        rows.append(Row(n, record))
    return rows


__all__ = ["DataError", "Row", "Table", "read_rows", "rows_from"]

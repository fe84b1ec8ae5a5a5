"""Reading a text file the user named (a project, a subtitle file): its UTF-8 text, or one error.

Every reader of user files reports the same four problems the same way: the file is missing, is
a folder, cannot be read, or is not UTF-8 (with the line where decoding failed).
"""

from __future__ import annotations

from pathlib import Path

from capkit.errors import CapkitError


def read_text(path: Path, kind: str, error: type[CapkitError], name: str | None = None) -> str:
    """The file's text (a UTF-8 byte-order mark is dropped); ``name`` is how messages call the file."""
    name = name or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{name}: no such {kind} file ({path})") from None
    except IsADirectoryError:
        raise error(f"{name}: is a folder, not a {kind} file") from None
    except OSError as exc:
        raise error(f"{name}: cannot be read ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{name}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def read_data_file(path: Path, fmt: str, version: int, kind: str, error: type[CapkitError]) -> dict:
    """A versioned JSON data file (``{"format": fmt, "version": N, ...}``), checked for its format
    and for a version this capkit reads; every problem is one ``error`` naming the file."""
    import json

    text = read_text(path, kind, error)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise error(f"{path}: not valid JSON at line {err.lineno}: {err.msg}") from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise error(f"{path}: not a {kind} file (expected \"format\": \"{fmt}\")")
    if not isinstance(doc.get("version"), int) or doc["version"] > version:
        raise error(f"{path}: {kind} format version {doc.get('version')!r} is newer than this capkit reads "
                    f"({version}); update capkit")
    return doc
